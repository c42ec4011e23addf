/* The content store: verified ingest, resume, concurrency, and what is left on disk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"
#include "content_store.h"
#include "test.h"
#include "test_fs.h"

struct fixture {
        char *root;
        struct content_store *store;
};

static bool fixture_open(struct fixture *f)
{
        f->root = xstrdup("/tmp/berth-unit-cs-XXXXXX");
        f->store = NULL;
        if (mkdtemp(f->root) == NULL)
                return false;
        _cleanup_error_ struct error *err = NULL;
        if (content_store_open(f->root, &f->store, &err) < 0) {
                test_note("%s", err->msg);
                return false;
        }
        return true;
}

static void fixture_close(struct fixture *f)
{
        content_store_free(f->store);
        _cleanup_error_ struct error *err = NULL;
        (void)fs_remove_tree(f->root, &err);
        free(f->root);
}

static enum content_ingest_status begin(struct fixture *f, const struct digest *d, int64_t size,
                                        struct content_ingest **ingest)
{
        _cleanup_error_ struct error *err = NULL;
        enum content_ingest_status status = CONTENT_INGEST_NEW;
        if (content_ingest_begin(f->store, d, size, ingest, &status, &err) < 0) {
                test_note("begin: %s", err->msg);
                return (enum content_ingest_status) - 1;
        }
        return status;
}

TEST(ingest_verifies_and_publishes)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d;
        digest_buffer(DIGEST_SHA256, "hello", 5, &d);
        struct content_ingest *ingest = NULL;
        CHECK(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_NEW);
        REQUIRE(ingest != NULL);
        CHECK(!content_store_has(f.store, &d, NULL));
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, "hel", 3, &err) == 0);
        CHECK(content_ingest_write(ingest, "lo", 2, &err) == 0);
        CHECK(content_ingest_offset(ingest) == 5);
        /* Nothing is visible under blobs/ before the commit. */
        CHECK(test_count_entries(f.root, "blobs/sha256") == 0);
        struct digest actual;
        CHECK(content_ingest_commit(ingest, &actual, &err) == 0);
        CHECK(digest_equal(&actual, &d));
        int64_t size = 0;
        CHECK(content_store_has(f.store, &d, &size));
        CHECK_INT_EQ(size, 5);
        _cleanup_free_ char *path = content_store_blob_path(f.store, &d);
        _cleanup_free_ char *want = xasprintf("%s/blobs/sha256/%s", f.root, digest_hex(&d));
        CHECK_STR_EQ(path, want);
        size_t len = 0;
        _cleanup_free_ char *text = content_store_read_blob(f.store, &d, 100, &len, &err);
        CHECK_STR_EQ(text, "hello");
        CHECK_INT_EQ(len, 5);
        /* No partial and no lock file left behind. */
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        fixture_close(&f);
}

TEST(ingest_of_unknown_digest_names_the_blob_by_its_content)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct content_ingest *ingest = NULL;
        CHECK(begin(&f, NULL, -1, &ingest) == CONTENT_INGEST_NEW);
        REQUIRE(ingest != NULL);
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, "layer bytes", 11, &err) == 0);
        struct digest actual, want;
        CHECK(content_ingest_commit(ingest, &actual, &err) == 0);
        digest_buffer(DIGEST_SHA256, "layer bytes", 11, &want);
        CHECK_STR_EQ(actual.text, want.text);
        CHECK(content_store_has(f.store, &want, NULL));
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        fixture_close(&f);
}

TEST(digest_mismatch_publishes_nothing_and_names_both_digests)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d, got;
        digest_buffer(DIGEST_SHA256, "hello", 5, &d);
        digest_buffer(DIGEST_SHA256, "jello", 5, &got);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_NEW);
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, "jello", 5, &err) == 0);
        CHECK(content_ingest_commit(ingest, NULL, &err) < 0);
        REQUIRE(err != NULL);
        CHECK(strstr(err->msg, "digest mismatch") != NULL);
        CHECK(strstr(err->msg, d.text) != NULL);
        CHECK(strstr(err->msg, got.text) != NULL);
        CHECK(!content_store_has(f.store, &d, NULL));
        CHECK(!content_store_has(f.store, &got, NULL));
        CHECK_INT_EQ(test_count_entries(f.root, "blobs/sha256"), 0);
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        fixture_close(&f);
}

TEST(size_is_checked_while_writing_and_at_commit)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d;
        digest_buffer(DIGEST_SHA256, "hello", 5, &d);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_NEW);
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, "hello!", 6, &err) < 0);
        CHECK(err && strstr(err->msg, "more than the expected 5 bytes"));
        error_free(&err);
        CHECK(content_ingest_write(ingest, "hell", 4, &err) == 0);
        CHECK(content_ingest_commit(ingest, NULL, &err) < 0);
        CHECK(err && strstr(err->msg, "size mismatch"));
        CHECK(!content_store_has(f.store, &d, NULL));
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        fixture_close(&f);
}

