#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "log.h"
#include "monitor.h"
#include "unix_socket.h"

/* The end of what the runtime printed on stderr: its error is the last line. */
struct stderr_tail {
        char text[4096];
        size_t len;
};

static void stderr_tail_add(struct stderr_tail *tail, const char *data, size_t len)
{
        size_t cap = sizeof(tail->text) - 1;
        if (len >= cap) {
                memcpy(tail->text, data + len - cap, cap);
                tail->len = cap;
        } else {
                if (tail->len + len > cap) {
                        size_t drop = tail->len + len - cap;
                        memmove(tail->text, tail->text + drop, tail->len - drop);
                        tail->len -= drop;
                }
                memcpy(tail->text + tail->len, data, len);
                tail->len += len;
        }
        tail->text[tail->len] = '\0';
}

/* Returns the last non-empty line, within tail's buffer (trailing blanks cut off). */
static const char *stderr_tail_last_line(struct stderr_tail *tail)
{
        while (tail->len > 0 && strchr("\n\r \t", tail->text[tail->len - 1]))
                tail->text[--tail->len] = '\0';
        char *newline = strrchr(tail->text, '\n');
        return newline ? newline + 1 : tail->text;
}

/* Reads what is there now; false at end of file or on an error (nothing more will come). */
static bool stderr_tail_read(struct stderr_tail *tail, int fd)
{
        char buf[4096];
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n > 0) {
                        stderr_tail_add(tail, buf, (size_t)n);
                        continue;
                }
                return n < 0 && errno == EAGAIN;
        }
}

/* The console socket: in a private directory, so no other process can connect first. */
struct console_socket {
        char *dir;
        char *path;
        int listen_fd;
        int conn_fd;
};

