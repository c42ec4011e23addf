/*
 * The image-spec documents: descriptors, platforms, image manifests (OCI and Docker schema 2),
 * indexes (and Docker manifest lists) and image configs. Parsing validates what the spec
 * requires (manifest.md, image-index.md, config.md, descriptor.md) and keeps the original JSON
 * so nothing unknown is lost; errors name the field: "manifest: layers[2].digest: ...".
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"

struct oci_platform {
        char *architecture; /* GOARCH: amd64, arm64, ... */
        char *os;           /* GOOS: linux */
        char *variant;      /* v7, v8, or NULL */
        char *os_version;   /* or NULL */
};

struct oci_descriptor {
        char *media_type;
        struct digest digest;
        int64_t size;
        char **urls;                   /* NULL-terminated or NULL */
        char *artifact_type;           /* or NULL */
        json_t *annotations;           /* object or NULL (a reference owned by the descriptor) */
        struct oci_platform *platform; /* in an index, or NULL */
};

struct oci_manifest {
        char *media_type; /* from the document, else from the Content-Type it came with */
        char *artifact_type;
        struct oci_descriptor config;
        struct oci_descriptor *layers;
        size_t n_layers;
        struct oci_descriptor *subject; /* or NULL */
        json_t *annotations;
        json_t *json; /* the whole document */
};

struct oci_index {
        char *media_type;
        struct oci_descriptor *manifests;
        size_t n_manifests;
        struct oci_descriptor *subject;
        json_t *annotations;
        json_t *json;
};

struct oci_image_config {
        char *architecture;
        char *os;
        char *variant;
        char *created; /* RFC 3339 or NULL */
        char *author;
        json_t *config;          /* the "config" object (User, Env, Entrypoint, Cmd, ...) or NULL */
        struct digest *diff_ids; /* rootfs.diff_ids, in order */
        size_t n_diff_ids;
        json_t *history; /* array or NULL */
        json_t *json;    /* the whole document */
};

/* CONTENT_TYPE (may be NULL) is the media type the document came with (the HTTP Content-Type or
 * the referring descriptor); when the document has its own mediaType they must agree. */
int oci_manifest_parse(const char *data, size_t len, const char *content_type,
                       struct oci_manifest *out, struct error **err);
void oci_manifest_release(struct oci_manifest *m);
int oci_index_parse(const char *data, size_t len, const char *content_type, struct oci_index *out,
                    struct error **err);
void oci_index_release(struct oci_index *ix);
int oci_image_config_parse(const char *data, size_t len, struct oci_image_config *out,
                           struct error **err);
void oci_image_config_release(struct oci_image_config *c);

/* Which kind of document DATA is (manifest, index, schema1, ...), from CONTENT_TYPE if it is a
 * known manifest/index type, else from the document's mediaType, else from its shape
 * ("manifests" → index, "config"+"layers" → manifest). Returns enum media_kind. */
int oci_document_kind(const char *data, size_t len, const char *content_type);

/* A descriptor as JSON (a new reference), e.g. to build an index or an OCI layout. */
json_t *oci_descriptor_to_json(const struct oci_descriptor *d);
int oci_descriptor_from_json(json_t *obj, const char *field, struct oci_descriptor *out,
                             struct error **err);
void oci_descriptor_release(struct oci_descriptor *d);

/* Platforms: "os/arch[/variant]" (podman's --platform), the host's (uname mapped to GOARCH,
 * with the arm variant), matching (image-index.md#platform-variants: variant compared only when
 * wanted), and choosing from an index: the first matching entry; amd64 ignores variants. */
int oci_platform_parse(const char *text, struct oci_platform *out, struct error **err);
void oci_platform_host(struct oci_platform *out);
void oci_platform_release(struct oci_platform *p);
char *oci_platform_format(const struct oci_platform *p); /* "linux/arm64/v8" */
bool oci_platform_matches(const struct oci_platform *want, const struct oci_platform *have);
/* Returns the index of the chosen entry, or -1 with an error listing what the index offers:
 * "no image for linux/s390x in the index (has linux/amd64, linux/arm64/v8)". */
int oci_index_select(const struct oci_index *ix, const struct oci_platform *want,
                     struct error **err);

/* chainid per config.md#layer-chainid: chain[0] = diff_ids[0],
 * chain[n] = sha256(chain[n-1] + " " + diff_ids[n]). OUT has n_diff_ids entries. */
void oci_chain_ids(const struct digest *diff_ids, size_t n, struct digest *out);
