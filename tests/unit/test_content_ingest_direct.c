/* The content store's direct mode (content_ingest_set_direct): O_DIRECT writes from a staging
 * buffer, whatever the sizes of the writes, with exact offsets, byte-identical blobs, the same
 * digest checks, and plain writes where the filesystem has no O_DIRECT. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"
#include "content_store.h"
#include "test.h"
#include "test_fs.h"

#define MIB (1024u * 1024u)

struct fixture {
        char *root;
        struct content_store *store;
};

/* A store under PARENT: /var/tmp is a disk filesystem (O_DIRECT), /dev/shm is tmpfs (none). */
static bool fixture_open(struct fixture *f, const char *parent)
{
        f->root = xasprintf("%s/berth-unit-direct-XXXXXX", parent);
        f->store = NULL;
        if (mkdtemp(f->root) == NULL) {
                test_note("mkdtemp %s: %s", f->root, strerror(errno));
                return false;
        }
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

/* LEN bytes that differ at every offset (a misplaced block shows). */
static char *pattern(size_t len, unsigned seed)
{
        char *p = xmalloc(len ? len : 1);
        uint32_t x = 2463534242u ^ seed;
        for (size_t i = 0; i < len; i++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                p[i] = (char)x;
        }
        return p;
}

/* An unnamed ingest in direct mode; false (with a note) when it could not be made, or when
 * WANT_DIRECT differs from what set_direct reported. */
static bool begin_direct(struct fixture *f, bool want_direct, struct content_ingest **ingest)
{
        _cleanup_error_ struct error *err = NULL;
        if (content_ingest_begin_unnamed(f->store, DIGEST_SHA256, ingest, &err) < 0) {
                test_note("begin: %s", err->msg);
                return false;
        }
        bool direct = content_ingest_set_direct(*ingest);
        if (direct != want_direct)
                test_note("set_direct under %s: %d", f->root, direct);
        return direct == want_direct;
}

/* Whether the published blob D holds exactly DATA. */
static bool blob_is(struct fixture *f, const struct digest *d, const char *data, size_t len)
{
        _cleanup_error_ struct error *err = NULL;
        _cleanup_free_ char *path = content_store_blob_path(f->store, d);
        size_t got_len = 0;
        _cleanup_free_ char *got = fs_read_file(path, &got_len, &err);
        if (got == NULL) {
                test_note("%s", err->msg);
                return false;
        }
        if (got_len != len || memcmp(got, data, len) != 0) {
                test_note("blob %s: %zu bytes, expected %zu, or different bytes", d->text, got_len,
                          len);
                return false;
        }
        return true;
}

/* Writes LEN bytes of pattern SEED in pieces of the sizes in STEPS (cycled), calling
 * content_ingest_flush every FLUSH_EVERY pieces (0: never), checking the offset after each,
 * then commits and compares the blob. */
static void round_trip(struct fixture *f, const size_t *steps, size_t n_steps, size_t len,
                       size_t flush_every, unsigned seed)
{
        _cleanup_free_ char *data = pattern(len, seed);
        struct digest want;
        digest_buffer(DIGEST_SHA256, data, len, &want);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin_direct(f, true, &ingest));
        _cleanup_error_ struct error *err = NULL;
        size_t at = 0, piece = 0;
        bool offsets_exact = true;
        while (at < len) {
                size_t n = steps[piece % n_steps];
                n = n < len - at ? n : len - at;
                REQUIRE(content_ingest_write(ingest, data + at, n, &err) == 0);
                at += n;
                offsets_exact = offsets_exact && content_ingest_offset(ingest) == at;
                piece++;
                if (flush_every && piece % flush_every == 0) {
                        CHECK(content_ingest_flush(ingest, &err) == 0);
                        offsets_exact = offsets_exact && content_ingest_offset(ingest) == at;
                }
        }
        CHECK(offsets_exact);
        CHECK(content_ingest_commit_expected(ingest, &want, &err) == 0);
        if (err)
                test_note("%s", err->msg);
        CHECK(blob_is(f, &want, data, len));
        CHECK_INT_EQ(test_count_entries(f->root, "ingest"), 0);
}

