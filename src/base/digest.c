#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "sha256_small.h"

struct digester {
        enum digest_algorithm algorithm;
        EVP_MD_CTX *ctx;
};

static const struct {
        const char *name;
        size_t hex_len;
} algorithms[] = {
    [DIGEST_SHA256] = {"sha256", 64},
    [DIGEST_SHA512] = {"sha512", 128},
};

const char *digest_algorithm_name(enum digest_algorithm algorithm)
{
        return algorithms[algorithm].name;
}

const char *digest_hex(const struct digest *d)
{
        return d->text + strlen(algorithms[d->algorithm].name) + 1;
}

bool digest_equal(const struct digest *a, const struct digest *b)
{
        return a->algorithm == b->algorithm && strcmp(a->text, b->text) == 0;
}

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_lower_hex(char c)
{
        return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
}

/* descriptor.md#digests: algorithm ::= [a-z0-9]+ ([+._-] [a-z0-9]+)* */
static bool algorithm_is_valid(const char *s, size_t len)
{
        if (len == 0)
                return false;
        bool after_separator = true;
        for (size_t i = 0; i < len; i++) {
                if (is_lower_alnum(s[i])) {
                        after_separator = false;
                } else if (strchr("+._-", s[i]) && !after_separator) {
                        after_separator = true;
                } else {
                        return false;
                }
        }
        return !after_separator;
}

/* descriptor.md#digests: encoded ::= [a-zA-Z0-9=_-]+ */
static bool encoded_is_valid(const char *s)
{
        if (*s == '\0')
                return false;
        for (; *s; s++) {
                char c = *s;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '=' || c == '_' || c == '-';
                if (!ok)
                        return false;
        }
        return true;
}

int digest_parse(const char *text, struct digest *out, struct error **err)
{
        const char *colon = strchr(text, ':');
        if (colon == NULL)
                return error_set(
                    err, 0, "invalid digest \"%s\": no algorithm (want \"sha256:<hex>\")", text);
        size_t algorithm_len = (size_t)(colon - text);
        const char *encoded = colon + 1;
        if (!algorithm_is_valid(text, algorithm_len))
                return error_set(err, 0, "invalid digest \"%s\": malformed algorithm", text);
        if (!encoded_is_valid(encoded))
                return error_set(err, 0, "invalid digest \"%s\": malformed encoded part", text);

        for (size_t a = 0; a < ARRAY_SIZE(algorithms); a++) {
                if (strlen(algorithms[a].name) != algorithm_len ||
                    strncmp(text, algorithms[a].name, algorithm_len) != 0)
                        continue;
                /* Registered algorithms (descriptor.md#sha-256, #sha-512) fix the encoding:
                 * lower-case hex of the hash's exact length. */
                size_t len = strlen(encoded);
                if (len != algorithms[a].hex_len)
                        return error_set(
                            err, 0, "invalid digest \"%s\": %s needs %zu hex characters, not %zu",
                            text, algorithms[a].name, algorithms[a].hex_len, len);
                for (size_t i = 0; i < len; i++)
                        if (!is_lower_hex(encoded[i]))
                                return error_set(err, 0,
                                                 "invalid digest \"%s\": %s needs lower-case hex",
                                                 text, algorithms[a].name);
                out->algorithm = (enum digest_algorithm)a;
                memcpy(out->text, text, algorithm_len + 1 + len + 1);
                return 0;
        }
        return error_set(err, 0, "invalid digest \"%s\": unsupported algorithm \"%.*s\"", text,
                         (int)algorithm_len, text);
}

static const EVP_MD *evp_md(enum digest_algorithm algorithm)
{
        return algorithm == DIGEST_SHA512 ? EVP_sha512() : EVP_sha256();
}

struct digester *digester_new(enum digest_algorithm algorithm)
{
        struct digester *d = xmalloc(sizeof(*d));
        d->algorithm = algorithm;
        d->ctx = EVP_MD_CTX_new();
        if (d->ctx == NULL || EVP_DigestInit_ex(d->ctx, evp_md(algorithm), NULL) != 1)
                abort(); /* only out of memory can fail here */
        return d;
}

void digester_update(struct digester *d, const void *data, size_t len)
{
        if (len > 0 && EVP_DigestUpdate(d->ctx, data, len) != 1)
                abort();
}

void digester_final(struct digester *d, struct digest *out)
{
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        if (EVP_DigestFinal_ex(d->ctx, md, &md_len) != 1)
                abort();
        out->algorithm = d->algorithm;
        size_t pos =
            (size_t)snprintf(out->text, sizeof(out->text), "%s:", algorithms[d->algorithm].name);
        for (unsigned int i = 0; i < md_len; i++) {
                out->text[pos++] = hex[md[i] >> 4];
                out->text[pos++] = hex[md[i] & 0xf];
        }
        out->text[pos] = '\0';
}

void digester_free(struct digester *d)
{
        EVP_MD_CTX_free(d->ctx);
        free(d);
}

void digest_buffer(enum digest_algorithm algorithm, const void *data, size_t len,
                   struct digest *out)
{
        if (algorithm == DIGEST_SHA256 && len <= SHA256_SMALL_MAX) {
                static const char hex[] = "0123456789abcdef";
                unsigned char md[32];
                sha256_small(data, len, md);
                out->algorithm = DIGEST_SHA256;
                memcpy(out->text, "sha256:", 7);
                for (int i = 0; i < 32; i++) {
                        out->text[7 + 2 * i] = hex[md[i] >> 4];
                        out->text[8 + 2 * i] = hex[md[i] & 0xf];
                }
                out->text[7 + 64] = '\0';
                return;
        }
        _cleanup_digester_ struct digester *d = digester_new(algorithm);
        digester_update(d, data, len);
        digester_final(d, out);
}

int digest_fd(int fd, enum digest_algorithm algorithm, struct digest *out, uint64_t *size_out,
              struct error **err)
{
        _cleanup_digester_ struct digester *d = digester_new(algorithm);
        _cleanup_free_ char *buf = xmalloc(1 << 20);
        uint64_t total = 0;
        for (;;) {
                ssize_t n = read(fd, buf, 1 << 20);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set(err, errno, "read");
                if (n == 0)
                        break;
                digester_update(d, buf, (size_t)n);
                total += (uint64_t)n;
        }
        digester_final(d, out);
        if (size_out)
                *size_out = total;
        return 0;
}
