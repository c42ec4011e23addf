/*
 * Image records in SQLite (see image_db.h). One connection per process; every write runs in a
 * BEGIN IMMEDIATE transaction (the caller's, or one of its own), so two berth processes queue on
 * the database's write lock (busy timeout) instead of failing half-way.
 */
#include "image_db.h"

#include <ctype.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "base/alloc.h"

#define SCHEMA_VERSION  2
#define BUSY_TIMEOUT_MS 30000

static const char schema_v1[] =
    "CREATE TABLE images ("
    "  id TEXT PRIMARY KEY,"
    "  manifest_digest TEXT NOT NULL,"
    "  manifest_media_type TEXT,"
    "  architecture TEXT,"
    "  os TEXT,"
    "  created INTEGER NOT NULL DEFAULT 0,"
    "  size INTEGER NOT NULL DEFAULT 0,"
    "  stored_at INTEGER NOT NULL);"
    "CREATE INDEX images_by_stored_at ON images(stored_at);"
    "CREATE TABLE image_layers ("
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  chain_id TEXT NOT NULL,"
    "  PRIMARY KEY (image_id, position));"
    "CREATE INDEX image_layers_by_chain_id ON image_layers(chain_id);"
    "CREATE TABLE image_blobs ("
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  digest TEXT NOT NULL,"
    "  PRIMARY KEY (image_id, digest));"
    "CREATE INDEX image_blobs_by_digest ON image_blobs(digest);"
    "CREATE TABLE names ("
    "  name TEXT PRIMARY KEY,"
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
    "CREATE INDEX names_by_image ON names(image_id);"
    /* One index digest can be recorded for several images (one per platform pulled). */
    "CREATE TABLE repo_digests ("
    "  repo_digest TEXT NOT NULL,"
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (repo_digest, image_id));"
    "CREATE INDEX repo_digests_by_image ON repo_digests(image_id);"
    /* Filled by the engine. No foreign key: `rmi -f` may remove an image a container uses. */
    "CREATE TABLE containers ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT UNIQUE,"
    "  image_id TEXT NOT NULL);"
    "CREATE INDEX containers_by_image ON containers(image_id);";

/* Version 2: what the engine keeps of a container (src/engine/container_db.h): when it was
 * created and a JSON document (its options, its bundle, its state as last seen). */
static const char schema_v2[] =
    "ALTER TABLE containers ADD COLUMN created INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE containers ADD COLUMN data TEXT NOT NULL DEFAULT '{}';";

enum statement {
        ST_IMAGE_UPSERT,
        ST_LAYERS_DELETE,
        ST_LAYER_INSERT,
        ST_BLOBS_DELETE,
        ST_BLOB_INSERT,
        ST_IMAGE_SELECT,
        ST_LAYERS_SELECT,
        ST_BLOBS_SELECT,
        ST_NAMES_SELECT,
        ST_REPO_DIGESTS_SELECT,
        ST_NAME_UPSERT,
        ST_NAME_DELETE,
        ST_REPO_DIGEST_INSERT,
        ST_FIND_NAME,
        ST_FIND_REPO_DIGEST,
        ST_FIND_PREFIX,
        ST_LIST,
        ST_IMAGE_DELETE,
        ST_USERS,
        ST_BLOB_REFERENCED,
        ST_LAYER_REFERENCED,
        ST_COUNT,
};

