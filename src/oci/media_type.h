/*
 * The media types berth understands (image-spec media-types.md, and Docker's schema 2 ones that
 * the image-spec maps in media-types.md#compatibility-matrix).
 */
#pragma once
#include <stdbool.h>

#define MEDIA_TYPE_OCI_MANIFEST   "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_INDEX      "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_OCI_CONFIG     "application/vnd.oci.image.config.v1+json"
#define MEDIA_TYPE_OCI_LAYER      "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_TYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_TYPE_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_TYPE_OCI_LAYER_NONDIST_GZIP                                                          \
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define MEDIA_TYPE_OCI_EMPTY             "application/vnd.oci.empty.v1+json"
#define MEDIA_TYPE_DOCKER_MANIFEST       "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_LIST           "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_DOCKER_CONFIG         "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_DOCKER_LAYER          "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MEDIA_TYPE_DOCKER_FOREIGN_LAYER  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MEDIA_TYPE_DOCKER_SCHEMA1        "application/vnd.docker.distribution.manifest.v1+json"
#define MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* The Accept header a client sends for a manifest: every manifest and index type above. */
extern const char *const media_type_manifest_accept;

enum layer_compression {
        LAYER_COMPRESSION_NONE,
        LAYER_COMPRESSION_GZIP,
        LAYER_COMPRESSION_ZSTD,
};

enum media_kind {
        MEDIA_KIND_UNKNOWN,
        MEDIA_KIND_MANIFEST, /* OCI or Docker schema 2 image manifest */
        MEDIA_KIND_INDEX,    /* OCI index or Docker manifest list */
        MEDIA_KIND_CONFIG,   /* OCI or Docker image config */
        MEDIA_KIND_LAYER,    /* any layer, distributable or not */
        MEDIA_KIND_SCHEMA1,  /* recognised only to be refused clearly */
};

/* Media types compare without parameters ("; charset=utf-8") and case-insensitively, as HTTP's
 * Content-Type does; every function here takes either form. */
bool media_type_equal(const char *a, const char *b);
enum media_kind media_type_kind(const char *media_type);
/* For a layer media type: its compression. Returns false for a type that is not a layer or
 * whose compression berth does not support (the caller names it in an error). */
bool media_type_layer_compression(const char *media_type, enum layer_compression *out);
bool media_type_is_docker(const char *media_type);
/* The layer media type of the same family (OCI or Docker) as MANIFEST_MEDIA_TYPE with
 * COMPRESSION (Docker schema 2 has no zstd type: OCI's is used, as docker and podman do). */
const char *media_type_layer_for(const char *manifest_media_type,
                                 enum layer_compression compression);
const char *layer_compression_name(enum layer_compression compression); /* "gzip" "zstd" "none" */
