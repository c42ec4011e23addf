/* berth system df, system prune, system info and version: docker's output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "config.h"
#include "base/alloc.h"
#include "cli_image.h"
#include "cli_prune.h"
#include "commands.h"
#include "engine/engine.h"
#include "engine/volumes.h"
#include "image/image_db.h"
#include "image/image_gc.h"

static const char system_help[] =
    "usage: berth system SUBCOMMAND [options]\n"
    "\n"
    "  df [-v] [--format FMT]        disk used by images, containers and volumes\n"
    "  prune [-a] [--volumes] [-f]   remove stopped containers, dangling images (-a: every\n"
    "                                unused image) and, with --volumes, unused volumes\n"
    "  info [--format FMT]           same as berth info\n";

static char *reclaimable_text(int64_t reclaimable, int64_t total, bool percent)
{
        _cleanup_free_ char *size = cli_docker_size(reclaimable, 4);
        if (!percent)
                return xstrdup(size);
        int pct = total > 0 ? (int)(reclaimable * 100 / total) : 0;
        return xasprintf("%s (%d%%)", size, pct);
}

struct usage {
        int64_t total, active, size, reclaimable;
};

static bool container_running(struct engine *e, struct container_row *row)
{
        struct container_state st = {0};
        struct error *ignored = NULL;
        engine_use_runtime_of(e, row);
        bool running = engine_container_state(e, row, &st, &ignored) == 0 &&
                       (st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED);
        error_free(&ignored);
        container_state_release(&st);
        return running;
}

static bool image_used(const struct image_record *r, const struct container_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(rows[i].image_id, r->id.text) == 0)
                        return true;
        return false;
}

static int system_df(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"verbose", no_argument, NULL, 'v'},
            {"format", required_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool verbose = false;
        const char *format = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
                switch (opt) {
                case 'v':
                        verbose = true;
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        return cli_help(system_help);
                default:
                        return cli_bad_flag("system df", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("system df", "unexpected argument %s", argv[optind]);
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row *rows = NULL;
        struct image_record *images = NULL;
        struct volume_info *volumes = NULL;
        size_t n_rows = 0, n_images = 0, n_volumes = 0;
        if (cli_open_engine_with_containers(g, &e, &rows, &n_rows, &err) < 0 ||
            image_db_list(e->images->db, &images, &n_images, &err) < 0 ||
            volume_list(e, &volumes, &n_volumes, &err) < 0) {
                engine_free(e);
                return cli_fail(&err);
        }
        struct usage u[4] = {{0}};
        for (size_t i = 0; i < n_images; i++) {
                bool used = image_used(&images[i], rows, n_rows);
                u[0].total++;
                u[0].active += used;
                u[0].size += images[i].size;
                if (!used)
                        u[0].reclaimable += images[i].size;
        }
        int64_t *ctr_sizes = xcalloc(n_rows + 1, sizeof(int64_t));
        bool *ctr_running = xcalloc(n_rows + 1, sizeof(bool));
        for (size_t i = 0; i < n_rows; i++) {
                ctr_running[i] = container_running(e, &rows[i]);
                ctr_sizes[i] = cli_container_size(e, rows[i].id);
                u[1].total++;
                u[1].active += ctr_running[i];
                u[1].size += ctr_sizes[i];
                if (!ctr_running[i])
                        u[1].reclaimable += ctr_sizes[i];
        }
        int64_t *vol_sizes = xcalloc(n_volumes + 1, sizeof(int64_t));
        int64_t *vol_links = xcalloc(n_volumes + 1, sizeof(int64_t));
        for (size_t i = 0; i < n_volumes; i++) {
                char **users = volume_users(e, volumes[i].name, &err);
                error_free(&err);
                for (char **p = users; p && *p; p++)
                        vol_links[i]++;
                volume_free_names(users);
                vol_sizes[i] = volume_disk_usage(volumes[i].mountpoint);
                u[2].total++;
                u[2].active += vol_links[i] > 0;
                u[2].size += vol_sizes[i];
                if (vol_links[i] == 0)
                        u[2].reclaimable += vol_sizes[i];
        }
        static const char *const types[] = {"Images", "Containers", "Local Volumes", "Build Cache"};
        int ret = 0;
        if (format) {
                for (size_t t = 0; t < 4 && ret == 0; t++) {
                        _cleanup_free_ char *size = cli_docker_size(u[t].size, 4);
                        _cleanup_free_ char *rec =
                            reclaimable_text(u[t].reclaimable, u[t].size, t != 3);
                        json_t *o = json_object();
                        json_object_set_new(o, "Active",
                                            json_sprintf("%lld", (long long)u[t].active));
                        json_object_set_new(o, "Reclaimable", json_string(rec));
                        json_object_set_new(o, "Size", json_string(size));
                        json_object_set_new(o, "TotalCount",
                                            json_sprintf("%lld", (long long)u[t].total));
                        json_object_set_new(o, "Type", json_string(types[t]));
                        char *line = strcmp(format, "json") == 0
                                         ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)
                                         : cli_format_template(format, o, &err);
                        if (line)
                                printf("%s\n", line);
                        else
                                ret = cli_fail(&err);
                        free(line);
                        json_decref(o);
                }
        } else if (!verbose) {
                printf("%-16s%-10s%-10s%-10s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE",
                       "RECLAIMABLE");
                for (size_t t = 0; t < 4; t++) {
                        _cleanup_free_ char *size = cli_docker_size(u[t].size, 4);
                        _cleanup_free_ char *rec =
                            reclaimable_text(u[t].reclaimable, u[t].size, t != 3);
                        printf("%-16s%-10lld%-10lld%-10s%s\n", types[t], (long long)u[t].total,
                               (long long)u[t].active, size, rec);
                }
        } else {
                printf("Images space usage:\n\n%-40s%-15s%-15s%-10s%s\n", "REPOSITORY:TAG",
                       "IMAGE ID", "CONTAINERS", "SIZE", "");
                for (size_t i = 0; i < n_images; i++) {
                        int64_t users = 0;
                        for (size_t k = 0; k < n_rows; k++)
                                users += strcmp(rows[k].image_id, images[i].id.text) == 0;
                        _cleanup_free_ char *size = cli_docker_size(images[i].size, 4);
                        const char *hex = strchr(images[i].id.text, ':');
                        hex = hex ? hex + 1 : images[i].id.text;
                        printf("%-40s%-15.12s%-15lld%s\n",
                               images[i].names && images[i].names[0] ? images[i].names[0]
                                                                     : "<none>",
                               hex, (long long)users, size);
                }
                printf("\nContainers space usage:\n\n%-15s%-25s%-12s%s\n", "CONTAINER ID", "NAMES",
                       "STATUS", "SIZE");
                for (size_t i = 0; i < n_rows; i++) {
                        _cleanup_free_ char *size = cli_docker_size(ctr_sizes[i], 4);
                        printf("%-15.12s%-25s%-12s%s\n", rows[i].id, rows[i].name,
                               ctr_running[i] ? "running" : "stopped", size);
                }
                printf("\nLocal Volumes space usage:\n\n%-66s%-8s%s\n", "VOLUME NAME", "LINKS",
                       "SIZE");
                for (size_t i = 0; i < n_volumes; i++) {
                        _cleanup_free_ char *size = cli_docker_size(vol_sizes[i], 4);
                        printf("%-66s%-8lld%s\n", volumes[i].name, (long long)vol_links[i], size);
                }
                printf("\nBuild cache usage: 0B\n");
        }
        free(ctr_sizes);
        free(ctr_running);
        free(vol_sizes);
        free(vol_links);
        cli_container_rows_free(rows, n_rows);
        for (size_t i = 0; i < n_images; i++)
                image_record_release(&images[i]);
        free(images);
        volume_list_free(volumes, n_volumes);
        engine_free(e);
        return ret;
}

static int system_prune(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_VOLUMES = 256 };
        static const struct option options[] = {
            {"all", no_argument, NULL, 'a'},
            {"force", no_argument, NULL, 'f'},
            {"volumes", no_argument, NULL, OPT_VOLUMES},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool all = false, force = false, with_volumes = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "afh", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        all = true;
                        break;
                case 'f':
                        force = true;
                        break;
                case OPT_VOLUMES:
                        with_volumes = true;
                        break;
                case 'h':
                        return cli_help(system_help);
                default:
                        return cli_bad_flag("system prune", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("system prune", "unexpected argument %s", argv[optind]);
        if (!force &&
            !cli_confirm("WARNING! This will remove:\n"
                         "  - all stopped containers\n"
                         "  - all networks not used by at least one container\n"
                         "%s"
                         "  - %s\n"
                         "  - unused build cache\n\n",
                         with_volumes ? "  - all anonymous volumes not used by at least one "
                                        "container\n"
                                      : "",
                         all ? "all images without at least one container associated to them"
                             : "all dangling images"))
                return 0;
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row *rows = NULL;
        size_t n_rows = 0;
        if (cli_open_engine_with_containers(g, &e, &rows, &n_rows, &err) < 0)
                return cli_fail(&err);
        int64_t total = 0;
        /* Stopped containers, as `container prune`. */
        int ret = cli_prune_containers(e, rows, n_rows, &total);
        cli_container_rows_free(rows, n_rows);
        rows = NULL;

        /* Networks no container uses, as `network prune`. */
        int networks = cli_prune_networks(e);
        if (networks)
                ret = networks;

        /* Volumes (--volumes): every volume no container uses, as `volume prune`. */
        if (with_volumes) {
                struct volume_info *volumes = NULL;
                size_t n_volumes = 0;
                if (volume_list(e, &volumes, &n_volumes, &err) < 0)
                        ret = cli_fail(&err);
                int rc = cli_prune_volumes(e, volumes, n_volumes, &total);
                if (rc)
                        ret = rc;
                volume_list_free(volumes, n_volumes);
        }

        /* Images: dangling ones (no name), or with -a every one no container uses. */
        struct image_record *images = NULL;
        size_t n_images = 0;
        if (container_db_list(e->containers, &rows, &n_rows, &err) < 0 ||
            image_db_list(e->images->db, &images, &n_images, &err) < 0) {
                ret = cli_fail(&err);
                n_images = 0;
        }
        bool any = false;
        for (size_t i = 0; i < n_images; i++) {
                struct image_record *r = &images[i];
                bool dangling = !r->names || !r->names[0];
                if ((all || dangling) && !image_used(r, rows, n_rows)) {
                        if (!any)
                                printf("Deleted Images:\n");
                        any = true;
                        if (cli_remove_image(e->images, r, &err) < 0)
                                ret = cli_fail(&err);
                }
                image_record_release(r);
        }
        free(images);
        cli_container_rows_free(rows, n_rows);
        struct image_gc_stats stats = {0};
        if (image_gc(e->images, &stats, &err) < 0)
                ret = cli_fail(&err);
        total += (int64_t)stats.bytes;
        if (any)
                printf("\n");
        engine_free(e);
        _cleanup_free_ char *reclaimed = cli_docker_size(total, 4);
        printf("Total reclaimed space: %s\n", reclaimed);
        return ret;
}

