/*
 * `berth pull`: resolve a reference on its registry, choose the platform's manifest from an
 * index, and bring every missing layer in through one pipeline per layer (several layers at
 * once): the HTTP body is hashed and written to a content-store ingest while a second thread
 * decompresses and unpacks the same bytes from a pipe. A layer directory and its blob are
 * published only when the blob's digest and the layer's diff_id are both verified; an interrupted
 * download resumes from its .partial file on the next pull.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"
#include "image_store.h"
#include "oci/image_manifest.h"
#include "oci/image_reference.h"
#include "registry/client.h"

/* What a pull reports as it goes (every callback optional; called from worker threads, but
 * never two at once: the pull serialises them). */
struct image_pull_events {
        void *ctx;
        void (*resolved)(void *ctx, const char *reference, const struct digest *manifest_digest);
        /* A blob (a layer or the config): SIZE bytes; SKIPPED when already in the store. */
        void (*blob_start)(void *ctx, int slot, const char *kind, const struct digest *digest,
                           int64_t size, bool skipped);
        void (*blob_progress)(void *ctx, int slot, uint64_t done);
        void (*blob_done)(void *ctx, int slot);
};

struct image_pull_options {
        struct registry_options registry;
        const struct oci_platform *platform; /* NULL: the host's */
        int parallel_layers;                 /* 0: 4 */
        struct image_pull_events events;
};

/* Pulls REF into STORE, names it REF (tag) and records the repo digest. *image_id gets the
 * config digest. */
int image_pull(struct image_store *store, const struct image_reference *ref,
               const struct image_pull_options *options, struct digest *image_id,
               struct error **err);
