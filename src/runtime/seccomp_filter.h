/* A seccomp_profile turned into a libseccomp filter, ready to load or to export. */
#pragma once
#include <seccomp.h>
#include <stdbool.h>

#include "seccomp_profile.h"

struct error;

/* Builds the filter for profile: its arches, flags and rules. Loading it sets no
 * no_new_privs of its own: process.noNewPrivileges decides (the init sets it). Returns a
 * context to seccomp_release(), or NULL with *err naming the rule that failed. */
scmp_filter_ctx seccomp_filter_build(const struct seccomp_profile *profile, struct error **err);

/* Whether this libseccomp and the running kernel support flag (an enum seccomp_flag bit). */
bool seccomp_filter_flag_supported(unsigned flag);

static inline void cleanup_seccomp_filterp(scmp_filter_ctx *filter)
{
        if (*filter)
                seccomp_release(*filter);
}
#define _cleanup_seccomp_filter_ __attribute__((cleanup(cleanup_seccomp_filterp)))
