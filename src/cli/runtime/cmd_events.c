/* events: runc's event stream of a container. --stats prints one stats event and exits;
 * otherwise a stats event every --interval (and an "oom" event when the OOM killer struck
 * in between) until the container stops. One JSON object per line. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_stats.h"
#include "commands.h"
#include "container.h"
#include "error.h"

/* A Go duration as runc's flag takes it: "5s", "100ms", "1m30s", "1.5s". Returns
 * nanoseconds, or -1. */
static long long parse_duration(const char *text)
{
        static const struct {
                const char *unit;
                double ns;
        } units[] = {{"ns", 1},  {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
                     {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
        double total = 0;
        const char *p = text;
        if (*p == '\0')
                return -1;
        if (strcmp(p, "0") == 0)
                return 0;
        while (*p) {
                char *end;
                double v = strtod(p, &end);
                if (end == p || v < 0)
                        return -1;
                p = end;
                size_t best = 0;
                double scale = 0;
                for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                        size_t len = strlen(units[i].unit);
                        /* "ms" must win over "m": take the longest unit that matches. */
                        if (strncmp(p, units[i].unit, len) == 0 && len > best) {
                                best = len;
                                scale = units[i].ns;
                        }
                }
                if (best == 0)
                        return -1;
                total += v * scale;
                p += best;
        }
        return (long long)total;
}

static void print_event(const char *type, const char *id, json_t *data)
{
        json_t *event = json_pack("{s:s, s:s}", "type", type, "id", id);
        if (data)
                json_object_set_new(event, "data", data);
        char *text = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(text);
        fflush(stdout);
        free(text);
        json_decref(event);
}

static bool still_there(const struct runtime_options *rt, const struct container_record *rec)
{
        enum container_status status = container_status(rt, rec);
        return status != CONTAINER_STOPPED;
}

int cmd_events(const struct runtime_options *rt, int argc, char **argv)
{
        static const struct option flags[] = {{"interval", required_argument, NULL, 'i'},
                                              {"stats", no_argument, NULL, 's'},
                                              {"help", no_argument, NULL, 'h'},
                                              {0}};
        bool stats_once = false;
        long long interval = 5000000000LL;
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", flags, NULL)) != -1) {
                switch (opt) {
                case 's':
                        stats_once = true;
                        break;
                case 'i':
                        interval = parse_duration(optarg);
                        if (interval <= 0)
                                return cli_usage_error("events",
                                                       "--interval: %s is not a "
                                                       "positive duration like 5s",
                                                       optarg);
                        break;
                case 'h':
                        puts("usage: berth-runtime events [--stats] [--interval 5s] "
                             "CONTAINER-ID");
                        return 0;
                default:
                        return cli_bad_flag("events", argv);
                }
        }
        if (cli_expect_args("events", argc, argv, optind, 1, "container id"))
                return 1;
        const char *id = argv[optind];
        struct error *err = NULL;
        _cleanup_container_record_ struct container_record *rec =
            container_record_load(rt, id, &err);
        if (rec == NULL)
                return cli_fail(&err);
        if (!still_there(rt, rec) || rec->cgroup == NULL) {
                error_set(&err, 0, "container %s is not running", id);
                return cli_fail(&err);
        }
        if (stats_once) {
                print_event("stats", id, cgroup_stats(rec->cgroup));
                return 0;
        }
        long long oom_kills = cgroup_oom_kills(rec->cgroup);
        while (still_there(rt, rec)) {
                print_event("stats", id, cgroup_stats(rec->cgroup));
                /* Sleep in short steps, so that the stream ends soon after the container. */
                for (long long slept = 0; slept < interval && still_there(rt, rec);) {
                        long long step =
                            interval - slept < 100000000 ? interval - slept : 100000000;
                        nanosleep(&(struct timespec){.tv_sec = step / 1000000000,
                                                     .tv_nsec = step % 1000000000},
                                  NULL);
                        slept += step;
                        long long now = cgroup_oom_kills(rec->cgroup);
                        if (now > oom_kills)
                                print_event("oom", id, NULL);
                        oom_kills = now;
                }
        }
        return 0;
}
