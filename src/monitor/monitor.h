/*
 * berth-monitor: one small process per running container (conmon's job). It holds the
 * container's stdio, writes its log, serves attach, and records how the container ended.
 *
 * Command line (every path absolute; relative ones are taken from the monitor's cwd, which it
 * leaves for "/" at once):
 *
 *   berth-monitor --runtime PATH [--runtime-arg ARG]... --id ID --bundle DIR
 *       --log-path FILE [--log-max-size BYTES] --exit-file FILE --attach-socket PATH
 *       --pid-file FILE [--terminal] [--stdin] [--sync-fd N]
 *       [--exit-command PATH [--exit-arg ARG]...]
 *       [--health-interval SECONDS --health-command PATH [--health-arg ARG]...]
 *
 * Protocol with the engine:
 *  1. The engine forks, setsid()s and execs the monitor, with its stderr on a file of its
 *     choosing. The monitor closes every inherited fd but 0-2 and the sync fd, makes itself
 *     PR_SET_CHILD_SUBREAPER (the container's init becomes its child once the runtime exits)
 *     and outlives the engine.
 *  2. stdio. With --terminal: a console socket in a private temp dir is passed to the runtime
 *     as --console-socket, the pty master comes back over it (SCM_RIGHTS). Without: pipes for
 *     stdout and stderr, and for stdin with --stdin (else the container's stdin is /dev/null),
 *     given to `runtime create` as its fds 0/1/2, which the runtime hands to the container.
 *  3. It runs `RUNTIME [ARGS] create --bundle DIR --pid-file FILE [--console-socket S] ID`,
 *     reading the runtime's stderr (without a terminal that is the container's stderr pipe:
 *     until `start` only the runtime writes there, and what it wrote is not logged). On failure it
 * writes one line {"error":"<last line of the runtime's stderr>"} to the sync fd, the same object
 * to the exit file, and exits 1. On success it writes
 *     {"pid":N}\n to the sync fd and closes it. The engine then runs `runtime start ID`.
 *     The attach socket exists before the sync line is written.
 *  4. Then an epoll loop:
 *     - container output goes to the log file in podman's k8s-file format, one entry per
 *       line: "<RFC3339 UTC with 9 fraction digits> stdout|stderr F|P <text>\n", F for a
 *       full line (its newline dropped), P for the partial line a read ended with (its rest
 *       follows in later entries). With --log-max-size, before an entry would make the file
 *       larger than BYTES the file is renamed to FILE.1 (replacing an older one) and a new
 *       FILE is started: the newest output is in FILE, the one before it in FILE.1.
 *     - the same bytes go to every attach client. Attach socket: SOCK_SEQPACKET at
 *       --attach-socket, mode 0600. Each message (frame) is one byte of stream, then the
 *       payload (at most MONITOR_FRAME_MAX bytes). From the monitor: 1 stdout, 2 stderr (never
 *       with a terminal). From a client: 0 stdin data (with --stdin; with --terminal but no
 *       --stdin the pty's input stays unused, as docker's -t without -i), 3 resize, "ROWS COLS"
 *       in decimal (with --terminal), 4 close the container's stdin (ignored with --terminal:
 *       a pty has no half close). Unknown kinds are ignored; a longer frame drops the client.
 *       A client whose socket buffer is full is dropped: the container never waits for one.
 *  5. When the init exits (waitpid on the pid from the pid file; other reparented children
 *     are reaped too), the monitor drains the output left in the pipes, writes the exit file
 *     atomically (temp, fsync, rename): {"exitCode":N,"exitedAt":"<RFC3339 UTC>"}, N being
 *     128+signal for a killed init; closes the attach clients (EOF after the last output);
 *     runs --exit-command with its --exit-arg arguments (double fork, own session, stdio
 *     /dev/null, not waited for); removes the attach socket and exits 0.
 *  5a. With --health-command, while the container runs, the command is started every
 *     --health-interval seconds (the first one interval after the start; a timerfd in the
 *     loop), stdio /dev/null, as the monitor's child, reaped by the loop; a tick is skipped
 *     while the previous run goes on. The command (`berth healthcheck run ID`) enforces the
 *     check's timeout and records the result itself.
 *  6. Its own errors go to its stderr as "berth-monitor: <message>" lines; one that stops it
 *     before the container runs is also written to the exit file as {"error":"<message>"}.
 *     Exit status: 0 once the container ran and ended, 1 when it could not be started.
 * The log file is appended to (a restarted container continues its log); the console socket's
 * directory is made in $TMPDIR (default /tmp) and removed once the pty master came.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct error;

/* Largest payload of an attach frame, both ways. */
#define MONITOR_FRAME_MAX 8192

