/*
 * Streaming ingest into the content store (see content_store.h for the contract). The partial
 * file lives in ROOT/ingest/ and reaches ROOT/blobs/ only by rename after fsync and verification,
 * so a blob that exists is complete and matches its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "content_store_internal.h"
#include "store_lock.h"

#define INGEST_WRITEBACK_WINDOW (8u << 20)

struct content_ingest {
        struct content_store *store;
        bool known; /* EXPECTED is set: named partial, resumable, guarded by LOCK_NAME */
        struct digest expected;
        int64_t expected_size;
        char *partial_name; /* in ROOT/ingest */
        char *lock_name;    /* known digests only */
        int fd;
        int lock_fd;
        struct digester *digester;
        enum digest_algorithm algorithm; /* the digester's */
        uint64_t offset;
};

static void ingest_free(struct content_ingest *ingest)
{
        if (ingest->fd >= 0)
                close(ingest->fd);
        if (ingest->lock_fd >= 0)
                store_lock_release_unlink(ingest->store->ingest_fd, ingest->lock_name,
                                          ingest->lock_fd);
        if (ingest->digester)
                digester_free(ingest->digester);
        free(ingest->partial_name);
        free(ingest->lock_name);
        free(ingest);
}

static const char *ingest_what(const struct content_ingest *ingest)
{
        return ingest->known ? ingest->expected.text : "new blob";
}

