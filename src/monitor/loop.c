#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "log.h"
#include "process.h"

/* Client input the container has not read yet, beyond which clients are not read from. */
#define INPUT_QUEUE_LIMIT (1024 * 1024)

enum watch_kind {
        WATCH_SIGNAL,
        WATCH_OUTPUT,
        WATCH_INPUT,
        WATCH_LISTEN,
        WATCH_CLIENT,
        WATCH_HEALTH,
};

/* epoll_event.data: the kind in the high half, the stream or fd in the low half. */
#define WATCH(kind, n) (((uint64_t)(kind) << 32) | (uint32_t)(n))

struct loop {
        const struct monitor_options *opts;
        struct monitor_stdio *stdio;
        struct k8s_log *log;
        struct attach_server *attach;
        int epfd;
        int sigfd;
        pid_t init_pid;
        bool exited;
        int exit_code;
        bool log_failing; /* reported once until a write works again */
        /* Input for the container's stdin, written as it reads. */
        char *input;
        size_t input_len, input_cap;
        bool input_watched; /* input_fd is in epoll for EPOLLOUT */
        bool input_close_pending;
        bool clients_paused; /* input_len is over the limit */
        int health_timer;    /* timerfd, -1 without a health command */
        pid_t health_pid;    /* the running health command, 0 when none */
};

static int watch(struct loop *loop, int op, int fd, uint32_t events, uint64_t data)
{
        struct epoll_event event = {.events = events, .data.u64 = data};
        return epoll_ctl(loop->epfd, op, fd, &event);
}

static void reap_children(struct loop *loop)
{
        int status;
        pid_t pid;
        /* Besides the init, anything reparented to the monitor (it is a subreaper). */
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                if (pid == loop->init_pid) {
                        loop->exited = true;
                        loop->exit_code = process_exit_code(status);
                }
                if (pid == loop->health_pid)
                        loop->health_pid = 0;
        }
}

static void close_output(struct loop *loop, int stream)
{
        int *fd = &loop->stdio->output_fd[stream];
        epoll_ctl(loop->epfd, EPOLL_CTL_DEL, *fd, NULL);
        /* The pty master is also the input (a dup): only its watch goes here. */
        close(*fd);
        *fd = -1;
}

static void output_chunk(struct loop *loop, int stream, const char *data, size_t len)
{
        struct error *err = NULL;
        if (k8s_log_write(loop->log, stream == MONITOR_STREAM_STDERR ? "stderr" : "stdout", data,
                          len, &err) < 0) {
                if (!loop->log_failing)
                        log_error("%s", err->msg);
                loop->log_failing = true;
                error_free(&err);
        } else {
                loop->log_failing = false;
        }
        attach_server_broadcast(loop->attach, (enum monitor_stream)stream, data, len);
}

/* Reads one chunk from stream. Returns false when nothing more is there now (or ever). */
static bool output_read(struct loop *loop, int stream)
{
        static char buf[MONITOR_FRAME_MAX];
        int fd = loop->stdio->output_fd[stream];
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
                output_chunk(loop, stream, buf, (size_t)n);
                return true;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return n < 0 && errno == EINTR;
        /* End of file; EIO from a pty master whose every slave is closed. */
        close_output(loop, stream);
        return false;
}

static void input_close(struct loop *loop)
{
        int *fd = &loop->stdio->input_fd;
        if (*fd >= 0) {
                if (loop->input_watched)
                        epoll_ctl(loop->epfd, EPOLL_CTL_DEL, *fd, NULL);
                close(*fd);
        }
        *fd = -1;
        loop->input_watched = false;
        loop->input_len = 0;
        loop->input_close_pending = false;
}

static void clients_set_paused(struct loop *loop, bool paused)
{
        if (loop->clients_paused == paused)
                return;
        loop->clients_paused = paused;
        for (size_t i = 0; i < loop->attach->n_clients; i++) {
                int fd = loop->attach->clients[i];
                watch(loop, EPOLL_CTL_MOD, fd, paused ? 0 : EPOLLIN, WATCH(WATCH_CLIENT, fd));
        }
}

