#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"

/* How much output a client may have unread before it is dropped (the kernel doubles it). */
#define CLIENT_SEND_BUFFER (256 * 1024)

int attach_server_open(struct attach_server *server, const char *path, struct error **err)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        *server = (struct attach_server){.listen_fd = -1};
        /* A path longer than sun_path's 108 bytes (a deep --runroot) is bound through an fd of
         * its directory: /proc/self/fd/N/NAME is short whatever the directory's path. */
        const char *slash = strrchr(path, '/');
        _cleanup_close_ int dirfd = -1;
        if (strlen(path) >= sizeof(addr.sun_path) && slash && slash != path) {
                _cleanup_free_ char *dir = xstrndup(path, (size_t)(slash - path));
                dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                        return error_set(err, errno, "attach socket directory %s", dir);
                snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dirfd,
                         slash + 1);
        } else if (strlen(path) >= sizeof(addr.sun_path)) {
                return error_set(err, ENAMETOOLONG, "attach socket %s", path);
        } else {
                strcpy(addr.sun_path, path);
        }
        server->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (server->listen_fd < 0)
                return error_set(err, errno, "attach socket");
        /* A socket left by an earlier monitor of the same container. */
        if (unlink(path) < 0 && errno != ENOENT)
                return error_set(err, errno, "remove old attach socket %s", path);
        /* The mode is set at bind, so there is no moment where others may connect. */
        mode_t old_umask = umask(0177);
        int rc = bind(server->listen_fd, (struct sockaddr *)&addr, sizeof(addr));
        int saved = errno;
        umask(old_umask);
        if (rc < 0)
                return error_set(err, saved, "bind attach socket %s", path);
        server->path = xstrdup(path);
        if (listen(server->listen_fd, 16) < 0)
                return error_set(err, errno, "listen on attach socket %s", path);
        return 0;
}

int attach_server_accept(struct attach_server *server, int *fd, struct error **err)
{
        int client = accept4(server->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (client < 0) {
                if (errno == EAGAIN || errno == ECONNABORTED || errno == EINTR)
                        return 0;
                return error_set(err, errno, "accept on attach socket");
        }
        int size = CLIENT_SEND_BUFFER;
        setsockopt(client, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        if (server->n_clients == server->cap_clients) {
                server->cap_clients = server->cap_clients ? server->cap_clients * 2 : 4;
                server->clients =
                    xrealloc(server->clients, server->cap_clients * sizeof(*server->clients));
        }
        server->clients[server->n_clients++] = client;
        *fd = client;
        return 1;
}

void attach_server_drop(struct attach_server *server, int fd)
{
        for (size_t i = 0; i < server->n_clients; i++) {
                if (server->clients[i] == fd) {
                        server->clients[i] = server->clients[--server->n_clients];
                        close(fd);
                        return;
                }
        }
}

void attach_server_broadcast(struct attach_server *server, enum monitor_stream stream,
                             const char *data, size_t len)
{
        static char frame[1 + MONITOR_FRAME_MAX];
        while (len > 0 && server->n_clients > 0) {
                size_t n = len < MONITOR_FRAME_MAX ? len : MONITOR_FRAME_MAX;
                frame[0] = (char)stream;
                memcpy(frame + 1, data, n);
                for (size_t i = 0; i < server->n_clients;) {
                        ssize_t sent;
                        do
                                sent = send(server->clients[i], frame, n + 1,
                                            MSG_DONTWAIT | MSG_NOSIGNAL);
                        while (sent < 0 && errno == EINTR);
                        if (sent < 0)
                                attach_server_drop(server, server->clients[i]); /* slow or gone */
                        else
                                i++;
                }
                data += n;
                len -= n;
        }
}

void attach_server_drop_all(struct attach_server *server)
{
        while (server->n_clients > 0)
                attach_server_drop(server, server->clients[0]);
}

void attach_server_release(struct attach_server *server)
{
        attach_server_drop_all(server);
        free(server->clients);
        server->clients = NULL;
        server->cap_clients = 0;
        if (server->listen_fd >= 0)
                close(server->listen_fd);
        server->listen_fd = -1;
        if (server->path)
                unlink(server->path);
        free(server->path);
        server->path = NULL;
}
