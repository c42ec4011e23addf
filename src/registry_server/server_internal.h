/* What the registry server's files share (private to src/registry_server). */
#pragma once
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/digest.h"
#include "content_store.h"
#include "registry_server.h"
#include "registry_store.h"
#include "server_http_parse.h"

struct request;

/* What a request wants to do, for the authorization hook (pull, push, delete scopes). */
enum registry_action {
        REGISTRY_ACTION_NONE, /* /v2/ */
        REGISTRY_ACTION_PULL,
        REGISTRY_ACTION_PUSH,
        REGISTRY_ACTION_DELETE,
        REGISTRY_ACTION_CATALOG,
};

/* Upload sessions live in memory (a restart forgets them: clients start over, as after a
 * timeout). One request at a time works on a session (BUSY). */
struct upload {
        char id[37];
        char *repo;
        struct content_ingest *ingest; /* the partial file, hashed as written */
        uint64_t offset;               /* bytes received (valid while not busy) */
        time_t touched;
        bool busy;
        bool cancelled; /* DELETE arrived while busy: dropped on release */
        struct upload *next;
};

struct upload_table {
        pthread_mutex_t lock;
        struct upload *head;
};

struct registry_auth;
struct registry_metrics;

struct registry_server {
        const struct registry_server_config *config;
        struct registry_auth *auth;       /* NULL: no auth */
        struct registry_metrics *metrics; /* never NULL while serving */
        bool tls;
        struct registry_store *store;
        struct content_store *content;
        struct upload_table uploads;
        struct MHD_Daemon *daemon;
        int access_log_fd;                /* -1: none */
        atomic_int active;                /* requests in flight */
        struct head_deadlines *deadlines; /* NULL: no deadlines for request heads */
        /* Authorization: NULL allows everything. Returns true to go on; false after queueing
         * its own reply (401 with a challenge, 403 DENIED). Auth plugs in here. */
        bool (*authorize)(struct request *req, enum registry_action action);
};

/* One HTTP request, from its headers to its completion (MHD's per-request context). */
struct request {
        struct registry_server *server;
        struct MHD_Connection *connection;
        const char *method;
        char *path;
        struct route route;
        struct timespec started;
        uint64_t bytes_in;
        uint64_t bytes_out;
        unsigned status;
        struct MHD_Response *response; /* the reply, queued when the body has been read */
        /* A request with a body: BODY takes each piece, FINISH makes the reply after the last
         * one. Either may make the reply early (an error); the rest of the body is dropped. */
        int (*body)(struct request *req, const char *data, size_t len);
        void (*finish)(struct request *req);
        void (*done)(struct request *req); /* cleanup when the request ends, even aborted */
        void *ctx;
        /* What auth allowed: everything (no auth, basic auth), or a token's claims. */
        bool access_all;
        json_t *claims;
};

/* Request accessors. */
const char *request_header(struct request *req, const char *name);
const char *request_query(struct request *req, const char *name);
bool request_is_head(const struct request *req);

/* Replies (each sets req->response; the first reply wins, later ones are ignored). */
void reply_empty(struct request *req, unsigned status);
/* DATA is copied. */
void reply_buffer(struct request *req, unsigned status, const char *content_type, const void *data,
                  size_t len);
void reply_json(struct request *req, unsigned status, const char *content_type, json_t *value);
/* LENGTH bytes of FD from OFFSET (sendfile); takes FD. */
void reply_fd(struct request *req, unsigned status, const char *content_type, int fd,
              uint64_t offset, uint64_t length);
/* The spec's error body: {"errors":[{"code":CODE,"message":...,"detail":...}]}. */
void reply_error(struct request *req, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 500 with UNKNOWN-free wording: logs ERR and frees it. */
void reply_internal(struct request *req, struct error **err);
void reply_header(struct request *req, const char *name, const char *value);
void reply_headerf(struct request *req, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The endpoints; each starts a request (and sets body/finish when it reads a body). */
void blob_get(struct request *req);
void blob_delete(struct request *req);
void upload_start(struct request *req);
void upload_patch(struct request *req);
void upload_put(struct request *req);
void upload_status(struct request *req);
void upload_cancel(struct request *req);
void manifest_get(struct request *req);
void manifest_put(struct request *req);
void manifest_delete(struct request *req);
void tags_list(struct request *req);
void catalog_list(struct request *req);
void referrers_list(struct request *req);

/* Auth (server_auth.c): sets server->auth and server->authorize from the configuration. */
int registry_auth_init(struct registry_server *s, struct error **err);
void registry_auth_free(struct registry_auth *a);
/* The built-in token issuer's endpoint (GET /token). */
void token_issue(struct request *req);
/* Whether the request's credentials allow ACTION on REPO (no reply: a cross-repository mount
 * from a repository the client may not read simply does not happen). */
bool request_allowed(struct request *req, enum registry_action action, const char *repo);

/* Metrics (server_metrics.c), in Prometheus' text format at /metrics. */
struct registry_metrics *registry_metrics_new(void);
void registry_metrics_free(struct registry_metrics *m);
/* Counts a finished request. */
void registry_metrics_request(struct registry_metrics *m, const struct request *req,
                              double seconds);
void registry_metrics_gc(struct registry_metrics *m, const struct registry_gc_report *report);
void metrics_get(struct request *req);
/* Sessions open now. */
size_t upload_table_count(struct upload_table *t);

/* Upload sessions (server_upload.c). */
void upload_table_init(struct upload_table *t);
void upload_table_release(struct upload_table *t);

/* A body collected in memory up to a limit (manifests). */
struct body_buffer {
        char *data;
        size_t len, cap, max;
        bool too_large;
};
int body_buffer_collect(struct request *req, const char *data, size_t len);
