/* Attached mode of run and start -a: the monitor's stream to our stdout and stderr, our stdin
 * to the container (-i), signals forwarded, the local terminal raw with -t; then the exit code. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/engine.h"

/* Frames on the attach socket (docs/monitor.md): the first byte says which stream. */
enum { FRAME_STDIN = 0, FRAME_STDOUT = 1, FRAME_STDERR = 2, FRAME_RESIZE = 3, FRAME_CLOSE = 4 };

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -1;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

static void send_resize(int sock)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
                return;
        char frame[32];
        int n = snprintf(frame + 1, sizeof(frame) - 1, "%u %u", ws.ws_row, ws.ws_col);
        frame[0] = FRAME_RESIZE;
        (void)send(sock, frame, (size_t)n + 1, MSG_NOSIGNAL);
}

/* What a failed `runtime start` means for the exit code (docker's 126/127). */
int cli_start_failure_code(const struct error *err)
{
        const char *m = err ? err->msg : "";
        if (strstr(m, "not found") || strstr(m, "No such file"))
                return 127;
        if (strstr(m, "ermission denied") || strstr(m, "Exec format error") ||
            strstr(m, "Is a directory"))
                return 126;
        return BERTH_EXIT_FAILURE;
}

int cli_attach_and_wait(struct engine *e, struct container_row *row, int sock)
{
        json_t *options = json_object_get(row->data, "options");
        bool tty = json_is_true(json_object_get(options, "tty"));
        bool interactive = json_is_true(json_object_get(options, "interactive"));
        struct error *err = NULL;

        sigset_t mask, old;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, &old);
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

        struct termios saved;
        bool raw = false;
        if (tty && interactive && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
        if (tty)
                send_resize(sock);

        int ret = BERTH_EXIT_FAILURE;
        if (engine_container_start_process(e, row, &err) < 0) {
                ret = cli_start_failure_code(err);
                cli_fail(&err);
                goto out;
        }
        bool stdin_open = interactive;
        char *buf = xmalloc(65537);
        for (;;) {
                struct pollfd fds[3] = {{sock, POLLIN, 0},
                                        {sfd, POLLIN, 0},
                                        {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
                if (poll(fds, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (fds[0].revents) {
                        ssize_t n = recv(sock, buf, 65537, 0);
                        if (n <= 0)
                                break; /* the monitor closed: the container has exited */
                        if (n > 1)
                                (void)write_all(buf[0] == FRAME_STDERR ? STDERR_FILENO
                                                                       : STDOUT_FILENO,
                                                buf + 1, (size_t)n - 1);
                }
                if (fds[1].revents) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH)
                                        send_resize(sock);
                                else
                                        (void)engine_container_kill(e, row, (int)si.ssi_signo,
                                                                    &err),
                                            error_free(&err);
                        }
                }
                if (fds[2].revents) {
                        ssize_t n = read(STDIN_FILENO, buf + 1, 65536);
                        if (n <= 0) {
                                char close_frame = FRAME_CLOSE;
                                (void)send(sock, &close_frame, 1, MSG_NOSIGNAL);
                                stdin_open = false;
                        } else {
                                buf[0] = FRAME_STDIN;
                                (void)send(sock, buf, (size_t)n + 1, MSG_NOSIGNAL);
                        }
                }
        }
        free(buf);
        int code = 0;
        if (engine_container_wait(e, row, &code, &err) < 0) {
                cli_fail(&err);
                goto out;
        }
        ret = code;
out:
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        close(sock);
        if (sfd >= 0)
                close(sfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return ret;
}
