/* mount(8)-style option lists (config.md "mounts" options) turned into mount(2) arguments. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct mount_options {
        unsigned long flags;       /* MS_* to set (no propagation flags) */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [| MS_REC] */
        bool bind;                 /* "bind" or "rbind" */
        bool recursive;            /* "rbind" */
        bool idmap;                /* "idmap" or "ridmap": an idmapped bind mount */
        bool recursive_idmap;      /* "ridmap" */
        char *data;                /* the rest, comma-joined, for the filesystem; may be NULL */
};

/* Parses options; unknown names go to data. Never fails. Free with mount_options_release. */
void mount_options_parse(struct mount_options *out, char *const *options, size_t n);
void mount_options_release(struct mount_options *opts);
/* Parses one propagation name ("rslave"); returns 0 and sets *flags, or -1 if unknown. */
int mount_propagation_parse(const char *name, unsigned long *flags);
/* The i-th option name mount_options_parse() recognizes (not counting filesystem data), or
 * NULL past the last: for the features command (features.md "mountOptions"). */
const char *mount_option_name(size_t i);
