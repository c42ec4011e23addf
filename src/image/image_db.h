/*
 * Image records in SQLite (ROOT/berth.db, WAL mode, busy timeout so concurrent berth processes
 * wait instead of failing). An image is identified by its config digest (its "image ID", as
 * docker and podman do); names ("docker.io/library/busybox:latest") point at one image each;
 * repo digests ("docker.io/library/busybox@sha256:<manifest or index digest>") record what was
 * pulled. The record lists every blob the image keeps (index, manifest, config, layers) and its
 * layer chain, which is what garbage collection marks. A `containers` table (filled by the engine)
 * says which images are in use.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"

/* The WAL size, in pages, at which SQLite checkpoints berth.db (image_db_open): every
 * connection to it uses this, so that a new process's WAL recovery stays small. */
#define IMAGE_DB_WAL_CHECKPOINT_PAGES 64

struct image_record {
        struct digest id;              /* config digest */
        struct digest manifest_digest; /* the platform manifest */
        char *manifest_media_type;
        char *architecture;
        char *os;
        int64_t created;          /* from the config, unix seconds (0 when absent) */
        int64_t size;             /* sum of the unpacked layer sizes, bytes */
        int64_t stored_at;        /* when this store got it, unix seconds */
        struct digest *chain_ids; /* bottom first */
        size_t n_layers;
        struct digest *blobs; /* every blob the image keeps */
        size_t n_blobs;
        char **names;        /* NULL-terminated, sorted */
        char **repo_digests; /* NULL-terminated, sorted */
};
void image_record_release(struct image_record *r);

struct image_db;
/* Opens or creates the database at PATH (schema created or migrated). */
int image_db_open(const char *path, struct image_db **out, struct error **err);
void image_db_close(struct image_db *db);
/* The SQLite connection, for the container records in the same file (container_db_open): one
 * open and one read of the schema per command instead of two. It stays DB's. */
struct sqlite3 *image_db_connection(struct image_db *db);

/* A write transaction (BEGIN IMMEDIATE), for several changes that must land together. */
int image_db_begin(struct image_db *db, struct error **err);
int image_db_commit(struct image_db *db, struct error **err);
void image_db_rollback(struct image_db *db);

/* Inserts or replaces the image's own fields, layers and blobs (names and repo digests are kept
 * and changed only by the calls below). */
int image_db_put(struct image_db *db, const struct image_record *r, struct error **err);
/* Points NAME at image ID, taking it away from any other image (which may become dangling). */
int image_db_add_name(struct image_db *db, const struct digest *id, const char *name,
                      struct error **err);
/* Returns 1 if NAME was removed, 0 if it was not there. */
int image_db_remove_name(struct image_db *db, const char *name, struct error **err);
int image_db_add_repo_digest(struct image_db *db, const struct digest *id, const char *repo_digest,
                             struct error **err);

/* Finds an image by full name, by repo digest, or by ID / unique ID prefix (3+ hex chars, with or
 * without "sha256:"). Returns 1 and fills OUT when found, 0 when not, -1 on error (an ambiguous
 * prefix is an error: "short ID abc is ambiguous"). */
int image_db_find(struct image_db *db, const char *name_or_id, struct image_record *out,
                  struct error **err);
/* Returns 1 and fills OUT when image ID exists, 0 when not, -1 on error. */
int image_db_get(struct image_db *db, const struct digest *id, struct image_record *out,
                 struct error **err);
/* All images, newest stored first. *out is an array of N records (free each, then the array). */
int image_db_list(struct image_db *db, struct image_record **out, size_t *n, struct error **err);
/* Deletes the image record with its names and repo digests. */
int image_db_delete(struct image_db *db, const struct digest *id, struct error **err);

/* Containers using image ID (names, NULL-terminated; empty when none). */
int image_db_image_users(struct image_db *db, const struct digest *id, char ***out,
                         struct error **err);

/* For garbage collection: whether any image keeps blob D / uses layer chain C. */
int image_db_blob_referenced(struct image_db *db, const struct digest *d, bool *out,
                             struct error **err);
int image_db_layer_referenced(struct image_db *db, const struct digest *chain_id, bool *out,
                              struct error **err);
