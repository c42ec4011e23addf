/* `berth push` (see image_push.h). */
#include "image_push.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "compression.h"
#include "oci/image_manifest.h"
#include "oci/media_type.h"

#define MANIFEST_MAX (4u << 20)

static void report_start(const struct image_push_options *o, int slot, const char *kind,
                         const struct digest *d, int64_t size, bool skipped)
{
        if (o->events.blob_start)
                o->events.blob_start(o->events.ctx, slot, kind, d, size, skipped);
}

static void report_done(const struct image_push_options *o, int slot)
{
        if (o->events.blob_done)
                o->events.blob_done(o->events.ctx, slot);
}

/* Stores a copy of layer BLOB recompressed as TO; *out gets its digest and *size its size. */
static int recompress_layer(struct image_store *store, const struct digest *blob,
                            enum layer_compression from, enum layer_compression to,
                            struct digest *out, int64_t *size, struct error **err)
{
        _cleanup_close_ int in = content_store_open_blob(store->content, blob, err);
        if (in < 0)
                return -1;
        _cleanup_close_ int tmp = open(store->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (tmp < 0)
                return error_set(err, errno, "temporary file in %s", store->root);
        struct decompress_reader *reader = decompress_reader_new(in, from);
        struct compress_writer *writer = compress_writer_new(tmp, to, 0);
        _cleanup_free_ char *buf = xmalloc(1u << 20);
        int ret = 0;
        for (;;) {
                ssize_t n = decompress_reader_read(reader, buf, 1u << 20, err);
                if (n < 0 || (n > 0 && compress_writer_write(writer, buf, (size_t)n, err) < 0)) {
                        ret = -1;
                        break;
                }
                if (n == 0)
                        break;
        }
        if (ret == 0)
                ret = compress_writer_finish(writer, err);
        compress_writer_free(writer);
        decompress_reader_free(reader);
        if (ret < 0)
                return error_wrap(err, "recompress layer %s", blob->text);
        if (lseek(tmp, 0, SEEK_SET) < 0)
                return error_set(err, errno, "rewind");
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        if (content_ingest_begin(store->content, NULL, -1, &ingest, &status, err) < 0)
                return -1;
        int64_t total = 0;
        for (;;) {
                ssize_t n = read(tmp, buf, 1u << 20);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        content_ingest_abort(ingest, false);
                        return error_set(err, errno, "read recompressed layer");
                }
                if (n == 0)
                        break;
                if (content_ingest_write(ingest, buf, (size_t)n, err) < 0) {
                        content_ingest_abort(ingest, false);
                        return -1;
                }
                total += n;
        }
        if (content_ingest_commit(ingest, out, err) < 0)
                return -1;
        *size = total;
        return 0;
}

/* Where the image came from on DEST's registry, to mount blobs from: a repo digest
 * "domain/path@..." with the same domain and another path. Newly allocated, or NULL. */
static char *mount_source(const struct image_record *record, const struct image_reference *dest)
{
        size_t dlen = strlen(dest->domain);
        for (char **rd = record->repo_digests; rd && *rd; rd++) {
                if (strncmp(*rd, dest->domain, dlen) != 0 || (*rd)[dlen] != '/')
                        continue;
                const char *path = *rd + dlen + 1;
                const char *at = strchr(path, '@');
                if (!at)
                        continue;
                if ((size_t)(at - path) == strlen(dest->path) &&
                    strncmp(path, dest->path, (size_t)(at - path)) == 0)
                        continue;
                return xstrndup(path, (size_t)(at - path));
        }
        return NULL;
}

