/* Blobs: HEAD, GET with Range resume (distribution-spec "Pulling blobs"), uploads (monolithic
 * and chunked, "Pushing blobs") and cross-repository mounts. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "client_internal.h"

/* ---- HEAD ---- */

int registry_blob_exists(struct registry_client *c, const struct digest *digest, int64_t *size,
                         struct error **err)
{
        struct registry_endpoint *ep = registry_primary(c);
        _cleanup_free_ char *target = xasprintf("/v2/%s/blobs/%s", ep->repository, digest->text);
        struct registry_call call = {.method = "HEAD",
                                     .target = target,
                                     .access = CALL_ACCESS_PULL,
                                     .fd = -1,
                                     .retry = true};
        struct http_response resp = {0};
        bool transient;
        int ret;
        if (registry_call(c, ep, &call, &resp, &transient, err) < 0) {
                ret = -1;
        } else if (resp.status == 200) {
                if (size)
                        *size = resp.content_length;
                ret = 1;
        } else if (resp.status == 404) {
                ret = 0;
        } else {
                ret = registry_response_error(&resp, err);
        }
        http_response_release(&resp);
        if (ret < 0)
                return error_wrap(err, "check blob %s", digest->text);
        return ret;
}

/* ---- GET with resume ---- */

struct fetch_state {
        struct registry_client *client;
        int (*sink)(void *ctx, const void *data, size_t len, struct error **err);
        int (*restart)(void *ctx, struct error **err);
        void *ctx;
        struct http_response *resp;
        uint64_t offset;   /* bytes the sink holds */
        uint64_t received; /* bytes delivered in this attempt */
        bool checked;      /* the attempt's response was matched against the Range asked */
};

/* "bytes START-END/TOTAL": START, or -1 when the header does not parse. */
static int64_t content_range_start(const char *value)
{
        if (!value || strncmp(value, "bytes ", 6) != 0)
                return -1;
        char *end;
        errno = 0;
        unsigned long long start = strtoull(value + 6, &end, 10);
        if (errno || end == value + 6 || *end != '-')
                return -1;
        return (int64_t)start;
}

static int fetch_sink(void *ctx, const void *data, size_t len, struct error **err)
{
        struct fetch_state *st = ctx;
        if (!st->checked) {
                st->checked = true;
                if (st->offset > 0 && st->resp->status == 200) {
                        /* The server ignored Range: the whole blob comes again. */
                        log_debug("registry: no range support; restarting the download");
                        if (st->restart(st->ctx, err) < 0)
                                return -1;
                        st->offset = 0;
                } else if (st->offset > 0 &&
                           content_range_start(st->resp->content_range) != (int64_t)st->offset) {
                        return error_set(err, 0,
                                         "the registry answered a request from byte %" PRIu64
                                         " with the range \"%s\"",
                                         st->offset,
                                         st->resp->content_range ? st->resp->content_range
                                                                 : "(none)");
                }
        }
        if (st->sink(st->ctx, data, len, err) < 0)
                return -1;
        st->offset += len;
        st->received += len;
        if (st->client->progress)
                st->client->progress(st->client->progress_ctx, st->offset);
        return 0;
}

