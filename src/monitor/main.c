/* berth-monitor: see monitor.h for what it does and the protocol with the engine. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "alloc.h"
#include "attach.h"
#include "error.h"
#include "json_text.h"
#include "k8s_log.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"

static const char usage[] =
    "usage: berth-monitor --runtime PATH [--runtime-arg ARG]... --id ID --bundle DIR\n"
    "         --log-path FILE [--log-max-size BYTES] --exit-file FILE --attach-socket PATH\n"
    "         --pid-file FILE [--terminal] [--stdin] [--sync-fd N]\n"
    "         [--exit-command PATH [--exit-arg ARG]...]\n"
    "         [--health-interval SECONDS --health-command PATH [--health-arg ARG]...]\n";

/* Static: the log's buffer is best not on the stack, and the monitor has one of each. */
static struct monitor_options opts;
static struct monitor_stdio stdio_fds;
static struct k8s_log container_log = {.fd = -1};
static struct attach_server attach = {.listen_fd = -1};

static char *absolute_path(const char *path)
{
        if (path == NULL || path[0] == '/')
                return path ? xstrdup(path) : NULL;
        char *cwd = getcwd(NULL, 0);
        if (cwd == NULL)
                return xstrdup(path);
        char *joined = xasprintf("%s/%s", cwd, path);
        free(cwd);
        return joined;
}

/* "30", "0.5", "1.250": seconds with up to 3 decimals, in ms (> 0). No strtod: it would
 * pull locale and floating point code into the static monitor. */
static int parse_seconds_ms(const char *text, long long *ms)
{
        long long whole = 0, frac = 0;
        int digits = 0;
        const char *p = text;
        if (*p < '0' || *p > '9')
                return -1;
        for (; *p >= '0' && *p <= '9'; p++)
                if ((whole = whole * 10 + (*p - '0')) > 100000000)
                        return -1;
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        if (digits < 3) {
                                frac = frac * 10 + (*p - '0');
                                digits++;
                        }
        if (*p)
                return -1;
        for (; digits < 3; digits++)
                frac *= 10;
        *ms = whole * 1000 + frac;
        return *ms > 0 ? 0 : -1;
}

