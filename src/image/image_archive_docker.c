/*
 * docker-archive: the tar `docker save` and `podman save` write. manifest.json lists the
 * images: [{"Config": "<hex>.json", "RepoTags": ["name:tag"], "Layers": ["<path>", ...]}];
 * each layer file is a tar (uncompressed as written; docker load also takes compressed ones),
 * so its digest is its diff_id.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "compression.h"
#include "image_archive_internal.h"
#include "image_install.h"
#include "oci/image_reference.h"

#define LAYER_BUFFER_SIZE (1 << 20)

void docker_archive_entries_free(struct docker_archive_entry *entries, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(entries[i].config);
                for (char **p = entries[i].repo_tags; p && *p; p++)
                        free(*p);
                free(entries[i].repo_tags);
                for (size_t k = 0; k < entries[i].n_layers; k++)
                        free(entries[i].layers[k]);
                free(entries[i].layers);
        }
        free(entries);
}

static int parse_entry(json_t *obj, size_t index, struct docker_archive_entry *e,
                       struct error **err)
{
        if (!json_is_object(obj))
                return error_set(err, 0, "manifest.json: [%zu]: not an object", index);
        const char *config = json_string_value(json_object_get(obj, "Config"));
        if (!config || !*config)
                return error_set(err, 0, "manifest.json: [%zu].Config: missing", index);
        e->config = xstrdup(config);
        json_t *tags = json_object_get(obj, "RepoTags");
        if (tags && !json_is_null(tags) && !json_is_array(tags))
                return error_set(err, 0, "manifest.json: [%zu].RepoTags: not an array", index);
        size_t n_tags = json_is_array(tags) ? json_array_size(tags) : 0;
        e->repo_tags = xcalloc(n_tags + 1, sizeof(char *));
        for (size_t i = 0; i < n_tags; i++) {
                const char *t = json_string_value(json_array_get(tags, i));
                if (!t)
                        return error_set(err, 0, "manifest.json: [%zu].RepoTags[%zu]: not a string",
                                         index, i);
                e->repo_tags[i] = xstrdup(t);
        }
        json_t *layers = json_object_get(obj, "Layers");
        if (!json_is_array(layers))
                return error_set(err, 0, "manifest.json: [%zu].Layers: missing", index);
        e->layers = xcalloc(json_array_size(layers) + 1, sizeof(char *));
        for (size_t i = 0; i < json_array_size(layers); i++) {
                const char *l = json_string_value(json_array_get(layers, i));
                if (!l || !*l)
                        return error_set(err, 0, "manifest.json: [%zu].Layers[%zu]: not a path",
                                         index, i);
                e->layers[e->n_layers++] = xstrdup(l);
        }
        return 0;
}

int docker_archive_manifest_parse(const char *data, size_t len, struct docker_archive_entry **out,
                                  size_t *n, struct error **err)
{
        *out = NULL;
        *n = 0;
        json_error_t jerr;
        json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return error_set(err, 0, "manifest.json: %s (line %d)", jerr.text, jerr.line);
        int ret = 0;
        if (!json_is_array(root) || json_array_size(root) == 0)
                ret = error_set(err, 0, "manifest.json: not a list of images");
        size_t count = ret == 0 ? json_array_size(root) : 0;
        struct docker_archive_entry *entries = xcalloc(count ? count : 1, sizeof(*entries));
        for (size_t i = 0; i < count && ret == 0; i++)
                ret = parse_entry(json_array_get(root, i), i, &entries[i], err);
        json_decref(root);
        if (ret < 0) {
                docker_archive_entries_free(entries, count);
                return -1;
        }
        *out = entries;
        *n = count;
        return 0;
}

/* --- save --- */

/* The uncompressed size of a stored layer: its blob size, or the length of its decompressed
 * stream (a first pass: a tar header states the size before the data). */