TEST(interrupted_ingest_resumes_from_its_partial)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d;
        digest_buffer(DIGEST_SHA256, "hello world", 11, &d);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin(&f, &d, 11, &ingest) == CONTENT_INGEST_NEW);
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, "hello", 5, &err) == 0);
        content_ingest_abort(ingest, true);
        CHECK(!content_store_has(f.store, &d, NULL));

        REQUIRE(begin(&f, &d, 11, &ingest) == CONTENT_INGEST_RESUME);
        CHECK_INT_EQ(content_ingest_offset(ingest), 5);
        CHECK(content_ingest_write(ingest, " world", 6, &err) == 0);
        CHECK(content_ingest_commit(ingest, NULL, &err) == 0);
        CHECK(content_store_has(f.store, &d, NULL));
        fixture_close(&f);
}

TEST(restart_drops_what_was_written)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d;
        digest_buffer(DIGEST_SHA256, "hello", 5, &d);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_NEW);
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, "xyz", 3, &err) == 0);
        content_ingest_abort(ingest, true);
        /* The resumed bytes are wrong (a server that ignored Range): start over. */
        REQUIRE(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_RESUME);
        CHECK(content_ingest_restart(ingest, &err) == 0);
        CHECK_INT_EQ(content_ingest_offset(ingest), 0);
        CHECK(content_ingest_write(ingest, "hello", 5, &err) == 0);
        CHECK(content_ingest_commit(ingest, NULL, &err) == 0);
        _cleanup_free_ char *text = content_store_read_blob(f.store, &d, 100, NULL, &err);
        CHECK_STR_EQ(text, "hello");
        fixture_close(&f);
}

TEST(abort_without_keep_and_oversized_partial_start_from_zero)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d;
        digest_buffer(DIGEST_SHA256, "hello", 5, &d);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_NEW);
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, "hel", 3, &err) == 0);
        content_ingest_abort(ingest, false);
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        REQUIRE(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_NEW);
        content_ingest_abort(ingest, true);

        /* A partial longer than the expected size cannot be a prefix of the blob. */
        _cleanup_free_ char *partial =
            xasprintf("%s/ingest/sha256-%s.partial", f.root, digest_hex(&d));
        CHECK(fs_write_file_atomic(partial, "too long!", 9, 0644, &err) == 0);
        REQUIRE(begin(&f, &d, 5, &ingest) == CONTENT_INGEST_NEW);
        CHECK_INT_EQ(content_ingest_offset(ingest), 0);
        CHECK(content_ingest_write(ingest, "hello", 5, &err) == 0);
        CHECK(content_ingest_commit(ingest, NULL, &err) == 0);
        fixture_close(&f);
}

TEST(present_blob_reports_exists)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d;
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_store_put(f.store, "{}", 2, &d, &err) == 0);
        CHECK(content_store_put(f.store, "{}", 2, &d, &err) == 0); /* idempotent */
        struct content_ingest *ingest = (struct content_ingest *)&f;
        CHECK(begin(&f, &d, 2, &ingest) == CONTENT_INGEST_EXISTS);
        CHECK(ingest == NULL);
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        fixture_close(&f);
}

TEST(read_blob_verifies_again_and_bounds_size)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest d;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(content_store_put(f.store, "{\"a\":1}", 7, &d, &err) == 0);
        CHECK(content_store_read_blob(f.store, &d, 3, NULL, &err) == NULL);
        CHECK(err && strstr(err->msg, "larger than 3 bytes"));
        error_free(&err);
        /* Corruption on disk after publishing is caught. */
        _cleanup_free_ char *path = content_store_blob_path(f.store, &d);
        CHECK(fs_write_file_atomic(path, "{\"a\":2}", 7, 0644, &err) == 0);
        CHECK(content_store_read_blob(f.store, &d, 100, NULL, &err) == NULL);
        CHECK(err && strstr(err->msg, "digest mismatch"));
        error_free(&err);
        struct digest missing;
        digest_buffer(DIGEST_SHA256, "nope", 4, &missing);
        CHECK(content_store_open_blob(f.store, &missing, &err) < 0);
        _cleanup_free_ char *want = xasprintf("blob %s not found", missing.text);
        CHECK_STR_EQ(err ? err->msg : NULL, want);
        fixture_close(&f);
}

static int count_blob(const struct digest *d, int64_t size, void *ctx)
{
        (void)d;
        *(int64_t *)ctx += size;
        return 0;
}

TEST(for_each_and_delete)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        _cleanup_error_ struct error *err = NULL;
        struct digest a, b;
        REQUIRE(content_store_put(f.store, "aa", 2, &a, &err) == 0);
        REQUIRE(content_store_put(f.store, "bbb", 3, &b, &err) == 0);
        /* Junk in blobs/ that is not a digest is not reported. */
        _cleanup_free_ char *junk = xasprintf("%s/blobs/sha256/notadigest", f.root);
        CHECK(fs_write_file_atomic(junk, "x", 1, 0644, &err) == 0);
        int64_t total = 0;
        CHECK(content_store_for_each(f.store, count_blob, &total, &err) == 0);
        CHECK_INT_EQ(total, 5);
        CHECK(content_store_delete(f.store, &a, &err) == 0);
        CHECK(!content_store_has(f.store, &a, NULL));
        CHECK(content_store_delete(f.store, &a, &err) == 0);
        total = 0;
        CHECK(content_store_for_each(f.store, count_blob, &total, &err) == 0);
        CHECK_INT_EQ(total, 3);
        fixture_close(&f);
}

