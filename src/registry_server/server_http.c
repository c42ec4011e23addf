/*
 * The registry server's HTTP side: the libmicrohttpd daemon (a small pool of threads, each with
 * its own epoll), routing to the endpoints, replies, the access log, and the stop on SIGINT or
 * SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "base/log.h"
#include "server_deadline.h"
#include "server_internal.h"

#define API_VERSION_HEADER "Docker-Distribution-API-Version"
#define API_VERSION        "registry/2.0"
#define STOP_GRACE_SECONDS 10

const char *request_header(struct request *req, const char *name)
{
        return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *request_query(struct request *req, const char *name)
{
        return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

bool request_is_head(const struct request *req)
{
        return strcmp(req->method, "HEAD") == 0;
}

static void set_response(struct request *req, unsigned status, struct MHD_Response *response,
                         uint64_t body_bytes)
{
        if (response == NULL) {
                /* Only out of memory or a bad fd: the connection is closed instead. */
                log_error("registry: cannot make a response for %s %s", req->method, req->path);
                return;
        }
        if (req->response) {
                MHD_destroy_response(response);
                return;
        }
        req->response = response;
        req->status = status;
        req->bytes_out = request_is_head(req) ? 0 : body_bytes;
        MHD_add_response_header(response, API_VERSION_HEADER, API_VERSION);
}

void reply_empty(struct request *req, unsigned status)
{
        set_response(req, status,
                     MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT), 0);
}

void reply_buffer(struct request *req, unsigned status, const char *content_type, const void *data,
                  size_t len)
{
        struct MHD_Response *r =
            MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
        set_response(req, status, r, len);
        if (content_type && req->response == r)
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
}

void reply_json(struct request *req, unsigned status, const char *content_type, json_t *value)
{
        char *text = json_dumps(value, JSON_COMPACT);
        json_decref(value);
        if (text == NULL) {
                struct error *err = NULL;
                error_set(&err, 0, "encode json");
                reply_internal(req, &err);
                return;
        }
        size_t len = strlen(text);
        struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        set_response(req, status, r, len);
        if (req->response == r)
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
}

void reply_fd(struct request *req, unsigned status, const char *content_type, int fd,
              uint64_t offset, uint64_t length)
{
        struct MHD_Response *r =
            MHD_create_response_from_fd_at_offset64(length, fd, (uint64_t)offset);
        if (r == NULL)
                close(fd);
        set_response(req, status, r, length);
        if (content_type && r && req->response == r)
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
}

void reply_error(struct request *req, unsigned status, const char *code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *message = xvasprintf(fmt, ap);
        va_end(ap);
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(code));
        json_object_set_new(e, "message", json_string(message));
        json_object_set_new(e, "detail", json_null());
        json_t *errors = json_array();
        json_array_append_new(errors, e);
        json_t *body = json_object();
        json_object_set_new(body, "errors", errors);
        reply_json(req, status, "application/json", body);
}

void reply_internal(struct request *req, struct error **err)
{
        log_error("registry: %s %s: %s", req->method, req->path, (*err)->msg);
        error_free(err);
        /* The cause is in the server's log, not told to clients. */
        reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "UNKNOWN", "internal server error");
}

void reply_header(struct request *req, const char *name, const char *value)
{
        if (req->response)
                MHD_add_response_header(req->response, name, value);
}

void reply_headerf(struct request *req, const char *name, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *value = xvasprintf(fmt, ap);
        va_end(ap);
        reply_header(req, name, value);
}

