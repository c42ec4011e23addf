/* Container records in SQLite (see container_db.h). */
#include "container_db.h"
#include "image/image_db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define BUSY_TIMEOUT_MS 30000

struct container_db {
        sqlite3 *db;
};

void container_row_release(struct container_row *row)
{
        free(row->id);
        free(row->name);
        free(row->image_id);
        json_decref(row->data);
        memset(row, 0, sizeof(*row));
}

static int db_fail(struct container_db *db, const char *what, struct error **err)
{
        return error_set(err, 0, "container records: %s: %s", what, sqlite3_errmsg(db->db));
}

int container_db_open(struct sqlite3 *connection, struct container_db **out, struct error **err)
{
        struct container_db *db = xcalloc(1, sizeof(*db));
        db->db = connection;
        /* In WAL mode, NORMAL syncs at checkpoints instead of at every commit: the database
         * stays consistent through any crash, and only a power loss can take back the last
         * few commits. For records, those describe containers a power loss stopped anyway
         * (SQLite's advice for WAL); it saves two fsyncs per `run`. The connection is the image
         * records' too: an image that a `run` pulled may then have to be pulled again, its
         * verified blobs already in the store. */
        if (sqlite3_exec(db->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
                db_fail(db, "set synchronous mode", err);
                free(db);
                return -1;
        }
        *out = db;
        return 0;
}

void container_db_close(struct container_db *db)
{
        free(db);
}

static sqlite3_stmt *prepare(struct container_db *db, const char *sql, struct error **err)
{
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
                db_fail(db, "prepare", err);
                return NULL;
        }
        return st;
}

static void finalize(sqlite3_stmt **st)
{
        sqlite3_finalize(*st);
}
#define _cleanup_statement_ __attribute__((cleanup(finalize)))

static char *column_text(sqlite3_stmt *st, int i)
{
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? xstrdup((const char *)t) : NULL;
}

static void read_row(sqlite3_stmt *st, struct container_row *row)
{
        row->id = column_text(st, 0);
        row->name = column_text(st, 1);
        row->image_id = column_text(st, 2);
        row->created = sqlite3_column_int64(st, 3);
        const char *data = (const char *)sqlite3_column_text(st, 4);
        row->data = data ? json_loads(data, 0, NULL) : NULL;
        if (!json_is_object(row->data)) {
                json_decref(row->data);
                row->data = json_object();
        }
}

int container_db_insert(struct container_db *db, const struct container_row *row,
                        struct error **err)
{
        _cleanup_statement_ sqlite3_stmt *st = prepare(
            db, "INSERT INTO containers (id, name, image_id, created, data) VALUES (?, ?, ?, ?, ?)",
            err);
        if (!st)
                return -1;
        _cleanup_free_ char *data = json_dumps(row->data, JSON_COMPACT);
        sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, row->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, row->image_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, row->created);
        sqlite3_bind_text(st, 5, data ? data : "{}", -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_CONSTRAINT) {
                struct container_row other = {0};
                struct error *ignored = NULL;
                if (container_db_find(db, row->name, &other, &ignored) > 0) {
                        error_set(err, 0,
                                  "the container name \"%s\" is already in use by %.12s: remove "
                                  "that container or choose another name",
                                  row->name, other.id);
                        container_row_release(&other);
                        return CONTAINER_DB_NAME_IN_USE;
                }
                error_free(&ignored);
        }
        if (rc != SQLITE_DONE)
                return db_fail(db, "insert", err);
        return 0;
}

int container_db_update_data(struct container_db *db, const char *id, json_t *data,
                             struct error **err)
{
        _cleanup_statement_ sqlite3_stmt *st =
            prepare(db, "UPDATE containers SET data = ? WHERE id = ?", err);
        if (!st)
                return -1;
        _cleanup_free_ char *text = json_dumps(data, JSON_COMPACT);
        sqlite3_bind_text(st, 1, text ? text : "{}", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return db_fail(db, "update", err);
        return 0;
}

int container_db_rename(struct container_db *db, const char *id, const char *name,
                        struct error **err)
{
        _cleanup_statement_ sqlite3_stmt *st =
            prepare(db, "UPDATE containers SET name = ? WHERE id = ?", err);
        if (!st)
                return -1;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_CONSTRAINT)
                return error_set(err, 0, "the container name \"%s\" is already in use", name);
        if (rc != SQLITE_DONE)
                return db_fail(db, "rename", err);
        return 0;
}

#define ROW_COLUMNS "id, name, image_id, created, data"

int container_db_find(struct container_db *db, const char *name_or_id, struct container_row *out,
                      struct error **err)
{
        {
                _cleanup_statement_ sqlite3_stmt *st = prepare(
                    db, "SELECT " ROW_COLUMNS " FROM containers WHERE name = ?1 OR id = ?1", err);
                if (!st)
                        return -1;
                sqlite3_bind_text(st, 1, name_or_id, -1, SQLITE_STATIC);
                int rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        read_row(st, out);
                        return 1;
                }
                if (rc != SQLITE_DONE)
                        return db_fail(db, "find", err);
        }
        size_t len = strlen(name_or_id);
        if (len < 3 || len > 64 || strspn(name_or_id, "0123456789abcdef") != len)
                return 0;
        _cleanup_statement_ sqlite3_stmt *st = prepare(
            db, "SELECT " ROW_COLUMNS " FROM containers WHERE substr(id, 1, ?2) = ?1 LIMIT 2", err);
        if (!st)
                return -1;
        sqlite3_bind_text(st, 1, name_or_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, (int)len);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return db_fail(db, "find", err);
        read_row(st, out);
        if (sqlite3_step(st) == SQLITE_ROW) {
                container_row_release(out);
                return error_set(err, 0, "short ID %s is ambiguous: give more of it", name_or_id);
        }
        return 1;
}

int container_db_list(struct container_db *db, struct container_row **out, size_t *n,
                      struct error **err)
{
        *out = NULL;
        *n = 0;
        _cleanup_statement_ sqlite3_stmt *st =
            prepare(db, "SELECT " ROW_COLUMNS " FROM containers ORDER BY created DESC, id", err);
        if (!st)
                return -1;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                *out = xrealloc(*out, (*n + 1) * sizeof(**out));
                memset(&(*out)[*n], 0, sizeof(**out));
                read_row(st, &(*out)[(*n)++]);
        }
        if (rc != SQLITE_DONE) {
                for (size_t i = 0; i < *n; i++)
                        container_row_release(&(*out)[i]);
                free(*out);
                *out = NULL;
                *n = 0;
                return db_fail(db, "list", err);
        }
        return 0;
}

int container_db_delete(struct container_db *db, const char *id, struct error **err)
{
        _cleanup_statement_ sqlite3_stmt *st =
            prepare(db, "DELETE FROM containers WHERE id = ?", err);
        if (!st)
                return -1;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return db_fail(db, "delete", err);
        return 0;
}
