/* Blob endpoints: HEAD/GET (with a single Range) and DELETE of /v2/<name>/blobs/<digest>. */
#include <inttypes.h>
#include <string.h>

#include "base/alloc.h"
#include "server_internal.h"

/* Parses the route's digest, or answers 400 DIGEST_INVALID. */
static bool route_digest(struct request *req, struct digest *out)
{
        struct error *err = NULL;
        if (digest_parse(req->route.reference, out, &err) < 0) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID", "%s", err->msg);
                error_free(&err);
                return false;
        }
        return true;
}

void blob_get(struct request *req)
{
        struct digest digest;
        if (!route_digest(req, &digest))
                return;
        struct error *err = NULL;
        int64_t size = 0;
        int found =
            registry_store_blob_get(req->server->store, req->route.name, &digest, &size, &err);
        if (found < 0)
                return reply_internal(req, &err);
        if (found == 0)
                return reply_error(req, MHD_HTTP_NOT_FOUND, "BLOB_UNKNOWN",
                                   "blob unknown to registry");
        int fd = content_store_open_blob(req->server->content, &digest, &err);
        if (fd < 0)
                return reply_internal(req, &err);

        uint64_t start = 0, length = (uint64_t)size;
        enum range_result range = http_range_parse(request_header(req, MHD_HTTP_HEADER_RANGE),
                                                   (uint64_t)size, &start, &length);
        if (range == RANGE_UNSATISFIABLE) {
                close(fd);
                reply_error(req, MHD_HTTP_RANGE_NOT_SATISFIABLE, "BLOB_UNKNOWN",
                            "range not satisfiable");
                reply_headerf(req, MHD_HTTP_HEADER_CONTENT_RANGE, "bytes */%" PRId64, size);
                return;
        }
        unsigned status = range == RANGE_SATISFIABLE ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK;
        reply_fd(req, status, "application/octet-stream", fd, start, length);
        reply_header(req, "Docker-Content-Digest", digest.text);
        reply_header(req, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
        /* Immutable content: caches may keep it (distribution sends the same). */
        reply_headerf(req, MHD_HTTP_HEADER_ETAG, "\"%s\"", digest.text);
        reply_header(req, MHD_HTTP_HEADER_CACHE_CONTROL, "max-age=31536000");
        if (range == RANGE_SATISFIABLE)
                reply_headerf(req, MHD_HTTP_HEADER_CONTENT_RANGE,
                              "bytes %" PRIu64 "-%" PRIu64 "/%" PRId64, start, start + length - 1,
                              size);
}

void blob_delete(struct request *req)
{
        struct digest digest;
        if (!route_digest(req, &digest))
                return;
        if (!req->server->config->delete_enabled)
                return reply_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "UNSUPPORTED",
                                   "deletion is disabled");
        struct error *err = NULL;
        int found = registry_store_blob_unlink(req->server->store, req->route.name, &digest, &err);
        if (found < 0)
                return reply_internal(req, &err);
        if (found == 0)
                return reply_error(req, MHD_HTTP_NOT_FOUND, "BLOB_UNKNOWN",
                                   "blob unknown to registry");
        reply_empty(req, MHD_HTTP_ACCEPTED);
        reply_header(req, "Docker-Content-Digest", digest.text);
}
