/* Passing file descriptors over unix sockets (SCM_RIGHTS). */
#pragma once
#include <stddef.h>

struct error;

/* Connects a SOCK_STREAM socket to path. Returns the fd or -1 with *err. */
int unix_socket_connect(const char *path, struct error **err);
/* Sends fd with data (at least one byte is always sent, as receivers expect). */
int unix_socket_send_fd(int sock, int fd, const char *data, struct error **err);
/* Receives one fd; the data that came with it is copied into buf (NUL-terminated). */
int unix_socket_recv_fd(int sock, char *buf, size_t size, struct error **err);