enum monitor_stream {
        MONITOR_STREAM_STDIN = 0,
        MONITOR_STREAM_STDOUT = 1,
        MONITOR_STREAM_STDERR = 2,
        MONITOR_STREAM_RESIZE = 3,
        MONITOR_STREAM_CLOSE_STDIN = 4,
        /* monitor -> client, empty, first: accepted; all output from now on reaches it. A
         * client that starts the container waits for it (or output written before the
         * monitor's loop accepted it would reach only the log). */
        MONITOR_STREAM_ATTACHED = 5,
};

/* The command line. Strings point into argv, except the paths made absolute (owned). */
struct monitor_options {
        const char *runtime;
        const char **runtime_args; /* NULL-terminated */
        const char *id;
        char *bundle;
        char *log_path;
        long long log_max_size; /* 0: no rotation */
        char *exit_file;
        char *attach_socket;
        char *pid_file;
        bool terminal;
        bool stdin_open;
        int sync_fd; /* -1 when none */
        const char *exit_command;
        const char **exit_args;       /* NULL-terminated */
        long long health_interval_ms; /* 0: no health command */
        const char *health_command;
        const char **health_args; /* NULL-terminated */
};

/*
 * The container's stdio as the monitor holds it. With a terminal, output and input are the pty
 * master (output_fd[1]; input_fd is a dup of it so each can be watched on its own); otherwise
 * pipe ends. -1 for what does not exist or was closed.
 */
struct monitor_stdio {
        int input_fd;       /* write end of the container's stdin */
        int output_fd[3];   /* [1] stdout, [2] stderr read ends; [0] unused */
        int runtime_fd[3];  /* what `runtime create` gets as 0/1/2; closed once it ran */
        int runtime_err_fd; /* read end of the runtime's stderr (== output_fd[2] without a pty) */
};

/* stdio.c: makes the pipes (no terminal) or the runtime's stdio only (terminal). */
int monitor_stdio_open(struct monitor_stdio *stdio, const struct monitor_options *opts,
                       struct error **err);
/* Closes runtime_fd[] (after the fork), not runtime_err_fd. */
void monitor_stdio_close_runtime_side(struct monitor_stdio *stdio);
void monitor_stdio_release(struct monitor_stdio *stdio);

/*
 * create.c: runs `runtime create`, reaping it through sigfd (a signalfd for SIGCHLD), collecting
 * its stderr, and with a terminal receiving the pty master into stdio. Returns the container's
 * pid; on failure -1 with *err holding the last line the runtime printed (or why it could not
 * run).
 */
pid_t monitor_runtime_create(const struct monitor_options *opts, struct monitor_stdio *stdio,
                             int sigfd, struct error **err);
/* Runs `runtime delete --force ID` and waits for it (cleanup when the monitor cannot go on). */
void monitor_runtime_delete(const struct monitor_options *opts);
/* For a forked child before exec: the signal mask and dispositions the monitor changed. */
void monitor_child_reset_signals(void);

/* exit.c */
/* Writes {"exitCode":N,"exitedAt":...} atomically. */
int monitor_write_exit_file(const char *path, int exit_code, struct error **err);
/* Writes {"error":MESSAGE} atomically. */
int monitor_write_exit_error(const char *path, const char *message, struct error **err);
/* Starts PATH ARGS... detached (double fork, new session, stdio /dev/null); does not wait. */
int monitor_run_exit_command(const char *path, const char *const *args, struct error **err);