static const char *const statement_sql[ST_COUNT] = {
    [ST_IMAGE_UPSERT] =
        "INSERT INTO images (id, manifest_digest, manifest_media_type, architecture, os, created,"
        " size, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (id) DO UPDATE SET manifest_digest = excluded.manifest_digest,"
        " manifest_media_type = excluded.manifest_media_type,"
        " architecture = excluded.architecture, os = excluded.os, created = excluded.created,"
        " size = excluded.size, stored_at = excluded.stored_at",
    [ST_LAYERS_DELETE] = "DELETE FROM image_layers WHERE image_id = ?1",
    [ST_LAYER_INSERT] =
        "INSERT INTO image_layers (image_id, position, chain_id) VALUES (?1, ?2, ?3)",
    [ST_BLOBS_DELETE] = "DELETE FROM image_blobs WHERE image_id = ?1",
    [ST_BLOB_INSERT] = "INSERT OR IGNORE INTO image_blobs (image_id, digest) VALUES (?1, ?2)",
    [ST_IMAGE_SELECT] = "SELECT manifest_digest, manifest_media_type, architecture, os, created,"
                        " size, stored_at FROM images WHERE id = ?1",
    [ST_LAYERS_SELECT] = "SELECT chain_id FROM image_layers WHERE image_id = ?1 ORDER BY position",
    [ST_BLOBS_SELECT] = "SELECT digest FROM image_blobs WHERE image_id = ?1 ORDER BY rowid",
    [ST_NAMES_SELECT] = "SELECT name FROM names WHERE image_id = ?1 ORDER BY name",
    [ST_REPO_DIGESTS_SELECT] =
        "SELECT repo_digest FROM repo_digests WHERE image_id = ?1 ORDER BY repo_digest",
    [ST_NAME_UPSERT] = "INSERT INTO names (name, image_id) VALUES (?1, ?2)"
                       " ON CONFLICT (name) DO UPDATE SET image_id = excluded.image_id",
    [ST_NAME_DELETE] = "DELETE FROM names WHERE name = ?1",
    [ST_REPO_DIGEST_INSERT] =
        "INSERT OR IGNORE INTO repo_digests (repo_digest, image_id) VALUES (?1, ?2)",
    [ST_FIND_NAME] = "SELECT image_id FROM names WHERE name = ?1",
    [ST_FIND_REPO_DIGEST] = "SELECT r.image_id FROM repo_digests r JOIN images i"
                            " ON i.id = r.image_id WHERE r.repo_digest = ?1"
                            " ORDER BY i.stored_at DESC, i.rowid DESC LIMIT 1",
    /* ?1 <= id < ?2 where ?2 is the prefix with its last character incremented: the prefix
     * range, through the primary key's index. */
    [ST_FIND_PREFIX] = "SELECT id FROM images WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 2",
    [ST_LIST] = "SELECT id FROM images ORDER BY stored_at DESC, rowid DESC",
    [ST_IMAGE_DELETE] = "DELETE FROM images WHERE id = ?1",
    [ST_USERS] = "SELECT coalesce(name, id) FROM containers WHERE image_id = ?1 ORDER BY 1",
    [ST_BLOB_REFERENCED] =
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM image_blobs WHERE digest = ?1)"
        " OR EXISTS (SELECT 1 FROM images WHERE id = ?1 OR manifest_digest = ?1)",
    [ST_LAYER_REFERENCED] =
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM image_layers WHERE chain_id = ?1)",
};

struct image_db {
        sqlite3 *db;
        char *path;
        sqlite3_stmt *statements[ST_COUNT];
};

/* Resetting a statement when its function returns ends its read of the database, which would
 * otherwise hold back WAL checkpoints. */
static inline void cleanup_resetp(sqlite3_stmt **st)
{
        if (*st)
                sqlite3_reset(*st);
}
#define _cleanup_reset_ __attribute__((cleanup(cleanup_resetp)))

static int db_error(struct image_db *db, struct error **err, const char *what)
{
        return error_set(err, 0, "%s: %s", what, sqlite3_errmsg(db->db));
}

static sqlite3_stmt *statement(struct image_db *db, enum statement id, struct error **err)
{
        if (db->statements[id] == NULL &&
            sqlite3_prepare_v3(db->db, statement_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                               &db->statements[id], NULL) != SQLITE_OK) {
                db_error(db, err, "prepare statement");
                return NULL;
        }
        sqlite3_reset(db->statements[id]);
        sqlite3_clear_bindings(db->statements[id]);
        return db->statements[id];
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
        if (s)
                sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(st, i);
}

/* Runs a statement that returns no rows. */
static int step_done(struct image_db *db, sqlite3_stmt *st, const char *what, struct error **err)
{
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return db_error(db, err, what);
        return 0;
}

