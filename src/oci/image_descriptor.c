/* Descriptors (descriptor.md) and the pieces every image-spec document shares. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "image_manifest.h"
#include "image_manifest_internal.h"
#include "json_field.h"
#include "media_type.h"

json_t *image_json_load(const char *data, size_t len, struct error **err)
{
        json_error_t json_err;
        /* Go's encoding/json keeps the last of duplicate members and other parsers the first:
         * a document that two tools would read differently is refused. */
        json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &json_err);
        if (doc == NULL) {
                error_set(err, 0, "invalid json at line %d column %d: %s", json_err.line,
                          json_err.column, json_err.text);
                return NULL;
        }
        if (!json_is_object(doc)) {
                json_decref(doc);
                error_set(err, 0, "the document is not a json object");
                return NULL;
        }
        return doc;
}

int image_schema_version_check(json_t *doc, struct error **err)
{
        int64_t version;
        if (json_field_integer(doc, "", "schemaVersion", true, INT64_MIN, INT64_MAX, &version,
                               err) < 0)
                return -1;
        if (version == 1)
                return error_set(err, 0, "docker schema 1 manifests are not supported");
        /* manifest.md, image-index.md: "This REQUIRED property ... MUST be 2". */
        if (version != 2)
                return json_field_error(err, "", "schemaVersion", "must be 2, not %lld",
                                        (long long)version);
        return 0;
}

int image_annotations_read(json_t *obj, const char *parent, json_t **out, struct error **err)
{
        *out = NULL;
        json_t *map;
        int r = json_field_object(obj, parent, "annotations", false, &map, err);
        if (r <= 0)
                return r;
        const char *key;
        json_t *value;
        json_object_foreach(map, key, value)
        {
                if (!json_is_string(value)) {
                        _cleanup_free_ char *path = json_field_path(parent, "annotations");
                        return json_field_error(err, path, key, "must be a string");
                }
        }
        *out = json_incref(map);
        return 1;
}

static const char *kind_name(int kind)
{
        switch (kind) {
        case MEDIA_KIND_MANIFEST:
                return "an image manifest";
        case MEDIA_KIND_INDEX:
                return "an image index";
        case MEDIA_KIND_CONFIG:
                return "an image config";
        case MEDIA_KIND_LAYER:
                return "a layer";
        default:
                return "known";
        }
}

int image_media_type_resolve(json_t *doc, const char *content_type, int kind,
                             const char *default_type, char **out, struct error **err)
{
        _cleanup_free_ char *own = NULL;
        if (json_field_string(doc, "", "mediaType", false, &own, err) < 0)
                return -1;
        int content_kind = media_type_kind(content_type);
        if (own && media_type_kind(own) == MEDIA_KIND_SCHEMA1)
                return error_set(err, 0, "docker schema 1 manifests are not supported");
        if (content_kind == MEDIA_KIND_SCHEMA1)
                return error_set(err, 0, "docker schema 1 manifests are not supported");
        if (own) {
                if ((int)media_type_kind(own) != kind)
                        return json_field_error(err, "", "mediaType", "\"%s\" is not %s", own,
                                                kind_name(kind));
                /* manifest.md#image-manifest-property-descriptions: the mediaType, when given,
                 * must be the one the document was served or referred to as. A Content-Type that
                 * is no manifest type (application/json, octet-stream) says nothing. */
                if ((content_kind == MEDIA_KIND_MANIFEST || content_kind == MEDIA_KIND_INDEX) &&
                    !media_type_equal(own, content_type))
                        return json_field_error(err, "", "mediaType",
                                                "\"%s\" does not match the content type \"%s\"",
                                                own, content_type);
                *out = steal_pointer(&own);
                return 0;
        }
        if ((int)content_kind == kind) {
                size_t len = strcspn(content_type, "; \t");
                *out = xstrndup(content_type, len);
                return 0;
        }
        if (content_kind == MEDIA_KIND_MANIFEST || content_kind == MEDIA_KIND_INDEX)
                return error_set(err, 0, "the content type \"%s\" is not %s", content_type,
                                 kind_name(kind));
        *out = xstrdup(default_type);
        return 0;
}

static int urls_read(json_t *obj, const char *parent, char ***out, struct error **err)
{
        size_t n;
        int r = json_field_string_array(obj, parent, "urls", out, &n, err);
        if (r <= 0) {
                /* Absent, or wrong: either way no list is kept. */
                json_field_free_strings(*out);
                *out = NULL;
        }
        return r;
}

