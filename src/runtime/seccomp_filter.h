/* A seccomp_profile turned into a libseccomp filter, ready to load or to export. */
#pragma once
#include <seccomp.h>
#include <stdbool.h>

#include "seccomp_cache.h"
#include "seccomp_profile.h"

struct error;

/* Builds the filter for profile: its arches, flags and rules. Loading it sets no
 * no_new_privs of its own: process.noNewPrivileges decides (the init sets it). Returns a
 * context to seccomp_release(), or NULL with *err naming the rule that failed. */
scmp_filter_ctx seccomp_filter_build(const struct seccomp_profile *profile, struct error **err);

/* FILTER (built from PROFILE) as BPF in *out, with the flags seccomp(2) must be given to
 * load it as libseccomp would. Not for profiles that use SCMP_ACT_NOTIFY. */
int seccomp_filter_export(scmp_filter_ctx filter, const struct seccomp_profile *profile,
                          struct seccomp_program *out, struct error **err);

/* Whether this libseccomp and the running kernel support flag (an enum seccomp_flag bit). */
bool seccomp_filter_flag_supported(unsigned flag);

static inline void cleanup_seccomp_filterp(scmp_filter_ctx *filter)
{
        if (*filter)
                seccomp_release(*filter);
}
#define _cleanup_seccomp_filter_ __attribute__((cleanup(cleanup_seccomp_filterp)))