static int console_socket_open(struct console_socket *console, struct error **err)
{
        const char *tmp = getenv("TMPDIR");
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        console->dir = xasprintf("%s/berth-monitor-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(console->dir) == NULL) {
                int saved = errno;
                free(console->dir);
                console->dir = NULL;
                return error_set(err, saved, "create console socket directory");
        }
        console->path = xasprintf("%s/console.sock", console->dir);
        if (strlen(console->path) >= sizeof(addr.sun_path))
                return error_set(err, ENAMETOOLONG, "console socket %s", console->path);
        strcpy(addr.sun_path, console->path);
        console->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (console->listen_fd < 0)
                return error_set(err, errno, "console socket");
        if (bind(console->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return error_set(err, errno, "bind console socket %s", console->path);
        if (listen(console->listen_fd, 1) < 0)
                return error_set(err, errno, "listen on console socket %s", console->path);
        return 0;
}

static void console_socket_release(struct console_socket *console)
{
        if (console->listen_fd >= 0)
                close(console->listen_fd);
        if (console->conn_fd >= 0)
                close(console->conn_fd);
        console->listen_fd = console->conn_fd = -1;
        if (console->path)
                unlink(console->path);
        if (console->dir)
                rmdir(console->dir);
        free(console->path);
        free(console->dir);
        console->path = console->dir = NULL;
}

/* Takes the runtime's connection and the pty master when they are there. Returns 1 once the
 * master is in *master, 0 while it has not come yet, -1 with *err. */
static int console_socket_receive(struct console_socket *console, int *master, struct error **err)
{
        if (console->conn_fd < 0) {
                console->conn_fd =
                    accept4(console->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (console->conn_fd < 0)
                        return errno == EAGAIN ? 0
                                               : error_set(err, errno, "accept on console socket");
        }
        char data[256];
        struct error *recv_err = NULL;
        int fd = unix_socket_recv_fd(console->conn_fd, data, sizeof(data), &recv_err);
        if (fd < 0) {
                if (recv_err->errnum == EAGAIN) {
                        error_free(&recv_err);
                        return 0;
                }
                *err = recv_err;
                return error_wrap(err, "console socket");
        }
        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
                close(fd);
                return error_set(err, errno, "set pty master non-blocking");
        }
        *master = fd;
        close(console->conn_fd);
        console->conn_fd = -1;
        return 1;
}

void monitor_child_reset_signals(void)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
}

/* argv for `RUNTIME [ARGS] VERB...`; the strings are borrowed. */
static const char **runtime_argv(const struct monitor_options *opts, const char *const *verb)
{
        size_t n_args = 0, n_verb = 0;
        while (opts->runtime_args[n_args])
                n_args++;
        while (verb[n_verb])
                n_verb++;
        const char **argv = xcalloc(1 + n_args + n_verb + 1, sizeof(*argv));
        argv[0] = opts->runtime;
        memcpy(argv + 1, opts->runtime_args, n_args * sizeof(*argv));
        memcpy(argv + 1 + n_args, verb, n_verb * sizeof(*argv));
        return argv;
}

/* Forks the runtime with fds[0..2] as its stdio (-1: /dev/null). Returns its pid. */
static pid_t runtime_spawn(const char **argv, const int fds[3], struct error **err)
{
        pid_t pid = fork();
        if (pid < 0)
                return error_set(err, errno, "fork runtime");
        if (pid > 0)
                return pid;
        monitor_child_reset_signals();
        for (int i = 0; i < 3; i++) {
                if (fds[i] < 0) {
                        int null_fd = open("/dev/null", O_RDWR);
                        if (null_fd >= 0 && null_fd != i) {
                                dup2(null_fd, i);
                                close(null_fd);
                        }
                } else {
                        dup2(fds[i], i); /* the fds are >= 3 (main keeps 0-2 taken) */
                }
        }
        execvp(argv[0], (char *const *)argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
}

static int wait_child(pid_t pid)
{
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return status;
}

void monitor_runtime_delete(const struct monitor_options *opts)
{
        const char *verb[] = {"delete", "--force", opts->id, NULL};
        _cleanup_free_ const char **argv = runtime_argv(opts, verb);
        struct error *err = NULL;
        const int fds[3] = {-1, -1, 2};
        pid_t pid = runtime_spawn(argv, fds, &err);
        if (pid < 0) {
                log_error("%s", err->msg);
                error_free(&err);
                return;
        }
        wait_child(pid);
}

static pid_t read_pid_file(const char *path, struct error **err)
{
        _cleanup_free_ char *text = fs_read_file(path, NULL, err);
        if (text == NULL)
                return error_wrap(err, "read pid file");
        char *end;
        errno = 0;
        long pid = strtol(text, &end, 10);
        if (errno != 0 || end == text || pid <= 0 || (*end != '\0' && *end != '\n'))
                return error_set(err, 0, "pid file %s: not a pid", path);
        return (pid_t)pid;
}

/* Runs create and waits for it, reading its stderr and the console socket meanwhile. Returns
 * its wait status, or -1 with *err. */
static int run_create(const struct monitor_options *opts, struct monitor_stdio *stdio,
                      struct console_socket *console, int *master, int sigfd,
                      struct stderr_tail *tail, struct error **err)
{
        const char *verb[] = {"create", "--bundle", opts->bundle, "--pid-file", opts->pid_file,
                              NULL,     NULL,       NULL,         NULL};
        size_t n = 5;
        if (console) {
                verb[n++] = "--console-socket";
                verb[n++] = console->path;
        }
        verb[n] = opts->id;
        _cleanup_free_ const char **argv = runtime_argv(opts, verb);
        pid_t pid = runtime_spawn(argv, stdio->runtime_fd, err);
        if (pid < 0)
                return -1;
        monitor_stdio_close_runtime_side(stdio);

        bool reading = true;
        for (;;) {
                struct pollfd fds[3] = {
                    {.fd = sigfd, .events = POLLIN},
                    {.fd = reading ? stdio->runtime_err_fd : -1, .events = POLLIN},
                    {.fd = -1, .events = POLLIN},
                };
                if (console && *master < 0)
                        fds[2].fd = console->conn_fd >= 0 ? console->conn_fd : console->listen_fd;
                if (poll(fds, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set(err, errno, "poll");
                }
                if (fds[1].revents)
                        reading = stderr_tail_read(tail, stdio->runtime_err_fd);
                if (fds[2].revents && console_socket_receive(console, master, err) < 0) {
                        /* The runtime's own failure, if any, says more; else it shows below. */
                        log_warn("%s", (*err)->msg);
                        error_free(err);
                }
                if (fds[0].revents) {
                        struct signalfd_siginfo info;
                        while (read(sigfd, &info, sizeof(info)) > 0)
                                ;
                        int status;
                        pid_t done = waitpid(pid, &status, WNOHANG);
                        if (done == pid) {
                                /* What it wrote before exiting is in the pipe now. */
                                if (reading)
                                        stderr_tail_read(tail, stdio->runtime_err_fd);
                                return status;
                        }
                }
        }
}

pid_t monitor_runtime_create(const struct monitor_options *opts, struct monitor_stdio *stdio,
                             int sigfd, struct error **err)
{
        struct console_socket console = {.listen_fd = -1, .conn_fd = -1};
        struct stderr_tail tail = {.len = 0};
        int master = -1, status;
        pid_t container = -1;
        const char *line;

        if (opts->terminal && console_socket_open(&console, err) < 0)
                goto out;
        status =
            run_create(opts, stdio, opts->terminal ? &console : NULL, &master, sigfd, &tail, err);
        if (status < 0)
                goto out;
        line = stderr_tail_last_line(&tail);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (*line)
                        error_set(err, 0, "%s", line);
                else
                        error_set(err, 0, "runtime create exited with status %d",
                                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                goto out;
        }
        if (*line)
                log_warn("runtime create: %s", line);
        if (opts->terminal && master < 0 && console_socket_receive(&console, &master, err) <= 0) {
                if (*err == NULL)
                        error_set(err, 0, "runtime sent no pty master on the console socket");
                monitor_runtime_delete(opts);
                goto out;
        }
        container = read_pid_file(opts->pid_file, err);
        if (container < 0) {
                monitor_runtime_delete(opts);
                goto out;
        }
        if (opts->terminal) {
                stdio->output_fd[1] = steal_fd(&master);
                /* Input gets its own fd so that it can be watched for writing on its own. */
                if (opts->stdin_open) {
                        stdio->input_fd = fcntl(stdio->output_fd[1], F_DUPFD_CLOEXEC, 3);
                        if (stdio->input_fd < 0)
                                log_warn("dup pty master: %s", strerror(errno));
                }
        }
out:
        if (master >= 0)
                close(master);
        console_socket_release(&console);
        monitor_stdio_close_runtime_side(stdio);
        if (stdio->runtime_err_fd != stdio->output_fd[2])
                close(stdio->runtime_err_fd);
        stdio->runtime_err_fd = -1;
        return container;
}
