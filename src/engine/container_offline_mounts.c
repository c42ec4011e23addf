/*
 * A stopped container's volumes and bind mounts, mounted on its root filesystem in a mount
 * namespace of the calling process's own (see engine_container_mount_binds_private): what
 * `cp` needs for paths under them to reach the volume, as docker's cp does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "engine.h"

/* PATH inside the root ROOT_FD (its symlinks resolved inside it), as an O_PATH fd. */
static int open_in_root(int root_fd, const char *path, int flags)
{
        struct open_how how = {.flags = (uint64_t)(flags | O_PATH | O_CLOEXEC),
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

/* The mount point DEST in the root, made as the runtime makes it at start (a directory, or an
 * empty file for a file's bind) when the container never ran. */
static int mount_point(int root_fd, const char *dest, bool is_dir)
{
        int fd = open_in_root(root_fd, dest, 0);
        if (fd >= 0 || errno != ENOENT)
                return fd;
        _cleanup_free_ char *path = xstrdup(dest);
        for (char *p = path + 1;; p++) {
                bool last = *p == '\0';
                if (*p != '/' && !last)
                        continue;
                *p = '\0';
                _cleanup_close_ int existing = open_in_root(root_fd, path, 0);
                if (existing < 0) {
                        char *slash = strrchr(path, '/');
                        *slash = '\0';
                        _cleanup_close_ int parent =
                            open_in_root(root_fd, *path ? path : "/", O_DIRECTORY);
                        *slash = '/';
                        if (parent < 0)
                                return -1;
                        int rc = last && !is_dir ? mknodat(parent, slash + 1, S_IFREG | 0644, 0)
                                                 : mkdirat(parent, slash + 1, 0755);
                        if (rc < 0 && errno != EEXIST)
                                return -1;
                }
                if (last)
                        break;
                *p = '/';
        }
        return open_in_root(root_fd, dest, 0);
}

/* The bind mount just made on DEST, read-only: opened again, since the fd of its mount point
 * names what is under it. */
static int remount_readonly(int root_fd, const char *dest)
{
        _cleanup_close_ int mounted = open_in_root(root_fd, dest, 0);
        if (mounted < 0)
                return -1;
        _cleanup_free_ char *at = xasprintf("/proc/self/fd/%d", mounted);
        return mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
}

int engine_container_mount_binds_private(struct engine *e, const struct container_row *row,
                                         const char *rootfs, struct error **err)
{
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        _cleanup_free_ char *config_path = xasprintf("%s/config.json", run_dir);
        json_error_t jerr;
        json_t *config = json_load_file(config_path, 0, &jerr);
        if (config == NULL)
                return error_set(err, 0, "container %s: %s", row->name, jerr.text);
        int ret = 0;
        bool unshared = false;
        /* Opened in the new namespace: a mount on a path of the old one is refused. */
        _cleanup_close_ int root_fd = -1;
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(config, "mounts"), i, m)
        {
                const char *type = json_string_value(json_object_get(m, "type"));
                const char *source = json_string_value(json_object_get(m, "source"));
                const char *dest = json_string_value(json_object_get(m, "destination"));
                if (!type || strcmp(type, "bind") != 0 || !source || !dest || dest[0] != '/')
                        continue;
                struct stat st;
                if (stat(source, &st) < 0)
                        continue; /* a file of a cleared runroot */
                if (!unshared) {
                        /* Ours alone: nothing mounted here is seen by the host or lasts
                         * longer than this process. */
                        if (unshare(CLONE_NEWNS) < 0 ||
                            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                                ret = error_set(err, errno,
                                                "a mount namespace for the volumes "
                                                "of container %s",
                                                row->name);
                                break;
                        }
                        unshared = true;
                        root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (root_fd < 0) {
                                ret = error_set(err, errno, "open %s", rootfs);
                                break;
                        }
                }
                _cleanup_close_ int target = mount_point(root_fd, dest, S_ISDIR(st.st_mode));
                if (target < 0) {
                        ret = error_set(err, errno, "mount point %s in container %s", dest,
                                        row->name);
                        break;
                }
                _cleanup_free_ char *at = xasprintf("/proc/self/fd/%d", target);
                bool readonly = false;
                size_t k;
                json_t *opt;
                json_array_foreach(json_object_get(m, "options"), k, opt)
                {
                        if (json_is_string(opt) && strcmp(json_string_value(opt), "ro") == 0)
                                readonly = true;
                }
                if (mount(source, at, NULL, MS_BIND | MS_REC, NULL) < 0) {
                        ret = error_set(err, errno, "mount %s on %s in container %s", source, dest,
                                        row->name);
                        break;
                }
                if (readonly && remount_readonly(root_fd, dest) < 0) {
                        ret = error_set(err, errno, "make %s read-only in container %s", dest,
                                        row->name);
                        break;
                }
        }
        json_decref(config);
        return ret;
}
