/* config.json "mounts", each resolved inside the rootfs so that a symlink in the image can
 * never send a mount to the host (CVE-2021-30465): the target is opened with openat2
 * RESOLVE_IN_ROOT and mounted on through /proc/self/fd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_paths.h"
#include "error.h"
#include "fs.h"
#include "init.h"
#include "mount_options.h"

#define FD_PATH_MAX 32

static void fd_path(char *buf, int fd)
{
        snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

/* Opens (creating if needed) the mount target inside the root. */
static int open_target(int rootfd, const char *dest, bool is_file, struct error **err)
{
        return fs_open_in_root(rootfd, dest, true, is_file, err);
}

/* mount(2) with no source on what is now mounted at dest: a remount or a propagation
 * change. It reopens dest, since an fd from before a mount still points under it. */
static int mount_again(int rootfd, const char *dest, unsigned long flags, const char *what,
                       struct error **err)
{
        _cleanup_close_ int fd = open_target(rootfd, dest, false, err);
        if (fd < 0)
                return -1;
        char path[FD_PATH_MAX];
        fd_path(path, fd);
        if (mount(NULL, path, NULL, flags, NULL) < 0)
                return error_set(err, errno, "%s %s", what, dest);
        return 0;
}

static int apply_propagation(int rootfd, const char *dest, unsigned long propagation,
                             struct error **err)
{
        if (propagation == 0)
                return 0;
        return mount_again(rootfd, dest, propagation, "set propagation of", err);
}

