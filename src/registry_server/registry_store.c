/* The registry server's records in SQLite beside the content store (registry_store.h). */
#include "registry_store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "content_store.h"

#define BUSY_TIMEOUT_MS 10000
#define POOL_MAX        64

struct registry_store {
        char *db_path;
        char *lock_path;
        struct content_store *content;
        pthread_mutex_t lock; /* guards the pool */
        sqlite3 *pool[POOL_MAX];
        size_t n_pool;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS repositories(name TEXT PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS blobs(repo TEXT NOT NULL, digest TEXT NOT NULL,"
    "  size INTEGER NOT NULL, PRIMARY KEY(repo, digest)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS manifests(repo TEXT NOT NULL, digest TEXT NOT NULL,"
    "  media_type TEXT NOT NULL, size INTEGER NOT NULL, subject TEXT, artifact_type TEXT,"
    "  annotations TEXT, PRIMARY KEY(repo, digest)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS manifests_by_subject ON manifests(repo, subject)"
    "  WHERE subject IS NOT NULL;"
    /* What each manifest names: the marks of garbage collection. */
    "CREATE TABLE IF NOT EXISTS manifest_references(repo TEXT NOT NULL, manifest TEXT NOT NULL,"
    "  digest TEXT NOT NULL, PRIMARY KEY(repo, manifest, digest)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tags(repo TEXT NOT NULL, tag TEXT NOT NULL,"
    "  digest TEXT NOT NULL, PRIMARY KEY(repo, tag)) WITHOUT ROWID;"
    /* Garbage collection asks whether any repository links a digest. */
    "CREATE INDEX IF NOT EXISTS blobs_by_digest ON blobs(digest);"
    "CREATE INDEX IF NOT EXISTS references_by_digest ON manifest_references(repo, digest);";

/* Columns added after the first release of the schema, added to older databases. */
static const struct {
        const char *table, *column, *sql;
} migrations[] = {
    /* When a repository last linked the blob (seconds since the epoch): garbage collection
     * spares links younger than its grace period (a push between its blobs and manifest). */
    {"blobs", "linked", "ALTER TABLE blobs ADD COLUMN linked INTEGER NOT NULL DEFAULT 0"},
};

static int db_error(sqlite3 *db, struct error **err, const char *what)
{
        return error_set(err, 0, "registry database: %s: %s", what, sqlite3_errmsg(db));
}

/* Steps ST to its first row: 1 there is one, 0 there is none, -1 with *err ("WHAT: ..."). */
static int step_first_row(sqlite3 *db, sqlite3_stmt *st, const char *what, struct error **err)
{
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return db_error(db, err, what);
}

static sqlite3 *db_open(const char *path, struct error **err)
{
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            NULL) != SQLITE_OK) {
                error_set(err, 0, "open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
                sqlite3_close(db);
                return NULL;
        }
        sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
        /* WAL: readers never wait for the writer. synchronous=FULL: a commit is on disk when it
         * returns, so an acknowledged push survives power loss, not just a crash. */
        if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", NULL, NULL,
                         NULL) != SQLITE_OK) {
                db_error(db, err, "set up");
                sqlite3_close(db);
                return NULL;
        }
        return db;
}

