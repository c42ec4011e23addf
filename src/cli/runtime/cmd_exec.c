/* exec: run a new process in a running container. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "commands.h"
#include "container.h"
#include "error.h"
#include "foreground.h"
#include "fs.h"
#include "log.h"
#include "runtime_config.h"

static const char exec_usage[] =
    "usage: berth-runtime exec [options] CONTAINER-ID COMMAND [ARGS...]\n"
    "       berth-runtime exec [options] --process FILE CONTAINER-ID\n"
    "\n"
    "  -p, --process FILE       the process as JSON (config.json's \"process\")\n"
    "  -t, --tty                allocate a pseudo-terminal\n"
    "  --console-socket PATH    send the pty master to this unix socket\n"
    "  -d, --detach             return once the process runs\n"
    "  --pid-file FILE          write the process's pid to FILE\n"
    "  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"
    "  --cwd DIR                working directory in the container\n"
    "  -u, --user UID[:GID]     run as this user\n"
    "  -g, --additional-gids G  supplementary group (repeatable)\n"
    "  -c, --cap CAP            add a capability (repeatable)\n"
    "  --no-new-privs           set no_new_privs\n"
    "  --preserve-fds N         pass N more fds (3, 4, ...) to the process\n";

static void append(char ***list, size_t *n, char *item)
{
        *list = xrealloc(*list, (*n + 2) * sizeof(char *));
        (*list)[(*n)++] = item;
        (*list)[*n] = NULL;
}

int cmd_exec(const struct runtime_options *rt, int argc, char **argv)
{
        enum {
                OPT_CONSOLE = 256,
                OPT_CWD,
                OPT_PID_FILE,
                OPT_LABEL,
                OPT_APPARMOR,
                OPT_NNP,
                OPT_PRESERVE,
                OPT_CGROUP,
                OPT_IGNORE_PAUSED
        };
        static const struct option flags[] = {
            {"console-socket", required_argument, NULL, OPT_CONSOLE},
            {"cwd", required_argument, NULL, OPT_CWD},
            {"env", required_argument, NULL, 'e'},
            {"tty", no_argument, NULL, 't'},
            {"user", required_argument, NULL, 'u'},
            {"additional-gids", required_argument, NULL, 'g'},
            {"process", required_argument, NULL, 'p'},
            {"detach", no_argument, NULL, 'd'},
            {"pid-file", required_argument, NULL, OPT_PID_FILE},
            {"process-label", required_argument, NULL, OPT_LABEL},
            {"apparmor", required_argument, NULL, OPT_APPARMOR},
            {"no-new-privs", no_argument, NULL, OPT_NNP},
            {"cap", required_argument, NULL, 'c'},
            {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
            {"cgroup", required_argument, NULL, OPT_CGROUP},
            {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct exec_flags ef = {0};
        struct exec_options opts = {.flags = &ef};
        const char *process_file = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "+e:tu:g:p:dc:h", flags, NULL)) != -1) {
                switch (opt) {
                case OPT_CONSOLE:
                        opts.console_socket = optarg;
                        break;
                case OPT_CWD:
                        ef.cwd = optarg;
                        break;
                case 'e':
                        append(&ef.env, &ef.n_env, optarg);
                        break;
                case 't':
                        ef.tty = true;
                        break;
                case 'u':
                        ef.user = optarg;
                        break;
                case 'g': {
                        char *end;
                        long long g = strtoll(optarg, &end, 10);
                        if (*end || g < 0)
                                return cli_usage_error("exec", "--additional-gids: not a gid: %s",
                                                       optarg);
                        ef.additional_gids = xrealloc(
                            ef.additional_gids, (ef.n_additional_gids + 1) * sizeof(long long));
                        ef.additional_gids[ef.n_additional_gids++] = g;
                        break;
                }
                case 'p':
                        process_file = optarg;
                        break;
                case 'd':
                        opts.detach = true;
                        break;
                case OPT_PID_FILE:
                        opts.pid_file = optarg;
                        break;
                case OPT_NNP:
                        ef.no_new_privs = true;
                        break;
                case 'c':
                        append(&ef.caps, &ef.n_caps, optarg);
                        break;
                case OPT_PRESERVE: {
                        char *end;
                        long n = strtol(optarg, &end, 10);
                        if (*end || n < 0 || n > 65536)
                                return cli_usage_error("exec", "--preserve-fds: not a count: %s",
                                                       optarg);
                        opts.preserve_fds = (int)n;
                        break;
                }
                case OPT_LABEL:
                case OPT_APPARMOR:
                        log_warn("exec: %s ignored: no LSM support in this build",
                                 opt == OPT_LABEL ? "--process-label" : "--apparmor");
                        break;
                case OPT_CGROUP:
                        return cli_usage_error("exec", "--cgroup: sub-cgroups are not supported");
                case OPT_IGNORE_PAUSED:
                        break;
                case 'h':
                        fputs(exec_usage, stdout);
                        return 0;
                default:
                        return cli_bad_flag("exec", argv);
                }
        }
        if (optind >= argc)
                return cli_usage_error("exec", "missing container id");
        opts.id = argv[optind++];
        struct error *err = NULL;
        _cleanup_oci_process_ struct oci_process *process = NULL;
        if (process_file) {
                if (optind < argc)
                        return cli_usage_error("exec", "a command cannot go with --process");
                size_t len = 0;
                _cleanup_free_ char *text = fs_read_file(process_file, &len, &err);
                if (text == NULL)
                        return cli_fail(&err);
                process = oci_process_parse(text, len, &err);
                if (process == NULL) {
                        error_wrap(&err, "%s", process_file);
                        return cli_fail(&err);
                }
                if (ef.tty)
                        process->terminal = true;
                opts.process = process;
        } else {
                if (optind >= argc)
                        return cli_usage_error("exec", "missing command");
                ef.args = argv + optind;
                ef.n_args = (size_t)(argc - optind);
        }
        sigset_t forward;
        foreground_signal_set(&forward);
        if (!opts.detach)
                sigprocmask(SIG_BLOCK, &forward, NULL);
        struct created_container started;
        int r = container_exec(rt, &opts, &started, &err);
        free(ef.env);
        free(ef.caps);
        free(ef.additional_gids);
        if (r < 0) {
                /* The process could not be started: 127 not found, 126 not invocable, the codes
                 * docker and podman give for exec (berth exec becomes this process). */
                const char *m = err->msg;
                bool exec_failed = strncmp(m, "exec ", 5) == 0;
                int code = !exec_failed                                          ? 1
                           : strstr(m, "not found") || strstr(m, "No such file") ? 127
                           : strstr(m, "ermission denied") || strstr(m, "Is a directory") ||
                                   strstr(m, "Exec format error")
                               ? 126
                               : 1;
                cli_fail(&err);
                return code;
        }
        if (opts.detach) {
                close(started.sync_fd);
                return 0;
        }
        int status = foreground_wait(&started, &err);
        if (status < 0) {
                log_error("%s", err->msg);
                error_free(&err);
                status = 255;
        }
        if (started.sync_fd >= 0)
                close(started.sync_fd);
        if (started.pty_master >= 0)
                close(started.pty_master);
        return status;
}