static int open_unknown_partial(struct content_ingest *ingest, struct error **err)
{
        for (int attempt = 0; attempt < 100; attempt++) {
                uint64_t r = 0;
                if (getrandom(&r, sizeof(r), 0) != sizeof(r))
                        r = (uint64_t)getpid() * 1000003u + (uint64_t)attempt;
                free(ingest->partial_name);
                ingest->partial_name = xasprintf("tmp-%016" PRIx64 ".partial", r);
                ingest->fd = openat(ingest->store->ingest_fd, ingest->partial_name,
                                    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (ingest->fd >= 0) {
                        /* Garbage collection removes an old tmp- partial only when it can take
                         * this lock, i.e. when its writer is gone. */
                        if (flock(ingest->fd, LOCK_EX) < 0)
                                return error_set(err, errno, "lock ingest/%s",
                                                 ingest->partial_name);
                        return 0;
                }
                if (errno != EEXIST)
                        return error_set(err, errno, "create ingest/%s", ingest->partial_name);
        }
        return error_set(err, EEXIST, "create a partial file in ingest");
}

/* Opens the known digest's partial file, re-hashing what an interrupted ingest left there. */
static int open_known_partial(struct content_ingest *ingest, enum content_ingest_status *status,
                              struct error **err)
{
        ingest->fd = openat(ingest->store->ingest_fd, ingest->partial_name,
                            O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (ingest->fd < 0)
                return error_set(err, errno, "open ingest/%s", ingest->partial_name);
        struct stat st;
        if (fstat(ingest->fd, &st) < 0)
                return error_set(err, errno, "stat ingest/%s", ingest->partial_name);
        bool usable =
            st.st_size > 0 && (ingest->expected_size < 0 || st.st_size <= ingest->expected_size);
        if (!usable) {
                if (st.st_size > 0 && ftruncate(ingest->fd, 0) < 0)
                        return error_set(err, errno, "truncate ingest/%s", ingest->partial_name);
                *status = CONTENT_INGEST_NEW;
                return 0;
        }
        uint64_t size = 0;
        if (content_store_hash_fd(ingest->fd, ingest->digester, &size, err) < 0)
                return error_wrap(err, "ingest/%s", ingest->partial_name);
        ingest->offset = size;
        *status = CONTENT_INGEST_RESUME;
        return 0;
}

int content_ingest_begin(struct content_store *store, const struct digest *expected,
                         int64_t expected_size, struct content_ingest **out,
                         enum content_ingest_status *status, struct error **err)
{
        *out = NULL;
        struct content_ingest *ingest = xcalloc(1, sizeof(*ingest));
        ingest->store = store;
        ingest->fd = -1;
        ingest->lock_fd = -1;
        ingest->expected_size = expected_size;
        ingest->known = expected != NULL;
        if (expected)
                ingest->expected = *expected;
        ingest->algorithm = expected ? expected->algorithm : DIGEST_SHA256;
        ingest->digester = digester_new(ingest->algorithm);

        if (!ingest->known) {
                if (open_unknown_partial(ingest, err) < 0)
                        goto fail;
                *status = CONTENT_INGEST_NEW;
                *out = ingest;
                return 0;
        }

        const char *algorithm = digest_algorithm_name(expected->algorithm);
        ingest->lock_name = xasprintf("%s-%s.lock", algorithm, digest_hex(expected));
        ingest->partial_name = xasprintf("%s-%s.partial", algorithm, digest_hex(expected));
        /* A second process ingesting the same digest waits here until the first commits or
         * gives up, then finds the blob (or the first one's partial to resume). */
        if (store_lock_acquire(store->ingest_fd, ingest->lock_name, true, true, &ingest->lock_fd,
                               err) < 0)
                goto fail;
        if (content_store_has(store, expected, NULL)) {
                ingest_free(ingest);
                *status = CONTENT_INGEST_EXISTS;
                return 0;
        }
        if (open_known_partial(ingest, status, err) < 0)
                goto fail;
        *out = ingest;
        return 0;
fail:
        /* Never leave a half-made partial of an unknown digest: nobody could resume it. */
        if (!ingest->known && ingest->fd >= 0)
                (void)unlinkat(store->ingest_fd, ingest->partial_name, 0);
        ingest_free(ingest);
        return error_wrap(err, "ingest %s", expected ? expected->text : "new blob");
}

uint64_t content_ingest_offset(const struct content_ingest *ingest)
{
        return ingest->offset;
}

int content_ingest_write(struct content_ingest *ingest, const void *data, size_t len,
                         struct error **err)
{
        if (ingest->expected_size >= 0 && ingest->offset + len > (uint64_t)ingest->expected_size)
                return error_set(err, 0, "blob %s: more than the expected %" PRId64 " bytes",
                                 ingest_what(ingest), ingest->expected_size);
        const char *p = data;
        size_t left = len;
        uint64_t at = ingest->offset;
        while (left > 0) {
                ssize_t n = pwrite(ingest->fd, p, left, (off_t)at);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set(err, errno, "write ingest/%s", ingest->partial_name);
                p += n;
                left -= (size_t)n;
                at += (uint64_t)n;
        }
        digester_update(ingest->digester, data, len);
        /* Start the disk writing each full window now rather than all at the commit's fsync:
         * the writeback overlaps the transfer, and the fsync waits only for the last window
         * (a 1 GiB registry push: 157 -> 346 MB/s, docs/benchmarks.md). Asynchronous; errors show
         * at fsync. */
        uint64_t window = INGEST_WRITEBACK_WINDOW;
        if (ingest->offset / window != (ingest->offset + len) / window) {
                uint64_t end = (ingest->offset + len) / window * window;
                (void)sync_file_range(ingest->fd, (off_t)(end - window), (off_t)window,
                                      SYNC_FILE_RANGE_WRITE);
        }
        ingest->offset += len;
        return 0;
}

int content_ingest_restart(struct content_ingest *ingest, struct error **err)
{
        if (ftruncate(ingest->fd, 0) < 0)
                return error_set(err, errno, "truncate ingest/%s", ingest->partial_name);
        digester_free(ingest->digester);
        ingest->digester = digester_new(ingest->algorithm);
        ingest->offset = 0;
        return 0;
}

static int publish(struct content_ingest *ingest, const struct digest *actual, struct error **err)
{
        struct content_store *store = ingest->store;
        int dirfd = store->algorithm_fd[actual->algorithm];
        /* The data must be on disk before the name that promises it is (a crash in between
         * would otherwise leave a verified name on empty or torn content). */
        if (fsync(ingest->fd) < 0)
                return error_set(err, errno, "sync ingest/%s", ingest->partial_name);
        if (renameat(store->ingest_fd, ingest->partial_name, dirfd, digest_hex(actual)) < 0)
                return error_set(err, errno, "publish blob %s", actual->text);
        if (fsync(dirfd) < 0)
                return error_set(err, errno, "sync blobs/%s",
                                 digest_algorithm_name(actual->algorithm));
        return 0;
}

int content_ingest_commit(struct content_ingest *ingest, struct digest *actual, struct error **err)
{
        struct digest got;
        digester_final(ingest->digester, &got);
        digester_free(ingest->digester);
        ingest->digester = NULL;
        if (actual)
                *actual = got;

        int rc = 0;
        if (ingest->expected_size >= 0 && ingest->offset != (uint64_t)ingest->expected_size)
                rc = error_set(
                    err, 0, "blob %s: size mismatch (got %" PRIu64 " bytes, expected %" PRId64 ")",
                    ingest_what(ingest), ingest->offset, ingest->expected_size);
        else if (ingest->known && !digest_equal(&got, &ingest->expected))
                rc = error_set(err, 0, "blob %s: digest mismatch (got %s)", ingest->expected.text,
                               got.text);
        else
                rc = publish(ingest, &got, err);
        if (rc < 0)
                (void)unlinkat(ingest->store->ingest_fd, ingest->partial_name, 0);
        ingest_free(ingest);
        return rc;
}

int content_ingest_begin_unnamed(struct content_store *store, enum digest_algorithm algorithm,
                                 struct content_ingest **out, struct error **err)
{
        *out = NULL;
        struct content_ingest *ingest = xcalloc(1, sizeof(*ingest));
        ingest->store = store;
        ingest->fd = -1;
        ingest->lock_fd = -1;
        ingest->expected_size = -1;
        ingest->algorithm = algorithm;
        ingest->digester = digester_new(algorithm);
        if (open_unknown_partial(ingest, err) < 0) {
                if (ingest->fd >= 0)
                        (void)unlinkat(store->ingest_fd, ingest->partial_name, 0);
                ingest_free(ingest);
                return error_wrap(err, "ingest new blob");
        }
        *out = ingest;
        return 0;
}

int content_ingest_commit_expected(struct content_ingest *ingest, const struct digest *expected,
                                   struct error **err)
{
        struct digest got;
        digester_final(ingest->digester, &got);
        digester_free(ingest->digester);
        ingest->digester = NULL;
        int rc = 0;
        if (expected->algorithm != ingest->algorithm) {
                /* Rare (an upload hashed as sha256 closed with a sha512 digest): one more read
                 * of what was written beats hashing every upload twice. */
                _cleanup_digester_ struct digester *d = digester_new(expected->algorithm);
                uint64_t size = 0;
                rc = content_store_hash_fd(ingest->fd, d, &size, err);
                if (rc == 0)
                        digester_final(d, &got);
                else
                        error_wrap(err, "ingest/%s", ingest->partial_name);
        }
        if (rc == 0 && !digest_equal(&got, expected))
                rc = error_set(err, 0, "blob %s: digest mismatch (got %s)", expected->text,
                               got.text);
        if (rc == 0)
                rc = publish(ingest, &got, err);
        if (rc < 0)
                (void)unlinkat(ingest->store->ingest_fd, ingest->partial_name, 0);
        ingest_free(ingest);
        return rc;
}

void content_ingest_abort(struct content_ingest *ingest, bool keep_partial)
{
        if (ingest == NULL)
                return;
        if (!keep_partial || !ingest->known)
                (void)unlinkat(ingest->store->ingest_fd, ingest->partial_name, 0);
        ingest_free(ingest);
}
