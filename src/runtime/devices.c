/* /dev: the default devices and symlinks every container gets (config-linux.md "Default
 * Devices", runtime-linux.md "Dev symbolic links") and linux.devices. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "init.h"

static const struct {
        const char *name;
        unsigned major, minor;
} default_devices[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
        const char *target, *name;
} default_links[] = {
    {"/proc/self/fd", "fd"},
    {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"},
};

/* /dev bind-mounted from the host keeps the host's nodes: then we add nothing. */
static bool dev_is_bind_mount(const struct oci_config *c)
{
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                if (strcmp(m->destination, "/dev") != 0)
                        continue;
                if (m->type && strcmp(m->type, "bind") == 0)
                        return true;
                for (size_t j = 0; j < m->n_options; j++)
                        if (strcmp(m->options[j], "bind") == 0 ||
                            strcmp(m->options[j], "rbind") == 0)
                                return true;
        }
        return false;
}

static int bind_host_node(int dirfd, const char *name, const char *path, struct error **err)
{
        _cleanup_close_ int fd =
            openat(dirfd, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return error_set(err, errno, "create %s to bind the host's device on", path);
        char target[64];
        snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        if (mount(path, target, NULL, MS_BIND, NULL) < 0)
                return error_set(err, errno, "bind the host's %s", path);
        return 0;
}

static int make_node(int rootfd, const char *path, mode_t mode, dev_t dev, bool has_uid, uid_t uid,
                     bool has_gid, gid_t gid, struct error **err)
{
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        const char *name = slash + 1;
        *slash = '\0';
        _cleanup_close_ int dirfd = fs_open_in_root(rootfd, *dir ? dir : "/", true, false, err);
        if (dirfd < 0)
                return -1;
        /* A node that exists already (an image's /dev, a bind mount) is replaced, as runc. */
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT && errno != EISDIR)
                return error_set(err, errno, "remove %s", path);
        if (mknodat(dirfd, name, mode, dev) < 0) {
                /* In a user namespace mknod is refused: bind the host's node instead, as
                 * runc does. */
                if (errno != EPERM || S_ISFIFO(mode))
                        return error_set(err, errno, "mknod %s", path);
                return bind_host_node(dirfd, name, path, err);
        }
        if ((has_uid || has_gid) && fchownat(dirfd, name, has_uid ? uid : (uid_t)-1,
                                             has_gid ? gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set(err, errno, "chown %s", path);
        return 0;
}

static mode_t device_type_bits(char type)
{
        switch (type) {
        case 'b':
                return S_IFBLK;
        case 'p':
                return S_IFIFO;
        default:
                return S_IFCHR;
        }
}

int devices_setup(struct init_context *ctx, int rootfd, struct error **err)
{
        const struct oci_config *c = ctx->config;
        if (!dev_is_bind_mount(c)) {
                for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                        _cleanup_free_ char *path = xasprintf("/dev/%s", default_devices[i].name);
                        dev_t dev = makedev(default_devices[i].major, default_devices[i].minor);
                        if (make_node(rootfd, path, S_IFCHR | 0666, dev, false, 0, false, 0, err) <
                            0)
                                return -1;
                }
                _cleanup_close_ int devfd = fs_open_in_root(rootfd, "/dev", true, false, err);
                if (devfd < 0)
                        return -1;
                for (size_t i = 0; i < ARRAY_SIZE(default_links); i++)
                        if (symlinkat(default_links[i].target, devfd, default_links[i].name) < 0 &&
                            errno != EEXIST)
                                return error_set(err, errno, "symlink /dev/%s",
                                                 default_links[i].name);
                if (access("/proc/kcore", F_OK) == 0)
                        (void)symlinkat("/proc/kcore", devfd, "core");
                /* With a devpts of its own, /dev/ptmx must be its ptmx. */
                struct stat st;
                if (fstatat(devfd, "pts/ptmx", &st, 0) == 0) {
                        unlinkat(devfd, "ptmx", 0);
                        if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
                                return error_set(err, errno, "symlink /dev/ptmx");
                }
        }
        for (size_t i = 0; i < c->linux_config.n_devices; i++) {
                const struct oci_device *d = &c->linux_config.devices[i];
                mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
                dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
                if (make_node(rootfd, d->path, device_type_bits(d->type) | perm, dev, d->has_uid,
                              d->uid, d->has_gid, d->gid, err) < 0)
                        return error_wrap(err, "linux.devices");
        }
        return 0;
}
