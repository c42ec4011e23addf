/* Streaming gzip (isa-l) and zstd: round trips, multi-member and multi-frame streams, padding,
 * and truncated or corrupt input that must fail rather than end early. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "compression.h"
#include "test.h"

struct bytes {
        uint8_t *data;
        size_t len;
};

/* Half compressible text, half pseudo-random bytes, so deflate uses every block type. */
static struct bytes sample(size_t len, uint32_t seed)
{
        struct bytes b = {xmalloc(len ? len : 1), len};
        uint32_t x = seed | 1;
        for (size_t i = 0; i < len; i++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if ((i / 65536) % 2 == 0)
                        b.data[i] = (uint8_t)("layer tar text "[i % 15]);
                else
                        b.data[i] = (uint8_t)x;
        }
        return b;
}

static int temp_file(void)
{
        char path[] = "/tmp/berth-unit-compression-XXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0)
                unlink(path);
        return fd;
}

/* Compresses DATA into a new temp file (in uneven pieces), returns its fd at offset 0. */
static int compress_to_file(enum layer_compression c, const struct bytes *data)
{
        int fd = temp_file();
        if (fd < 0)
                return -1;
        _cleanup_error_ struct error *err = NULL;
        struct compress_writer *w = compress_writer_new(fd, c, 0);
        size_t off = 0, piece = 1;
        int ret = 0;
        while (off < data->len && ret == 0) {
                size_t n = data->len - off < piece ? data->len - off : piece;
                ret = compress_writer_write(w, data->data + off, n, &err);
                off += n;
                piece = piece * 7 + 3;
                if (piece > 300000)
                        piece = 1;
        }
        if (ret == 0)
                ret = compress_writer_finish(w, &err);
        compress_writer_free(w);
        if (ret < 0) {
                test_note("compress: %s", err->msg);
                close(fd);
                return -1;
        }
        lseek(fd, 0, SEEK_SET);
        return fd;
}

/* Reads the whole decompressed stream from FD; returns -1 and the error text on failure. */
static int decompress_all(int fd, enum layer_compression c, struct bytes *out, size_t bufsize,
                          char **error_text, uint64_t *input_bytes)
{
        struct decompress_reader *r = decompress_reader_new(fd, c);
        _cleanup_error_ struct error *err = NULL;
        size_t cap = 1 << 16;
        out->data = xmalloc(cap);
        out->len = 0;
        uint8_t *buf = xmalloc(bufsize);
        int ret = 0;
        for (;;) {
                ssize_t n = decompress_reader_read(r, buf, bufsize, &err);
                if (n < 0) {
                        if (error_text)
                                *error_text = xstrdup(err->msg);
                        ret = -1;
                        break;
                }
                if (n == 0)
                        break;
                while (out->len + (size_t)n > cap) {
                        cap *= 2;
                        out->data = xrealloc(out->data, cap);
                }
                memcpy(out->data + out->len, buf, (size_t)n);
                out->len += (size_t)n;
        }
        if (ret == 0) {
                /* The end is sticky. */
                ssize_t again = decompress_reader_read(r, buf, bufsize, &err);
                if (again != 0)
                        ret = -1;
        }
        if (input_bytes)
                *input_bytes = decompress_reader_input_bytes(r);
        free(buf);
        decompress_reader_free(r);
        return ret;
}

static off_t file_size(int fd)
{
        struct stat st;
        return fstat(fd, &st) == 0 ? st.st_size : -1;
}

static void check_round_trip(enum layer_compression c, size_t len, size_t bufsize)
{
        struct bytes data = sample(len, (uint32_t)len + 7);
        int fd = compress_to_file(c, &data);
        REQUIRE(fd >= 0);
        struct bytes back = {0};
        uint64_t in_bytes = 0;
        CHECK(decompress_all(fd, c, &back, bufsize, NULL, &in_bytes) == 0);
        CHECK_INT_EQ(back.len, len);
        CHECK(back.len == len && memcmp(back.data, data.data, len) == 0);
        CHECK_INT_EQ(in_bytes, file_size(fd));
        free(back.data);
        free(data.data);
        close(fd);
}

TEST(round_trip_gzip)
{
        check_round_trip(LAYER_COMPRESSION_GZIP, 3 * 1000 * 1000 + 17, 1 << 20);
        check_round_trip(LAYER_COMPRESSION_GZIP, 1, 7);
        check_round_trip(LAYER_COMPRESSION_GZIP, 0, 4096);
}

TEST(round_trip_zstd)
{
        check_round_trip(LAYER_COMPRESSION_ZSTD, 3 * 1000 * 1000 + 17, 1 << 20);
        check_round_trip(LAYER_COMPRESSION_ZSTD, 1, 7);
        check_round_trip(LAYER_COMPRESSION_ZSTD, 0, 4096);
}

TEST(round_trip_none)
{
        check_round_trip(LAYER_COMPRESSION_NONE, 1000 * 1000 + 3, 1 << 16);
        check_round_trip(LAYER_COMPRESSION_NONE, 0, 4096);
}

