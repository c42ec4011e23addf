/*
 * Streaming ingest into the content store (see content_store.h for the contract). The partial
 * file lives in ROOT/ingest/ and reaches ROOT/blobs/ only by rename after fsync and verification,
 * so a blob that exists is complete and matches its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
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
/* Direct mode: O_DIRECT wants file offsets, lengths and memory aligned to the logical block size
 * (512 or 4096 on the disks berth meets); 4096 satisfies both. Two buffers of 1 MiB, one filled
 * while the other is written: 1, 2 and 4 MiB pushed a 1 GiB blob at the same speed, 1 MiB the
 * 5 MiB chunks a little faster (a request's last buffer is written before its reply). */
#define INGEST_DIRECT_ALIGN  4096u
#define INGEST_DIRECT_BUFFER (1u << 20)

/* Direct mode's writer thread: an O_DIRECT pwrite returns when the disk has the data, so while
 * it writes one buffer the request's thread receives and hashes into the other. Started at the
 * first full buffer of a request, stopped by content_ingest_flush. */
struct ingest_writer {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct content_ingest *ingest;
        char *buf; /* being written; NULL when idle */
        size_t len;
        uint64_t at;
        bool stop;
        int error; /* errno of the first failed write, or 0 */
};

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
        uint64_t offset;                 /* bytes accepted: on disk, or in STAGE */
        /* Direct mode (content_ingest_set_direct): the file holds the bytes below
         * OFFSET - STAGED, STAGE the STAGED bytes after them. STAGE is non-empty only when its
         * bytes start at a multiple of INGEST_DIRECT_ALIGN, so that its full blocks can go
         * to disk through DIRECT_FD (O_DIRECT; -1 when the filesystem refuses it). */
        bool direct;
        int direct_fd;
        char *stage; /* INGEST_DIRECT_BUFFER bytes, aligned; NULL between requests */
        size_t staged;
        char *stage_next; /* the other buffer: the writer's, or NULL */
        struct ingest_writer *writer;
};

/* Staging buffers of finished requests, kept for the next ones rather than faulted in (and
 * zeroed by the kernel) again for every request. Two: one push's pair. */
static _Atomic(char *) stage_spares[2];

static char *stage_get(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(stage_spares); i++) {
                char *buf = atomic_exchange(&stage_spares[i], NULL);
                if (buf)
                        return buf;
        }
        void *buf = NULL;
        if (posix_memalign(&buf, INGEST_DIRECT_ALIGN, INGEST_DIRECT_BUFFER) != 0)
                abort(); /* out of memory, as xmalloc */
        return buf;
}

static void stage_put(char *buf)
{
        for (size_t i = 0; i < ARRAY_SIZE(stage_spares); i++) {
                char *empty = NULL;
                if (atomic_compare_exchange_strong(&stage_spares[i], &empty, buf))
                        return;
        }
        free(buf);
}

static int writer_stop(struct content_ingest *ingest);

static void ingest_free(struct content_ingest *ingest)
{
        if (ingest->writer)
                (void)writer_stop(ingest);
        if (ingest->stage_next)
                stage_put(ingest->stage_next);
        if (ingest->fd >= 0)
                close(ingest->fd);
        if (ingest->direct_fd >= 0)
                close(ingest->direct_fd);
        if (ingest->stage)
                stage_put(ingest->stage);
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
        ingest->direct_fd = -1;
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

/* Writes all of P at AT; -1 with errno. */
static int pwrite_all(int fd, const char *p, size_t len, uint64_t at)
{
        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, (off_t)at);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                p += n;
                len -= (size_t)n;
                at += (uint64_t)n;
        }
        return 0;
}

static int write_buffered(struct content_ingest *ingest, const void *data, size_t len,
                          struct error **err)
{
        if (pwrite_all(ingest->fd, data, len, ingest->offset) < 0)
                return error_set(err, errno, "write ingest/%s", ingest->partial_name);
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

/* Writes LEN bytes of BUF (aligned) at AT (aligned): the full blocks through O_DIRECT, a shorter
 * tail through the page cache (the next request's bytes go through the page cache too until the
 * file reaches a block boundary again). 0 or an errno. */
static int direct_write(struct content_ingest *ingest, const char *buf, size_t len, uint64_t at)
{
        size_t aligned = len / INGEST_DIRECT_ALIGN * INGEST_DIRECT_ALIGN;
        size_t done = 0;
        while (ingest->direct_fd >= 0 && done < aligned) {
                ssize_t n =
                    pwrite(ingest->direct_fd, buf + done, aligned - done, (off_t)(at + done));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EINVAL) {
                        /* An alignment this filesystem or device does not take after all:
                         * buffered from here on. */
                        close(ingest->direct_fd);
                        ingest->direct_fd = -1;
                        break;
                }
                if (n < 0)
                        return errno;
                done += (size_t)n;
                if (done % INGEST_DIRECT_ALIGN != 0)
                        break; /* a short write off a block boundary */
        }
        if (pwrite_all(ingest->fd, buf + done, len - done, at + done) < 0)
                return errno;
        return 0;
}

