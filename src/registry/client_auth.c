/*
 * The registry's auth challenge (distribution-spec "Authentication", docker's token
 * specification): a 401 carries WWW-Authenticate; for Bearer, a token is fetched from the
 * realm with service and scope (with basic credentials when there are some) and the request
 * is sent again with it; for Basic the credentials go with every request.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <string.h>

#include "auth_file.h"
#include "base/alloc.h"
#include "base/log.h"
#include "client_internal.h"

#define TOKEN_RESPONSE_LIMIT (1u << 20)

char *auth_basic_value(const char *username, const char *password)
{
        _cleanup_free_ char *plain = xasprintf("%s:%s", username, password);
        size_t len = strlen(plain);
        char *b64 = xmalloc((len + 2) / 3 * 4 + 1);
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, (int)len);
        explicit_bzero(plain, len);
        return b64;
}

void endpoint_auth_release(struct registry_endpoint *ep)
{
        for (size_t i = 0; i < ep->n_tokens; i++) {
                free(ep->tokens[i].scope);
                explicit_bzero(ep->tokens[i].value, strlen(ep->tokens[i].value));
                free(ep->tokens[i].value);
        }
        free(ep->tokens);
        ep->tokens = NULL;
        ep->n_tokens = 0;
        free(ep->realm);
        free(ep->service);
        ep->realm = NULL;
        ep->service = NULL;
}

/* The credentials for EP: the explicit ones, else the auth file's entry for the endpoint's
 * registry (or repository prefix). Looked up once. */
static int load_credentials(struct registry_client *c, struct registry_endpoint *ep,
                            struct error **err)
{
        if (ep->credentials_loaded)
                return 0;
        if (c->username) {
                ep->username = xstrdup(c->username);
                ep->password = xstrdup(c->password ? c->password : "");
        } else {
                _cleanup_free_ char *key = ep->repository[0]
                                               ? xasprintf("%s/%s", ep->name, ep->repository)
                                               : xstrdup(ep->name);
                if (auth_file_lookup(c->auth_file, key, &ep->username, &ep->password, err) < 0)
                        return -1;
        }
        ep->credentials_loaded = true;
        return 0;
}

static const char *cached_token(const struct registry_endpoint *ep, const char *scope)
{
        for (size_t i = 0; i < ep->n_tokens; i++)
                if (strcmp(ep->tokens[i].scope, scope) == 0)
                        return ep->tokens[i].value;
        return NULL;
}

static void cache_token(struct registry_endpoint *ep, const char *scope, char *token)
{
        for (size_t i = 0; i < ep->n_tokens; i++) {
                if (strcmp(ep->tokens[i].scope, scope) == 0) {
                        free(ep->tokens[i].value);
                        ep->tokens[i].value = token;
                        return;
                }
        }
        ep->tokens = xrealloc(ep->tokens, (ep->n_tokens + 1) * sizeof(*ep->tokens));
        ep->tokens[ep->n_tokens++] = (struct endpoint_token){xstrdup(scope), token};
}

/* Appends "&NAME=escaped VALUE" (or "?..." for the first parameter) to *URL. */
static void append_param(CURL *h, char **url, const char *name, const char *value)
{
        char *escaped = curl_easy_escape(h, value, 0);
        char *next = xasprintf("%s%c%s=%s", *url, strchr(*url, '?') ? '&' : '?', name,
                               escaped ? escaped : "");
        curl_free(escaped);
        free(*url);
        *url = next;
}

/* GET REALM?service=&scope=... and returns the token (newly allocated). */
static int fetch_token(struct registry_client *c, struct registry_endpoint *ep, const char *scope,
                       char **token, struct error **err)
{
        if (load_credentials(c, ep, err) < 0)
                return -1;
        _cleanup_free_ char *url = xstrdup(ep->realm);
        if (ep->service)
                append_param(c->curl, &url, "service", ep->service);
        /* SCOPE holds one or more space-separated scopes; each is its own parameter. */
        _cleanup_free_ char *scopes = xstrdup(scope);
        char *save = NULL;
        for (char *s = strtok_r(scopes, " ", &save); s; s = strtok_r(NULL, " ", &save))
                append_param(c->curl, &url, "scope", s);
        _cleanup_free_ char *basic = NULL;
        _cleanup_free_ char *authorization = NULL;
        if (ep->username) {
                basic = auth_basic_value(ep->username, ep->password);
                authorization = xasprintf("Basic %s", basic);
        }
        struct registry_call call = {
            .method = "GET", .target = url, .fd = -1, .body_limit = TOKEN_RESPONSE_LIMIT};
        struct http_response resp = {0};
        int ret = -1;
        for (int attempt = 0;; attempt++) {
                bool transient = false;
                struct error *e = NULL;
                if (http_perform(c, "GET", url, !ep->insecure, authorization, &call, &resp,
                                 &transient, &e) == 0) {
                        if (!(resp.status == 429 || resp.status >= 500) || attempt >= c->retries)
                                break;
                } else if (!transient || attempt >= c->retries) {
                        *err = e;
                        goto out;
                }
                error_free(&e);
        }
        if (resp.status == 401 || resp.status == 403) {
                if (ep->username)
                        error_set(err, 0, "invalid username/password");
                else
                        registry_response_error(&resp, err);
                error_wrap(err, "unable to retrieve auth token");
                goto out;
        }
        if (resp.status != 200) {
                registry_response_error(&resp, err);
                error_wrap(err, "unable to retrieve auth token from %s", ep->realm);
                goto out;
        }
        json_t *doc = json_loadb(resp.body ? resp.body : "", resp.body_len, 0, NULL);
        const char *value = json_string_value(json_object_get(doc, "token"));
        if (!value || !value[0])
                value = json_string_value(json_object_get(doc, "access_token"));
        if (value && value[0]) {
                *token = xstrdup(value);
                ret = 0;
        } else {
                error_set(err, 0, "the token server %s sent no token", ep->realm);
        }
        json_decref(doc);
out:
        if (authorization)
                explicit_bzero(authorization, strlen(authorization));
        if (resp.body)
                explicit_bzero(resp.body, resp.body_len);
        http_response_release(&resp);
        return ret;
}

