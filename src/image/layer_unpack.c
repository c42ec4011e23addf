/*
 * The reading half of layer_unpack: decompress, hash (the diff_id is the digest of the
 * uncompressed tar, image-spec config.md rootfs.diff_ids), and parse the tar with libarchive;
 * each entry goes to the writer in layer_unpack_entry.c.
 */
#include "layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>

#include "base/alloc.h"
#include "base/log.h"
#include "compression.h"
#include "layer_unpack_internal.h"

/* Uncompressed bytes handed to libarchive per callback: its tar reader gives file data out of
 * this buffer without copying, so a file's data is written in blocks up to this size. */
#define TAR_BUFFER_SIZE (1u << 20)

struct tar_source {
        struct decompress_reader *reader;
        struct digester *digester;
        uint8_t *buf;
        uint64_t size;
        struct error *error; /* the first read error: libarchive only keeps text */
};

/* Every byte libarchive sees passes here once, so the hash covers exactly the tar stream. */
static la_ssize_t tar_source_read(struct archive *a, void *data, const void **buffer)
{
        struct tar_source *src = data;
        if (src->error) {
                archive_set_error(a, EIO, "%s", src->error->msg);
                return -1;
        }
        ssize_t n = decompress_reader_read(src->reader, src->buf, TAR_BUFFER_SIZE, &src->error);
        if (n < 0) {
                archive_set_error(a, EIO, "%s", src->error->msg);
                return -1;
        }
        digester_update(src->digester, src->buf, (size_t)n);
        src->size += (uint64_t)n;
        *buffer = src->buf;
        return n;
}

/* After the end-of-archive blocks: whatever follows is read (a pipe writer must not block)
 * and hashed (the diff_id is of the whole blob's content). */
static int tar_source_drain(struct tar_source *src, struct error **err)
{
        for (;;) {
                ssize_t n = decompress_reader_read(src->reader, src->buf, TAR_BUFFER_SIZE, err);
                if (n < 0)
                        return -1;
                if (n == 0)
                        return 0;
                digester_update(src->digester, src->buf, (size_t)n);
                src->size += (uint64_t)n;
        }
}

/* The read error if there was one, else libarchive's message. */
static int archive_failure(struct archive *a, struct tar_source *src, const char *what,
                           struct error **err)
{
        if (src->error) {
                *err = steal_pointer(&src->error);
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
        if (r != ARCHIVE_EOF && !(src->size == 0 && src->error == NULL))
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
            .buf = xmalloc(TAR_BUFFER_SIZE),
        };
        struct layer_unpacker u;
        layer_unpacker_init(&u, dest_dirfd, options && options->rootless);
        struct archive *a = archive_read_new();
        uint64_t entries = 0;
        int ret = unpack_stream(a, &src, &u, &entries, err);
        archive_read_free(a);
        layer_unpacker_release(&u);
        if (ret == 0) {
                digester_final(src.digester, &out->diff_id);
                out->uncompressed_size = src.size;
                out->entries = entries;
        }
        error_free(&src.error);
        digester_free(src.digester);
        decompress_reader_free(src.reader);
        free(src.buf);
        return ret;
}
