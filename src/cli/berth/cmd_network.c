/* berth network create, ls, inspect, rm, connect, disconnect, prune: docker's flags and output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "cli_prune.h"
#include "cli_output.h"
#include "commands.h"
#include "engine/engine.h"
#include "engine/engine_network.h"
#include "network/network_store.h"

static const char network_help[] =
    "usage: berth network SUBCOMMAND [options] ARGS...\n"
    "\n"
    "Manage networks (bridge networks through the CNI plugins; docs/network.md).\n"
    "\n"
    "  create [--subnet CIDR] [--gateway IP] [--internal] [-d bridge] [-l KEY=VAL] NAME\n"
    "  ls [-q] [--no-trunc] [-f FILTER]... [--format FMT]\n"
    "                                          list networks (FMT: table, json or a template;\n"
    "                                          FILTER: name=, id=, driver=, label=KEY[=VAL],\n"
    "                                          type=custom|builtin)\n"
    "  inspect [--format FMT] NETWORK...       print networks' details as JSON\n"
    "  rm NETWORK...                           remove networks no container uses\n"
    "  connect [--alias NAME] NETWORK CONTAINER\n"
    "  disconnect NETWORK CONTAINER\n"
    "  prune [-f]                              remove every network no container uses\n";

/* docker's `network inspect` object. */
static json_t *network_json(struct engine *e, const struct network *n)
{
        json_t *config = json_pack("{s:s}", "Subnet", n->subnet);
        if (n->gateway)
                json_object_set_new(config, "Gateway", json_string(n->gateway));
        json_t *o = json_object();
        json_object_set_new(o, "Name", json_string(n->name));
        json_object_set_new(o, "Id", json_string(n->id));
        json_object_set_new(o, "Created", json_string(n->created ? n->created : ""));
        json_object_set_new(o, "Scope", json_string("local"));
        json_object_set_new(o, "Driver", json_string(n->driver));
        json_object_set_new(o, "EnableIPv6", json_false());
        json_object_set_new(
            o, "IPAM",
            json_pack("{s:s, s:{}, s:[o]}", "Driver", "default", "Options", "Config", config));
        json_object_set_new(o, "Internal", json_boolean(n->internal));
        json_object_set_new(o, "Attachable", json_false());
        json_object_set_new(o, "Ingress", json_false());
        json_object_set_new(o, "Containers", engine_network_containers(e, n->name));
        json_object_set_new(o, "Options",
                            json_pack("{s:s}", "com.docker.network.bridge.name", n->bridge));
        json_object_set_new(o, "Labels", json_incref(n->labels));
        return o;
}

static void print_network_table(json_t *rows)
{
        struct cli_table table;
        cli_table_init(&table, 4);
        cli_table_add(&table, (const char *const[]){"NETWORK ID", "NAME", "DRIVER", "SCOPE"});
        size_t i;
        json_t *o;
        json_array_foreach(rows, i, o) cli_table_add(
            &table,
            (const char *const[]){json_string_value(json_object_get(o, "ID")),
                                  json_string_value(json_object_get(o, "Name")),
                                  json_string_value(json_object_get(o, "Driver")), "local"});
        cli_table_print(&table);
        cli_table_release(&table);
}