/* One child: ingests BUF slowly. Exit 0 when it wrote the blob, 10 when it found it present. */
static int child_ingest(const char *root, const struct digest *d, const char *buf, size_t len,
                        int start_fd)
{
        char go;
        if (read(start_fd, &go, 1) != 1)
                return 1;
        struct content_store *store = NULL;
        struct error *err = NULL;
        if (content_store_open(root, &store, &err) < 0)
                return 2;
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        if (content_ingest_begin(store, d, (int64_t)len, &ingest, &status, &err) < 0)
                return 3;
        if (status == CONTENT_INGEST_EXISTS)
                return 10;
        if (status != CONTENT_INGEST_NEW)
                return 4;
        size_t chunk = len / 16;
        for (size_t off = 0; off < len; off += chunk) {
                if (content_ingest_write(ingest, buf + off, chunk, &err) < 0)
                        return 5;
                usleep(2000);
        }
        if (content_ingest_commit(ingest, NULL, &err) < 0)
                return 6;
        content_store_free(store);
        return 0;
}

TEST(two_processes_ingesting_one_digest_both_succeed_and_store_it_once)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        size_t len = 1 << 20;
        _cleanup_free_ char *buf = xmalloc(len);
        for (size_t i = 0; i < len; i++)
                buf[i] = (char)(i * 7);
        struct digest d;
        digest_buffer(DIGEST_SHA256, buf, len, &d);
        int start[2];
        REQUIRE(pipe(start) == 0);
        pid_t pids[2];
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        close(start[1]);
                        _exit(child_ingest(f.root, &d, buf, len, start[0]));
                }
        }
        close(start[0]);
        CHECK(write(start[1], "gg", 2) == 2);
        close(start[1]);
        int wrote = 0, found = 0;
        for (int i = 0; i < 2; i++) {
                int status = 0;
                CHECK(waitpid(pids[i], &status, 0) == pids[i]);
                int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                if (code == 0)
                        wrote++;
                else if (code == 10)
                        found++;
                else
                        test_note("child exited with %d", code);
        }
        CHECK_INT_EQ(wrote, 1);
        CHECK_INT_EQ(found, 1);
        int64_t size = 0;
        CHECK(content_store_has(f.store, &d, &size));
        CHECK_INT_EQ(size, (int64_t)len);
        CHECK_INT_EQ(test_count_entries(f.root, "blobs/sha256"), 1);
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        fixture_close(&f);
}

static void age(const char *path, time_t seconds)
{
        struct timespec times[2] = {{time(NULL) - seconds, 0}, {time(NULL) - seconds, 0}};
        (void)utimensat(AT_FDCWD, path, times, 0);
}

TEST(clean_ingest_removes_only_old_abandoned_partials)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        _cleanup_error_ struct error *err = NULL;
        struct digest old, young, busy;
        digest_buffer(DIGEST_SHA256, "old", 3, &old);
        digest_buffer(DIGEST_SHA256, "young", 5, &young);
        digest_buffer(DIGEST_SHA256, "busy", 4, &busy);
        const struct digest *all[] = {&old, &young, &busy};
        struct content_ingest *ingest = NULL;
        for (size_t i = 0; i < 3; i++) {
                REQUIRE(begin(&f, all[i], -1, &ingest) == CONTENT_INGEST_NEW);
                CHECK(content_ingest_write(ingest, "xy", 2, &err) == 0);
                if (i < 2)
                        content_ingest_abort(ingest, true);
        }
        /* An unknown-digest ingest, killed: its tmp- partial stays behind. */
        struct content_ingest *unknown = NULL;
        REQUIRE(begin(&f, NULL, -1, &unknown) == CONTENT_INGEST_NEW);
        CHECK(content_ingest_write(unknown, "abc", 3, &err) == 0);

        _cleanup_free_ char *old_path =
            xasprintf("%s/ingest/sha256-%s.partial", f.root, digest_hex(&old));
        _cleanup_free_ char *busy_path =
            xasprintf("%s/ingest/sha256-%s.partial", f.root, digest_hex(&busy));
        age(old_path, 2 * 86400);
        age(busy_path, 2 * 86400);
        uint64_t removed = 0, bytes = 0;
        CHECK(content_store_clean_ingest(f.store, 86400, &removed, &bytes, &err) == 0);
        CHECK_INT_EQ(removed, 1);
        CHECK_INT_EQ(bytes, 2);
        CHECK(!fs_exists(old_path));
        CHECK(fs_exists(busy_path)); /* its ingest still runs */
        /* busy + its lock, young, the unknown one */
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 4);
        content_ingest_abort(ingest, false);
        content_ingest_abort(unknown, false);
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 1);
        fixture_close(&f);
}
