/*
 * Manifest endpoints: GET/HEAD/PUT/DELETE of /v2/<name>/manifests/<tag-or-digest> (spec.md
 * "Pulling manifests", "Pushing Manifests", "Deleting Manifests"). A manifest is kept byte for
 * byte in the content store and served in its own media type.
 */
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "image_manifest.h"
#include "media_type.h"
#include "server_internal.h"

/* What a PUT's document says, as far as the registry cares. */
struct manifest_doc {
        char *media_type;
        enum media_kind kind;
        char *artifact_type; /* for the referrers API: artifactType, else config's mediaType */
        struct oci_descriptor *refs;
        size_t n_refs;
        bool *refs_manifests; /* refs[i] is a manifest (index entries) */
        struct oci_descriptor *subject;
        char *annotations; /* JSON text or NULL */
};

static void manifest_doc_release(struct manifest_doc *m)
{
        free(m->media_type);
        free(m->artifact_type);
        for (size_t i = 0; i < m->n_refs; i++)
                oci_descriptor_release(&m->refs[i]);
        free(m->refs);
        free(m->refs_manifests);
        if (m->subject) {
                oci_descriptor_release(m->subject);
                free(m->subject);
        }
        free(m->annotations);
}

static int add_ref(struct manifest_doc *m, json_t *obj, const char *field, bool is_manifest,
                   struct error **err)
{
        m->refs = xrealloc(m->refs, (m->n_refs + 1) * sizeof(*m->refs));
        m->refs_manifests = xrealloc(m->refs_manifests, (m->n_refs + 1) * sizeof(bool));
        if (oci_descriptor_from_json(obj, field, &m->refs[m->n_refs], err) < 0)
                return -1;
        m->refs_manifests[m->n_refs++] = is_manifest;
        return 0;
}

static int add_ref_array(struct manifest_doc *m, json_t *doc, const char *field, bool is_manifest,
                         struct error **err)
{
        json_t *array = json_object_get(doc, field);
        if (!json_is_array(array))
                return error_set(err, 0, "%s: must be an array", field);
        size_t i;
        json_t *item;
        json_array_foreach(array, i, item)
        {
                _cleanup_free_ char *path = xasprintf("%s[%zu]", field, i);
                if (add_ref(m, item, path, is_manifest, err) < 0)
                        return -1;
        }
        return 0;
}

/* A Content-Type that names no manifest type says nothing about the document. */
static bool content_type_generic(const char *type)
{
        enum media_kind kind = media_type_kind(type);
        return type == NULL || (kind != MEDIA_KIND_MANIFEST && kind != MEDIA_KIND_INDEX &&
                                kind != MEDIA_KIND_SCHEMA1);
}

/* Validates DATA as an image manifest or index (OCI or Docker schema 2; artifacts included:
 * any config media type) and collects what it names. Errors are the client's (400). */
static int manifest_doc_read(const char *data, size_t len, const char *content_type,
                             struct manifest_doc *m, struct error **err)
{
        json_error_t jerr;
        json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
        if (doc == NULL)
                return error_set(err, 0, "invalid json at line %d column %d: %s", jerr.line,
                                 jerr.column, jerr.text);
        int rc = -1;
        if (!json_is_object(doc)) {
                error_set(err, 0, "the document is not a json object");
                goto out;
        }
        json_t *version = json_object_get(doc, "schemaVersion");
        if (!json_is_integer(version) || json_integer_value(version) != 2) {
                error_set(err, 0, "schemaVersion must be 2 (docker schema 1 is not supported)");
                goto out;
        }
        json_t *own = json_object_get(doc, "mediaType");
        if (own && !json_is_string(own)) {
                error_set(err, 0, "mediaType must be a string");
                goto out;
        }
        const char *type = json_string_value(own);
        if (type && !content_type_generic(content_type) && !media_type_equal(type, content_type)) {
                /* spec.md "Pushing Manifests": the Content-Type is the document's mediaType. */
                error_set(err, 0, "mediaType \"%s\" does not match the Content-Type \"%s\"", type,
                          content_type);
                goto out;
        }
        if (type == NULL && !content_type_generic(content_type))
                type = content_type;
        if (type == NULL) /* image-spec allows leaving mediaType out: the shape decides */
                type = json_object_get(doc, "manifests") ? MEDIA_TYPE_OCI_INDEX
                                                         : MEDIA_TYPE_OCI_MANIFEST;
        m->media_type = xstrndup(type, strcspn(type, "; \t"));
        m->kind = media_type_kind(m->media_type);
        if (m->kind != MEDIA_KIND_MANIFEST && m->kind != MEDIA_KIND_INDEX) {
                error_set(err, 0, "unsupported manifest media type \"%s\"", m->media_type);
                goto out;
        }
        json_t *artifact = json_object_get(doc, "artifactType");
        if (artifact && !json_is_string(artifact)) {
                error_set(err, 0, "artifactType must be a string");
                goto out;
        }
        if (m->kind == MEDIA_KIND_MANIFEST) {
                if (add_ref(m, json_object_get(doc, "config"), "config", false, err) < 0 ||
                    add_ref_array(m, doc, "layers", false, err) < 0)
                        goto out;
                /* spec.md "Listing Referrers": no artifactType means the config's type. */
                m->artifact_type =
                    xstrdup(artifact ? json_string_value(artifact) : m->refs[0].media_type);
        } else {
                if (add_ref_array(m, doc, "manifests", true, err) < 0)
                        goto out;
                if (artifact)
                        m->artifact_type = xstrdup(json_string_value(artifact));
        }
        json_t *subject = json_object_get(doc, "subject");
        if (subject) {
                m->subject = xcalloc(1, sizeof(*m->subject));
                if (oci_descriptor_from_json(subject, "subject", m->subject, err) < 0)
                        goto out;
        }
        json_t *annotations = json_object_get(doc, "annotations");
        if (annotations) {
                const char *key;
                json_t *value;
                bool strings = json_is_object(annotations);
                json_object_foreach(annotations, key, value) strings =
                    strings && json_is_string(value);
                if (!strings) {
                        error_set(err, 0, "annotations must map strings to strings");
                        goto out;
                }
                m->annotations = json_dumps(annotations, JSON_COMPACT);
        }
        rc = 0;
out:
        json_decref(doc);
        return rc;
}

