/* The registry client: endpoints from registries.conf, the HTTP engine over libcurl, manifests. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth_file.h"
#include "base/alloc.h"
#include "base/log.h"
#include "client_internal.h"
#include "config.h"
#include "oci/media_type.h"
#include "registries_conf.h"

/* Manifests and indexes larger than this are refused (the distribution-spec asks registries to
 * accept at least 4 MiB; twice that leaves room without letting a server fill memory). */
#define MANIFEST_LIMIT (8u << 20)
/* Error bodies are kept only this far: enough for the JSON of errors[0]. */
#define ERROR_BODY_LIMIT (64u << 10)
#define MAX_REDIRECTS    10

/* One share for every client of the process: DNS answers and TLS sessions are reused across
 * the threads of a parallel pull. Each client keeps its own easy handle (and so its own
 * keep-alive connections); the share only needs locks around what it holds. */
static CURLSH *curl_share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
        (void)h;
        (void)access;
        (void)ctx;
        pthread_mutex_lock(&share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
        (void)h;
        (void)ctx;
        pthread_mutex_unlock(&share_locks[data]);
}

static void curl_setup_once(void)
{
        curl_global_init(CURL_GLOBAL_DEFAULT);
        for (size_t i = 0; i < ARRAY_SIZE(share_locks); i++)
                pthread_mutex_init(&share_locks[i], NULL);
        curl_share = curl_share_init();
        if (!curl_share)
                return;
        curl_share_setopt(curl_share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(curl_share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(curl_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(curl_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

void http_response_release(struct http_response *r)
{
        free(r->content_type);
        free(r->location);
        free(r->www_authenticate);
        free(r->content_range);
        free(r->docker_content_digest);
        free(r->body);
        *r = (struct http_response){.retry_after = -1, .content_length = -1};
}

/* ---- endpoints ---- */

/* docker.io is a name, not a host: its registry API is served by registry-1.docker.io. */
static const char *connect_host(const char *host)
{
        if (strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0)
                return "registry-1.docker.io";
        return host;
}

/* Splits "host[:port]/path" into an endpoint. */
static void endpoint_init(struct registry_endpoint *ep, const char *full, bool insecure,
                          bool is_mirror)
{
        size_t host_len = strcspn(full, "/");
        _cleanup_free_ char *host = xstrndup(full, host_len);
        *ep = (struct registry_endpoint){
            .host = xstrdup(connect_host(host)),
            .name = xstrdup(host),
            .repository = xstrdup(full[host_len] == '/' ? full + host_len + 1 : ""),
            .insecure = insecure,
            .is_mirror = is_mirror,
            .scheme = "https",
        };
}

static void endpoint_release(struct registry_endpoint *ep)
{
        free(ep->host);
        free(ep->name);
        free(ep->repository);
        free(ep->username);
        if (ep->password)
                explicit_bzero(ep->password, strlen(ep->password));
        free(ep->password);
        endpoint_auth_release(ep);
}

/* LOCATION + what follows PREFIX in FULL (containers-registries.conf(5): the prefix is
 * replaced by the location). */
static char *rewrite(const char *full, const struct registries_entry *entry, const char *location)
{
        if (!location || strncmp(entry->prefix, "*.", 2) == 0)
                return xstrdup(full);
        return xasprintf("%s%s", location, full + strlen(entry->prefix));
}

static int setup_endpoints(struct registry_client *c, const struct registry_options *options,
                           struct error **err)
{
        const char *conf_path = options->registries_conf;
        if (!conf_path)
                conf_path = getenv("CONTAINERS_REGISTRIES_CONF");
        if (!conf_path || !conf_path[0])
                conf_path = "/etc/containers/registries.conf";
        struct registries_conf conf;
        if (registries_conf_load(conf_path, &conf, err) < 0)
                return -1;
        _cleanup_free_ char *full =
            c->repository[0] ? xasprintf("%s/%s", c->domain, c->repository) : xstrdup(c->domain);
        const struct registries_entry *entry = registries_conf_match(&conf, full);
        if (entry && entry->blocked) {
                registries_conf_release(&conf);
                return error_set(err, 0, "registry %s is blocked in %s", full, conf_path);
        }
        size_t n_mirrors = entry ? entry->n_mirrors : 0;
        c->endpoints = xcalloc(n_mirrors + 1, sizeof(*c->endpoints));
        for (size_t i = 0; i < n_mirrors; i++) {
                const struct registries_endpoint *m = &entry->mirrors[i];
                _cleanup_free_ char *where = rewrite(full, entry, m->location);
                bool insecure = options->tls_verify < 0 ? m->insecure : options->tls_verify == 0;
                endpoint_init(&c->endpoints[i], where, insecure, true);
        }
        _cleanup_free_ char *where =
            entry ? rewrite(full, entry, entry->endpoint.location) : xstrdup(full);
        bool insecure = options->tls_verify < 0 ? (entry && entry->endpoint.insecure)
                                                : options->tls_verify == 0;
        endpoint_init(&c->endpoints[n_mirrors], where, insecure, false);
        c->n_endpoints = n_mirrors + 1;
        registries_conf_release(&conf);
        return 0;
}

int registry_client_new(const char *domain, const char *repository,
                        const struct registry_options *options, struct registry_client **out,
                        struct error **err)
{
        static const struct registry_options defaults = {.tls_verify = -1};
        if (!options)
                options = &defaults;
        pthread_once(&curl_once, curl_setup_once);
        struct registry_client *c = xcalloc(1, sizeof(*c));
        c->domain = xstrdup(domain);
        c->repository = xstrdup(repository ? repository : "");
        c->auth_file = options->auth_file ? xstrdup(options->auth_file) : NULL;
        c->username = options->username ? xstrdup(options->username) : NULL;
        c->password = options->password ? xstrdup(options->password) : NULL;
        c->retries = options->retries > 0 ? options->retries : 3;
        if (setup_endpoints(c, options, err) < 0) {
                registry_client_free(c);
                return -1;
        }
        c->curl = curl_easy_init();
        if (!c->curl) {
                registry_client_free(c);
                return error_set(err, ENOMEM, "initialise libcurl");
        }
        *out = c;
        return 0;
}

void registry_client_free(struct registry_client *c)
{
        if (!c)
                return;
        if (c->curl)
                curl_easy_cleanup(c->curl);
        for (size_t i = 0; i < c->n_endpoints; i++)
                endpoint_release(&c->endpoints[i]);
        free(c->endpoints);
        free(c->domain);
        free(c->repository);
        free(c->auth_file);
        free(c->username);
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->password);
        free(c);
}

void registry_client_set_progress(struct registry_client *c,
                                  void (*progress)(void *ctx, uint64_t done), void *ctx)
{
        c->progress = progress;
        c->progress_ctx = ctx;
}

char *registry_endpoint_url(const struct registry_endpoint *ep, const char *target)
{
        if (strncmp(target, "https://", 8) == 0 || strncmp(target, "http://", 7) == 0)
                return xstrdup(target);
        return xasprintf("%s://%s%s", ep->scheme, ep->host, target);
}

/* ---- one HTTP exchange ---- */

struct transfer {
        struct registry_client *client;
        const struct registry_call *call;
        struct http_response *resp;
        size_t body_cap;
        bool body_too_large;
        struct error *sink_err;
        uint64_t sent;
        int read_errno;
};

static char *trimmed(const char *s, size_t len)
{
        while (len > 0 && isspace((unsigned char)*s)) {
                s++;
                len--;
        }
        while (len > 0 && isspace((unsigned char)s[len - 1]))
                len--;
        return xstrndup(s, len);
}

static void set_header(char **slot, char *value)
{
        free(*slot);
        *slot = value;
}

static size_t header_callback(char *buffer, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        struct http_response *r = t->resp;
        size_t len = size * n;
        if (len >= 5 && strncmp(buffer, "HTTP/", 5) == 0) {
                /* A new response (after a 100 Continue): forget what came before. */
                http_response_release(r);
                t->body_cap = 0;
                const char *sp = memchr(buffer, ' ', len);
                r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
                return len;
        }
        const char *colon = memchr(buffer, ':', len);
        if (!colon)
                return len;
        size_t name_len = (size_t)(colon - buffer);
        char *value = trimmed(colon + 1, len - name_len - 1);
#define IS(name) (name_len == strlen(name) && strncasecmp(buffer, name, name_len) == 0)
        if (IS("Content-Type")) {
                set_header(&r->content_type, value);
        } else if (IS("Location")) {
                set_header(&r->location, value);
        } else if (IS("Content-Range")) {
                set_header(&r->content_range, value);
        } else if (IS("Docker-Content-Digest")) {
                set_header(&r->docker_content_digest, value);
        } else if (IS("WWW-Authenticate")) {
                if (r->www_authenticate) {
                        char *joined = xasprintf("%s, %s", r->www_authenticate, value);
                        free(value);
                        value = joined;
                }
                set_header(&r->www_authenticate, value);
        } else if (IS("Content-Length")) {
                r->content_length = strtoll(value, NULL, 10);
                free(value);
        } else if (IS("Retry-After")) {
                char *end;
                long v = strtol(value, &end, 10);
                r->retry_after = end != value && *end == '\0' && v >= 0 ? v : -1;
                free(value);
        } else {
                free(value);
        }
#undef IS
        return len;
}

bool registry_status_ok(long status)
{
        return status >= 200 && status < 300;
}

static size_t write_callback(char *data, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        struct http_response *r = t->resp;
        size_t len = size * n;
        if (t->call->sink && registry_status_ok(r->status)) {
                if (t->call->sink(t->call->sink_ctx, data, len, &t->sink_err) < 0) {
                        if (!t->sink_err)
                                error_set(&t->sink_err, 0, "download stopped");
                        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
                }
                return len;
        }
        size_t limit = registry_status_ok(r->status) && t->call->body_limit ? t->call->body_limit
                                                                            : ERROR_BODY_LIMIT;
        if (r->body_len + len > limit) {
                if (registry_status_ok(r->status)) {
                        t->body_too_large = true;
                        return 0;
                }
                len = limit - r->body_len; /* an error's text is only read for its message */
                if (len == 0)
                        return size * n;
        }
        if (r->body_len + len + 1 > t->body_cap) {
                t->body_cap = (r->body_len + len + 1) * 2;
                r->body = xrealloc(r->body, t->body_cap);
        }
        memcpy(r->body + r->body_len, data, len);
        r->body_len += len;
        r->body[r->body_len] = '\0';
        return size * n;
}

static size_t read_callback(char *buffer, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        const struct registry_call *call = t->call;
        uint64_t total = call->fd >= 0 ? call->fd_len : call->data_len;
        size_t want = size * n;
        if (want > total - t->sent)
                want = (size_t)(total - t->sent);
        if (want == 0)
                return 0;
        if (call->fd < 0) {
                memcpy(buffer, (const char *)call->data + t->sent, want);
        } else {
                ssize_t got;
                do
                        got = pread(call->fd, buffer, want, (off_t)(call->fd_offset + t->sent));
                while (got < 0 && errno == EINTR);
                if (got <= 0) {
                        t->read_errno = got < 0 ? errno : EIO; /* EIO: the file shrank */
                        return CURL_READFUNC_ABORT;
                }
                want = (size_t)got;
        }
        t->sent += want;
        if (call->upload_progress && t->client->progress)
                t->client->progress(t->client->progress_ctx, call->fd_offset + t->sent);
        return want;
}

/* curl rewinds a body when it must send it again (a redirect, a reused connection that
 * closed under it). */
static int seek_callback(void *userdata, curl_off_t offset, int origin)
{
        struct transfer *t = userdata;
        if (origin != SEEK_SET || offset < 0)
                return CURL_SEEKFUNC_CANTSEEK;
        t->sent = (uint64_t)offset;
        return CURL_SEEKFUNC_OK;
}

/* Connection-level failures worth another try; the rest (bad URL, TLS verification, a
 * write error of ours) will not get better. */
static bool curl_code_transient(CURLcode rc)
{
        switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_SSL_CONNECT_ERROR:
                return true;
        default:
                return false;
        }
}

int http_perform(struct registry_client *c, const char *method, const char *url, bool tls_verify,
                 const char *authorization, const struct registry_call *call,
                 struct http_response *resp, bool *transient, struct error **err)
{
        CURL *h = c->curl;
        http_response_release(resp);
        *transient = false;
        c->transport_failed = false;
        struct transfer t = {.client = c, .call = call, .resp = resp};
        /* Reset keeps the handle's live connections, DNS and TLS session caches. */
        curl_easy_reset(h);
        c->errbuf[0] = '\0';
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
        /* A stalled transfer (under 1 KiB/s for 30 s) fails and is retried with a resume. */
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
        if (curl_share)
                curl_easy_setopt(h, CURLOPT_SHARE, curl_share);
        if (!tls_verify) {
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_callback);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_callback);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);

        struct curl_slist *headers = NULL;
        for (const struct curl_slist *l = call->headers; l; l = l->next)
                headers = curl_slist_append(headers, l->data);
        /* No "Expect: 100-continue" round trip before bodies. */
        headers = curl_slist_append(headers, "Expect:");
        _cleanup_free_ char *auth_line = NULL;
        if (authorization) {
                auth_line = xasprintf("Authorization: %s", authorization);
                headers = curl_slist_append(headers, auth_line);
        }
        if (strcmp(method, "HEAD") == 0) {
                curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else if (call->send_body) {
                uint64_t total = call->fd >= 0 ? call->fd_len : call->data_len;
                curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)total);
                curl_easy_setopt(h, CURLOPT_READFUNCTION, read_callback);
                curl_easy_setopt(h, CURLOPT_READDATA, &t);
                curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_callback);
                curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
                curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        } else if (strcmp(method, "GET") != 0) {
                curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        log_debug("registry: %s %s", method, url);
        CURLcode rc = curl_easy_perform(h);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(headers);
        if (auth_line)
                explicit_bzero(auth_line, strlen(auth_line));
        if (t.sink_err) {
                *err = steal_pointer(&t.sink_err);
                return -1;
        }
        if (t.body_too_large)
                return error_set(err, EFBIG, "%s %s: the response is larger than %zu bytes", method,
                                 url, call->body_limit);
        if (t.read_errno)
                return error_set(err, t.read_errno, "read the upload's data");
        if (rc != CURLE_OK) {
                *transient = curl_code_transient(rc);
                c->transport_failed = true;
                /* What OpenSSL says when an http server answers a TLS hello. */
                const char *hint =
                    rc == CURLE_SSL_CONNECT_ERROR && strstr(c->errbuf, "wrong version number")
                        ? " (a plain-http registry needs --tls-verify=false or "
                          "insecure = true in registries.conf)"
                        : "";
                return error_set(err, 0, "%s %s: %s%s", method, url,
                                 c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc), hint);
        }
        log_debug("registry: %s %s: %ld", method, url, resp->status);
        return 0;
}

