/*
 * Content digests ("algorithm:hex", image-spec descriptor.md#digests) and streaming hashing
 * with OpenSSL's EVP (SHA-NI where the CPU has it). sha256 and sha512 are the registered
 * algorithms; anything else is refused by digest_parse.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum digest_algorithm {
        DIGEST_SHA256,
        DIGEST_SHA512,
};

/* "sha512:" + 128 hex + NUL */
#define DIGEST_TEXT_MAX 136

/* A parsed, validated digest. Invariant: text is "sha256:<64 lower-case hex>" or
 * "sha512:<128 lower-case hex>". */
struct digest {
        enum digest_algorithm algorithm;
        char text[DIGEST_TEXT_MAX];
};

/* Parses and validates TEXT (descriptor.md#digests: registered algorithms need lower-case hex
 * of the exact length). Errors name the text: "invalid digest \"sha256:abc\": ...". */
int digest_parse(const char *text, struct digest *out, struct error **err);
/* The hex part of D (after the colon). */
const char *digest_hex(const struct digest *d);
const char *digest_algorithm_name(enum digest_algorithm algorithm);
bool digest_equal(const struct digest *a, const struct digest *b);

/* Streaming hasher. digester_new never fails (OOM aborts). */
struct digester;
struct digester *digester_new(enum digest_algorithm algorithm);
void digester_update(struct digester *d, const void *data, size_t len);
/* Writes the digest of everything fed so far; the digester can then only be freed. */
void digester_final(struct digester *d, struct digest *out);
void digester_free(struct digester *d);

/* The digest of a buffer, and of everything readable from FD (from its current offset). */
void digest_buffer(enum digest_algorithm algorithm, const void *data, size_t len,
                   struct digest *out);
int digest_fd(int fd, enum digest_algorithm algorithm, struct digest *out, uint64_t *size_out,
              struct error **err);

static inline void cleanup_digesterp(struct digester **d)
{
        if (*d)
                digester_free(*d);
}
#define _cleanup_digester_ __attribute__((cleanup(cleanup_digesterp)))
