/* The layer store: publish by rename, records, locks, and removal of hostile trees. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"
#include "layer_store.h"
#include "test.h"
#include "test_fs.h"

struct fixture {
        char *root;
        struct layer_store *store;
};

static bool fixture_open(struct fixture *f)
{
        f->root = xstrdup("/tmp/berth-unit-ls-XXXXXX");
        f->store = NULL;
        if (mkdtemp(f->root) == NULL)
                return false;
        _cleanup_error_ struct error *err = NULL;
        if (layer_store_open(f->root, &f->store, &err) < 0) {
                test_note("%s", err->msg);
                return false;
        }
        return true;
}

static void fixture_close(struct fixture *f)
{
        layer_store_free(f->store);
        _cleanup_error_ struct error *err = NULL;
        (void)fs_remove_tree(f->root, &err);
        free(f->root);
}

static void chain(const char *seed, struct digest *out)
{
        digest_buffer(DIGEST_SHA256, seed, strlen(seed), out);
}

static bool put_file(int dirfd, const char *name, const char *text, mode_t mode)
{
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0)
                return false;
        bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
        close(fd);
        return ok && fchmodat(dirfd, name, mode, 0) == 0;
}

/* Writes a layer with one file and commits it. */
static bool make_layer(struct fixture *f, const struct digest *chain_id,
                       const struct digest *parent)
{
        _cleanup_error_ struct error *err = NULL;
        struct layer_write *w = NULL;
        if (layer_write_begin(f->store, chain_id, &w, &err) < 0 || w == NULL)
                return false;
        if (!put_file(layer_write_dirfd(w), "file", "content", 0644)) {
                layer_write_abort(w);
                return false;
        }
        struct digest diff_id;
        chain("diff", &diff_id);
        if (layer_write_commit(w, &diff_id, parent, 7, &err) < 0) {
                test_note("%s", err->msg);
                return false;
        }
        return true;
}

TEST(commit_publishes_the_tree_and_its_record)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest base, top, diff;
        chain("base", &base);
        chain("top", &top);
        chain("diff", &diff);
        CHECK(!layer_store_has(f.store, &base));
        REQUIRE(make_layer(&f, &base, NULL));
        REQUIRE(make_layer(&f, &top, &base));
        CHECK(layer_store_has(f.store, &base));
        _cleanup_free_ char *path = layer_store_path(f.store, &top);
        _cleanup_free_ char *want = xasprintf("%s/layers/%s", f.root, digest_hex(&top));
        CHECK_STR_EQ(path, want);
        _cleanup_free_ char *file = xasprintf("%s/file", path);
        CHECK(fs_exists(file));
        struct stat st;
        CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0755);

        _cleanup_error_ struct error *err = NULL;
        struct layer_record record;
        CHECK(layer_store_read_record(f.store, &top, &record, &err) == 0);
        CHECK(digest_equal(&record.diff_id, &diff));
        CHECK(digest_equal(&record.chain_id, &top));
        CHECK(record.has_parent && digest_equal(&record.parent, &base));
        CHECK_INT_EQ(record.size, 7);
        CHECK(layer_store_read_record(f.store, &base, &record, &err) == 0);
        CHECK(!record.has_parent);

        /* Present: a second write has nothing to do. */
        struct layer_write *w = (struct layer_write *)&f;
        CHECK(layer_write_begin(f.store, &base, &w, &err) == 0);
        CHECK(w == NULL);
        /* Only the two directories and the two records: no temporary, no lock. */
        CHECK_INT_EQ(test_count_entries(f.root, "layers"), 4);
        fixture_close(&f);
}

TEST(abort_leaves_nothing)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest c;
        chain("c", &c);
        _cleanup_error_ struct error *err = NULL;
        struct layer_write *w = NULL;
        REQUIRE(layer_write_begin(f.store, &c, &w, &err) == 0 && w);
        CHECK(put_file(layer_write_dirfd(w), "x", "y", 0600));
        CHECK(mkdirat(layer_write_dirfd(w), "d", 0500) == 0);
        layer_write_abort(w);
        CHECK(!layer_store_has(f.store, &c));
        CHECK_INT_EQ(test_count_entries(f.root, "layers"), 0);
        fixture_close(&f);
}

