/*
 * gzip (RFC 1952) with isa-l's igzip. isa-l parses each member's header and checks its trailer
 * (CRC32 and ISIZE) itself when crc_flag is ISAL_GZIP; this file strings the members together,
 * as gzip -d does, and tells a clean end from a truncated stream.
 */
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "compression_backend.h"

#define GZIP_MAGIC0 0x1f

struct gzip_reader {
        struct inflate_state state;
        bool in_member;   /* a member was started and its trailer not yet read */
        uint64_t members; /* members finished */
};

static void *gzip_reader_create(void)
{
        struct gzip_reader *g = xcalloc(1, sizeof(*g));
        isal_inflate_init(&g->state);
        g->state.crc_flag = ISAL_GZIP;
        return g;
}

static const char *inflate_error_text(int ret)
{
        switch (ret) {
        case ISAL_INVALID_BLOCK:
                return "invalid deflate block";
        case ISAL_INVALID_SYMBOL:
                return "invalid deflate symbol";
        case ISAL_INVALID_LOOKBACK:
                return "invalid deflate distance";
        case ISAL_INVALID_WRAPPER:
                return "invalid gzip header";
        case ISAL_UNSUPPORTED_METHOD:
                return "unsupported compression method";
        case ISAL_INCORRECT_CHECKSUM:
                return "checksum mismatch (CRC32 or ISIZE)";
        case ISAL_NEED_DICT:
                return "stream needs a preset dictionary";
        default:
                return "corrupt stream";
        }
}

/* Between members: another member, zero padding, or the end. Returns 1 when a member starts,
 * 0 at the clean end, -1 on error. */
static int gzip_next_member(struct gzip_reader *g, struct compression_input *in, struct error **err)
{
        if (compression_input_fill(in, err) < 0)
                return -1;
        if (in->pos == in->len) {
                if (g->members == 0)
                        return error_set(err, 0, "gzip: unexpected end of stream");
                return 0;
        }
        uint8_t b = in->buf[in->pos];
        if (b == 0 && g->members > 0) {
                if (compression_input_expect_zeros(in, "gzip", err) < 0)
                        return -1;
                return 0;
        }
        if (b != GZIP_MAGIC0) {
                if (g->members == 0)
                        return error_set(err, 0, "gzip: not in gzip format");
                return error_set(err, 0, "gzip: trailing garbage after the stream");
        }
        isal_inflate_reset(&g->state);
        g->state.crc_flag = ISAL_GZIP;
        g->in_member = true;
        return 1;
}

static ssize_t gzip_read(void *state, struct compression_input *in, uint8_t *buf, size_t cap,
                         struct error **err)
{
        struct gzip_reader *g = state;
        size_t out = 0;
        if (cap > UINT32_MAX)
                cap = UINT32_MAX;
        while (out < cap) {
                if (!g->in_member) {
                        int r = gzip_next_member(g, in, err);
                        if (r < 0)
                                return -1;
                        if (r == 0)
                                break;
                }
                /* isa-l may hold output from the last call (a full buffer): inflate first, read
                 * more only when it made no progress. */
                g->state.next_in = in->buf + in->pos;
                g->state.avail_in = (uint32_t)(in->len - in->pos);
                g->state.next_out = buf + out;
                g->state.avail_out = (uint32_t)(cap - out);
                int ret = isal_inflate(&g->state);
                size_t consumed = (size_t)(g->state.next_in - (in->buf + in->pos));
                size_t produced = (size_t)(g->state.next_out - (buf + out));
                in->pos += consumed;
                out += produced;
                if (ret < 0)
                        return error_set(err, 0, "gzip: %s", inflate_error_text(ret));
                if (g->state.block_state == ISAL_BLOCK_FINISH) {
                        g->in_member = false;
                        g->members++;
                        continue;
                }
                if (consumed == 0 && produced == 0) {
                        if (in->pos < in->len)
                                return error_set(err, 0, "gzip: decompressor made no progress");
                        if (compression_input_fill(in, err) < 0)
                                return -1;
                        if (in->pos == in->len)
                                return error_set(err, 0, "gzip: unexpected end of stream");
                }
        }
        return (ssize_t)out;
}

static void gzip_reader_destroy(void *state)
{
        free(state);
}

const struct decompress_ops decompress_gzip_ops = {
    .create = gzip_reader_create,
    .read = gzip_read,
    .destroy = gzip_reader_destroy,
};

#define GZIP_OUTPUT_SIZE (1u << 20)

struct gzip_writer {
        struct isal_zstream stream;
        uint8_t *level_buf;
        uint8_t *out;
};

static void *gzip_writer_create(int level)
{
        struct gzip_writer *g = xcalloc(1, sizeof(*g));
        isal_deflate_init(&g->stream);
        /* 0 is "the fast default": isa-l's level 1, about zlib -1's ratio at many times its
         * speed. isa-l stops at level 3. */
        if (level <= 0)
                level = 1;
        if (level > ISAL_DEF_MAX_LEVEL)
                level = ISAL_DEF_MAX_LEVEL;
        static const uint32_t level_buf_size[] = {
            0,
            ISAL_DEF_LVL1_DEFAULT,
            ISAL_DEF_LVL2_DEFAULT,
            ISAL_DEF_LVL3_DEFAULT,
        };
        g->stream.level = (uint32_t)level;
        g->stream.level_buf_size = level_buf_size[level];
        g->level_buf = xmalloc(g->stream.level_buf_size);
        g->stream.level_buf = g->level_buf;
        /* A generic RFC 1952 header (no name, mtime 0) and the CRC32/ISIZE trailer. */
        g->stream.gzip_flag = IGZIP_GZIP;
        g->stream.flush = NO_FLUSH;
        g->out = xmalloc(GZIP_OUTPUT_SIZE);
        return g;
}

static int gzip_deflate_step(struct gzip_writer *g, int fd, struct error **err)
{
        g->stream.next_out = g->out;
        g->stream.avail_out = GZIP_OUTPUT_SIZE;
        int ret = isal_deflate(&g->stream);
        if (ret != COMP_OK)
                return error_set(err, 0, "gzip: compression failed (isa-l error %d)", ret);
        size_t produced = GZIP_OUTPUT_SIZE - g->stream.avail_out;
        return compression_write_all(fd, g->out, produced, err);
}

static int gzip_write(void *state, int fd, const void *data, size_t len, struct error **err)
{
        struct gzip_writer *g = state;
        const uint8_t *p = data;
        while (len > 0) {
                size_t chunk = len > (1u << 30) ? (1u << 30) : len;
                g->stream.next_in = (uint8_t *)p;
                g->stream.avail_in = (uint32_t)chunk;
                while (g->stream.avail_in > 0)
                        if (gzip_deflate_step(g, fd, err) < 0)
                                return -1;
                p += chunk;
                len -= chunk;
        }
        return 0;
}

static int gzip_finish(void *state, int fd, struct error **err)
{
        struct gzip_writer *g = state;
        g->stream.next_in = NULL;
        g->stream.avail_in = 0;
        g->stream.end_of_stream = 1;
        while (g->stream.internal_state.state != ZSTATE_END)
                if (gzip_deflate_step(g, fd, err) < 0)
                        return -1;
        return 0;
}

static void gzip_writer_destroy(void *state)
{
        struct gzip_writer *g = state;
        free(g->level_buf);
        free(g->out);
        free(g);
}

const struct compress_ops compress_gzip_ops = {
    .create = gzip_writer_create,
    .write = gzip_write,
    .finish = gzip_finish,
    .destroy = gzip_writer_destroy,
};
