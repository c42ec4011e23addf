#include "sync.h"

#include <errno.h>
#include <unistd.h>
#include <string.h>
#include <sys/socket.h>

#include "alloc.h"
#include "error.h"

int sync_send(int fd, enum sync_type type, const char *text)
{
        size_t len = text ? strlen(text) : 0;
        char *msg = xmalloc(len + 1);
        msg[0] = (char)type;
        if (len)
                memcpy(msg + 1, text, len);
        ssize_t n;
        do
                n = send(fd, msg, len + 1, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        free(msg);
        return n < 0 ? -1 : 0;
}

int sync_recv(int fd, char *buf, size_t size, int *received_fd, struct error **err)
{
        char msg[4096];
        struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg) - 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct msghdr hdr = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = control.buf,
            .msg_controllen = sizeof(control.buf),
        };
        ssize_t n;
        int resets = 0;
        /* A peer that exits with our messages unread leaves ECONNRESET pending, and the kernel
         * reports it before the messages the peer did send (its SYNC_ERROR): the error is
         * cleared once reported, so read on. */
        do
                n = recvmsg(fd, &hdr, MSG_CMSG_CLOEXEC);
        while (n < 0 && (errno == EINTR || (errno == ECONNRESET && resets++ == 0)));
        if (n < 0)
                return error_set(err, errno, "read from container init");
        if (n == 0)
                return 0;
        msg[n] = '\0';
        if (buf && size) {
                strncpy(buf, msg + 1, size - 1);
                buf[size - 1] = '\0';
        }
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&hdr);
        if (cmsg && cmsg->cmsg_type == SCM_RIGHTS) {
                int got;
                memcpy(&got, CMSG_DATA(cmsg), sizeof(int));
                if (received_fd)
                        *received_fd = got;
                else
                        close(got);
        }
        return (unsigned char)msg[0];
}