static int exec(struct image_db *db, const char *sql, const char *what, struct error **err)
{
        char *message = NULL;
        if (sqlite3_exec(db->db, sql, NULL, NULL, &message) != SQLITE_OK) {
                error_set(err, 0, "%s: %s", what, message ? message : sqlite3_errmsg(db->db));
                sqlite3_free(message);
                return -1;
        }
        return 0;
}

int image_db_begin(struct image_db *db, struct error **err)
{
        return exec(db, "BEGIN IMMEDIATE", "begin transaction", err);
}

int image_db_commit(struct image_db *db, struct error **err)
{
        if (exec(db, "COMMIT", "commit transaction", err) < 0) {
                image_db_rollback(db);
                return -1;
        }
        return 0;
}

void image_db_rollback(struct image_db *db)
{
        if (!sqlite3_get_autocommit(db->db))
                (void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A write runs in the caller's transaction when there is one, else in its own. */
static int write_enter(struct image_db *db, bool *own, struct error **err)
{
        *own = sqlite3_get_autocommit(db->db) != 0;
        return *own ? image_db_begin(db, err) : 0;
}

static int write_leave(struct image_db *db, bool own, int rc, struct error **err)
{
        if (!own)
                return rc;
        if (rc < 0) {
                image_db_rollback(db);
                return rc;
        }
        return image_db_commit(db, err);
}

static int schema_version(struct image_db *db, int *version, struct error **err)
{
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
                return db_error(db, err, "read schema version");
        int rc = sqlite3_step(st);
        *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
                return db_error(db, err, "read schema version");
        return 0;
}

/* Switching to WAL needs an exclusive lock, and when another process is opening a new database
 * at the same moment SQLite answers SQLITE_BUSY without calling the busy handler: retry here. */
static int set_wal_mode(struct image_db *db, struct error **err)
{
        for (int waited_ms = 0;; waited_ms += 5) {
                int rc = sqlite3_exec(db->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
                if (rc == SQLITE_OK)
                        return 0;
                if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= BUSY_TIMEOUT_MS)
                        return db_error(db, err, "set WAL mode");
                usleep(5000);
        }
}

static int migrate(struct image_db *db, struct error **err)
{
        /* The common case, a database of this version, costs one read and no write lock. WAL
         * mode is kept in the file: set once, when the database is made. */
        int version = 0;
        if (schema_version(db, &version, err) < 0)
                return -1;
        if (version == SCHEMA_VERSION)
                return 0;
        if (set_wal_mode(db, err) < 0 || image_db_begin(db, err) < 0)
                return -1;
        /* Read again under the write lock: two processes creating the database do it once. */
        if (schema_version(db, &version, err) < 0)
                goto fail;
        if (version > SCHEMA_VERSION) {
                error_set(err, 0, "schema version %d is newer than this berth knows (%d)", version,
                          SCHEMA_VERSION);
                goto fail;
        }
        if (version < 1 && exec(db, schema_v1, "create schema", err) < 0)
                goto fail;
        if (version < 2 && exec(db, schema_v2, "upgrade schema to version 2", err) < 0)
                goto fail;
        /* Later versions add their steps here: if (version < 3) ... */
        if (version < SCHEMA_VERSION) {
                char sql[64];
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
                if (exec(db, sql, "set schema version", err) < 0)
                        goto fail;
        }
        return image_db_commit(db, err);
fail:
        image_db_rollback(db);
        return -1;
}

int image_db_open(const char *path, struct image_db **out, struct error **err)
{
        struct image_db *db = xcalloc(1, sizeof(*db));
        db->path = xstrdup(path);
        if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK) {
                if (db->db == NULL) {
                        error_set(err, ENOMEM, "open %s", path);
                        goto fail;
                }
                db_error(db, err, "open database");
                goto fail;
        }
        sqlite3_busy_timeout(db->db, BUSY_TIMEOUT_MS);
        /* Every berth command is a short process: a checkpoint at each close would sync the
         * database twice per command, so it is left to SQLite's automatic checkpoints. But the
         * first connection of a process rebuilds the WAL's index by reading every frame of it
         * (the -shm is not trusted once all connections closed): those checkpoints come every
         * 64 pages, which keeps that read to a few dozen pages (at 1000, the default, a run
         * read 4 MB of WAL). See engine/container_db.c for the records' connection. */
        sqlite3_db_config(db->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        sqlite3_wal_autocheckpoint(db->db, IMAGE_DB_WAL_CHECKPOINT_PAGES);
        if (exec(db, "PRAGMA foreign_keys = ON", "enable foreign keys", err) < 0 ||
            migrate(db, err) < 0)
                goto fail;
        *out = db;
        return 0;
fail:
        image_db_close(db);
        return error_wrap(err, "image database %s", path);
}

struct sqlite3 *image_db_connection(struct image_db *db)
{
        return db->db;
}

void image_db_close(struct image_db *db)
{
        if (db == NULL)
                return;
        for (size_t i = 0; i < ST_COUNT; i++)
                sqlite3_finalize(db->statements[i]);
        sqlite3_close(db->db);
        free(db->path);
        free(db);
}

void image_record_release(struct image_record *r)
{
        free(r->manifest_media_type);
        free(r->architecture);
        free(r->os);
        free(r->chain_ids);
        free(r->blobs);
        for (size_t i = 0; r->names && r->names[i]; i++)
                free(r->names[i]);
        free(r->names);
        for (size_t i = 0; r->repo_digests && r->repo_digests[i]; i++)
                free(r->repo_digests[i]);
        free(r->repo_digests);
        memset(r, 0, sizeof(*r));
}

static int put_locked(struct image_db *db, const struct image_record *r, struct error **err)
{
        sqlite3_stmt *st = statement(db, ST_IMAGE_UPSERT, err);
        if (st == NULL)
                return -1;
        _cleanup_reset_ sqlite3_stmt *upsert = st;
        bind_text(st, 1, r->id.text);
        bind_text(st, 2, r->manifest_digest.text);
        bind_text(st, 3, r->manifest_media_type);
        bind_text(st, 4, r->architecture);
        bind_text(st, 5, r->os);
        sqlite3_bind_int64(st, 6, r->created);
        sqlite3_bind_int64(st, 7, r->size);
        sqlite3_bind_int64(st, 8, r->stored_at ? r->stored_at : (int64_t)time(NULL));
        if (step_done(db, st, "store image", err) < 0)
                return -1;

        static const enum statement clear[] = {ST_LAYERS_DELETE, ST_BLOBS_DELETE};
        for (size_t i = 0; i < ARRAY_SIZE(clear); i++) {
                _cleanup_reset_ sqlite3_stmt *del = statement(db, clear[i], err);
                if (del == NULL)
                        return -1;
                bind_text(del, 1, r->id.text);
                if (step_done(db, del, "store image", err) < 0)
                        return -1;
        }
        for (size_t i = 0; i < r->n_layers; i++) {
                _cleanup_reset_ sqlite3_stmt *ins = statement(db, ST_LAYER_INSERT, err);
                if (ins == NULL)
                        return -1;
                bind_text(ins, 1, r->id.text);
                sqlite3_bind_int64(ins, 2, (int64_t)i);
                bind_text(ins, 3, r->chain_ids[i].text);
                if (step_done(db, ins, "store image layers", err) < 0)
                        return -1;
        }
        for (size_t i = 0; i < r->n_blobs; i++) {
                _cleanup_reset_ sqlite3_stmt *ins = statement(db, ST_BLOB_INSERT, err);
                if (ins == NULL)
                        return -1;
                bind_text(ins, 1, r->id.text);
                bind_text(ins, 2, r->blobs[i].text);
                if (step_done(db, ins, "store image blobs", err) < 0)
                        return -1;
        }
        return 0;
}

int image_db_put(struct image_db *db, const struct image_record *r, struct error **err)
{
        bool own;
        if (write_enter(db, &own, err) < 0)
                return error_wrap(err, "image %s", r->id.text);
        int rc = write_leave(db, own, put_locked(db, r, err), err);
        return rc < 0 ? error_wrap(err, "image %s", r->id.text) : 0;
}

/* Runs a query of one text column bound to ?1 = ARG; returns 1 with the first row's value (a new
 * string) in *out, 0 when there is no row. */
static int query_text(struct image_db *db, enum statement id, const char *arg, char **out,
                      struct error **err)
{
        *out = NULL;
        _cleanup_reset_ sqlite3_stmt *st = statement(db, id, err);
        if (st == NULL)
                return -1;
        bind_text(st, 1, arg);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return db_error(db, err, "query");
        const char *text = (const char *)sqlite3_column_text(st, 0);
        *out = xstrdup(text ? text : "");
        return 1;
}

static int image_exists(struct image_db *db, const struct digest *id, struct error **err)
{
        _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_IMAGE_SELECT, err);
        if (st == NULL)
                return -1;
        bind_text(st, 1, id->text);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return db_error(db, err, "query image");
}

int image_db_add_name(struct image_db *db, const struct digest *id, const char *name,
                      struct error **err)
{
        bool own;
        if (write_enter(db, &own, err) < 0)
                return error_wrap(err, "name %s", name);
        int rc = image_exists(db, id, err);
        if (rc == 0)
                rc = error_set(err, 0, "image %s not found", id->text);
        if (rc > 0) {
                _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_NAME_UPSERT, err);
                rc = st ? 0 : -1;
                if (st) {
                        bind_text(st, 1, name);
                        bind_text(st, 2, id->text);
                        rc = step_done(db, st, "store name", err);
                }
        }
        rc = write_leave(db, own, rc, err);
        return rc < 0 ? error_wrap(err, "name %s", name) : 0;
}