static int push_blob(struct image_store *store, struct registry_client *client,
                     const struct image_push_options *o, const char *from, int slot,
                     const char *kind, const struct digest *d, int64_t size, struct error **err)
{
        int exists = registry_blob_exists(client, d, NULL, err);
        if (exists < 0)
                return -1;
        if (exists) {
                report_start(o, slot, kind, d, size, true);
                return 0;
        }
        report_start(o, slot, kind, d, size, false);
        if (from) {
                bool mounted = false;
                if (registry_mount_blob(client, d, from, &mounted, err) < 0)
                        return -1;
                if (mounted) {
                        report_done(o, slot);
                        return 0;
                }
        }
        _cleanup_close_ int fd = content_store_open_blob(store->content, d, err);
        if (fd < 0)
                return -1;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set(err, errno, "stat blob %s", d->text);
        if (registry_push_blob(client, d, fd, (uint64_t)st.st_size, o->chunk_size, err) < 0)
                return error_wrap(err, "%s %s", kind, d->text);
        report_done(o, slot);
        return 0;
}

/* The manifest with layer I replaced by (DIGEST, SIZE, MEDIA_TYPE), as new JSON text. */
static void manifest_replace_layer(json_t *doc, size_t i, const struct digest *digest, int64_t size,
                                   const char *media_type)
{
        json_t *layer = json_array_get(json_object_get(doc, "layers"), i);
        json_object_set_new(layer, "digest", json_string(digest->text));
        json_object_set_new(layer, "size", json_integer(size));
        json_object_set_new(layer, "mediaType", json_string(media_type));
}

int image_push(struct image_store *store, const struct image_record *record,
               const struct image_reference *dest, const struct image_push_options *options,
               struct digest *manifest_digest, struct error **err)
{
        size_t len;
        _cleanup_free_ char *text = content_store_read_blob(
            store->content, &record->manifest_digest, MANIFEST_MAX, &len, err);
        if (!text)
                return -1;
        struct oci_manifest manifest = {0};
        if (oci_manifest_parse(text, len, record->manifest_media_type, &manifest, err) < 0)
                return -1;
        struct registry_client *client = NULL;
        _cleanup_free_ char *from = mount_source(record, dest);
        _cleanup_free_ char *body = NULL;
        json_t *doc = NULL;
        int ret = -1;
        if (registry_client_new(dest->domain, dest->path, &options->registry, &client, err) < 0)
                goto out;
        for (size_t i = 0; i < manifest.n_layers; i++) {
                struct oci_descriptor *layer = &manifest.layers[i];
                enum layer_compression have;
                if (!media_type_layer_compression(layer->media_type, &have)) {
                        error_set(err, 0, "layer %s: unsupported media type %s", layer->digest.text,
                                  layer->media_type);
                        goto out;
                }
                /* Uncompressed layers travel gzipped unless told otherwise, as podman and
                 * skopeo send them. */
                enum layer_compression want =
                    options->recompress
                        ? options->compression
                        : (have == LAYER_COMPRESSION_NONE ? LAYER_COMPRESSION_GZIP : have);
                if (want != have) {
                        struct digest d;
                        int64_t size = 0;
                        if (recompress_layer(store, &layer->digest, have, want, &d, &size, err) < 0)
                                goto out;
                        if (!doc)
                                doc = json_deep_copy(manifest.json);
                        manifest_replace_layer(doc, i, &d, size,
                                               media_type_layer_for(manifest.media_type, want));
                        layer->digest = d;
                        layer->size = size;
                }
                if (push_blob(store, client, options, from, (int)i, "blob", &layer->digest,
                              layer->size, err) < 0)
                        goto out;
        }
        if (push_blob(store, client, options, from, (int)manifest.n_layers, "config",
                      &manifest.config.digest, manifest.config.size, err) < 0)
                goto out;
        const char *to_send = text;
        size_t send_len = len;
        if (doc) {
                body = json_dumps(doc, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
                to_send = body;
                send_len = strlen(body);
        }
        const char *reference = dest->tag ? dest->tag : dest->digest;
        if (registry_put_manifest(client, reference, to_send, send_len, manifest.media_type, err) <
            0)
                goto out;
        if (manifest_digest)
                digest_buffer(DIGEST_SHA256, to_send, send_len, manifest_digest);
        ret = 0;
out:
        json_decref(doc);
        registry_client_free(client);
        oci_manifest_release(&manifest);
        if (ret < 0) {
                _cleanup_free_ char *name = image_reference_format(dest);
                return error_wrap(err, "push %s", name);
        }
        return 0;
}