/* The host tools read what the writers make. */
static void check_tool_reads(enum layer_compression c, const char *command)
{
        struct bytes data = sample(500000, 3);
        int fd = compress_to_file(c, &data);
        REQUIRE(fd >= 0);
        int raw = temp_file();
        REQUIRE(raw >= 0);
        REQUIRE(write(raw, data.data, data.len) == (ssize_t)data.len);
        _cleanup_free_ char *cmd = xasprintf("%s < /proc/%d/fd/%d | cmp -s - /proc/%d/fd/%d",
                                             command, (int)getpid(), fd, (int)getpid(), raw);
        CHECK_INT_EQ(system(cmd), 0);
        close(raw);
        close(fd);
        free(data.data);
}

TEST(host_tools_read_the_output)
{
        if (system("command -v gzip >/dev/null && command -v zstd >/dev/null") != 0) {
                test_skip("gzip or zstd not installed");
                return;
        }
        check_tool_reads(LAYER_COMPRESSION_GZIP, "gzip -dc");
        check_tool_reads(LAYER_COMPRESSION_ZSTD, "zstd -dcq");
}

/* Appends the compressed form of each piece to one file: gzip members or zstd frames. */
static int concatenated(enum layer_compression c, struct bytes *pieces, size_t n, size_t zeros)
{
        int fd = temp_file();
        if (fd < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                int part = compress_to_file(c, &pieces[i]);
                if (part < 0)
                        return -1;
                char buf[65536];
                ssize_t got;
                while ((got = read(part, buf, sizeof(buf))) > 0)
                        if (write(fd, buf, (size_t)got) != got)
                                return -1;
                close(part);
        }
        uint8_t zero[512] = {0};
        while (zeros > 0) {
                size_t k = zeros < sizeof(zero) ? zeros : sizeof(zero);
                if (write(fd, zero, k) != (ssize_t)k)
                        return -1;
                zeros -= k;
        }
        lseek(fd, 0, SEEK_SET);
        return fd;
}

static void check_concatenated(enum layer_compression c, size_t zeros)
{
        struct bytes pieces[3] = {sample(100000, 1), sample(0, 2), sample(777777, 3)};
        int fd = concatenated(c, pieces, 3, zeros);
        REQUIRE(fd >= 0);
        struct bytes back = {0};
        _cleanup_free_ char *msg = NULL;
        CHECK(decompress_all(fd, c, &back, 65536, &msg, NULL) == 0);
        if (msg)
                test_note("%s", msg);
        CHECK_INT_EQ(back.len, 100000 + 777777);
        CHECK(back.len == 877777 && memcmp(back.data, pieces[0].data, 100000) == 0 &&
              memcmp(back.data + 100000, pieces[2].data, 777777) == 0);
        free(back.data);
        for (size_t i = 0; i < 3; i++)
                free(pieces[i].data);
        close(fd);
}

TEST(gzip_members_are_one_stream)
{
        check_concatenated(LAYER_COMPRESSION_GZIP, 0);
        check_concatenated(LAYER_COMPRESSION_GZIP, 1024);
}

TEST(zstd_frames_are_one_stream)
{
        check_concatenated(LAYER_COMPRESSION_ZSTD, 0);
        check_concatenated(LAYER_COMPRESSION_ZSTD, 100);
}

/* A pipe fed a few bytes at a time: headers and trailers split across reads. */
static void check_trickle(enum layer_compression c)
{
        struct bytes pieces[2] = {sample(70000, 5), sample(3000, 6)};
        int fd = concatenated(c, pieces, 2, 0);
        REQUIRE(fd >= 0);
        int p[2];
        REQUIRE(pipe(p) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                char buf[3];
                ssize_t got;
                while ((got = read(fd, buf, sizeof(buf))) > 0) {
                        if (write(p[1], buf, (size_t)got) != got)
                                _exit(1);
                        if (rand() % 64 == 0)
                                usleep(50);
                }
                _exit(0);
        }
        close(p[1]);
        struct bytes back = {0};
        CHECK(decompress_all(p[0], c, &back, 1 << 20, NULL, NULL) == 0);
        CHECK_INT_EQ(back.len, 73000);
        CHECK(back.len == 73000 && memcmp(back.data, pieces[0].data, 70000) == 0 &&
              memcmp(back.data + 70000, pieces[1].data, 3000) == 0);
        int status;
        waitpid(pid, &status, 0);
        close(p[0]);
        close(fd);
        free(back.data);
        free(pieces[0].data);
        free(pieces[1].data);
}

TEST(streams_split_across_small_reads)
{
        check_trickle(LAYER_COMPRESSION_GZIP);
        check_trickle(LAYER_COMPRESSION_ZSTD);
}

