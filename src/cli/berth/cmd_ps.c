/* berth ps: docker's columns and flags. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "cli_output.h"
#include "cli_prune.h"
#include "commands.h"
#include "engine/engine.h"
#include "engine/engine_network.h"

static const char ps_help[] =
    "usage: berth ps [options]\n"
    "\n"
    "List containers (running ones, or all with -a).\n"
    "\n"
    "  -a, --all            all containers, not only running ones\n"
    "  -q, --quiet          only IDs\n"
    "  -l, --latest         only the newest container\n"
    "  -n, --last N         the N newest containers\n"
    "      --no-trunc       full IDs and commands\n"
    "  -f, --filter F       status=S, name=N, id=I, ancestor=IMAGE, label=K[=V], exited=CODE,\n"
    "                       health=starting|healthy|unhealthy|none\n"
    "  -s, --size           the SIZE column: the container's writable layer (and with its\n"
    "                       image, virtual)\n"
    "      --format FMT     table (default), json, or a template such as {{.Names}}\n";

/* "Up 3 minutes", "Exited (0) 2 seconds ago": docker's STATUS column. */
static char *status_text(const struct container_state *st)
{
        if (st->status == CONTAINER_CREATED)
                return xstrdup("Created");
        if (st->status == CONTAINER_EXITED) {
                int64_t at = 0;
                struct tm tm = {0};
                if (st->finished_at && strptime(st->finished_at, "%Y-%m-%dT%H:%M:%S", &tm))
                        at = timegm(&tm);
                _cleanup_free_ char *ago = cli_human_age(at);
                return xasprintf("Exited (%d) %s", st->exit_code, ago);
        }
        int64_t since = 0;
        struct tm tm = {0};
        if (st->started_at && strptime(st->started_at, "%Y-%m-%dT%H:%M:%S", &tm))
                since = timegm(&tm);
        _cleanup_free_ char *age = cli_human_age(since);
        /* "3 minutes ago" -> "Up 3 minutes" */
        size_t n = strlen(age);
        if (n > 4 && strcmp(age + n - 4, " ago") == 0)
                age[n - 4] = '\0';
        return xasprintf("Up %s%s", age, st->status == CONTAINER_PAUSED ? " (Paused)" : "");
}

/* The health a running container shows ("healthy", "unhealthy", "starting"), or "none". */
static char *health_status(struct engine *e, const struct container_row *row,
                           const struct container_state *st)
{
        json_t *health = st->status == CONTAINER_RUNNING ? engine_container_health(e, row) : NULL;
        const char *status = json_string_value(json_object_get(health, "Status"));
        char *text = xstrdup(status ? status : "none");
        json_decref(health);
        return text;
}

/* docker's suffix of the STATUS column: " (healthy)", " (health: starting)". */
static char *with_health(char *status, const char *health)
{
        if (strcmp(health, "none") == 0)
                return status;
        char *text = xasprintf("%s (%s%s)", status,
                               strcmp(health, "starting") == 0 ? "health: " : "", health);
        free(status);
        return text;
}

static char *command_text(json_t *command)
{
        char *out = xstrdup("");
        size_t i;
        json_t *arg;
        json_array_foreach(command, i, arg)
        {
                char *next = xasprintf("%s%s%s", out, i ? " " : "", json_string_value(arg));
                free(out);
                out = next;
        }
        return out;
}

struct ps_filter {
        const char *key;
        const char *value;
};

static bool health_matches(const struct ps_filter *f, size_t n, const char *health)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(f[i].key, "health") == 0 && strcmp(f[i].value, health) != 0)
                        return false;
        return true;
}

static bool matches(const struct container_row *row, const struct container_state *st,
                    const struct ps_filter *f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const char *k = f[i].key, *v = f[i].value;
                bool ok = true;
                if (strcmp(k, "status") == 0)
                        ok = strcmp(container_status_name(st->status), v) == 0;
                else if (strcmp(k, "name") == 0)
                        ok = strstr(row->name, v) != NULL;
                else if (strcmp(k, "id") == 0)
                        ok = strncmp(row->id, v, strlen(v)) == 0;
                else if (strcmp(k, "exited") == 0)
                        ok = st->status == CONTAINER_EXITED && st->exit_code == atoi(v);
                else if (strcmp(k, "ancestor") == 0) {
                        const char *image = json_string_value(json_object_get(row->data, "image"));
                        ok = (image && strcmp(image, v) == 0) ||
                             strncmp(row->image_id + 7, v, strlen(v)) == 0;
                } else if (strcmp(k, "label") == 0) {
                        ok = cli_labels_match(
                            json_object_get(json_object_get(row->data, "options"), "labels"), v);
                }
                if (!ok)
                        return false;
        }
        return true;
}