/* Writes what is queued as far as the container takes it. */
static void input_flush(struct loop *loop)
{
        int fd = loop->stdio->input_fd;
        size_t done = 0;
        while (fd >= 0 && done < loop->input_len) {
                ssize_t n = write(fd, loop->input + done, loop->input_len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0) {
                        /* EPIPE: nobody reads the container's stdin any more. */
                        input_close(loop);
                        clients_set_paused(loop, false);
                        return;
                }
                done += (size_t)n;
        }
        memmove(loop->input, loop->input + done, loop->input_len - done);
        loop->input_len -= done;
        if (loop->input_len == 0 && loop->input_close_pending) {
                input_close(loop);
        } else if (loop->input_len > 0 && !loop->input_watched) {
                if (watch(loop, EPOLL_CTL_ADD, fd, EPOLLOUT, WATCH(WATCH_INPUT, 0)) == 0)
                        loop->input_watched = true;
        } else if (loop->input_len == 0 && loop->input_watched) {
                epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
                loop->input_watched = false;
        }
        clients_set_paused(loop, loop->input_len >= INPUT_QUEUE_LIMIT);
}

static void input_push(struct loop *loop, const char *data, size_t len)
{
        if (loop->stdio->input_fd < 0 || loop->input_close_pending)
                return; /* stdin is closed, or is /dev/null */
        if (loop->input_len + len > loop->input_cap) {
                loop->input_cap = loop->input_len + len + 4096;
                loop->input = xrealloc(loop->input, loop->input_cap);
        }
        memcpy(loop->input + loop->input_len, data, len);
        loop->input_len += len;
        input_flush(loop);
}

static void terminal_resize(struct loop *loop, const char *text)
{
        char *end;
        if (!loop->opts->terminal || loop->stdio->output_fd[1] < 0)
                return;
        /* "ROWS COLS" (monitor.h). */
        unsigned long rows = strtoul(text, &end, 10);
        if (end == text || *end != ' ')
                return;
        text = end + 1;
        unsigned long cols = strtoul(text, &end, 10);
        if (end == text || rows > USHRT_MAX || cols > USHRT_MAX)
                return;
        struct winsize size = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
        if (ioctl(loop->stdio->output_fd[1], TIOCSWINSZ, &size) < 0)
                log_warn("resize terminal: %s", strerror(errno));
}

static bool client_connected(struct loop *loop, int fd)
{
        for (size_t i = 0; i < loop->attach->n_clients; i++)
                if (loop->attach->clients[i] == fd)
                        return true;
        return false;
}

static void client_read(struct loop *loop, int fd)
{
        static char frame[1 + MONITOR_FRAME_MAX + 1];
        if (!client_connected(loop, fd))
                return; /* dropped while sending earlier in this round */
        struct iovec iov = {.iov_base = frame, .iov_len = sizeof(frame) - 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0 || (msg.msg_flags & MSG_TRUNC)) {
                attach_server_drop(loop->attach, fd);
                return;
        }
        frame[n] = '\0';
        switch (frame[0]) {
        case MONITOR_STREAM_STDIN:
                input_push(loop, frame + 1, (size_t)n - 1);
                break;
        case MONITOR_STREAM_RESIZE:
                terminal_resize(loop, frame + 1);
                break;
        case MONITOR_STREAM_CLOSE_STDIN:
                /* A pty has no half close: closing the master would hang the terminal up. */
                if (loop->opts->terminal)
                        break;
                if (loop->input_len > 0)
                        loop->input_close_pending = true;
                else
                        input_close(loop);
                break;
        default:
                break; /* kinds from a newer client */
        }
}

