/*
 * Auth of the registry server: htpasswd basic auth (bcrypt), bearer tokens of docker's token
 * authentication (from a configured issuer, or the built-in one at /token), and the scopes
 * repository:NAME:pull,push,delete and registry:catalog:* per route (spec.md "Error Codes":
 * UNAUTHORIZED 401 with a challenge, DENIED 403).
 */
#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "base/log.h"
#include "server_internal.h"
#include "server_jwt.h"

#define AUTH_CACHE_SIZE      64
#define AUTH_CACHE_SECONDS   300
#define TOKEN_LEEWAY_SECONDS 60

enum auth_mode { AUTH_BASIC, AUTH_TOKEN };

struct htpasswd_user {
        char *name;
        char *hash;
};

/* Passwords checked lately, by SHA-256 of "user\0password": bcrypt costs milliseconds by design
 * and clients send their basic credentials with every request. */
struct auth_cache_entry {
        unsigned char key[SHA256_DIGEST_LENGTH];
        time_t expires;
};

struct registry_auth {
        enum auth_mode mode;
        const struct registry_server_config *config;
        struct htpasswd_user *users;
        size_t n_users;
        char *dummy_hash; /* checked for unknown users: they take as long as known ones */
        EVP_PKEY *signing_key;
        EVP_PKEY *keys[1]; /* trusted keys besides ROOTS: the built-in issuer's */
        size_t n_keys;
        X509_STORE *roots;
        pthread_mutex_t cache_lock;
        struct auth_cache_entry cache[AUTH_CACHE_SIZE];
        unsigned cache_next;
};

static int htpasswd_load(struct registry_auth *a, const char *path, struct error **err)
{
        _cleanup_free_ char *text = fs_read_file(path, NULL, err);
        if (text == NULL)
                return error_wrap(err, "htpasswd");
        char *save = NULL;
        size_t line_no = 0;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                line_no++;
                size_t n = strlen(line);
                while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
                        line[--n] = '\0';
                if (line[0] == '\0' || line[0] == '#')
                        continue;
                char *colon = strchr(line, ':');
                if (colon == NULL)
                        return error_set(err, 0, "htpasswd %s: line %zu: not USER:HASH", path,
                                         line_no);
                *colon = '\0';
                const char *hash = colon + 1;
                /* bcrypt only, as distribution: MD5, SHA-1 and crypt(3) DES are too cheap. */
                if (strncmp(hash, "$2y$", 4) != 0 && strncmp(hash, "$2b$", 4) != 0 &&
                    strncmp(hash, "$2a$", 4) != 0) {
                        log_warn("registry: htpasswd %s: line %zu: user %s: not a bcrypt hash "
                                 "(htpasswd -B), ignored",
                                 path, line_no, line);
                        continue;
                }
                a->users = xrealloc(a->users, (a->n_users + 1) * sizeof(*a->users));
                a->users[a->n_users++] =
                    (struct htpasswd_user){.name = xstrdup(line), .hash = xstrdup(hash)};
        }
        return 0;
}

static char *bcrypt(const char *password, const char *setting)
{
        struct crypt_data *data = xcalloc(1, sizeof(*data));
        char *out = crypt_r(password, setting, data);
        char *copy = out && out[0] != '*' ? xstrdup(out) : NULL;
        free(data);
        return copy;
}

static void cache_key(const char *user, const char *password, unsigned char *key)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
        EVP_DigestUpdate(ctx, user, strlen(user) + 1);
        EVP_DigestUpdate(ctx, password, strlen(password));
        EVP_DigestFinal_ex(ctx, key, NULL);
        EVP_MD_CTX_free(ctx);
}

/* Whether USER:PASSWORD is in the htpasswd file (constant time in what is compared). */
static bool password_check(struct registry_auth *a, const char *user, const char *password)
{
        unsigned char key[SHA256_DIGEST_LENGTH];
        cache_key(user, password, key);
        time_t now = time(NULL);
        bool cached = false;
        pthread_mutex_lock(&a->cache_lock);
        for (size_t i = 0; i < AUTH_CACHE_SIZE; i++)
                if (a->cache[i].expires > now &&
                    CRYPTO_memcmp(a->cache[i].key, key, sizeof(key)) == 0)
                        cached = true;
        pthread_mutex_unlock(&a->cache_lock);
        if (cached)
                return true;
        const struct htpasswd_user *u = NULL;
        for (size_t i = 0; i < a->n_users; i++)
                if (strcmp(a->users[i].name, user) == 0)
                        u = &a->users[i];
        const char *hash = u ? u->hash : a->dummy_hash;
        _cleanup_free_ char *computed = bcrypt(password, hash);
        bool ok = u != NULL && computed != NULL && strlen(computed) == strlen(hash) &&
                  CRYPTO_memcmp(computed, hash, strlen(hash)) == 0;
        if (ok) {
                pthread_mutex_lock(&a->cache_lock);
                struct auth_cache_entry *e = &a->cache[a->cache_next++ % AUTH_CACHE_SIZE];
                memcpy(e->key, key, sizeof(key));
                e->expires = now + AUTH_CACHE_SECONDS;
                pthread_mutex_unlock(&a->cache_lock);
        }
        return ok;
}