int image_db_remove_name(struct image_db *db, const char *name, struct error **err)
{
        _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_NAME_DELETE, err);
        if (st == NULL)
                return error_wrap(err, "remove name %s", name);
        bind_text(st, 1, name);
        if (step_done(db, st, "delete", err) < 0)
                return error_wrap(err, "remove name %s", name);
        return sqlite3_changes(db->db) > 0 ? 1 : 0;
}

int image_db_add_repo_digest(struct image_db *db, const struct digest *id, const char *repo_digest,
                             struct error **err)
{
        _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_REPO_DIGEST_INSERT, err);
        if (st == NULL)
                return error_wrap(err, "repo digest %s", repo_digest);
        bind_text(st, 1, repo_digest);
        bind_text(st, 2, id->text);
        if (sqlite3_step(st) != SQLITE_DONE) {
                if (sqlite3_extended_errcode(db->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
                        return error_set(err, 0, "repo digest %s: image %s not found", repo_digest,
                                         id->text);
                db_error(db, err, "store");
                return error_wrap(err, "repo digest %s", repo_digest);
        }
        return 0;
}

/* Reads the digests of column 0 of ST's rows into a new array. */
static int read_digests(struct image_db *db, sqlite3_stmt *st, struct digest **out, size_t *n,
                        struct error **err)
{
        size_t cap = 8, count = 0;
        _cleanup_free_ struct digest *list = xmalloc(cap * sizeof(*list));
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (count == cap) {
                        cap *= 2;
                        list = xrealloc(list, cap * sizeof(*list));
                }
                const char *text = (const char *)sqlite3_column_text(st, 0);
                if (digest_parse(text ? text : "", &list[count], err) < 0)
                        return error_wrap(err, "corrupt image database");
                count++;
        }
        if (rc != SQLITE_DONE)
                return db_error(db, err, "query");
        *out = steal_pointer(&list);
        *n = count;
        return 0;
}

