/*
 * /metrics: the registry server's counters in Prometheus' text exposition format (version 0.0.4).
 * Counters are atomics indexed by route, method and status code: a request costs a few atomic
 * adds and no lock.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "server_deadline.h"
#include "server_internal.h"

enum metric_method { M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_OTHER, M_COUNT };
static const char *const method_names[M_COUNT] = {"GET",   "HEAD",   "POST", "PUT",
                                                  "PATCH", "DELETE", "OTHER"};
#define CODE_MIN 100
#define CODE_MAX 599

struct registry_metrics {
        atomic_uint_fast64_t requests[ROUTE_KIND_COUNT][M_COUNT][CODE_MAX - CODE_MIN + 1];
        atomic_uint_fast64_t bytes_in[ROUTE_KIND_COUNT];
        atomic_uint_fast64_t bytes_out[ROUTE_KIND_COUNT];
        /* Durations in microseconds (a double cannot be added atomically). */
        atomic_uint_fast64_t duration_us[ROUTE_KIND_COUNT];
        atomic_uint_fast64_t finished[ROUTE_KIND_COUNT];
        atomic_uint_fast64_t aborted[ROUTE_KIND_COUNT];
        atomic_uint_fast64_t gc_runs, gc_blobs, gc_bytes, gc_links;
};

struct registry_metrics *registry_metrics_new(void)
{
        return xcalloc(1, sizeof(struct registry_metrics));
}

void registry_metrics_free(struct registry_metrics *m)
{
        free(m);
}

/* The route label: route_kind_name's, with upload starts told apart from sessions. */
static const char *route_label(enum route_kind kind)
{
        return kind == ROUTE_UPLOAD_START ? "upload_start" : route_kind_name(kind);
}

static enum metric_method method_index(const char *method)
{
        for (int i = 0; i < M_OTHER; i++)
                if (strcmp(method, method_names[i]) == 0)
                        return (enum metric_method)i;
        return M_OTHER;
}

void registry_metrics_request(struct registry_metrics *m, const struct request *req, double seconds)
{
        enum route_kind k = req->route.kind;
        if ((unsigned)k >= ROUTE_KIND_COUNT)
                k = ROUTE_NOT_FOUND;
        unsigned code = req->status;
        if (code < CODE_MIN || code > CODE_MAX) {
                /* No reply was made (the client went away first). */
                atomic_fetch_add_explicit(&m->aborted[k], 1, memory_order_relaxed);
                return;
        }
        atomic_fetch_add_explicit(&m->requests[k][method_index(req->method)][code - CODE_MIN], 1,
                                  memory_order_relaxed);
        atomic_fetch_add_explicit(&m->bytes_in[k], req->bytes_in, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->bytes_out[k], req->bytes_out, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->duration_us[k], (uint64_t)(seconds * 1e6),
                                  memory_order_relaxed);
        atomic_fetch_add_explicit(&m->finished[k], 1, memory_order_relaxed);
}

void registry_metrics_gc(struct registry_metrics *m, const struct registry_gc_report *report)
{
        atomic_fetch_add(&m->gc_runs, 1);
        atomic_fetch_add(&m->gc_blobs, report->blobs_removed);
        atomic_fetch_add(&m->gc_bytes, report->bytes_removed);
        atomic_fetch_add(&m->gc_links, report->links_removed);
}

/* A growing text buffer. */
struct text {
        char *data;
        size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) text_printf(struct text *t, const char *fmt, ...)
{
        for (;;) {
                va_list ap;
                va_start(ap, fmt);
                size_t room = t->cap - t->len;
                int n = vsnprintf(t->data + t->len, room, fmt, ap);
                va_end(ap);
                if (n >= 0 && (size_t)n < room) {
                        t->len += (size_t)n;
                        return;
                }
                t->cap = t->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
                t->data = xrealloc(t->data, t->cap);
        }
}

static void per_route(struct text *t, const char *name, const char *help, const char *type,
                      atomic_uint_fast64_t *values, double scale)
{
        text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
        for (int k = ROUTE_NOT_FOUND; k < ROUTE_KIND_COUNT; k++) {
                uint64_t v = atomic_load_explicit(&values[k], memory_order_relaxed);
                if (v == 0)
                        continue;
                if (scale == 1)
                        text_printf(t, "%s{route=\"%s\"} %llu\n", name,
                                    route_label((enum route_kind)k), (unsigned long long)v);
                else
                        text_printf(t, "%s{route=\"%s\"} %.6f\n", name,
                                    route_label((enum route_kind)k), (double)v * scale);
        }
}