int cmd_system(const struct berth_globals *g, int argc, char **argv)
{
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(system_help, argc < 2 ? stderr : stdout);
                return argc < 2 ? BERTH_EXIT_FAILURE : 0;
        }
        optind = 0;
        opterr = 0;
        if (strcmp(argv[1], "df") == 0)
                return system_df(g, argc - 1, argv + 1);
        if (strcmp(argv[1], "prune") == 0)
                return system_prune(g, argc - 1, argv + 1);
        if (strcmp(argv[1], "info") == 0)
                return cmd_info(g, argc - 1, argv + 1);
        return cli_usage_error(NULL, "unknown system command \"%s\"", argv[1]);
}

/* The version object: docker's `version` fields that mean something without a daemon. */
static json_t *version_json(void)
{
        struct utsname uts;
        uname(&uts);
        const char *arch = strcmp(uts.machine, "x86_64") == 0    ? "amd64"
                           : strcmp(uts.machine, "aarch64") == 0 ? "arm64"
                                                                 : uts.machine;
        json_t *client = json_object();
        json_object_set_new(client, "Version", json_string(BERTH_VERSION));
        json_object_set_new(client, "Os", json_string("linux"));
        json_object_set_new(client, "Arch", json_string(arch));
        json_object_set_new(client, "KernelVersion", json_string(uts.release));
        json_t *o = json_object();
        json_object_set_new(o, "Client", client);
        return o;
}

