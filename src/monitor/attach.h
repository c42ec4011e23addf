/*
 * The attach socket: SOCK_SEQPACKET, one frame per message (see monitor.h for the frames).
 * Output is sent without waiting: a client whose socket buffer is full is dropped, so a slow
 * client never holds the container's output back.
 */
#pragma once
#include <stddef.h>

#include "monitor.h"

struct error;

struct attach_server {
        int listen_fd;
        char *path;
        int *clients; /* connected fds */
        size_t n_clients, cap_clients;
};

/* Binds and listens at path (mode 0600), replacing a stale socket there. */
int attach_server_open(struct attach_server *server, const char *path, struct error **err);
/* Accepts one waiting client into *fd. Returns 1, 0 when none is waiting, or -1 with *err. */
int attach_server_accept(struct attach_server *server, int *fd, struct error **err);
/* Sends data to every client as frames of stream, splitting at MONITOR_FRAME_MAX. */
void attach_server_broadcast(struct attach_server *server, enum monitor_stream stream,
                             const char *data, size_t len);
/* Closes one client (its reader sees end of file). */
void attach_server_drop(struct attach_server *server, int fd);
void attach_server_drop_all(struct attach_server *server);
/* Drops the clients, closes the socket and removes its path. */
void attach_server_release(struct attach_server *server);