/* A layer that may live outside the registry: non-distributable media types (image-spec
 * layer.md, Docker's foreign layers) or any descriptor with urls (descriptor.md). */
static bool descriptor_external(const struct oci_descriptor *d)
{
        return strstr(d->media_type, "nondistributable") != NULL ||
               media_type_equal(d->media_type, MEDIA_TYPE_DOCKER_FOREIGN_LAYER) ||
               (d->urls && d->urls[0]);
}

/* Checks every descriptor M names against the repository; errors go into ERRORS (the spec's
 * error objects, MANIFEST_BLOB_UNKNOWN each). Returns -1 on a storage error. */
static int manifest_refs_check(struct request *req, const struct manifest_doc *m, json_t *errors,
                               struct error **err)
{
        struct registry_store *store = req->server->store;
        for (size_t i = 0; i < m->n_refs; i++) {
                const struct oci_descriptor *d = &m->refs[i];
                int64_t size = -1;
                int found;
                if (m->refs_manifests[i]) {
                        struct registry_manifest_record r;
                        found = registry_store_manifest_get(store, req->route.name, &d->digest, &r,
                                                            err);
                        if (found == 1)
                                size = r.size;
                } else if (i > 0 && descriptor_external(d)) {
                        continue;
                } else {
                        found =
                            registry_store_blob_get(store, req->route.name, &d->digest, &size, err);
                }
                if (found < 0)
                        return -1;
                const char *problem = NULL;
                if (found == 0)
                        problem = m->refs_manifests[i] ? "manifest unknown to the repository"
                                                       : "blob unknown to the repository";
                else if (size != d->size)
                        problem = "size does not match the stored content";
                if (problem == NULL)
                        continue;
                json_t *e = json_object();
                json_object_set_new(e, "code", json_string("MANIFEST_BLOB_UNKNOWN"));
                json_object_set_new(e, "message", json_string(problem));
                json_t *detail = json_object();
                json_object_set_new(detail, "digest", json_string(d->digest.text));
                json_object_set_new(e, "detail", detail);
                json_array_append_new(errors, e);
        }
        return 0;
}

/* Stores BYTES under DIGEST in the content store. */
static int store_bytes(struct content_store *content, const struct digest *digest, const char *data,
                       size_t len, struct error **err)
{
        if (content_store_has(content, digest, NULL))
                return 0;
        struct content_ingest *ingest = NULL;
        if (content_ingest_begin_unnamed(content, digest->algorithm, &ingest, err) < 0)
                return -1;
        if (content_ingest_write(ingest, data, len, err) < 0) {
                content_ingest_abort(ingest, false);
                return -1;
        }
        return content_ingest_commit_expected(ingest, digest, err);
}

struct manifest_request {
        struct body_buffer body; /* first: body_buffer_collect finds it at req->ctx */
        bool by_digest;
        struct digest digest; /* by_digest */
};

