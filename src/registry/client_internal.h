/*
 * What client.c, client_auth.c and client_blob.c share: the endpoints a client talks to, the
 * per-endpoint auth state and the one HTTP exchange engine (registry_call) that adds auth,
 * follows redirects, falls back from https to http on insecure registries and retries.
 */
#pragma once
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "client.h"

enum endpoint_auth {
        ENDPOINT_AUTH_UNKNOWN, /* no challenge seen yet */
        ENDPOINT_AUTH_BASIC,
        ENDPOINT_AUTH_BEARER,
};

struct endpoint_token {
        char *scope; /* the scope parameters joined by spaces ("" for a ping) */
        char *value;
};

/* One place a repository can be reached: a mirror or the registry itself. */
struct registry_endpoint {
        char *host;       /* host[:port] to connect to ("registry-1.docker.io") */
        char *name;       /* host as users write it, for credentials ("docker.io") */
        char *repository; /* the repository's path on this host */
        bool insecure;    /* TLS without verification, then plain http */
        bool is_mirror;
        bool dead;          /* a mirror that could not be reached: not tried again */
        const char *scheme; /* "https", or "http" after the insecure fallback */
        bool credentials_loaded;
        char *username; /* NULL: anonymous */
        char *password;
        enum endpoint_auth auth;
        char *realm;
        char *service;
        struct endpoint_token *tokens;
        size_t n_tokens;
};

struct registry_client {
        CURL *curl;
        char errbuf[CURL_ERROR_SIZE];
        char *domain;
        char *repository;
        char *auth_file;
        char *username; /* explicit credentials from the options */
        char *password;
        int retries;
        bool transport_failed; /* the last http_perform failed below HTTP (no response) */
        /* Mirrors first (pulls only), the registry last: endpoints[n_endpoints - 1]. */
        struct registry_endpoint *endpoints;
        size_t n_endpoints;
        void (*progress)(void *ctx, uint64_t done);
        void *progress_ctx;
};

/* A response: the status and the headers berth reads; the body of an error (or of a small
 * document) is kept up to body_limit bytes. */
struct http_response {
        long status;
        char *content_type;
        char *location;
        char *www_authenticate; /* every challenge, joined by ", " */
        char *content_range;
        char *docker_content_digest;
        long retry_after;       /* seconds, -1 when absent */
        int64_t content_length; /* -1 when absent */
        char *body;
        size_t body_len;
};

void http_response_release(struct http_response *r);

enum call_access {
        CALL_ACCESS_NONE, /* /v2/ */
        CALL_ACCESS_PULL,
        CALL_ACCESS_PUSH, /* pull,push */
};

struct registry_call {
        const char *method;
        /* A path on the endpoint ("/v2/<repo>/manifests/latest") or an absolute URL (a Location
         * from the registry). */
        const char *target;
        enum call_access access;
        const char *extra_scope;    /* another scope, e.g. a mount's "repository:<from>:pull" */
        struct curl_slist *headers; /* extra request headers (not owned) */
        const void *data;           /* request body from memory... */
        size_t data_len;
        int fd; /* ...or from FD with pread (fd >= 0), FD_LEN bytes from FD_OFFSET */
        uint64_t fd_offset;
        uint64_t fd_len;
        bool send_body; /* a PUT/PATCH/POST with a (possibly empty) body */
        /* A 2xx body goes to SINK when set (it may return -1 to abort), else to the response
         * body up to BODY_LIMIT (an error when larger). */
        int (*sink)(void *ctx, const void *data, size_t len, struct error **err);
        void *sink_ctx;
        size_t body_limit;
        bool retry;           /* idempotent: retried on transient failures (connection, 429, 5xx) */
        bool upload_progress; /* report the body's bytes to the client's progress callback */
};

/* Performs CALL on endpoint EP: returns 0 with the final response (any status) or -1 with
 * *err on a transport failure (or a sink's error). *transient says whether trying again later
 * might help. */
int registry_call(struct registry_client *c, struct registry_endpoint *ep,
                  const struct registry_call *call, struct http_response *resp, bool *transient,
                  struct error **err);

/* Sets *err from a non-success response: the registry's errors[0] message (distribution-spec
 * "Error Codes"), else the HTTP status. WHAT says what was asked ("GET manifest latest"). */
int registry_response_error(const struct http_response *resp, struct error **err);

/* The URL of TARGET on EP (a path is appended to scheme://host). Newly allocated. */
char *registry_endpoint_url(const struct registry_endpoint *ep, const char *target);

/* LOCATION (absolute, or relative to BASE as Location headers may be) as an absolute URL,
 * newly allocated; NULL when it does not parse. */
char *registry_url_resolve(const char *base, const char *location);
bool registry_status_ok(long status);
/* Sleeps before retry ATTEMPT (0, 1, ...): 250 ms doubling up to 8 s, or RETRY_AFTER seconds
 * (the server's Retry-After, -1 when none) when that is longer and reasonable. */
void registry_backoff(int attempt, long retry_after);

/* The registry endpoint (not a mirror): where pushes go. */
static inline struct registry_endpoint *registry_primary(struct registry_client *c)
{
        return &c->endpoints[c->n_endpoints - 1];
}

/* client_auth.c */
/* The Authorization header value to send on EP for SCOPE, fetching a token when the realm is
 * known and none is cached (newly allocated, NULL when anonymous). */
int auth_header_for(struct registry_client *c, struct registry_endpoint *ep, const char *scope,
                    char **header, struct error **err);
/* Handles a 401 on EP: parses the challenge, fetches a fresh token for SCOPE (or switches to
 * Basic). Returns 0 when a retry may succeed, -1 with *err when it cannot. */
int auth_handle_challenge(struct registry_client *c, struct registry_endpoint *ep,
                          const char *scope, const struct http_response *resp, struct error **err);
void endpoint_auth_release(struct registry_endpoint *ep);
/* Base64 of "user:password", newly allocated. */
char *auth_basic_value(const char *username, const char *password);
/* Transport over the client's handle without auth or redirects: one exchange. */
int http_perform(struct registry_client *c, const char *method, const char *url, bool tls_verify,
                 const char *authorization, const struct registry_call *call,
                 struct http_response *resp, bool *transient, struct error **err);