static int parse_options(int argc, char **argv, struct error **err)
{
        enum {
                OPT_RUNTIME = 256,
                OPT_RUNTIME_ARG,
                OPT_ID,
                OPT_BUNDLE,
                OPT_LOG_PATH,
                OPT_LOG_MAX_SIZE,
                OPT_EXIT_FILE,
                OPT_ATTACH_SOCKET,
                OPT_PID_FILE,
                OPT_TERMINAL,
                OPT_STDIN,
                OPT_SYNC_FD,
                OPT_EXIT_COMMAND,
                OPT_EXIT_ARG,
                OPT_HEALTH_INTERVAL,
                OPT_HEALTH_COMMAND,
                OPT_HEALTH_ARG,
        };
        static const struct option long_options[] = {
            {"runtime", required_argument, NULL, OPT_RUNTIME},
            {"runtime-arg", required_argument, NULL, OPT_RUNTIME_ARG},
            {"id", required_argument, NULL, OPT_ID},
            {"bundle", required_argument, NULL, OPT_BUNDLE},
            {"log-path", required_argument, NULL, OPT_LOG_PATH},
            {"log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE},
            {"exit-file", required_argument, NULL, OPT_EXIT_FILE},
            {"attach-socket", required_argument, NULL, OPT_ATTACH_SOCKET},
            {"pid-file", required_argument, NULL, OPT_PID_FILE},
            {"terminal", no_argument, NULL, OPT_TERMINAL},
            {"stdin", no_argument, NULL, OPT_STDIN},
            {"sync-fd", required_argument, NULL, OPT_SYNC_FD},
            {"exit-command", required_argument, NULL, OPT_EXIT_COMMAND},
            {"exit-arg", required_argument, NULL, OPT_EXIT_ARG},
            {"health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL},
            {"health-command", required_argument, NULL, OPT_HEALTH_COMMAND},
            {"health-arg", required_argument, NULL, OPT_HEALTH_ARG},
            {NULL, 0, NULL, 0},
        };
        size_t n_runtime_args = 0, n_exit_args = 0, n_health_args = 0;
        char *end;
        int c;

        opts.sync_fd = -1;
        opts.runtime_args = xcalloc((size_t)argc + 1, sizeof(char *));
        opts.exit_args = xcalloc((size_t)argc + 1, sizeof(char *));
        opts.health_args = xcalloc((size_t)argc + 1, sizeof(char *));
        while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
                switch (c) {
                case OPT_RUNTIME:
                        opts.runtime = optarg;
                        break;
                case OPT_RUNTIME_ARG:
                        opts.runtime_args[n_runtime_args++] = optarg;
                        break;
                case OPT_ID:
                        opts.id = optarg;
                        break;
                case OPT_BUNDLE:
                        opts.bundle = absolute_path(optarg);
                        break;
                case OPT_LOG_PATH:
                        opts.log_path = absolute_path(optarg);
                        break;
                case OPT_LOG_MAX_SIZE:
                        errno = 0;
                        opts.log_max_size = strtoll(optarg, &end, 10);
                        if (errno || end == optarg || *end || opts.log_max_size < 0)
                                return error_set(err, 0, "--log-max-size: not a size: %s", optarg);
                        break;
                case OPT_EXIT_FILE:
                        opts.exit_file = absolute_path(optarg);
                        break;
                case OPT_ATTACH_SOCKET:
                        opts.attach_socket = absolute_path(optarg);
                        break;
                case OPT_PID_FILE:
                        opts.pid_file = absolute_path(optarg);
                        break;
                case OPT_TERMINAL:
                        opts.terminal = true;
                        break;
                case OPT_STDIN:
                        opts.stdin_open = true;
                        break;
                case OPT_SYNC_FD:
                        errno = 0;
                        long fd = strtol(optarg, &end, 10);
                        if (errno || end == optarg || *end || fd < 0 || fd > 1 << 20)
                                return error_set(err, 0, "--sync-fd: not a file descriptor: %s",
                                                 optarg);
                        opts.sync_fd = (int)fd;
                        break;
                case OPT_EXIT_COMMAND:
                        opts.exit_command = optarg;
                        break;
                case OPT_EXIT_ARG:
                        opts.exit_args[n_exit_args++] = optarg;
                        break;
                case OPT_HEALTH_INTERVAL:
                        if (parse_seconds_ms(optarg, &opts.health_interval_ms) < 0)
                                return error_set(err, 0,
                                                 "--health-interval: not a duration in "
                                                 "seconds: %s",
                                                 optarg);
                        break;
                case OPT_HEALTH_COMMAND:
                        opts.health_command = optarg;
                        break;
                case OPT_HEALTH_ARG:
                        opts.health_args[n_health_args++] = optarg;
                        break;
                default:
                        return error_set(err, 0, "bad arguments\n%s", usage);
                }
        }
        if (optind < argc)
                return error_set(err, 0, "unexpected argument %s\n%s", argv[optind], usage);
        const struct {
                const char *name;
                const void *value;
        } required[] = {
            {"--runtime", opts.runtime},     {"--id", opts.id},
            {"--bundle", opts.bundle},       {"--log-path", opts.log_path},
            {"--exit-file", opts.exit_file}, {"--attach-socket", opts.attach_socket},
            {"--pid-file", opts.pid_file},
        };
        for (size_t i = 0; i < ARRAY_SIZE(required); i++)
                if (required[i].value == NULL)
                        return error_set(err, 0, "%s is required\n%s", required[i].name, usage);
        return 0;
}

/* Keeps 0-2 taken (so no fd the monitor opens lands there and gets dup2'd over in a child)
 * and closes everything else the engine left open but the sync fd: a lock or a database the
 * monitor held for the container's lifetime would be a bug in the engine to find later. */
static void tidy_inherited_fds(void)
{
        for (int fd = 0; fd < 3; fd++) {
                if (fcntl(fd, F_GETFD) < 0) {
                        int null_fd = open("/dev/null", O_RDWR);
                        if (null_fd >= 0 && null_fd != fd) {
                                dup2(null_fd, fd);
                                close(null_fd);
                        }
                }
        }
        if (opts.sync_fd >= 3) {
                if (opts.sync_fd > 3)
                        close_range(3, (unsigned)opts.sync_fd - 1, 0);
                close_range((unsigned)opts.sync_fd + 1, ~0U, 0);
                fcntl(opts.sync_fd, F_SETFD, FD_CLOEXEC);
        } else {
                close_range(3, ~0U, 0);
        }
}

static void sync_write(const char *line)
{
        if (opts.sync_fd < 0)
                return;
        size_t len = strlen(line), done = 0;
        while (done < len) {
                ssize_t n = write(opts.sync_fd, line + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        /* The engine is gone; the container carries on without it. */
                        log_warn("write sync fd: %s", strerror(errno));
                        break;
                }
                done += (size_t)n;
        }
        close(opts.sync_fd);
        opts.sync_fd = -1;
}

static void release_all(void)
{
        attach_server_release(&attach);
        monitor_stdio_release(&stdio_fds);
        k8s_log_release(&container_log);
        free(opts.runtime_args);
        free(opts.exit_args);
        free(opts.health_args);
        free(opts.bundle);
        free(opts.log_path);
        free(opts.exit_file);
        free(opts.attach_socket);
        free(opts.pid_file);
}

/* The monitor cannot run the container: tells the engine (sync fd) and whoever reads the exit
 * file later. */
static int fail_start(struct error **err)
{
        log_error("%s", (*err)->msg);
        _cleanup_free_ char *quoted = json_text_quote((*err)->msg);
        _cleanup_free_ char *line = xasprintf("{\"error\":%s}\n", quoted);
        sync_write(line);
        struct error *exit_err = NULL;
        if (opts.exit_file &&
            monitor_write_exit_error(opts.exit_file, (*err)->msg, &exit_err) < 0) {
                log_error("%s", exit_err->msg);
                error_free(&exit_err);
        }
        error_free(err);
        release_all();
        return 1;
}

static int setup_process(int *sigfd, struct error **err)
{
        sigset_t child;
        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&child);
        sigaddset(&child, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &child, NULL) < 0)
                return error_set(err, errno, "block SIGCHLD");
        *sigfd = signalfd(-1, &child, SFD_NONBLOCK | SFD_CLOEXEC);
        if (*sigfd < 0)
                return error_set(err, errno, "signalfd");
        /* The runtime's create exits leaving the init behind: it must become our child. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return error_set(err, errno, "become a child subreaper");
        /* Nothing of the monitor's keeps a mount busy for the container's lifetime. */
        if (chdir("/") < 0)
                return error_set(err, errno, "chdir /");
        return 0;
}