int body_buffer_collect(struct request *req, const char *data, size_t len)
{
        struct body_buffer *b = req->ctx;
        if (b->too_large || b->len + len > b->max) {
                b->too_large = true;
                return 0; /* drained; FINISH answers 413 */
        }
        if (b->len + len + 1 > b->cap) {
                b->cap = (b->len + len + 1) * 2;
                if (b->cap > b->max + 1)
                        b->cap = b->max + 1;
                b->data = xrealloc(b->data, b->cap);
        }
        memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

static void base_get(struct request *req)
{
        reply_buffer(req, MHD_HTTP_OK, "application/json", "{}", 2);
}

static const struct endpoint {
        enum route_kind kind;
        const char *method;
        void (*start)(struct request *req);
        enum registry_action action;
} endpoints[] = {
    {ROUTE_BASE, "GET", base_get, REGISTRY_ACTION_NONE},
    {ROUTE_BASE, "HEAD", base_get, REGISTRY_ACTION_NONE},
    {ROUTE_BLOB, "GET", blob_get, REGISTRY_ACTION_PULL},
    {ROUTE_BLOB, "HEAD", blob_get, REGISTRY_ACTION_PULL},
    {ROUTE_BLOB, "DELETE", blob_delete, REGISTRY_ACTION_DELETE},
    {ROUTE_UPLOAD_START, "POST", upload_start, REGISTRY_ACTION_PUSH},
    {ROUTE_UPLOAD, "PATCH", upload_patch, REGISTRY_ACTION_PUSH},
    {ROUTE_UPLOAD, "PUT", upload_put, REGISTRY_ACTION_PUSH},
    {ROUTE_UPLOAD, "GET", upload_status, REGISTRY_ACTION_PUSH},
    {ROUTE_UPLOAD, "DELETE", upload_cancel, REGISTRY_ACTION_PUSH},
    {ROUTE_MANIFEST, "GET", manifest_get, REGISTRY_ACTION_PULL},
    {ROUTE_MANIFEST, "HEAD", manifest_get, REGISTRY_ACTION_PULL},
    {ROUTE_MANIFEST, "PUT", manifest_put, REGISTRY_ACTION_PUSH},
    {ROUTE_MANIFEST, "DELETE", manifest_delete, REGISTRY_ACTION_DELETE},
    {ROUTE_TAGS, "GET", tags_list, REGISTRY_ACTION_PULL},
    {ROUTE_CATALOG, "GET", catalog_list, REGISTRY_ACTION_CATALOG},
    {ROUTE_REFERRERS, "GET", referrers_list, REGISTRY_ACTION_PULL},
};

static void dispatch(struct request *req)
{
        /* Outside /v2: no registry auth (the token issuer checks its own credentials). */
        if (strcmp(req->path, "/token") == 0 || strcmp(req->path, "/metrics") == 0) {
                bool token = req->path[1] == 't';
                req->route.kind = token ? ROUTE_TOKEN : ROUTE_METRICS;
                if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
                        /* 404, not 405, to a POST /token: containerd then falls back from
                         * OAuth2's POST to docker's GET. */
                        return reply_buffer(req, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                                            "404 page not found\n", 19);
                return token ? token_issue(req) : metrics_get(req);
        }
        enum route_kind kind = route_parse(req->path, &req->route);
        if (kind == ROUTE_NOT_FOUND) {
                reply_buffer(req, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                             "404 page not found\n", 19);
                return;
        }
        const struct endpoint *e = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(endpoints); i++)
                if (endpoints[i].kind == kind && strcmp(endpoints[i].method, req->method) == 0)
                        e = &endpoints[i];
        if (e == NULL) {
                reply_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "UNSUPPORTED",
                            "the operation is unsupported");
                return;
        }
        if (req->route.name && !registry_name_valid(req->route.name)) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "NAME_INVALID", "invalid repository name");
                return;
        }
        struct registry_server *s = req->server;
        if (s->authorize && !s->authorize(req, e->action))
                return;
        if (s->config->read_only &&
            (e->action == REGISTRY_ACTION_PUSH || e->action == REGISTRY_ACTION_DELETE)) {
                reply_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "UNSUPPORTED",
                            "the registry is in read-only mode");
                return;
        }
        e->start(req);
}

static enum MHD_Result queue(struct request *req)
{
        /* What the request holds (an upload session) is let go before the reply leaves: a
         * client may send its next request on another connection as soon as it has it. */
        if (req->done) {
                req->done(req);
                req->done = NULL;
        }
        if (req->response == NULL) {
                struct error *err = NULL;
                error_set(&err, 0, "no reply");
                reply_internal(req, &err);
        }
        if (req->response == NULL)
                return MHD_NO;
        enum MHD_Result r = MHD_queue_response(req->connection, req->status, req->response);
        MHD_destroy_response(req->response);
        req->response = NULL;
        return r;
}

static bool request_has_body(struct request *req);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **request_context)
{
        (void)version;
        struct request *req = *request_context;
        if (req == NULL) {
                req = xcalloc(1, sizeof(*req));
                req->server = cls;
                req->connection = connection;
                req->method = method;
                req->path = xstrdup(url);
                clock_gettime(CLOCK_MONOTONIC, &req->started);
                atomic_fetch_add(&req->server->active, 1);
                head_deadlines_head_done(req->server->deadlines, connection);
                *request_context = req;
                dispatch(req);
                /* An early reply to a request with a body (an error before it) goes now: the
                 * body is not read and the connection closes after the reply. Other replies
                 * wait for the next call, as libmicrohttpd keeps the connection alive only for
                 * replies queued after the request was read whole. */
                if (req->response && request_has_body(req))
                        return queue(req);
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                size_t len = *upload_data_size;
                *upload_data_size = 0;
                req->bytes_in += len;
                if (req->response == NULL && req->body)
                        req->body(req, upload_data, len);
                return MHD_YES;
        }
        if (req->response == NULL && req->finish)
                req->finish(req);
        return queue(req);
}

