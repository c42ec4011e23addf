/* SHA-256 of a small buffer without OpenSSL (sha256_small.c says why). */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Up to this size digest_buffer() hashes sha256 here; above it, with OpenSSL. */
#define SHA256_SMALL_MAX (256u << 10)

void sha256_small(const void *data, size_t len, unsigned char out[32]);