void metrics_get(struct request *req)
{
        struct registry_server *s = req->server;
        struct registry_metrics *m = s->metrics;
        struct text t = {.data = xmalloc(4096), .cap = 4096};
        t.data[0] = '\0';
        text_printf(&t, "# HELP berth_registry_http_requests_total HTTP requests answered, by "
                        "route, method and status code.\n"
                        "# TYPE berth_registry_http_requests_total counter\n");
        for (int k = ROUTE_NOT_FOUND; k < ROUTE_KIND_COUNT; k++)
                for (int me = 0; me < M_COUNT; me++)
                        for (int c = 0; c <= CODE_MAX - CODE_MIN; c++) {
                                uint64_t v = atomic_load_explicit(&m->requests[k][me][c],
                                                                  memory_order_relaxed);
                                if (v)
                                        text_printf(&t,
                                                    "berth_registry_http_requests_total{route=\"%"
                                                    "s\",method=\"%s\",code=\"%d\"} %llu\n",
                                                    route_label((enum route_kind)k),
                                                    method_names[me], c + CODE_MIN,
                                                    (unsigned long long)v);
                        }
        per_route(&t, "berth_registry_http_request_duration_seconds_sum",
                  "Time spent on requests, from their headers to their reply's end.", "counter",
                  m->duration_us, 1e-6);
        per_route(&t, "berth_registry_http_request_duration_seconds_count",
                  "Requests timed in the duration sum.", "counter", m->finished, 1);
        per_route(&t, "berth_registry_http_requests_aborted_total",
                  "Requests whose connection ended before a reply was made.", "counter", m->aborted,
                  1);
        per_route(&t, "berth_registry_http_received_bytes_total", "Request body bytes received.",
                  "counter", m->bytes_in, 1);
        per_route(&t, "berth_registry_http_sent_bytes_total", "Response body bytes sent.",
                  "counter", m->bytes_out, 1);
        text_printf(&t,
                    "# HELP berth_registry_http_requests_in_flight Requests being served now.\n"
                    "# TYPE berth_registry_http_requests_in_flight gauge\n"
                    "berth_registry_http_requests_in_flight %d\n",
                    /* this request is one of them */
                    atomic_load(&s->active));
        text_printf(&t,
                    "# HELP berth_registry_upload_sessions Blob upload sessions open now.\n"
                    "# TYPE berth_registry_upload_sessions gauge\n"
                    "berth_registry_upload_sessions %zu\n",
                    upload_table_count(&s->uploads));
        text_printf(&t,
                    "# HELP berth_registry_slow_connections_closed_total Connections closed "
                    "because a request line or its headers came too slowly.\n"
                    "# TYPE berth_registry_slow_connections_closed_total counter\n"
                    "berth_registry_slow_connections_closed_total %llu\n",
                    head_deadlines_closed(s->deadlines));
        text_printf(&t,
                    "# HELP berth_registry_gc_runs_total Garbage collections run by the server.\n"
                    "# TYPE berth_registry_gc_runs_total counter\n"
                    "berth_registry_gc_runs_total %llu\n"
                    "# HELP berth_registry_gc_blobs_removed_total Blobs the server's garbage "
                    "collections removed.\n"
                    "# TYPE berth_registry_gc_blobs_removed_total counter\n"
                    "berth_registry_gc_blobs_removed_total %llu\n"
                    "# HELP berth_registry_gc_bytes_removed_total Bytes of the blobs removed.\n"
                    "# TYPE berth_registry_gc_bytes_removed_total counter\n"
                    "berth_registry_gc_bytes_removed_total %llu\n"
                    "# HELP berth_registry_gc_links_removed_total Repository links to "
                    "unreferenced blobs removed.\n"
                    "# TYPE berth_registry_gc_links_removed_total counter\n"
                    "berth_registry_gc_links_removed_total %llu\n",
                    (unsigned long long)atomic_load(&m->gc_runs),
                    (unsigned long long)atomic_load(&m->gc_blobs),
                    (unsigned long long)atomic_load(&m->gc_bytes),
                    (unsigned long long)atomic_load(&m->gc_links));
        reply_buffer(req, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", t.data, t.len);
        free(t.data);
}
