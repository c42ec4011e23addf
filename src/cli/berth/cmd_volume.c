/* berth volume create, ls, inspect, rm, prune: docker's flags and output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "cli_output.h"
#include "cli_prune.h"
#include "commands.h"
#include "engine/engine.h"
#include "engine/volumes.h"

static const char volume_help[] =
    "usage: berth volume SUBCOMMAND [options] ARGS...\n"
    "\n"
    "Manage volumes (driver \"local\": directories under ROOT/volumes).\n"
    "\n"
    "  create [-l KEY=VAL] [NAME]           create a volume (a random name when none)\n"
    "  ls [-q] [-f KEY=VAL] [--format FMT]  list volumes (FMT: table, json or a template)\n"
    "  inspect [--format FMT] NAME...       print volumes' details as JSON\n"
    "  rm [-f] NAME...                      remove volumes no container uses\n"
    "  prune [-f]                           remove every volume no container uses\n";

/* docker's `volume inspect` object. */
static json_t *volume_json(const struct volume_info *v)
{
        _cleanup_free_ char *created = cli_rfc3339(v->created);
        json_t *o = json_object();
        json_object_set_new(o, "CreatedAt", json_string(created));
        json_object_set_new(o, "Driver", json_string("local"));
        json_object_set_new(o, "Labels", json_incref(v->labels));
        json_object_set_new(o, "Mountpoint", json_string(v->mountpoint));
        json_object_set_new(o, "Name", json_string(v->name));
        json_object_set_new(o, "Options", json_object());
        json_object_set_new(o, "Scope", json_string("local"));
        return o;
}

static int volume_create_command(struct engine *e, int argc, char **argv)
{
        static const struct option options[] = {
            {"driver", required_argument, NULL, 'd'}, {"label", required_argument, NULL, 'l'},
            {"opt", required_argument, NULL, 'o'},    {"name", required_argument, NULL, 'n'},
            {"help", no_argument, NULL, 'h'},         {0},
        };
        _cleanup_free_ char **labels = xmalloc((size_t)(argc + 1) * sizeof(*labels));
        size_t n_labels = 0;
        const char *name = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "d:l:o:h", options, NULL)) != -1) {
                switch (opt) {
                case 'd':
                        if (strcmp(optarg, "local") != 0)
                                return cli_usage_error("volume create",
                                                       "driver \"%s\" is not supported (local)",
                                                       optarg);
                        break;
                case 'l':
                        labels[n_labels++] = optarg;
                        break;
                case 'o':
                        return cli_usage_error("volume create",
                                               "driver options are not supported: %s", optarg);
                case 'n':
                        name = optarg;
                        break;
                case 'h':
                        return cli_help(volume_help);
                default:
                        return cli_bad_flag("volume create", argv);
                }
        }
        labels[n_labels] = NULL;
        if (optind < argc)
                name = argv[optind++];
        if (optind < argc)
                return cli_usage_error("volume create", "at most 1 argument");
        struct error *err = NULL;
        _cleanup_free_ char *created = NULL;
        if (volume_create(e, name, labels, &created, &err) < 0)
                return cli_fail(&err);
        printf("%s\n", created);
        return 0;
}

/* docker's `volume ls --filter`: dangling=BOOL, name=SUBSTRING, label=KEY[=VAL]. */
static bool volume_matches(struct engine *e, const struct volume_info *v, char **filters, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const char *value = strchr(filters[i], '=') + 1;
                size_t key_len = (size_t)(value - 1 - filters[i]);
                if (strncmp(filters[i], "name", key_len) == 0 && key_len == 4) {
                        if (!strstr(v->name, value))
                                return false;
                } else if (strncmp(filters[i], "label", key_len) == 0 && key_len == 5) {
                        if (!cli_labels_match(v->labels, value))
                                return false;
                } else if (strncmp(filters[i], "dangling", key_len) == 0 && key_len == 8) {
                        struct error *err = NULL;
                        char **users = volume_users(e, v->name, &err);
                        bool dangling = users && !users[0];
                        volume_free_names(users);
                        error_free(&err);
                        bool want = strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
                        if (dangling != want)
                                return false;
                }
        }
        return true;
}

static void print_volume_table(json_t *rows)
{
        printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
        size_t i;
        json_t *o;
        json_array_foreach(rows, i, o)
            printf("%-10s%s\n", "local", json_string_value(json_object_get(o, "Name")));
}

