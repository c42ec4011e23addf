/*
 * A distribution-spec client over libcurl for one repository on one registry. It follows the
 * auth challenge (distribution-spec and docker's token flow): a request answered 401 with
 * WWW-Authenticate: Bearer realm=...,service=...,scope=... fetches a token from the realm
 * (with basic credentials when the auth file has some, else anonymously) and retries once; Basic
 * challenges are answered with the credentials. Tokens are cached per scope for the client's
 * life. Mirrors and insecure registries come from registries.conf; with tls_verify false (or an
 * insecure registry) https is tried without verification and then plain http, as podman does.
 * Transient failures (connection errors, 429, 5xx) are retried with backoff, and blob downloads
 * resume with Range from where they stopped.
 *
 * Threads: a client is not thread-safe (it owns one libcurl easy handle, kept alive between
 * requests, and its token cache); give each thread its own client. Clients share DNS answers
 * and TLS sessions through a process-wide libcurl share, so that costs little.
 * Errors from the registry carry its own words (errors[0].message of the distribution-spec
 * error body): "manifest unknown", "blob unknown", "authentication required".
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"

struct registry_options {
        int tls_verify;              /* 1 yes, 0 no, -1 from registries.conf (default yes) */
        const char *auth_file;       /* NULL: the default (see auth_file.h) */
        const char *registries_conf; /* NULL: $CONTAINERS_REGISTRIES_CONF or
                                        /etc/containers/registries.conf */
        const char *username;        /* explicit credentials (--creds), or NULL */
        const char *password;
        int retries; /* 0: default 3 */
};

struct registry_client;
/* DOMAIN as in image_reference ("docker.io" is served by registry-1.docker.io), REPOSITORY the
 * path ("library/busybox"). No network I/O happens here. */
int registry_client_new(const char *domain, const char *repository,
                        const struct registry_options *options, struct registry_client **out,
                        struct error **err);
void registry_client_free(struct registry_client *c);

/* GET /v2/ — checks that the registry answers and that the credentials work (for login). */
int registry_ping(struct registry_client *c, struct error **err);

/* GET a manifest or index by tag or digest with the Accept header of every supported type. The
 * body is returned as received (NUL-terminated), with its media type (Content-Type, or the
 * document's mediaType) and its digest, computed over the bytes; when REFERENCE is a digest, a
 * mismatch is an error. Not found: "manifest unknown" (the caller names the image; by digest,
 * "manifest <digest>: manifest unknown"). Mirrors are tried first. */
int registry_get_manifest(struct registry_client *c, const char *reference, char **body,
                          size_t *len, char **media_type, struct digest *digest,
                          struct error **err);
/* HEAD a blob: 1 present (size in *size), 0 absent. */
int registry_blob_exists(struct registry_client *c, const struct digest *digest, int64_t *size,
                         struct error **err);
/* Streams the blob from byte OFFSET to SINK (which may return -1 to abort; its error is
 * returned as is, without retries). When the server ignores Range (200 instead of 206) or
 * refuses it (416), RESTART is called and the stream starts again at 0: the sink must drop
 * what it had. Mirrors are tried first (a mirror that sent bytes is kept). Follows redirects,
 * sending no Authorization to another host. Retries resume where the sink stopped. */
int registry_fetch_blob(struct registry_client *c, const struct digest *digest, uint64_t offset,
                        int (*sink)(void *ctx, const void *data, size_t len, struct error **err),
                        int (*restart)(void *ctx, struct error **err), void *ctx,
                        struct error **err);
/* Uploads SIZE bytes read from FD (pread from 0) as blob DIGEST: POST then one PUT (monolithic)
 * or PATCH chunks of CHUNK_SIZE bytes then PUT (chunk_size > 0). */
int registry_push_blob(struct registry_client *c, const struct digest *digest, int fd,
                       uint64_t size, uint64_t chunk_size, struct error **err);
/* Cross-repository mount: POST ?mount=DIGEST&from=FROM_REPOSITORY. Sets *mounted (false when the
 * registry started an upload instead; that upload is cancelled). */
int registry_mount_blob(struct registry_client *c, const struct digest *digest,
                        const char *from_repository, bool *mounted, struct error **err);
/* PUT a manifest under REFERENCE (tag or digest) with MEDIA_TYPE. */
int registry_put_manifest(struct registry_client *c, const char *reference, const char *body,
                          size_t len, const char *media_type, struct error **err);

/* Progress: called during fetch/push with bytes done so far (may be NULL). */
void registry_client_set_progress(struct registry_client *c,
                                  void (*progress)(void *ctx, uint64_t done), void *ctx);
