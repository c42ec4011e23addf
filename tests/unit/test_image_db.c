/* Image records in SQLite, and garbage collection of the store they protect. */
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"
#include "image_db.h"
#include "image_gc.h"
#include "image_store.h"
#include "test.h"

struct fixture {
        char *root;
        char *db_path;
        struct image_db *db;
};

static bool fixture_open(struct fixture *f)
{
        f->root = xstrdup("/tmp/berth-unit-db-XXXXXX");
        f->db = NULL;
        f->db_path = NULL;
        if (mkdtemp(f->root) == NULL)
                return false;
        f->db_path = xasprintf("%s/berth.db", f->root);
        _cleanup_error_ struct error *err = NULL;
        if (image_db_open(f->db_path, &f->db, &err) < 0) {
                test_note("%s", err->msg);
                return false;
        }
        return true;
}

static void fixture_close(struct fixture *f)
{
        image_db_close(f->db);
        _cleanup_error_ struct error *err = NULL;
        (void)fs_remove_tree(f->root, &err);
        free(f->db_path);
        free(f->root);
}

static void seed_digest(const char *seed, struct digest *out)
{
        digest_buffer(DIGEST_SHA256, seed, strlen(seed), out);
}

/* A record for image SEED with two layers and four blobs (all derived from SEED). */
struct test_image {
        struct image_record r;
        struct digest chain_ids[2];
        struct digest blobs[4];
};

static void make_image(struct test_image *t, const char *seed, int64_t stored_at)
{
        memset(t, 0, sizeof(*t));
        _cleanup_free_ char *config = xasprintf("config-%s", seed);
        _cleanup_free_ char *manifest = xasprintf("manifest-%s", seed);
        seed_digest(config, &t->r.id);
        seed_digest(manifest, &t->r.manifest_digest);
        for (int i = 0; i < 2; i++) {
                _cleanup_free_ char *c = xasprintf("chain-%s-%d", seed, i);
                seed_digest(c, &t->chain_ids[i]);
                _cleanup_free_ char *b = xasprintf("layer-%s-%d", seed, i);
                seed_digest(b, &t->blobs[2 + i]);
        }
        t->blobs[0] = t->r.manifest_digest;
        t->blobs[1] = t->r.id;
        t->r.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
        t->r.architecture = "amd64";
        t->r.os = "linux";
        t->r.created = 1700000000;
        t->r.size = 1234;
        t->r.stored_at = stored_at;
        t->r.chain_ids = t->chain_ids;
        t->r.n_layers = 2;
        t->r.blobs = t->blobs;
        t->r.n_blobs = 4;
}

static bool put(struct fixture *f, struct test_image *t)
{
        _cleanup_error_ struct error *err = NULL;
        if (image_db_put(f->db, &t->r, &err) < 0) {
                test_note("%s", err->msg);
                return false;
        }
        return true;
}

/* image_db_find's result: 1 with the ID in *id, 0 not found, -1 error (message in MSG). */
static int find(struct fixture *f, const char *what, struct digest *id, char **msg)
{
        _cleanup_error_ struct error *err = NULL;
        struct image_record r;
        int rc = image_db_find(f->db, what, &r, &err);
        if (rc > 0) {
                *id = r.id;
                image_record_release(&r);
        }
        if (rc < 0 && msg)
                *msg = xstrdup(err->msg);
        return rc;
}

TEST(put_and_get_round_trip)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a;
        make_image(&a, "a", 100);
        REQUIRE(put(&f, &a));
        _cleanup_error_ struct error *err = NULL;
        struct image_record r;
        REQUIRE(image_db_get(f.db, &a.r.id, &r, &err) == 1);
        CHECK(digest_equal(&r.id, &a.r.id));
        CHECK(digest_equal(&r.manifest_digest, &a.r.manifest_digest));
        CHECK_STR_EQ(r.manifest_media_type, a.r.manifest_media_type);
        CHECK_STR_EQ(r.architecture, "amd64");
        CHECK_STR_EQ(r.os, "linux");
        CHECK_INT_EQ(r.created, 1700000000);
        CHECK_INT_EQ(r.size, 1234);
        CHECK_INT_EQ(r.stored_at, 100);
        REQUIRE(r.n_layers == 2 && r.n_blobs == 4);
        CHECK(digest_equal(&r.chain_ids[0], &a.chain_ids[0]));
        CHECK(digest_equal(&r.chain_ids[1], &a.chain_ids[1]));
        for (int i = 0; i < 4; i++)
                CHECK(digest_equal(&r.blobs[i], &a.blobs[i]));
        REQUIRE(r.names && r.repo_digests);
        CHECK(r.names[0] == NULL && r.repo_digests[0] == NULL);
        image_record_release(&r);

        struct digest missing;
        seed_digest("missing", &missing);
        CHECK(image_db_get(f.db, &missing, &r, &err) == 0);
        fixture_close(&f);
}