TEST(unaligned_write_sizes_give_exact_offsets_and_identical_blobs)
{
        struct fixture f;
        REQUIRE(fixture_open(&f, "/var/tmp"));
        static const struct {
                size_t steps[3];
                size_t len;
        } cases[] = {
            {{1}, 1},
            {{4095}, 4095},
            {{4096}, 4096},
            {{4097}, 4097},
            {{8 * MIB - 1}, 8 * MIB - 1},
            {{8 * MIB + 1}, 8 * MIB + 1},
            {{8 * MIB}, 8 * MIB},
            {{MIB - 1, MIB + 1, 2 * MIB + 1}, 9 * MIB + 12345},
            {{65536}, 6 * MIB + 3},
            {{1, 4095, 4097}, 3 * MIB},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                size_t n = 0;
                while (n < 3 && cases[i].steps[n])
                        n++;
                round_trip(&f, cases[i].steps, n, cases[i].len, 0, (unsigned)i);
        }
        fixture_close(&f);
}

TEST(many_small_writes)
{
        struct fixture f;
        REQUIRE(fixture_open(&f, "/var/tmp"));
        static const size_t steps[] = {37, 1, 4000, 513, 16384, 7};
        round_trip(&f, steps, ARRAY_SIZE(steps), 3 * MIB + 17, 0, 99);
        fixture_close(&f);
}

/* A session: each request (PATCH) ends with a flush, often off a block boundary, and the next
 * one goes on from there. */
TEST(flushes_between_requests_off_block_boundaries)
{
        struct fixture f;
        REQUIRE(fixture_open(&f, "/var/tmp"));
        static const size_t odd[] = {5000, 10000, 3 * MIB + 7, 1, 4096 * 3, 2 * MIB - 1};
        round_trip(&f, odd, ARRAY_SIZE(odd), 9 * MIB, 1, 7);
        static const size_t chunks[] = {5 * MIB};
        round_trip(&f, chunks, 1, 21 * MIB + 100, 1, 8);
        /* A flush with nothing staged, twice, changes nothing. */
        struct content_ingest *ingest = NULL;
        REQUIRE(begin_direct(&f, true, &ingest));
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_flush(ingest, &err) == 0);
        CHECK(content_ingest_write(ingest, "abc", 3, &err) == 0);
        CHECK(content_ingest_flush(ingest, &err) == 0);
        CHECK(content_ingest_flush(ingest, &err) == 0);
        CHECK_INT_EQ(content_ingest_offset(ingest), 3);
        struct digest want;
        digest_buffer(DIGEST_SHA256, "abc", 3, &want);
        CHECK(content_ingest_commit_expected(ingest, &want, &err) == 0);
        CHECK(blob_is(&f, &want, "abc", 3));
        fixture_close(&f);
}

/* How many of the first LEN bytes of the only file in ROOT/ingest are in the page cache. */
static size_t cached_pages(const char *root, size_t len)
{
        _cleanup_free_ char *dir = xasprintf("%s/ingest", root);
        DIR *d = opendir(dir);
        if (d == NULL)
                return SIZE_MAX;
        struct dirent *de;
        _cleanup_free_ char *path = NULL;
        while ((de = readdir(d)) != NULL)
                if (strstr(de->d_name, ".partial"))
                        path = xasprintf("%s/%s", dir, de->d_name);
        closedir(d);
        if (path == NULL)
                return SIZE_MAX;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return SIZE_MAX;
        void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
                return SIZE_MAX;
        size_t pages = len / (size_t)sysconf(_SC_PAGESIZE);
        _cleanup_free_ unsigned char *vec = xmalloc(pages);
        size_t cached = SIZE_MAX;
        if (mincore(map, len, vec) == 0) {
                cached = 0;
                for (size_t i = 0; i < pages; i++)
                        cached += vec[i] & 1;
        }
        munmap(map, len);
        return cached;
}

