/* The image's VOLUMEs as anonymous volumes, and docker's copy-up into new volumes. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "container_copy.h"
#include "volume_mounts.h"

void volume_mounts_add_image(struct engine_create_options *o, json_t *image_config,
                             struct volume_mounts_saved *saved)
{
        *saved = (struct volume_mounts_saved){0};
        char **uncovered = engine_image_volumes_uncovered(o, image_config);
        size_t n = 0;
        while (uncovered[n])
                n++;
        if (n == 0) {
                free(uncovered);
                return;
        }
        struct engine_mount *all = xcalloc(o->n_mounts + n, sizeof(*all));
        if (o->n_mounts)
                memcpy(all, o->mounts, o->n_mounts * sizeof(*all));
        for (size_t i = 0; i < n; i++)
                all[o->n_mounts + i] =
                    (struct engine_mount){.type = ENGINE_MOUNT_VOLUME, .destination = uncovered[i]};
        free(uncovered); /* the strings now belong to the mounts */
        saved->replaced = true;
        saved->mounts = o->mounts;
        saved->n_mounts = o->n_mounts;
        o->mounts = all;
        o->n_mounts += n;
}

void volume_mounts_restore(struct engine_create_options *o, struct volume_mounts_saved *saved)
{
        if (!saved->replaced)
                return;
        struct engine_mount *all = o->mounts;
        for (size_t i = 0; i < saved->n_mounts; i++)
                saved->mounts[i].volume_path = all[i].volume_path;
        for (size_t i = saved->n_mounts; i < o->n_mounts; i++)
                engine_mount_release(&all[i]);
        free(all);
        o->mounts = saved->mounts;
        o->n_mounts = saved->n_mounts;
        saved->replaced = false;
}

int volume_copy_up(const char *rootfs, const char *destination, const char *volume_dir,
                   struct error **err)
{
        _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return error_set(err, errno, "open %s", rootfs);
        return copy_volume_populate(root, destination, volume_dir, err);
}