int registry_store_open(const char *dir, struct registry_store **out, struct error **err)
{
        if (fs_mkdir_p(dir, 0755, err) < 0)
                return error_wrap(err, "registry storage");
        struct registry_store *store = xcalloc(1, sizeof(*store));
        pthread_mutex_init(&store->lock, NULL);
        store->db_path = xasprintf("%s/registry.db", dir);
        store->lock_path = xasprintf("%s/gc.lock", dir);
        if (content_store_open(dir, &store->content, err) < 0)
                goto fail;
        sqlite3 *db = db_open(store->db_path, err);
        if (db == NULL)
                goto fail;
        store->pool[store->n_pool++] = db;
        if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
                db_error(db, err, "create tables");
                goto fail;
        }
        for (size_t i = 0; i < ARRAY_SIZE(migrations); i++) {
                _cleanup_free_ char *probe = xasprintf("SELECT %s FROM %s LIMIT 0",
                                                       migrations[i].column, migrations[i].table);
                if (sqlite3_exec(db, probe, NULL, NULL, NULL) == SQLITE_OK)
                        continue;
                if (sqlite3_exec(db, migrations[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
                        db_error(db, err, "add a column");
                        goto fail;
                }
        }
        *out = store;
        return 0;
fail:
        registry_store_free(store);
        return error_wrap(err, "registry storage %s", dir);
}

void registry_store_free(struct registry_store *store)
{
        if (store == NULL)
                return;
        for (size_t i = 0; i < store->n_pool; i++)
                sqlite3_close(store->pool[i]);
        content_store_free(store->content);
        pthread_mutex_destroy(&store->lock);
        free(store->db_path);
        free(store->lock_path);
        free(store);
}

struct content_store *registry_store_content(struct registry_store *store)
{
        return store->content;
}

static sqlite3 *db_acquire(struct registry_store *store, struct error **err)
{
        pthread_mutex_lock(&store->lock);
        sqlite3 *db = store->n_pool > 0 ? store->pool[--store->n_pool] : NULL;
        pthread_mutex_unlock(&store->lock);
        return db ? db : db_open(store->db_path, err);
}

static void db_release(struct registry_store *store, sqlite3 *db)
{
        pthread_mutex_lock(&store->lock);
        if (store->n_pool < POOL_MAX) {
                store->pool[store->n_pool++] = db;
                db = NULL;
        }
        pthread_mutex_unlock(&store->lock);
        if (db)
                sqlite3_close(db);
}

static void finalizep(sqlite3_stmt **st)
{
        sqlite3_finalize(*st);
}
#define _cleanup_stmt_ __attribute__((cleanup(finalizep)))

/* A connection held for the scope of a function: `DB_SCOPE(store, db, -1);`. */
struct db_scope {
        struct registry_store *store;
        sqlite3 *db;
};
static void db_scope_end(struct db_scope *s)
{
        if (s->db)
                db_release(s->store, s->db);
}
#define DB_SCOPE(store_, db_, fail_value)                                                          \
        __attribute__((cleanup(db_scope_end))) struct db_scope db_##scope = {                      \
            (store_), db_acquire((store_), err)};                                                  \
        sqlite3 *db_ = db_##scope.db;                                                              \
        if (db_ == NULL)                                                                           \
                return fail_value;

/* Prepares SQL and binds the text arguments (NULL binds NULL) in order. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, struct error **err, int n, ...)
{
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
                db_error(db, err, "prepare");
                return NULL;
        }
        va_list ap;
        va_start(ap, n);
        for (int i = 1; i <= n; i++) {
                const char *s = va_arg(ap, const char *);
                if (s)
                        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
                else
                        sqlite3_bind_null(st, i);
        }
        va_end(ap);
        return st;
}

/* Steps a statement that returns no rows. */
static int run(sqlite3 *db, sqlite3_stmt *st, struct error **err)
{
        if (st == NULL)
                return -1;
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return db_error(db, err, "write");
        return 0;
}

static int exec(sqlite3 *db, const char *sql, struct error **err)
{
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
                return db_error(db, err, sql);
        return 0;
}

static int begin(sqlite3 *db, struct error **err)
{
        /* IMMEDIATE: take the write lock now, so the transaction never fails half-way on a
         * reader's upgrade (SQLITE_BUSY is then only waited for, by the busy timeout). */
        return exec(db, "BEGIN IMMEDIATE", err);
}

static int commit_or_rollback(sqlite3 *db, int rc, struct error **err)
{
        if (rc == 0)
                return exec(db, "COMMIT", err);
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
}

int registry_store_blob_get(struct registry_store *store, const char *repo,
                            const struct digest *digest, int64_t *size, struct error **err)
{
        DB_SCOPE(store, db, -1);
        _cleanup_stmt_ sqlite3_stmt *st = prepare(
            db, "SELECT size FROM blobs WHERE repo = ? AND digest = ?", err, 2, repo, digest->text);
        if (st == NULL)
                return -1;
        int rc = step_first_row(db, st, "read blob", err);
        if (rc <= 0)
                return rc;
        /* The row says the repository may serve it; the file says it is there. */
        return content_store_has(store->content, digest, size) ? 1 : 0;
}

static int link_blob(sqlite3 *db, const char *repo, const char *digest, int64_t size,
                     struct error **err)
{
        _cleanup_stmt_ sqlite3_stmt *r =
            prepare(db, "INSERT OR IGNORE INTO repositories(name) VALUES(?)", err, 1, repo);
        if (run(db, r, err) < 0)
                return -1;
        _cleanup_stmt_ sqlite3_stmt *b =
            prepare(db,
                    "INSERT OR REPLACE INTO blobs(repo, digest, size, linked)"
                    " VALUES(?, ?, ?, CAST(strftime('%s', 'now') AS INTEGER))",
                    err, 2, repo, digest);
        if (b == NULL)
                return -1;
        sqlite3_bind_int64(b, 3, size);
        return run(db, b, err);
}

