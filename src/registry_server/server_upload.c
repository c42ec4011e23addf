/*
 * Blob uploads (spec.md "Pushing blobs"): monolithic POST ?digest=, sessions (POST, PATCH
 * chunks, PUT ?digest= to close, GET status, DELETE), and cross-repository mounts. Every byte
 * goes into a content-store ingest that is published only when the closing digest matches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "base/alloc.h"
#include "base/log.h"
#include "server_internal.h"

void upload_table_init(struct upload_table *t)
{
        pthread_mutex_init(&t->lock, NULL);
        t->head = NULL;
}

static void upload_free(struct upload *u)
{
        content_ingest_abort(u->ingest, false);
        free(u->repo);
        free(u);
}

void upload_table_release(struct upload_table *t)
{
        struct upload *u = t->head;
        while (u) {
                struct upload *next = u->next;
                upload_free(u);
                u = next;
        }
        t->head = NULL;
        pthread_mutex_destroy(&t->lock);
}

size_t upload_table_count(struct upload_table *t)
{
        size_t n = 0;
        pthread_mutex_lock(&t->lock);
        for (struct upload *u = t->head; u; u = u->next)
                n++;
        pthread_mutex_unlock(&t->lock);
        return n;
}

/* Unlinks U from T (T locked). */
static void upload_unlink_locked(struct upload_table *t, struct upload *u)
{
        for (struct upload **p = &t->head; *p; p = &(*p)->next)
                if (*p == u) {
                        *p = u->next;
                        return;
                }
}

/* Drops sessions idle for longer than the upload timeout (their partial files too). */
static void upload_expire(struct registry_server *s)
{
        struct upload_table *t = &s->uploads;
        time_t now = time(NULL);
        struct upload *dead = NULL;
        pthread_mutex_lock(&t->lock);
        for (struct upload **p = &t->head; *p;) {
                struct upload *u = *p;
                if (!u->busy && now - u->touched > (time_t)s->config->upload_timeout) {
                        *p = u->next;
                        u->next = dead;
                        dead = u;
                } else {
                        p = &u->next;
                }
        }
        pthread_mutex_unlock(&t->lock);
        while (dead) {
                struct upload *next = dead->next;
                upload_free(dead);
                dead = next;
        }
}

static void random_uuid(char out[37])
{
        unsigned char b[16];
        if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
                for (size_t i = 0; i < sizeof(b); i++)
                        b[i] = (unsigned char)rand();
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                 b[13], b[14], b[15]);
}

enum upload_find { UPLOAD_FOUND, UPLOAD_UNKNOWN, UPLOAD_BUSY };

/* Finds REPO's session ID; with ACQUIRE marks it busy. *offset gets its size. */
static enum upload_find upload_find(struct upload_table *t, const char *repo, const char *id,
                                    bool acquire, struct upload **out, uint64_t *offset)
{
        enum upload_find r = UPLOAD_UNKNOWN;
        pthread_mutex_lock(&t->lock);
        for (struct upload *u = t->head; u; u = u->next) {
                if (strcmp(u->id, id) != 0 || strcmp(u->repo, repo) != 0 || u->cancelled)
                        continue;
                *offset = u->offset;
                if (u->busy) {
                        r = UPLOAD_BUSY;
                        break;
                }
                if (acquire)
                        u->busy = true;
                *out = u;
                r = UPLOAD_FOUND;
                break;
        }
        pthread_mutex_unlock(&t->lock);
        return r;
}

/* Ends a request's hold on U; REMOVE (or a DELETE meanwhile) drops the session. */
static void upload_release(struct upload_table *t, struct upload *u, bool remove)
{
        /* A request that ended early (the client went away) still has bytes staged: an idle
         * session holds no buffer. A session whose bytes could not be written goes. */
        struct error *err = NULL;
        if (!remove && u->ingest && content_ingest_flush(u->ingest, &err) < 0) {
                log_warn("registry: upload %s: %s", u->id, err->msg);
                error_free(&err);
                remove = true;
        }
        pthread_mutex_lock(&t->lock);
        u->busy = false;
        u->touched = time(NULL);
        if (u->ingest)
                u->offset = content_ingest_offset(u->ingest);
        remove = remove || u->cancelled;
        if (remove)
                upload_unlink_locked(t, u);
        pthread_mutex_unlock(&t->lock);
        if (remove)
                upload_free(u);
}