int registry_fetch_blob(struct registry_client *c, const struct digest *digest, uint64_t offset,
                        int (*sink)(void *ctx, const void *data, size_t len, struct error **err),
                        int (*restart)(void *ctx, struct error **err), void *ctx,
                        struct error **err)
{
        struct http_response resp = {0};
        struct fetch_state st = {.client = c,
                                 .sink = sink,
                                 .restart = restart,
                                 .ctx = ctx,
                                 .resp = &resp,
                                 .offset = offset};
        size_t ep_index = 0;
        while (ep_index + 1 < c->n_endpoints && c->endpoints[ep_index].dead)
                ep_index++;
        bool endpoint_delivered = false; /* a mirror that sent bytes is kept for the retries */
        int failures = 0;                /* in a row, without progress */
        int ret = -1;
        for (;;) {
                struct registry_endpoint *ep = &c->endpoints[ep_index];
                bool last = ep_index + 1 == c->n_endpoints;
                _cleanup_free_ char *target =
                    xasprintf("/v2/%s/blobs/%s", ep->repository, digest->text);
                _cleanup_free_ char *range =
                    st.offset > 0 ? xasprintf("Range: bytes=%" PRIu64 "-", st.offset) : NULL;
                struct curl_slist headers = {.data = range};
                struct registry_call call = {.method = "GET",
                                             .target = target,
                                             .access = CALL_ACCESS_PULL,
                                             .headers = range ? &headers : NULL,
                                             .fd = -1,
                                             .sink = fetch_sink,
                                             .sink_ctx = &st};
                st.received = 0;
                st.checked = false;
                bool transient = false;
                struct error *e = NULL;
                int rc = registry_call(c, ep, &call, &resp, &transient, &e);
                if (rc == 0 && registry_status_ok(resp.status)) {
                        if (!st.checked && st.offset > 0 && resp.status == 200) {
                                /* An empty 200 to a Range request: the sink must start over. */
                                if (restart(ctx, err) < 0)
                                        break;
                        }
                        ret = 0;
                        break;
                }
                if (rc < 0 && !c->transport_failed) {
                        *err = e; /* the sink's own error, or one no retry can mend */
                        break;
                }
                if (rc == 0 && resp.status == 416 && st.offset > 0) {
                        /* The range is past the blob (the partial data is not this blob's):
                         * start over from zero. */
                        if (restart(ctx, err) < 0)
                                break;
                        st.offset = 0;
                        transient = true;
                        registry_response_error(&resp, &e);
                } else if (rc == 0) {
                        registry_response_error(&resp, &e);
                }
                if (st.received > 0) {
                        endpoint_delivered = true;
                        failures = 0;
                }
                if (!last && !endpoint_delivered) {
                        log_debug("registry: mirror %s: %s", ep->host, e->msg);
                        if (rc < 0)
                                ep->dead = true;
                        error_free(&e);
                        ep_index++;
                        continue;
                }
                if (!transient || failures >= c->retries) {
                        *err = e;
                        break;
                }
                log_debug("registry: blob %s: %s; resuming from byte %" PRIu64, digest->text,
                          e->msg, st.offset);
                error_free(&e);
                registry_backoff(failures++, resp.retry_after);
        }
        http_response_release(&resp);
        if (ret < 0)
                return error_wrap(err, "fetch blob %s", digest->text);
        return 0;
}

/* ---- uploads ---- */

/* URL with "NAME=VALUE" added to its query (a Location may carry its own, e.g. _state). */
static char *url_add_query(const char *url, const char *name, const char *value)
{
        CURLU *u = curl_url();
        _cleanup_free_ char *param = xasprintf("%s=%s", name, value);
        char *out = NULL;
        char *result = NULL;
        if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_QUERY, param, CURLU_APPENDQUERY | CURLU_URLENCODE) ==
                CURLUE_OK &&
            curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
                result = xstrdup(out);
        curl_free(out);
        curl_url_cleanup(u);
        return result;
}

/* The absolute upload URL from a response's Location, relative to BASE. */
static int upload_location(const struct http_response *resp, const char *base, char **out,
                           struct error **err)
{
        if (!resp->location)
                return error_set(err, 0, "the registry gave no upload location (HTTP %ld)",
                                 resp->status);
        *out = registry_url_resolve(base, resp->location);
        if (!*out)
                return error_set(err, 0, "the registry gave a bad upload location \"%s\"",
                                 resp->location);
        return 0;
}

/* One request of an upload; any answer but EXPECTED is an error. */
static int upload_step(struct registry_client *c, struct registry_endpoint *ep,
                       struct registry_call *call, long expected, struct http_response *resp,
                       bool *transient, struct error **err)
{
        if (registry_call(c, ep, call, resp, transient, err) < 0)
                return -1;
        if (resp->status != expected) {
                *transient = resp->status == 429 || resp->status >= 500;
                return registry_response_error(resp, err);
        }
        return 0;
}