int registry_store_blob_link(struct registry_store *store, const char *repo,
                             const struct digest *digest, int64_t size, struct error **err)
{
        DB_SCOPE(store, db, -1);
        if (begin(db, err) < 0)
                return -1;
        return commit_or_rollback(db, link_blob(db, repo, digest->text, size, err), err);
}

int registry_store_blob_unlink(struct registry_store *store, const char *repo,
                               const struct digest *digest, struct error **err)
{
        DB_SCOPE(store, db, -1);
        _cleanup_stmt_ sqlite3_stmt *st = prepare(
            db, "DELETE FROM blobs WHERE repo = ? AND digest = ?", err, 2, repo, digest->text);
        if (run(db, st, err) < 0)
                return -1;
        return sqlite3_changes(db) > 0 ? 1 : 0;
}

int registry_store_repo_exists(struct registry_store *store, const char *repo, struct error **err)
{
        DB_SCOPE(store, db, -1);
        _cleanup_stmt_ sqlite3_stmt *st =
            prepare(db, "SELECT 1 FROM repositories WHERE name = ?", err, 1, repo);
        if (st == NULL)
                return -1;
        return step_first_row(db, st, "read repository", err);
}

/* Reads (digest, media_type, size) from the current row into OUT. */
static int record_from_row(sqlite3_stmt *st, struct registry_manifest_record *out,
                           struct error **err)
{
        const char *digest = (const char *)sqlite3_column_text(st, 0);
        const char *media_type = (const char *)sqlite3_column_text(st, 1);
        if (digest == NULL || media_type == NULL || digest_parse(digest, &out->digest, err) < 0)
                return error_set(err, 0, "registry database: a broken manifest row");
        snprintf(out->media_type, sizeof(out->media_type), "%s", media_type);
        out->size = sqlite3_column_int64(st, 2);
        return 1;
}

static int manifest_query(struct registry_store *store, const char *sql, const char *repo,
                          const char *key, struct registry_manifest_record *out, struct error **err)
{
        DB_SCOPE(store, db, -1);
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql, err, 2, repo, key);
        if (st == NULL)
                return -1;
        int rc = step_first_row(db, st, "read manifest", err);
        if (rc <= 0)
                return rc;
        return record_from_row(st, out, err);
}

int registry_store_manifest_get(struct registry_store *store, const char *repo,
                                const struct digest *digest, struct registry_manifest_record *out,
                                struct error **err)
{
        return manifest_query(store,
                              "SELECT digest, media_type, size FROM manifests"
                              " WHERE repo = ? AND digest = ?",
                              repo, digest->text, out, err);
}

int registry_store_tag_get(struct registry_store *store, const char *repo, const char *tag,
                           struct registry_manifest_record *out, struct error **err)
{
        return manifest_query(store,
                              "SELECT m.digest, m.media_type, m.size FROM tags t JOIN manifests m"
                              " ON m.repo = t.repo AND m.digest = t.digest"
                              " WHERE t.repo = ? AND t.tag = ?",
                              repo, tag, out, err);
}

static int manifest_insert(sqlite3 *db, const char *repo, const struct registry_manifest_put *m,
                           struct error **err)
{
        const char *digest = m->record.digest.text;
        if (link_blob(db, repo, digest, m->record.size, err) < 0)
                return -1;
        _cleanup_stmt_ sqlite3_stmt *st =
            prepare(db,
                    "INSERT OR REPLACE INTO manifests(repo, digest, media_type, size, subject,"
                    " artifact_type, annotations) VALUES(?, ?, ?, ?, ?, ?, ?)",
                    err, 3, repo, digest, m->record.media_type);
        if (st == NULL)
                return -1;
        sqlite3_bind_int64(st, 4, m->record.size);
        if (m->subject)
                sqlite3_bind_text(st, 5, m->subject->text, -1, SQLITE_TRANSIENT);
        if (m->artifact_type)
                sqlite3_bind_text(st, 6, m->artifact_type, -1, SQLITE_TRANSIENT);
        if (m->annotations)
                sqlite3_bind_text(st, 7, m->annotations, -1, SQLITE_TRANSIENT);
        if (run(db, st, err) < 0)
                return -1;
        for (size_t i = 0; i < m->n_references; i++) {
                _cleanup_stmt_ sqlite3_stmt *ref =
                    prepare(db,
                            "INSERT OR IGNORE INTO manifest_references(repo, manifest, digest)"
                            " VALUES(?, ?, ?)",
                            err, 3, repo, digest, m->references[i].text);
                if (run(db, ref, err) < 0)
                        return -1;
        }
        for (size_t i = 0; i < m->n_tags; i++) {
                _cleanup_stmt_ sqlite3_stmt *tag =
                    prepare(db, "INSERT OR REPLACE INTO tags(repo, tag, digest) VALUES(?, ?, ?)",
                            err, 3, repo, m->tags[i], digest);
                if (run(db, tag, err) < 0)
                        return -1;
        }
        return 0;
}

