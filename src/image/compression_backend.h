/*
 * The inside of compression.c: the buffered compressed input a reader pulls from, and the
 * function tables a backend (gzip, zstd) fills. Only the compression_*.c files include this.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

/* Compressed bytes read from FD: buf[pos..len) is not consumed yet. Invariant: pos <= len <= cap.
 */
struct compression_input {
        int fd;
        uint8_t *buf;
        size_t cap, pos, len;
        uint64_t total; /* bytes read from fd so far */
        bool eof;       /* read(2) returned 0 */
};

/* When every buffered byte is consumed, reads more (sets eof at the end of the fd). */
int compression_input_fill(struct compression_input *in, struct error **err);
/* Consumes the rest of the input, which must be zero bytes (tar blobs are sometimes padded with
 * zeros after the last member or frame); anything else is trailing garbage. */
int compression_input_expect_zeros(struct compression_input *in, const char *format,
                                   struct error **err);
int compression_write_all(int fd, const void *data, size_t len, struct error **err);

/* A decompressor: read returns bytes stored in BUF, 0 at the clean end, -1 with *err. */
struct decompress_ops {
        void *(*create)(void);
        ssize_t (*read)(void *state, struct compression_input *in, uint8_t *buf, size_t cap,
                        struct error **err);
        void (*destroy)(void *state);
};

/* A compressor writing to FD. */
struct compress_ops {
        void *(*create)(int level);
        int (*write)(void *state, int fd, const void *data, size_t len, struct error **err);
        int (*finish)(void *state, int fd, struct error **err);
        void (*destroy)(void *state);
};

extern const struct decompress_ops decompress_gzip_ops;
extern const struct decompress_ops decompress_zstd_ops;
extern const struct compress_ops compress_gzip_ops;
extern const struct compress_ops compress_zstd_ops;