static int network_create_command(struct engine *e, int argc, char **argv)
{
        static const struct option options[] = {
            {"subnet", required_argument, NULL, 's'},
            {"gateway", required_argument, NULL, 'g'},
            {"internal", no_argument, NULL, 'i'},
            {"driver", required_argument, NULL, 'd'},
            {"label", required_argument, NULL, 'l'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct network_create_options o = {0};
        char **labels = xmalloc(sizeof(char *));
        size_t n_labels = 0;
        labels[0] = NULL;
        int opt, ret = 0;
        while ((opt = getopt_long(argc, argv, "d:l:h", options, NULL)) != -1) {
                switch (opt) {
                case 's':
                        o.subnet = optarg;
                        break;
                case 'g':
                        o.gateway = optarg;
                        break;
                case 'i':
                        o.internal = true;
                        break;
                case 'd':
                        o.driver = optarg;
                        break;
                case 'l':
                        labels = xrealloc(labels, (n_labels + 2) * sizeof(char *));
                        labels[n_labels++] = optarg;
                        labels[n_labels] = NULL;
                        break;
                case 'h':
                        free(labels);
                        return cli_help(network_help);
                default:
                        free(labels);
                        return cli_bad_flag("network create", argv);
                }
        }
        if (argc - optind != 1) {
                free(labels);
                return cli_usage_error("network create", "requires exactly 1 argument");
        }
        o.name = argv[optind];
        o.labels = labels;
        struct error *err = NULL;
        struct network net;
        if (engine_network_create(e, &o, &net, &err) < 0) {
                ret = cli_fail(&err);
        } else {
                printf("%s\n", net.id);
                network_release(&net);
        }
        free(labels);
        return ret;
}

/* One `network ls --filter KEY=VALUE` on N: name is a substring, id a prefix; type=builtin is
 * the default network, type=custom the others. */
static bool network_filter_matches(const struct network *n, const char *key, const char *value)
{
        if (strcmp(key, "name") == 0)
                return strstr(n->name, value) != NULL;
        if (strcmp(key, "id") == 0)
                return strncmp(n->id, value, strlen(value)) == 0;
        if (strcmp(key, "driver") == 0)
                return strcmp(n->driver, value) == 0;
        if (strcmp(key, "label") == 0)
                return cli_labels_match(n->labels, value);
        bool builtin = strcmp(n->name, NETWORK_DEFAULT_NAME) == 0;
        return strcmp(value, builtin ? "builtin" : "custom") == 0;
}

/* FILTERS as docker combines them: the values of one key are alternatives, and every key given
 * must match. */
static bool network_matches(const struct network *n, char *const *filters, size_t n_filters)
{
        static const char *const keys[] = {"name", "id", "driver", "label", "type"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                size_t key_len = strlen(keys[k]);
                bool given = false, any = false;
                for (size_t i = 0; i < n_filters; i++) {
                        if (strncmp(filters[i], keys[k], key_len) != 0 ||
                            filters[i][key_len] != '=')
                                continue;
                        given = true;
                        any = any || network_filter_matches(n, keys[k], filters[i] + key_len + 1);
                }
                if (given && !any)
                        return false;
        }
        return true;
}

static int network_ls_command(struct engine *e, int argc, char **argv)
{
        enum { OPT_FORMAT = 256 };
        static const struct option options[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"filter", required_argument, NULL, 'f'},
            {"format", required_argument, NULL, OPT_FORMAT},
            {"no-trunc", no_argument, NULL, 'n'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool quiet = false, no_trunc = false;
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
                        static const char *const known[] = {
                            "name=", "id=", "driver=", "label=", "type="};
                        bool ok = false;
                        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
                                ok |= strncmp(optarg, known[k], strlen(known[k])) == 0;
                        if (!ok)
                                return cli_usage_error("network ls",
                                                       "invalid filter \"%s\" (name=, id=, "
                                                       "driver=, label=KEY[=VAL] or "
                                                       "type=custom|builtin)",
                                                       optarg);
                        filters[n_filters++] = optarg;
                        break;
                }
                case OPT_FORMAT:
                        format = optarg;
                        break;
                case 'n':
                        no_trunc = true;
                        break;
                case 'h':
                        return cli_help(network_help);
                default:
                        return cli_bad_flag("network ls", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("network ls", "unexpected argument %s", argv[optind]);
        struct error *err = NULL;
        struct network_store *store = NULL;
        struct network *list = NULL;
        size_t n = 0;
        if (network_store_open(e->root, &store, &err) < 0 ||
            network_store_list(store, &list, &n, &err) < 0) {
                network_store_free(store);
                return cli_fail(&err);
        }
        network_store_free(store);
        json_t *rows = json_array();
        for (size_t i = 0; i < n; i++) {
                if (!network_matches(&list[i], filters, n_filters)) {
                        network_release(&list[i]);
                        continue;
                }
                json_t *o = json_object();
                json_object_set_new(
                    o, "ID", no_trunc ? json_string(list[i].id) : json_stringn(list[i].id, 12));
                json_object_set_new(o, "Name", json_string(list[i].name));
                json_object_set_new(o, "Driver", json_string(list[i].driver));
                json_object_set_new(o, "Scope", json_string("local"));
                json_object_set_new(o, "Internal",
                                    json_string(list[i].internal ? "true" : "false"));
                json_object_set_new(o, "Labels", json_incref(list[i].labels));
                json_object_set_new(o, "CreatedAt",
                                    json_string(list[i].created ? list[i].created : ""));
                json_array_append_new(rows, o);
                network_release(&list[i]);
        }
        free(list);
        int ret = cli_print_listing(rows, quiet, "ID", format, print_network_table);
        json_decref(rows);
        return ret;
}

static int network_inspect_command(struct engine *e, int argc, char **argv)
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
                        format = strcmp(optarg, "json") == 0 ? NULL : optarg;
                        break;
                case 'h':
                        return cli_help(network_help);
                default:
                        return cli_bad_flag("network inspect", argv);
                }
        }
        if (optind >= argc)
                return cli_usage_error("network inspect", "requires at least 1 argument");
        struct error *err = NULL;
        struct network_store *store = NULL;
        if (network_store_open(e->root, &store, &err) < 0)
                return cli_fail(&err);
        json_t *all = json_array();
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                struct network net;
                int rc = network_store_find(store, argv[i], &net, &err);
                if (rc <= 0) {
                        if (rc == 0)
                                error_set(&err, 0, "network %s not found", argv[i]);
                        ret = cli_fail(&err);
                        continue;
                }
                json_array_append_new(all, network_json(e, &net));
                network_release(&net);
        }
        network_store_free(store);
        if (format) {
                int rc = cli_print_templates(format, all);
                if (rc)
                        ret = rc;
        } else {
                cli_print_json(all);
        }
        json_decref(all);
        return ret;
}