static int layer_tar_size(struct image_store *store, const struct oci_descriptor *layer,
                          enum layer_compression compression, int64_t *size, unsigned char *buf,
                          struct error **err)
{
        if (compression == LAYER_COMPRESSION_NONE) {
                if (!content_store_has(store->content, &layer->digest, size))
                        return error_set(err, 0, "blob %s not found", layer->digest.text);
                return 0;
        }
        _cleanup_close_ int fd = content_store_open_blob(store->content, &layer->digest, err);
        if (fd < 0)
                return -1;
        struct decompress_reader *r = decompress_reader_new(fd, compression);
        int64_t total = 0;
        for (;;) {
                ssize_t got = decompress_reader_read(r, buf, LAYER_BUFFER_SIZE, err);
                if (got < 0) {
                        decompress_reader_free(r);
                        return error_wrap(err, "layer %s", layer->digest.text);
                }
                if (got == 0)
                        break;
                total += got;
        }
        decompress_reader_free(r);
        *size = total;
        return 0;
}

/* Writes one layer as an uncompressed tar, checking on the way that it is DIFF_ID. */
static int put_layer(struct archive *a, struct image_store *store, const char *path,
                     const struct oci_descriptor *layer, const struct digest *diff_id,
                     struct error **err)
{
        enum layer_compression compression;
        if (!media_type_layer_compression(layer->media_type, &compression))
                return error_set(err, 0, "layer %s: unsupported media type %s", layer->digest.text,
                                 layer->media_type);
        _cleanup_free_ unsigned char *buf = xmalloc(LAYER_BUFFER_SIZE);
        int64_t size;
        if (layer_tar_size(store, layer, compression, &size, buf, err) < 0)
                return -1;
        _cleanup_close_ int fd = content_store_open_blob(store->content, &layer->digest, err);
        if (fd < 0)
                return -1;
        if (archive_put_header(a, path, size, err) < 0)
                return -1;
        struct decompress_reader *r = decompress_reader_new(fd, compression);
        struct digester *hash = digester_new(diff_id->algorithm);
        int64_t written = 0;
        int ret = 0;
        for (;;) {
                ssize_t got = decompress_reader_read(r, buf, LAYER_BUFFER_SIZE, err);
                if (got < 0) {
                        ret = error_wrap(err, "layer %s", layer->digest.text);
                        break;
                }
                if (got == 0)
                        break;
                if (written + got > size) {
                        ret = error_set(err, 0, "layer %s: changed while being saved",
                                        layer->digest.text);
                        break;
                }
                digester_update(hash, buf, (size_t)got);
                written += got;
                if ((ret = archive_put_data(a, buf, (size_t)got, err)) < 0)
                        break;
        }
        decompress_reader_free(r);
        struct digest actual;
        digester_final(hash, &actual);
        digester_free(hash);
        if (ret == 0 && written != size)
                ret = error_set(err, 0, "layer %s: changed while being saved", layer->digest.text);
        if (ret == 0 && !digest_equal(&actual, diff_id))
                ret = error_set(err, 0, "layer %s: uncompressed digest %s is not its diff_id %s",
                                layer->digest.text, actual.text, diff_id->text);
        return ret;
}

struct path_set {
        char **paths;
        size_t n;
};

static bool path_set_add(struct path_set *set, const char *path)
{
        for (size_t i = 0; i < set->n; i++)
                if (strcmp(set->paths[i], path) == 0)
                        return false;
        set->paths = xrealloc(set->paths, (set->n + 1) * sizeof(char *));
        set->paths[set->n++] = xstrdup(path);
        return true;
}

