/* The registry server's JWTs (ES256, RS256, x5c chains, claims, access) and its auth, TLS, GC
 * and limits settings. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "registry_server.h"
#include "server_jwt.h"
#include "test.h"

static json_t *claims_for(const char *iss, const char *aud, int64_t exp)
{
        return json_pack("{s:s, s:s, s:I, s:I, s:[{s:s, s:s, s:[s,s]}]}", "iss", iss, "aud", aud,
                         "exp", (json_int_t)exp, "nbf", (json_int_t)(exp - 600), "access", "type",
                         "repository", "name", "a/b", "actions", "pull", "push");
}

TEST(base64url_round_trip)
{
        for (size_t len = 0; len < 40; len++) {
                unsigned char data[40];
                for (size_t i = 0; i < len; i++)
                        data[i] = (unsigned char)(i * 37 + len);
                _cleanup_free_ char *text = base64url_encode(data, len);
                CHECK(strchr(text, '=') == NULL && strchr(text, '+') == NULL &&
                      strchr(text, '/') == NULL);
                size_t out_len = 0;
                _cleanup_free_ unsigned char *back = base64url_decode(text, strlen(text), &out_len);
                REQUIRE(back != NULL);
                CHECK(out_len == len && memcmp(back, data, len) == 0);
        }
        size_t n;
        CHECK(base64url_decode("a", 1, &n) == NULL);
        CHECK(base64url_decode("ab$c", 4, &n) == NULL);
        _cleanup_free_ unsigned char *padded = base64url_decode("aGk=", 4, &n);
        CHECK(padded && n == 2 && memcmp(padded, "hi", 2) == 0);
}

static void sign_and_verify(EVP_PKEY *key, const char *alg)
{
        int64_t now = (int64_t)time(NULL);
        json_t *claims = claims_for("iss", "svc", now + 300);
        struct error *err = NULL;
        _cleanup_free_ char *token = jwt_sign(key, NULL, claims, &err);
        json_decref(claims);
        REQUIRE(token != NULL);
        size_t hlen = 0;
        _cleanup_free_ unsigned char *h =
            base64url_decode(token, (size_t)(strchr(token, '.') - token), &hlen);
        json_t *header = json_loadb((char *)h, hlen, 0, NULL);
        CHECK_STR_EQ(json_string_value(json_object_get(header, "alg")), alg);
        json_decref(header);

        EVP_PKEY *keys[] = {key};
        struct jwt_trust trust = {.keys = keys, .n_keys = 1};
        json_t *got = jwt_verify(token, &trust, &err);
        REQUIRE(got != NULL);
        CHECK(jwt_claims_check(got, "iss", "svc", now, 60, &err) == 0);
        CHECK(jwt_access_allows(got, "repository", "a/b", "pull"));
        CHECK(jwt_access_allows(got, "repository", "a/b", "push"));
        CHECK(!jwt_access_allows(got, "repository", "a/b", "delete"));
        CHECK(!jwt_access_allows(got, "repository", "a/c", "pull"));
        CHECK(!jwt_access_allows(got, "registry", "catalog", "*"));
        CHECK(jwt_claims_check(got, "other", "svc", now, 60, &err) < 0);
        error_free(&err);
        CHECK(jwt_claims_check(got, "iss", "other", now, 60, &err) < 0);
        error_free(&err);
        CHECK(jwt_claims_check(got, "iss", "svc", now + 1000, 60, &err) < 0); /* expired */
        CHECK(strstr(err->msg, "expired") != NULL);
        error_free(&err);
        CHECK(jwt_claims_check(got, "iss", "svc", now - 1000, 60, &err) < 0); /* not yet */
        error_free(&err);
        json_decref(got);

        /* One changed byte of the claims or the signature: refused. */
        _cleanup_free_ char *bad = xstrdup(token);
        char *p = strchr(bad, '.') + 5;
        *p = *p == 'A' ? 'B' : 'A';
        CHECK(jwt_verify(bad, &trust, &err) == NULL);
        error_free(&err);
        free(bad);
        bad = xstrdup(token);
        p = bad + strlen(bad) - 3;
        *p = *p == 'A' ? 'B' : 'A';
        CHECK(jwt_verify(bad, &trust, &err) == NULL);
        error_free(&err);

        /* Another key of the same kind does not verify it. */
        EVP_PKEY *other = strcmp(alg, "ES256") == 0 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
        EVP_PKEY *others[] = {other};
        struct jwt_trust wrong = {.keys = others, .n_keys = 1};
        CHECK(jwt_verify(token, &wrong, &err) == NULL);
        CHECK(strstr(err->msg, "bad signature") != NULL);
        error_free(&err);
        EVP_PKEY_free(other);
}

