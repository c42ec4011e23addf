/*
 * Unpacks one layer (image-spec layer.md) into an empty directory, safely: whatever the archive
 * says, nothing is created outside DEST. Entries are resolved with openat2(RESOLVE_IN_ROOT) under
 * DEST, so an absolute path, "..", a symlink or a symlinked parent inside the layer is contained
 * as docker contains it; hardlinks must point inside the layer at an entry already unpacked (else
 * the entry is refused, naming it). Whiteouts become overlay's form: ".wh.NAME" → a 0:0 character
 * device NAME, ".wh..wh..opq" → xattr trusted.overlay.opaque="y" on its directory. Modes
 * (setuid/setgid/sticky included), owners, mtimes (last, directories after their content),
 * xattrs and file capabilities (security.capability) are applied; device nodes are created when
 * privileged and skipped with a warning otherwise.
 *
 * The tar stream is read through a decompress_reader and hashed as it goes: the result carries the
 * layer's diff_id, which the caller checks against the image config's rootfs.diff_ids.
 * The input is read to its end (after the tar's end-of-archive blocks), so a pipe writer never
 * blocks and the diff_id covers every byte.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/error.h"
#include "oci/media_type.h"

struct layer_unpack_options {
        bool rootless; /* not root in the initial user namespace: skip device nodes, owners */
};

struct layer_unpack_result {
        struct digest diff_id; /* sha256 of the uncompressed tar */
        uint64_t uncompressed_size;
        uint64_t entries;
};

/* Reads a tar stream, compressed as COMPRESSION, from INPUT_FD to its end and unpacks it into the
 * directory DEST_DIRFD (which should be empty). Errors name the entry: "layer entry
 * \"../../etc/passwd\": hardlink target outside the layer". */
int layer_unpack(int input_fd, enum layer_compression compression, int dest_dirfd,
                 const struct layer_unpack_options *options, struct layer_unpack_result *out,
                 struct error **err);