TEST(find_by_name_repo_digest_id_and_prefix)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a, b;
        make_image(&a, "a", 100);
        make_image(&b, "b", 200);
        REQUIRE(put(&f, &a) && put(&f, &b));
        _cleanup_error_ struct error *err = NULL;
        const char *name = "docker.io/library/busybox:latest";
        _cleanup_free_ char *repo_digest =
            xasprintf("docker.io/library/busybox@%s", a.r.manifest_digest.text);
        CHECK(image_db_add_name(f.db, &a.r.id, name, &err) == 0);
        CHECK(image_db_add_repo_digest(f.db, &a.r.id, repo_digest, &err) == 0);
        CHECK(image_db_add_repo_digest(f.db, &a.r.id, repo_digest, &err) == 0); /* again */

        struct digest id;
        CHECK(find(&f, name, &id, NULL) == 1 && digest_equal(&id, &a.r.id));
        CHECK(find(&f, repo_digest, &id, NULL) == 1 && digest_equal(&id, &a.r.id));
        CHECK(find(&f, b.r.id.text, &id, NULL) == 1 && digest_equal(&id, &b.r.id));
        CHECK(find(&f, digest_hex(&b.r.id), &id, NULL) == 1 && digest_equal(&id, &b.r.id));
        _cleanup_free_ char *short_id = xstrndup(digest_hex(&b.r.id), 12);
        CHECK(find(&f, short_id, &id, NULL) == 1 && digest_equal(&id, &b.r.id));
        _cleanup_free_ char *short_full = xasprintf("sha256:%s", short_id);
        CHECK(find(&f, short_full, &id, NULL) == 1 && digest_equal(&id, &b.r.id));
        /* Too short to be an ID, names that do not exist, not hex. */
        _cleanup_free_ char *two = xstrndup(digest_hex(&b.r.id), 2);
        CHECK(find(&f, two, &id, NULL) == 0);
        CHECK(find(&f, "docker.io/library/busybox:1", &id, NULL) == 0);
        CHECK(find(&f, "busybox", &id, NULL) == 0);

        struct image_record r;
        REQUIRE(image_db_get(f.db, &a.r.id, &r, &err) == 1);
        REQUIRE(r.names[0] && r.repo_digests[0]);
        CHECK_STR_EQ(r.names[0], name);
        CHECK(r.names[1] == NULL);
        CHECK_STR_EQ(r.repo_digests[0], repo_digest);
        CHECK(r.repo_digests[1] == NULL);
        image_record_release(&r);
        fixture_close(&f);
}

TEST(ambiguous_prefix_is_an_error)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a, b;
        make_image(&a, "a", 100);
        make_image(&b, "b", 200);
        _cleanup_error_ struct error *err = NULL;
        char hex[65];
        memset(hex, '0', 64);
        hex[64] = '\0';
        memcpy(hex, "abc1", 4);
        _cleanup_free_ char *ida = xasprintf("sha256:%s", hex);
        memcpy(hex, "abc2", 4);
        _cleanup_free_ char *idb = xasprintf("sha256:%s", hex);
        REQUIRE(digest_parse(ida, &a.r.id, &err) == 0 && digest_parse(idb, &b.r.id, &err) == 0);
        REQUIRE(put(&f, &a) && put(&f, &b));
        struct digest id;
        _cleanup_free_ char *msg = NULL;
        CHECK(find(&f, "abc", &id, &msg) == -1);
        CHECK_STR_EQ(msg, "short ID abc is ambiguous");
        CHECK(find(&f, "abc1", &id, NULL) == 1 && digest_equal(&id, &a.r.id));
        CHECK(find(&f, "sha256:abc2", &id, NULL) == 1 && digest_equal(&id, &b.r.id));
        CHECK(find(&f, "abc3", &id, NULL) == 0);
        fixture_close(&f);
}