static int bind_mount(int rootfd, const char *source, const char *dest,
                      const struct mount_options *o, int idmap_fd, struct error **err)
{
        struct stat st;
        if (stat(source, &st) < 0)
                return error_set(err, errno, "bind mount source %s", source);
        _cleanup_close_ int fd = open_target(rootfd, dest, !S_ISDIR(st.st_mode), err);
        if (fd < 0)
                return -1;
        char path[FD_PATH_MAX];
        fd_path(path, fd);
        if (idmap_fd >= 0) {
                /* Prepared by the runtime (idmap_mounts.c): attach the idmapped tree. */
                if (move_mount(idmap_fd, "", fd, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return error_set(err, errno, "attach idmapped mount %s on %s", source,
                                         dest);
        } else if (mount(source, path, NULL, MS_BIND | (o->recursive ? MS_REC : 0), NULL) < 0) {
                return error_set(err, errno, "bind mount %s on %s", source, dest);
        }
        unsigned long extra = o->flags & ~(MS_REMOUNT | MS_BIND | MS_REC);
        if (extra) {
                /* Flags on a bind mount take a second, remounting call. */
                if (mount_again(rootfd, dest, MS_BIND | MS_REMOUNT | extra,
                                "remount with its options", err) < 0)
                        return -1;
        }
        return apply_propagation(rootfd, dest, o->propagation, err);
}

static int bind_host_cgroup(int rootfd, const char *target, const char *dest,
                            const struct mount_options *o, struct error **err)
{
        if (mount("/sys/fs/cgroup", target, NULL, MS_BIND | MS_REC, NULL) < 0)
                return error_set(err, errno, "bind the host's /sys/fs/cgroup on %s", dest);
        unsigned long flags = o->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        if (flags == 0)
                return 0;
        return mount_again(rootfd, dest, MS_BIND | MS_REMOUNT | flags, "remount with its options",
                           err);
}

/* One v1 hierarchy at name under top, the fresh tmpfs of cgroup_mount(): only we have
 * written to it, so names are looked up under it directly, never through the rootfs. */
static int cgroup_mount_v1_hierarchy(struct init_context *ctx, int top, const char *dest,
                                     const struct cgroup_hierarchy *h, const char *dir,
                                     const struct mount_options *o, struct error **err)
{
        const char *name = strrchr(h->mountpoint, '/') + 1;
        if (mkdirat(top, name, 0755) < 0 && errno != EEXIST)
                return error_set(err, errno, "mkdir %s/%s", dest, name);
        _cleanup_close_ int subfd =
            openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (subfd < 0)
                return error_set(err, errno, "open %s/%s", dest, name);
        char subpath[FD_PATH_MAX];
        fd_path(subpath, subfd);
        if (ctx->new_ns[OCI_NS_CGROUP]) {
                if (mount("cgroup", subpath, "cgroup", o->flags, h->options) == 0)
                        return 0;
                /* v1 hierarchies cannot be mounted from a user namespace. */
                if (errno != EPERM)
                        return error_set(err, errno, "mount cgroup %s on %s/%s", name, dest, name);
        }
        /* Without a cgroup namespace: the container's own directory, bound. */
        if (mount(dir, subpath, NULL, MS_BIND | MS_REC, NULL) < 0)
                return error_set(err, errno, "bind cgroup %s on %s/%s", name, dest, name);
        /* The fd from before the mount points under it: open what is there now. */
        close(steal_fd(&subfd));
        subfd = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (subfd < 0)
                return error_set(err, errno, "open %s/%s", dest, name);
        fd_path(subpath, subfd);
        if (mount(NULL, subpath, NULL, MS_BIND | MS_REMOUNT | MS_REC | o->flags, NULL) < 0)
                return error_set(err, errno, "remount cgroup %s on %s/%s", name, dest, name);
        return 0;
}

/* A fresh cgroup view: cgroup2 on v2; on v1 a tmpfs holding one mount per hierarchy.
 * With a cgroup namespace the kernel shows the container's own cgroup as the root. The
 * runtime made our cgroup directories before it cloned us, so they can be shown now,
 * before it has put us in them. */
static int cgroup_mount(struct init_context *ctx, int rootfd, const struct oci_mount *m,
                        const struct mount_options *o, struct error **err)
{
        _cleanup_close_ int fd = open_target(rootfd, m->destination, false, err);
        if (fd < 0)
                return -1;
        char path[FD_PATH_MAX];
        fd_path(path, fd);
        unsigned long flags = o->flags & ~MS_RDONLY;
        /* Without a cgroup of its own (rootless), or where the kernel refuses a fresh
         * cgroup mount (a user namespace without a cgroup namespace): the host's tree. */
        if (ctx->cgroup == NULL)
                return bind_host_cgroup(rootfd, path, m->destination, o, err);
        if (ctx->cgroup->version == 2) {
                if (mount("cgroup2", path, "cgroup2", o->flags, NULL) == 0)
                        return 0;
                if (errno == EPERM)
                        return bind_host_cgroup(rootfd, path, m->destination, o, err);
                return error_set(err, errno, "mount cgroup2 on %s", m->destination);
        }
        /* As runc: a writable tmpfs holding one mount per v1 hierarchy, each with the
         * mount's flags (read-only in the default config). The hybrid layout's cgroup2 is
         * left out, as runc leaves it out. */
        if (mount("tmpfs", path, "tmpfs", flags, "mode=755") < 0)
                return error_set(err, errno, "mount tmpfs on %s", m->destination);
        /* Opened again: now the tmpfs itself. */
        _cleanup_close_ int top = open_target(rootfd, m->destination, false, err);
        if (top < 0)
                return -1;
        /* The runtime's list (dirs[i] is in hierarchies[i]); read again only if missing. */
        struct cgroup_hierarchy *list = ctx->cgroup->hierarchies, *read = NULL;
        size_t n = ctx->cgroup->n_dirs, n_read = 0;
        if (list == NULL) {
                int count = cgroup_hierarchies_read(&read, err);
                if (count < 0)
                        return -1;
                list = read;
                n_read = (size_t)count;
                n = n_read < n ? n_read : n;
        }
        int ret = 0;
        for (size_t i = 0; i < n && ret == 0; i++)
                if (!list[i].is_v2)
                        ret = cgroup_mount_v1_hierarchy(ctx, top, m->destination, &list[i],
                                                        ctx->cgroup->dirs[i], o, err);
        if (read)
                cgroup_hierarchies_free(read, n_read);
        return ret;
}

static int mount_one(struct init_context *ctx, int rootfd, size_t index, struct error **err)
{
        const struct oci_mount *m = &ctx->config->mounts[index];
        int idmap_fd = ctx->idmap_fds ? ctx->idmap_fds[index] : -1;
        struct mount_options o;
        mount_options_parse(&o, m->options, m->n_options);
        const char *type = m->type ? m->type : "";
        const char *source = m->source ? m->source : type;
        int ret;
        if (strcmp(type, "bind") == 0)
                o.bind = true;
        if (o.bind) {
                /* A relative source is relative to the bundle (config.md "mounts"). */
                _cleanup_free_ char *abs =
                    source[0] == '/' ? xstrdup(source) : xasprintf("%s/%s", ctx->bundle, source);
                ret = bind_mount(rootfd, abs, m->destination, &o, idmap_fd, err);
        } else if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
                ret = cgroup_mount(ctx, rootfd, m, &o, err);
        } else {
                _cleanup_close_ int fd = open_target(rootfd, m->destination, false, err);
                char path[FD_PATH_MAX];
                ret = fd < 0 ? -1 : 0;
                if (ret == 0) {
                        fd_path(path, fd);
                        ret = mount(source, path, type, o.flags, o.data);
                        /* Without its own network (or ipc) namespace the kernel refuses
                         * sysfs (mqueue): give the host's, as runc does. */
                        if (ret < 0 && errno == EPERM &&
                            (strcmp(type, "sysfs") == 0 || strcmp(type, "mqueue") == 0)) {
                                const char *host = type[0] == 's' ? "/sys" : "/dev/mqueue";
                                ret = mount(host, path, NULL, MS_BIND | MS_REC, NULL);
                                if (ret == 0 && (o.flags & MS_RDONLY))
                                        ret =
                                            mount(NULL, path, NULL,
                                                  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL);
                        }
                        if (ret < 0)
                                error_set(err, errno, "mount %s (%s) on %s", source, type,
                                          m->destination);
                }
                if (ret == 0)
                        ret = apply_propagation(rootfd, m->destination, o.propagation, err);
        }
        mount_options_release(&o);
        return ret;
}

int rootfs_mount_all(struct init_context *ctx, int rootfd, struct error **err)
{
        for (size_t i = 0; i < ctx->config->n_mounts; i++)
                if (mount_one(ctx, rootfd, i, err) < 0)
                        return -1;
        return 0;
}