/* "Basic base64(user:password)" into *user, *password (new strings). */
static bool basic_credentials(const char *header, char **user, char **password)
{
        if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
                return false;
        const char *b64 = header + 6;
        while (*b64 == ' ')
                b64++;
        size_t len = 0;
        _cleanup_free_ unsigned char *raw = base64url_decode(b64, strlen(b64), &len);
        if (raw == NULL || memchr(raw, '\0', len))
                return false;
        char *colon = memchr(raw, ':', len);
        if (colon == NULL)
                return false;
        *user = xstrndup((char *)raw, (size_t)(colon - (char *)raw));
        *password = xstrndup(colon + 1, len - (size_t)(colon + 1 - (char *)raw));
        return true;
}

static const char *action_scope(enum registry_action action)
{
        switch (action) {
        case REGISTRY_ACTION_PULL:
                return "pull";
        case REGISTRY_ACTION_PUSH:
                return "push";
        case REGISTRY_ACTION_DELETE:
                return "delete";
        case REGISTRY_ACTION_CATALOG:
                return "*";
        case REGISTRY_ACTION_NONE:
                break;
        }
        return NULL;
}

/* This server's /token, from the Host the client used, when no realm is configured. */
static char *token_realm(struct request *req)
{
        const char *realm = req->server->config->token_realm;
        if (realm && realm[0])
                return xstrdup(realm);
        const char *host = request_header(req, MHD_HTTP_HEADER_HOST);
        return xasprintf("%s://%s/token", req->server->tls ? "https" : "http",
                         host ? host : "localhost");
}

/* 401 UNAUTHORIZED with the challenge (RFC 6750 section 3 for Bearer; docker's token spec puts
 * the scope the request needs in it). ERROR is "invalid_token" when a token was refused. */
static void challenge(struct request *req, enum registry_action action, const char *error)
{
        struct registry_auth *a = req->server->auth;
        reply_error(req, MHD_HTTP_UNAUTHORIZED, "UNAUTHORIZED", "authentication required");
        if (a->mode == AUTH_BASIC) {
                reply_headerf(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"%s\"",
                              a->config->htpasswd_realm);
                return;
        }
        _cleanup_free_ char *realm = token_realm(req);
        _cleanup_free_ char *scope = NULL;
        if (action == REGISTRY_ACTION_CATALOG)
                scope = xstrdup("registry:catalog:*");
        else if (action == REGISTRY_ACTION_PUSH)
                scope = xasprintf("repository:%s:pull,push", req->route.name);
        else if (action != REGISTRY_ACTION_NONE && req->route.name)
                scope = xasprintf("repository:%s:%s", req->route.name, action_scope(action));
        _cleanup_free_ char *value =
            xasprintf("Bearer realm=\"%s\",service=\"%s\"%s%s%s%s%s", realm,
                      a->config->token_service, scope ? ",scope=\"" : "", scope ? scope : "",
                      scope ? "\"" : "", error ? ",error=\"" : "", error ? error : "");
        if (error)
                reply_headerf(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "%s\"", value);
        else
                reply_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, value);
}

static bool claims_allow(json_t *claims, enum registry_action action, const char *repo)
{
        if (action == REGISTRY_ACTION_NONE)
                return true;
        if (action == REGISTRY_ACTION_CATALOG)
                return jwt_access_allows(claims, "registry", "catalog", "*");
        return repo && jwt_access_allows(claims, "repository", repo, action_scope(action));
}

bool request_allowed(struct request *req, enum registry_action action, const char *repo)
{
        if (req->server->auth == NULL || req->access_all)
                return true;
        return req->claims && claims_allow(req->claims, action, repo);
}

