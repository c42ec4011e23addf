/* JSON Web Tokens for docker's token authentication (server_jwt.h). */
#include "server_jwt.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <string.h>

#include "base/alloc.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *base64url_encode(const void *data, size_t len)
{
        const unsigned char *in = data;
        char *out = xmalloc(len / 3 * 4 + 5);
        size_t o = 0, i = 0;
        for (; i + 2 < len; i += 3) {
                uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
                out[o++] = b64url_alphabet[v >> 18 & 63];
                out[o++] = b64url_alphabet[v >> 12 & 63];
                out[o++] = b64url_alphabet[v >> 6 & 63];
                out[o++] = b64url_alphabet[v & 63];
        }
        if (len - i == 1) {
                uint32_t v = (uint32_t)in[i] << 16;
                out[o++] = b64url_alphabet[v >> 18 & 63];
                out[o++] = b64url_alphabet[v >> 12 & 63];
        } else if (len - i == 2) {
                uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
                out[o++] = b64url_alphabet[v >> 18 & 63];
                out[o++] = b64url_alphabet[v >> 12 & 63];
                out[o++] = b64url_alphabet[v >> 6 & 63];
        }
        out[o] = '\0';
        return out;
}

/* Standard and URL-safe alphabets both decode (x5c certificates use the standard one). */
static int b64_value(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '-' || c == '+')
                return 62;
        if (c == '_' || c == '/')
                return 63;
        return -1;
}

unsigned char *base64url_decode(const char *text, size_t text_len, size_t *len)
{
        while (text_len > 0 && text[text_len - 1] == '=')
                text_len--;
        if (text_len % 4 == 1)
                return NULL;
        unsigned char *out = xmalloc(text_len / 4 * 3 + 3);
        size_t o = 0;
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < text_len; i++) {
                int v = b64_value(text[i]);
                if (v < 0) {
                        free(out);
                        return NULL;
                }
                acc = acc << 6 | (uint32_t)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[o++] = (unsigned char)(acc >> bits);
                }
        }
        *len = o;
        return out;
}

static int crypto_error(struct error **err, const char *what)
{
        char buf[256] = "unknown error";
        unsigned long e = ERR_get_error();
        if (e)
                ERR_error_string_n(e, buf, sizeof(buf));
        ERR_clear_error();
        return error_set(err, 0, "%s: %s", what, buf);
}

static const char *key_algorithm(EVP_PKEY *key)
{
        switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_EC:
                return "ES256";
        case EVP_PKEY_RSA:
                return "RS256";
        default:
                return NULL;
        }
}

/* JWS ES256 signatures are r||s, 32 bytes each (RFC 7518 section 3.4); OpenSSL speaks DER. */
static unsigned char *ecdsa_der_to_raw(const unsigned char *der, size_t der_len, size_t *len)
{
        ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &der, (long)der_len);
        if (sig == NULL)
                return NULL;
        const BIGNUM *r = NULL, *s = NULL;
        ECDSA_SIG_get0(sig, &r, &s);
        unsigned char *raw = xcalloc(1, 64);
        if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32) {
                ECDSA_SIG_free(sig);
                free(raw);
                return NULL;
        }
        ECDSA_SIG_free(sig);
        *len = 64;
        return raw;
}

static unsigned char *ecdsa_raw_to_der(const unsigned char *raw, size_t raw_len, size_t *len)
{
        if (raw_len != 64)
                return NULL;
        ECDSA_SIG *sig = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
        if (sig == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
                BN_free(r);
                BN_free(s);
                ECDSA_SIG_free(sig);
                return NULL;
        }
        unsigned char *der = NULL;
        int n = i2d_ECDSA_SIG(sig, &der);
        ECDSA_SIG_free(sig);
        if (n <= 0)
                return NULL;
        unsigned char *out = xmalloc((size_t)n);
        memcpy(out, der, (size_t)n);
        OPENSSL_free(der);
        *len = (size_t)n;
        return out;
}

