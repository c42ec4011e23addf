/*
 * Container records, in the image store's SQLite database (ROOT/berth.db, table `containers`,
 * schema version 2): id, unique name, image ID, creation time and a JSON document with the rest
 * (the options it was created with, where its bundle and logs are, its last known state). The
 * image commands read the same table to know which images are in use.
 */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct container_row {
        char *id; /* 64 hex */
        char *name;
        char *image_id; /* "sha256:..." */
        int64_t created;
        json_t *data; /* an object, owned */
};
void container_row_release(struct container_row *row);

struct container_db;
struct sqlite3;
/* The records through CONNECTION, the image database's (image_db_connection), which
 * image_db_open created and migrated and which outlives this. */
int container_db_open(struct sqlite3 *connection, struct container_db **out, struct error **err);
void container_db_close(struct container_db *db);

/* Inserts a new container. A name in use returns CONTAINER_DB_NAME_IN_USE with the error "the
 * container name \"NAME\" is already in use by ID12" (docker's words). */
#define CONTAINER_DB_NAME_IN_USE (-2)
int container_db_insert(struct container_db *db, const struct container_row *row,
                        struct error **err);
int container_db_update_data(struct container_db *db, const char *id, json_t *data,
                             struct error **err);
int container_db_rename(struct container_db *db, const char *id, const char *name,
                        struct error **err);
/* By name, full ID or unique ID prefix. 1 found, 0 not, -1 error (ambiguous prefix). */
int container_db_find(struct container_db *db, const char *name_or_id, struct container_row *out,
                      struct error **err);
/* All containers, newest first. */
int container_db_list(struct container_db *db, struct container_row **out, size_t *n,
                      struct error **err);
int container_db_delete(struct container_db *db, const char *id, struct error **err);
