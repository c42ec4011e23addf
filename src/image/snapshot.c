/* Overlay root filesystems of images (see snapshot.h). */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"

static bool is_mount_root(const char *path)
{
        struct statx stx;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return false;
        return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Mounts an overlay of RECORD's layers (top first) on TARGET; with UPPER and WORK writable. */
static int mount_overlay(struct image_store *store, const struct image_record *record,
                         const char *empty_lower, const char *upper, const char *work,
                         bool transient, const char *target, struct error **err)
{
        if (record->n_layers == 0)
                return error_set(err, 0, "image %s has no layers", record->id.text);
        _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0)
                return error_set(err, errno, "overlay filesystem");
        for (size_t i = record->n_layers; i-- > 0;) {
                if (!layer_store_has(store->layers, &record->chain_ids[i]))
                        return error_set(err, 0,
                                         "layer %s of image %s is missing from the store (pull "
                                         "the image again)",
                                         record->chain_ids[i].text, record->id.text);
                _cleanup_free_ char *dir = layer_store_path(store->layers, &record->chain_ids[i]);
                if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0)
                        return error_set(err, errno, "overlay lower directory %s", dir);
        }
        if (empty_lower && fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", empty_lower, 0) < 0)
                return error_set(err, errno, "overlay lower directory %s", empty_lower);
        if (upper && (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                      fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
                return error_set(err, errno, "overlay upper directory %s", upper);
        /* Linux 5.10 and later; EINVAL before, where the mount goes on without it. */
        if (upper && transient && fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0 &&
            errno != EINVAL)
                return error_set(err, errno, "overlay option volatile");
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return error_set(err, errno, "mount overlay for image %s", record->id.text);
        _cleanup_close_ int mnt =
            fsmount(fs, FSMOUNT_CLOEXEC, upper ? 0 : MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV);
        if (mnt < 0)
                return error_set(err, errno, "mount overlay for image %s", record->id.text);
        if (move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return error_set(err, errno, "mount overlay on %s", target);
        return 0;
}

static char *image_mount_path(const struct image_store *store, const struct image_record *record)
{
        return xasprintf("%s/image-mounts/%s", store->runroot, digest_hex(&record->id));
}

int snapshot_image_mount(struct image_store *store, const struct image_record *record, char **path,
                         struct error **err)
{
        _cleanup_free_ char *target = image_mount_path(store, record);
        if (is_mount_root(target)) {
                *path = steal_pointer(&target);
                return 0;
        }
        if (fs_mkdir_p(target, 0700, err) < 0)
                return -1;
        _cleanup_free_ char *empty = NULL;
        if (record->n_layers == 1) {
                empty = xasprintf("%s/image-mounts/.empty", store->runroot);
                if (fs_mkdir_p(empty, 0700, err) < 0)
                        return -1;
        }
        if (mount_overlay(store, record, empty, NULL, NULL, false, target, err) < 0) {
                rmdir(target);
                return -1;
        }
        *path = steal_pointer(&target);
        return 0;
}

int snapshot_image_umount(struct image_store *store, const struct image_record *record,
                          struct error **err)
{
        _cleanup_free_ char *target = image_mount_path(store, record);
        if (!is_mount_root(target)) {
                rmdir(target);
                return 0;
        }
        if (umount2(target, UMOUNT_NOFOLLOW) < 0)
                return error_set(err, errno, "unmount %s", target);
        rmdir(target);
        return 1;
}

int snapshot_container_mount(struct image_store *store, const struct image_record *record,
                             const char *dir, const char *target, bool transient,
                             struct error **err)
{
        _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
        _cleanup_free_ char *work = xasprintf("%s/work", dir);
        if (fs_mkdir_p(upper, 0755, err) < 0 || fs_mkdir_p(work, 0700, err) < 0)
                return -1;
        return mount_overlay(store, record, NULL, upper, work, transient, target, err);
}
