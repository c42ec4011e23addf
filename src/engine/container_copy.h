/*
 * `berth cp` and the copy-up of an image's content into a new volume: files copied between
 * the host and a container's root with docker's rules (see copy_plan), as a stream of
 * entries that a walker of a tree or a tar reader produces and an extractor or a tar writer
 * consumes.
 *
 * Safety: every path inside a container is resolved with openat2(RESOLVE_IN_ROOT) against
 * the container's root (a running container's /proc/PID/root, so its mounts are seen; the
 * overlay's merged directory otherwise): a symlink in the container pointing at "/" or
 * "../.." resolves inside the container and never makes berth read or write the host's
 * files. Below the destination, entries are created component by component with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS and O_NOFOLLOW, so neither an entry name nor a link
 * swapped in meanwhile can lead out of it.
 */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

/* One side of a copy. */
struct copy_root {
        int fd;                     /* AT_FDCWD for the host, else an O_PATH fd of the root */
        bool in_root;               /* resolve paths inside fd (a container) */
        const char *container_name; /* for messages; NULL for the host */
};

struct copy_options {
        bool follow_link; /* -L: a symlink SRC is copied as what it points to */
        bool keep_owner;  /* -a: files keep the source's uid/gid */
        uid_t uid;        /* the owner otherwise (root in a container, the user on the host) */
        gid_t gid;
};

enum copy_dest_kind { COPY_DEST_MISSING, COPY_DEST_DIR, COPY_DEST_OTHER };

/* Where the copy of SRC goes: the entry named NAME in directory PARENT, or with NAME NULL
 * the contents of SRC straight into PARENT. Both newly allocated. */
struct copy_target {
        char *parent;
        char *name;
};
void copy_target_release(struct copy_target *t);

/*
 * docker's rules (docs of `docker cp`) for SRC, a directory or not, and DEST as it exists:
 *   DEST a directory: SRC goes into it under its own name, or its contents do when SRC ends
 *     in "/." (and is a directory);
 *   DEST missing: SRC is created as DEST (a file, or a directory with SRC's contents); a DEST
 *     ending in "/" must exist when SRC is a file ("no such directory");
 *   DEST something else: a file SRC replaces it; a directory cannot ("cannot copy directory").
 */
int copy_plan(const char *src, bool src_is_dir, const char *dest, enum copy_dest_kind dest_kind,
              struct copy_target *out, struct error **err);

/* Copies SRC from FROM to DEST in TO. */
int copy_path(const struct copy_root *from, const char *src, const struct copy_root *to,
              const char *dest, const struct copy_options *o, struct error **err);
/* Writes SRC from FROM as a tar stream on OUT_FD (`cp CTR:SRC -`); owners as they are. */
int copy_to_tar(const struct copy_root *from, const char *src, const struct copy_options *o,
                int out_fd, struct error **err);
/* Extracts the tar stream on IN_FD into directory DEST of TO (`cp - CTR:DEST`). Entry names
 * with ".." are refused; absolute ones are taken as relative to DEST. */
int copy_from_tar(int in_fd, const struct copy_root *to, const char *dest,
                  const struct copy_options *o, struct error **err);

/* docker's copy-up of a new volume: the contents of PATH inside the root ROOT_FD (when it is
 * a directory) are copied into VOLUME_DIR, which must be empty, with their owners, modes and
 * times; VOLUME_DIR takes the directory's owner and mode. Nothing to copy is not an error. */
int copy_volume_populate(int root_fd, const char *path, const char *volume_dir, struct error **err);