static bool authorize(struct request *req, enum registry_action action)
{
        struct registry_auth *a = req->server->auth;
        const char *header = request_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
        if (a->mode == AUTH_BASIC) {
                _cleanup_free_ char *user = NULL, *password = NULL;
                if (!basic_credentials(header, &user, &password) ||
                    !password_check(a, user, password)) {
                        challenge(req, action, NULL);
                        return false;
                }
                req->access_all = true;
                return true;
        }
        if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0) {
                challenge(req, action, NULL);
                return false;
        }
        const char *token = header + 7;
        while (*token == ' ')
                token++;
        struct error *err = NULL;
        struct jwt_trust trust = {.keys = a->keys, .n_keys = a->n_keys, .roots = a->roots};
        json_t *claims = jwt_verify(token, &trust, &err);
        if (claims && jwt_claims_check(claims, a->config->token_issuer, a->config->token_service,
                                       (int64_t)time(NULL), TOKEN_LEEWAY_SECONDS, &err) < 0) {
                json_decref(claims);
                claims = NULL;
        }
        if (claims == NULL) {
                log_debug("registry: %s %s: %s", req->method, req->path, err->msg);
                error_free(&err);
                challenge(req, action, "invalid_token");
                return false;
        }
        req->claims = claims;
        if (!claims_allow(claims, action, req->route.name)) {
                reply_error(req, MHD_HTTP_FORBIDDEN, "DENIED",
                            "requested access to the resource is denied");
                return false;
        }
        return true;
}

struct scope_list {
        char **items;
        size_t n;
};

static enum MHD_Result collect_scope(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
        (void)kind;
        struct scope_list *l = cls;
        if (strcmp(key, "scope") != 0 || value == NULL)
                return MHD_YES;
        /* Several scopes may also come space-separated in one parameter (OAuth2's form). */
        _cleanup_free_ char *copy = xstrdup(value);
        char *save = NULL;
        for (char *s = strtok_r(copy, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
                l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
                l->items[l->n++] = xstrdup(s);
        }
        return MHD_YES;
}

/* The access granted for one requested scope "TYPE:NAME:ACTIONS" (NAME may hold colons), or
 * NULL. Users of the htpasswd file get every action they ask for; anonymous clients pull when
 * auth.token.anonymous_pull is set, and nothing else. */
static json_t *grant(const char *scope, bool user, bool anonymous_pull)
{
        const char *first = strchr(scope, ':');
        const char *last = strrchr(scope, ':');
        if (first == NULL || last == first)
                return NULL;
        _cleanup_free_ char *type = xstrndup(scope, (size_t)(first - scope));
        _cleanup_free_ char *name = xstrndup(first + 1, (size_t)(last - first - 1));
        _cleanup_free_ char *actions = xstrdup(last + 1);
        bool repository = strcmp(type, "repository") == 0;
        if (!(repository && registry_name_valid(name)) &&
            !(strcmp(type, "registry") == 0 && strcmp(name, "catalog") == 0))
                return NULL;
        json_t *granted = json_array();
        char *save = NULL;
        for (char *a = strtok_r(actions, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
                bool known = repository ? strcmp(a, "pull") == 0 || strcmp(a, "push") == 0 ||
                                              strcmp(a, "delete") == 0 || strcmp(a, "*") == 0
                                        : strcmp(a, "*") == 0;
                if (known && (user || (anonymous_pull && repository && strcmp(a, "pull") == 0)))
                        json_array_append_new(granted, json_string(a));
        }
        return json_pack("{s:s, s:s, s:o}", "type", type, "name", name, "actions", granted);
}

void token_issue(struct request *req)
{
        struct registry_auth *a = req->server->auth;
        if (a == NULL || a->mode != AUTH_TOKEN || a->signing_key == NULL)
                return reply_buffer(req, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                                    "404 page not found\n", 19);
        const struct registry_server_config *c = a->config;
        _cleanup_free_ char *user = NULL, *password = NULL;
        const char *header = request_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
        if (header) {
                if (!basic_credentials(header, &user, &password) ||
                    !password_check(a, user, password)) {
                        reply_error(req, MHD_HTTP_UNAUTHORIZED, "UNAUTHORIZED",
                                    "invalid username or password");
                        reply_headerf(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"%s\"",
                                      c->htpasswd_realm);
                        return;
                }
        }
        struct scope_list scopes = {0};
        MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, collect_scope, &scopes);
        json_t *access = json_array();
        for (size_t i = 0; i < scopes.n; i++) {
                json_t *g = grant(scopes.items[i], user != NULL, c->token_anonymous_pull);
                if (g)
                        json_array_append_new(access, g);
                free(scopes.items[i]);
        }
        free(scopes.items);
        time_t now = time(NULL);
        unsigned char id[12];
        RAND_bytes(id, sizeof(id));
        _cleanup_free_ char *jti = base64url_encode(id, sizeof(id));
        json_t *claims =
            json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o}", "iss", c->token_issuer, "sub",
                      user ? user : "", "aud", c->token_service, "exp",
                      (json_int_t)(now + c->token_expiration), "nbf", (json_int_t)(now - 10), "iat",
                      (json_int_t)now, "jti", jti, "access", access);
        struct error *err = NULL;
        _cleanup_free_ char *token = jwt_sign(a->signing_key, NULL, claims, &err);
        json_decref(claims);
        if (token == NULL)
                return reply_internal(req, &err);
        char issued[32];
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(issued, sizeof(issued), "%Y-%m-%dT%H:%M:%SZ", &tm);
        reply_json(req, MHD_HTTP_OK, "application/json",
                   json_pack("{s:s, s:s, s:I, s:s}", "token", token, "access_token", token,
                             "expires_in", (json_int_t)c->token_expiration, "issued_at", issued));
        reply_header(req, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static EVP_PKEY *signing_key_load(const char *path, struct error **err)
{
        if (path == NULL || path[0] == '\0') {
                /* No key configured: one for this run (tokens die with the server). */
                EVP_PKEY *key = EVP_EC_gen("P-256");
                if (key == NULL)
                        error_set(err, 0, "make a token signing key");
                return key;
        }
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (f == NULL)
                return error_set(err, errno, "open token signing key %s", path), NULL;
        EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        if (key == NULL)
                return error_set(err, 0, "token signing key %s: not a PEM private key", path), NULL;
        int type = EVP_PKEY_get_base_id(key);
        if (type == EVP_PKEY_EC && EVP_PKEY_get_bits(key) != 256) {
                EVP_PKEY_free(key);
                return error_set(err, 0, "token signing key %s: an EC key must be P-256", path),
                       NULL;
        }
        if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) {
                EVP_PKEY_free(key);
                return error_set(err, 0, "token signing key %s: not an EC or RSA key", path), NULL;
        }
        return key;
}