/* Location, Range and Docker-Upload-UUID of a session's reply. An empty upload's range is
 * "0-0" as distribution sends it (clients parse it as the next offset + 1 either way). */
static void upload_headers(struct request *req, const char *id, uint64_t offset)
{
        reply_headerf(req, MHD_HTTP_HEADER_LOCATION, "/v2/%s/blobs/uploads/%s", req->route.name,
                      id);
        reply_headerf(req, MHD_HTTP_HEADER_RANGE, "0-%" PRIu64, offset > 0 ? offset - 1 : 0);
        reply_header(req, "Docker-Upload-UUID", id);
}

static void blob_created(struct request *req, const struct digest *digest)
{
        reply_empty(req, MHD_HTTP_CREATED);
        reply_headerf(req, MHD_HTTP_HEADER_LOCATION, "/v2/%s/blobs/%s", req->route.name,
                      digest->text);
        reply_header(req, "Docker-Content-Digest", digest->text);
}

/* The digest query parameter PARAM, or 400 DIGEST_INVALID. */
static bool query_digest(struct request *req, const char *param, struct digest *out)
{
        const char *text = request_query(req, param);
        struct error *err = NULL;
        if (text == NULL) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID",
                            "the %s parameter is required", param);
                return false;
        }
        if (digest_parse(text, out, &err) < 0) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID", "%s", err->msg);
                error_free(&err);
                return false;
        }
        return true;
}

/* A Content-Length above the blob size limit is refused before any byte is read. */
static bool length_allowed(struct request *req)
{
        uint64_t max = req->server->config->max_blob_size;
        const char *cl = request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (max == 0 || cl == NULL)
                return true;
        if (strtoull(cl, NULL, 10) <= max)
                return true;
        reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
                    "the blob is larger than the registry's limit of %" PRIu64 " bytes", max);
        return false;
}

/* What a request writing into an ingest holds: a session (PATCH, PUT) or its own ingest
 * (monolithic POST). */
struct upload_request {
        struct upload *upload;         /* or NULL */
        struct content_ingest *ingest; /* the session's or the POST's */
        struct digest digest;          /* PUT, POST: the digest to close with */
        bool has_range;
        uint64_t range_end; /* offset after the chunk, with has_range */
        bool drop;          /* the session goes when the request ends */
};

static void upload_request_done(struct request *req)
{
        struct upload_request *ur = req->ctx;
        if (ur == NULL)
                return;
        if (ur->upload)
                upload_release(&req->server->uploads, ur->upload, ur->drop);
        else
                content_ingest_abort(ur->ingest, false);
        free(ur);
        req->ctx = NULL;
}

static int upload_body(struct request *req, const char *data, size_t len)
{
        struct upload_request *ur = req->ctx;
        uint64_t offset = content_ingest_offset(ur->ingest);
        uint64_t max = req->server->config->max_blob_size;
        if (max && offset + len > max) {
                ur->drop = true;
                reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
                            "the blob is larger than the registry's limit of %" PRIu64 " bytes",
                            max);
                return -1;
        }
        if (ur->has_range && offset + len > ur->range_end) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "SIZE_INVALID",
                            "the chunk is longer than its Content-Range");
                return -1;
        }
        struct error *err = NULL;
        if (content_ingest_write(ur->ingest, data, len, &err) < 0) {
                ur->drop = true;
                reply_internal(req, &err);
                return -1;
        }
        return 0;
}

/* Verifies and publishes the ingest under ur->digest and links it into the repository. */
static void upload_commit(struct request *req)
{
        struct upload_request *ur = req->ctx;
        struct content_ingest *ingest = steal_pointer(&ur->ingest);
        if (ur->upload)
                ur->upload->ingest = NULL;
        ur->drop = true;
        int64_t size = (int64_t)content_ingest_offset(ingest);
        struct error *err = NULL;
        /* Publish and link under the shared GC lock: a collection running now cannot remove
         * the file between the two. */
        int lock = registry_store_gc_lock(req->server->store, false, &err);
        if (lock < 0) {
                content_ingest_abort(ingest, false);
                return reply_internal(req, &err);
        }
        int rc = content_ingest_commit_expected(ingest, &ur->digest, &err);
        if (rc == 0)
                rc = registry_store_blob_link(req->server->store, req->route.name, &ur->digest,
                                              size, &err);
        registry_store_gc_unlock(lock);
        if (rc < 0) {
                /* The only client-caused failure; anything else is the disk's. */
                if (strstr(err->msg, "digest mismatch")) {
                        reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID", "%s", err->msg);
                        error_free(&err);
                        return;
                }
                return reply_internal(req, &err);
        }
        blob_created(req, &ur->digest);
}

