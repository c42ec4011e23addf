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
#include "engine/detach_keys.h"
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
        const struct cli_attach_options o = {
            .start_process = true, .sig_proxy = true, .close_stdin_at_eof = true};
        return cli_attach_session(e, row, sock, &o);
}

/* Our stdin to the container, through the detach-key matcher; true when the user detached. */
static bool forward_input(int sock, struct detach_keys *keys, bool use_keys, const char *in,
                          size_t n, char *frame)
{
        size_t len = n;
        bool detach = false;
        if (use_keys)
                detach = detach_keys_feed(keys, (const unsigned char *)in, n,
                                          (unsigned char *)frame + 1, &len);
        else
                memcpy(frame + 1, in, n);
        if (len > 0) {
                frame[0] = FRAME_STDIN;
                (void)send(sock, frame, len + 1, MSG_NOSIGNAL);
        }
        return detach;
}

int cli_attach_session(struct engine *e, struct container_row *row, int sock,
                       const struct cli_attach_options *o)
{
        json_t *options = json_object_get(row->data, "options");
        bool tty = json_is_true(json_object_get(options, "tty"));
        bool interactive = json_is_true(json_object_get(options, "interactive")) && !o->no_stdin;
        struct error *err = NULL;
        struct detach_keys keys;
        if (detach_keys_parse(o->detach_keys ? o->detach_keys : DETACH_KEYS_DEFAULT, &keys, &err) <
            0) {
                close(sock);
                return cli_fail(&err);
        }
        /* docker's rule: the keys are looked for on a terminal's input only. */
        bool use_keys = tty && interactive;

        sigset_t mask, old;
        sigemptyset(&mask);
        if (o->sig_proxy) {
                sigaddset(&mask, SIGINT);
                sigaddset(&mask, SIGTERM);
                sigaddset(&mask, SIGHUP);
                sigaddset(&mask, SIGQUIT);
        }
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
        if (o->start_process && engine_container_start_process(e, row, &err) < 0) {
                ret = cli_start_failure_code(err);
                cli_fail(&err);
                goto out;
        }
        bool stdin_open = interactive;
        bool detached = false;
        char *buf = xmalloc(65537);
        char *frame = xmalloc(65537 + DETACH_KEYS_MAX);
        while (!detached) {
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
                        ssize_t n = read(STDIN_FILENO, buf, 65536);
                        if (n <= 0) {
                                char close_frame = FRAME_CLOSE;
                                if (o->close_stdin_at_eof)
                                        (void)send(sock, &close_frame, 1, MSG_NOSIGNAL);
                                stdin_open = false;
                        } else {
                                detached =
                                    forward_input(sock, &keys, use_keys, buf, (size_t)n, frame);
                        }
                }
        }
        free(buf);
        free(frame);
        if (detached) {
                /* The container goes on; so does its monitor, which dropped us. */
                ret = 0;
                goto out;
        }
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