/* What direct mode is for: the blob's bytes reach the file without a copy in the page cache. */
TEST(direct_writes_leave_the_page_cache_alone)
{
        struct fixture f;
        REQUIRE(fixture_open(&f, "/var/tmp"));
        size_t len = 16 * MIB;
        _cleanup_free_ char *data = pattern(len, 3);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin_direct(&f, true, &ingest));
        _cleanup_error_ struct error *err = NULL;
        for (size_t at = 0; at < len; at += 100000)
                REQUIRE(content_ingest_write(ingest, data + at,
                                             len - at < 100000 ? len - at : 100000, &err) == 0);
        CHECK(content_ingest_flush(ingest, &err) == 0);
        size_t cached = cached_pages(f.root, len);
        test_note("%zu of %zu pages cached", cached, len / 4096);
        CHECK(cached < 16); /* at most a tail page or two */
        struct digest want;
        digest_buffer(DIGEST_SHA256, data, len, &want);
        CHECK(content_ingest_commit_expected(ingest, &want, &err) == 0);
        CHECK(blob_is(&f, &want, data, len));
        fixture_close(&f);
}

/* Writes a blob with unaligned pieces into a store under PARENT whose set_direct reports
 * WANT_DIRECT (-1: either) and checks it; false with a note on the first difference. */
static bool plain_or_direct_round_trip(const char *parent, int want_direct)
{
        struct fixture f;
        if (!fixture_open(&f, parent))
                return false;
        size_t len = 3 * MIB + 5;
        _cleanup_free_ char *data = pattern(len, 5);
        struct digest want;
        digest_buffer(DIGEST_SHA256, data, len, &want);
        _cleanup_error_ struct error *err = NULL;
        struct content_ingest *ingest = NULL;
        bool ok = content_ingest_begin_unnamed(f.store, DIGEST_SHA256, &ingest, &err) == 0;
        if (ok) {
                int direct = content_ingest_set_direct(ingest);
                test_note("set_direct under %s: %d", parent, direct);
                ok = want_direct < 0 || direct == want_direct;
                ok = ok && content_ingest_write(ingest, data, 4097, &err) == 0;
                ok = ok && content_ingest_flush(ingest, &err) == 0;
                ok = ok && content_ingest_write(ingest, data + 4097, len - 4097, &err) == 0;
                ok = ok && content_ingest_offset(ingest) == len;
                if (ok)
                        ok = content_ingest_commit_expected(ingest, &want, &err) == 0;
                else
                        content_ingest_abort(ingest, false);
                ok = ok && blob_is(&f, &want, data, len);
        }
        if (err)
                test_note("%s", err->msg);
        fixture_close(&f);
        return ok;
}

/* tmpfs refused O_DIRECT before Linux 6.6 and takes it since: the blob is the same either way. */
TEST(tmpfs_stores_the_same_bytes)
{
        if (!fs_exists("/dev/shm")) {
                test_skip("no /dev/shm");
                return;
        }
        CHECK(plain_or_direct_round_trip("/dev/shm", -1));
}

/* ramfs refuses O_DIRECT (EINVAL on open): set_direct says so and the ingest writes through the
 * page cache. ramfs is mounted in a child's own mount namespace (a user namespace when not
 * root); skipped where neither is allowed. */