static void monolithic_finish(struct request *req)
{
        upload_commit(req);
}

/* POST ?mount=&from=: 201 when FROM serves the blob (or NAME does already). */
static bool try_mount(struct request *req, const struct digest *digest)
{
        const char *from = request_query(req, "from");
        struct registry_store *store = req->server->store;
        struct error *err = NULL;
        int64_t size = 0;
        int found = 0;
        int lock = registry_store_gc_lock(store, false, &err);
        if (lock < 0) {
                reply_internal(req, &err);
                return true;
        }
        /* Only from a repository the client may pull from (else a plain session). */
        if (from && registry_name_valid(from) && request_allowed(req, REGISTRY_ACTION_PULL, from))
                found = registry_store_blob_get(store, from, digest, &size, &err);
        if (found == 0)
                found = registry_store_blob_get(store, req->route.name, digest, &size, &err);
        if (found > 0 && registry_store_blob_link(store, req->route.name, digest, size, &err) < 0)
                found = -1;
        registry_store_gc_unlock(lock);
        if (found < 0) {
                reply_internal(req, &err);
                return true;
        }
        if (found == 0)
                return false;
        blob_created(req, digest);
        return true;
}

static void session_start(struct request *req, enum digest_algorithm algorithm)
{
        struct registry_server *s = req->server;
        upload_expire(s);
        struct upload *u = xcalloc(1, sizeof(*u));
        struct error *err = NULL;
        if (content_ingest_begin_unnamed(s->content, algorithm, &u->ingest, &err) < 0) {
                free(u);
                return reply_internal(req, &err);
        }
        (void)content_ingest_set_direct(u->ingest);
        random_uuid(u->id);
        u->repo = xstrdup(req->route.name);
        u->touched = time(NULL);
        pthread_mutex_lock(&s->uploads.lock);
        u->next = s->uploads.head;
        s->uploads.head = u;
        pthread_mutex_unlock(&s->uploads.lock);
        reply_empty(req, MHD_HTTP_ACCEPTED);
        upload_headers(req, u->id, 0);
}

void upload_start(struct request *req)
{
        const char *mount = request_query(req, "mount");
        if (mount) {
                struct digest digest;
                if (!query_digest(req, "mount", &digest))
                        return;
                if (try_mount(req, &digest))
                        return;
                /* spec.md: a registry unable to mount answers 202 with a session. */
                return session_start(req, digest.algorithm);
        }
        if (request_query(req, "digest")) {
                struct digest digest;
                if (!query_digest(req, "digest", &digest) || !length_allowed(req))
                        return;
                struct upload_request *ur = xcalloc(1, sizeof(*ur));
                ur->digest = digest;
                struct error *err = NULL;
                if (content_ingest_begin_unnamed(req->server->content, digest.algorithm,
                                                 &ur->ingest, &err) < 0) {
                        free(ur);
                        return reply_internal(req, &err);
                }
                (void)content_ingest_set_direct(ur->ingest);
                req->ctx = ur;
                req->done = upload_request_done;
                req->body = upload_body;
                req->finish = monolithic_finish;
                return;
        }
        enum digest_algorithm algorithm = DIGEST_SHA256;
        const char *name = request_query(req, "digest-algorithm");
        if (name && strcmp(name, "sha512") == 0)
                algorithm = DIGEST_SHA512;
        else if (name && strcmp(name, "sha256") != 0)
                return reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID",
                                   "unsupported digest algorithm \"%s\"", name);
        session_start(req, algorithm);
}

/* The session of a PATCH or PUT, held for the request, with its Content-Range checked:
 * NULL after replying 404 or 416. */
static struct upload_request *session_begin(struct request *req)
{
        struct upload *u = NULL;
        uint64_t offset = 0;
        enum upload_find found = upload_find(&req->server->uploads, req->route.name,
                                             req->route.reference, true, &u, &offset);
        if (found == UPLOAD_UNKNOWN) {
                reply_error(req, MHD_HTTP_NOT_FOUND, "BLOB_UPLOAD_UNKNOWN",
                            "blob upload unknown to registry");
                return NULL;
        }
        if (found == UPLOAD_BUSY) {
                /* Another request is writing this session: this chunk cannot be in order. */
                reply_error(req, MHD_HTTP_RANGE_NOT_SATISFIABLE, "BLOB_UPLOAD_INVALID",
                            "the upload is busy with another request");
                upload_headers(req, req->route.reference, offset);
                return NULL;
        }
        struct upload_request *ur = xcalloc(1, sizeof(*ur));
        ur->upload = u;
        ur->ingest = u->ingest;
        req->ctx = ur;
        req->done = upload_request_done;

