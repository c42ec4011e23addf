/*
 * decompress_reader: a layer blob as a registry sends it. The first byte chooses gzip or zstd
 * and the reader's buffer size (small buffers split the stream at every place); the rest is the
 * compressed stream, read to its end or to an error. Odd first bytes also compress the input
 * and read it back, which must give the input again.
 */
#include "fuzz.h"
#include "compression.h"

#define OUTPUT_LIMIT (64u << 20) /* a decompression bomb is read to here, then stopped */

static void read_all(int fd, enum layer_compression compression, size_t cap, const uint8_t *expect,
                     size_t expect_len)
{
        struct decompress_reader *r = decompress_reader_new(fd, compression);
        uint8_t *buf = xmalloc(cap);
        size_t total = 0;
        struct error *err = NULL;
        for (;;) {
                ssize_t n = decompress_reader_read(r, buf, cap, &err);
                if (n < 0) {
                        fuzz_check_error("decompress_reader_read", -1, &err);
                        if (expect) {
                                fprintf(stderr, "round trip (%s) failed\n",
                                        layer_compression_name(compression));
                                abort();
                        }
                        break;
                }
                if (err != NULL || (size_t)n > cap)
                        abort();
                if (n == 0)
                        break;
                if (expect && (total + (size_t)n > expect_len ||
                               memcmp(expect + total, buf, (size_t)n) != 0)) {
                        fprintf(stderr, "round trip (%s) differs at %zu\n",
                                layer_compression_name(compression), total);
                        abort();
                }
                total += (size_t)n;
                if (total > OUTPUT_LIMIT)
                        break;
        }
        if (expect && total != expect_len) {
                fprintf(stderr, "round trip (%s) gave %zu of %zu bytes\n",
                        layer_compression_name(compression), total, expect_len);
                abort();
        }
        free(buf);
        decompress_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        enum layer_compression compression =
            (data[0] & 2) ? LAYER_COMPRESSION_ZSTD : LAYER_COMPRESSION_GZIP;
        static const size_t caps[] = {1, 7, 512, 4096, 65536, 1 << 20};
        size_t cap = caps[(data[0] >> 2) % ARRAY_SIZE(caps)];
        data++;
        size--;

        int fd = fuzz_memfd(data, size);
        read_all(fd, compression, cap, NULL, 0);
        close(fd);

        if (data[-1] & 1) {
                int out = memfd_create("fuzz-compressed", MFD_CLOEXEC);
                struct error *err = NULL;
                struct compress_writer *w = compress_writer_new(out, compression, 0);
                if (compress_writer_write(w, data, size, &err) < 0 ||
                    compress_writer_finish(w, &err) < 0) {
                        fprintf(stderr, "compress: %s\n", err->msg);
                        abort();
                }
                compress_writer_free(w);
                lseek(out, 0, SEEK_SET);
                read_all(out, compression, cap, data, size);
                close(out);
        }
        return 0;
}