int oci_descriptor_from_json(json_t *obj, const char *field, struct oci_descriptor *out,
                             struct error **err)
{
        *out = (struct oci_descriptor){0};
        if (!json_is_object(obj))
                return json_field_error(err, field, NULL, "must be an object");

        struct oci_descriptor d = {0};
        _cleanup_free_ char *digest_text = NULL;
        _cleanup_free_ char *data = NULL;
        _cleanup_error_ struct error *digest_err = NULL;
        if (json_field_string(obj, field, "mediaType", true, &d.media_type, err) < 0)
                goto fail;
        if (*d.media_type == '\0') {
                json_field_error(err, field, "mediaType", "must not be empty");
                goto fail;
        }
        if (json_field_string(obj, field, "digest", true, &digest_text, err) < 0)
                goto fail;
        if (digest_parse(digest_text, &d.digest, &digest_err) < 0) {
                json_field_error(err, field, "digest", "%s", digest_err->msg);
                goto fail;
        }
        /* descriptor.md: size is an int64 of the raw content's bytes; negative makes no sense. */
        if (json_field_integer(obj, field, "size", true, 0, INT64_MAX, &d.size, err) < 0)
                goto fail;
        if (urls_read(obj, field, &d.urls, err) < 0)
                goto fail;
        if (json_field_string(obj, field, "artifactType", false, &d.artifact_type, err) < 0)
                goto fail;
        /* descriptor.md#embedded-content: base64 of the content itself. */
        if (json_field_string(obj, field, "data", false, &data, err) < 0)
                goto fail;
        if (image_annotations_read(obj, field, &d.annotations, err) < 0)
                goto fail;
        if (image_platform_read(obj, field, &d.platform, err) < 0)
                goto fail;
        *out = d;
        return 0;
fail:
        oci_descriptor_release(&d);
        return -1;
}

void oci_descriptor_release(struct oci_descriptor *d)
{
        if (d == NULL)
                return;
        free(d->media_type);
        json_field_free_strings(d->urls);
        free(d->artifact_type);
        json_decref(d->annotations);
        if (d->platform) {
                oci_platform_release(d->platform);
                free(d->platform);
        }
        *d = (struct oci_descriptor){0};
}

json_t *oci_descriptor_to_json(const struct oci_descriptor *d)
{
        json_t *obj = json_object();
        json_object_set_new(obj, "mediaType", json_string(d->media_type));
        if (d->artifact_type)
                json_object_set_new(obj, "artifactType", json_string(d->artifact_type));
        json_object_set_new(obj, "digest", json_string(d->digest.text));
        json_object_set_new(obj, "size", json_integer(d->size));
        if (d->urls && d->urls[0]) {
                json_t *urls = json_array();
                for (char **u = d->urls; *u; u++)
                        json_array_append_new(urls, json_string(*u));
                json_object_set_new(obj, "urls", urls);
        }
        if (d->annotations && json_object_size(d->annotations) > 0)
                json_object_set_new(obj, "annotations", json_deep_copy(d->annotations));
        if (d->platform)
                json_object_set_new(obj, "platform", image_platform_to_json(d->platform));
        return obj;
}

int image_descriptor_read_optional(json_t *obj, const char *key, struct oci_descriptor **out,
                                   struct error **err)
{
        *out = NULL;
        json_t *member;
        int r = json_field_object(obj, "", key, false, &member, err);
        if (r <= 0)
                return r;
        struct oci_descriptor *d = xcalloc(1, sizeof(*d));
        if (oci_descriptor_from_json(member, key, d, err) < 0) {
                free(d);
                return -1;
        }
        *out = d;
        return 1;
}

int image_descriptor_array_read(json_t *obj, const char *key, struct oci_descriptor **out,
                                size_t *n_out, struct error **err)
{
        *out = NULL;
        *n_out = 0;
        json_t *array;
        if (json_field_array(obj, "", key, true, &array, err) < 0)
                return -1;
        size_t n = json_array_size(array);
        struct oci_descriptor *list = xcalloc(n ? n : 1, sizeof(*list));
        size_t i;
        json_t *item;
        json_array_foreach(array, i, item)
        {
                _cleanup_free_ char *path = json_field_index_path(key, i);
                if (oci_descriptor_from_json(item, path, &list[i], err) < 0) {
                        image_descriptor_array_free(list, i);
                        return -1;
                }
        }
        *out = list;
        *n_out = n;
        return 0;
}

void image_descriptor_array_free(struct oci_descriptor *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                oci_descriptor_release(&list[i]);
        free(list);
}
