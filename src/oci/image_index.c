/* Image indexes (image-index.md) and Docker manifest lists. */
#include <stdlib.h>

#include "alloc.h"
#include "image_manifest.h"
#include "image_manifest_internal.h"
#include "json_field.h"
#include "media_type.h"

static int index_read(json_t *doc, const char *content_type, struct oci_index *ix,
                      struct error **err)
{
        if (image_schema_version_check(doc, err) < 0)
                return -1;
        if (image_media_type_resolve(doc, content_type, MEDIA_KIND_INDEX, MEDIA_TYPE_OCI_INDEX,
                                     &ix->media_type, err) < 0)
                return -1;
        _cleanup_free_ char *artifact_type = NULL;
        if (json_field_string(doc, "", "artifactType", false, &artifact_type, err) < 0)
                return -1;
        if (image_descriptor_array_read(doc, "manifests", &ix->manifests, &ix->n_manifests, err) <
            0)
                return -1;
        if (image_descriptor_read_optional(doc, "subject", &ix->subject, err) < 0)
                return -1;
        if (image_annotations_read(doc, "", &ix->annotations, err) < 0)
                return -1;
        return 0;
}

int oci_index_parse(const char *data, size_t len, const char *content_type, struct oci_index *out,
                    struct error **err)
{
        *out = (struct oci_index){0};
        json_t *doc = image_json_load(data, len, err);
        if (doc == NULL)
                return error_wrap(err, "index");
        out->json = doc;
        if (index_read(doc, content_type, out, err) < 0) {
                oci_index_release(out);
                return error_wrap(err, "index");
        }
        return 0;
}

void oci_index_release(struct oci_index *ix)
{
        if (ix == NULL)
                return;
        free(ix->media_type);
        image_descriptor_array_free(ix->manifests, ix->n_manifests);
        if (ix->subject) {
                oci_descriptor_release(ix->subject);
                free(ix->subject);
        }
        json_decref(ix->annotations);
        json_decref(ix->json);
        *ix = (struct oci_index){0};
}