/* Copies FD's content to a new file, changed by EDIT. */
static int edited_copy(int fd, off_t truncate_to, off_t flip_at, const char *append)
{
        off_t size = file_size(fd);
        uint8_t *buf = xmalloc((size_t)size + 64);
        if (pread(fd, buf, (size_t)size, 0) != size)
                return -1;
        if (truncate_to >= 0)
                size = truncate_to;
        if (flip_at >= 0)
                buf[flip_at] ^= 0x55;
        int out = temp_file();
        if (write(out, buf, (size_t)size) != size)
                return -1;
        if (append && write(out, append, strlen(append)) != (ssize_t)strlen(append))
                return -1;
        free(buf);
        lseek(out, 0, SEEK_SET);
        return out;
}

static bool fails(int fd, enum layer_compression c, const char *what)
{
        struct bytes back = {0};
        _cleanup_free_ char *msg = NULL;
        int ret = decompress_all(fd, c, &back, 65536, &msg, NULL);
        free(back.data);
        close(fd);
        if (ret == 0) {
                test_note("%s: read without an error", what);
                return false;
        }
        test_note("%s: %s", what, msg ? msg : "(no message)");
        return true;
}

static void check_damage(enum layer_compression c, const char *name)
{
        struct bytes data = sample(400000, 9);
        int fd = compress_to_file(c, &data);
        REQUIRE(fd >= 0);
        off_t size = file_size(fd);
        _cleanup_free_ char *what = NULL;
        /* Cut anywhere: in the header, the body, the trailer. */
        const off_t cuts[] = {1, 5, 11, size / 3, size - 9, size - 5, size - 1};
        for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
                free(what);
                what = xasprintf("%s truncated to %lld of %lld", name, (long long)cuts[i],
                                 (long long)size);
                CHECK(fails(edited_copy(fd, cuts[i], -1, NULL), c, what));
        }
        /* A flipped byte in the body (deflate error or checksum), and in the trailer. */
        const off_t flips[] = {size / 2, size - 6, size - 2};
        for (size_t i = 0; i < ARRAY_SIZE(flips); i++) {
                free(what);
                what = xasprintf("%s with byte %lld flipped", name, (long long)flips[i]);
                CHECK(fails(edited_copy(fd, -1, flips[i], NULL), c, what));
        }
        free(what);
        what = xasprintf("%s with trailing garbage", name);
        CHECK(fails(edited_copy(fd, -1, -1, "garbage"), c, what));
        free(what);
        what = xasprintf("empty %s", name);
        CHECK(fails(edited_copy(fd, 0, -1, NULL), c, what));
        close(fd);
        free(data.data);
}

TEST(damaged_gzip_fails)
{
        check_damage(LAYER_COMPRESSION_GZIP, "gzip");
}

TEST(damaged_zstd_fails)
{
        check_damage(LAYER_COMPRESSION_ZSTD, "zstd");
}

TEST(gzip_isize_is_checked)
{
        struct bytes data = sample(1000, 4);
        int fd = compress_to_file(LAYER_COMPRESSION_GZIP, &data);
        REQUIRE(fd >= 0);
        /* The last four bytes are ISIZE (RFC 1952 2.3.1), the four before CRC32. */
        CHECK(fails(edited_copy(fd, -1, file_size(fd) - 4, NULL), LAYER_COMPRESSION_GZIP,
                    "gzip with a wrong ISIZE"));
        CHECK(fails(edited_copy(fd, -1, file_size(fd) - 8, NULL), LAYER_COMPRESSION_GZIP,
                    "gzip with a wrong CRC32"));
        close(fd);
        free(data.data);
}

TEST(plain_data_is_not_gzip)
{
        int fd = temp_file();
        REQUIRE(fd >= 0);
        REQUIRE(write(fd, "hello world", 11) == 11);
        lseek(fd, 0, SEEK_SET);
        CHECK(fails(fd, LAYER_COMPRESSION_GZIP, "text read as gzip"));
        fd = temp_file();
        REQUIRE(write(fd, "hello world", 11) == 11);
        lseek(fd, 0, SEEK_SET);
        CHECK(fails(fd, LAYER_COMPRESSION_ZSTD, "text read as zstd"));
}

TEST(detect)
{
        const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00};
        const uint8_t zst[] = {0x28, 0xb5, 0x2f, 0xfd, 0x04};
        const uint8_t tar[512] = {'e', 't', 'c', '/'};
        CHECK_INT_EQ(compression_detect(gz, sizeof(gz)), LAYER_COMPRESSION_GZIP);
        CHECK_INT_EQ(compression_detect(zst, sizeof(zst)), LAYER_COMPRESSION_ZSTD);
        CHECK_INT_EQ(compression_detect(tar, sizeof(tar)), LAYER_COMPRESSION_NONE);
        CHECK_INT_EQ(compression_detect(gz, 1), LAYER_COMPRESSION_NONE);
        CHECK_INT_EQ(compression_detect(zst, 3), LAYER_COMPRESSION_NONE);
        CHECK_INT_EQ(compression_detect("", 0), LAYER_COMPRESSION_NONE);
}
