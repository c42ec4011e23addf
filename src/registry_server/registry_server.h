/*
 * `berth registry serve`: a distribution-spec registry server (../shared/specs/distribution-spec)
 * on libmicrohttpd, storing into registry_store.h. See docs/registry.md.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

enum access_log_format {
        ACCESS_LOG_JSON,   /* one JSON object a line */
        ACCESS_LOG_LOGFMT, /* key=value pairs */
};

struct registry_server_config {
        char *addr;    /* HOST:PORT, [V6]:PORT or :PORT (every address) */
        char *storage; /* the storage directory */
        bool read_only;
        bool delete_enabled;         /* DELETE of blobs, manifests and tags */
        uint64_t max_manifest_size;  /* bytes (413 above) */
        uint64_t max_blob_size;      /* bytes, 0 for no limit */
        unsigned connection_timeout; /* seconds a connection may wait for a request line */
        unsigned header_timeout;     /* seconds from a request line to the end of its headers */
        unsigned upload_timeout;     /* seconds an upload session may stay idle */
        unsigned threads;            /* worker threads */
        unsigned max_connections;
        unsigned max_connections_per_ip; /* 0: no limit */
        char *access_log;                /* a file, "-" for stderr, "" for none */
        enum access_log_format access_log_format;

        /* auth.htpasswd: basic auth (bcrypt) on every request; with a token issuer, the users
         * the built-in issuer knows. */
        char *htpasswd_path;
        char *htpasswd_realm;
        /* auth.token: bearer tokens (docker's token authentication). TOKEN_REALM is where
         * clients get tokens; empty with the built-in issuer means this server's /token. */
        char *token_realm;
        char *token_service;
        char *token_issuer;
        char *token_rootcertbundle; /* certificates (or public keys) of the issuer */
        bool token_builtin;         /* serve /token, signing with TOKEN_SIGNING_KEY */
        char *token_signing_key;    /* PEM private key (EC P-256 or RSA); "" = one made at start */
        unsigned token_expiration;  /* seconds a built-in token lives */
        bool token_anonymous_pull;  /* the built-in issuer grants pull to anonymous clients */

        char *tls_certificate; /* PEM chain; with TLS_KEY serves https */
        char *tls_key;

        unsigned gc_interval;     /* seconds between in-server collections, 0 none */
        unsigned gc_grace_period; /* seconds: younger blobs and links are never collected */
};

/* The defaults (docs/registry.md lists them). */
void registry_server_config_init(struct registry_server_config *c);
void registry_server_config_release(struct registry_server_config *c);
/* Reads the YAML file PATH over C. Unknown keys are errors (a typo must not pass silently). */
int registry_server_config_load(struct registry_server_config *c, const char *path,
                                struct error **err);

/* Serves until SIGINT or SIGTERM (blocked in the calling thread and its workers), then stops
 * accepting, lets running requests finish for a few seconds, and returns 0. */
int registry_server_serve(const struct registry_server_config *c, struct error **err);

/* Garbage collection of a storage directory (registry_gc.c), safe while a server serves it.
 * Mark: every manifest of every repository, and what manifests reference (layers, configs,
 * index entries, subjects' referrers are manifests of their own). Sweep: repository links to
 * blobs no manifest of that repository references, linked longer ago than GRACE_SECONDS, then
 * files of the content store no repository links, older than GRACE_SECONDS, and upload leftovers
 * in ingest/ older than GRACE_SECONDS. DRY_RUN counts without removing. */
struct registry_gc_report {
        uint64_t links_removed;
        uint64_t blobs_removed;
        uint64_t bytes_removed;
        uint64_t blobs_kept;
        uint64_t partials_removed;
};
struct registry_store;
int registry_gc_run(struct registry_store *store, int64_t grace_seconds, bool dry_run,
                    struct registry_gc_report *report, struct error **err);
/* The same on a storage directory (opens and closes its store): `berth registry gc`. */
int registry_gc_storage(const char *storage, int64_t grace_seconds, bool dry_run,
                        struct registry_gc_report *report, struct error **err);
