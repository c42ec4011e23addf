/* berth stats: docker's live table of containers' CPU, memory, network, block I/O and pids. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/container_stats.h"
#include "engine/engine.h"

static const char stats_help[] =
    "usage: berth stats [options] [CONTAINER...]\n"
    "\n"
    "Show containers' resource use (the running ones when none is named), refreshed every\n"
    "second until interrupted.\n"
    "\n"
    "  -a, --all          all containers (stopped ones show zeros)\n"
    "      --no-stream    print one table and exit\n"
    "      --no-trunc     full IDs\n"
    "      --format FMT   table, json, or a template: {{.ID}} {{.Container}} {{.Name}}\n"
    "                     {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.NetIO}} {{.BlockIO}}\n"
    "                     {{.PIDs}} (\"table TEMPLATE\" adds the header)\n";

static const char default_format[] = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t"
                                     "{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/* go-units CustomSize: SIZE in BASE steps with "%.*g" (PRECISION digits). */
static char *units_size(double size, double base, const char *const *names, size_t n, int precision)
{
        size_t i = 0;
        while (size >= base && i < n - 1) {
                size /= base;
                i++;
        }
        return xasprintf("%.*g%s", precision, size, names[i]);
}

/* docker's units.BytesSize: "460KiB", "64MiB". */
static char *binary_size(uint64_t bytes)
{
        static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        return units_size((double)bytes, 1024, names, 7, 4);
}