static void *writer_main(void *arg)
{
        struct ingest_writer *w = arg;
        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (w->buf == NULL && !w->stop)
                        pthread_cond_wait(&w->cond, &w->lock);
                if (w->buf == NULL)
                        break;
                pthread_mutex_unlock(&w->lock);
                int e = w->error ? 0 : direct_write(w->ingest, w->buf, w->len, w->at);
                pthread_mutex_lock(&w->lock);
                if (e && w->error == 0)
                        w->error = e;
                w->buf = NULL;
                pthread_cond_broadcast(&w->cond);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

/* Waits for the writer's buffer to be written and ends the thread: the errno of a failed write
 * or 0. */
static int writer_stop(struct content_ingest *ingest)
{
        struct ingest_writer *w = steal_pointer(&ingest->writer);
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        int e = w->error;
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return e;
}

/* Gives the full STAGE to the writer (once it is done with the previous one) and stages into
 * the other buffer. Without a thread (pthread_create failed), writes it here. */
static int stage_hand_off(struct content_ingest *ingest, struct error **err)
{
        uint64_t at = ingest->offset - ingest->staged;
        struct ingest_writer *w = ingest->writer;
        if (w == NULL) {
                w = xcalloc(1, sizeof(*w));
                w->ingest = ingest;
                pthread_mutex_init(&w->lock, NULL);
                pthread_cond_init(&w->cond, NULL);
                if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
                        pthread_cond_destroy(&w->cond);
                        pthread_mutex_destroy(&w->lock);
                        free(w);
                        int e = direct_write(ingest, ingest->stage, ingest->staged, at);
                        if (e)
                                return error_set(err, e, "write ingest/%s", ingest->partial_name);
                        ingest->staged = 0;
                        return 0;
                }
                ingest->writer = w;
        }
        char *full = ingest->stage;
        pthread_mutex_lock(&w->lock);
        while (w->buf)
                pthread_cond_wait(&w->cond, &w->lock);
        int e = w->error;
        if (e == 0) {
                w->buf = full;
                w->len = ingest->staged;
                w->at = at;
                pthread_cond_broadcast(&w->cond);
        }
        pthread_mutex_unlock(&w->lock);
        if (e)
                return error_set(err, e, "write ingest/%s", ingest->partial_name);
        /* The writer is done with the buffer it had before. */
        ingest->stage = ingest->stage_next ? ingest->stage_next : stage_get();
        ingest->stage_next = full;
        ingest->staged = 0;
        return 0;
}

static int write_direct(struct content_ingest *ingest, const char *data, size_t len,
                        struct error **err)
{
        while (len > 0) {
                size_t n;
                if (ingest->staged == 0 && ingest->offset % INGEST_DIRECT_ALIGN != 0) {
                        /* Up to the next block boundary, where staging can start. */
                        n = INGEST_DIRECT_ALIGN - ingest->offset % INGEST_DIRECT_ALIGN;
                        n = n < len ? n : len;
                        if (pwrite_all(ingest->fd, data, n, ingest->offset) < 0)
                                return error_set(err, errno, "write ingest/%s",
                                                 ingest->partial_name);
                } else {
                        if (ingest->stage == NULL)
                                ingest->stage = stage_get();
                        n = INGEST_DIRECT_BUFFER - ingest->staged;
                        n = n < len ? n : len;
                        memcpy(ingest->stage + ingest->staged, data, n);
                        ingest->staged += n;
                }
                digester_update(ingest->digester, data, n);
                ingest->offset += n;
                data += n;
                len -= n;
                if (ingest->staged == INGEST_DIRECT_BUFFER && stage_hand_off(ingest, err) < 0)
                        return -1;
        }
        return 0;
}

int content_ingest_write(struct content_ingest *ingest, const void *data, size_t len,
                         struct error **err)
{
        if (ingest->expected_size >= 0 && ingest->offset + len > (uint64_t)ingest->expected_size)
                return error_set(err, 0, "blob %s: more than the expected %" PRId64 " bytes",
                                 ingest_what(ingest), ingest->expected_size);
        if (ingest->direct)
                return write_direct(ingest, data, len, err);
        return write_buffered(ingest, data, len, err);
}

bool content_ingest_set_direct(struct content_ingest *ingest)
{
        if (ingest->direct)
                return true;
        /* A second descriptor rather than toggling O_DIRECT on the first: the tails, the
         * re-hash of content_ingest_commit_expected and fsync keep the plain one. tmpfs (and
         * some FUSE filesystems) refuse O_DIRECT with EINVAL: buffered writes there. */
        ingest->direct_fd = openat(ingest->store->ingest_fd, ingest->partial_name,
                                   O_WRONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
        if (ingest->direct_fd < 0)
                return false;
        ingest->direct = true;
        return true;
}

int content_ingest_flush(struct content_ingest *ingest, struct error **err)
{
        int e = ingest->writer ? writer_stop(ingest) : 0;
        if (e == 0 && ingest->staged > 0)
                e = direct_write(ingest, ingest->stage, ingest->staged,
                                 ingest->offset - ingest->staged);
        if (e)
                return error_set(err, e, "write ingest/%s", ingest->partial_name);
        ingest->staged = 0;
        if (ingest->stage)
                stage_put(steal_pointer(&ingest->stage));
        if (ingest->stage_next)
                stage_put(steal_pointer(&ingest->stage_next));
        return 0;
}

int content_ingest_restart(struct content_ingest *ingest, struct error **err)
{
        if (ingest->writer)
                (void)writer_stop(ingest); /* what it wrote goes anyway */
        if (ftruncate(ingest->fd, 0) < 0)
                return error_set(err, errno, "truncate ingest/%s", ingest->partial_name);
        ingest->staged = 0;
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
        if (content_ingest_flush(ingest, err) < 0) {
                content_ingest_abort(ingest, false);
                return -1;
        }
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
        ingest->direct_fd = -1;
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
        if (content_ingest_flush(ingest, err) < 0) {
                content_ingest_abort(ingest, false);
                return -1;
        }
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
