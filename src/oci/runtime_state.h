/* The state of a container as the runtime spec defines it (runtime.md "State"), plus the
 * fields runc adds and its clients read (rootfs, created, owner). */
#pragma once
#include <sys/types.h>

struct oci_key_value;

struct oci_state {
        const char *oci_version;
        const char *id;
        const char *status; /* "creating", "created", "running", "stopped" */
        pid_t pid;          /* 0 when stopped (as runc shows it); -1: omitted */
        const char *bundle;
        const char *rootfs;  /* optional */
        const char *created; /* RFC 3339, optional */
        const char *owner;   /* optional */
        const struct oci_key_value *annotations;
        size_t n_annotations;
};

/* Returns newly allocated JSON text; pretty (indented, as runc's `state`) or compact. */
char *oci_state_to_json(const struct oci_state *state, int pretty);
