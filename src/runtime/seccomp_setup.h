/*
 * linux.seccomp (config-linux.md "Seccomp") with libseccomp: what create and the container
 * init call. (Not named seccomp.h: src/runtime is on the include path, and <seccomp.h> must
 * stay libseccomp's.)
 */
#pragma once
#include "seccomp_cache.h"

struct error;
struct init_context;
struct oci_config;

/* Where the runtime keeps compiled filters: under its --root, in a directory no container id
 * can name ('@' is not allowed in one). Newly allocated. */
char *seccomp_cache_dir(const char *runtime_root);
/* In the runtime, before the clone: the filter of CONFIG as BPF, from the cache in CACHE_DIR
 * or compiled (and then stored there), so that the init only loads it. A bad profile fails
 * here with the member it names; syscall names libseccomp does not know are skipped (a debug
 * note, as runc does) and arches it does not know are left out (a warning). *out stays empty
 * when the config has no linux.seccomp, or when the profile has a listenerPath
 * (SCMP_ACT_NOTIFY: the init builds that filter with libseccomp, which hands out the notify
 * fd; it is checked here all the same). */
int seccomp_prepare(const struct oci_config *config, const char *cache_dir,
                    struct seccomp_program *out, struct error **err);
/* In the init: loads ctx->seccomp when seccomp_prepare() filled it, else builds and loads the
 * filter of ctx->config (nothing when it has none). With SCMP_ACT_NOTIFY, the notify fd goes to the
 * parent over ctx->sync_fd as a SYNC_SECCOMP message and the init waits for SYNC_GO, so that the
 * listener has it before the container can make a notifying syscall. */
int seccomp_setup(struct init_context *ctx, struct error **err);
/* In the runtime: hands the notify fd received from the init to linux.seccomp.listenerPath,
 * with the container process state (config-linux.md "The Container Process State"): one
 * message on a new connection, the state JSON as payload and the fd as SCM_RIGHTS, as runc
 * sends it. Takes ownership of fd. */
int seccomp_forward_listener(const struct oci_config *config, const char *state_json, int fd,
                             struct error **err);