int registry_store_manifest_put(struct registry_store *store, const char *repo,
                                const struct registry_manifest_put *m, struct error **err)
{
        DB_SCOPE(store, db, -1);
        if (begin(db, err) < 0)
                return -1;
        return commit_or_rollback(db, manifest_insert(db, repo, m, err), err);
}

static int manifest_remove(sqlite3 *db, const char *repo, const char *digest, struct error **err)
{
        static const char *const statements[] = {
            "DELETE FROM tags WHERE repo = ? AND digest = ?",
            "DELETE FROM manifest_references WHERE repo = ? AND manifest = ?",
            "DELETE FROM blobs WHERE repo = ? AND digest = ?",
            "DELETE FROM manifests WHERE repo = ? AND digest = ?",
        };
        for (size_t i = 0; i < ARRAY_SIZE(statements); i++) {
                _cleanup_stmt_ sqlite3_stmt *st = prepare(db, statements[i], err, 2, repo, digest);
                if (run(db, st, err) < 0)
                        return -1;
        }
        return sqlite3_changes(db) > 0 ? 1 : 0;
}

int registry_store_manifest_delete(struct registry_store *store, const char *repo,
                                   const struct digest *digest, struct error **err)
{
        DB_SCOPE(store, db, -1);
        if (begin(db, err) < 0)
                return -1;
        int found = manifest_remove(db, repo, digest->text, err);
        if (commit_or_rollback(db, found < 0 ? -1 : 0, err) < 0)
                return -1;
        return found;
}

int registry_store_tag_delete(struct registry_store *store, const char *repo, const char *tag,
                              struct error **err)
{
        DB_SCOPE(store, db, -1);
        _cleanup_stmt_ sqlite3_stmt *st =
            prepare(db, "DELETE FROM tags WHERE repo = ? AND tag = ?", err, 2, repo, tag);
        if (run(db, st, err) < 0)
                return -1;
        return sqlite3_changes(db) > 0 ? 1 : 0;
}

/* Runs ST (whose last parameter is the limit) and collects column 0 into an array, reading one
 * row more than LIMIT to tell whether another page follows. */
static json_t *list_page(sqlite3 *db, sqlite3_stmt *st, int limit_param, uint64_t limit, bool *more,
                         struct error **err)
{
        if (st == NULL)
                return NULL;
        sqlite3_bind_int64(st, limit_param,
                           (sqlite3_int64)(limit > INT64_MAX - 1 ? INT64_MAX - 1 : limit) + 1);
        json_t *out = json_array();
        *more = false;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (json_array_size(out) == limit) {
                        *more = true;
                        break;
                }
                json_array_append_new(out, json_string((const char *)sqlite3_column_text(st, 0)));
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                json_decref(out);
                db_error(db, err, "list");
                return NULL;
        }
        return out;
}

json_t *registry_store_tags(struct registry_store *store, const char *repo, const char *last,
                            uint64_t limit, bool *more, struct error **err)
{
        DB_SCOPE(store, db, NULL);
        /* BINARY collation: byte order, which is the spec's "ASCIIbetical" (Go's sort.Strings). */
        _cleanup_stmt_ sqlite3_stmt *st =
            prepare(db, "SELECT tag FROM tags WHERE repo = ? AND tag > ? ORDER BY tag LIMIT ?", err,
                    2, repo, last ? last : "");
        return list_page(db, st, 3, limit, more, err);
}

json_t *registry_store_catalog(struct registry_store *store, const char *last, uint64_t limit,
                               bool *more, struct error **err)
{
        DB_SCOPE(store, db, NULL);
        _cleanup_stmt_ sqlite3_stmt *st =
            prepare(db, "SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?", err,
                    1, last ? last : "");
        return list_page(db, st, 2, limit, more, err);
}

