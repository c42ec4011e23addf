/* berth rename, pause, unpause, top, port, container prune and info: docker's flags and output. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "base/alloc.h"
#include "base/process.h"
#include "cli_image.h"
#include "cli_prune.h"
#include "commands.h"
#include "engine/engine.h"
#include "engine/engine_internal.h"
#include "engine/engine_network.h"
#include "engine/volumes.h"
#include "image/image_db.h"

/* Parses the usual [-h] of a command without flags of its own; -1 when parsing goes on. */
static int no_flags(const char *name, const char *help, int argc, char **argv)
{
        static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                if (opt == 'h')
                        return cli_help(help);
                return cli_bad_flag(name, argv);
        }
        return -1;
}

int cmd_rename(const struct berth_globals *g, int argc, char **argv)
{
        int rc = no_flags("rename", "usage: berth rename CONTAINER NEW_NAME\n", argc, argv);
        if (rc >= 0)
                return rc;
        if (argc - optind != 2)
                return cli_usage_error("rename", "requires exactly 2 arguments");
        const char *new_name = argv[optind + 1];
        /* docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
        if (!volume_name_valid(new_name) &&
            !(strlen(new_name) == 1 && strspn(new_name, "abcdefghijklmnopqrstuvwxyz"
                                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")))
                return cli_usage_error("rename",
                                       "invalid container name (%s), only "
                                       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                       new_name);
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row row = {0};
        int ret = 0;
        if (cli_open_engine(g, &e, &err) < 0 ||
            cli_find_container(e, argv[optind], &row, &err) < 0 ||
            container_db_rename(e->containers, row.id, new_name, &err) < 0)
                ret = cli_fail(&err);
        container_row_release(&row);
        engine_free(e);
        return ret;
}

static int pause_or_unpause(const struct berth_globals *g, bool pause, int argc, char **argv)
{
        const char *name = pause ? "pause" : "unpause";
        int rc = no_flags(name,
                          pause ? "usage: berth pause CONTAINER...\n\nFreeze containers' "
                                  "processes.\n"
                                : "usage: berth unpause CONTAINER...\n\nThaw paused "
                                  "containers.\n",
                          argc, argv);
        if (rc >= 0)
                return rc;
        if (optind >= argc)
                return cli_usage_error(name, "requires at least 1 argument");
        struct error *err = NULL;
        struct engine *e = NULL;
        if (cli_open_engine(g, &e, &err) < 0)
                return cli_fail(&err);
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                struct container_row row = {0};
                if (cli_find_container(e, argv[i], &row, &err) < 0 ||
                    (pause ? engine_container_pause(e, &row, &err)
                           : engine_container_unpause(e, &row, &err)) < 0)
                        ret = cli_fail(&err);
                else
                        printf("%s\n", argv[i]);
                container_row_release(&row);
        }
        engine_free(e);
        return ret;
}

int cmd_pause(const struct berth_globals *g, int argc, char **argv)
{
        return pause_or_unpause(g, true, argc, argv);
}

int cmd_unpause(const struct berth_globals *g, int argc, char **argv)
{
        return pause_or_unpause(g, false, argc, argv);
}

/* docker's `port` output: "80/tcp -> 127.0.0.1:8080" per published port, or with FILTER
 * (PORT[/PROTO]) only the host side "127.0.0.1:8080" of that port. */
static int print_ports(struct engine *e, const struct container_row *row, const char *filter)
{
        json_t *ports = engine_network_published(e, row);
        _cleanup_free_ char *want = NULL;
        if (filter)
                want = strchr(filter, '/') ? xstrdup(filter) : xasprintf("%s/tcp", filter);
        bool found = false;
        size_t i;
        json_t *p;
        json_array_foreach(ports, i, p)
        {
                const char *ip = json_string_value(json_object_get(p, "hostIP"));
                const char *proto = json_string_value(json_object_get(p, "protocol"));
                _cleanup_free_ char *key =
                    xasprintf("%d/%s", (int)json_integer_value(json_object_get(p, "containerPort")),
                              proto ? proto : "tcp");
                if (want && strcmp(want, key) != 0)
                        continue;
                found = true;
                bool v6 = ip && strchr(ip, ':');
                _cleanup_free_ char *host =
                    xasprintf("%s%s%s:%d", v6 ? "[" : "", ip ? ip : "0.0.0.0", v6 ? "]" : "",
                              (int)json_integer_value(json_object_get(p, "hostPort")));
                if (want)
                        printf("%s\n", host);
                else
                        printf("%s -> %s\n", key, host);
        }
        json_decref(ports);
        if (want && !found) {
                struct error *err = NULL;
                error_set(&err, 0, "no public port '%s' published for %s", want, row->name);
                return cli_fail(&err);
        }
        return 0;
}

int cmd_port(const struct berth_globals *g, int argc, char **argv)
{
        int rc =
            no_flags("port", "usage: berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n", argc, argv);
        if (rc >= 0)
                return rc;
        if (optind >= argc)
                return cli_usage_error("port", "requires at least 1 argument");
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row row = {0};
        int ret = 0;
        if (cli_open_engine(g, &e, &err) < 0 || cli_find_container(e, argv[optind], &row, &err) < 0)
                ret = cli_fail(&err);
        else
                ret = print_ports(e, &row, optind + 1 < argc ? argv[optind + 1] : NULL);
        container_row_release(&row);
        engine_free(e);
        return ret;
}

/* Runs ARGV (NULL-terminated) and returns its stdout (newly allocated), or NULL with *err. */
static char *capture(char *const *argv, struct error **err)
{
        int out[2];
        if (pipe2(out, O_CLOEXEC) < 0)
                return error_set(err, errno, "pipe"), NULL;
        pid_t pid = fork();
        if (pid < 0) {
                close(out[0]);
                close(out[1]);
                return error_set(err, errno, "fork"), NULL;
        }
        if (pid == 0) {
                dup2(out[1], 1);
                execvp(argv[0], argv);
                fprintf(stderr, "berth: exec %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(out[1]);
        size_t len = 0, cap = 4096;
        char *text = xmalloc(cap);
        for (;;) {
                if (len + 1 == cap)
                        text = xrealloc(text, cap *= 2);
                ssize_t r = read(out[0], text + len, cap - 1 - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                len += (size_t)r;
        }
        text[len] = '\0';
        close(out[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                free(text);
                return error_set(err, 0, "ps failed (exit status %d)", process_exit_code(status)),
                       NULL;
        }
        return text;
}

/* Index (from 0) of the PID column in ps's HEADER, or -1. */
static int pid_column(const char *header)
{
        _cleanup_free_ char *copy = xstrdup(header);
        char *save = NULL;
        int i = 0;
        for (char *f = strtok_r(copy, " \t", &save); f; f = strtok_r(NULL, " \t", &save), i++)
                if (strcmp(f, "PID") == 0)
                        return i;
        return -1;
}

static bool line_has_pid(const char *line, int column, json_t *pids)
{
        _cleanup_free_ char *copy = xstrdup(line);
        char *save = NULL;
        char *f = strtok_r(copy, " \t", &save);
        for (int i = 0; f && i < column; i++)
                f = strtok_r(NULL, " \t", &save);
        if (!f)
                return false;
        long pid = strtol(f, NULL, 10);
        size_t k;
        json_t *p;
        json_array_foreach(pids, k, p) if (json_integer_value(p) == pid) return true;
        return false;
}

/* docker top: the host's `ps` (default -ef: UID PID PPID C STIME TTY TIME CMD), filtered to
 * the container's processes by the PID column, as docker does. */
int cmd_top(const struct berth_globals *g, int argc, char **argv)
{
        int rc = no_flags("top",
                          "usage: berth top CONTAINER [ps OPTIONS]\n\n"
                          "Show a running container's processes (ps -ef by default).\n",
                          argc, argv);
        if (rc >= 0)
                return rc;
        if (optind >= argc)
                return cli_usage_error("top", "requires at least 1 argument");
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row row = {0};
        struct container_state st = {0};
        _cleanup_free_ char *pids_text = NULL;
        _cleanup_free_ char *output = NULL;
        json_t *pids = NULL;
        int ret = 0;
        if (cli_open_engine(g, &e, &err) < 0 ||
            cli_find_container(e, argv[optind], &row, &err) < 0 ||
            engine_container_state(e, &row, &st, &err) < 0) {
                ret = cli_fail(&err);
                goto out;
        }
        if (st.status != CONTAINER_RUNNING && st.status != CONTAINER_PAUSED) {
                error_set(&err, 0, "container %s is not running", row.name);
                ret = cli_fail(&err);
                goto out;
        }
        const char *ps_args[] = {"ps", "--format", "json", row.id, NULL};
        if (engine_runtime(e, ps_args, &pids_text, NULL, &err) < 0) {
                ret = cli_fail(&err);
                goto out;
        }
        pids = json_loads(pids_text, 0, NULL);
        const char **host_ps = xmalloc((size_t)(argc + 2) * sizeof(*host_ps));
        size_t n = 0;
        host_ps[n++] = "ps";
        if (optind + 1 >= argc)
                host_ps[n++] = "-ef";
        for (int i = optind + 1; i < argc; i++)
                host_ps[n++] = argv[i];
        host_ps[n] = NULL;
        output = capture((char *const *)host_ps, &err);
        free(host_ps);
        if (!output) {
                ret = cli_fail(&err);
                goto out;
        }
        char *save = NULL;
        char *header = strtok_r(output, "\n", &save);
        int column = header ? pid_column(header) : -1;
        if (column < 0) {
                error_set(&err, 0, "ps did not print a PID column");
                ret = cli_fail(&err);
                goto out;
        }
        printf("%s\n", header);
        for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (line_has_pid(line, column, pids))
                        printf("%s\n", line);
out:
        json_decref(pids);
        container_state_release(&st);
        container_row_release(&row);
        engine_free(e);
        return ret;
}

/* `berth container prune`: every container that is not running (created or exited). */
int cmd_container_prune(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"force", no_argument, NULL, 'f'},
            {"filter", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool force = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        force = true;
                        break;
                case 'F':
                        return cli_usage_error("container prune", "--filter is not supported");
                case 'h':
                        return cli_help("usage: berth container prune [-f]\n\n"
                                        "Remove all stopped containers.\n\n"
                                        "  -f, --force   do not ask for confirmation\n");
                default:
                        return cli_bad_flag("container prune", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("container prune", "unexpected argument %s", argv[optind]);
        if (!force && !cli_confirm("WARNING! This will remove all stopped containers.\n"))
                return 0;
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row *rows = NULL;
        size_t n = 0;
        if (cli_open_engine_with_containers(g, &e, &rows, &n, &err) < 0)
                return cli_fail(&err);
        int64_t total = 0;
        int ret = cli_prune_containers(e, rows, n, &total);
        cli_container_rows_free(rows, n);
        engine_free(e);
        _cleanup_free_ char *reclaimed = cli_human_size(total);
        printf("Total reclaimed space: %s\n", reclaimed);
        return ret;
}

/* docker info's fields, by their JSON names. */
static json_t *info_json(struct engine *e, struct error **err)
{
        struct container_row *rows = NULL;
        size_t n = 0;
        if (container_db_list(e->containers, &rows, &n, err) < 0)
                return NULL;
        int64_t running = 0, paused = 0, stopped = 0;
        for (size_t i = 0; i < n; i++) {
                struct container_state st = {0};
                struct error *ignored = NULL;
                engine_use_runtime_of(e, &rows[i]);
                if (engine_container_state(e, &rows[i], &st, &ignored) < 0)
                        error_free(&ignored);
                else if (st.status == CONTAINER_RUNNING)
                        running++;
                else if (st.status == CONTAINER_PAUSED)
                        paused++;
                else
                        stopped++;
                container_state_release(&st);
                container_row_release(&rows[i]);
        }
        free(rows);
        struct image_record *images = NULL;
        size_t n_images = 0;
        if (image_db_list(e->images->db, &images, &n_images, err) < 0)
                return NULL;
        for (size_t i = 0; i < n_images; i++)
                image_record_release(&images[i]);
        free(images);
        struct volume_info *volumes = NULL;
        size_t n_volumes = 0;
        if (volume_list(e, &volumes, &n_volumes, err) < 0)
                return NULL;
        volume_list_free(volumes, n_volumes);

        struct statfs fs;
        const char *cgroup =
            statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC ? "2" : "1";
        struct utsname uts;
        uname(&uts);
        struct sysinfo si;
        sysinfo(&si);
        char os[512] = "Linux";
        FILE *f = fopen("/etc/os-release", "re");
        char line[400];
        while (f && fgets(line, sizeof(line), f)) {
                if (strncmp(line, "PRETTY_NAME=", 12) != 0)
                        continue;
                char *v = line + 12;
                v[strcspn(v, "\n")] = '\0';
                if (*v == '"') {
                        v++;
                        v[strcspn(v, "\"")] = '\0';
                }
                snprintf(os, sizeof(os), "%s", v);
        }
        if (f)
                fclose(f);

        json_t *o = json_object();
        json_object_set_new(o, "Containers", json_integer((json_int_t)n));
        json_object_set_new(o, "ContainersRunning", json_integer(running));
        json_object_set_new(o, "ContainersPaused", json_integer(paused));
        json_object_set_new(o, "ContainersStopped", json_integer(stopped));
        json_object_set_new(o, "Images", json_integer((json_int_t)n_images));
        json_object_set_new(o, "Volumes", json_integer((json_int_t)n_volumes));
        json_object_set_new(o, "Driver", json_string("overlay"));
        json_object_set_new(o, "CgroupVersion", json_string(cgroup));
        json_object_set_new(o, "DefaultRuntime", json_string(e->runtime));
        json_object_set_new(o, "ServerVersion", json_string(BERTH_VERSION));
        json_object_set_new(o, "KernelVersion", json_string(uts.release));
        json_object_set_new(o, "OperatingSystem", json_string(os));
        json_object_set_new(o, "OSType", json_string("linux"));
        json_object_set_new(o, "Architecture", json_string(uts.machine));
        json_object_set_new(o, "NCPU", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
        json_object_set_new(o, "MemTotal", json_integer((json_int_t)si.totalram * si.mem_unit));
        json_object_set_new(o, "Name", json_string(uts.nodename));
        json_object_set_new(o, "DockerRootDir", json_string(e->root));
        json_object_set_new(o, "RunRoot", json_string(e->runroot));
        return o;
}

#define INFO_INT(o, key) ((long long)json_integer_value(json_object_get(o, key)))
#define INFO_STR(o, key) json_string_value(json_object_get(o, key))

int cmd_info(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"format", required_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        const char *format = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        return cli_help("usage: berth info [--format json|TEMPLATE]\n\n"
                                        "Show a summary of the engine and the host.\n");
                default:
                        return cli_bad_flag("info", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("info", "unexpected argument %s", argv[optind]);
        struct error *err = NULL;
        struct engine *e = NULL;
        if (cli_open_engine(g, &e, &err) < 0)
                return cli_fail(&err);
        json_t *o = info_json(e, &err);
        engine_free(e);
        if (!o)
                return cli_fail(&err);
        int ret = 0;
        if (format && strcmp(format, "json") == 0) {
                char *text = json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text);
                free(text);
        } else if (format) {
                char *line = cli_format_template(format, o, &err);
                if (line)
                        printf("%s\n", line);
                else
                        ret = cli_fail(&err);
                free(line);
        } else {
                _cleanup_free_ char *memory = cli_human_size(INFO_INT(o, "MemTotal"));
                printf("Server:\n"
                       " Containers: %lld\n"
                       "  Running: %lld\n"
                       "  Paused: %lld\n"
                       "  Stopped: %lld\n"
                       " Images: %lld\n"
                       " Volumes: %lld\n"
                       " Server Version: %s\n"
                       " Storage Driver: %s\n"
                       " Cgroup Version: %s\n"
                       " Default Runtime: %s\n"
                       " Kernel Version: %s\n"
                       " Operating System: %s\n"
                       " Architecture: %s\n"
                       " CPUs: %lld\n"
                       " Total Memory: %s\n"
                       " Name: %s\n"
                       " Root Dir: %s\n"
                       " Run Root: %s\n",
                       INFO_INT(o, "Containers"), INFO_INT(o, "ContainersRunning"),
                       INFO_INT(o, "ContainersPaused"), INFO_INT(o, "ContainersStopped"),
                       INFO_INT(o, "Images"), INFO_INT(o, "Volumes"), INFO_STR(o, "ServerVersion"),
                       INFO_STR(o, "Driver"), INFO_STR(o, "CgroupVersion"),
                       INFO_STR(o, "DefaultRuntime"), INFO_STR(o, "KernelVersion"),
                       INFO_STR(o, "OperatingSystem"), INFO_STR(o, "Architecture"),
                       INFO_INT(o, "NCPU"), memory, INFO_STR(o, "Name"),
                       INFO_STR(o, "DockerRootDir"), INFO_STR(o, "RunRoot"));
        }
        json_decref(o);
        return ret;
}
