/*
 * Root filesystems made of an image's layer directories (ROOT/layers/<chainid>/, overlay's form)
 * with overlayfs, mounted through the new mount API (fsopen/fsconfig "lowerdir+"), so the number
 * of layers is not bounded by the one-page limit of mount(2)'s option string.
 *
 * An image's read-only rootfs (`berth image mount`) is RUNROOT/image-mounts/<id-hex>; an image
 * with a single layer gets an empty directory below it, so that whiteouts inside the layer are
 * hidden as they would be over any lower layer.
 */
#pragma once
#include "base/error.h"
#include "image_store.h"

/* Mounts (or finds mounted) the rootfs of RECORD; *path is newly allocated. */
int snapshot_image_mount(struct image_store *store, const struct image_record *record, char **path,
                         struct error **err);
/* Returns 1 when unmounted, 0 when it was not mounted. */
int snapshot_image_umount(struct image_store *store, const struct image_record *record,
                          struct error **err);
/* A container's writable rootfs: overlay of RECORD's layers with DIR/upper and DIR/work
 * (created), mounted on TARGET. TRANSIENT, for a container that will not outlive its mount
 * (--rm): overlay's "volatile" option, which skips the syncs of the upper filesystem (a
 * syncfs of the host's whole disk at every unmount); such an upper directory cannot be
 * mounted again (overlayfs.rst "Volatile mount"). Kernels without the option mount without it. */
int snapshot_container_mount(struct image_store *store, const struct image_record *record,
                             const char *dir, const char *target, bool transient,
                             struct error **err);
