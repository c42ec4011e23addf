/*
 * The registry server's storage under one directory:
 *
 *   DIR/blobs/<alg>/<hex>, DIR/ingest/   the content store the client uses (content_store.h):
 *                                        every blob and manifest once, whatever the repositories
 *   DIR/registry.db                      SQLite (WAL, synchronous=FULL): what each repository
 *                                        holds — linked blobs, manifests, tags
 *
 * Invariants: a blob is published (fsync, rename) before any row names it, and a row is
 * committed before the request that made it is acknowledged; so a crash at any point loses no
 * acknowledged push, and a row never names bytes that are not there. A repository serves only
 * blobs linked to it (pushed, mounted, or manifests put in it). Thread-safe: each call takes a
 * database connection from a small pool.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"

struct registry_store;
struct content_store;

int registry_store_open(const char *dir, struct registry_store **out, struct error **err);
void registry_store_free(struct registry_store *store);
struct content_store *registry_store_content(struct registry_store *store);

/* Whether REPO may serve blob DIGEST (linked, and in the content store); its size in *size.
 * Returns 1 yes, 0 no, -1 on error. */
int registry_store_blob_get(struct registry_store *store, const char *repo,
                            const struct digest *digest, int64_t *size, struct error **err);
/* Links a blob of the content store into REPO (creating the repository). Idempotent. */
int registry_store_blob_link(struct registry_store *store, const char *repo,
                             const struct digest *digest, int64_t size, struct error **err);
/* Removes REPO's link to DIGEST (the bytes stay until garbage collection). 1 removed, 0 none. */
int registry_store_blob_unlink(struct registry_store *store, const char *repo,
                               const struct digest *digest, struct error **err);

int registry_store_repo_exists(struct registry_store *store, const char *repo,
                               struct error **err); /* 1, 0, -1 */

struct registry_manifest_record {
        struct digest digest;
        char media_type[256];
        int64_t size;
};
/* By digest or by tag: 1 found, 0 not, -1 error. */
int registry_store_manifest_get(struct registry_store *store, const char *repo,
                                const struct digest *digest, struct registry_manifest_record *out,
                                struct error **err);
int registry_store_tag_get(struct registry_store *store, const char *repo, const char *tag,
                           struct registry_manifest_record *out, struct error **err);

/* A manifest to record (its bytes are in the content store already). */
struct registry_manifest_put {
        struct registry_manifest_record record;
        const struct digest *subject; /* or NULL */
        const char *artifact_type;    /* for the referrers API (already defaulted), or NULL */
        const char *annotations;      /* JSON object text, or NULL */
        const struct digest *references;
        size_t n_references; /* blobs and manifests it names (for garbage collection) */
        const char *const *tags;
        size_t n_tags;
};
/* Records the manifest (also as a blob of REPO) and points TAGS at it, in one transaction. */
int registry_store_manifest_put(struct registry_store *store, const char *repo,
                                const struct registry_manifest_put *m, struct error **err);
/* Deletes the manifest and every tag naming it: 1 deleted, 0 unknown. */
int registry_store_manifest_delete(struct registry_store *store, const char *repo,
                                   const struct digest *digest, struct error **err);
int registry_store_tag_delete(struct registry_store *store, const char *repo, const char *tag,
                              struct error **err); /* 1, 0, -1 */

/* Up to LIMIT tags of REPO after LAST (NULL: from the start) in byte order, as a JSON array
 * (a new reference); *more says whether more follow. Catalog: the same over repositories. */
json_t *registry_store_tags(struct registry_store *store, const char *repo, const char *last,
                            uint64_t limit, bool *more, struct error **err);
json_t *registry_store_catalog(struct registry_store *store, const char *last, uint64_t limit,
                               bool *more, struct error **err);
/* The descriptors of REPO's manifests whose subject is SUBJECT (spec.md "Listing Referrers"),
 * only those of ARTIFACT_TYPE when it is not NULL. A new JSON array. */
json_t *registry_store_referrers(struct registry_store *store, const char *repo,
                                 const struct digest *subject, const char *artifact_type,
                                 struct error **err);

/* Garbage collection (registry_gc.c). Writers that make a blob referenced (an upload's commit
 * and link, a mount, a manifest's check and record) hold the lock shared; the collector holds
 * it exclusive while it removes links and while it removes each file, after checking again
 * that no repository links it. A lock file in DIR: it works across processes (`berth registry
 * gc` beside a serving registry). Returns a descriptor that registry_store_gc_unlock releases. */
int registry_store_gc_lock(struct registry_store *store, bool exclusive, struct error **err);
void registry_store_gc_unlock(int fd);
/* Removes (or with DRY_RUN counts) repository links to blobs that no manifest of the repository
 * references and that are not manifests themselves, linked before CUTOFF (epoch seconds). */
int registry_store_gc_unlink_unreferenced(struct registry_store *store, int64_t cutoff,
                                          bool dry_run, uint64_t *count, struct error **err);
/* Whether any repository links DIGEST: 1, 0, -1. With IGNORE_CUTOFF >= 0, links that
 * registry_store_gc_unlink_unreferenced would remove with that cutoff do not count (a dry run). */
int registry_store_digest_linked(struct registry_store *store, const struct digest *digest,
                                 int64_t ignore_cutoff, struct error **err);