int main(int argc, char **argv)
{
        struct error *err = NULL;
        _cleanup_close_ int sigfd = -1;

        log_set_program("berth-monitor");
        stdio_fds = (struct monitor_stdio){.input_fd = -1,
                                           .output_fd = {-1, -1, -1},
                                           .runtime_fd = {-1, -1, -1},
                                           .runtime_err_fd = -1};
        if (parse_options(argc, argv, &err) < 0)
                return fail_start(&err);
        tidy_inherited_fds();
        if (setup_process(&sigfd, &err) < 0)
                return fail_start(&err);
        if (k8s_log_open(&container_log, opts.log_path, opts.log_max_size, &err) < 0 ||
            attach_server_open(&attach, opts.attach_socket, &err) < 0 ||
            monitor_stdio_open(&stdio_fds, &opts, &err) < 0)
                return fail_start(&err);
        pid_t init_pid = monitor_runtime_create(&opts, &stdio_fds, sigfd, &err);
        if (init_pid < 0)
                return fail_start(&err);
        char line[64];
        snprintf(line, sizeof(line), "{\"pid\":%d}\n", (int)init_pid);
        sync_write(line);

        int exit_code =
            monitor_loop_run(&opts, &stdio_fds, &container_log, &attach, sigfd, init_pid, &err);
        if (exit_code < 0) {
                /* The container runs on unwatched: stop it rather than lose its end. */
                log_error("%s", err->msg);
                error_free(&err);
                kill(init_pid, SIGKILL);
                exit_code = 128 + SIGKILL;
        }
        if (monitor_write_exit_file(opts.exit_file, exit_code, &err) < 0) {
                log_error("%s", err->msg);
                error_free(&err);
        }
        attach_server_drop_all(&attach);
        if (opts.exit_command &&
            monitor_run_exit_command(opts.exit_command, opts.exit_args, &err) < 0) {
                log_error("%s", err->msg);
                error_free(&err);
        }
        release_all();
        return 0;
}