static bool request_has_body(struct request *req)
{
        const char *length = request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
        return request_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL ||
               (length && strtoull(length, NULL, 10) > 0);
}

static void format_time(char *buf, size_t size)
{
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%03ldZ", now.tv_nsec / 1000000);
}

static void remote_address(struct MHD_Connection *c, char *buf, size_t size)
{
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        snprintf(buf, size, "-");
        if (info == NULL || info->client_addr == NULL)
                return;
        const struct sockaddr *sa = info->client_addr;
        if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
                          (socklen_t)size);
        else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
                          (socklen_t)size);
}

/* One line per request: time, remote, method, path, route, status, bytes in and out, duration;
 * completed=false when the connection ended before the reply was sent. */
static void access_log(struct request *req, bool completed)
{
        struct registry_server *s = req->server;
        if (s->access_log_fd < 0)
                return;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double ms = (double)(now.tv_sec - req->started.tv_sec) * 1e3 +
                    (double)(now.tv_nsec - req->started.tv_nsec) / 1e6;
        char time_text[40], remote[INET6_ADDRSTRLEN + 1];
        format_time(time_text, sizeof(time_text));
        remote_address(req->connection, remote, sizeof(remote));
        _cleanup_free_ char *line = NULL;
        if (s->config->access_log_format == ACCESS_LOG_JSON) {
                json_t *o = json_object();
                json_object_set_new(o, "time", json_string(time_text));
                json_object_set_new(o, "remote", json_string(remote));
                json_object_set_new(o, "method", json_string(req->method));
                json_object_set_new(o, "path", json_string(req->path));
                json_object_set_new(o, "route", json_string(route_kind_name(req->route.kind)));
                json_object_set_new(o, "status", json_integer(req->status));
                json_object_set_new(o, "bytes_in", json_integer((json_int_t)req->bytes_in));
                json_object_set_new(o, "bytes_out", json_integer((json_int_t)req->bytes_out));
                json_object_set_new(o, "duration_ms", json_real(ms));
                json_object_set_new(o, "completed", json_boolean(completed));
                char *text =
                    json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
                json_decref(o);
                if (text == NULL)
                        return;
                line = xasprintf("%s\n", text);
                free(text);
        } else {
                json_t *path = json_string(req->path); /* quoted and escaped */
                char *quoted = json_dumps(path, JSON_ENCODE_ANY);
                json_decref(path);
                line = xasprintf("time=%s remote=%s method=%s path=%s route=%s status=%u "
                                 "bytes_in=%" PRIu64 " bytes_out=%" PRIu64
                                 " duration_ms=%.3f completed=%s\n",
                                 time_text, remote, req->method, quoted ? quoted : "\"\"",
                                 route_kind_name(req->route.kind), req->status, req->bytes_in,
                                 req->bytes_out, ms, completed ? "true" : "false");
                free(quoted);
        }
        /* One write per line: lines of concurrent requests do not interleave (O_APPEND). */
        (void)!write(s->access_log_fd, line, strlen(line));
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **request_context,
                         enum MHD_RequestTerminationCode code)
{
        struct registry_server *s = cls;
        /* The connection now waits for its next request line (if it is kept open). */
        head_deadlines_request_done(s->deadlines, connection);
        struct request *req = *request_context;
        if (req == NULL)
                return;
        *request_context = NULL;
        if (req->done)
                req->done(req);
        access_log(req, code == MHD_REQUEST_TERMINATED_COMPLETED_OK);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        registry_metrics_request(req->server->metrics, req,
                                 (double)(now.tv_sec - req->started.tv_sec) +
                                     (double)(now.tv_nsec - req->started.tv_nsec) / 1e9);
        json_decref(req->claims);
        if (req->response)
                MHD_destroy_response(req->response);
        atomic_fetch_sub(&req->server->active, 1);
        route_release(&req->route);
        free(req->path);
        free(req);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        (void)cls;
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        size_t n = strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
                msg[--n] = '\0';
        log_warn("registry: %s", msg);
}

