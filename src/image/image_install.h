/*
 * Turning content into a usable image. Every way an image arrives (pull, load, import) ends here:
 * the manifest, config and layer blobs are in the content store (verified on ingest); install
 * unpacks each layer whose chain is not yet in the layer store, checks that the uncompressed
 * digest of each layer is the config's rootfs.diff_ids entry (config.md: "the diff_ids ... MUST
 * match"), and records the image with its name. A layer that another image already unpacked is
 * reused (layers are keyed by chain id).
 */
#pragma once
#include <stdbool.h>

#include "base/digest.h"
#include "base/error.h"
#include "image_store.h"
#include "oci/image_manifest.h"
#include "oci/media_type.h"

struct image_install_request {
        const struct digest *manifest_digest; /* in the content store */
        const char *manifest_media_type;      /* or NULL: from the document */
        const struct digest *index_digest;    /* the index it was chosen from, or NULL */
        const char *name;        /* "docker.io/library/busybox:latest" to point at it, or NULL */
        const char *repo_digest; /* "docker.io/library/busybox@sha256:..." to record, or NULL */
};

/* Unpacks the missing layers and records the image; *image_id (may be NULL) gets the config
 * digest. The caller holds the store lock shared (image_store_lock). */
int image_install(struct image_store *store, const struct image_install_request *request,
                  struct digest *image_id, struct error **err);

/* Unpacks one layer blob from the content store into the layer store under CHAIN_ID (no-op when
 * present), verifying that its diff_id is DIFF_ID. COMPRESSION from the layer's media type. */
int image_install_layer(struct image_store *store, const struct digest *blob,
                        enum layer_compression compression, const struct digest *diff_id,
                        const struct digest *chain_id, const struct digest *parent_chain_id,
                        struct error **err);

/* The unpacked size recorded with a layer, in bytes (0 when unknown: the size is only shown). */
int64_t image_layer_size(const struct image_store *store, const struct digest *chain_id);

/* Reads MANIFEST's config from the store and parses it, checks that it has one diff_id per layer
 * (config.md: rootfs.diff_ids, in layer order), and computes the chain ids: *chain_ids is a new
 * array of manifest->n_layers entries. */
int image_load_config(struct image_store *store, const struct oci_manifest *manifest,
                      struct oci_image_config *config, struct digest **chain_ids,
                      struct error **err);