/* Reads column 0 of ST's rows into a new NULL-terminated string array. */
static int read_strings(struct image_db *db, sqlite3_stmt *st, char ***out, struct error **err)
{
        size_t cap = 4, count = 0;
        char **list = xmalloc(cap * sizeof(*list));
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (count + 1 >= cap) {
                        cap *= 2;
                        list = xrealloc(list, cap * sizeof(*list));
                }
                const char *text = (const char *)sqlite3_column_text(st, 0);
                list[count++] = xstrdup(text ? text : "");
        }
        list[count] = NULL;
        if (rc != SQLITE_DONE) {
                for (size_t i = 0; i < count; i++)
                        free(list[i]);
                free(list);
                return db_error(db, err, "query");
        }
        *out = list;
        return 0;
}

static char *column_strdup(sqlite3_stmt *st, int i)
{
        const char *text = (const char *)sqlite3_column_text(st, i);
        return text ? xstrdup(text) : NULL;
}

static int get_fields(struct image_db *db, const struct digest *id, struct image_record *r,
                      struct error **err)
{
        _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_IMAGE_SELECT, err);
        if (st == NULL)
                return -1;
        bind_text(st, 1, id->text);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return db_error(db, err, "query image");
        r->id = *id;
        const char *manifest = (const char *)sqlite3_column_text(st, 0);
        if (digest_parse(manifest ? manifest : "", &r->manifest_digest, err) < 0)
                return error_wrap(err, "corrupt image database");
        r->manifest_media_type = column_strdup(st, 1);
        r->architecture = column_strdup(st, 2);
        r->os = column_strdup(st, 3);
        r->created = sqlite3_column_int64(st, 4);
        r->size = sqlite3_column_int64(st, 5);
        r->stored_at = sqlite3_column_int64(st, 6);
        return 1;
}