static X509_STORE *roots_load(const char *path, struct error **err)
{
        X509_STORE *store = X509_STORE_new();
        if (X509_STORE_load_file(store, path) != 1) {
                X509_STORE_free(store);
                ERR_clear_error();
                return error_set(err, 0, "auth.token.rootcertbundle %s: no PEM certificates", path),
                       NULL;
        }
        return store;
}

int registry_auth_init(struct registry_server *s, struct error **err)
{
        const struct registry_server_config *c = s->config;
        bool token = c->token_builtin || (c->token_rootcertbundle && c->token_rootcertbundle[0]);
        bool htpasswd = c->htpasswd_path && c->htpasswd_path[0];
        if (!token && !htpasswd)
                return 0;
        if (token && !c->token_builtin && (c->token_realm == NULL || c->token_realm[0] == '\0'))
                return error_set(err, 0, "auth.token.realm: required with an external issuer");
        if (c->token_builtin && !htpasswd && !c->token_anonymous_pull)
                return error_set(err, 0,
                                 "auth.token.builtin: needs auth.htpasswd.path (its users) or "
                                 "auth.token.anonymous_pull");
        struct registry_auth *a = xcalloc(1, sizeof(*a));
        a->config = c;
        a->mode = token ? AUTH_TOKEN : AUTH_BASIC;
        pthread_mutex_init(&a->cache_lock, NULL);
        s->auth = a;
        if (htpasswd && htpasswd_load(a, c->htpasswd_path, err) < 0)
                return -1;
        char salt[CRYPT_GENSALT_OUTPUT_SIZE];
        if (crypt_gensalt_rn("$2b$", 5, NULL, 0, salt, sizeof(salt)) == NULL ||
            (a->dummy_hash = bcrypt("berth", salt)) == NULL)
                return error_set(err, errno, "bcrypt is not available");
        if (c->token_rootcertbundle && c->token_rootcertbundle[0] &&
            (a->roots = roots_load(c->token_rootcertbundle, err)) == NULL)
                return -1;
        if (c->token_builtin) {
                a->signing_key = signing_key_load(c->token_signing_key, err);
                if (a->signing_key == NULL)
                        return -1;
                a->keys[a->n_keys++] = a->signing_key;
        }
        s->authorize = authorize;
        return 0;
}

void registry_auth_free(struct registry_auth *a)
{
        if (a == NULL)
                return;
        for (size_t i = 0; i < a->n_users; i++) {
                free(a->users[i].name);
                free(a->users[i].hash);
        }
        free(a->users);
        free(a->dummy_hash);
        EVP_PKEY_free(a->signing_key);
        X509_STORE_free(a->roots);
        pthread_mutex_destroy(&a->cache_lock);
        free(a);
}