json_t *registry_store_referrers(struct registry_store *store, const char *repo,
                                 const struct digest *subject, const char *artifact_type,
                                 struct error **err)
{
        DB_SCOPE(store, db, NULL);
        _cleanup_stmt_ sqlite3_stmt *st =
            prepare(db,
                    "SELECT digest, media_type, size, artifact_type, annotations FROM manifests"
                    " WHERE repo = ? AND subject = ? AND (?3 IS NULL OR artifact_type = ?3)"
                    " ORDER BY digest",
                    err, 3, repo, subject->text, artifact_type);
        if (st == NULL)
                return NULL;
        json_t *out = json_array();
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                json_t *d = json_object();
                json_object_set_new(d, "mediaType",
                                    json_string((const char *)sqlite3_column_text(st, 1)));
                json_object_set_new(d, "digest",
                                    json_string((const char *)sqlite3_column_text(st, 0)));
                json_object_set_new(d, "size", json_integer(sqlite3_column_int64(st, 2)));
                const char *type = (const char *)sqlite3_column_text(st, 3);
                if (type)
                        json_object_set_new(d, "artifactType", json_string(type));
                const char *annotations = (const char *)sqlite3_column_text(st, 4);
                json_t *a = annotations ? json_loads(annotations, 0, NULL) : NULL;
                if (json_is_object(a) && json_object_size(a) > 0)
                        json_object_set(d, "annotations", a);
                json_decref(a);
                json_array_append_new(out, d);
        }
        if (rc != SQLITE_DONE) {
                json_decref(out);
                db_error(db, err, "list referrers");
                return NULL;
        }
        return out;
}

int registry_store_gc_lock(struct registry_store *store, bool exclusive, struct error **err)
{
        /* Its own open file description each time: flock() locks conflict between
         * descriptions, also within one process (the server's GC against its uploads). */
        int fd = open(store->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set(err, errno, "open %s", store->lock_path);
        while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
                if (errno != EINTR) {
                        error_set(err, errno, "lock %s", store->lock_path);
                        close(fd);
                        return -1;
                }
        }
        return fd;
}

void registry_store_gc_unlock(int fd)
{
        if (fd >= 0)
                close(fd);
}

/* A link garbage collection removes: older than ?1, and neither a manifest of its repository
 * nor named by one. */
#define GC_COLLECTABLE                                                                             \
        "blobs.linked < ?1"                                                                        \
        " AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.repo = blobs.repo"                     \
        "   AND m.digest = blobs.digest)"                                                          \
        " AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.repo = blobs.repo"           \
        "   AND r.digest = blobs.digest)"

int registry_store_gc_unlink_unreferenced(struct registry_store *store, int64_t cutoff,
                                          bool dry_run, uint64_t *count, struct error **err)
{
        DB_SCOPE(store, db, -1);
        const char *sql = dry_run ? "SELECT count(*) FROM blobs WHERE " GC_COLLECTABLE
                                  : "DELETE FROM blobs WHERE " GC_COLLECTABLE;
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql, err, 0);
        if (st == NULL)
                return -1;
        sqlite3_bind_int64(st, 1, cutoff);
        if (begin(db, err) < 0)
                return -1;
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
                db_error(db, err, "remove unreferenced links");
                return commit_or_rollback(db, -1, err);
        }
        *count = dry_run ? (uint64_t)sqlite3_column_int64(st, 0) : (uint64_t)sqlite3_changes(db);
        sqlite3_reset(st);
        return commit_or_rollback(db, 0, err);
}

int registry_store_digest_linked(struct registry_store *store, const struct digest *digest,
                                 int64_t ignore_cutoff, struct error **err)
{
        DB_SCOPE(store, db, -1);
        const char *sql = ignore_cutoff >= 0
                              ? "SELECT 1 FROM blobs WHERE digest = ?2 AND NOT (" GC_COLLECTABLE
                                ") LIMIT 1"
                              : "SELECT 1 FROM blobs WHERE digest = ?2 LIMIT 1";
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql, err, 0);
        if (st == NULL)
                return -1;
        if (ignore_cutoff >= 0)
                sqlite3_bind_int64(st, 1, ignore_cutoff);
        sqlite3_bind_text(st, 2, digest->text, -1, SQLITE_TRANSIENT);
        return step_first_row(db, st, "read blob links", err);
}
