/* The container's root filesystem: propagation, bind of the rootfs, pivot_root, and the
 * last touches after it (readonly and masked paths, a read-only root). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "init.h"
#include "mount_options.h"

int rootfs_prepare(struct init_context *ctx, struct error **err)
{
        /* Nothing done in here may propagate back to the host: runc's default is rslave. */
        unsigned long propagation = MS_SLAVE | MS_REC;
        const char *wanted = ctx->config->linux_config.rootfs_propagation;
        if (wanted && mount_propagation_parse(wanted, &propagation) < 0)
                return error_set(err, 0, "linux.rootfsPropagation: unknown value %s", wanted);
        if (mount(NULL, "/", NULL, propagation, NULL) < 0)
                return error_set(err, errno, "set propagation of / to %s",
                                 wanted ? wanted : "rslave");
        /* pivot_root needs the new root to be a mount point. */
        if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return error_set(err, errno, "bind mount rootfs %s", ctx->rootfs);
        return 0;
}

/* The parent of the rootfs mount must not be shared, or pivot_root fails (runc does the
 * same: make the mount holding the rootfs private). */
static void make_parent_private(const char *rootfs)
{
        _cleanup_free_ char *path = xstrdup(rootfs);
        for (;;) {
                char *slash = strrchr(path, '/');
                if (slash == NULL)
                        return;
                *(slash == path ? slash + 1 : slash) = '\0';
                if (mount(NULL, path, NULL, MS_PRIVATE, NULL) == 0)
                        return;
                if (errno != EINVAL || strcmp(path, "/") == 0)
                        return;
        }
}

int rootfs_pivot(struct init_context *ctx, struct error **err)
{
        if (ctx->opts->no_pivot) {
                /* --no-pivot: for rootfs on ramfs, where pivot_root is impossible. */
                if (chdir(ctx->rootfs) < 0)
                        return error_set(err, errno, "chdir %s", ctx->rootfs);
                if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                        return error_set(err, errno, "move rootfs to /");
                if (chroot(".") < 0)
                        return error_set(err, errno, "chroot");
                if (chdir("/") < 0)
                        return error_set(err, errno, "chdir /");
                return 0;
        }
        make_parent_private(ctx->rootfs);
        _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int newroot = open(ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0 || newroot < 0)
                return error_set(err, errno, "open rootfs %s", ctx->rootfs);
        if (fchdir(newroot) < 0)
                return error_set(err, errno, "chdir %s", ctx->rootfs);
        /* pivot_root(".", ".") stacks the old root under the new one; no temp dir needed. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return error_set(err, errno, "pivot_root %s", ctx->rootfs);
        if (fchdir(oldroot) < 0)
                return error_set(err, errno, "chdir to old root");
        /* Stop anything we do to the old root from reaching the host before detaching it. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return error_set(err, errno, "make old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return error_set(err, errno, "detach old root");
        if (chdir("/") < 0)
                return error_set(err, errno, "chdir /");
        return 0;
}

static int remount_readonly(const char *path, struct error **err)
{
        /* A bind remount must repeat the flags the mount already has (nosuid, nodev, ...). */
        struct statvfs st;
        if (statvfs(path, &st) < 0)
                return error_set(err, errno, "statvfs %s", path);
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
        if (st.f_flag & ST_NOSUID)
                flags |= MS_NOSUID;
        if (st.f_flag & ST_NODEV)
                flags |= MS_NODEV;
        if (st.f_flag & ST_NOEXEC)
                flags |= MS_NOEXEC;
        if (st.f_flag & ST_NOATIME)
                flags |= MS_NOATIME;
        if (st.f_flag & ST_NODIRATIME)
                flags |= MS_NODIRATIME;
        if (st.f_flag & ST_RELATIME)
                flags |= MS_RELATIME;
        if (mount(NULL, path, NULL, flags, NULL) < 0)
                return error_set(err, errno, "remount %s read-only", path);
        return 0;
}

static int readonly_path(const char *path, struct error **err)
{
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set(err, errno, "bind mount readonly path %s", path);
        }
        return remount_readonly(path, err);
}

static int masked_path(const char *path, struct error **err)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return errno == ENOENT ? 0 : error_set(err, errno, "stat masked path %s", path);
        if (S_ISDIR(st.st_mode)) {
                if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
                        return error_set(err, errno, "mask %s", path);
        } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
                return error_set(err, errno, "mask %s", path);
        }
        return 0;
}

static int write_sysctl(const char *key, const char *value, struct error **err)
{
        _cleanup_free_ char *path = xasprintf("/proc/sys/%s", key);
        for (char *p = path + strlen("/proc/sys/"); *p; p++)
                if (*p == '.')
                        *p = '/';
        if (fs_write_string(path, value, err) < 0)
                return error_wrap(err, "sysctl %s", key);
        return 0;
}

int rootfs_finalize(struct init_context *ctx, struct error **err)
{
        const struct oci_config *c = ctx->config;
        const struct oci_linux *lc = &c->linux_config;
        unsigned long propagation;
        if (lc->rootfs_propagation &&
            mount_propagation_parse(lc->rootfs_propagation, &propagation) == 0 &&
            (propagation & (MS_SHARED | MS_SLAVE)) && mount(NULL, "/", NULL, propagation, NULL) < 0)
                return error_set(err, errno, "set propagation of the container root");
        for (size_t i = 0; i < lc->n_sysctl; i++)
                if (write_sysctl(lc->sysctl[i].key, lc->sysctl[i].value, err) < 0)
                        return -1;
        for (size_t i = 0; i < lc->n_readonly_paths; i++)
                if (readonly_path(lc->readonly_paths[i], err) < 0)
                        return -1;
        for (size_t i = 0; i < lc->n_masked_paths; i++)
                if (masked_path(lc->masked_paths[i], err) < 0)
                        return -1;
        if (c->root_readonly && remount_readonly("/", err) < 0)
                return -1;
        return 0;
}
