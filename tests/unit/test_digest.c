/* Digests: parsing per image-spec descriptor.md#digests, and hashing against known vectors. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "digest.h"
#include "error.h"
#include "sha256_small.h"
#include "test.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA256   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY_SHA512                                                                               \
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2" \
        "877eec2f63b931bd47417a81a538327af927da3e"
/* python3 -c 'import hashlib; print(hashlib.sha256(b"a" * 1000000).hexdigest())' */
#define MILLION_A_SHA256 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

TEST(known_vectors)
{
        struct digest d;
        digest_buffer(DIGEST_SHA256, "", 0, &d);
        CHECK_STR_EQ(d.text, "sha256:" EMPTY_SHA256);
        CHECK(d.algorithm == DIGEST_SHA256);
        CHECK_STR_EQ(digest_hex(&d), EMPTY_SHA256);
        digest_buffer(DIGEST_SHA256, "abc", 3, &d);
        CHECK_STR_EQ(d.text, "sha256:" ABC_SHA256);
        digest_buffer(DIGEST_SHA512, "", 0, &d);
        CHECK_STR_EQ(d.text, "sha512:" EMPTY_SHA512);
        CHECK(d.algorithm == DIGEST_SHA512);
        CHECK_STR_EQ(digest_hex(&d), EMPTY_SHA512);
}

TEST(streaming_equals_one_shot)
{
        size_t len = 1000000;
        _cleanup_free_ char *data = xmalloc(len);
        memset(data, 'a', len);
        struct digester *h = digester_new(DIGEST_SHA256);
        /* Uneven pieces, including empty ones. */
        size_t sizes[] = {0, 1, 63, 64, 65, 4095, 0, 100000};
        size_t off = 0;
        for (size_t i = 0; off < len; i = (i + 1) % ARRAY_SIZE(sizes)) {
                size_t n = sizes[i] < len - off ? sizes[i] : len - off;
                digester_update(h, data + off, n);
                off += n;
        }
        struct digest streamed, whole;
        digester_final(h, &streamed);
        digester_free(h);
        digest_buffer(DIGEST_SHA256, data, len, &whole);
        CHECK_STR_EQ(streamed.text, "sha256:" MILLION_A_SHA256);
        CHECK(digest_equal(&streamed, &whole));
}

/* The small-buffer SHA-256 (sha256_small.c) against OpenSSL's, at every length around the
 * padding boundaries (55, 56, 63, 64 bytes and their multiples) and at its size limit. */
TEST(small_buffer_sha256_equals_openssl)
{
        size_t len = SHA256_SMALL_MAX + 1;
        _cleanup_free_ unsigned char *data = xmalloc(len);
        for (size_t i = 0; i < len; i++)
                data[i] = (unsigned char)(i * 131 + (i >> 7));
        size_t lengths[] = {0,
                            1,
                            3,
                            55,
                            56,
                            57,
                            63,
                            64,
                            65,
                            119,
                            120,
                            127,
                            128,
                            129,
                            1000,
                            4096,
                            SHA256_SMALL_MAX - 1,
                            SHA256_SMALL_MAX};
        for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
                struct digest small, openssl;
                digest_buffer(DIGEST_SHA256, data, lengths[i], &small);
                struct digester *h = digester_new(DIGEST_SHA256);
                digester_update(h, data, lengths[i]);
                digester_final(h, &openssl);
                digester_free(h);
                CHECK_STR_EQ(small.text, openssl.text);
        }
        /* The 448-bit vector of FIPS 180-4's examples. */
        struct digest d;
        const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        digest_buffer(DIGEST_SHA256, m, strlen(m), &d);
        CHECK_STR_EQ(d.text,
                     "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(digest_of_fd)
{
        char path[] = "/tmp/berth-test-digest-XXXXXX";
        int fd = mkstemp(path);
        REQUIRE(fd >= 0);
        unlink(path);
        REQUIRE(write(fd, "xxabc", 5) == 5);
        /* From the current offset: skip "xx". */
        REQUIRE(lseek(fd, 2, SEEK_SET) == 2);
        struct digest d;
        uint64_t size = 0;
        _cleanup_error_ struct error *err = NULL;
        CHECK_INT_EQ(digest_fd(fd, DIGEST_SHA256, &d, &size, &err), 0);
        CHECK_STR_EQ(d.text, "sha256:" ABC_SHA256);
        CHECK_INT_EQ(size, 3);
        close(fd);
        CHECK(digest_fd(fd, DIGEST_SHA256, &d, &size, &err) < 0);
        CHECK(err != NULL);
}

TEST(parse_round_trips)
{
        struct digest d;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(digest_parse("sha256:" EMPTY_SHA256, &d, &err) == 0);
        CHECK(d.algorithm == DIGEST_SHA256);
        CHECK_STR_EQ(d.text, "sha256:" EMPTY_SHA256);
        struct digest computed;
        digest_buffer(DIGEST_SHA256, "", 0, &computed);
        CHECK(digest_equal(&d, &computed));
        REQUIRE(digest_parse("sha512:" EMPTY_SHA512, &d, &err) == 0);
        CHECK(d.algorithm == DIGEST_SHA512);
        CHECK(!digest_equal(&d, &computed));
        CHECK_STR_EQ(digest_algorithm_name(DIGEST_SHA256), "sha256");
        CHECK_STR_EQ(digest_algorithm_name(DIGEST_SHA512), "sha512");
}

TEST(parse_refusals)
{
        static const struct {
                const char *text, *expect;
        } cases[] = {
            {"", "no algorithm"},
            {EMPTY_SHA256, "no algorithm"},
            {":" EMPTY_SHA256, "malformed algorithm"},
            {"SHA256:" EMPTY_SHA256, "malformed algorithm"},
            {"sha256+:" EMPTY_SHA256, "malformed algorithm"},
            {"+sha256:" EMPTY_SHA256, "malformed algorithm"},
            {"sha+-256:" EMPTY_SHA256, "malformed algorithm"},
            {"sha256:", "malformed encoded part"},
            {"sha256:" EMPTY_SHA256 "!", "malformed encoded part"},
            {"sha256:abc", "sha256 needs 64 hex characters, not 3"},
            {"sha256:" EMPTY_SHA256 "0", "needs 64 hex characters, not 65"},
            {"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
             "lower-case hex"},
            {"sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
             "lower-case hex"},
            {"sha256:" EMPTY_SHA256 ":", "malformed encoded part"},
            {"sha512:" EMPTY_SHA256, "sha512 needs 128 hex characters, not 64"},
            {"sha384:" EMPTY_SHA256, "unsupported algorithm \"sha384\""},
            {"blake3:" EMPTY_SHA256, "unsupported algorithm \"blake3\""},
            /* Valid in the grammar, but not a registered algorithm berth can check. */
            {"multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
             "unsupported algorithm"},
            {"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", "unsupported algorithm"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct digest d;
                _cleanup_error_ struct error *err = NULL;
                int r = digest_parse(cases[i].text, &d, &err);
                bool ok = r < 0 && err && strstr(err->msg, cases[i].expect) &&
                          strstr(err->msg, "invalid digest \"");
                if (!ok)
                        test_note("\"%s\": %s", cases[i].text, err ? err->msg : "(accepted)");
                CHECK(ok);
        }
}
