/* Unpacks what an image still lacks and records it (see image_install.h). */
#include "image_install.h"

#include <jansson.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "layer_unpack.h"
#include "oci/media_type.h"

/* Manifests and configs are small documents; anything bigger is not an image we want to parse. */
#define MANIFEST_MAX (4u << 20)
#define CONFIG_MAX   (32u << 20)

int image_install_layer(struct image_store *store, const struct digest *blob,
                        enum layer_compression compression, const struct digest *diff_id,
                        const struct digest *chain_id, const struct digest *parent_chain_id,
                        struct error **err)
{
        struct layer_write *w = NULL;
        if (layer_write_begin(store->layers, chain_id, &w, err) < 0)
                return -1;
        if (!w)
                return 0; /* another process unpacked it meanwhile */
        _cleanup_close_ int fd = content_store_open_blob(store->content, blob, err);
        if (fd < 0) {
                layer_write_abort(w);
                return -1;
        }
        struct layer_unpack_options options = {.rootless = geteuid() != 0};
        struct layer_unpack_result result;
        if (layer_unpack(fd, compression, layer_write_dirfd(w), &options, &result, err) < 0) {
                layer_write_abort(w);
                return error_wrap(err, "unpack layer %s", blob->text);
        }
        if (!digest_equal(&result.diff_id, diff_id)) {
                layer_write_abort(w);
                return error_set(err, 0,
                                 "layer %s: uncompressed digest %s does not match the image "
                                 "config's diff_id %s",
                                 blob->text, result.diff_id.text, diff_id->text);
        }
        return layer_write_commit(w, diff_id, parent_chain_id, result.uncompressed_size, err);
}

int64_t image_layer_size(const struct image_store *store, const struct digest *chain_id)
{
        _cleanup_free_ char *dir = layer_store_path(store->layers, chain_id);
        _cleanup_free_ char *path = xasprintf("%s.json", dir);
        json_t *record = json_load_file(path, 0, NULL);
        int64_t size = record ? json_integer_value(json_object_get(record, "size")) : 0;
        json_decref(record);
        return size;
}

/* config.md: "created" is an RFC 3339 date-time; fractions and offsets are allowed. */
static int64_t parse_created(const char *text)
{
        if (!text)
                return 0;
        struct tm tm = {0};
        const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!rest)
                return 0;
        int64_t seconds = timegm(&tm);
        if (*rest == '.')
                for (rest++; *rest >= '0' && *rest <= '9'; rest++)
                        ;
        if (*rest == '+' || *rest == '-') {
                int hours = 0, minutes = 0;
                if (sscanf(rest + 1, "%d:%d", &hours, &minutes) == 2) {
                        int64_t offset = hours * 3600 + minutes * 60;
                        seconds += *rest == '+' ? -offset : offset;
                }
        }
        return seconds;
}

static int record_image(struct image_store *store, const struct image_install_request *request,
                        struct image_record *record, struct error **err)
{
        if (image_db_begin(store->db, err) < 0)
                return -1;
        if (image_db_put(store->db, record, err) < 0)
                goto fail;
        if (request->name && image_db_add_name(store->db, &record->id, request->name, err) < 0)
                goto fail;
        if (request->repo_digest &&
            image_db_add_repo_digest(store->db, &record->id, request->repo_digest, err) < 0)
                goto fail;
        if (image_db_commit(store->db, err) < 0)
                goto fail;
        return 0;
fail:
        image_db_rollback(store->db);
        return error_wrap(err, "record image %s", record->id.text);
}

int image_load_config(struct image_store *store, const struct oci_manifest *manifest,
                      struct oci_image_config *config, struct digest **chain_ids,
                      struct error **err)
{
        size_t len;
        _cleanup_free_ char *text = content_store_read_blob(
            store->content, &manifest->config.digest, CONFIG_MAX, &len, err);
        if (!text || oci_image_config_parse(text, len, config, err) < 0)
                return error_wrap(err, "%s", manifest->config.digest.text);
        if (config->n_diff_ids != manifest->n_layers) {
                oci_image_config_release(config);
                return error_set(err, 0,
                                 "image %s: the manifest has %zu layers but the config %zu "
                                 "diff_ids",
                                 manifest->config.digest.text, manifest->n_layers,
                                 config->n_diff_ids);
        }
        *chain_ids = xcalloc(manifest->n_layers + 1, sizeof(**chain_ids));
        oci_chain_ids(config->diff_ids, config->n_diff_ids, *chain_ids);
        return 0;
}

int image_install(struct image_store *store, const struct image_install_request *request,
                  struct digest *image_id, struct error **err)
{
        size_t len;
        _cleanup_free_ char *manifest_text = content_store_read_blob(
            store->content, request->manifest_digest, MANIFEST_MAX, &len, err);
        if (!manifest_text)
                return error_wrap(err, "manifest");
        struct oci_manifest manifest = {0};
        if (oci_manifest_parse(manifest_text, len, request->manifest_media_type, &manifest, err) <
            0)
                return error_wrap(err, "%s", request->manifest_digest->text);

        int ret = -1;
        struct oci_image_config config = {0};
        struct digest *chain_ids = NULL;
        struct image_record record = {0};
        if (image_load_config(store, &manifest, &config, &chain_ids, err) < 0)
                goto out;

        int64_t size = 0;
        for (size_t i = 0; i < manifest.n_layers; i++) {
                const struct oci_descriptor *layer = &manifest.layers[i];
                enum layer_compression compression;
                if (!media_type_layer_compression(layer->media_type, &compression)) {
                        error_set(err, 0, "layer %s: unsupported media type %s", layer->digest.text,
                                  layer->media_type);
                        goto out;
                }
                if (!layer_store_has(store->layers, &chain_ids[i]) &&
                    image_install_layer(store, &layer->digest, compression, &config.diff_ids[i],
                                        &chain_ids[i], i ? &chain_ids[i - 1] : NULL, err) < 0)
                        goto out;
                size += image_layer_size(store, &chain_ids[i]);
        }

        record.id = manifest.config.digest;
        record.manifest_digest = *request->manifest_digest;
        record.manifest_media_type = manifest.media_type;
        record.architecture = config.architecture;
        record.os = config.os;
        record.created = parse_created(config.created);
        record.size = size;
        record.stored_at = time(NULL);
        record.chain_ids = chain_ids;
        record.n_layers = manifest.n_layers;
        record.blobs = xcalloc(manifest.n_layers + 3, sizeof(*record.blobs));
        if (request->index_digest)
                record.blobs[record.n_blobs++] = *request->index_digest;
        record.blobs[record.n_blobs++] = *request->manifest_digest;
        record.blobs[record.n_blobs++] = manifest.config.digest;
        for (size_t i = 0; i < manifest.n_layers; i++)
                record.blobs[record.n_blobs++] = manifest.layers[i].digest;
        if (record_image(store, request, &record, err) < 0)
                goto out;
        if (image_id)
                *image_id = record.id;
        ret = 0;
out:
        free(record.blobs);
        free(chain_ids);
        oci_image_config_release(&config);
        oci_manifest_release(&manifest);
        return ret;
}
