/*
 * The writer half of layer_unpack: turns one tar entry into a file under the layer directory.
 * Only layer_unpack.c and layer_unpack_entry.c include this.
 *
 * Invariant: every path the writer touches is a cleaned relative path (no "", ".", ".."
 * components) whose parent directory is opened with openat2(RESOLVE_IN_ROOT) under the layer
 * directory; the last component is only ever created exclusively or handled with *at calls that
 * do not follow it, so nothing lands outside the layer.
 */
#pragma once
#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/error.h"

/* A directory whose mode and times are applied after the whole layer: its children change its
 * mtime, and a read-only mode would stop an unprivileged unpacker from filling it. */
struct unpack_dir_record {
        char *path; /* cleaned, "" for the layer root */
        mode_t mode;
        struct timespec times[2];
        size_t order;
};

struct layer_unpacker {
        int root; /* the layer directory, not owned */
        bool rootless;
        /* The parent directory of the last entry, kept open: tar entries come grouped by
         * directory, so most entries need no path resolution at all. Invalid after anything
         * is removed (a removed directory or symlink may have been on the cached path). */
        char *parent_path;
        int parent_fd;
        bool parent_valid;
        struct unpack_dir_record *dirs;
        size_t dir_count, dir_cap;
};

void layer_unpacker_init(struct layer_unpacker *u, int root, bool rootless);
void layer_unpacker_release(struct layer_unpacker *u);
/* Writes ENTRY (and its data, read from A). Errors name the entry as the tar spells it. */
int layer_unpacker_entry(struct layer_unpacker *u, struct archive *a, struct archive_entry *entry,
                         struct error **err);
/* Applies the deferred directory modes and times, innermost first. */
int layer_unpacker_finish(struct layer_unpacker *u, struct error **err);
/* The cleaned form of a tar name, as if the layer were "/": "/a/../../b/./c" is "b/c", "/" and
 * ".." are "". Exposed for the unit test. */
char *layer_unpack_clean_path(const char *name);