/* Builds, under DIRFD, what a hostile or awkward layer may hold. */
static void build_awkward_tree(int dirfd, const char *outside)
{
        CHECK(symlinkat(outside, dirfd, "escape") == 0);
        CHECK(mkdirat(dirfd, "dir", 0755) == 0);
        CHECK(symlinkat(outside, dirfd, "dir/escape-dir") == 0);
        _cleanup_free_ char *outside_file = xasprintf("%s/keep", outside);
        CHECK(symlinkat(outside_file, dirfd, "dir/escape-file") == 0);
        CHECK(put_file(dirfd, "setuid", "#!/bin/sh\n", 04755));
        CHECK(put_file(dirfd, "readonly-file", "r", 0400));
        CHECK(mkfifoat(dirfd, "fifo", 0600) == 0);
        if (geteuid() == 0)
                CHECK(mknodat(dirfd, "whiteout", S_IFCHR | 0000, makedev(0, 0)) == 0);
        /* Read-only and unsearchable directories with content. */
        CHECK(mkdirat(dirfd, "ro", 0755) == 0);
        CHECK(put_file(dirfd, "ro/inner", "i", 0644));
        CHECK(fchmodat(dirfd, "ro", 0555, 0) == 0);
        CHECK(mkdirat(dirfd, "locked", 0755) == 0);
        CHECK(mkdirat(dirfd, "locked/sub", 0755) == 0);
        CHECK(put_file(dirfd, "locked/sub/inner", "i", 0644));
        CHECK(fchmodat(dirfd, "locked/sub", 0000, 0) == 0);
        CHECK(fchmodat(dirfd, "locked", 0000, 0) == 0);
        /* Deeper than the removal walks with open directories. */
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; i < 300 && fd >= 0; i++) {
                if (mkdirat(fd, "d", 0755) < 0)
                        break;
                int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = next;
        }
        if (fd >= 0) {
                CHECK(put_file(fd, "bottom", "b", 0644));
                close(fd);
        }
}

TEST(delete_removes_hostile_trees_without_following_links)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        _cleanup_free_ char *outside = xasprintf("%s/outside", f.root);
        REQUIRE(mkdir(outside, 0755) == 0);
        _cleanup_free_ char *keep = xasprintf("%s/keep", outside);
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(fs_write_file_atomic(keep, "keep", 4, 0644, &err) == 0);

        struct digest c, diff;
        chain("hostile", &c);
        chain("diff", &diff);
        struct layer_write *w = NULL;
        REQUIRE(layer_write_begin(f.store, &c, &w, &err) == 0 && w);
        build_awkward_tree(layer_write_dirfd(w), outside);
        REQUIRE(layer_write_commit(w, &diff, NULL, 1, &err) == 0);
        REQUIRE(layer_store_has(f.store, &c));

        CHECK(layer_store_delete(f.store, &c, &err) == 0);
        if (err)
                test_note("%s", err->msg);
        CHECK(!layer_store_has(f.store, &c));
        CHECK_INT_EQ(test_count_entries(f.root, "layers"), 0);
        CHECK(fs_exists(keep));
        CHECK_INT_EQ(test_count_entries(f.root, "outside"), 1);
        /* Deleting what is not there is fine. */
        CHECK(layer_store_delete(f.store, &c, &err) == 0);
        fixture_close(&f);
}

static int collect(const struct digest *chain_id, void *ctx)
{
        struct digest *seen = ctx;
        for (int i = 0; i < 4; i++) {
                if (seen[i].text[0] == '\0') {
                        seen[i] = *chain_id;
                        break;
                }
        }
        return 0;
}