TEST(names_move_between_images)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a, b;
        make_image(&a, "a", 100);
        make_image(&b, "b", 200);
        REQUIRE(put(&f, &a) && put(&f, &b));
        _cleanup_error_ struct error *err = NULL;
        const char *name = "example.com/app:1";
        CHECK(image_db_add_name(f.db, &a.r.id, name, &err) == 0);
        CHECK(image_db_add_name(f.db, &a.r.id, "example.com/app:zz", &err) == 0);
        CHECK(image_db_add_name(f.db, &b.r.id, name, &err) == 0);
        struct digest id;
        CHECK(find(&f, name, &id, NULL) == 1 && digest_equal(&id, &b.r.id));
        struct image_record r;
        REQUIRE(image_db_get(f.db, &a.r.id, &r, &err) == 1);
        CHECK_STR_EQ(r.names[0], "example.com/app:zz");
        CHECK(r.names[1] == NULL);
        image_record_release(&r);

        /* Putting the image again keeps its names. */
        a.r.size = 99;
        REQUIRE(put(&f, &a));
        REQUIRE(image_db_get(f.db, &a.r.id, &r, &err) == 1);
        CHECK_INT_EQ(r.size, 99);
        CHECK_STR_EQ(r.names[0], "example.com/app:zz");
        image_record_release(&r);

        CHECK(image_db_remove_name(f.db, name, &err) == 1);
        CHECK(image_db_remove_name(f.db, name, &err) == 0);
        CHECK(find(&f, name, &id, NULL) == 0);

        struct digest missing;
        seed_digest("missing", &missing);
        CHECK(image_db_add_name(f.db, &missing, "x/y:z", &err) < 0);
        CHECK(err && strstr(err->msg, "not found"));
        fixture_close(&f);
}

TEST(delete_takes_names_and_repo_digests_along)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a;
        make_image(&a, "a", 100);
        REQUIRE(put(&f, &a));
        _cleanup_error_ struct error *err = NULL;
        CHECK(image_db_add_name(f.db, &a.r.id, "x.io/a:1", &err) == 0);
        CHECK(image_db_add_repo_digest(f.db, &a.r.id, "x.io/a@sha256:00", &err) == 0);
        bool used = false;
        CHECK(image_db_blob_referenced(f.db, &a.blobs[2], &used, &err) == 0 && used);
        CHECK(image_db_layer_referenced(f.db, &a.chain_ids[1], &used, &err) == 0 && used);
        CHECK(image_db_delete(f.db, &a.r.id, &err) == 0);
        struct digest id;
        CHECK(find(&f, "x.io/a:1", &id, NULL) == 0);
        CHECK(find(&f, "x.io/a@sha256:00", &id, NULL) == 0);
        CHECK(image_db_blob_referenced(f.db, &a.blobs[2], &used, &err) == 0 && !used);
        CHECK(image_db_layer_referenced(f.db, &a.chain_ids[1], &used, &err) == 0 && !used);
        CHECK(image_db_delete(f.db, &a.r.id, &err) < 0);
        CHECK(err && strstr(err->msg, "not found"));
        fixture_close(&f);
}

TEST(list_is_newest_stored_first)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a, b, c;
        make_image(&a, "a", 100);
        make_image(&b, "b", 300);
        make_image(&c, "c", 200);
        REQUIRE(put(&f, &a) && put(&f, &b) && put(&f, &c));
        _cleanup_error_ struct error *err = NULL;
        struct image_record *list = NULL;
        size_t n = 0;
        REQUIRE(image_db_list(f.db, &list, &n, &err) == 0);
        REQUIRE(n == 3);
        CHECK(digest_equal(&list[0].id, &b.r.id));
        CHECK(digest_equal(&list[1].id, &c.r.id));
        CHECK(digest_equal(&list[2].id, &a.r.id));
        CHECK_INT_EQ(list[0].n_layers, 2);
        for (size_t i = 0; i < n; i++)
                image_record_release(&list[i]);
        free(list);
        fixture_close(&f);
}

