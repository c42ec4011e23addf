/*
 * Unpacked layers: ROOT/layers/<chainid-hex>/ holds the tree of the layer whose chain (config.md
 * #layer-chainid) ends there, in overlay's form, read-only by convention; ROOT/layers/<hex>.json
 * records {"diff_id", "chain_id", "parent", "size"}. A layer directory appears only by rename of a
 * fully unpacked and verified temporary directory (ROOT/layers/.tmp-*), so its presence means it
 * is complete. flock on ROOT/layers/<hex>.lock serialises two processes unpacking the same layer:
 * the second waits and then finds it present.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"

struct layer_store;

int layer_store_open(const char *root, struct layer_store **out, struct error **err);
void layer_store_free(struct layer_store *store);

/* Newly allocated path of the layer directory for CHAIN_ID. */
char *layer_store_path(const struct layer_store *store, const struct digest *chain_id);
bool layer_store_has(const struct layer_store *store, const struct digest *chain_id);

/* What ROOT/layers/<hex>.json records. */
struct layer_record {
        struct digest diff_id;
        struct digest chain_id;
        bool has_parent;
        struct digest parent; /* when has_parent */
        uint64_t size;        /* unpacked bytes (the tar stream's length) */
};
/* Reads the record of CHAIN_ID's layer. */
int layer_store_read_record(const struct layer_store *store, const struct digest *chain_id,
                            struct layer_record *out, struct error **err);

struct layer_write;
/* Takes the layer's lock; when the layer exists already (possibly after waiting), returns 0 with
 * *out NULL. Otherwise *out is a write with an empty temporary directory. */
int layer_write_begin(struct layer_store *store, const struct digest *chain_id,
                      struct layer_write **out, struct error **err);
/* The temporary directory's fd (owned by the write). */
int layer_write_dirfd(const struct layer_write *w);
/* syncfs, writes the record, renames the directory into place, releases the lock, frees W. */
int layer_write_commit(struct layer_write *w, const struct digest *diff_id,
                       const struct digest *parent_chain_id /* or NULL */, uint64_t size,
                       struct error **err);
/* Removes the temporary directory, releases the lock, frees W. */
void layer_write_abort(struct layer_write *w);

/* Removes a layer (record first, then the tree, via a rename to .tmp-deleted-*). */
int layer_store_delete(struct layer_store *store, const struct digest *chain_id,
                       struct error **err);
int layer_store_for_each(const struct layer_store *store,
                         int (*fn)(const struct digest *chain_id, void *ctx), void *ctx,
                         struct error **err);
/* Removes .tmp-* leftovers of killed processes (those whose lock is free); returns how many. */
int layer_store_clean_temporaries(struct layer_store *store, struct error **err);