        const char *range = request_header(req, MHD_HTTP_HEADER_CONTENT_RANGE);
        if (range == NULL)
                return ur; /* a streamed chunk: it goes at the end */
        uint64_t start, end;
        if (!upload_content_range_parse(range, &start, &end) || start != offset) {
                /* spec.md: a chunk out of order is 416; the reply says where to go on from. */
                reply_error(req, MHD_HTTP_RANGE_NOT_SATISFIABLE, "BLOB_UPLOAD_INVALID",
                            "Content-Range \"%s\" does not continue the upload at %" PRIu64, range,
                            offset);
                upload_headers(req, u->id, offset);
                return NULL;
        }
        const char *cl = request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) != end - start + 1) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "SIZE_INVALID",
                            "Content-Length %s does not match Content-Range \"%s\"", cl, range);
                return NULL;
        }
        ur->has_range = true;
        ur->range_end = end + 1;
        return ur;
}

static bool chunk_complete(struct request *req, struct upload_request *ur)
{
        if (ur->has_range && content_ingest_offset(ur->ingest) != ur->range_end) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "SIZE_INVALID",
                            "the chunk is shorter than its Content-Range");
                return false;
        }
        return true;
}

static void patch_finish(struct request *req)
{
        struct upload_request *ur = req->ctx;
        if (!chunk_complete(req, ur))
                return;
        /* The chunk is on disk (or in the page cache) before its 202, so a failure to write
         * it is this request's 500. */
        struct error *err = NULL;
        if (content_ingest_flush(ur->ingest, &err) < 0) {
                ur->drop = true;
                return reply_internal(req, &err);
        }
        reply_empty(req, MHD_HTTP_ACCEPTED);
        upload_headers(req, ur->upload->id, content_ingest_offset(ur->ingest));
}

void upload_patch(struct request *req)
{
        if (!length_allowed(req))
                return;
        if (session_begin(req) == NULL)
                return;
        req->body = upload_body;
        req->finish = patch_finish;
}

static void put_finish(struct request *req)
{
        struct upload_request *ur = req->ctx;
        if (!chunk_complete(req, ur))
                return;
        upload_commit(req);
}

void upload_put(struct request *req)
{
        struct digest digest;
        if (!query_digest(req, "digest", &digest) || !length_allowed(req))
                return;
        struct upload_request *ur = session_begin(req);
        if (ur == NULL)
                return;
        ur->digest = digest;
        req->body = upload_body;
        req->finish = put_finish;
}

void upload_status(struct request *req)
{
        struct upload *u = NULL;
        uint64_t offset = 0;
        enum upload_find found = upload_find(&req->server->uploads, req->route.name,
                                             req->route.reference, false, &u, &offset);
        if (found == UPLOAD_UNKNOWN)
                return reply_error(req, MHD_HTTP_NOT_FOUND, "BLOB_UPLOAD_UNKNOWN",
                                   "blob upload unknown to registry");
        reply_empty(req, MHD_HTTP_NO_CONTENT);
        upload_headers(req, req->route.reference, offset);
}

void upload_cancel(struct request *req)
{
        struct upload_table *t = &req->server->uploads;
        struct upload *gone = NULL;
        bool found = false;
        pthread_mutex_lock(&t->lock);
        for (struct upload *u = t->head; u; u = u->next) {
                if (strcmp(u->id, req->route.reference) != 0 ||
                    strcmp(u->repo, req->route.name) != 0 || u->cancelled)
                        continue;
                found = true;
                if (u->busy) {
                        u->cancelled = true; /* the running request drops it */
                } else {
                        upload_unlink_locked(t, u);
                        gone = u;
                }
                break;
        }
        pthread_mutex_unlock(&t->lock);
        if (gone)
                upload_free(gone);
        if (!found)
                return reply_error(req, MHD_HTTP_NOT_FOUND, "BLOB_UPLOAD_UNKNOWN",
                                   "blob upload unknown to registry");
        reply_empty(req, MHD_HTTP_NO_CONTENT);
}
