/* The OCI image layout as a tar (image-spec image-layout.md): save and load. */
#include <string.h>

#include "base/alloc.h"
#include "image_archive_internal.h"
#include "image_install.h"
#include "oci/image_reference.h"

#define ANNOTATION_REF_NAME        "org.opencontainers.image.ref.name"
#define ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"
#define OCI_LAYOUT_FILE            "{\"imageLayoutVersion\":\"1.0.0\"}"

struct written_set {
        struct digest *digests;
        size_t n;
};

static bool written_add(struct written_set *set, const struct digest *d)
{
        for (size_t i = 0; i < set->n; i++)
                if (digest_equal(&set->digests[i], d))
                        return false;
        set->digests = xrealloc(set->digests, (set->n + 1) * sizeof(*set->digests));
        set->digests[set->n++] = *d;
        return true;
}

static int put_blob_once(struct archive *a, struct image_store *store, struct written_set *set,
                         const struct digest *d, struct error **err)
{
        if (!written_add(set, d))
                return 0;
        _cleanup_free_ char *path =
            xasprintf("blobs/%s/%s", digest_algorithm_name(d->algorithm), digest_hex(d));
        return archive_put_blob(a, store, path, d, err);
}

static json_t *index_entry(const struct digest *manifest_digest, const char *media_type,
                           int64_t size, const char *name)
{
        json_t *entry = json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest",
                                  manifest_digest->text, "size", (json_int_t)size);
        if (name)
                json_object_set_new(entry, "annotations",
                                    json_pack("{s:s, s:s}", ANNOTATION_REF_NAME, name,
                                              ANNOTATION_CONTAINERD_NAME, name));
        return entry;
}

/* Saves one image: its manifest, config and layer blobs as stored; index.json entries for it. */
static int save_image(struct archive *a, struct image_store *store, struct written_set *set,
                      const struct image_archive_image *image, json_t *manifests,
                      struct error **err)
{
        struct image_record record = {0};
        int found = image_db_get(store->db, &image->id, &record, err);
        if (found <= 0)
                return found == 0 ? error_set(err, 0, "image %s not known", image->id.text) : -1;
        struct oci_manifest manifest = {0};
        size_t len;
        int ret = -1;
        _cleanup_free_ char *data =
            content_store_read_blob(store->content, &record.manifest_digest, 16 << 20, &len, err);
        if (!data || oci_manifest_parse(data, len, record.manifest_media_type, &manifest, err) < 0)
                goto out;
        if (put_blob_once(a, store, set, &manifest.config.digest, err) < 0)
                goto out;
        for (size_t i = 0; i < manifest.n_layers; i++)
                if (put_blob_once(a, store, set, &manifest.layers[i].digest, err) < 0)
                        goto out;
        if (put_blob_once(a, store, set, &record.manifest_digest, err) < 0)
                goto out;
        const char *media_type =
            manifest.media_type ? manifest.media_type : MEDIA_TYPE_OCI_MANIFEST;
        if (image->n_names == 0)
                json_array_append_new(manifests, index_entry(&record.manifest_digest, media_type,
                                                             (int64_t)len, NULL));
        for (size_t i = 0; i < image->n_names; i++)
                json_array_append_new(manifests, index_entry(&record.manifest_digest, media_type,
                                                             (int64_t)len, image->names[i]));
        ret = 0;
out:
        oci_manifest_release(&manifest);
        image_record_release(&record);
        if (ret < 0)
                error_wrap(err, "saving image %s", image->id.text);
        return ret;
}

int image_archive_oci_save(struct image_store *store, const struct image_archive_image *images,
                           size_t n_images, struct archive *a, struct error **err)
{
        if (archive_put_buffer(a, "oci-layout", OCI_LAYOUT_FILE, strlen(OCI_LAYOUT_FILE), err) < 0)
                return -1;
        struct written_set set = {0};
        json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
                                  MEDIA_TYPE_OCI_INDEX, "manifests");
        int ret = 0;
        for (size_t i = 0; i < n_images && ret == 0; i++)
                ret = save_image(a, store, &set, &images[i], json_object_get(index, "manifests"),
                                 err);
        if (ret == 0) {
                _cleanup_free_ char *text = json_dumps(index, JSON_COMPACT);
                ret = archive_put_buffer(a, "index.json", text, strlen(text), err);
        }
        json_decref(index);
        free(set.digests);
        return ret;
}

/* The name an index entry gives its image: containerd's annotation, else ref.name when it is a
 * whole reference (podman writes "docker.io/library/busybox:latest"; a bare tag such as
 * "latest", as containerd writes it, names no repository and is ignored). NULL when none. */
static char *entry_name(const struct oci_descriptor *d, struct error **err)
{
        if (!d->annotations)
                return NULL;
        const char *name =
            json_string_value(json_object_get(d->annotations, ANNOTATION_CONTAINERD_NAME));
        if (!name) {
                name = json_string_value(json_object_get(d->annotations, ANNOTATION_REF_NAME));
                if (name && !strchr(name, '/') && !strchr(name, ':'))
                        name = NULL;
        }
        if (!name)
                return NULL;
        struct image_reference ref = {0};
        if (image_reference_parse(name, &ref, err) < 0) {
                error_wrap(err, "index.json");
                return (char *)-1;
        }
        char *full = image_reference_format(&ref);
        image_reference_release(&ref);
        return full;
}

