/*
 * Deadlines for a request's head, against slowloris: libmicrohttpd's connection timeout is an
 * idle timeout, so a client that sends one byte of its headers now and then keeps its
 * connection (and its slot among limits.max_connections) for ever. Here a reaper thread shuts
 * down the sockets of connections that:
 *   - wait for a request line (a new connection, or one whose last reply went out) for longer
 *     than limits.connection_timeout, however many bytes trickle in;
 *   - have their request line but not all the headers after limits.header_timeout.
 * A request whose head is in has no deadline here: its body and reply are libmicrohttpd's
 * idle timeout's (and the upload timeout's).
 */
#pragma once
#include <microhttpd.h>

#include "base/error.h"

struct head_deadlines;

/* IDLE_SECONDS and HEADER_SECONDS: 0 turns that deadline off (both 0: no thread). */
int head_deadlines_start(unsigned idle_seconds, unsigned header_seconds,
                         struct head_deadlines **out, struct error **err);
/* After MHD_stop_daemon: no connection is left then. */
void head_deadlines_stop(struct head_deadlines *d);
/* Connections the reaper closed so far (/metrics). */
unsigned long long head_deadlines_closed(const struct head_deadlines *d);

/* libmicrohttpd's callbacks, with D as their closure: MHD_OPTION_NOTIFY_CONNECTION and
 * MHD_OPTION_URI_LOG_CALLBACK (returns NULL: the access handler's context starts empty). */
void head_deadlines_on_connection(void *d, struct MHD_Connection *connection, void **socket_context,
                                  enum MHD_ConnectionNotificationCode code);
void *head_deadlines_on_request_line(void *d, const char *uri, struct MHD_Connection *connection);
/* From the access handler's first call (the head is in) and from the completion callback (the
 * connection waits for its next request). D may be NULL (no deadlines). */
void head_deadlines_head_done(struct head_deadlines *d, struct MHD_Connection *connection);
void head_deadlines_request_done(struct head_deadlines *d, struct MHD_Connection *connection);
