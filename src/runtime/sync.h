/*
 * The messages between the runtime (parent) and the container's init (child) during create,
 * over a SOCK_SEQPACKET pair: one byte of type, then text.
 *
 *   parent -> child  SYNC_GO        the id maps are written (an exec'd child: it is in
 *                                   the container's cgroup); go on
 *   parent -> child  SYNC_LIMITS    the cgroup limits are written (the init waits for it
 *                                   before READY; it may arrive between other messages)
 *   child -> parent  SYNC_HOOKS     namespaces and mounts are ready: run prestart and
 *                                   createRuntime hooks (only sent when there are any)
 *   parent -> child  SYNC_GO        hooks done
 *   child -> parent  SYNC_PTY       the pty master is attached (foreground run, no socket)
 *   child -> parent  SYNC_SECCOMP   the seccomp notify fd is attached, for listenerPath
 *   child -> parent  SYNC_READY     created: waiting for start
 *   either way       SYNC_ERROR     text is the error; the sender gives up
 */
#pragma once
#include <stddef.h>

enum sync_type {
        SYNC_GO = 'G',
        SYNC_LIMITS = 'L',
        SYNC_HOOKS = 'H',
        SYNC_PTY = 'P',
        SYNC_SECCOMP = 'S',
        SYNC_READY = 'R',
        SYNC_ERROR = 'E',
        SYNC_WARN = 'W', /* child -> parent: log this and go on waiting */
};

struct error;

int sync_send(int fd, enum sync_type type, const char *text);
/* Receives one message; text (NUL-terminated) goes to buf. Returns the type, 0 on EOF, or -1
 * with *err. A received fd (SYNC_PTY) is stored in *fd when fd is not NULL. */
int sync_recv(int fd, char *buf, size_t size, int *received_fd, struct error **err);