TEST(for_each_reports_layers_and_orphaned_records)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest a, b;
        chain("a", &a);
        chain("b", &b);
        REQUIRE(make_layer(&f, &a, NULL));
        REQUIRE(make_layer(&f, &b, &a));
        /* A crash between the two steps of a delete leaves a directory without a record; one
         * before a commit's rename, a record without a directory. Neither is a layer. */
        _cleanup_free_ char *b_dir = layer_store_path(f.store, &b);
        _cleanup_free_ char *b_moved = xasprintf("%s/layers/.tmp-%s-crash", f.root, digest_hex(&b));
        REQUIRE(rename(b_dir, b_moved) == 0);
        CHECK(!layer_store_has(f.store, &b));

        struct digest seen[4] = {0};
        _cleanup_error_ struct error *err = NULL;
        CHECK(layer_store_for_each(f.store, collect, seen, &err) == 0);
        int n = 0;
        bool saw_a = false, saw_b = false;
        for (int i = 0; i < 4 && seen[i].text[0]; i++, n++) {
                saw_a |= digest_equal(&seen[i], &a);
                saw_b |= digest_equal(&seen[i], &b);
        }
        CHECK_INT_EQ(n, 2);
        CHECK(saw_a && saw_b);

        /* The orphaned record goes with a delete; the temporary with a clean. */
        CHECK(layer_store_delete(f.store, &b, &err) == 0);
        CHECK_INT_EQ(layer_store_clean_temporaries(f.store, &err), 1);
        CHECK_INT_EQ(test_count_entries(f.root, "layers"), 2);
        fixture_close(&f);
}

TEST(clean_temporaries_spares_live_writes)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest live, dead;
        chain("live", &live);
        chain("dead", &dead);
        _cleanup_error_ struct error *err = NULL;
        struct layer_write *w = NULL;
        REQUIRE(layer_write_begin(f.store, &live, &w, &err) == 0 && w);
        CHECK(put_file(layer_write_dirfd(w), "x", "y", 0644));
        _cleanup_free_ char *killed =
            xasprintf("%s/layers/.tmp-%s-abcdef", f.root, digest_hex(&dead));
        REQUIRE(mkdir(killed, 0700) == 0);
        _cleanup_free_ char *killed_file = xasprintf("%s/f", killed);
        CHECK(fs_write_file_atomic(killed_file, "x", 1, 0644, &err) == 0);
        _cleanup_free_ char *deleted =
            xasprintf("%s/layers/.tmp-deleted-%s-123456", f.root, digest_hex(&dead));
        REQUIRE(mkdir(deleted, 0700) == 0);

        CHECK_INT_EQ(layer_store_clean_temporaries(f.store, &err), 2);
        CHECK(!fs_exists(killed));
        CHECK(!fs_exists(deleted));
        /* The live write's temporary and lock are still there, and it still commits. */
        CHECK_INT_EQ(test_count_entries(f.root, "layers"), 2);
        struct digest diff;
        chain("diff", &diff);
        CHECK(layer_write_commit(w, &diff, NULL, 1, &err) == 0);
        CHECK(layer_store_has(f.store, &live));
        fixture_close(&f);
}

/* A child unpacking a layer: 0 when it wrote it, 10 when it found it present. */
static int child_write(const char *root, const struct digest *c, int start_fd)
{
        char go;
        if (read(start_fd, &go, 1) != 1)
                return 1;
        struct layer_store *store = NULL;
        struct error *err = NULL;
        if (layer_store_open(root, &store, &err) < 0)
                return 2;
        struct layer_write *w = NULL;
        if (layer_write_begin(store, c, &w, &err) < 0)
                return 3;
        if (w == NULL)
                return 10;
        if (!put_file(layer_write_dirfd(w), "file", "x", 0644))
                return 4;
        usleep(50000);
        struct digest diff;
        chain("diff", &diff);
        if (layer_write_commit(w, &diff, NULL, 1, &err) < 0)
                return 5;
        layer_store_free(store);
        return 0;
}

TEST(two_processes_unpacking_one_layer_unpack_it_once)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct digest c;
        chain("shared", &c);
        int start[2];
        REQUIRE(pipe(start) == 0);
        pid_t pids[2];
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        close(start[1]);
                        _exit(child_write(f.root, &c, start[0]));
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
                wrote += code == 0;
                found += code == 10;
        }
        CHECK_INT_EQ(wrote, 1);
        CHECK_INT_EQ(found, 1);
        CHECK(layer_store_has(f.store, &c));
        CHECK_INT_EQ(test_count_entries(f.root, "layers"), 2);
        fixture_close(&f);
}