static int save_image(struct archive *a, struct image_store *store, struct path_set *written,
                      const struct image_archive_image *image, json_t *manifest_json,
                      json_t *repositories, struct error **err)
{
        struct oci_manifest m = {0};
        struct oci_image_config config = {0};
        if (image_archive_read_image(store, &image->id, &m, &config, err) < 0)
                return -1;
        int ret = 0;
        json_t *layers = json_array();
        if (config.n_diff_ids != m.n_layers)
                ret = error_set(err, 0, "image %s: %zu layers but %zu diff_ids", image->id.text,
                                m.n_layers, config.n_diff_ids);
        _cleanup_free_ char *config_path = xasprintf("%s.json", digest_hex(&m.config.digest));
        if (ret == 0 && path_set_add(written, config_path))
                ret = archive_put_blob(a, store, config_path, &m.config.digest, err);
        const char *top = NULL;
        for (size_t i = 0; i < m.n_layers && ret == 0; i++) {
                _cleanup_free_ char *path = xasprintf("%s.tar", digest_hex(&config.diff_ids[i]));
                if (path_set_add(written, path))
                        ret = put_layer(a, store, path, &m.layers[i], &config.diff_ids[i], err);
                json_array_append_new(layers, json_string(path));
                top = digest_hex(&config.diff_ids[i]);
        }
        if (ret == 0) {
                json_t *tags = json_array();
                for (size_t i = 0; i < image->n_names; i++) {
                        json_array_append_new(tags, json_string(image->names[i]));
                        /* repositories: {"repo": {"tag": "<top layer id>"}}, for old readers. */
                        const char *name = image->names[i];
                        const char *colon = strrchr(name, ':');
                        if (!colon || strchr(colon, '/') || !top)
                                continue;
                        _cleanup_free_ char *repo = xstrndup(name, (size_t)(colon - name));
                        json_t *tags_of = json_object_get(repositories, repo);
                        if (!tags_of) {
                                tags_of = json_object();
                                json_object_set_new(repositories, repo, tags_of);
                        }
                        json_object_set_new(tags_of, colon + 1, json_string(top));
                }
                json_array_append_new(manifest_json,
                                      json_pack("{s:s, s:o, s:O}", "Config", config_path,
                                                "RepoTags", image->n_names ? tags : json_null(),
                                                "Layers", layers));
                if (!image->n_names)
                        json_decref(tags);
        }
        json_decref(layers);
        oci_manifest_release(&m);
        oci_image_config_release(&config);
        if (ret < 0)
                error_wrap(err, "saving image %s", image->id.text);
        return ret;
}

int image_archive_docker_save(struct image_store *store, const struct image_archive_image *images,
                              size_t n_images, struct archive *a, struct error **err)
{
        struct path_set written = {0};
        json_t *manifest_json = json_array();
        json_t *repositories = json_object();
        int ret = 0;
        for (size_t i = 0; i < n_images && ret == 0; i++)
                ret = save_image(a, store, &written, &images[i], manifest_json, repositories, err);
        if (ret == 0) {
                _cleanup_free_ char *text = json_dumps(manifest_json, JSON_COMPACT);
                ret = archive_put_buffer(a, "manifest.json", text, strlen(text), err);
        }
        if (ret == 0) {
                _cleanup_free_ char *text = json_dumps(repositories, JSON_COMPACT);
                ret = archive_put_buffer(a, "repositories", text, strlen(text), err);
        }
        json_decref(manifest_json);
        json_decref(repositories);
        for (size_t i = 0; i < written.n; i++)
                free(written.paths[i]);
        free(written.paths);
        return ret;
}

/* --- load --- */

static const struct archive_file *find_file(const struct archive_contents *c, const char *path,
                                            const char *what, struct error **err)
{
        _cleanup_free_ char *clean = image_archive_clean_path(path, err);
        if (!clean) {
                error_wrap(err, "manifest.json: %s", what);
                return NULL;
        }
        const struct archive_file *f = archive_contents_find(c, clean);
        if (!f)
                error_set(err, 0, "manifest.json: %s %s is missing from the archive", what, path);
        return f;
}

static const char *layer_media_type(enum layer_compression compression)
{
        switch (compression) {
        case LAYER_COMPRESSION_GZIP:
                return MEDIA_TYPE_OCI_LAYER_GZIP;
        case LAYER_COMPRESSION_ZSTD:
                return MEDIA_TYPE_OCI_LAYER_ZSTD;
        case LAYER_COMPRESSION_NONE:
                break;
        }
        return MEDIA_TYPE_OCI_LAYER;
}