/* docker's units.HumanSizeWithPrecision(_, 3): "0B", "1.23kB". */
static char *decimal_size(uint64_t bytes)
{
        static const char *const names[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        return units_size((double)bytes, 1000, names, 7, 3);
}

struct tracked {
        struct container_row row;
        const char *given; /* the name or ID as the user gave it, or NULL */
        bool have_prev;
        struct container_stats prev;
        struct container_stats now;
        bool running;
};

/* docker's stats line as an object: the fields templates name. */
static json_t *stats_json(const struct tracked *t, bool no_trunc)
{
        const struct container_stats *s = &t->now;
        bool have = t->running && t->have_prev;
        double cpu = have ? container_stats_cpu_percent(&t->prev, s) : 0;
        double mem = t->running ? container_stats_memory_percent(s) : 0;
        _cleanup_free_ char *cpu_text = xasprintf("%.2f%%", cpu);
        _cleanup_free_ char *mem_text = xasprintf("%.2f%%", mem);
        _cleanup_free_ char *used = binary_size(t->running ? s->memory_usage : 0);
        _cleanup_free_ char *limit = binary_size(t->running ? s->memory_limit : 0);
        _cleanup_free_ char *usage = xasprintf("%s / %s", used, limit);
        _cleanup_free_ char *rx = decimal_size(s->net_rx), *tx = decimal_size(s->net_tx);
        _cleanup_free_ char *net = xasprintf("%s / %s", rx, tx);
        _cleanup_free_ char *rd = decimal_size(s->block_read), *wr = decimal_size(s->block_write);
        _cleanup_free_ char *block = xasprintf("%s / %s", rd, wr);
        _cleanup_free_ char *pids = xasprintf("%" PRIu64, t->running ? s->pids : 0);
        json_t *o = json_object();
        json_object_set_new(o, "BlockIO", json_string(block));
        json_object_set_new(o, "CPUPerc", json_string(cpu_text));
        /* docker: the container as the user named it, else its ID */
        json_object_set_new(o, "Container",
                            t->given   ? json_string(t->given)
                            : no_trunc ? json_string(t->row.id)
                                       : json_stringn(t->row.id, 12));
        json_object_set_new(o, "ID",
                            no_trunc ? json_string(t->row.id) : json_stringn(t->row.id, 12));
        json_object_set_new(o, "MemPerc", json_string(mem_text));
        json_object_set_new(o, "MemUsage", json_string(usage));
        json_object_set_new(o, "Name", json_string(t->row.name));
        json_object_set_new(o, "NetIO", json_string(net));
        json_object_set_new(o, "PIDs", json_string(pids));
        return o;
}

/* The header row of a "table" template: each field's column title. */
static json_t *header_json(void)
{
        json_t *o = json_object();
        json_object_set_new(o, "BlockIO", json_string("BLOCK I/O"));
        json_object_set_new(o, "CPUPerc", json_string("CPU %"));
        json_object_set_new(o, "Container", json_string("CONTAINER"));
        json_object_set_new(o, "ID", json_string("CONTAINER ID"));
        json_object_set_new(o, "MemPerc", json_string("MEM %"));
        json_object_set_new(o, "MemUsage", json_string("MEM USAGE / LIMIT"));
        json_object_set_new(o, "Name", json_string("NAME"));
        json_object_set_new(o, "NetIO", json_string("NET I/O"));
        json_object_set_new(o, "PIDs", json_string("PIDS"));
        return o;
}

/* docker's tabwriter (minwidth 10, padding 3): LINES of tab-separated cells, aligned. */
static void print_aligned(char **lines, size_t n)
{
        size_t widths[32] = {0};
        for (size_t i = 0; i < n; i++) {
                size_t col = 0;
                for (const char *c = lines[i];; col++) {
                        const char *tab = strchrnul(c, '\t');
                        if (*tab && col < 32 && (size_t)(tab - c) > widths[col])
                                widths[col] = (size_t)(tab - c);
                        if (!*tab)
                                break;
                        c = tab + 1;
                }
        }
        for (size_t i = 0; i < n; i++) {
                size_t col = 0;
                for (const char *c = lines[i];; col++) {
                        const char *tab = strchrnul(c, '\t');
                        int len = (int)(tab - c);
                        if (!*tab) {
                                printf("%.*s\n", len, c);
                                break;
                        }
                        size_t w = col < 32 ? widths[col] + 3 : (size_t)len + 3;
                        printf("%-*.*s", (int)(w < 10 ? 10 : w), len, c);
                        c = tab + 1;
                }
        }
}

static int render(struct tracked *list, size_t n, const char *format, bool no_trunc)
{
        struct error *err = NULL;
        if (strcmp(format, "json") == 0) {
                for (size_t i = 0; i < n; i++) {
                        json_t *o = stats_json(&list[i], no_trunc);
                        char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
                        printf("%s\n", text);
                        free(text);
                        json_decref(o);
                }
                return 0;
        }
        bool table = strncmp(format, "table", 5) == 0;
        const char *template = table ? format + 5 : format;
        while (table && *template == ' ')
                template ++;
        if (table && *template == '\0')
                template = default_format + 6;
        char **lines = xcalloc(n + 1, sizeof(char *));
        size_t count = 0;
        int ret = 0;
        if (table) {
                json_t *h = header_json();
                lines[count] = cli_format_template(template, h, &err);
                json_decref(h);
                if (!lines[count])
                        goto fail;
                count++;
        }
        for (size_t i = 0; i < n; i++) {
                json_t *o = stats_json(&list[i], no_trunc);
                lines[count] = cli_format_template(template, o, &err);
                json_decref(o);
                if (!lines[count])
                        goto fail;
                count++;
        }
        if (table)
                print_aligned(lines, count);
        else
                for (size_t i = 0; i < count; i++)
                        printf("%s\n", lines[i]);
        goto out;
fail:
        ret = cli_fail(&err);
out:
        for (size_t i = 0; i < count; i++)
                free(lines[i]);
        free(lines);
        return ret;
}

/* A new sample of T (zeros when it is not running). */
static void sample(struct engine *e, struct tracked *t)
{
        struct container_state st = {0};
        struct error *err = NULL;
        engine_use_runtime_of(e, &t->row);
        t->prev = t->now;
        t->have_prev = t->running;
        t->running = engine_container_state(e, &t->row, &st, &err) == 0 &&
                     st.status == CONTAINER_RUNNING &&
                     container_stats_read(e, &t->row, st.pid, &t->now, &err) == 0;
        if (!t->running) {
                memset(&t->now, 0, sizeof(t->now));
                t->have_prev = false;
        }
        error_free(&err);
        container_state_release(&st);
}

/* The containers to show: those named, else the running ones (all with -a). Keeps the
 * samples of containers already in *LIST. */
static int refresh(struct engine *e, int argc, char **argv, bool all, struct tracked **list,
                   size_t *n, struct error **err)
{
        if (argc > 0 && *list)
                return 0;
        struct tracked *next = NULL;
        size_t count = 0;
        if (argc > 0) {
                next = xcalloc((size_t)argc, sizeof(*next));
                for (int i = 0; i < argc; i++, count++) {
                        if (cli_find_container(e, argv[i], &next[i].row, err) < 0) {
                                for (size_t k = 0; k < count; k++)
                                        container_row_release(&next[k].row);
                                free(next);
                                return -1;
                        }
                        next[i].given = argv[i];
                }
        } else {
                struct container_row *rows = NULL;
                size_t n_rows = 0;
                if (container_db_list(e->containers, &rows, &n_rows, err) < 0)
                        return -1;
                next = xcalloc(n_rows + 1, sizeof(*next));
                for (size_t i = 0; i < n_rows; i++) {
                        struct container_state st = {0};
                        struct error *ignored = NULL;
                        engine_use_runtime_of(e, &rows[i]);
                        bool running =
                            engine_container_state(e, &rows[i], &st, &ignored) == 0 &&
                            (st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED);
                        error_free(&ignored);
                        container_state_release(&st);
                        if (!running && !all) {
                                container_row_release(&rows[i]);
                                continue;
                        }
                        next[count].row = rows[i];
                        for (size_t k = 0; k < *n; k++)
                                if (strcmp((*list)[k].row.id, rows[i].id) == 0) {
                                        next[count].prev = (*list)[k].prev;
                                        next[count].now = (*list)[k].now;
                                        next[count].running = (*list)[k].running;
                                        next[count].have_prev = (*list)[k].have_prev;
                                }
                        count++;
                }
                free(rows);
        }
        for (size_t k = 0; k < *n; k++)
                container_row_release(&(*list)[k].row);
        free(*list);
        *list = next;
        *n = count;
        return 0;
}

int cmd_stats(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_NO_STREAM = 256, OPT_NO_TRUNC, OPT_FORMAT };
        static const struct option options[] = {
            {"all", no_argument, NULL, 'a'},
            {"no-stream", no_argument, NULL, OPT_NO_STREAM},
            {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
            {"format", required_argument, NULL, OPT_FORMAT},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool all = false, no_stream = false, no_trunc = false;
        const char *format = default_format;
        int opt;
        while ((opt = getopt_long(argc, argv, "ah", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        all = true;
                        break;
                case OPT_NO_STREAM:
                        no_stream = true;
                        break;
                case OPT_NO_TRUNC:
                        no_trunc = true;
                        break;
                case OPT_FORMAT:
                        format = strcmp(optarg, "table") == 0 ? default_format : optarg;
                        break;
                case 'h':
                        return cli_help(stats_help);
                default:
                        return cli_bad_flag("stats", argv);
                }
        }
        struct error *err = NULL;
        struct engine *e = NULL;
        if (cli_open_engine(g, &e, &err) < 0)
                return cli_fail(&err);
        struct tracked *list = NULL;
        size_t n = 0;
        int ret = 0;
        char **names = argv + optind;
        int n_names = argc - optind;
        /* CPU % needs two samples: the first table comes after one interval, as docker's. */
        for (bool first = true;; first = false) {
                if (refresh(e, n_names, names, all, &list, &n, &err) < 0) {
                        ret = cli_fail(&err);
                        break;
                }
                for (size_t i = 0; i < n; i++)
                        sample(e, &list[i]);
                if (!first) {
                        if (!no_stream)
                                fputs("\033[2J\033[H", stdout); /* docker's redraw */
                        ret = render(list, n, format, no_trunc);
                        fflush(stdout);
                        if (ret != 0 || no_stream)
                                break;
                }
                sleep(1);
        }
        for (size_t i = 0; i < n; i++)
                container_row_release(&list[i].row);
        free(list);
        engine_free(e);
        return ret;
}
