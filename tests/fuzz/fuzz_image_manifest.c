/*
 * oci_document_kind, oci_manifest_parse and oci_index_parse: documents a registry (or an
 * archive) sends. The first byte chooses the Content-Type the document comes with; the rest is
 * the document. What parses is used as pull uses it: descriptors back to JSON, an index entry
 * chosen for the host's platform.
 */
#include "fuzz.h"
#include "oci/image_manifest.h"
#include "oci/media_type.h"

static const char *const content_types[] = {
    NULL,
    MEDIA_TYPE_OCI_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST,
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_DOCKER_LIST,
    MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED,
    "application/json",
    MEDIA_TYPE_OCI_MANIFEST "; charset=utf-8",
    "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        const char *content_type = content_types[data[0] % ARRAY_SIZE(content_types)];
        const char *doc = (const char *)data + 1;
        size_t len = size - 1;
        struct error *err = NULL;

        oci_document_kind(doc, len, content_type);

        struct oci_manifest m;
        int ret = oci_manifest_parse(doc, len, content_type, &m, &err);
        fuzz_check_error("oci_manifest_parse", ret, &err);
        if (ret == 0) {
                json_decref(oci_descriptor_to_json(&m.config));
                for (size_t i = 0; i < m.n_layers; i++)
                        json_decref(oci_descriptor_to_json(&m.layers[i]));
                oci_manifest_release(&m);
        }

        struct oci_index ix;
        ret = oci_index_parse(doc, len, content_type, &ix, &err);
        fuzz_check_error("oci_index_parse", ret, &err);
        if (ret == 0) {
                for (size_t i = 0; i < ix.n_manifests; i++)
                        json_decref(oci_descriptor_to_json(&ix.manifests[i]));
                struct oci_platform host;
                oci_platform_host(&host);
                ret = oci_index_select(&ix, &host, &err);
                fuzz_check_error("oci_index_select", ret, &err);
                if (ret >= 0 && (size_t)ret >= ix.n_manifests)
                        abort();
                oci_platform_release(&host);
                oci_index_release(&ix);
        }
        return 0;
}
