#include "image_gc.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

struct digest_list {
        struct digest *items;
        int64_t *sizes;
        size_t n, cap;
};

static void digest_list_add(struct digest_list *l, const struct digest *d, int64_t size)
{
        if (l->n == l->cap) {
                l->cap = l->cap ? l->cap * 2 : 64;
                l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
                l->sizes = xrealloc(l->sizes, l->cap * sizeof(*l->sizes));
        }
        l->items[l->n] = *d;
        l->sizes[l->n] = size;
        l->n++;
}

static void digest_list_release(struct digest_list *l)
{
        free(l->items);
        free(l->sizes);
}

static int collect_blob(const struct digest *d, int64_t size, void *ctx)
{
        digest_list_add(ctx, d, size);
        return 0;
}

static int collect_layer(const struct digest *chain_id, void *ctx)
{
        digest_list_add(ctx, chain_id, 0);
        return 0;
}

/* Layers first: a layer's directory is worth more than the blob it came from, and both go in
 * the same run. */
static int collect_layers(struct image_store *s, struct image_gc_stats *stats, struct error **err)
{
        struct digest_list layers = {0};
        int rc = layer_store_for_each(s->layers, collect_layer, &layers, err);
        for (size_t i = 0; rc == 0 && i < layers.n; i++) {
                bool used = false;
                rc = image_db_layer_referenced(s->db, &layers.items[i], &used, err);
                if (rc < 0 || used)
                        continue;
                struct layer_record record;
                struct error *no_record = NULL;
                if (layer_store_read_record(s->layers, &layers.items[i], &record, &no_record) == 0)
                        stats->bytes += record.size;
                error_free(&no_record); /* a half-deleted layer: nothing to count */
                rc = layer_store_delete(s->layers, &layers.items[i], err);
                if (rc == 0)
                        stats->layers++;
        }
        digest_list_release(&layers);
        return rc;
}

static int collect_blobs(struct image_store *s, struct image_gc_stats *stats, struct error **err)
{
        struct digest_list blobs = {0};
        int rc = content_store_for_each(s->content, collect_blob, &blobs, err);
        for (size_t i = 0; rc == 0 && i < blobs.n; i++) {
                bool used = false;
                rc = image_db_blob_referenced(s->db, &blobs.items[i], &used, err);
                if (rc < 0 || used)
                        continue;
                rc = content_store_delete(s->content, &blobs.items[i], err);
                if (rc == 0) {
                        stats->blobs++;
                        stats->bytes += (uint64_t)blobs.sizes[i];
                }
        }
        digest_list_release(&blobs);
        return rc;
}

int image_gc(struct image_store *s, struct image_gc_stats *out, struct error **err)
{
        struct image_gc_stats stats = {0};
        if (image_store_lock(s, true, err) < 0)
                return error_wrap(err, "garbage collection");
        int rc = collect_layers(s, &stats, err);
        if (rc == 0)
                rc = collect_blobs(s, &stats, err);
        if (rc == 0) {
                int removed = layer_store_clean_temporaries(s->layers, err);
                if (removed < 0)
                        rc = -1;
                else
                        stats.temporaries += (uint64_t)removed;
        }
        uint64_t partials = 0, partial_bytes = 0;
        if (rc == 0 && content_store_clean_ingest(s->content, IMAGE_GC_PARTIAL_MAX_AGE, &partials,
                                                  &partial_bytes, err) < 0)
                rc = -1;
        stats.temporaries += partials;
        stats.bytes += partial_bytes;
        image_store_unlock(s);
        if (out)
                *out = stats;
        return rc < 0 ? error_wrap(err, "garbage collection") : 0;
}