static void manifest_request_done(struct request *req)
{
        struct manifest_request *mr = req->ctx;
        free(mr->body.data);
        free(mr);
        req->ctx = NULL;
}

/* The tag=… query parameters of a PUT by digest (spec.md end-7b). */
struct tag_list {
        const char **tags;
        size_t n;
        bool invalid;
};
static enum MHD_Result collect_tag(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
        (void)kind;
        struct tag_list *l = cls;
        if (strcmp(key, "tag") != 0)
                return MHD_YES;
        if (value == NULL || !registry_tag_valid(value)) {
                l->invalid = true;
                return MHD_YES;
        }
        l->tags = xrealloc(l->tags, (l->n + 1) * sizeof(*l->tags));
        l->tags[l->n++] = value;
        return MHD_YES;
}

static void manifest_put_finish(struct request *req)
{
        struct manifest_request *mr = req->ctx;
        struct registry_server *s = req->server;
        if (mr->body.too_large)
                return reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
                                   "the manifest is larger than %" PRIu64 " bytes",
                                   s->config->max_manifest_size);
        const char *data = mr->body.data ? mr->body.data : "";
        struct manifest_doc m = {0};
        struct error *err = NULL;
        json_t *errors = NULL;
        struct tag_list extra = {0};
        int gc_lock = -1;
        if (manifest_doc_read(data, mr->body.len, request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE),
                              &m, &err) < 0) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "MANIFEST_INVALID", "%s", err->msg);
                error_free(&err);
                goto out;
        }
        struct digest digest;
        digest_buffer(mr->by_digest ? mr->digest.algorithm : DIGEST_SHA256, data, mr->body.len,
                      &digest);
        if (mr->by_digest && !digest_equal(&digest, &mr->digest)) {
                reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID",
                            "the manifest's digest is %s, not %s", digest.text, mr->digest.text);
                goto out;
        }
        if (mr->by_digest) {
                MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, collect_tag,
                                          &extra);
                if (extra.invalid) {
                        reply_error(req, MHD_HTTP_BAD_REQUEST, "TAG_INVALID", "invalid tag");
                        goto out;
                }
        } else {
                extra.tags = xmalloc(sizeof(*extra.tags));
                extra.tags[0] = req->route.reference;
                extra.n = 1;
        }
        /* From the check of what it references to its record, under the shared GC lock: a
         * collection cannot remove a blob the check found. */
        gc_lock = registry_store_gc_lock(s->store, false, &err);
        if (gc_lock < 0) {
                reply_internal(req, &err);
                goto out;
        }
        errors = json_array();
        if (manifest_refs_check(req, &m, errors, &err) < 0) {
                reply_internal(req, &err);
                goto out;
        }
        if (json_array_size(errors) > 0) {
                json_t *body = json_object();
                json_object_set_new(body, "errors", steal_pointer(&errors));
                reply_json(req, MHD_HTTP_BAD_REQUEST, "application/json", body);
                goto out;
        }
        struct digest *references = xcalloc(m.n_refs + 1, sizeof(*references));
        for (size_t i = 0; i < m.n_refs; i++)
                references[i] = m.refs[i].digest;
        struct registry_manifest_put put = {
            .record.digest = digest,
            .record.size = (int64_t)mr->body.len,
            .subject = m.subject ? &m.subject->digest : NULL,
            .artifact_type = m.artifact_type,
            .annotations = m.annotations,
            .references = references,
            .n_references = m.n_refs,
            .tags = extra.tags,
            .n_tags = extra.n,
        };
        snprintf(put.record.media_type, sizeof(put.record.media_type), "%s", m.media_type);
        /* The bytes first: a row never names content that is not on disk. */
        int rc = store_bytes(s->content, &digest, data, mr->body.len, &err);
        if (rc == 0)
                rc = registry_store_manifest_put(s->store, req->route.name, &put, &err);
        free(references);
        if (rc < 0) {
                reply_internal(req, &err);
                goto out;
        }
        reply_empty(req, MHD_HTTP_CREATED);
        reply_headerf(req, MHD_HTTP_HEADER_LOCATION, "/v2/%s/manifests/%s", req->route.name,
                      digest.text);
        reply_header(req, "Docker-Content-Digest", digest.text);
        if (m.subject)
                reply_header(req, "OCI-Subject", m.subject->digest.text);
        if (mr->by_digest)
                for (size_t i = 0; i < extra.n; i++)
                        reply_header(req, "OCI-Tag", extra.tags[i]);
out:
        registry_store_gc_unlock(gc_lock);
        json_decref(errors);
        free(extra.tags);
        manifest_doc_release(&m);
}