/* ---- auth, redirects, fallback and retries around one call ---- */

static char *call_scope(const struct registry_endpoint *ep, const struct registry_call *call)
{
        const char *actions = call->access == CALL_ACCESS_PUSH ? "pull,push" : "pull";
        _cleanup_free_ char *own = call->access == CALL_ACCESS_NONE
                                       ? xstrdup("")
                                       : xasprintf("repository:%s:%s", ep->repository, actions);
        if (!call->extra_scope)
                return steal_pointer(&own);
        return own[0] ? xasprintf("%s %s", own, call->extra_scope) : xstrdup(call->extra_scope);
}

/* scheme://host:port of URL, newly allocated, or NULL when it does not parse. */
static char *url_origin(const char *url)
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL, *port = NULL;
        char *origin = NULL;
        if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
                origin = xasprintf("%s://%s:%s", scheme, host, port);
        curl_free(scheme);
        curl_free(host);
        curl_free(port);
        curl_url_cleanup(u);
        return origin;
}

/* LOCATION (absolute, or relative to BASE as Location headers may be) as an absolute URL. */
char *registry_url_resolve(const char *base, const char *location)
{
        CURLU *u = curl_url();
        char *out = NULL;
        char *result = NULL;
        if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
                result = xstrdup(out);
        curl_free(out);
        curl_url_cleanup(u);
        return result;
}

