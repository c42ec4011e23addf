/* berth logs: a container's output from its k8s-file log (docs/monitor.md), docker's flags. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/engine.h"

static const char logs_help[] =
    "usage: berth logs [options] CONTAINER\n"
    "\n"
    "Print a container's output (stdout to stdout, stderr to stderr).\n"
    "\n"
    "  -f, --follow          keep printing until the container exits\n"
    "  -n, --tail N          only the last N lines (all: everything)\n"
    "      --since TIME      only lines from TIME on (RFC 3339, or a duration: 10s, 5m, 2h)\n"
    "      --until TIME      only lines before TIME\n"
    "  -t, --timestamps      prefix each line with its time\n";

/* Seconds since the epoch (with fraction) of TEXT: RFC 3339, or a duration back from now. */
static int parse_time(const char *text, double *out)
{
        char *end;
        double v = strtod(text, &end);
        if (end != text && (*end == 's' || *end == 'm' || *end == 'h') && end[1] == '\0') {
                double unit = *end == 's' ? 1 : *end == 'm' ? 60 : 3600;
                *out = (double)time(NULL) - v * unit;
                return 0;
        }
        struct tm tm = {0};
        const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!rest) {
                if (end != text && *end == '\0') {
                        *out = v; /* unix seconds */
                        return 0;
                }
                return -1;
        }
        double t = (double)timegm(&tm);
        if (*rest == '.')
                t += strtod(rest, NULL);
        *out = t;
        return 0;
}

struct log_line {
        char *time;
        bool is_stderr;
        char *text; /* with its newline when the line was full */
};

/* Parses "TIME STREAM F|P TEXT"; the text of P lines is joined to the next by the caller. */
static bool parse_line(char *line, struct log_line *out, bool *partial)
{
        char *s1 = strchr(line, ' ');
        if (!s1)
                return false;
        char *s2 = strchr(s1 + 1, ' ');
        if (!s2)
                return false;
        char *s3 = strchr(s2 + 1, ' ');
        *s1 = *s2 = '\0';
        out->time = line;
        out->is_stderr = strcmp(s1 + 1, "stderr") == 0;
        *partial = s2[1] == 'P';
        out->text = s3 ? s3 + 1 : s2 + 2;
        return true;
}

struct printer {
        bool timestamps;
        double since, until;
        long tail;
        char **kept; /* ring of the last TAIL outputs, when tail >= 0 */
        bool *kept_stderr;
        size_t n_kept, next;
        char *pending; /* partial line text so far */
};

/* The lines' order must survive `logs 2>&1`: stdout's buffer goes out before a stderr line. */
static void put_line(const char *line, bool is_stderr)
{
        if (is_stderr)
                fflush(stdout);
        fputs(line, is_stderr ? stderr : stdout);
}

static void emit(struct printer *p, const char *time_text, bool is_stderr, const char *text,
                 bool full)
{
        char *line = xasprintf("%s%s%s%s", p->timestamps ? time_text : "", p->timestamps ? " " : "",
                               text, full ? "\n" : "");
        if (p->tail >= 0) {
                if (p->tail == 0) {
                        free(line);
                        return;
                }
                size_t slot = p->next % (size_t)p->tail;
                free(p->kept[slot]);
                p->kept[slot] = line;
                p->kept_stderr[slot] = is_stderr;
                p->next++;
                return;
        }
        put_line(line, is_stderr);
        free(line);
}

static void feed(struct printer *p, char *raw)
{
        struct log_line l;
        bool partial;
        if (!parse_line(raw, &l, &partial))
                return;
        double t;
        if ((p->since > 0 || p->until > 0) && parse_time(l.time, &t) == 0 &&
            ((p->since > 0 && t < p->since) || (p->until > 0 && t >= p->until)))
                return;
        if (partial) {
                char *joined = xasprintf("%s%s", p->pending ? p->pending : "", l.text);
                free(p->pending);
                p->pending = joined;
                return;
        }
        _cleanup_free_ char *text = xasprintf("%s%s", p->pending ? p->pending : "", l.text);
        free(p->pending);
        p->pending = NULL;
        emit(p, l.time, l.is_stderr, text, true);
}

