#include "media_type.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

/* Docker's uncompressed layer type, which docker never writes but containers/image does for
 * uncompressed layers in a schema 2 manifest. */
#define MEDIA_TYPE_DOCKER_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"

/* Schema 1 types come last: a registry then serves schema 2 or OCI when it has it, and an old
 * schema 1 image reaches the parser, which refuses it with a clear error instead of a 404. */
const char *const media_type_manifest_accept = MEDIA_TYPE_OCI_MANIFEST
    ", " MEDIA_TYPE_OCI_INDEX ", " MEDIA_TYPE_DOCKER_MANIFEST ", " MEDIA_TYPE_DOCKER_LIST
    ", " MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED ", " MEDIA_TYPE_DOCKER_SCHEMA1;

static const struct {
        const char *media_type;
        enum media_kind kind;
        enum layer_compression compression; /* for layers */
} known_types[] = {
    {MEDIA_TYPE_OCI_MANIFEST, MEDIA_KIND_MANIFEST, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_KIND_MANIFEST, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_OCI_INDEX, MEDIA_KIND_INDEX, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_DOCKER_LIST, MEDIA_KIND_INDEX, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_OCI_CONFIG, MEDIA_KIND_CONFIG, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_DOCKER_CONFIG, MEDIA_KIND_CONFIG, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_OCI_LAYER, MEDIA_KIND_LAYER, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_OCI_LAYER_GZIP, MEDIA_KIND_LAYER, LAYER_COMPRESSION_GZIP},
    {MEDIA_TYPE_OCI_LAYER_ZSTD, MEDIA_KIND_LAYER, LAYER_COMPRESSION_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", MEDIA_KIND_LAYER,
     LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_OCI_LAYER_NONDIST_GZIP, MEDIA_KIND_LAYER, LAYER_COMPRESSION_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", MEDIA_KIND_LAYER,
     LAYER_COMPRESSION_ZSTD},
    {MEDIA_TYPE_DOCKER_LAYER, MEDIA_KIND_LAYER, LAYER_COMPRESSION_GZIP},
    {MEDIA_TYPE_DOCKER_FOREIGN_LAYER, MEDIA_KIND_LAYER, LAYER_COMPRESSION_GZIP},
    {MEDIA_TYPE_DOCKER_LAYER_TAR, MEDIA_KIND_LAYER, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_DOCKER_SCHEMA1, MEDIA_KIND_SCHEMA1, LAYER_COMPRESSION_NONE},
    {MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED, MEDIA_KIND_SCHEMA1, LAYER_COMPRESSION_NONE},
};

/* The length of the type/subtype part, without parameters ("; charset=utf-8") or the blanks
 * before them: an HTTP Content-Type may carry them (RFC 9110 section 8.3.1). */
static size_t essence_length(const char *media_type)
{
        size_t len = strcspn(media_type, ";");
        while (len > 0 && (media_type[len - 1] == ' ' || media_type[len - 1] == '\t'))
                len--;
        return len;
}

bool media_type_equal(const char *a, const char *b)
{
        if (a == NULL || b == NULL)
                return false;
        size_t a_len = essence_length(a), b_len = essence_length(b);
        /* RFC 9110 section 8.3.1: type and subtype are case-insensitive. */
        return a_len == b_len && strncasecmp(a, b, a_len) == 0;
}

static ptrdiff_t find_type(const char *media_type)
{
        if (media_type == NULL)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(known_types); i++)
                if (media_type_equal(media_type, known_types[i].media_type))
                        return (ptrdiff_t)i;
        return -1;
}

enum media_kind media_type_kind(const char *media_type)
{
        ptrdiff_t i = find_type(media_type);
        return i < 0 ? MEDIA_KIND_UNKNOWN : known_types[i].kind;
}

bool media_type_layer_compression(const char *media_type, enum layer_compression *out)
{
        ptrdiff_t i = find_type(media_type);
        if (i < 0 || known_types[i].kind != MEDIA_KIND_LAYER)
                return false;
        *out = known_types[i].compression;
        return true;
}

bool media_type_is_docker(const char *media_type)
{
        return media_type != NULL && strncasecmp(media_type, "application/vnd.docker.",
                                                 strlen("application/vnd.docker.")) == 0;
}

const char *media_type_layer_for(const char *manifest_media_type,
                                 enum layer_compression compression)
{
        if (media_type_is_docker(manifest_media_type)) {
                switch (compression) {
                case LAYER_COMPRESSION_NONE:
                        return MEDIA_TYPE_DOCKER_LAYER_TAR;
                case LAYER_COMPRESSION_GZIP:
                        return MEDIA_TYPE_DOCKER_LAYER;
                case LAYER_COMPRESSION_ZSTD:
                        return MEDIA_TYPE_OCI_LAYER_ZSTD;
                }
        }
        switch (compression) {
        case LAYER_COMPRESSION_NONE:
                return MEDIA_TYPE_OCI_LAYER;
        case LAYER_COMPRESSION_GZIP:
                return MEDIA_TYPE_OCI_LAYER_GZIP;
        case LAYER_COMPRESSION_ZSTD:
                return MEDIA_TYPE_OCI_LAYER_ZSTD;
        }
        return MEDIA_TYPE_OCI_LAYER;
}

const char *layer_compression_name(enum layer_compression compression)
{
        switch (compression) {
        case LAYER_COMPRESSION_GZIP:
                return "gzip";
        case LAYER_COMPRESSION_ZSTD:
                return "zstd";
        case LAYER_COMPRESSION_NONE:
                break;
        }
        return "none";
}