/* Checks one manifest.json entry and stores the OCI manifest berth makes for it. */
static int plan_entry(struct image_store *store, const struct archive_contents *c,
                      const struct docker_archive_entry *e, struct digest *manifest_digest,
                      struct error **err)
{
        const struct archive_file *config_file = find_file(c, e->config, "config", err);
        if (!config_file)
                return -1;
        size_t len;
        _cleanup_free_ char *data =
            content_store_read_blob(store->content, &config_file->digest, 16 << 20, &len, err);
        if (!data)
                return -1;
        struct oci_image_config config = {0};
        if (oci_image_config_parse(data, len, &config, err) < 0)
                return error_wrap(err, "config %s", e->config);
        int ret = 0;
        if (config.n_diff_ids != e->n_layers)
                ret = error_set(err, 0, "config %s: %zu diff_ids for %zu layers", e->config,
                                config.n_diff_ids, e->n_layers);
        json_t *layers = json_array();
        for (size_t i = 0; i < e->n_layers && ret == 0; i++) {
                const struct archive_file *f = find_file(c, e->layers[i], "layer", err);
                if (!f) {
                        ret = -1;
                        break;
                }
                /* An uncompressed layer is its own diff_id; a compressed one is checked when
                 * install unpacks it. */
                if (f->compression == LAYER_COMPRESSION_NONE &&
                    !digest_equal(&f->digest, &config.diff_ids[i])) {
                        ret = error_set(err, 0,
                                        "layer %s: digest %s does not match the config's "
                                        "diff_id %s",
                                        e->layers[i], f->digest.text, config.diff_ids[i].text);
                        break;
                }
                json_array_append_new(layers,
                                      json_pack("{s:s, s:s, s:I}", "mediaType",
                                                layer_media_type(f->compression), "digest",
                                                f->digest.text, "size", (json_int_t)f->size));
        }
        oci_image_config_release(&config);
        if (ret < 0) {
                json_decref(layers);
                return -1;
        }
        json_t *manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2,
                                     "mediaType", MEDIA_TYPE_OCI_MANIFEST, "config", "mediaType",
                                     MEDIA_TYPE_OCI_CONFIG, "digest", config_file->digest.text,
                                     "size", (json_int_t)len, "layers", layers);
        _cleanup_free_ char *text = json_dumps(manifest, JSON_COMPACT);
        json_decref(manifest);
        return content_store_put(store->content, text, strlen(text), manifest_digest, err);
}

int image_archive_docker_load(struct image_store *store, const struct archive_contents *c,
                              struct image_archive_loaded **out, size_t *n, struct error **err)
{
        struct docker_archive_entry *entries;
        size_t n_entries;
        if (docker_archive_manifest_parse(c->manifest_json, c->manifest_len, &entries, &n_entries,
                                          err) < 0)
                return -1;
        struct digest *manifests = xcalloc(n_entries, sizeof(*manifests));
        char ***names = xcalloc(n_entries, sizeof(*names));
        int ret = 0;
        /* Everything is checked before the first image is recorded. */
        for (size_t i = 0; i < n_entries && ret == 0; i++) {
                ret = plan_entry(store, c, &entries[i], &manifests[i], err);
                size_t k = 0;
                while (entries[i].repo_tags[k])
                        k++;
                names[i] = xcalloc(k + 1, sizeof(char *));
                for (size_t t = 0; t < k && ret == 0; t++) {
                        struct image_reference ref = {0};
                        if (image_reference_parse(entries[i].repo_tags[t], &ref, err) < 0) {
                                ret = error_wrap(err, "manifest.json: RepoTags");
                                break;
                        }
                        names[i][t] = image_reference_format(&ref);
                        image_reference_release(&ref);
                }
        }
        for (size_t i = 0; i < n_entries && ret == 0; i++) {
                struct image_install_request request = {
                    .manifest_digest = &manifests[i],
                    .manifest_media_type = MEDIA_TYPE_OCI_MANIFEST,
                    .name = names[i][0],
                };
                struct digest id;
                if ((ret = image_install(store, &request, &id, err)) < 0)
                        break;
                image_archive_loaded_add(out, n, &id, names[i][0]);
                for (size_t t = 1; names[i][0] && names[i][t] && ret == 0; t++) {
                        ret = image_db_add_name(store->db, &id, names[i][t], err);
                        image_archive_loaded_add(out, n, &id, names[i][t]);
                }
        }
        for (size_t i = 0; i < n_entries; i++) {
                for (char **p = names[i]; p && *p; p++)
                        free(*p);
                free(names[i]);
        }
        free(names);
        free(manifests);
        docker_archive_entries_free(entries, n_entries);
        return ret;
}
