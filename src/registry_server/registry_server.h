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
        unsigned connection_timeout; /* seconds a connection may stay idle (slowloris) */
        unsigned upload_timeout;     /* seconds an upload session may stay idle */
        unsigned threads;            /* worker threads */
        unsigned max_connections;
        char *access_log; /* a file, "-" for stderr, "" for none */
        enum access_log_format access_log_format;
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
