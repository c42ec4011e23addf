/* Shared between the files that build a container's config.json; not for other modules. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct error;

/* The process user resolved in the container's /etc/passwd and /etc/group. */
struct engine_user {
        uid_t uid;
        gid_t gid;
        gid_t *additional_gids; /* the primary gid first, then supplementary groups (docker) */
        size_t n_additional_gids;
};

/* Resolves "name|uid[:group|gid]" (NULL or "": root) with runc's rules in the files under
 * rootfd (-1: no files). Errors are docker's: "unable to find user NAME: no matching entries
 * in passwd file". */
int engine_user_resolve(int rootfd, const char *spec, struct engine_user *out, struct error **err);
void engine_user_release(struct engine_user *user);

/* Reads path inside rootfd (a regular file of at most 16 MiB). Returns the text, or NULL:
 * with *err set on failure, with *err NULL when the file does not exist. */
char *engine_read_in_root(int rootfd, const char *path, struct error **err);

/* Converts a seccomp profile (containers-common/docker format or OCI linux.seccomp) to
 * linux.seccomp for the native architecture and the container's capabilities (the bounding
 * set, a JSON array of "CAP_*" names): archMap, includes/excludes (arches, caps, minKernel)
 * are resolved here as podman does. Returns a new reference or NULL with *err. */
json_t *engine_seccomp_convert(json_t *profile, json_t *capabilities, struct error **err);
json_t *engine_seccomp_load(const char *path, json_t *capabilities, struct error **err);

/* Appends the mounts of o (flags, then file binds, then --init) to the mounts array; every
 * destination in mounts that a new one equals is replaced (a user mount over /dev/shm). */
struct engine_create_options;
int engine_mounts_apply(const struct engine_create_options *o, json_t *mounts, struct error **err);

/* Capability names: canonical "CAP_X" for a user's "x"/"CAP_X", NULL if unknown. */
const char *engine_capability_canonical(const char *name);
/* Every capability the running kernel knows, as a new JSON array. */
json_t *engine_capabilities_all(void);
/* docker's TweakCapabilities: defaults, then drops, then adds; ALL in either. */
json_t *engine_capabilities_merge(char **add, char **drop, struct error **err);
/* Only the capabilities of add (ALL: all), validated: podman's set for a non-root user. */
json_t *engine_capabilities_of(char **add, struct error **err);