/* Resolves ADDR (HOST:PORT, [V6]:PORT, :PORT) into *out. */
static int parse_addr(const char *addr, struct sockaddr_storage *out, socklen_t *len,
                      struct error **err)
{
        _cleanup_free_ char *host = NULL;
        const char *port;
        if (addr[0] == '[') {
                const char *close = strchr(addr, ']');
                if (close == NULL || close[1] != ':')
                        return error_set(err, 0, "invalid address \"%s\" (HOST:PORT)", addr);
                host = xstrndup(addr + 1, (size_t)(close - addr - 1));
                port = close + 2;
        } else {
                const char *colon = strrchr(addr, ':');
                if (colon == NULL)
                        return error_set(err, 0, "invalid address \"%s\" (HOST:PORT)", addr);
                host = xstrndup(addr, (size_t)(colon - addr));
                port = colon + 1;
        }
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
        struct addrinfo *res = NULL;
        int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
        if (rc != 0)
                return error_set(err, 0, "address \"%s\": %s", addr, gai_strerror(rc));
        memcpy(out, res->ai_addr, res->ai_addrlen);
        *len = res->ai_addrlen;
        freeaddrinfo(res);
        return 0;
}

/* Collects garbage every gc_interval seconds until told to stop. */
struct gc_thread {
        struct registry_server *server;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool stop;
};

static void *gc_loop(void *arg)
{
        struct gc_thread *g = arg;
        const struct registry_server_config *c = g->server->config;
        pthread_mutex_lock(&g->lock);
        while (!g->stop) {
                struct timespec until;
                clock_gettime(CLOCK_MONOTONIC, &until);
                until.tv_sec += c->gc_interval;
                while (!g->stop && pthread_cond_timedwait(&g->wake, &g->lock, &until) == 0)
                        ;
                if (g->stop)
                        break;
                pthread_mutex_unlock(&g->lock);
                struct registry_gc_report report;
                struct error *err = NULL;
                if (registry_gc_run(g->server->store, c->gc_grace_period, false, &report, &err) <
                    0) {
                        log_error("registry: %s", err->msg);
                        error_free(&err);
                } else {
                        registry_metrics_gc(g->server->metrics, &report);
                        log_info("registry gc: %" PRIu64 " blobs (%" PRIu64 " bytes) and %" PRIu64
                                 " links removed, %" PRIu64 " blobs kept",
                                 report.blobs_removed, report.bytes_removed, report.links_removed,
                                 report.blobs_kept);
                }
                pthread_mutex_lock(&g->lock);
        }
        pthread_mutex_unlock(&g->lock);
        return NULL;
}

static int gc_thread_start(struct gc_thread *g, struct registry_server *s, struct error **err)
{
        g->server = s;
        g->stop = false;
        pthread_mutex_init(&g->lock, NULL);
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&g->wake, &attr);
        pthread_condattr_destroy(&attr);
        int rc = pthread_create(&g->thread, NULL, gc_loop, g);
        if (rc != 0)
                return error_set(err, rc, "start the garbage collector");
        return 0;
}

static void gc_thread_stop(struct gc_thread *g)
{
        pthread_mutex_lock(&g->lock);
        g->stop = true;
        pthread_cond_signal(&g->wake);
        pthread_mutex_unlock(&g->lock);
        pthread_join(g->thread, NULL);
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
}