TEST(users_and_references)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a, b;
        make_image(&a, "a", 100);
        make_image(&b, "b", 100);
        REQUIRE(put(&f, &a) && put(&f, &b));
        /* The engine fills the containers table; here, by hand. */
        sqlite3 *raw = NULL;
        REQUIRE(sqlite3_open(f.db_path, &raw) == SQLITE_OK);
        sqlite3_busy_timeout(raw, 5000);
        _cleanup_free_ char *sql =
            xasprintf("INSERT INTO containers (id, name, image_id) VALUES ('c1', 'web', '%s'),"
                      " ('c2', 'api', '%s'), ('c3', NULL, '%s')",
                      a.r.id.text, a.r.id.text, a.r.id.text);
        CHECK(sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(raw);

        _cleanup_error_ struct error *err = NULL;
        char **users = NULL;
        REQUIRE(image_db_image_users(f.db, &a.r.id, &users, &err) == 0 && users);
        CHECK_STR_EQ(users[0], "api");
        CHECK_STR_EQ(users[1], "c3");
        CHECK_STR_EQ(users[2], "web");
        CHECK(users[2] && users[3] == NULL);
        for (size_t i = 0; users[i]; i++)
                free(users[i]);
        free(users);
        REQUIRE(image_db_image_users(f.db, &b.r.id, &users, &err) == 0 && users);
        CHECK(users[0] == NULL);
        free(users);

        bool used = true;
        struct digest other;
        seed_digest("other", &other);
        CHECK(image_db_blob_referenced(f.db, &other, &used, &err) == 0 && !used);
        CHECK(image_db_blob_referenced(f.db, &b.r.id, &used, &err) == 0 && used);
        CHECK(image_db_layer_referenced(f.db, &other, &used, &err) == 0 && !used);
        fixture_close(&f);
}

TEST(transactions_and_reopening)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct test_image a, b;
        make_image(&a, "a", 100);
        make_image(&b, "b", 100);
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(image_db_begin(f.db, &err) == 0);
        CHECK(put(&f, &a));
        CHECK(image_db_add_name(f.db, &a.r.id, "x.io/a:1", &err) == 0);
        image_db_rollback(f.db);
        struct digest id;
        CHECK(find(&f, a.r.id.text, &id, NULL) == 0);

        REQUIRE(image_db_begin(f.db, &err) == 0);
        CHECK(put(&f, &b));
        CHECK(image_db_add_name(f.db, &b.r.id, "x.io/b:1", &err) == 0);
        CHECK(image_db_commit(f.db, &err) == 0);
        image_db_close(f.db);
        f.db = NULL;
        REQUIRE(image_db_open(f.db_path, &f.db, &err) == 0);
        CHECK(find(&f, "x.io/b:1", &id, NULL) == 1 && digest_equal(&id, &b.r.id));

        /* A database from a newer berth is refused rather than misread. */
        image_db_close(f.db);
        f.db = NULL;
        sqlite3 *raw = NULL;
        REQUIRE(sqlite3_open(f.db_path, &raw) == SQLITE_OK);
        CHECK(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(raw);
        CHECK(image_db_open(f.db_path, &f.db, &err) < 0);
        CHECK(err && strstr(err->msg, "schema version 99"));
        fixture_close(&f);
}

/* Opening a database of the current version takes no write lock: a command opens it while
 * another one writes (it used to wait for the writer, up to the 30 s busy timeout). */