static void flush_tail(struct printer *p)
{
        if (p->tail <= 0)
                return;
        size_t n = p->next < (size_t)p->tail ? p->next : (size_t)p->tail;
        for (size_t i = 0; i < n; i++) {
                size_t slot = (p->next - n + i) % (size_t)p->tail;
                put_line(p->kept[slot], p->kept_stderr[slot]);
                free(p->kept[slot]);
                p->kept[slot] = NULL;
        }
        p->next = 0;
        fflush(stdout);
        fflush(stderr);
}

/* Reads complete lines from F; returns false at EOF. */
static void read_lines(FILE *f, struct printer *p)
{
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
                if (line[n - 1] != '\n') {
                        /* A line still being written: read it again next time. */
                        fseek(f, -n, SEEK_CUR);
                        break;
                }
                line[n - 1] = '\0';
                feed(p, line);
        }
        clearerr(f);
        free(line);
}

int cmd_logs(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_SINCE = 256, OPT_UNTIL };
        static const struct option options[] = {
            {"follow", no_argument, NULL, 'f'},
            {"tail", required_argument, NULL, 'n'},
            {"since", required_argument, NULL, OPT_SINCE},
            {"until", required_argument, NULL, OPT_UNTIL},
            {"timestamps", no_argument, NULL, 't'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct printer p = {.tail = -1};
        bool follow = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "fn:th", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        follow = true;
                        break;
                case 'n':
                        if (strcmp(optarg, "all") == 0)
                                p.tail = -1;
                        else {
                                char *end;
                                p.tail = strtol(optarg, &end, 10);
                                if (*end || p.tail < 0)
                                        return cli_usage_error("logs", "--tail: not a number: %s",
                                                               optarg);
                        }
                        break;
                case OPT_SINCE:
                case OPT_UNTIL:
                        if (parse_time(optarg, opt == OPT_SINCE ? &p.since : &p.until) < 0)
                                return cli_usage_error("logs", "invalid time \"%s\"", optarg);
                        break;
                case 't':
                        p.timestamps = true;
                        break;
                case 'h':
                        return cli_help(logs_help);
                default:
                        return cli_bad_flag("logs", argv);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("logs", "exactly one container");
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row row = {0};
        if (cli_open_engine(g, &e, &err) < 0 ||
            cli_find_container(e, argv[optind], &row, &err) < 0) {
                engine_free(e);
                return cli_fail(&err);
        }
        if (p.tail > 0) {
                p.kept = xcalloc((size_t)p.tail, sizeof(char *));
                p.kept_stderr = xcalloc((size_t)p.tail, sizeof(bool));
        }
        _cleanup_free_ char *dir = engine_container_dir(e, row.id);
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        _cleanup_free_ char *rotated = xasprintf("%s/ctr.log.1", dir);
        /* The monitor rotates ctr.log to ctr.log.1 by size: the older lines are there. */
        FILE *old = fopen(rotated, "re");
        if (old) {
                read_lines(old, &p);
                fclose(old);
        }
        FILE *f = fopen(path, "re");
        int ret = 0;
        if (f) {
                read_lines(f, &p);
                flush_tail(&p);
                p.tail = -1;
                while (follow) {
                        struct container_state st = {0};
                        bool done =
                            engine_container_state(e, &row, &st, &err) < 0 ||
                            (st.status != CONTAINER_RUNNING && st.status != CONTAINER_PAUSED);
                        container_state_release(&st);
                        error_free(&err);
                        read_lines(f, &p);
                        struct stat now, reading;
                        if (stat(path, &now) == 0 && fstat(fileno(f), &reading) == 0 &&
                            now.st_ino != reading.st_ino) {
                                /* Rotated: F (now ctr.log.1) was read to its end above. */
                                FILE *next = fopen(path, "re");
                                if (next) {
                                        fclose(f);
                                        f = next;
                                        read_lines(f, &p);
                                }
                        }
                        fflush(stdout);
                        fflush(stderr);
                        if (done)
                                break;
                        usleep(100000);
                }
                fclose(f);
        } else {
                int saved = errno;
                flush_tail(&p); /* what ctr.log.1 held */
                if (saved != ENOENT)
                        ret = cli_fail((error_set(&err, saved, "read %s", path), &err));
        }
        free(p.pending);
        free(p.kept);
        free(p.kept_stderr);
        container_row_release(&row);
        engine_free(e);
        return ret;
}