static int require_blob(const struct archive_contents *c, const struct digest *d, const char *what,
                        struct error **err)
{
        if (!archive_contents_has_digest(c, d))
                return error_set(err, 0, "%s %s is missing from the archive", what, d->text);
        return 0;
}

/* What one index.json entry will install. */
struct oci_plan {
        struct digest manifest_digest;
        char *manifest_media_type;
        struct digest index_digest;
        bool has_index;
        char *name;
};

/* Checks an index.json entry before anything is installed: its documents parse and every blob
 * it needs came in the archive. */
static int plan_entry(struct image_store *store, const struct archive_contents *c,
                      const struct oci_descriptor *d, struct oci_plan *plan, struct error **err)
{
        if (require_blob(c, &d->digest, "manifest", err) < 0)
                return -1;
        size_t len;
        _cleanup_free_ char *data =
            content_store_read_blob(store->content, &d->digest, 16 << 20, &len, err);
        if (!data)
                return -1;
        int kind = oci_document_kind(data, len, d->media_type);
        struct oci_descriptor chosen = *d;
        _cleanup_free_ char *manifest_data = NULL;
        struct oci_index ix = {0};
        if (kind == MEDIA_KIND_INDEX) {
                if (oci_index_parse(data, len, d->media_type, &ix, err) < 0)
                        return error_wrap(err, "index %s", d->digest.text);
                struct oci_platform host = {0};
                oci_platform_host(&host);
                int i = oci_index_select(&ix, &host, err);
                oci_platform_release(&host);
                if (i < 0) {
                        oci_index_release(&ix);
                        return error_wrap(err, "index %s", d->digest.text);
                }
                chosen = ix.manifests[i];
                plan->index_digest = d->digest;
                plan->has_index = true;
                if (require_blob(c, &chosen.digest, "manifest", err) < 0) {
                        oci_index_release(&ix);
                        return -1;
                }
                manifest_data =
                    content_store_read_blob(store->content, &chosen.digest, 16 << 20, &len, err);
                if (!manifest_data) {
                        oci_index_release(&ix);
                        return -1;
                }
        } else if (kind != MEDIA_KIND_MANIFEST) {
                return error_set(err, 0, "index.json: %s is not an image manifest or index",
                                 d->digest.text);
        }
        struct oci_manifest m = {0};
        const char *text = manifest_data ? manifest_data : data;
        int ret = oci_manifest_parse(text, len, chosen.media_type, &m, err);
        plan->manifest_digest = chosen.digest;
        oci_index_release(&ix);
        if (ret < 0)
                return error_wrap(err, "manifest %s", plan->manifest_digest.text);
        plan->manifest_media_type = xstrdup(m.media_type ? m.media_type : MEDIA_TYPE_OCI_MANIFEST);
        ret = require_blob(c, &m.config.digest, "config", err);
        for (size_t i = 0; i < m.n_layers && ret == 0; i++)
                ret = require_blob(c, &m.layers[i].digest, "layer", err);
        oci_manifest_release(&m);
        if (ret < 0)
                return error_wrap(err, "manifest %s", plan->manifest_digest.text);
        char *name = entry_name(d, err);
        if (name == (char *)-1)
                return -1;
        plan->name = name;
        return 0;
}

int image_archive_oci_load(struct image_store *store, const struct archive_contents *c,
                           struct image_archive_loaded **out, size_t *n, struct error **err)
{
        struct oci_index ix = {0};
        if (oci_index_parse(c->index_json, c->index_len, NULL, &ix, err) < 0)
                return error_wrap(err, "index.json");
        struct oci_plan *plans = xcalloc(ix.n_manifests ? ix.n_manifests : 1, sizeof(*plans));
        int ret = 0;
        if (ix.n_manifests == 0)
                ret = error_set(err, 0, "index.json: no images");
        for (size_t i = 0; i < ix.n_manifests && ret == 0; i++)
                ret = plan_entry(store, c, &ix.manifests[i], &plans[i], err);
        for (size_t i = 0; i < ix.n_manifests && ret == 0; i++) {
                struct image_install_request request = {
                    .manifest_digest = &plans[i].manifest_digest,
                    .manifest_media_type = plans[i].manifest_media_type,
                    .index_digest = plans[i].has_index ? &plans[i].index_digest : NULL,
                    .name = plans[i].name,
                };
                struct digest id;
                ret = image_install(store, &request, &id, err);
                if (ret == 0)
                        image_archive_loaded_add(out, n, &id, plans[i].name);
        }
        for (size_t i = 0; i < ix.n_manifests; i++) {
                free(plans[i].manifest_media_type);
                free(plans[i].name);
        }
        free(plans);
        oci_index_release(&ix);
        return ret;
}