TEST(open_while_another_connection_writes)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        image_db_close(f.db);
        f.db = NULL;
        sqlite3 *writer = NULL;
        REQUIRE(sqlite3_open(f.db_path, &writer) == SQLITE_OK);
        REQUIRE(sqlite3_exec(writer, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
        pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
                alarm(5);
                struct image_db *db = NULL;
                struct error *err = NULL;
                _exit(image_db_open(f.db_path, &db, &err) == 0 ? 0 : 1);
        }
        int status = 0;
        REQUIRE(waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        sqlite3_exec(writer, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(writer);
        fixture_close(&f);
}

/* Garbage collection on a whole store. */

static bool store_put(struct image_store *s, const char *text, struct digest *out)
{
        _cleanup_error_ struct error *err = NULL;
        return content_store_put(s->content, text, strlen(text), out, &err) == 0;
}

static bool store_layer(struct image_store *s, const struct digest *chain_id)
{
        _cleanup_error_ struct error *err = NULL;
        struct layer_write *w = NULL;
        if (layer_write_begin(s->layers, chain_id, &w, &err) < 0 || w == NULL)
                return false;
        int fd = openat(layer_write_dirfd(w), "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
                close(fd);
        return layer_write_commit(w, chain_id, NULL, 1000, &err) == 0;
}

TEST(gc_deletes_what_no_image_keeps)
{
        _cleanup_free_ char *dir = xstrdup("/tmp/berth-unit-gc-XXXXXX");
        REQUIRE(mkdtemp(dir) != NULL);
        _cleanup_free_ char *root = xasprintf("%s/root", dir);
        _cleanup_free_ char *runroot = xasprintf("%s/run", dir);
        _cleanup_error_ struct error *err = NULL;
        struct image_store *s = NULL;
        REQUIRE(image_store_open(root, runroot, &s, &err) == 0);

        /* Image A is recorded with its blobs and layers; B's content is in the store only. */
        struct test_image a, b;
        make_image(&a, "a", 100);
        make_image(&b, "b", 100);
        const char *texts[2][4] = {{"a-manifest", "a-config", "a-layer0", "a-layer1"},
                                   {"b-manifest!", "b-config!", "b-layer0!", "b-layer1!"}};
        struct test_image *images[2] = {&a, &b};
        for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 4; j++)
                        REQUIRE(store_put(s, texts[i][j], &images[i]->blobs[j]));
                images[i]->r.manifest_digest = images[i]->blobs[0];
                images[i]->r.id = images[i]->blobs[1];
                for (int j = 0; j < 2; j++)
                        REQUIRE(store_layer(s, &images[i]->chain_ids[j]));
        }
        REQUIRE(image_db_put(s->db, &a.r, &err) == 0);
        /* An old abandoned partial and a leftover layer temporary. */
        struct digest partial_digest;
        seed_digest("partial", &partial_digest);
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        REQUIRE(content_ingest_begin(s->content, &partial_digest, -1, &ingest, &status, &err) == 0);
        CHECK(content_ingest_write(ingest, "12345", 5, &err) == 0);
        content_ingest_abort(ingest, true);
        _cleanup_free_ char *partial =
            xasprintf("%s/ingest/sha256-%s.partial", root, digest_hex(&partial_digest));
        struct timespec old[2] = {{time(NULL) - 3 * 86400, 0}, {time(NULL) - 3 * 86400, 0}};
        CHECK(utimensat(AT_FDCWD, partial, old, 0) == 0);
        _cleanup_free_ char *tmp =
            xasprintf("%s/layers/.tmp-%s-zzzzzz", root, digest_hex(&partial_digest));
        CHECK(mkdir(tmp, 0700) == 0);

        struct image_gc_stats stats;
        CHECK(image_gc(s, &stats, &err) == 0);
        if (err)
                test_note("%s", err->msg);
        CHECK_INT_EQ(stats.blobs, 4);
        CHECK_INT_EQ(stats.layers, 2);
        CHECK_INT_EQ(stats.temporaries, 2);
        /* B's blobs (11 + 9 + 9 + 9 bytes), its layers (2 x 1000), the partial (5) */
        CHECK_INT_EQ(stats.bytes, 38 + 2000 + 5);
        for (int j = 0; j < 4; j++) {
                CHECK(content_store_has(s->content, &a.blobs[j], NULL));
                CHECK(!content_store_has(s->content, &b.blobs[j], NULL));
        }
        for (int j = 0; j < 2; j++) {
                CHECK(layer_store_has(s->layers, &a.chain_ids[j]));
                CHECK(!layer_store_has(s->layers, &b.chain_ids[j]));
        }
        CHECK(!fs_exists(partial));
        CHECK(!fs_exists(tmp));

        /* A second run finds nothing; the lock is free again afterwards. */
        CHECK(image_gc(s, &stats, &err) == 0);
        CHECK_INT_EQ(stats.blobs + stats.layers + stats.temporaries + stats.bytes, 0);
        CHECK(image_store_lock(s, false, &err) == 0);
        image_store_unlock(s);
        image_store_free(s);
        (void)fs_remove_tree(dir, &err);
}