char *jwt_sign(EVP_PKEY *key, const char *kid, json_t *claims, struct error **err)
{
        const char *alg = key_algorithm(key);
        if (alg == NULL)
                return error_set(err, 0, "token signing key: only EC P-256 and RSA keys"), NULL;
        json_t *header = json_pack("{s:s, s:s}", "typ", "JWT", "alg", alg);
        if (kid)
                json_object_set_new(header, "kid", json_string(kid));
        char *header_text = json_dumps(header, JSON_COMPACT | JSON_SORT_KEYS);
        char *claims_text = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(header);
        _cleanup_free_ char *h = base64url_encode(header_text, strlen(header_text));
        _cleanup_free_ char *c = base64url_encode(claims_text, strlen(claims_text));
        free(header_text);
        free(claims_text);
        _cleanup_free_ char *input = xasprintf("%s.%s", h, c);

        EVP_MD_CTX *md = EVP_MD_CTX_new();
        size_t sig_len = 0;
        _cleanup_free_ unsigned char *sig = NULL;
        if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestSign(md, NULL, &sig_len, (const unsigned char *)input, strlen(input)) != 1) {
                EVP_MD_CTX_free(md);
                return crypto_error(err, "sign token"), NULL;
        }
        sig = xmalloc(sig_len);
        if (EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)input, strlen(input)) != 1) {
                EVP_MD_CTX_free(md);
                return crypto_error(err, "sign token"), NULL;
        }
        EVP_MD_CTX_free(md);
        if (strcmp(alg, "ES256") == 0) {
                size_t raw_len = 0;
                unsigned char *raw = ecdsa_der_to_raw(sig, sig_len, &raw_len);
                if (raw == NULL)
                        return error_set(err, 0, "sign token: bad ECDSA signature"), NULL;
                free(sig);
                sig = raw;
                sig_len = raw_len;
        }
        _cleanup_free_ char *s = base64url_encode(sig, sig_len);
        return xasprintf("%s.%s", input, s);
}

/* Whether SIG over INPUT verifies with KEY under ALG. */
static bool verify_with(EVP_PKEY *key, const char *alg, const char *input, size_t input_len,
                        const unsigned char *sig, size_t sig_len)
{
        const char *key_alg = key_algorithm(key);
        if (key_alg == NULL || strcmp(key_alg, alg) != 0)
                return false;
        _cleanup_free_ unsigned char *der = NULL;
        if (strcmp(alg, "ES256") == 0) {
                size_t der_len = 0;
                der = ecdsa_raw_to_der(sig, sig_len, &der_len);
                if (der == NULL)
                        return false;
                sig = der;
                sig_len = der_len;
        }
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        bool ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
                  EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)input, input_len) == 1;
        EVP_MD_CTX_free(md);
        ERR_clear_error();
        return ok;
}

/* The leaf of the header's "x5c" chain when it verifies against ROOTS: its public key (a new
 * reference), or NULL. */