static int open_access_log(const struct registry_server_config *c, struct error **err)
{
        if (c->access_log == NULL || c->access_log[0] == '\0')
                return -1;
        if (strcmp(c->access_log, "-") == 0)
                return dup(STDERR_FILENO);
        int fd = open(c->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return error_set(err, errno, "open access log %s", c->access_log), -2;
        return fd;
}

int registry_server_serve(const struct registry_server_config *c, struct error **err)
{
        struct sockaddr_storage addr;
        socklen_t addr_len = 0;
        if (parse_addr(c->addr, &addr, &addr_len, err) < 0)
                return -1;
        bool tls = (c->tls_certificate && c->tls_certificate[0]) || (c->tls_key && c->tls_key[0]);
        _cleanup_free_ char *tls_cert = NULL, *tls_key = NULL;
        if (tls) {
                if (!c->tls_certificate || !c->tls_certificate[0] || !c->tls_key || !c->tls_key[0])
                        return error_set(err, 0, "tls: both a certificate and a key are needed");
                tls_cert = fs_read_file(c->tls_certificate, NULL, err);
                if (tls_cert == NULL)
                        return error_wrap(err, "tls certificate");
                tls_key = fs_read_file(c->tls_key, NULL, err);
                if (tls_key == NULL)
                        return error_wrap(err, "tls key");
                if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
                        return error_set(err, 0, "tls: libmicrohttpd was built without TLS");
        }
        struct registry_server s = {.config = c, .access_log_fd = -1, .tls = tls};
        if (registry_store_open(c->storage, &s.store, err) < 0)
                return -1;
        s.content = registry_store_content(s.store);
        s.metrics = registry_metrics_new();
        upload_table_init(&s.uploads);
        int rc = -1;
        struct gc_thread gc = {0};
        bool gc_running = false;
        if (registry_auth_init(&s, err) < 0)
                goto out;
        s.access_log_fd = open_access_log(c, err);
        if (s.access_log_fd == -2)
                goto out;

        /* The workers inherit this mask: the signals reach only sigwait below. */
        sigset_t stop, old;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, &old);
        signal(SIGPIPE, SIG_IGN);

        /* poll(), not epoll: with libmicrohttpd 0.9.75's epoll thread pool, 200 keep-alive
         * clients at once (bench/registry.sh's ab -k -c 200) left one worker's 128 connections
         * with requests it never read, one run in five; with poll, 20 runs in 20 went through
         * at the same rate (a worker polls only its own connections: 200 / 8 here). */
        unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
        if (addr.ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        /* Options that only some settings need go first; MHD_OPTION_END ends the list early. */
        struct MHD_OptionItem extra[6];
        size_t n_extra = 0;
        if (head_deadlines_start(c->connection_timeout, c->header_timeout, &s.deadlines, err) < 0)
                goto restore;
        if (s.deadlines) {
                /* A callback and its closure: the callback goes as the intptr_t. */
                extra[n_extra++] =
                    (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
                                            (intptr_t)head_deadlines_on_connection, s.deadlines};
                extra[n_extra++] =
                    (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK,
                                            (intptr_t)head_deadlines_on_request_line, s.deadlines};
        }
        if (tls) {
                flags |= MHD_USE_TLS;
                extra[n_extra++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tls_cert};
                extra[n_extra++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tls_key};
        }
        if (c->max_connections_per_ip)
                extra[n_extra++] = (struct MHD_OptionItem){
                    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)c->max_connections_per_ip, NULL};
        extra[n_extra] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        s.daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, &s, MHD_OPTION_ARRAY, extra,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
            (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
            (unsigned)(c->threads ? c->threads : 1), MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)c->connection_timeout, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)c->max_connections,
            /* Headers must fit in it (a bound on what one connection can make us hold); it is
             * also the read buffer, so larger means fewer calls per uploaded chunk. */
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
            /* Bursts of clients (200 at once in bench/registry.sh) wait in the kernel's queue
             * instead of having their handshakes dropped. */
            MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
        if (s.daemon == NULL) {
                error_set(err, errno, "listen on %s", c->addr);
                goto restore;
        }
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s.daemon, MHD_DAEMON_INFO_BIND_PORT);
        fprintf(stderr, "berth registry: serving %s on %s (port %u, %s)\n", c->storage, c->addr,
                info ? (unsigned)info->port : 0u, tls ? "https" : "http");
        fflush(stderr);
        if (c->gc_interval > 0) {
                if (gc_thread_start(&gc, &s, err) < 0) {
                        MHD_stop_daemon(s.daemon);
                        goto restore;
                }
                gc_running = true;
        }

        int sig = 0;
        while (sigwait(&stop, &sig) != 0)
                ;
        fprintf(stderr, "berth registry: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        /* Stop accepting, then give running requests (an upload, a big blob) a moment. */
        MHD_socket listen_fd = MHD_quiesce_daemon(s.daemon);
        if (listen_fd != MHD_INVALID_SOCKET)
                close(listen_fd);
        for (int i = 0; i < STOP_GRACE_SECONDS * 10 && atomic_load(&s.active) > 0; i++)
                usleep(100 * 1000);
        MHD_stop_daemon(s.daemon);
        rc = 0;
restore:
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        head_deadlines_stop(s.deadlines);
out:
        if (gc_running)
                gc_thread_stop(&gc);
        registry_auth_free(s.auth);
        registry_metrics_free(s.metrics);
        upload_table_release(&s.uploads);
        if (s.access_log_fd >= 0)
                close(s.access_log_fd);
        registry_store_free(s.store);
        return rc;
}