TEST(filesystem_without_o_direct_falls_back_to_plain_writes)
{
        _cleanup_free_ char *mnt = xstrdup("/tmp/berth-unit-ramfs-XXXXXX");
        REQUIRE(mkdtemp(mnt) != NULL);
        fflush(stdout); /* else the child's exit writes the parent's buffered lines again */
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
                int flags = CLONE_NEWNS | (geteuid() == 0 ? 0 : CLONE_NEWUSER);
                if (unshare(flags) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount("none", mnt, "ramfs", 0, NULL) < 0)
                        _exit(77);
                bool ok = plain_or_direct_round_trip(mnt, 0);
                fflush(stdout);
                _exit(ok ? 0 : 1);
        }
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        rmdir(mnt);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
                test_skip("cannot mount ramfs in a mount namespace here");
                return;
        }
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(commit_still_checks_the_digest)
{
        struct fixture f;
        REQUIRE(fixture_open(&f, "/var/tmp"));
        size_t len = 2 * MIB + 4097;
        _cleanup_free_ char *data = pattern(len, 11);
        struct content_ingest *ingest = NULL;
        REQUIRE(begin_direct(&f, true, &ingest));
        _cleanup_error_ struct error *err = NULL;
        CHECK(content_ingest_write(ingest, data, len, &err) == 0);
        data[len - 1] ^= 1; /* the client's digest is of other bytes */
        struct digest other;
        digest_buffer(DIGEST_SHA256, data, len, &other);
        CHECK(content_ingest_commit_expected(ingest, &other, &err) < 0);
        CHECK(err && strstr(err->msg, "digest mismatch"));
        CHECK(!content_store_has(f.store, &other, NULL));
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);
        error_free(&err);

        /* A sha512 closing digest re-reads what was written: the staged tail must be there. */
        data[len - 1] ^= 1;
        struct digest sha512;
        digest_buffer(DIGEST_SHA512, data, len, &sha512);
        REQUIRE(begin_direct(&f, true, &ingest));
        CHECK(content_ingest_write(ingest, data, len, &err) == 0);
        CHECK(content_ingest_commit_expected(ingest, &sha512, &err) == 0);
        CHECK(blob_is(&f, &sha512, data, len));
        fixture_close(&f);
}

/* A known digest's partial, resumed at an offset off a block boundary, then in direct mode;
 * content_ingest_commit checks size and digest as for plain writes. */
TEST(resumed_partial_and_known_digest)
{
        struct fixture f;
        REQUIRE(fixture_open(&f, "/var/tmp"));
        size_t len = 4 * MIB + 3;
        _cleanup_free_ char *data = pattern(len, 13);
        struct digest want;
        digest_buffer(DIGEST_SHA256, data, len, &want);
        _cleanup_error_ struct error *err = NULL;
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        REQUIRE(content_ingest_begin(f.store, &want, (int64_t)len, &ingest, &status, &err) == 0);
        CHECK(content_ingest_write(ingest, data, 5000, &err) == 0);
        content_ingest_abort(ingest, true);
        REQUIRE(content_ingest_begin(f.store, &want, (int64_t)len, &ingest, &status, &err) == 0);
        CHECK(status == CONTENT_INGEST_RESUME);
        CHECK_INT_EQ(content_ingest_offset(ingest), 5000);
        CHECK(content_ingest_set_direct(ingest));
        CHECK(content_ingest_write(ingest, data + 5000, len - 5000 - 1, &err) == 0);
        /* More than the expected size is refused before anything is staged. */
        CHECK(content_ingest_write(ingest, "xy", 2, &err) < 0);
        error_free(&err);
        CHECK_INT_EQ(content_ingest_offset(ingest), len - 1);
        CHECK(content_ingest_write(ingest, data + len - 1, 1, &err) == 0);
        CHECK(content_ingest_commit(ingest, NULL, &err) == 0);
        CHECK(blob_is(&f, &want, data, len));
        fixture_close(&f);
}

TEST(restart_and_abort_with_bytes_staged)
{
        struct fixture f;
        REQUIRE(fixture_open(&f, "/var/tmp"));
        size_t len = 5 * MIB + 1;
        _cleanup_free_ char *data = pattern(len, 17);
        struct content_ingest *ingest = NULL;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(begin_direct(&f, true, &ingest));
        CHECK(content_ingest_write(ingest, data, len, &err) == 0);
        content_ingest_abort(ingest, false);
        CHECK_INT_EQ(test_count_entries(f.root, "ingest"), 0);

        REQUIRE(begin_direct(&f, true, &ingest));
        CHECK(content_ingest_write(ingest, "junk", 4, &err) == 0);
        CHECK(content_ingest_write(ingest, data, 3 * MIB, &err) == 0);
        CHECK(content_ingest_restart(ingest, &err) == 0);
        CHECK_INT_EQ(content_ingest_offset(ingest), 0);
        CHECK(content_ingest_write(ingest, data, len, &err) == 0);
        struct digest want;
        digest_buffer(DIGEST_SHA256, data, len, &want);
        CHECK(content_ingest_commit_expected(ingest, &want, &err) == 0);
        CHECK(blob_is(&f, &want, data, len));
        fixture_close(&f);
}
