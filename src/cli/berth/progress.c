/* Pull and push progress on stderr (see progress.h). */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"

struct progress_line {
        bool used;
        char kind[8];
        char digest[DIGEST_TEXT_MAX];
        int64_t size;
        uint64_t done;
        const char *state; /* NULL while copying, else "done" / "skipped: already exists" */
};

struct progress {
        bool quiet;
        bool tty;
        struct progress_line *lines;
        size_t n_lines;
        size_t drawn; /* lines on screen below the cursor's start */
        struct timespec last_draw;
};

struct progress *progress_new(bool quiet)
{
        struct progress *p = xcalloc(1, sizeof(*p));
        p->quiet = quiet;
        p->tty = !quiet && isatty(STDERR_FILENO);
        return p;
}

void progress_free(struct progress *p)
{
        if (!p)
                return;
        free(p->lines);
        free(p);
}

static struct progress_line *line_at(struct progress *p, int slot)
{
        if (slot < 0)
                slot = 0;
        if ((size_t)slot >= p->n_lines) {
                p->lines = xrealloc(p->lines, ((size_t)slot + 1) * sizeof(*p->lines));
                memset(p->lines + p->n_lines, 0,
                       ((size_t)slot + 1 - p->n_lines) * sizeof(*p->lines));
                p->n_lines = (size_t)slot + 1;
        }
        return &p->lines[slot];
}

static void format_bytes(char *buf, size_t cap, double bytes)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB"};
        size_t unit = 0;
        while (bytes >= 1024 && unit + 1 < 4) {
                bytes /= 1024;
                unit++;
        }
        snprintf(buf, cap, "%.1f%s", bytes, units[unit]);
}

/* Redraws every used line in place (a terminal only). */
static void draw(struct progress *p)
{
        if (p->drawn)
                fprintf(stderr, "\033[%zuA", p->drawn);
        p->drawn = 0;
        for (size_t i = 0; i < p->n_lines; i++) {
                struct progress_line *l = &p->lines[i];
                if (!l->used)
                        continue;
                char done[32], size[32];
                format_bytes(done, sizeof(done), (double)l->done);
                format_bytes(size, sizeof(size), l->size > 0 ? (double)l->size : 0);
                if (l->state)
                        fprintf(stderr, "\033[2KCopying %s %.19s %s\n", l->kind, l->digest,
                                l->state);
                else
                        fprintf(stderr, "\033[2KCopying %s %.19s %s / %s\n", l->kind, l->digest,
                                done, size);
                p->drawn++;
        }
        fflush(stderr);
        clock_gettime(CLOCK_MONOTONIC, &p->last_draw);
}

static void on_start(void *ctx, int slot, const char *kind, const struct digest *d, int64_t size,
                     bool skipped)
{
        struct progress *p = ctx;
        if (p->quiet)
                return;
        struct progress_line *l = line_at(p, slot);
        l->used = true;
        snprintf(l->kind, sizeof(l->kind), "%s", kind);
        snprintf(l->digest, sizeof(l->digest), "%s", d->text);
        l->size = size;
        l->done = 0;
        l->state = skipped ? "skipped: already exists" : NULL;
        if (p->tty)
                draw(p);
        else if (skipped)
                fprintf(stderr, "Copying %s %s skipped: already exists\n", kind, d->text);
        else
                fprintf(stderr, "Copying %s %s\n", kind, d->text);
}

static void on_progress(void *ctx, int slot, uint64_t done)
{
        struct progress *p = ctx;
        if (!p->tty)
                return;
        line_at(p, slot)->done = done;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - p->last_draw.tv_sec) * 1000 +
                  (now.tv_nsec - p->last_draw.tv_nsec) / 1000000;
        if (ms >= 100)
                draw(p);
}

static void on_done(void *ctx, int slot)
{
        struct progress *p = ctx;
        if (p->quiet)
                return;
        struct progress_line *l = line_at(p, slot);
        l->state = "done";
        if (p->tty)
                draw(p);
        else
                fprintf(stderr, "Copying %s %s done\n", l->kind, l->digest);
}

void progress_attach(struct progress *p, struct image_pull_events *events)
{
        events->ctx = p;
        events->blob_start = on_start;
        events->blob_progress = on_progress;
        events->blob_done = on_done;
}

void progress_say(struct progress *p, const char *fmt, ...)
{
        if (p->quiet)
                return;
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        p->drawn = 0; /* the next redraw starts below this line */
}