int cmd_ps(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_NO_TRUNC = 256, OPT_FORMAT };
        static const struct option options[] = {
            {"all", no_argument, NULL, 'a'},
            {"quiet", no_argument, NULL, 'q'},
            {"latest", no_argument, NULL, 'l'},
            {"last", required_argument, NULL, 'n'},
            {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
            {"filter", required_argument, NULL, 'f'},
            {"format", required_argument, NULL, OPT_FORMAT},
            {"size", no_argument, NULL, 's'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool all = false, quiet = false, no_trunc = false, size = false;
        long last = -1;
        const char *format = "table";
        struct ps_filter filters[16];
        size_t n_filters = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "aqln:f:sh", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'l':
                        last = 1;
                        all = true;
                        break;
                case 'n':
                        last = strtol(optarg, NULL, 10);
                        all = true;
                        break;
                case OPT_NO_TRUNC:
                        no_trunc = true;
                        break;
                case 'f': {
                        char *eq = strchr(optarg, '=');
                        if (!eq || n_filters == 16)
                                return cli_usage_error("ps", "invalid filter \"%s\": KEY=VALUE",
                                                       optarg);
                        *eq = '\0';
                        filters[n_filters++] = (struct ps_filter){optarg, eq + 1};
                        if (strcmp(optarg, "status") == 0 || strcmp(optarg, "exited") == 0)
                                all = true;
                        break;
                }
                case OPT_FORMAT:
                        format = optarg;
                        break;
                case 's':
                        size = true;
                        break;
                case 'h':
                        return cli_help(ps_help);
                default:
                        return cli_bad_flag("ps", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("ps", "unexpected argument %s", argv[optind]);
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row *rows = NULL;
        size_t n = 0;
        if (cli_open_engine(g, &e, &err) < 0 ||
            container_db_list(e->containers, &rows, &n, &err) < 0) {
                engine_free(e);
                return cli_fail(&err);
        }
        json_t *list = json_array();
        long shown = 0;
        for (size_t i = 0; i < n; i++) {
                struct container_row *row = &rows[i];
                struct container_state st = {0};
                engine_use_runtime_of(e, row);
                if (engine_container_state(e, row, &st, &err) < 0) {
                        cli_fail(&err);
                        continue;
                }
                _cleanup_free_ char *health = health_status(e, row, &st);
                bool show =
                    (all || st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED) &&
                    matches(row, &st, filters, n_filters) &&
                    health_matches(filters, n_filters, health) && (last < 0 || shown < last);
                if (show) {
                        shown++;
                        _cleanup_free_ char *status = with_health(status_text(&st), health);
                        _cleanup_free_ char *command =
                            command_text(json_object_get(row->data, "command"));
                        _cleanup_free_ char *created = cli_human_age(row->created);
                        _cleanup_free_ char *created_at = cli_rfc3339(row->created);
                        const char *image = json_string_value(json_object_get(row->data, "image"));
                        json_t *o = json_object();
                        json_object_set_new(o, "Id", json_string(row->id));
                        json_object_set_new(
                            o, "ID", no_trunc ? json_string(row->id) : json_stringn(row->id, 12));
                        json_object_set_new(o, "Image", json_string(image ? image : row->image_id));
                        json_object_set_new(o, "ImageID", json_string(row->image_id));
                        json_object_set_new(o, "Command", json_string(command));
                        json_object_set_new(o, "Created", json_integer(row->created));
                        json_object_set_new(o, "CreatedAt", json_string(created_at));
                        json_object_set_new(o, "RunningFor", json_string(created));
                        json_object_set_new(o, "State",
                                            json_string(container_status_name(st.status)));
                        json_object_set_new(o, "Status", json_string(status));
                        json_object_set_new(o, "ExitCode", json_integer(st.exit_code));
                        json_object_set_new(o, "Pid", json_integer(st.pid));
                        json_object_set_new(o, "Names", json_string(row->name));
                        _cleanup_free_ char *ports =
                            st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED
                                ? engine_network_ports_text(e, row)
                                : xstrdup("");
                        json_object_set_new(o, "Ports", json_string(ports));
                        json_t *labels =
                            json_object_get(json_object_get(row->data, "options"), "labels");
                        json_object_set_new(o, "Labels",
                                            labels ? json_incref(labels) : json_object());
                        if (size)
                                cli_add_container_sizes(e, row, o);
                        json_array_append_new(list, o);
                }
                container_state_release(&st);
        }
        int ret = 0;
        size_t i;
        json_t *o;
        if (quiet) {
                json_array_foreach(list, i, o)
                    printf("%s\n", json_string_value(json_object_get(o, "ID")));
        } else if (strcmp(format, "json") == 0) {
                char *text = json_dumps(list, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
                free(text);
        } else if (strcmp(format, "table") == 0) {
                struct cli_table table;
                cli_table_init(&table, size ? 8 : 7);
                cli_table_add(&table,
                              (const char *const[]){"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                                    "STATUS", "PORTS", "NAMES", "SIZE"});
                json_array_foreach(list, i, o)
                {
                        const char *command = json_string_value(json_object_get(o, "Command"));
                        _cleanup_free_ char *shown_command = !no_trunc && strlen(command) > 20
                                                                 ? xasprintf("%.17s...", command)
                                                                 : xasprintf("%s", command);
                        cli_table_add(&table,
                                      (const char *const[]){
                                          json_string_value(json_object_get(o, "ID")),
                                          json_string_value(json_object_get(o, "Image")),
                                          shown_command,
                                          json_string_value(json_object_get(o, "RunningFor")),
                                          json_string_value(json_object_get(o, "Status")),
                                          json_string_value(json_object_get(o, "Ports")),
                                          json_string_value(json_object_get(o, "Names")),
                                          json_string_value(json_object_get(o, "Size"))});
                }
                cli_table_print(&table);
                cli_table_release(&table);
        } else {
                json_array_foreach(list, i, o)
                {
                        char *line = cli_format_template(format, o, &err);
                        if (!line) {
                                ret = cli_fail(&err);
                                break;
                        }
                        printf("%s\n", line);
                        free(line);
                }
        }
        json_decref(list);
        for (size_t k = 0; k < n; k++)
                container_row_release(&rows[k]);
        free(rows);
        engine_free(e);
        return ret;
}
