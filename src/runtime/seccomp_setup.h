/* linux.seccomp (config-linux.md "Seccomp") with libseccomp. */
#pragma once

struct error;
struct init_context;
struct oci_config;

/* In the init: builds and loads the filter of ctx->config (nothing when it has none). With a
 * listenerPath, the notify fd goes to the parent over ctx->sync_fd as a SYNC_SECCOMP
 * message. */
int seccomp_setup(struct init_context *ctx, struct error **err);
/* In the runtime: hands the notify fd received from the init to linux.seccomp.listenerPath,
 * with the container state (config-linux.md "listenerPath"). Takes ownership of fd. */
int seccomp_forward_listener(const struct oci_config *config, const char *state_json, int fd,
                             struct error **err);
