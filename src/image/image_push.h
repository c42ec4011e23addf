/*
 * `berth push`: send an image's blobs and manifest to a registry. Blobs the registry has are
 * skipped (HEAD), blobs of the same registry are mounted across repositories when the image came
 * from there, the rest are uploaded (monolithic, or in chunks). With a compression format that
 * differs from a stored layer's, the layer is recompressed (and a new manifest written); otherwise
 * the manifest is pushed byte for byte, keeping its digest.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"
#include "image_pull.h"
#include "image_store.h"
#include "oci/image_reference.h"
#include "oci/media_type.h"

struct image_push_options {
        struct registry_options registry;
        bool recompress; /* to COMPRESSION */
        enum layer_compression compression;
        uint64_t chunk_size;             /* 0: monolithic */
        struct image_pull_events events; /* same reporting as a pull */
};

/* Pushes the image RECORD to DEST. *manifest_digest (may be NULL) gets the pushed manifest's
 * digest. */
int image_push(struct image_store *store, const struct image_record *record,
               const struct image_reference *dest, const struct image_push_options *options,
               struct digest *manifest_digest, struct error **err);
