/* ps: the processes of a container. As runc: "table" runs ps(1) with the given options
 * (default -ef) and keeps the header and the lines whose PID column is one of the
 * container's; "json" prints the pids as a JSON array. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup_stats.h"
#include "commands.h"
#include "container.h"
#include "error.h"

/* Runs ps with args; returns its stdout, or NULL with *err. */
static char *run_ps(char **args, size_t n_args, struct error **err)
{
        char **argv = xcalloc(n_args + 2, sizeof(char *));
        argv[0] = "ps";
        for (size_t i = 0; i < n_args; i++)
                argv[i + 1] = args[i];
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) {
                free(argv);
                error_set(err, errno, "pipe");
                return NULL;
        }
        pid_t pid = fork();
        if (pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                execvp("ps", argv);
                fprintf(stderr, "berth-runtime: exec ps: %s\n", strerror(errno));
                _exit(127);
        }
        free(argv);
        close(fds[1]);
        if (pid < 0) {
                close(fds[0]);
                error_set(err, errno, "fork ps");
                return NULL;
        }
        size_t len = 0, cap = 4096;
        char *out = xmalloc(cap);
        for (;;) {
                if (len + 1 == cap)
                        out = xrealloc(out, cap *= 2);
                ssize_t n = read(fds[0], out + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        out[len] = '\0';
        close(fds[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                free(out);
                error_set(err, 0, "ps failed (exit status %d)",
                          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                return NULL;
        }
        return out;
}

/* The index of the PID column in ps's header line, or -1. */
static int pid_column(const char *header)
{
        int column = 0;
        for (const char *p = header; *p;) {
                p += strspn(p, " \t");
                size_t len = strcspn(p, " \t\n");
                if (len == 0)
                        break;
                if (len == 3 && strncmp(p, "PID", 3) == 0)
                        return column;
                column++;
                p += len;
        }
        return -1;
}

/* The number in column of line, or -1. */
static long column_number(const char *line, int column)
{
        const char *p = line;
        for (int c = 0;; c++) {
                p += strspn(p, " \t");
                if (*p == '\0' || *p == '\n')
                        return -1;
                if (c == column) {
                        char *end;
                        long v = strtol(p, &end, 10);
                        return end == p ? -1 : v;
                }
                p += strcspn(p, " \t\n");
        }
}

static int print_table(pid_t *pids, int n, char **args, size_t n_args, struct error **err)
{
        static char *default_args[] = {"-ef"};
        if (n_args == 0) {
                args = default_args;
                n_args = 1;
        }
        _cleanup_free_ char *out = run_ps(args, n_args, err);
        if (out == NULL)
                return -1;
        char *save = NULL;
        char *header = strtok_r(out, "\n", &save);
        int column = header ? pid_column(header) : -1;
        if (column < 0)
                return error_set(err, 0, "ps: no PID column in its output (try -o pid,...)");
        printf("%s\n", header);
        for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                long pid = column_number(line, column);
                for (int i = 0; i < n; i++)
                        if (pids[i] == pid) {
                                printf("%s\n", line);
                                break;
                        }
        }
        return 0;
}

int cmd_ps(const struct runtime_options *rt, int argc, char **argv)
{
        static const struct option flags[] = {
            {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool json = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "+f:h", flags, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        if (strcmp(optarg, "json") == 0)
                                json = true;
                        else if (strcmp(optarg, "table") == 0)
                                json = false;
                        else
                                return cli_usage_error("ps",
                                                       "--format: unknown format %s "
                                                       "(table or json)",
                                                       optarg);
                        break;
                case 'h':
                        puts("usage: berth-runtime ps [--format table|json] CONTAINER-ID "
                             "[PS-OPTIONS...]\n"
                             "PS-OPTIONS go to ps(1) (default -ef); its output is kept to the "
                             "container's processes");
                        return 0;
                default:
                        return cli_bad_flag("ps", argv);
                }
        }
        if (optind >= argc)
                return cli_usage_error("ps", "missing container id");
        const char *id = argv[optind];
        struct error *err = NULL;
        _cleanup_container_record_ struct container_record *rec =
            container_record_load(rt, id, &err);
        if (rec == NULL)
                return cli_fail(&err);
        if (container_status(rt, rec) == CONTAINER_STOPPED || rec->cgroup == NULL) {
                error_set(&err, 0, "container %s is not running", id);
                return cli_fail(&err);
        }
        pid_t *pids = NULL;
        int n = cgroup_pids(rec->cgroup, &pids, &err);
        if (n < 0)
                return cli_fail(&err);
        int rc = 0;
        if (json) {
                if (argc - optind > 1)
                        rc = cli_usage_error("ps", "ps options need --format table");
                else {
                        fputc('[', stdout);
                        for (int i = 0; i < n; i++)
                                printf("%s%d", i ? "," : "", (int)pids[i]);
                        fputs("]\n", stdout);
                }
        } else if (print_table(pids, n, argv + optind + 1, (size_t)(argc - optind - 1), &err) < 0) {
                rc = cli_fail(&err);
        }
        free(pids);
        return rc;
}