int auth_header_for(struct registry_client *c, struct registry_endpoint *ep, const char *scope,
                    char **header, struct error **err)
{
        *header = NULL;
        switch (ep->auth) {
        case ENDPOINT_AUTH_UNKNOWN:
                return 0;
        case ENDPOINT_AUTH_BASIC: {
                if (!ep->username)
                        return 0;
                _cleanup_free_ char *b64 = auth_basic_value(ep->username, ep->password);
                *header = xasprintf("Basic %s", b64);
                explicit_bzero(b64, strlen(b64));
                return 0;
        }
        case ENDPOINT_AUTH_BEARER: {
                /* The realm is known: ask for this scope's token before the request rather
                 * than after a 401, saving a round trip per new scope. */
                const char *token = cached_token(ep, scope);
                if (!token) {
                        char *fresh = NULL;
                        if (fetch_token(c, ep, scope, &fresh, err) < 0)
                                return -1;
                        cache_token(ep, scope, fresh);
                        token = fresh;
                }
                *header = xasprintf("Bearer %s", token);
                return 0;
        }
        }
        return 0;
}

struct challenge {
        bool bearer;
        bool basic;
        char *realm; /* of the Bearer challenge */
        char *service;
};

/* Reads "token" or a quoted string with backslash escapes (RFC 7235 auth-param values). */
static char *read_value(const char **pp)
{
        const char *p = *pp;
        if (*p != '"') {
                size_t n = strcspn(p, ", \t");
                *pp = p + n;
                return xstrndup(p, n);
        }
        p++;
        char *out = xmalloc(strlen(p) + 1);
        size_t len = 0;
        while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                        p++;
                out[len++] = *p++;
        }
        if (*p == '"')
                p++;
        out[len] = '\0';
        *pp = p;
        return out;
}

/* WWW-Authenticate, possibly several challenges joined by commas: schemes are bare tokens,
 * parameters are name=value pairs that belong to the scheme before them. */
static void parse_challenges(const char *header, struct challenge *ch)
{
        const char *p = header;
        enum { NONE, BEARER, BASIC, OTHER } scheme = NONE;
        while (*p) {
                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "= \t,");
                _cleanup_free_ char *token = xstrndup(p, n);
                p += n;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p != '=') {
                        scheme = strcasecmp(token, "Bearer") == 0  ? BEARER
                                 : strcasecmp(token, "Basic") == 0 ? BASIC
                                                                   : OTHER;
                        ch->bearer |= scheme == BEARER;
                        ch->basic |= scheme == BASIC;
                        continue;
                }
                p++;
                while (*p == ' ' || *p == '\t')
                        p++;
                _cleanup_free_ char *value = read_value(&p);
                if (scheme != BEARER)
                        continue;
                if (strcasecmp(token, "realm") == 0 && !ch->realm)
                        ch->realm = steal_pointer(&value);
                else if (strcasecmp(token, "service") == 0 && !ch->service)
                        ch->service = steal_pointer(&value);
        }
}

int auth_handle_challenge(struct registry_client *c, struct registry_endpoint *ep,
                          const char *scope, const struct http_response *resp, struct error **err)
{
        struct challenge ch = {0};
        if (resp->www_authenticate)
                parse_challenges(resp->www_authenticate, &ch);
        int ret = -1;
        if (ch.bearer && ch.realm) {
                if (strncmp(ch.realm, "https://", 8) != 0 && strncmp(ch.realm, "http://", 7) != 0) {
                        error_set(err, 0, "%s: the token realm \"%s\" is not an http(s) URL",
                                  ep->host, ch.realm);
                        goto out;
                }
                bool same = ep->auth == ENDPOINT_AUTH_BEARER && ep->realm &&
                            strcmp(ep->realm, ch.realm) == 0;
                if (!same) {
                        endpoint_auth_release(ep);
                        ep->realm = steal_pointer(&ch.realm);
                        ep->service = steal_pointer(&ch.service);
                }
                ep->auth = ENDPOINT_AUTH_BEARER;
                /* A cached token that was refused has expired (docker.io's live 5 minutes)
                 * or lacks the access: ask for a new one. */
                char *token = NULL;
                if (fetch_token(c, ep, scope, &token, err) < 0)
                        goto out;
                cache_token(ep, scope, token);
                ret = 0;
        } else if (ch.basic) {
                if (load_credentials(c, ep, err) < 0)
                        goto out;
                if (!ep->username) {
                        registry_response_error(resp, err);
                        goto out;
                }
                if (ep->auth == ENDPOINT_AUTH_BASIC) {
                        error_set(err, 0, "invalid username/password");
                        goto out;
                }
                ep->auth = ENDPOINT_AUTH_BASIC;
                ret = 0;
        } else {
                registry_response_error(resp, err);
        }
out:
        free(ch.realm);
        free(ch.service);
        return ret;
}
