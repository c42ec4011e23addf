/*
 * zstd (RFC 8878) with libzstd's streaming API. ZSTD_decompressStream goes from one frame to the
 * next by itself (skippable frames included); a frame left open at the end of the input is a
 * truncated stream.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <zstd.h>

#include "base/alloc.h"
#include "compression_backend.h"

/* "zstd: restored data doesn't match checksum": libzstd's names start with a capital. */
static int zstd_error(struct error **err, size_t code)
{
        const char *name = ZSTD_getErrorName(code);
        return error_set(err, 0, "zstd: %c%s", tolower((unsigned char)name[0]),
                         name[0] ? name + 1 : "");
}

struct zstd_reader {
        ZSTD_DCtx *dctx;
        bool frame_open; /* a frame started and not ended: ZSTD_decompressStream returned > 0 */
        bool any_frame;
};

static void *zstd_reader_create(void)
{
        struct zstd_reader *z = xcalloc(1, sizeof(*z));
        z->dctx = ZSTD_createDCtx();
        if (z->dctx == NULL)
                abort(); /* only on out-of-memory, like xmalloc */
        return z;
}

static ssize_t zstd_read(void *state, struct compression_input *in, uint8_t *buf, size_t cap,
                         struct error **err)
{
        struct zstd_reader *z = state;
        ZSTD_outBuffer output = {buf, cap, 0};
        while (output.pos < output.size) {
                if (in->pos == in->len) {
                        if (compression_input_fill(in, err) < 0)
                                return -1;
                        if (in->pos == in->len) {
                                if (z->frame_open || !z->any_frame)
                                        return error_set(err, 0, "zstd: unexpected end of stream");
                                break;
                        }
                }
                /* Between frames: zero bytes are padding, not a frame. */
                if (!z->frame_open && z->any_frame && in->buf[in->pos] == 0) {
                        if (compression_input_expect_zeros(in, "zstd", err) < 0)
                                return -1;
                        break;
                }
                ZSTD_inBuffer input = {in->buf, in->len, in->pos};
                size_t ret = ZSTD_decompressStream(z->dctx, &output, &input);
                in->pos = input.pos;
                if (ZSTD_isError(ret))
                        return zstd_error(err, ret);
                z->any_frame = true;
                z->frame_open = ret != 0;
                /* With output space left and input left, the decoder only stops at a frame's
                 * end; with the output full it may still hold data (flushed next call). */
        }
        return (ssize_t)output.pos;
}

static void zstd_reader_destroy(void *state)
{
        struct zstd_reader *z = state;
        ZSTD_freeDCtx(z->dctx);
        free(z);
}

const struct decompress_ops decompress_zstd_ops = {
    .create = zstd_reader_create,
    .read = zstd_read,
    .destroy = zstd_reader_destroy,
};

struct zstd_writer {
        ZSTD_CCtx *cctx;
        uint8_t *out;
        size_t out_size;
};

static void *zstd_writer_create(int level)
{
        struct zstd_writer *z = xcalloc(1, sizeof(*z));
        z->cctx = ZSTD_createCCtx();
        if (z->cctx == NULL)
                abort();
        if (level <= 0)
                level = ZSTD_CLEVEL_DEFAULT;
        if (level > ZSTD_maxCLevel())
                level = ZSTD_maxCLevel();
        ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1);
        z->out_size = ZSTD_CStreamOutSize() * 8;
        z->out = xmalloc(z->out_size);
        return z;
}

static int zstd_compress(struct zstd_writer *z, int fd, const void *data, size_t len,
                         ZSTD_EndDirective mode, struct error **err)
{
        ZSTD_inBuffer input = {data, len, 0};
        for (;;) {
                ZSTD_outBuffer output = {z->out, z->out_size, 0};
                size_t remaining = ZSTD_compressStream2(z->cctx, &output, &input, mode);
                if (ZSTD_isError(remaining))
                        return zstd_error(err, remaining);
                if (compression_write_all(fd, z->out, output.pos, err) < 0)
                        return -1;
                bool done = mode == ZSTD_e_end ? remaining == 0 : input.pos == input.size;
                if (done)
                        return 0;
        }
}

static int zstd_write(void *state, int fd, const void *data, size_t len, struct error **err)
{
        return zstd_compress(state, fd, data, len, ZSTD_e_continue, err);
}

static int zstd_finish(void *state, int fd, struct error **err)
{
        return zstd_compress(state, fd, NULL, 0, ZSTD_e_end, err);
}

static void zstd_writer_destroy(void *state)
{
        struct zstd_writer *z = state;
        ZSTD_freeCCtx(z->cctx);
        free(z->out);
        free(z);
}

const struct compress_ops compress_zstd_ops = {
    .create = zstd_writer_create,
    .write = zstd_write,
    .finish = zstd_finish,
    .destroy = zstd_writer_destroy,
};