int cmd_version(const struct berth_globals *g, int argc, char **argv)
{
        (void)g;
        if (argc == 0) { /* berth -v / --version */
                printf("berth version %s\n", BERTH_VERSION);
                return 0;
        }
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
                        return cli_help("usage: berth version [--format json|TEMPLATE]\n\n"
                                        "Print berth's version (there is no server: berth is "
                                        "daemonless).\n");
                default:
                        return cli_bad_flag("version", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("version", "unexpected argument %s", argv[optind]);
        json_t *o = version_json();
        json_t *c = json_object_get(o, "Client");
        int ret = 0;
        if (format && strcmp(format, "json") == 0) {
                char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
                printf("%s\n", text);
                free(text);
        } else if (format) {
                struct error *err = NULL;
                char *line = cli_format_template(format, o, &err);
                if (line)
                        printf("%s\n", line);
                else
                        ret = cli_fail(&err);
                free(line);
        } else {
                printf("Client:\n"
                       " Version:           %s\n"
                       " OS/Arch:           %s/%s\n"
                       " Kernel Version:    %s\n"
                       " Engine:            daemonless (each command is a process)\n",
                       json_string_value(json_object_get(c, "Version")),
                       json_string_value(json_object_get(c, "Os")),
                       json_string_value(json_object_get(c, "Arch")),
                       json_string_value(json_object_get(c, "KernelVersion")));
        }
        json_decref(o);
        return ret;
}