static int volume_ls_command(struct engine *e, int argc, char **argv)
{
        enum { OPT_FORMAT = 256 };
        static const struct option options[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"filter", required_argument, NULL, 'f'},
            {"format", required_argument, NULL, OPT_FORMAT},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool quiet = false;
        const char *format = "table";
        _cleanup_free_ char **filters = xmalloc((size_t)argc * sizeof(*filters));
        size_t n_filters = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "qf:h", options, NULL)) != -1) {
                switch (opt) {
                case 'q':
                        quiet = true;
                        break;
                case 'f': {
                        const char *eq = strchr(optarg, '=');
                        if (!eq || (strncmp(optarg, "name=", 5) != 0 &&
                                    strncmp(optarg, "label=", 6) != 0 &&
                                    strncmp(optarg, "dangling=", 9) != 0))
                                return cli_usage_error("volume ls",
                                                       "invalid filter \"%s\" (dangling=BOOL, "
                                                       "name=NAME or label=KEY[=VAL])",
                                                       optarg);
                        filters[n_filters++] = optarg;
                        break;
                }
                case OPT_FORMAT:
                        format = optarg;
                        break;
                case 'h':
                        return cli_help(volume_help);
                default:
                        return cli_bad_flag("volume ls", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("volume ls", "unexpected argument %s", argv[optind]);
        struct error *err = NULL;
        struct volume_info *volumes = NULL;
        size_t n = 0;
        if (volume_list(e, &volumes, &n, &err) < 0)
                return cli_fail(&err);
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
                if (volume_matches(e, &volumes[i], filters, n_filters))
                        json_array_append_new(list, volume_json(&volumes[i]));
        volume_list_free(volumes, n);
        int ret = cli_print_listing(list, quiet, "Name", format, print_volume_table);
        json_decref(list);
        return ret;
}

static int volume_inspect_command(struct engine *e, int argc, char **argv)
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
                        return cli_help(volume_help);
                default:
                        return cli_bad_flag("volume inspect", argv);
                }
        }
        if (optind >= argc)
                return cli_usage_error("volume inspect", "requires at least 1 argument");
        struct error *err = NULL;
        json_t *list = json_array();
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                struct volume_info v;
                int found = volume_get(e, argv[i], &v, &err);
                if (found < 0) {
                        ret = cli_fail(&err);
                } else if (found == 0) {
                        error_set(&err, 0, "get volume %s: no such volume", argv[i]);
                        ret = cli_fail(&err);
                } else {
                        json_array_append_new(list, volume_json(&v));
                        volume_info_release(&v);
                }
        }
        if (format && strcmp(format, "json") != 0) {
                int rc = cli_print_templates(format, list);
                if (rc)
                        ret = rc;
        } else if (json_array_size(list) || ret == 0) {
                cli_print_json(list);
        }
        json_decref(list);
        return ret;
}

static int volume_rm_command(struct engine *e, int argc, char **argv)
{
        static const struct option options[] = {
            {"force", no_argument, NULL, 'f'},
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
                case 'h':
                        return cli_help(volume_help);
                default:
                        return cli_bad_flag("volume rm", argv);
                }
        }
        if (optind >= argc)
                return cli_usage_error("volume rm", "requires at least 1 argument");
        struct error *err = NULL;
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                /* docker: -f makes a missing volume fine; one in use is still refused. */
                if (volume_remove(e, argv[i], force, NULL, &err) < 0)
                        ret = cli_fail(&err);
                else
                        printf("%s\n", argv[i]);
        }
        return ret;
}

static int volume_prune_command(struct engine *e, int argc, char **argv)
{
        static const struct option options[] = {
            {"force", no_argument, NULL, 'f'},
            {"all", no_argument, NULL, 'a'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool force = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "fah", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        force = true;
                        break;
                case 'a':
                        break; /* podman's behaviour is the only one: every unused volume */
                case 'h':
                        return cli_help(volume_help);
                default:
                        return cli_bad_flag("volume prune", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("volume prune", "unexpected argument %s", argv[optind]);
        if (!force && !cli_confirm("WARNING! This will remove all volumes not used by at least one "
                                   "container.\n"))
                return 0;
        struct error *err = NULL;
        struct volume_info *volumes = NULL;
        size_t n = 0;
        if (volume_list(e, &volumes, &n, &err) < 0)
                return cli_fail(&err);
        int64_t total = 0;
        int ret = cli_prune_volumes(e, volumes, n, &total);
        volume_list_free(volumes, n);
        _cleanup_free_ char *reclaimed = cli_human_size(total);
        printf("Total reclaimed space: %s\n", reclaimed);
        return ret;
}

int cmd_volume(const struct berth_globals *g, int argc, char **argv)
{
        static const struct cli_engine_subcommand subcommands[] = {
            {"create", volume_create_command}, {"ls", volume_ls_command},
            {"list", volume_ls_command},       {"inspect", volume_inspect_command},
            {"rm", volume_rm_command},         {"remove", volume_rm_command},
            {"prune", volume_prune_command},
        };
        return cli_run_engine_subcommand(g, "volume", volume_help, subcommands,
                                         sizeof(subcommands) / sizeof(subcommands[0]), argc, argv);
}
