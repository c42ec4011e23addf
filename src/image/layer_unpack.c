/*
 * The reading half of layer_unpack: decompress, hash (the diff_id is the digest of the
 * uncompressed tar, image-spec config.md rootfs.diff_ids), and parse the tar with libarchive;
 * each entry goes to the writer in layer_unpack_entry.c.
 */
#include "layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/alloc.h"
#include "base/log.h"
#include "compression.h"
#include "layer_unpack_internal.h"

/* Uncompressed bytes handed to libarchive per callback: its tar reader gives file data out of
 * these buffers without copying, so a file's data is written in blocks up to this size. */
#define TAR_BUFFER_SIZE (1u << 20)
/* Buffers between the two threads: enough to ride out a burst of small files. */
#define TAR_SLOTS 4

/*
 * Two threads: the reader decompresses and hashes into a ring of buffers while the caller's
 * thread parses the tar and writes files, so a layer costs about the slower of the two rather
 * than their sum. Slots [tail, tail + filled) hold data; the one at tail may be lent to
 * libarchive (which may use it until its next read callback).
 */
struct tar_source {
        struct decompress_reader *reader;
        struct digester *digester;
        uint64_t size; /* uncompressed bytes read: written by the reader thread only */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t changed;
        struct {
                uint8_t *data;
                size_t len;
        } slots[TAR_SLOTS];
        size_t tail, filled;
        bool lent;           /* slots[tail] is libarchive's */
        bool done;           /* the reader finished: end of input, or error set */
        bool stop;           /* the parser failed: the reader stops early */
        struct error *error; /* the reader's error: libarchive only keeps text */
        bool gave_data;      /* the parser's thread only: a callback returned bytes */
};

/* The reader thread: everything to the end of the input (after the tar's end-of-archive blocks
 * too: a pipe writer must not block, and the diff_id is of every byte). */
static void *tar_source_main(void *arg)
{
        struct tar_source *src = arg;
        struct error *error = NULL;
        pthread_mutex_lock(&src->lock);
        for (;;) {
                while (src->filled == TAR_SLOTS && !src->stop)
                        pthread_cond_wait(&src->changed, &src->lock);
                if (src->stop)
                        break;
                size_t head = (src->tail + src->filled) % TAR_SLOTS;
                uint8_t *buf = src->slots[head].data;
                pthread_mutex_unlock(&src->lock);
                ssize_t n = decompress_reader_read(src->reader, buf, TAR_BUFFER_SIZE, &error);
                if (n > 0) {
                        digester_update(src->digester, buf, (size_t)n);
                        src->size += (uint64_t)n;
                }
                pthread_mutex_lock(&src->lock);
                if (n <= 0) {
                        src->error = error;
                        break;
                }
                src->slots[head].len = (size_t)n;
                src->filled++;
                pthread_cond_broadcast(&src->changed);
        }
        src->done = true;
        pthread_cond_broadcast(&src->changed);
        pthread_mutex_unlock(&src->lock);
        return NULL;
}

/* Gives libarchive the next buffer; the one it had goes back to the reader. */
static la_ssize_t tar_source_read(struct archive *a, void *data, const void **buffer)
{
        struct tar_source *src = data;
        pthread_mutex_lock(&src->lock);
        if (src->lent) {
                src->lent = false;
                src->tail = (src->tail + 1) % TAR_SLOTS;
                src->filled--;
                pthread_cond_broadcast(&src->changed);
        }
        while (src->filled == 0 && !src->done)
                pthread_cond_wait(&src->changed, &src->lock);
        la_ssize_t ret = 0;
        if (src->filled > 0) {
                src->lent = true;
                src->gave_data = true;
                *buffer = src->slots[src->tail].data;
                ret = (la_ssize_t)src->slots[src->tail].len;
        } else if (src->error) {
                archive_set_error(a, EIO, "%s", src->error->msg);
                ret = -1;
        }
        pthread_mutex_unlock(&src->lock);
        return ret;
}

/* After the tar's end: lets the reader run to the end of the input. */
static int tar_source_drain(struct tar_source *src, struct error **err)
{
        pthread_mutex_lock(&src->lock);
        for (;;) {
                src->lent = false;
                src->tail = (src->tail + src->filled) % TAR_SLOTS;
                src->filled = 0;
                pthread_cond_broadcast(&src->changed);
                if (src->done)
                        break;
                pthread_cond_wait(&src->changed, &src->lock);
        }
        int ret = 0;
        if (src->error) {
                *err = steal_pointer(&src->error);
                ret = -1;
        }
        pthread_mutex_unlock(&src->lock);
        return ret;
}