static int network_rm_command(struct engine *e, int argc, char **argv)
{
        static const struct option options[] = {
            {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
                if (opt == 'h')
                        return cli_help(network_help);
                if (opt != 'f')
                        return cli_bad_flag("network rm", argv);
        }
        if (optind >= argc)
                return cli_usage_error("network rm", "requires at least 1 argument");
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                struct error *err = NULL;
                if (engine_network_remove(e, argv[i], &err) < 0)
                        ret = cli_fail(&err);
                else
                        printf("%s\n", argv[i]);
        }
        return ret;
}

static int connect_or_disconnect(struct engine *e, bool connect, int argc, char **argv)
{
        const char *name = connect ? "network connect" : "network disconnect";
        static const struct option options[] = {
            {"alias", required_argument, NULL, 'a'},
            {"force", no_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        char *aliases[17] = {0};
        size_t n_aliases = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        if (!connect || n_aliases >= 16)
                                return cli_bad_flag(name, argv);
                        aliases[n_aliases++] = optarg;
                        break;
                case 'f':
                        break;
                case 'h':
                        return cli_help(network_help);
                default:
                        return cli_bad_flag(name, argv);
                }
        }
        if (argc - optind != 2)
                return cli_usage_error(name, "requires exactly 2 arguments");
        struct error *err = NULL;
        struct container_row row = {0};
        int ret = 0;
        if (cli_find_container(e, argv[optind + 1], &row, &err) < 0)
                return cli_fail(&err);
        engine_use_runtime_of(e, &row);
        if ((connect ? engine_network_connect(e, argv[optind], &row, aliases, &err)
                     : engine_network_disconnect(e, argv[optind], &row, &err)) < 0)
                ret = cli_fail(&err);
        container_row_release(&row);
        return ret;
}

static int network_connect_command(struct engine *e, int argc, char **argv)
{
        return connect_or_disconnect(e, true, argc, argv);
}

static int network_disconnect_command(struct engine *e, int argc, char **argv)
{
        return connect_or_disconnect(e, false, argc, argv);
}

static int network_prune_command(struct engine *e, int argc, char **argv)
{
        static const struct option options[] = {
            {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
                if (opt == 'h')
                        return cli_help(network_help);
                if (opt != 'f')
                        return cli_bad_flag("network prune", argv);
        }
        return cli_prune_networks(e);
}

int cmd_network(const struct berth_globals *g, int argc, char **argv)
{
        static const struct cli_engine_subcommand subcommands[] = {
            {"create", network_create_command},   {"ls", network_ls_command},
            {"list", network_ls_command},         {"inspect", network_inspect_command},
            {"rm", network_rm_command},           {"remove", network_rm_command},
            {"connect", network_connect_command}, {"disconnect", network_disconnect_command},
            {"prune", network_prune_command},
        };
        return cli_run_engine_subcommand(g, "network", network_help, subcommands,
                                         sizeof(subcommands) / sizeof(subcommands[0]), argc, argv);
}