static int get_lists(struct image_db *db, struct image_record *r, struct error **err)
{
        struct {
                enum statement id;
                struct digest **digests;
                size_t *n;
                char ***strings;
        } lists[] = {
            {ST_LAYERS_SELECT, &r->chain_ids, &r->n_layers, NULL},
            {ST_BLOBS_SELECT, &r->blobs, &r->n_blobs, NULL},
            {ST_NAMES_SELECT, NULL, NULL, &r->names},
            {ST_REPO_DIGESTS_SELECT, NULL, NULL, &r->repo_digests},
        };
        for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
                _cleanup_reset_ sqlite3_stmt *st = statement(db, lists[i].id, err);
                if (st == NULL)
                        return -1;
                bind_text(st, 1, r->id.text);
                int rc = lists[i].digests ? read_digests(db, st, lists[i].digests, lists[i].n, err)
                                          : read_strings(db, st, lists[i].strings, err);
                if (rc < 0)
                        return -1;
        }
        return 0;
}

int image_db_get(struct image_db *db, const struct digest *id, struct image_record *out,
                 struct error **err)
{
        memset(out, 0, sizeof(*out));
        /* One read transaction, so the record is never half an old and half a new version. */
        bool own = sqlite3_get_autocommit(db->db) != 0;
        if (own && exec(db, "BEGIN", "begin transaction", err) < 0)
                return error_wrap(err, "image %s", id->text);
        int rc = get_fields(db, id, out, err);
        if (rc > 0 && get_lists(db, out, err) < 0)
                rc = -1;
        if (own)
                (void)sqlite3_exec(db->db, rc < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
        if (rc <= 0)
                image_record_release(out);
        if (rc < 0)
                return error_wrap(err, "image %s", id->text);
        return rc;
}

static bool is_hex(const char *s)
{
        if (*s == '\0')
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* Resolves an ID or a unique ID prefix ("sha256:" optional) to a full ID: 1 found, 0 not. */
static int find_by_id_prefix(struct image_db *db, const char *text, struct digest *out,
                             struct error **err)
{
        const char *colon = strchr(text, ':');
        const char *hex = colon ? colon + 1 : text;
        _cleanup_free_ char *algorithm =
            colon ? xstrndup(text, (size_t)(colon - text)) : xstrdup("sha256");
        if (!is_hex(hex) || strlen(hex) < 3)
                return 0;
        if (strcmp(algorithm, "sha256") != 0 && strcmp(algorithm, "sha512") != 0)
                return 0;
        _cleanup_free_ char *low = xasprintf("%s:%s", algorithm, hex);
        _cleanup_free_ char *high = xstrdup(low);
        high[strlen(high) - 1]++;

        _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_FIND_PREFIX, err);
        if (st == NULL)
                return -1;
        bind_text(st, 1, low);
        bind_text(st, 2, high);
        _cleanup_free_ char *first = NULL;
        int rc, rows = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (rows++ == 0)
                        first = column_strdup(st, 0);
        }
        if (rc != SQLITE_DONE)
                return db_error(db, err, "query image");
        if (rows == 0)
                return 0;
        if (rows > 1)
                return error_set(err, 0, "short ID %s is ambiguous", text);
        if (digest_parse(first ? first : "", out, err) < 0)
                return error_wrap(err, "corrupt image database");
        return 1;
}