static bool is_redirect(long status)
{
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

void registry_backoff(int attempt, long retry_after)
{
        long ms = 250L << (attempt < 5 ? attempt : 5); /* 250 ms, 500 ms, ... 8 s */
        if (retry_after >= 0 && retry_after <= 30)
                ms = retry_after * 1000 > ms ? retry_after * 1000 : ms;
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* One attempt: the request and its redirects. Authorization goes only to the endpoint's own
 * origin, never to a host it redirects to (blob storage signs its URLs itself). */
static int perform_following(struct registry_client *c, struct registry_endpoint *ep,
                             const struct registry_call *call, const char *url,
                             const char *authorization, struct http_response *resp, bool *transient,
                             struct error **err)
{
        _cleanup_free_ char *home = registry_endpoint_url(ep, "/");
        _cleanup_free_ char *origin = url_origin(home);
        _cleanup_free_ char *current = xstrdup(url);
        const char *method = call->method;
        for (int hops = 0;; hops++) {
                _cleanup_free_ char *here = url_origin(current);
                bool same = origin && here && strcmp(origin, here) == 0;
                if (http_perform(c, method, current, !ep->insecure, same ? authorization : NULL,
                                 call, resp, transient, err) < 0)
                        return -1;
                if (!is_redirect(resp->status) || !resp->location)
                        return 0;
                if (hops == MAX_REDIRECTS)
                        return error_set(err, 0, "%s %s: too many redirects", method, url);
                char *next = registry_url_resolve(current, resp->location);
                if (!next)
                        return error_set(err, 0, "%s %s: bad redirect \"%s\"", method, url,
                                         resp->location);
                free(current);
                current = next;
                if (resp->status == 303)
                        method = "GET";
        }
}

int registry_call(struct registry_client *c, struct registry_endpoint *ep,
                  const struct registry_call *call, struct http_response *resp, bool *transient,
                  struct error **err)
{
        _cleanup_free_ char *scope = call_scope(ep, call);
        bool absolute =
            strncmp(call->target, "http://", 7) == 0 || strncmp(call->target, "https://", 8) == 0;
        int max_attempts = call->retry ? c->retries + 1 : 1;
        bool challenged = false;
        for (int attempt = 0;;) {
                _cleanup_free_ char *url = registry_endpoint_url(ep, call->target);
                _cleanup_free_ char *authorization = NULL;
                if (auth_header_for(c, ep, scope, &authorization, err) < 0)
                        return -1;
                struct error *call_err = NULL;
                int rc =
                    perform_following(c, ep, call, url, authorization, resp, transient, &call_err);
                if (authorization)
                        explicit_bzero(authorization, strlen(authorization));
                if (rc < 0) {
                        /* Insecure registries: TLS without verification first, then plain
                         * http, once per endpoint (podman does the same). */
                        if (ep->insecure && !absolute && strcmp(ep->scheme, "https") == 0 &&
                            c->transport_failed) {
                                log_debug("registry: %s: %s; trying http", ep->host, call_err->msg);
                                error_free(&call_err);
                                ep->scheme = "http";
                                continue;
                        }
                        if (*transient && ++attempt < max_attempts) {
                                log_debug("registry: %s; retrying", call_err->msg);
                                error_free(&call_err);
                                registry_backoff(attempt - 1, -1);
                                continue;
                        }
                        *err = call_err;
                        return -1;
                }
                if (resp->status == 401 && !challenged) {
                        challenged = true;
                        if (auth_handle_challenge(c, ep, scope, resp, err) < 0)
                                return -1;
                        continue;
                }
                bool retryable = resp->status == 429 || resp->status >= 500;
                if (retryable && call->retry && ++attempt < max_attempts) {
                        log_debug("registry: %s %s: HTTP %ld; retrying", call->method, url,
                                  resp->status);
                        registry_backoff(attempt - 1, resp->retry_after);
                        continue;
                }
                *transient = retryable;
                return 0;
        }
}

/* "MANIFEST_UNKNOWN" -> "manifest unknown", for errors that carry only a code. */
static char *code_text(const char *code)
{
        char *s = xstrdup(code);
        for (char *p = s; *p; p++)
                *p = *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
        return s;
}

int registry_response_error(const struct http_response *resp, struct error **err)
{
        json_t *doc = resp->body ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
        json_t *first = json_array_get(json_object_get(doc, "errors"), 0);
        const char *message = json_string_value(json_object_get(first, "message"));
        const char *code = json_string_value(json_object_get(first, "code"));
        int ret;
        if (message && message[0]) {
                ret = error_set(err, 0, "%s", message);
        } else if (code && code[0]) {
                _cleanup_free_ char *text = code_text(code);
                ret = error_set(err, 0, "%s", text);
        } else if (resp->status == 401) {
                ret = error_set(err, 0, "authentication required");
        } else if (resp->status == 403) {
                ret = error_set(err, 0, "access denied");
        } else if (resp->status == 404) {
                ret = error_set(err, 0, "not found");
        } else {
                ret = error_set(err, 0, "unexpected HTTP status %ld", resp->status);
        }
        json_decref(doc);
        return ret;
}

/* ---- /v2/ and manifests ---- */

int registry_ping(struct registry_client *c, struct error **err)
{
        struct registry_endpoint *ep = registry_primary(c);
        struct registry_call call = {
            .method = "GET", .target = "/v2/", .access = CALL_ACCESS_NONE, .fd = -1, .retry = true};
        struct http_response resp = {0};
        bool transient;
        int ret = 0;
        if (registry_call(c, ep, &call, &resp, &transient, err) < 0) {
                ret = -1;
        } else if (resp.status == 401) {
                ret = ep->username ? error_set(err, 0, "invalid username/password")
                                   : registry_response_error(&resp, err);
        } else if (!registry_status_ok(resp.status)) {
                ret = registry_response_error(&resp, err);
        }
        http_response_release(&resp);
        return ret;
}

static char *media_type_of(const struct http_response *resp, const char *body, size_t len)
{
        if (resp->content_type) {
                size_t n = strcspn(resp->content_type, ";");
                _cleanup_free_ char *type = trimmed(resp->content_type, n);
                /* A registry that does not know the type answers with a generic one: the
                 * document's own mediaType is then the better word. */
                if (type[0] && strcmp(type, "application/json") != 0 &&
                    strcmp(type, "text/plain") != 0 &&
                    strcmp(type, "application/octet-stream") != 0)
                        return steal_pointer(&type);
        }
        json_t *doc = json_loadb(body, len, 0, NULL);
        const char *field = json_string_value(json_object_get(doc, "mediaType"));
        char *out = field ? xstrdup(field) : NULL;
        json_decref(doc);
        return out;
}

/* Runs CALL on the mirrors then the registry, with target "/v2/<repository>/SUFFIX" on each:
 * the first that answers with success wins; a mirror's failure is only logged (and a mirror
 * that cannot be reached is not tried again). Returns 0 with the successful response, -1 with
 * *err (the registry's own error). */
static int call_reading(struct registry_client *c, struct registry_call *call, const char *suffix,
                        struct http_response *resp, struct error **err)
{
        for (size_t i = 0; i < c->n_endpoints; i++) {
                struct registry_endpoint *ep = &c->endpoints[i];
                bool last = i + 1 == c->n_endpoints;
                if (ep->dead && !last)
                        continue;
                _cleanup_free_ char *target = xasprintf("/v2/%s/%s", ep->repository, suffix);
                call->target = target;
                bool transient = false;
                struct error *e = NULL;
                int rc = registry_call(c, ep, call, resp, &transient, &e);
                call->target = NULL;
                if (rc == 0) {
                        if (registry_status_ok(resp->status))
                                return 0;
                        registry_response_error(resp, &e);
                } else if (!last) {
                        ep->dead = transient;
                }
                if (last) {
                        *err = e;
                        return -1;
                }
                log_debug("registry: mirror %s: %s", ep->host, e->msg);
                error_free(&e);
        }
        return -1; /* not reached: the registry is always the last endpoint */
}

int registry_get_manifest(struct registry_client *c, const char *reference, char **body,
                          size_t *len, char **media_type, struct digest *digest, struct error **err)
{
        struct digest want;
        bool by_digest = strchr(reference, ':') != NULL;
        if (by_digest && digest_parse(reference, &want, err) < 0)
                return -1;
        _cleanup_free_ char *accept = xasprintf("Accept: %s", media_type_manifest_accept);
        struct curl_slist headers = {.data = accept};
        _cleanup_free_ char *suffix = xasprintf("manifests/%s", reference);
        struct registry_call call = {.method = "GET",
                                     .access = CALL_ACCESS_PULL,
                                     .headers = &headers,
                                     .fd = -1,
                                     .body_limit = MANIFEST_LIMIT,
                                     .retry = true};
        struct http_response resp = {0};
        if (call_reading(c, &call, suffix, &resp, err) < 0) {
                http_response_release(&resp);
                if (by_digest)
                        return error_wrap(err, "manifest %s", reference);
                return -1;
        }
        _cleanup_free_ char *data = steal_pointer(&resp.body);
        size_t data_len = resp.body_len;
        if (!data)
                data = xstrdup("");
        struct digest got;
        digest_buffer(by_digest ? want.algorithm : DIGEST_SHA256, data, data_len, &got);
        if (by_digest && !digest_equal(&got, &want)) {
                http_response_release(&resp);
                return error_set(err, 0, "manifest %s: the registry sent a document with digest %s",
                                 reference, got.text);
        }
        *media_type = media_type_of(&resp, data, data_len);
        http_response_release(&resp);
        *digest = got;
        *len = data_len;
        *body = steal_pointer(&data);
        return 0;
}

int registry_put_manifest(struct registry_client *c, const char *reference, const char *body,
                          size_t len, const char *media_type, struct error **err)
{
        struct registry_endpoint *ep = registry_primary(c);
        _cleanup_free_ char *target = xasprintf("/v2/%s/manifests/%s", ep->repository, reference);
        _cleanup_free_ char *content_type = xasprintf("Content-Type: %s", media_type);
        struct curl_slist headers = {.data = content_type};
        struct registry_call call = {.method = "PUT",
                                     .target = target,
                                     .access = CALL_ACCESS_PUSH,
                                     .headers = &headers,
                                     .data = body,
                                     .data_len = len,
                                     .fd = -1,
                                     .send_body = true,
                                     .retry = true};
        struct http_response resp = {0};
        bool transient;
        int ret = 0;
        if (registry_call(c, ep, &call, &resp, &transient, err) < 0)
                ret = -1;
        else if (!registry_status_ok(resp.status))
                ret = registry_response_error(&resp, err);
        http_response_release(&resp);
        if (ret < 0)
                return error_wrap(err, "put manifest %s", reference);
        return 0;
}
