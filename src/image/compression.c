#include "compression.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "compression_backend.h"

/* Big reads: a blob file gives a whole buffer per syscall, a pipe what it holds. */
#define INPUT_BUFFER_SIZE (1u << 20)

int compression_input_fill(struct compression_input *in, struct error **err)
{
        if (in->pos < in->len || in->eof)
                return 0;
        in->pos = in->len = 0;
        for (;;) {
                ssize_t n = read(in->fd, in->buf, in->cap);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set(err, errno, "read compressed layer");
                if (n == 0)
                        in->eof = true;
                in->len = (size_t)n;
                in->total += (uint64_t)n;
                return 0;
        }
}

int compression_input_expect_zeros(struct compression_input *in, const char *format,
                                   struct error **err)
{
        for (;;) {
                if (compression_input_fill(in, err) < 0)
                        return -1;
                if (in->pos == in->len)
                        return 0;
                for (size_t i = in->pos; i < in->len; i++)
                        if (in->buf[i] != 0)
                                return error_set(err, 0, "%s: trailing garbage after the stream",
                                                 format);
                in->pos = in->len;
        }
}

int compression_write_all(int fd, const void *data, size_t len, struct error **err)
{
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set(err, errno, "write compressed layer");
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* No compression: the input's bytes as they are. */
static void *none_create(void)
{
        return NULL;
}

static ssize_t none_read(void *state, struct compression_input *in, uint8_t *buf, size_t cap,
                         struct error **err)
{
        (void)state;
        if (in->pos < in->len) {
                size_t n = in->len - in->pos < cap ? in->len - in->pos : cap;
                memcpy(buf, in->buf + in->pos, n);
                in->pos += n;
                return (ssize_t)n;
        }
        /* Straight into the caller's buffer: no copy for the common case. */
        for (;;) {
                ssize_t n = read(in->fd, buf, cap);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set(err, errno, "read layer");
                if (n == 0)
                        in->eof = true;
                in->total += (uint64_t)n;
                return n;
        }
}

static void none_destroy(void *state)
{
        (void)state;
}

static const struct decompress_ops decompress_none_ops = {
    .create = none_create,
    .read = none_read,
    .destroy = none_destroy,
};

static void *none_writer_create(int level)
{
        (void)level;
        return NULL;
}

static int none_write(void *state, int fd, const void *data, size_t len, struct error **err)
{
        (void)state;
        return compression_write_all(fd, data, len, err);
}

static int none_finish(void *state, int fd, struct error **err)
{
        (void)state;
        (void)fd;
        (void)err;
        return 0;
}

static const struct compress_ops compress_none_ops = {
    .create = none_writer_create,
    .write = none_write,
    .finish = none_finish,
    .destroy = none_destroy,
};

struct decompress_reader {
        const struct decompress_ops *ops;
        void *state;
        struct compression_input in;
        bool finished; /* returned 0 once: the stream ended cleanly */
        bool failed;
};

static const struct decompress_ops *decompress_ops_for(enum layer_compression compression)
{
        switch (compression) {
        case LAYER_COMPRESSION_GZIP:
                return &decompress_gzip_ops;
        case LAYER_COMPRESSION_ZSTD:
                return &decompress_zstd_ops;
        case LAYER_COMPRESSION_NONE:
                break;
        }
        return &decompress_none_ops;
}

struct decompress_reader *decompress_reader_new(int fd, enum layer_compression compression)
{
        struct decompress_reader *r = xcalloc(1, sizeof(*r));
        r->ops = decompress_ops_for(compression);
        r->state = r->ops->create();
        r->in.fd = fd;
        r->in.cap = INPUT_BUFFER_SIZE;
        /* The pass-through reads into the caller's buffer and needs none of its own. */
        r->in.buf = compression == LAYER_COMPRESSION_NONE ? NULL : xmalloc(r->in.cap);
        return r;
}

ssize_t decompress_reader_read(struct decompress_reader *r, void *buf, size_t cap,
                               struct error **err)
{
        if (r->failed)
                return error_set(err, 0, "read from a failed decompression stream");
        if (r->finished || cap == 0)
                return 0;
        ssize_t n = r->ops->read(r->state, &r->in, buf, cap, err);
        if (n < 0)
                r->failed = true;
        else if (n == 0)
                r->finished = true;
        return n;
}

uint64_t decompress_reader_input_bytes(const struct decompress_reader *r)
{
        return r->in.total - (r->in.len - r->in.pos);
}

void decompress_reader_free(struct decompress_reader *r)
{
        if (r == NULL)
                return;
        r->ops->destroy(r->state);
        free(r->in.buf);
        free(r);
}

struct compress_writer {
        const struct compress_ops *ops;
        void *state;
        int fd;
        bool failed;
};

struct compress_writer *compress_writer_new(int fd, enum layer_compression compression, int level)
{
        struct compress_writer *w = xcalloc(1, sizeof(*w));
        switch (compression) {
        case LAYER_COMPRESSION_GZIP:
                w->ops = &compress_gzip_ops;
                break;
        case LAYER_COMPRESSION_ZSTD:
                w->ops = &compress_zstd_ops;
                break;
        case LAYER_COMPRESSION_NONE:
                w->ops = &compress_none_ops;
                break;
        }
        w->state = w->ops->create(level);
        w->fd = fd;
        return w;
}

int compress_writer_write(struct compress_writer *w, const void *data, size_t len,
                          struct error **err)
{
        if (w->failed)
                return error_set(err, 0, "write to a failed compression stream");
        if (len == 0)
                return 0;
        if (w->ops->write(w->state, w->fd, data, len, err) < 0) {
                w->failed = true;
                return -1;
        }
        return 0;
}

int compress_writer_finish(struct compress_writer *w, struct error **err)
{
        if (w->failed)
                return error_set(err, 0, "finish a failed compression stream");
        if (w->ops->finish(w->state, w->fd, err) < 0) {
                w->failed = true;
                return -1;
        }
        return 0;
}

void compress_writer_free(struct compress_writer *w)
{
        if (w == NULL)
                return;
        w->ops->destroy(w->state);
        free(w);
}

enum layer_compression compression_detect(const void *head, size_t len)
{
        static const uint8_t gzip_magic[] = {0x1f, 0x8b};
        static const uint8_t zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
        if (len >= sizeof(gzip_magic) && memcmp(head, gzip_magic, sizeof(gzip_magic)) == 0)
                return LAYER_COMPRESSION_GZIP;
        if (len >= sizeof(zstd_magic) && memcmp(head, zstd_magic, sizeof(zstd_magic)) == 0)
                return LAYER_COMPRESSION_ZSTD;
        return LAYER_COMPRESSION_NONE;
}