TEST(jwt_es256)
{
        EVP_PKEY *key = EVP_EC_gen("P-256");
        REQUIRE(key != NULL);
        sign_and_verify(key, "ES256");
        EVP_PKEY_free(key);
}

TEST(jwt_rs256)
{
        EVP_PKEY *key = EVP_RSA_gen(2048);
        REQUIRE(key != NULL);
        sign_and_verify(key, "RS256");
        EVP_PKEY_free(key);
}

TEST(jwt_refuses_none_and_garbage)
{
        EVP_PKEY *key = EVP_EC_gen("P-256");
        EVP_PKEY *keys[] = {key};
        struct jwt_trust trust = {.keys = keys, .n_keys = 1};
        struct error *err = NULL;
        _cleanup_free_ char *h = base64url_encode("{\"alg\":\"none\"}", 14);
        _cleanup_free_ char *c = base64url_encode("{\"iss\":\"x\"}", 11);
        _cleanup_free_ char *none = xasprintf("%s.%s.", h, c);
        CHECK(jwt_verify(none, &trust, &err) == NULL);
        CHECK(strstr(err->msg, "none") != NULL);
        error_free(&err);
        CHECK(jwt_verify("abc", &trust, &err) == NULL);
        error_free(&err);
        CHECK(jwt_verify("a.b.c.d", &trust, &err) == NULL);
        error_free(&err);
        /* An RS256 header with an EC key: the algorithm must fit the key. */
        _cleanup_free_ char *h2 = base64url_encode("{\"alg\":\"RS256\"}", 15);
        _cleanup_free_ char *rs = xasprintf("%s.%s.AAAA", h2, c);
        CHECK(jwt_verify(rs, &trust, &err) == NULL);
        error_free(&err);
        EVP_PKEY_free(key);
}

/* A self-signed certificate for KEY. */
static X509 *self_signed(EVP_PKEY *key)
{
        X509 *cert = X509_new();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME *name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"issuer", -1,
                                   -1, 0);
        X509_set_issuer_name(cert, name);
        X509_sign(cert, key, EVP_sha256());
        return cert;
}

/* TOKEN with an x5c header naming CERT, re-signed by KEY. */
static char *with_x5c(EVP_PKEY *key, X509 *cert, json_t *claims) /* RSA KEY */
{
        unsigned char *der = NULL;
        int len = i2d_X509(cert, &der);
        /* x5c is standard base64 (RFC 7515 section 4.1.6); base64url differs only in two
         * characters, which the decoder accepts either way. */
        _cleanup_free_ char *b64 = base64url_encode(der, (size_t)len);
        OPENSSL_free(der);
        json_t *header =
            json_pack("{s:s, s:s, s:[s]}", "typ", "JWT", "alg",
                      EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "ES256" : "RS256", "x5c", b64);
        char *ht = json_dumps(header, JSON_COMPACT);
        char *ct = json_dumps(claims, JSON_COMPACT);
        json_decref(header);
        _cleanup_free_ char *h = base64url_encode(ht, strlen(ht));
        _cleanup_free_ char *c = base64url_encode(ct, strlen(ct));
        free(ht);
        free(ct);
        /* RS256 (PKCS#1 v1.5) signatures are the same bytes in DER and in JWS. */
        _cleanup_free_ char *input = xasprintf("%s.%s", h, c);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        size_t sig_len = 0;
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key);
        EVP_DigestSign(md, NULL, &sig_len, (unsigned char *)input, strlen(input));
        unsigned char *sig = xmalloc(sig_len);
        EVP_DigestSign(md, sig, &sig_len, (unsigned char *)input, strlen(input));
        EVP_MD_CTX_free(md);
        _cleanup_free_ char *s = base64url_encode(sig, sig_len);
        free(sig);
        return xasprintf("%s.%s", input, s);
}