static void client_accept(struct loop *loop)
{
        struct error *err = NULL;
        int fd, rc;
        while ((rc = attach_server_accept(loop->attach, &fd, &err)) > 0) {
                if (watch(loop, EPOLL_CTL_ADD, fd, loop->clients_paused ? 0 : EPOLLIN,
                          WATCH(WATCH_CLIENT, fd)) < 0) {
                        attach_server_drop(loop->attach, fd);
                        continue;
                }
                const char attached = MONITOR_STREAM_ATTACHED;
                (void)send(fd, &attached, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        if (rc < 0) {
                log_warn("%s", err->msg);
                error_free(&err);
        }
}

/* A tick of the health timer: starts the health command unless the last one still runs. */
static void health_tick(struct loop *loop)
{
        uint64_t ticks;
        while (read(loop->health_timer, &ticks, sizeof(ticks)) > 0)
                ;
        if (loop->health_pid > 0)
                return;
        const struct monitor_options *o = loop->opts;
        size_t n_args = 0;
        while (o->health_args[n_args])
                n_args++;
        const char **argv = xcalloc(n_args + 2, sizeof(*argv));
        argv[0] = o->health_command;
        memcpy(argv + 1, o->health_args, n_args * sizeof(*argv));
        pid_t pid = fork();
        if (pid == 0) {
                monitor_child_reset_signals();
                int null_fd = open("/dev/null", O_RDWR);
                if (null_fd >= 0) {
                        dup2(null_fd, 0);
                        dup2(null_fd, 1);
                        dup2(null_fd, 2);
                }
                close_range(3, ~0U, 0);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        free(argv);
        if (pid < 0)
                log_warn("fork health command: %s", strerror(errno));
        else
                loop->health_pid = pid;
}

static void handle(struct loop *loop, const struct epoll_event *event)
{
        uint32_t n = (uint32_t)event->data.u64;
        switch ((enum watch_kind)(event->data.u64 >> 32)) {
        case WATCH_SIGNAL: {
                struct signalfd_siginfo info;
                while (read(loop->sigfd, &info, sizeof(info)) > 0)
                        ;
                reap_children(loop);
                break;
        }
        case WATCH_OUTPUT:
                output_read(loop, (int)n);
                break;
        case WATCH_INPUT:
                input_flush(loop);
                break;
        case WATCH_LISTEN:
                client_accept(loop);
                break;
        case WATCH_CLIENT:
                client_read(loop, (int)n);
                break;
        case WATCH_HEALTH:
                health_tick(loop);
                break;
        }
}

int monitor_loop_run(const struct monitor_options *opts, struct monitor_stdio *stdio,
                     struct k8s_log *log, struct attach_server *attach, int sigfd, pid_t init_pid,
                     struct error **err)
{
        struct loop loop = {
            .opts = opts,
            .stdio = stdio,
            .log = log,
            .attach = attach,
            .sigfd = sigfd,
            .init_pid = init_pid,
            .health_timer = -1,
        };
        _cleanup_close_ int epfd = epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0)
                return error_set(err, errno, "epoll");
        loop.epfd = epfd;
        if (watch(&loop, EPOLL_CTL_ADD, sigfd, EPOLLIN, WATCH(WATCH_SIGNAL, 0)) < 0 ||
            watch(&loop, EPOLL_CTL_ADD, attach->listen_fd, EPOLLIN, WATCH(WATCH_LISTEN, 0)) < 0)
                return error_set(err, errno, "epoll_ctl");
        for (int stream = 1; stream <= 2; stream++) {
                int fd = stdio->output_fd[stream];
                if (fd >= 0 && watch(&loop, EPOLL_CTL_ADD, fd, EPOLLIN,
                                     WATCH(WATCH_OUTPUT, (uint32_t)stream)) < 0)
                        return error_set(err, errno, "epoll_ctl");
        }
        _cleanup_close_ int health_timer = -1;
        if (opts->health_command && opts->health_interval_ms > 0) {
                health_timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
                struct itimerspec every = {
                    .it_interval = {opts->health_interval_ms / 1000,
                                    opts->health_interval_ms % 1000 * 1000000},
                };
                every.it_value = every.it_interval; /* the first check one interval in */
                if (health_timer < 0 || timerfd_settime(health_timer, 0, &every, NULL) < 0 ||
                    watch(&loop, EPOLL_CTL_ADD, health_timer, EPOLLIN, WATCH(WATCH_HEALTH, 0)) < 0)
                        log_warn("health checks: %s", strerror(errno));
                else
                        loop.health_timer = health_timer;
        }
        /* The init may have exited before the loop began (its SIGCHLD went to create's wait). */
        reap_children(&loop);

        struct epoll_event events[16];
        while (!loop.exited) {
                int n = epoll_wait(epfd, events, (int)ARRAY_SIZE(events), -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        free(loop.input);
                        return error_set(err, errno, "epoll_wait");
                }
                /* (A client that starts the container waits for our "accepted" frame first,
                 * so no output can come before its connection is accepted.) */
                for (int i = 0; i < n; i++)
                        handle(&loop, &events[i]);
        }
        /* Everything the init and its last writers wrote is in the pipes (or the pty) now. */
        for (int stream = 1; stream <= 2; stream++)
                while (output_read(&loop, stream))
                        ;
        if (loop.input_watched)
                epoll_ctl(epfd, EPOLL_CTL_DEL, stdio->input_fd, NULL);
        free(loop.input);
        return loop.exit_code;
}
