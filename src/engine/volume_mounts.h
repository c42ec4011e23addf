/*
 * What create does for volumes besides making them: the image's VOLUMEs that no mount covers
 * become anonymous volumes, and a volume mounted for the first time (empty) gets the image's
 * content at its mount point, with owners and modes, unless `nocopy` (docker's copy-up).
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "container_config.h"

struct volume_mounts_saved {
        bool replaced;
        struct engine_mount *mounts; /* the caller's */
        size_t n_mounts;
};

/* Points O's mounts at a new array: the caller's mounts followed by an anonymous volume for
 * each of the image's Volumes no mount covers. SAVED remembers the caller's array. */
void volume_mounts_add_image(struct engine_create_options *o, json_t *image_config,
                             struct volume_mounts_saved *saved);
/* Gives the caller's mounts back to O (with the volume paths the engine resolved meanwhile,
 * which the caller now owns) and frees the added ones. Nothing when nothing was added. */
void volume_mounts_restore(struct engine_create_options *o, struct volume_mounts_saved *saved);

/* Copy-up: the content at DESTINATION inside ROOTFS into VOLUME_DIR when VOLUME_DIR is
 * empty (container_copy.h's copy_volume_populate). */
int volume_copy_up(const char *rootfs, const char *destination, const char *volume_dir,
                   struct error **err);
