/*
 * The image store as the commands see it: one handle on ROOT (--root, default /var/lib/berth)
 * holding the content store (ROOT/blobs), the unpacked layers (ROOT/layers), the records
 * (ROOT/berth.db), and RUNROOT (--runroot, default /run/berth) for mounts and locks.
 */
#pragma once
#include <stdbool.h>

#include "base/error.h"
#include "content_store.h"
#include "image_db.h"
#include "layer_store.h"

struct image_store {
        char *root;
        char *runroot;
        struct content_store *content;
        struct layer_store *layers;
        struct image_db *db;
        int lock_fd; /* ROOT/gc.lock once image_store_lock opened it, else -1 */
};

/* Creates ROOT and RUNROOT (0700) when missing, opens the three parts. */
int image_store_open(const char *root, const char *runroot, struct image_store **out,
                     struct error **err);
void image_store_free(struct image_store *store);

/*
 * The store lock (flock on ROOT/gc.lock, beside the data it guards so that every process using
 * ROOT agrees on it whatever its RUNROOT). Pull, load and import hold it shared from before they
 * publish content until the image is recorded; garbage collection holds it exclusive, so it never
 * sees blobs or layers that an image being recorded is about to reference. Waits for the lock.
 * Calling it again converts the lock (shared <-> exclusive); image_store_unlock releases it.
 */
int image_store_lock(struct image_store *store, bool exclusive, struct error **err);
void image_store_unlock(struct image_store *store);

static inline void cleanup_image_storep(struct image_store **s)
{
        if (*s)
                image_store_free(*s);
}
#define _cleanup_image_store_ __attribute__((cleanup(cleanup_image_storep)))