static EVP_PKEY *x5c_key(json_t *x5c, X509_STORE *roots, struct error **err)
{
        if (!json_is_array(x5c) || json_array_size(x5c) == 0)
                return error_set(err, 0, "token: x5c is not a list of certificates"), NULL;
        STACK_OF(X509) *chain = sk_X509_new_null();
        X509 *leaf = NULL;
        EVP_PKEY *key = NULL;
        for (size_t i = 0; i < json_array_size(x5c); i++) {
                const char *text = json_string_value(json_array_get(x5c, i));
                size_t der_len = 0;
                _cleanup_free_ unsigned char *der =
                    text ? base64url_decode(text, strlen(text), &der_len) : NULL;
                const unsigned char *p = der;
                X509 *cert = der ? d2i_X509(NULL, &p, (long)der_len) : NULL;
                if (cert == NULL) {
                        error_set(err, 0, "token: x5c holds a bad certificate");
                        goto out;
                }
                if (i == 0)
                        leaf = cert;
                else
                        sk_X509_push(chain, cert);
        }
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        if (X509_STORE_CTX_init(ctx, roots, leaf, chain) == 1 && X509_verify_cert(ctx) == 1) {
                key = X509_get_pubkey(leaf);
        } else {
                error_set(err, 0, "token: its certificate is not signed by a trusted issuer (%s)",
                          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        }
        X509_STORE_CTX_free(ctx);
out:
        X509_free(leaf);
        sk_X509_pop_free(chain, X509_free);
        ERR_clear_error();
        return key;
}

json_t *jwt_verify(const char *token, const struct jwt_trust *trust, struct error **err)
{
        const char *dot1 = strchr(token, '.');
        const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
        if (dot2 == NULL || strchr(dot2 + 1, '.'))
                return error_set(err, 0, "token: not a compact JWS"), NULL;
        size_t header_len = 0, claims_len = 0, sig_len = 0;
        _cleanup_free_ unsigned char *header_text =
            base64url_decode(token, (size_t)(dot1 - token), &header_len);
        _cleanup_free_ unsigned char *claims_text =
            base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &claims_len);
        _cleanup_free_ unsigned char *sig = base64url_decode(dot2 + 1, strlen(dot2 + 1), &sig_len);
        if (header_text == NULL || claims_text == NULL || sig == NULL)
                return error_set(err, 0, "token: bad base64url"), NULL;
        json_t *header = json_loadb((const char *)header_text, header_len, 0, NULL);
        const char *alg = json_string_value(json_object_get(header, "alg"));
        if (alg == NULL || (strcmp(alg, "ES256") != 0 && strcmp(alg, "RS256") != 0)) {
                error_set(err, 0, "token: algorithm \"%s\" is not ES256 or RS256", alg ? alg : "");
                json_decref(header);
                return NULL;
        }
        size_t input_len = (size_t)(dot2 - token);
        bool ok = false;
        json_t *x5c = json_object_get(header, "x5c");
        if (x5c && trust->roots) {
                EVP_PKEY *key = x5c_key(x5c, trust->roots, err);
                if (key == NULL) {
                        json_decref(header);
                        return NULL;
                }
                ok = verify_with(key, alg, token, input_len, sig, sig_len);
                EVP_PKEY_free(key);
        }
        for (size_t i = 0; !ok && i < trust->n_keys; i++)
                ok = verify_with(trust->keys[i], alg, token, input_len, sig, sig_len);
        json_decref(header);
        if (!ok)
                return error_set(err, 0, "token: bad signature"), NULL;
        json_t *claims = json_loadb((const char *)claims_text, claims_len, 0, NULL);
        if (!json_is_object(claims)) {
                json_decref(claims);
                return error_set(err, 0, "token: the claims are not a JSON object"), NULL;
        }
        return claims;
}

int jwt_claims_check(json_t *claims, const char *issuer, const char *audience, int64_t now,
                     int64_t leeway, struct error **err)
{
        const char *iss = json_string_value(json_object_get(claims, "iss"));
        if (iss == NULL || strcmp(iss, issuer) != 0)
                return error_set(err, 0, "token: issuer \"%s\" is not \"%s\"", iss ? iss : "",
                                 issuer);
        json_t *aud = json_object_get(claims, "aud");
        bool audience_ok = json_is_string(aud) && strcmp(json_string_value(aud), audience) == 0;
        size_t i;
        json_t *a;
        json_array_foreach(aud, i, a) audience_ok =
            audience_ok || (json_is_string(a) && strcmp(json_string_value(a), audience) == 0);
        if (!audience_ok)
                return error_set(err, 0, "token: not meant for service \"%s\"", audience);
        json_t *exp = json_object_get(claims, "exp");
        if (!json_is_number(exp) || (int64_t)json_number_value(exp) + leeway < now)
                return error_set(err, 0, "token: expired");
        json_t *nbf = json_object_get(claims, "nbf");
        if (nbf && (!json_is_number(nbf) || (int64_t)json_number_value(nbf) - leeway > now))
                return error_set(err, 0, "token: not valid yet");
        return 0;
}

bool jwt_access_allows(json_t *claims, const char *type, const char *name, const char *action)
{
        size_t i, j;
        json_t *entry, *a;
        json_array_foreach(json_object_get(claims, "access"), i, entry)
        {
                const char *t = json_string_value(json_object_get(entry, "type"));
                const char *n = json_string_value(json_object_get(entry, "name"));
                if (t == NULL || n == NULL || strcmp(t, type) != 0 || strcmp(n, name) != 0)
                        continue;
                json_array_foreach(json_object_get(entry, "actions"), j, a)
                {
                        const char *s = json_string_value(a);
                        if (s && (strcmp(s, action) == 0 || strcmp(s, "*") == 0))
                                return true;
                }
        }
        return false;
}