TEST(jwt_x5c_chain_against_roots)
{
        EVP_PKEY *key = EVP_RSA_gen(2048);
        X509 *cert = self_signed(key);
        X509_STORE *roots = X509_STORE_new();
        X509_STORE_add_cert(roots, cert);
        json_t *claims = claims_for("iss", "svc", (int64_t)time(NULL) + 300);
        _cleanup_free_ char *token = with_x5c(key, cert, claims);
        struct error *err = NULL;
        struct jwt_trust trust = {.roots = roots};
        json_t *got = jwt_verify(token, &trust, &err);
        CHECK(got != NULL);
        json_decref(got);

        /* The same chain against roots that do not hold it. */
        X509_STORE *empty = X509_STORE_new();
        struct jwt_trust untrusted = {.roots = empty};
        CHECK(jwt_verify(token, &untrusted, &err) == NULL);
        CHECK(strstr(err->msg, "trusted") != NULL);
        error_free(&err);
        X509_STORE_free(empty);
        json_decref(claims);
        X509_STORE_free(roots);
        X509_free(cert);
        EVP_PKEY_free(key);
}

TEST(config_auth_tls_gc_keys)
{
        char path[] = "/tmp/berth-test-config-XXXXXX";
        int fd = mkstemp(path);
        REQUIRE(fd >= 0);
        const char text[] = "auth:\n"
                            "  htpasswd:\n"
                            "    path: /etc/htpasswd\n"
                            "    realm: mine\n"
                            "  token:\n"
                            "    realm: https://auth/token\n"
                            "    service: svc\n"
                            "    issuer: iss\n"
                            "    rootcertbundle: /etc/bundle.pem\n"
                            "    expiration: 15m\n"
                            "    anonymous_pull: true\n"
                            "tls:\n"
                            "  certificate: /c.pem\n"
                            "  key: /k.pem\n"
                            "gc:\n"
                            "  interval: 2h\n"
                            "  grace_period: 1d\n"
                            "limits:\n"
                            "  max_blob_size: 1G\n"
                            "  connection_timeout: 90s\n"
                            "  header_timeout: 5s\n"
                            "  max_connections_per_ip: 16\n";
        REQUIRE(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
        close(fd);
        struct registry_server_config c;
        registry_server_config_init(&c);
        CHECK(c.gc_grace_period == 3600 && c.gc_interval == 0 && c.token_expiration == 300);
        struct error *err = NULL;
        REQUIRE(registry_server_config_load(&c, path, &err) == 0);
        CHECK_STR_EQ(c.htpasswd_path, "/etc/htpasswd");
        CHECK_STR_EQ(c.htpasswd_realm, "mine");
        CHECK_STR_EQ(c.token_realm, "https://auth/token");
        CHECK_STR_EQ(c.token_service, "svc");
        CHECK_STR_EQ(c.token_issuer, "iss");
        CHECK_STR_EQ(c.token_rootcertbundle, "/etc/bundle.pem");
        CHECK(c.token_expiration == 900 && c.token_anonymous_pull && !c.token_builtin);
        CHECK_STR_EQ(c.tls_certificate, "/c.pem");
        CHECK_STR_EQ(c.tls_key, "/k.pem");
        CHECK(c.gc_interval == 7200 && c.gc_grace_period == 86400);
        CHECK(c.max_blob_size == 1ull << 30 && c.connection_timeout == 90);
        CHECK(c.header_timeout == 5);
        CHECK(c.max_connections_per_ip == 16);
        registry_server_config_release(&c);

        fd = open(path, O_WRONLY | O_TRUNC);
        const char bad[] = "gc:\n  interval: 5 minutes\n";
        REQUIRE(write(fd, bad, sizeof(bad) - 1) == (ssize_t)(sizeof(bad) - 1));
        close(fd);
        registry_server_config_init(&c);
        CHECK(registry_server_config_load(&c, path, &err) < 0);
        CHECK(strstr(err->msg, "gc.interval") != NULL);
        error_free(&err);
        registry_server_config_release(&c);
        unlink(path);
}
