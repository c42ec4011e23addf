/*
 * The image store as the commands see it: one handle on ROOT (--root, default /var/lib/berth)
 * holding the content store (ROOT/blobs), the unpacked layers (ROOT/layers), the records
 * (ROOT/berth.db), and RUNROOT (--runroot, default /run/berth) for mounts and locks.
 */
#pragma once
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
};

/* Creates ROOT and RUNROOT (0700) when missing, opens the three parts. */
int image_store_open(const char *root, const char *runroot, struct image_store **out,
                     struct error **err);
void image_store_free(struct image_store *store);

static inline void cleanup_image_storep(struct image_store **s)
{
        if (*s)
                image_store_free(*s);
}
#define _cleanup_image_store_ __attribute__((cleanup(cleanup_image_storep)))