/* The route's reference as a digest (*is_digest) or a tag; false after replying 400. */
static bool route_reference(struct request *req, struct digest *digest, bool *is_digest,
                            bool strict_tag)
{
        const char *ref = req->route.reference;
        *is_digest = strchr(ref, ':') != NULL;
        if (*is_digest) {
                struct error *err = NULL;
                if (digest_parse(ref, digest, &err) < 0) {
                        reply_error(req, MHD_HTTP_BAD_REQUEST, "DIGEST_INVALID", "%s", err->msg);
                        error_free(&err);
                        return false;
                }
                return true;
        }
        if (!registry_tag_valid(ref)) {
                if (strict_tag)
                        reply_error(req, MHD_HTTP_BAD_REQUEST, "TAG_INVALID", "invalid tag \"%s\"",
                                    ref);
                else
                        reply_error(req, MHD_HTTP_NOT_FOUND, "MANIFEST_UNKNOWN",
                                    "manifest unknown to registry");
                return false;
        }
        return true;
}

void manifest_put(struct request *req)
{
        struct digest digest;
        bool by_digest;
        if (!route_reference(req, &digest, &by_digest, true))
                return;
        uint64_t max = req->server->config->max_manifest_size;
        const char *cl = request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > max)
                return reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "SIZE_INVALID",
                                   "the manifest is larger than %" PRIu64 " bytes", max);
        struct manifest_request *mr = xcalloc(1, sizeof(*mr));
        mr->body.max = (size_t)max;
        mr->by_digest = by_digest;
        mr->digest = digest;
        req->ctx = mr;
        req->done = manifest_request_done;
        req->body = body_buffer_collect;
        req->finish = manifest_put_finish;
}

/* Every Accept header of the request, joined with commas. */
static enum MHD_Result join_accept(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
        (void)kind;
        char **joined = cls;
        if (strcasecmp(key, MHD_HTTP_HEADER_ACCEPT) != 0 || value == NULL)
                return MHD_YES;
        char *next = *joined ? xasprintf("%s,%s", *joined, value) : xstrdup(value);
        free(*joined);
        *joined = next;
        return MHD_YES;
}

void manifest_get(struct request *req)
{
        struct digest digest;
        bool by_digest;
        if (!route_reference(req, &digest, &by_digest, false))
                return;
        struct registry_manifest_record r;
        struct error *err = NULL;
        int found = by_digest ? registry_store_manifest_get(req->server->store, req->route.name,
                                                            &digest, &r, &err)
                              : registry_store_tag_get(req->server->store, req->route.name,
                                                       req->route.reference, &r, &err);
        if (found < 0)
                return reply_internal(req, &err);
        if (found == 0)
                return reply_error(req, MHD_HTTP_NOT_FOUND, "MANIFEST_UNKNOWN",
                                   "manifest unknown to registry");
        if (!by_digest) {
                /* A tag is resolved for the types the client says it takes; a digest names the
                 * bytes and is always served (content-negotiation.md, as distribution does). */
                _cleanup_free_ char *accept = NULL;
                MHD_get_connection_values(req->connection, MHD_HEADER_KIND, join_accept, &accept);
                if (!http_accept_allows(accept, r.media_type))
                        return reply_error(req, MHD_HTTP_NOT_FOUND, "MANIFEST_UNKNOWN",
                                           "the manifest is a %s, which the Accept header "
                                           "does not allow",
                                           r.media_type);
        }
        int fd = content_store_open_blob(req->server->content, &r.digest, &err);
        if (fd < 0)
                return reply_internal(req, &err);
        reply_fd(req, MHD_HTTP_OK, r.media_type, fd, 0, (uint64_t)r.size);
        reply_header(req, "Docker-Content-Digest", r.digest.text);
        reply_headerf(req, MHD_HTTP_HEADER_ETAG, "\"%s\"", r.digest.text);
}

void manifest_delete(struct request *req)
{
        struct digest digest;
        bool by_digest;
        if (!route_reference(req, &digest, &by_digest, false))
                return;
        if (!req->server->config->delete_enabled)
                return reply_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "UNSUPPORTED",
                                   "deletion is disabled");
        struct error *err = NULL;
        int found = by_digest ? registry_store_manifest_delete(req->server->store, req->route.name,
                                                               &digest, &err)
                              : registry_store_tag_delete(req->server->store, req->route.name,
                                                          req->route.reference, &err);
        if (found < 0)
                return reply_internal(req, &err);
        if (found == 0)
                return reply_error(req, MHD_HTTP_NOT_FOUND, "MANIFEST_UNKNOWN",
                                   "manifest unknown to registry");
        reply_empty(req, MHD_HTTP_ACCEPTED);
}
