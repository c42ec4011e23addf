/*
 * Garbage collection of the image store: what no image record keeps goes. Blobs are kept when an
 * image lists them (image_db_blob_referenced), layer directories when an image's chain uses
 * them (image_db_layer_referenced). Leftovers of killed processes go too: layer temporaries whose
 * lock is free, and ingest partials untouched for a day (younger ones may still be resumed).
 */
#pragma once
#include <stdint.h>

#include "base/error.h"
#include "image_store.h"

struct image_gc_stats {
        uint64_t blobs;       /* blobs deleted */
        uint64_t layers;      /* layer directories deleted */
        uint64_t temporaries; /* layer temporaries and ingest partials removed */
        uint64_t bytes;       /* blob bytes, unpacked layer bytes (from their records) and
                                 partial bytes freed */
};

/* Age after which an unfinished ingest is abandoned rather than resumable. */
#define IMAGE_GC_PARTIAL_MAX_AGE (24 * 60 * 60)

/* Takes the store lock exclusive (waiting for running pulls to record their images), collects,
 * and releases it. OUT (may be NULL) gets what was freed. */
int image_gc(struct image_store *s, struct image_gc_stats *out, struct error **err);