static void tar_source_stop(struct tar_source *src)
{
        pthread_mutex_lock(&src->lock);
        src->stop = true;
        pthread_cond_broadcast(&src->changed);
        pthread_mutex_unlock(&src->lock);
        pthread_join(src->thread, NULL);
}

static bool src_ended_cleanly(struct tar_source *src)
{
        pthread_mutex_lock(&src->lock);
        bool clean = src->done && src->error == NULL;
        pthread_mutex_unlock(&src->lock);
        return clean;
}

/* The reader's error if it had one, else libarchive's message. */
static int archive_failure(struct archive *a, struct tar_source *src, const char *what,
                           struct error **err)
{
        pthread_mutex_lock(&src->lock);
        struct error *read_error = src->done ? steal_pointer(&src->error) : NULL;
        pthread_mutex_unlock(&src->lock);
        if (read_error) {
                *err = read_error;
                return error_wrap(err, "%s", what);
        }
        const char *msg = archive_error_string(a);
        return error_set(err, 0, "%s: %s", what, msg ? msg : "unknown error");
}

static int unpack_stream(struct archive *a, struct tar_source *src, struct layer_unpacker *u,
                         uint64_t *entries, struct error **err)
{
        /* tar only, in its ustar, pax and GNU forms; no libarchive filters: decompression is
         * ours, and nothing else is a layer. */
        archive_read_support_format_tar(a);
        int r = archive_read_open(a, src, NULL, tar_source_read, NULL);
        while (r == ARCHIVE_OK) {
                struct archive_entry *entry;
                r = archive_read_next_header(a, &entry);
                if (r == ARCHIVE_EOF)
                        break;
                if (r == ARCHIVE_WARN) {
                        /* e.g. a UTF-8 pax name in the C locale: the raw bytes are used */
                        const char *msg = archive_error_string(a);
                        log_debug("layer tar: %s", msg ? msg : "warning");
                        r = ARCHIVE_OK;
                } else if (r != ARCHIVE_OK) {
                        break;
                }
                (*entries)++;
                /* A read error inside an entry's data comes back as that entry's error,
                 * with the decompressor's message (archive_set_error above). */
                if (layer_unpacker_entry(u, a, entry, err) < 0)
                        return -1;
        }
        /* No bytes at all is an empty layer, as for docker (libarchive finds no format). */
        if (r != ARCHIVE_EOF && !(r == ARCHIVE_FATAL && !src->gave_data && src_ended_cleanly(src)))
                return archive_failure(a, src, "read layer tar", err);
        if (tar_source_drain(src, err) < 0)
                return error_wrap(err, "read layer tar");
        return layer_unpacker_finish(u, err);
}

int layer_unpack(int input_fd, enum layer_compression compression, int dest_dirfd,
                 const struct layer_unpack_options *options, struct layer_unpack_result *out,
                 struct error **err)
{
        struct tar_source src = {
            .reader = decompress_reader_new(input_fd, compression),
            .digester = digester_new(DIGEST_SHA256),
        };
        for (size_t i = 0; i < TAR_SLOTS; i++)
                src.slots[i].data = xmalloc(TAR_BUFFER_SIZE);
        pthread_mutex_init(&src.lock, NULL);
        pthread_cond_init(&src.changed, NULL);
        int ret = -1;
        int thread_err = pthread_create(&src.thread, NULL, tar_source_main, &src);
        if (thread_err != 0) {
                error_set(err, thread_err, "start the layer reader thread");
        } else {
                struct layer_unpacker u;
                layer_unpacker_init(&u, dest_dirfd, options && options->rootless);
                struct archive *a = archive_read_new();
                uint64_t entries = 0;
                ret = unpack_stream(a, &src, &u, &entries, err);
                archive_read_free(a);
                layer_unpacker_release(&u);
                tar_source_stop(&src);
                if (ret == 0) {
                        digester_final(src.digester, &out->diff_id);
                        out->uncompressed_size = src.size;
                        out->entries = entries;
                }
        }
        error_free(&src.error);
        pthread_cond_destroy(&src.changed);
        pthread_mutex_destroy(&src.lock);
        for (size_t i = 0; i < TAR_SLOTS; i++)
                free(src.slots[i].data);
        digester_free(src.digester);
        decompress_reader_free(src.reader);
        return ret;
}
