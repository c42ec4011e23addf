/*
 * The content-addressable store: ROOT/blobs/<alg>/<hex>. Content enters only through an ingest
 * that writes ROOT/ingest/<alg>-<hex>.partial (or a random name when the digest is not known in
 * advance), hashes while writing, and on commit fsyncs, checks size and digest, and renames into
 * blobs/. A blob that exists is therefore complete and verified; readers never see partial data.
 *
 * Concurrency: an ingest for a known digest holds flock(LOCK_EX) on ROOT/ingest/<alg>-<hex>.lock;
 * a second process ingesting the same digest waits, then finds the blob present
 * (content_ingest_begin reports CONTENT_INGEST_EXISTS). An interrupted ingest leaves its .partial
 * file; the next ingest of that digest resumes from its end (re-hashing what is there), which is
 * how pulls resume interrupted downloads.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"

struct content_store;

/* Opens (creating the directories of) the store under ROOT. */
int content_store_open(const char *root, struct content_store **out, struct error **err);
void content_store_free(struct content_store *store);

/* Newly allocated path of the blob (whether or not it exists). */
char *content_store_blob_path(const struct content_store *store, const struct digest *digest);
/* Whether the blob exists; its size in *size (may be NULL). */
bool content_store_has(const struct content_store *store, const struct digest *digest,
                       int64_t *size);
/* Opens the blob read-only (O_CLOEXEC). Error when missing: "blob sha256:... not found". */
int content_store_open_blob(const struct content_store *store, const struct digest *digest,
                            struct error **err);
/* Reads a whole blob of at most MAX bytes (manifests, configs) into a new NUL-terminated buffer,
 * verifying its digest again (cheap for small documents, and catches disk corruption). */
char *content_store_read_blob(const struct content_store *store, const struct digest *digest,
                              size_t max, size_t *len, struct error **err);
/* Stores a small buffer; its digest (sha256) in *out. Idempotent. */
int content_store_put(struct content_store *store, const void *data, size_t len, struct digest *out,
                      struct error **err);
int content_store_delete(struct content_store *store, const struct digest *digest,
                         struct error **err);
/* Calls FN for each blob; stops and returns FN's value when it is non-zero. */
int content_store_for_each(const struct content_store *store,
                           int (*fn)(const struct digest *digest, int64_t size, void *ctx),
                           void *ctx, struct error **err);

/* Removes ingest leftovers (partial files and lock files) untouched for MAX_AGE_SECONDS whose
 * ingest is not running (its lock is free): killed pulls that were never resumed. Counts the
 * partial files in *removed and their bytes in *bytes (both may be NULL). */
int content_store_clean_ingest(struct content_store *store, int64_t max_age_seconds,
                               uint64_t *removed, uint64_t *bytes, struct error **err);

enum content_ingest_status {
        CONTENT_INGEST_NEW,    /* write from offset 0 */
        CONTENT_INGEST_RESUME, /* a partial file was found: write from content_ingest_offset() */
        CONTENT_INGEST_EXISTS, /* the blob is already in the store: nothing to write */
};

struct content_ingest;
/* Begins ingesting content whose digest is EXPECTED (NULL when unknown, e.g. a layer being
 * compressed; then no resume and no lock) and whose size is EXPECTED_SIZE (-1 unknown).
 * With EXISTS, *out is NULL. */
int content_ingest_begin(struct content_store *store, const struct digest *expected,
                         int64_t expected_size, struct content_ingest **out,
                         enum content_ingest_status *status, struct error **err);
uint64_t content_ingest_offset(const struct content_ingest *ingest);
int content_ingest_write(struct content_ingest *ingest, const void *data, size_t len,
                         struct error **err);
/* Direct mode, for writers whose content is not read back soon (a registry's uploads): from here
 * on, INGEST stages what it is given in an aligned 8 MiB buffer and writes each full buffer with
 * O_DIRECT, from memory to the disk without a copy into the page cache (on a VM whose fresh page
 * cache pages are slow to touch, that copy was half of a push's CPU: docs/registry.md). Bytes
 * off a 4 KiB boundary (the end of a request, a resumed partial) go through the page cache.
 * content_ingest_offset still counts every byte given. Returns whether direct mode is on: false,
 * and plain writes as before, when the filesystem refuses O_DIRECT (tmpfs). */
bool content_ingest_set_direct(struct content_ingest *ingest);
/* Writes what direct mode has staged and gives the staging buffer back; a no-op for an ingest
 * not in direct mode. Call it when a request that wrote into a long-lived ingest ends, so an idle
 * ingest holds no buffer. The commits call it too. After a failed write or flush, the ingest can
 * only be aborted. */
int content_ingest_flush(struct content_ingest *ingest, struct error **err);
/* Drops bytes written since offset 0 and starts over (a server ignored a Range request). */
int content_ingest_restart(struct content_ingest *ingest, struct error **err);
/* Verifies and publishes; *actual gets the digest (may be NULL). On a mismatch the partial file
 * is deleted and the error says both digests: "blob sha256:a...: digest mismatch (got
 * sha256:b...)". Frees INGEST in every case. */
int content_ingest_commit(struct content_ingest *ingest, struct digest *actual, struct error **err);
/* Begins ingesting content whose digest is named only at the end (a registry's upload session:
 * the client gives the digest when it closes the upload), hashed with ALGORITHM while written.
 * A random partial name, no resume, no lock. */
int content_ingest_begin_unnamed(struct content_store *store, enum digest_algorithm algorithm,
                                 struct content_ingest **out, struct error **err);
/* Verifies the content against EXPECTED (re-reading the partial file when EXPECTED's algorithm
 * is not the one the ingest hashed with) and publishes it under EXPECTED. On a mismatch the
 * partial file is deleted and the error says both digests. Frees INGEST in every case. */
int content_ingest_commit_expected(struct content_ingest *ingest, const struct digest *expected,
                                   struct error **err);
/* Gives up; KEEP_PARTIAL keeps the .partial file for a later resume. Frees INGEST. */
void content_ingest_abort(struct content_ingest *ingest, bool keep_partial);
