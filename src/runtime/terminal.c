#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "init.h"
#include "sync.h"
#include "unix_socket.h"

int terminal_setup(struct init_context *ctx, struct error **err)
{
        const struct oci_process *p = ctx->config->process;
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return error_set(err, errno, "open /dev/ptmx in the container");
        if (unlockpt(master) < 0)
                return error_set(err, errno, "unlockpt");
        if (p->console_height && p->console_width) {
                struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                                     .ws_col = (unsigned short)p->console_width};
                if (ioctl(master, TIOCSWINSZ, &ws) < 0)
                        return error_set(err, errno, "set console size");
        }
        /* TIOCGPTPEER opens the slave through the master: no path lookup to race. */
        _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0)
                return error_set(err, errno, "open pty slave");
        char name[64] = "";
        ptsname_r(master, name, sizeof(name));
        if (ctx->console_fd >= 0) {
                if (unix_socket_send_fd(ctx->console_fd, master, name, err) < 0)
                        return error_wrap(err, "console socket %s", ctx->opts->console_socket);
                close(ctx->console_fd);
                ctx->console_fd = -1;
        } else {
                char type[2] = {SYNC_PTY, '\0'};
                if (unix_socket_send_fd(ctx->sync_fd, master, type, err) < 0)
                        return -1;
        }
        /* /dev/console is the container's terminal, as with runc: the pty bound over it
         * (not for exec, whose mount namespace is the container's own). */
        if (name[0] && !ctx->is_exec) {
                int fd = open("/dev/console", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd >= 0)
                        close(fd);
                if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
                        return error_set(err, errno, "bind %s on /dev/console", name);
        }
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return error_set(err, errno, "set controlling terminal");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return error_set(err, errno, "dup2 pty to fd %d", fd);
        return 0;
}