static int push_once(struct registry_client *c, const struct digest *digest, int fd, uint64_t size,
                     uint64_t chunk_size, bool *transient, struct error **err)
{
        struct registry_endpoint *ep = registry_primary(c);
        struct http_response resp = {0};
        _cleanup_free_ char *start = xasprintf("/v2/%s/blobs/uploads/", ep->repository);
        struct registry_call post = {.method = "POST",
                                     .target = start,
                                     .access = CALL_ACCESS_PUSH,
                                     .fd = -1,
                                     .send_body = true};
        _cleanup_free_ char *location = NULL;
        _cleanup_free_ char *finish = NULL;
        _cleanup_free_ char *base = registry_endpoint_url(ep, start);
        int ret = -1;
        if (upload_step(c, ep, &post, 202, &resp, transient, err) < 0 ||
            upload_location(&resp, base, &location, err) < 0)
                goto out;
        static const char octet[] = "Content-Type: application/octet-stream";
        bool chunked = chunk_size > 0 && chunk_size < size;
        if (chunked) {
                for (uint64_t off = 0; off < size; off += chunk_size) {
                        uint64_t n = size - off < chunk_size ? size - off : chunk_size;
                        /* distribution-spec: Content-Range is "<start>-<end>", inclusive and
                         * without a unit. */
                        _cleanup_free_ char *content_range =
                            xasprintf("Content-Range: %" PRIu64 "-%" PRIu64, off, off + n - 1);
                        struct curl_slist h2 = {.data = content_range};
                        struct curl_slist h1 = {.data = (char *)octet, .next = &h2};
                        struct registry_call patch = {.method = "PATCH",
                                                      .target = location,
                                                      .access = CALL_ACCESS_PUSH,
                                                      .headers = &h1,
                                                      .fd = fd,
                                                      .fd_offset = off,
                                                      .fd_len = n,
                                                      .send_body = true,
                                                      .upload_progress = true};
                        char *next = NULL;
                        if (upload_step(c, ep, &patch, 202, &resp, transient, err) < 0 ||
                            upload_location(&resp, location, &next, err) < 0)
                                goto out;
                        free(location);
                        location = next;
                }
        }
        finish = url_add_query(location, "digest", digest->text);
        if (!finish) {
                error_set(err, 0, "the registry gave a bad upload location \"%s\"", location);
                goto out;
        }
        struct curl_slist h1 = {.data = (char *)octet};
        struct registry_call put = {.method = "PUT",
                                    .target = finish,
                                    .access = CALL_ACCESS_PUSH,
                                    .headers = &h1,
                                    .fd = chunked ? -1 : fd,
                                    .fd_len = chunked ? 0 : size,
                                    .send_body = true,
                                    .upload_progress = !chunked};
        if (upload_step(c, ep, &put, 201, &resp, transient, err) < 0)
                goto out;
        ret = 0;
out:
        http_response_release(&resp);
        return ret;
}

int registry_push_blob(struct registry_client *c, const struct digest *digest, int fd,
                       uint64_t size, uint64_t chunk_size, struct error **err)
{
        /* A failed upload session cannot be trusted to continue: each retry starts a new one. */
        for (int attempt = 0;; attempt++) {
                bool transient = false;
                struct error *e = NULL;
                if (push_once(c, digest, fd, size, chunk_size, &transient, &e) == 0)
                        return 0;
                if (!transient || attempt >= c->retries) {
                        *err = e;
                        return error_wrap(err, "upload blob %s", digest->text);
                }
                log_debug("registry: upload of %s: %s; starting again", digest->text, e->msg);
                error_free(&e);
                registry_backoff(attempt, -1);
        }
}

int registry_mount_blob(struct registry_client *c, const struct digest *digest,
                        const char *from_repository, bool *mounted, struct error **err)
{
        struct registry_endpoint *ep = registry_primary(c);
        *mounted = false;
        _cleanup_free_ char *target = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s",
                                                ep->repository, digest->text, from_repository);
        _cleanup_free_ char *from_scope = xasprintf("repository:%s:pull", from_repository);
        struct registry_call call = {.method = "POST",
                                     .target = target,
                                     .access = CALL_ACCESS_PUSH,
                                     .extra_scope = from_scope,
                                     .fd = -1,
                                     .send_body = true,
                                     .retry = true};
        struct http_response resp = {0};
        bool transient;
        int ret = 0;
        if (registry_call(c, ep, &call, &resp, &transient, err) < 0) {
                ret = -1;
        } else if (resp.status == 201) {
                *mounted = true;
        } else if (resp.status == 202) {
                /* The registry could not mount and opened an upload instead: cancel it
                 * (distribution-spec "Mounting a blob from another repository"). */
                _cleanup_free_ char *base = registry_endpoint_url(ep, target);
                _cleanup_free_ char *location =
                    resp.location ? registry_url_resolve(base, resp.location) : NULL;
                if (location) {
                        struct registry_call cancel = {.method = "DELETE",
                                                       .target = location,
                                                       .access = CALL_ACCESS_PUSH,
                                                       .fd = -1};
                        struct http_response r2 = {0};
                        struct error *ignored = NULL;
                        if (registry_call(c, ep, &cancel, &r2, &transient, &ignored) < 0)
                                error_free(&ignored);
                        http_response_release(&r2);
                }
        } else {
                ret = registry_response_error(&resp, err);
        }
        http_response_release(&resp);
        if (ret < 0)
                return error_wrap(err, "mount blob %s from %s", digest->text, from_repository);
        return 0;
}
