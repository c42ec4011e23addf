/*
 * JSON Web Tokens (RFC 7519) as docker's token authentication uses them: compact JWS (RFC 7515)
 * signed with ES256 (ECDSA P-256, SHA-256) or RS256 (RSASSA-PKCS1-v1_5, SHA-256), OpenSSL's
 * libcrypto underneath. Kept apart from libmicrohttpd so that unit tests reach it.
 */
#pragma once
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

/* RFC 4648 section 5, without padding. Newly allocated. */
char *base64url_encode(const void *data, size_t len);
/* Decodes (padding optional); *len gets the length. NULL on bad input. Newly allocated. */
unsigned char *base64url_decode(const char *text, size_t text_len, size_t *len);

/* Signs CLAIMS with KEY: ES256 for an EC P-256 key, RS256 for an RSA key. The header carries KID
 * when not NULL. Newly allocated token. */
char *jwt_sign(EVP_PKEY *key, const char *kid, json_t *claims, struct error **err);

/* The keys a token may be signed with: KEYS themselves, or a certificate chain in the token's
 * "x5c" header that verifies against ROOTS (distribution's rootcertbundle). */
struct jwt_trust {
        EVP_PKEY *const *keys;
        size_t n_keys;
        X509_STORE *roots; /* or NULL */
};

/* Verifies TOKEN's signature against TRUST (the "alg" must fit the key: "none" never passes)
 * and returns its claims (a new reference), or NULL with ERR. */
json_t *jwt_verify(const char *token, const struct jwt_trust *trust, struct error **err);

/* The registered claims: "iss" equals ISSUER, "aud" (a string or an array) holds AUDIENCE,
 * "exp" after NOW and "nbf" (when present) not after NOW, with LEEWAY seconds of clock skew. */
int jwt_claims_check(json_t *claims, const char *issuer, const char *audience, int64_t now,
                     int64_t leeway, struct error **err);

/* Whether the "access" claim grants ACTION on TYPE:NAME (docker's token spec: a list of
 * {"type","name","actions"}; "*" grants every action). */
bool jwt_access_allows(json_t *claims, const char *type, const char *name, const char *action);
