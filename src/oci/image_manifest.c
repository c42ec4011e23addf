/* Image manifests (manifest.md), OCI and Docker schema 2, and telling documents apart. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "image_manifest.h"
#include "image_manifest_internal.h"
#include "json_field.h"
#include "media_type.h"

static int manifest_read(json_t *doc, const char *content_type, struct oci_manifest *m,
                         struct error **err)
{
        if (image_schema_version_check(doc, err) < 0)
                return -1;
        if (image_media_type_resolve(doc, content_type, MEDIA_KIND_MANIFEST,
                                     MEDIA_TYPE_OCI_MANIFEST, &m->media_type, err) < 0)
                return -1;
        if (json_field_string(doc, "", "artifactType", false, &m->artifact_type, err) < 0)
                return -1;
        json_t *config;
        if (json_field_object(doc, "", "config", true, &config, err) < 0)
                return -1;
        if (oci_descriptor_from_json(config, "config", &m->config, err) < 0)
                return -1;
        /* manifest.md: config is the image's configuration. Artifacts put other things there
         * (application/vnd.oci.empty.v1+json, tool-specific types); they are not images berth
         * can run. */
        if (media_type_kind(m->config.media_type) != MEDIA_KIND_CONFIG)
                return json_field_error(err, "config", "mediaType",
                                        "\"%s\" is not an image config (an artifact, not an "
                                        "image)",
                                        m->config.media_type);
        if (image_descriptor_array_read(doc, "layers", &m->layers, &m->n_layers, err) < 0)
                return -1;
        for (size_t i = 0; i < m->n_layers; i++) {
                enum media_kind kind = media_type_kind(m->layers[i].media_type);
                /* A type berth does not know is left to the puller, which names it; one that is
                 * known to be something else is a broken manifest. */
                if (kind != MEDIA_KIND_LAYER && kind != MEDIA_KIND_UNKNOWN) {
                        _cleanup_free_ char *path = json_field_index_path("layers", i);
                        return json_field_error(err, path, "mediaType", "\"%s\" is not a layer",
                                                m->layers[i].media_type);
                }
        }
        if (image_descriptor_read_optional(doc, "subject", &m->subject, err) < 0)
                return -1;
        if (image_annotations_read(doc, "", &m->annotations, err) < 0)
                return -1;
        return 0;
}

int oci_manifest_parse(const char *data, size_t len, const char *content_type,
                       struct oci_manifest *out, struct error **err)
{
        *out = (struct oci_manifest){0};
        json_t *doc = image_json_load(data, len, err);
        if (doc == NULL)
                return error_wrap(err, "manifest");
        out->json = doc;
        if (manifest_read(doc, content_type, out, err) < 0) {
                oci_manifest_release(out);
                return error_wrap(err, "manifest");
        }
        return 0;
}

void oci_manifest_release(struct oci_manifest *m)
{
        if (m == NULL)
                return;
        free(m->media_type);
        free(m->artifact_type);
        oci_descriptor_release(&m->config);
        image_descriptor_array_free(m->layers, m->n_layers);
        if (m->subject) {
                oci_descriptor_release(m->subject);
                free(m->subject);
        }
        json_decref(m->annotations);
        json_decref(m->json);
        *m = (struct oci_manifest){0};
}

int oci_document_kind(const char *data, size_t len, const char *content_type)
{
        enum media_kind kind = media_type_kind(content_type);
        if (kind == MEDIA_KIND_MANIFEST || kind == MEDIA_KIND_INDEX || kind == MEDIA_KIND_SCHEMA1)
                return kind;
        json_t *doc = json_loadb(data, len, 0, NULL);
        if (!json_is_object(doc)) {
                json_decref(doc);
                return MEDIA_KIND_UNKNOWN;
        }
        kind = media_type_kind(json_string_value(json_object_get(doc, "mediaType")));
        if (kind != MEDIA_KIND_MANIFEST && kind != MEDIA_KIND_INDEX && kind != MEDIA_KIND_SCHEMA1) {
                json_t *version = json_object_get(doc, "schemaVersion");
                /* Schema 1 has "fsLayers" and schemaVersion 1 (and often no mediaType). */
                if ((json_is_integer(version) && json_integer_value(version) == 1) ||
                    json_object_get(doc, "fsLayers"))
                        kind = MEDIA_KIND_SCHEMA1;
                else if (json_is_array(json_object_get(doc, "manifests")))
                        kind = MEDIA_KIND_INDEX;
                else if (json_object_get(doc, "config") && json_object_get(doc, "layers"))
                        kind = MEDIA_KIND_MANIFEST;
                else
                        kind = MEDIA_KIND_UNKNOWN;
        }
        json_decref(doc);
        return kind;
}
