#include "foreground.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "container.h"
#include "error.h"
#include "exec_trampoline.h"
#include "log.h"
#include "process.h"
#include "sync.h"

void foreground_signal_set(sigset_t *set)
{
        sigfillset(set);
        /* Faults are ours, not the container's; SIGKILL and SIGSTOP cannot be caught. */
        static const int ours[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,  SIGILL,  SIGFPE,
                                   SIGABRT, SIGTRAP, SIGSYS,  SIGTTIN, SIGTTOU, SIGTSTP};
        for (size_t i = 0; i < ARRAY_SIZE(ours); i++)
                sigdelset(set, ours[i]);
}

static void copy_winsize(int from, int to)
{
        struct winsize ws;
        if (ioctl(from, TIOCGWINSZ, &ws) == 0)
                ioctl(to, TIOCSWINSZ, &ws);
}

/* Copies what is readable on from to to; returns false at EOF or error. */
static bool pump(int from, int to)
{
        char buf[16384];
        ssize_t n = read(from, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        for (ssize_t off = 0; off < n;) {
                ssize_t w = write(to, buf + off, (size_t)(n - off));
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return false;
                off += w;
        }
        return true;
}

int foreground_wait(struct created_container *c, struct error **err)
{
        sigset_t set;
        foreground_signal_set(&set);
        _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0)
                return error_set(err, errno, "signalfd");
        bool raw = false;
        struct termios saved;
        int master = c->pty_master;
        if (master >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
                copy_winsize(STDIN_FILENO, master);
        }
        bool stdin_open = master >= 0, exited = false;
        int status = 0;
        _cleanup_free_ char *exec_error = NULL;
        while (!exited) {
                struct pollfd fds[4] = {
                    {.fd = sfd, .events = POLLIN},
                    {.fd = c->sync_fd, .events = POLLIN},
                    {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
                    {.fd = master, .events = POLLIN},
                };
                if (poll(fds, 4, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (fds[1].revents) {
                        char msg[4096];
                        int type = sync_recv(c->sync_fd, msg, sizeof(msg), NULL, NULL);
                        if (type == SYNC_ERROR && exec_error == NULL)
                                exec_error = exec_trampoline_explain(msg);
                        if (type <= 0) {
                                close(c->sync_fd);
                                c->sync_fd = -1;
                        }
                }
                if (fds[2].revents && !pump(STDIN_FILENO, master))
                        stdin_open = false;
                if (fds[3].revents && !pump(master, STDOUT_FILENO))
                        master = -1;
                if (fds[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                                continue;
                        int sig = (int)si.ssi_signo;
                        if (sig == SIGCHLD) {
                                if (waitpid(c->pid, &status, WNOHANG) == c->pid)
                                        exited = true;
                        } else if (sig == SIGWINCH && master >= 0) {
                                copy_winsize(STDIN_FILENO, master);
                        } else {
                                kill(c->pid, sig);
                        }
                }
        }
        /* What the container wrote just before it exited is still in the pty. */
        if (master >= 0) {
                fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
                for (;;) {
                        errno = 0;
                        if (!pump(master, STDOUT_FILENO) || errno == EAGAIN)
                                break;
                }
        }
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        if (exec_error) {
                error_set(err, 0, "%s", exec_error);
                return -1;
        }
        return process_exit_code(status);
}