int image_db_find(struct image_db *db, const char *name_or_id, struct image_record *out,
                  struct error **err)
{
        memset(out, 0, sizeof(*out));
        static const enum statement by_name[] = {ST_FIND_NAME, ST_FIND_REPO_DIGEST};
        for (size_t i = 0; i < ARRAY_SIZE(by_name); i++) {
                _cleanup_free_ char *id_text = NULL;
                int rc = query_text(db, by_name[i], name_or_id, &id_text, err);
                if (rc < 0)
                        return error_wrap(err, "find image %s", name_or_id);
                if (rc == 0)
                        continue;
                struct digest id;
                if (digest_parse(id_text, &id, err) < 0)
                        return error_wrap(err, "corrupt image database");
                return image_db_get(db, &id, out, err);
        }
        struct digest id;
        int rc = find_by_id_prefix(db, name_or_id, &id, err);
        if (rc <= 0)
                return rc;
        return image_db_get(db, &id, out, err);
}

int image_db_list(struct image_db *db, struct image_record **out, size_t *n, struct error **err)
{
        *out = NULL;
        *n = 0;
        struct digest *ids = NULL;
        size_t count = 0;
        {
                _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_LIST, err);
                if (st == NULL || read_digests(db, st, &ids, &count, err) < 0)
                        return error_wrap(err, "list images");
        }
        struct image_record *records = xcalloc(count ? count : 1, sizeof(*records));
        size_t got = 0;
        for (size_t i = 0; i < count; i++) {
                int rc = image_db_get(db, &ids[i], &records[got], err);
                if (rc < 0) {
                        for (size_t j = 0; j < got; j++)
                                image_record_release(&records[j]);
                        free(records);
                        free(ids);
                        return -1;
                }
                if (rc > 0) /* deleted between the two queries */
                        got++;
        }
        free(ids);
        *out = records;
        *n = got;
        return 0;
}

int image_db_delete(struct image_db *db, const struct digest *id, struct error **err)
{
        bool own;
        if (write_enter(db, &own, err) < 0)
                return error_wrap(err, "delete image %s", id->text);
        _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_IMAGE_DELETE, err);
        int rc = st ? 0 : -1;
        if (st) {
                bind_text(st, 1, id->text);
                rc = step_done(db, st, "delete", err);
                if (rc == 0 && sqlite3_changes(db->db) == 0)
                        rc = error_set(err, 0, "image %s not found", id->text);
                sqlite3_reset(st);
        }
        rc = write_leave(db, own, rc, err);
        return rc < 0 ? error_wrap(err, "delete image %s", id->text) : 0;
}

int image_db_image_users(struct image_db *db, const struct digest *id, char ***out,
                         struct error **err)
{
        _cleanup_reset_ sqlite3_stmt *st = statement(db, ST_USERS, err);
        if (st == NULL)
                return error_wrap(err, "containers of image %s", id->text);
        bind_text(st, 1, id->text);
        if (read_strings(db, st, out, err) < 0)
                return error_wrap(err, "containers of image %s", id->text);
        return 0;
}

static int referenced(struct image_db *db, enum statement id, const struct digest *d, bool *out,
                      struct error **err)
{
        _cleanup_reset_ sqlite3_stmt *st = statement(db, id, err);
        if (st == NULL)
                return -1;
        bind_text(st, 1, d->text);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return db_error(db, err, "query");
        *out = rc == SQLITE_ROW;
        return 0;
}

int image_db_blob_referenced(struct image_db *db, const struct digest *d, bool *out,
                             struct error **err)
{
        if (referenced(db, ST_BLOB_REFERENCED, d, out, err) < 0)
                return error_wrap(err, "references to blob %s", d->text);
        return 0;
}

int image_db_layer_referenced(struct image_db *db, const struct digest *chain_id, bool *out,
                              struct error **err)
{
        if (referenced(db, ST_LAYER_REFERENCED, chain_id, out, err) < 0)
                return error_wrap(err, "references to layer %s", chain_id->text);
        return 0;
}
