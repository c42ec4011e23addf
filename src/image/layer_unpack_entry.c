/*
 * One tar entry to one file in the layer directory. The rules (what is contained, what is
 * refused) are in layer_unpack.h; the invariant that keeps writes inside is in
 * layer_unpack_internal.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "layer_unpack_internal.h"

/* image-spec layer.md#whiteouts */
#define WHITEOUT_PREFIX           ".wh."
#define WHITEOUT_META_PREFIX      ".wh..wh."
#define WHITEOUT_OPAQUE           ".wh..wh..opq"
#define OVERLAY_XATTR_PREFIX      "trusted.overlay."
#define OVERLAY_USER_XATTR_PREFIX "user.overlay."

void layer_unpacker_init(struct layer_unpacker *u, int root, bool rootless)
{
        *u = (struct layer_unpacker){.root = root, .rootless = rootless, .parent_fd = -1};
}

void layer_unpacker_release(struct layer_unpacker *u)
{
        if (u->parent_fd >= 0)
                close(u->parent_fd);
        free(u->parent_path);
        for (size_t i = 0; i < u->dir_count; i++)
                free(u->dirs[i].path);
        free(u->dirs);
        *u = (struct layer_unpacker){.parent_fd = -1};
}

char *layer_unpack_clean_path(const char *name)
{
        size_t len = strlen(name);
        char *out = xmalloc(len + 1);
        size_t used = 0;
        const char *p = name;
        while (*p) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        /* "" or ".": nothing */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        /* ".." drops the last component; at the root it stays at the root. */
                        while (used > 0 && out[used - 1] != '/')
                                used--;
                        if (used > 0)
                                used--;
                } else {
                        if (used > 0)
                                out[used++] = '/';
                        memcpy(out + used, p, n);
                        used += n;
                }
                p = *end ? end + 1 : end;
        }
        out[used] = '\0';
        return out;
}

static int openat2_in_root(int root, const char *path, int flags)
{
        struct open_how how = {
            .flags = (unsigned long long)(flags | O_CLOEXEC),
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        for (int attempt = 0;; attempt++) {
                int fd = (int)syscall(SYS_openat2, root, path[0] ? path : ".", &how, sizeof(how));
                /* EAGAIN: a concurrent rename raced the ".." check; nothing else renames here. */
                if (fd >= 0 || errno != EAGAIN || attempt == 8)
                        return fd;
        }
}

static void parent_cache_invalidate(struct layer_unpacker *u)
{
        u->parent_valid = false;
}

/* Opens PARENT (a cleaned path) inside the layer, creating missing directories (0755, as docker
 * makes a parent the tar does not list). */
static int parent_create(struct layer_unpacker *u, const char *parent, struct error **err)
{
        _cleanup_close_ int cur = fcntl(u->root, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return error_set(err, errno, "dup layer directory");
        const char *p = parent;
        for (;;) {
                const char *end = strchrnul(p, '/');
                _cleanup_free_ char *prefix = xstrndup(parent, (size_t)(end - parent));
                _cleanup_free_ char *component = xstrndup(p, (size_t)(end - p));
                int fd = openat2_in_root(u->root, prefix, O_RDONLY | O_DIRECTORY);
                if (fd < 0 && errno == ENOENT) {
                        /* CUR is where PREFIX's parent resolved to: the new directory goes
                         * there, which is where resolving PREFIX in the root looks for it. */
                        if (mkdirat(cur, component, 0755) < 0 && errno != EEXIST)
                                return error_set(err, errno, "create parent directory %s", prefix);
                        (void)fchmodat(cur, component, 0755, 0); /* whatever the umask */
                        fd = openat2_in_root(u->root, prefix, O_RDONLY | O_DIRECTORY);
                }
                if (fd < 0 && errno == ENOTDIR)
                        return error_set(err, 0, "parent %s is not a directory", prefix);
                if (fd < 0)
                        return error_set(err, errno, "open parent directory %s", prefix);
                close(cur);
                cur = fd;
                if (*end == '\0')
                        return steal_fd(&cur);
                p = end + 1;
        }
}

/* The parent directory of an entry; owned by the cache (do not close). */
static int parent_open(struct layer_unpacker *u, const char *parent, struct error **err)
{
        if (u->parent_valid && strcmp(u->parent_path, parent) == 0)
                return u->parent_fd;
        int fd = openat2_in_root(u->root, parent, O_RDONLY | O_DIRECTORY);
        if (fd < 0 && errno == ENOENT && parent[0])
                fd = parent_create(u, parent, err);
        else if (fd < 0 && errno == ENOTDIR)
                return error_set(err, 0, "parent %s is not a directory", parent);
        else if (fd < 0)
                return error_set(err, errno, "open parent directory %s", parent);
        if (fd < 0)
                return -1;
        if (u->parent_fd >= 0)
                close(u->parent_fd);
        free(u->parent_path);
        u->parent_fd = fd;
        u->parent_path = xstrdup(parent);
        u->parent_valid = true;
        return fd;
}

/* rm -rf of NAME in DIRFD without following symlinks. */
static int remove_at(int dirfd, const char *name, struct error **err)
{
        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return error_set(err, errno, "remove %s", name);
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "open %s to remove it", name);
        DIR *dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return error_set(err, errno, "read directory %s", name);
        }
        int ret = 0;
        struct dirent *de;
        while (ret == 0 && (de = readdir(dir)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                ret = remove_at(fd, de->d_name, err);
        }
        closedir(dir);
        if (ret == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return error_set(err, errno, "remove directory %s", name);
        return ret;
}

/* Something is already at PARENT_FD/BASE (EEXIST). Two directories merge (returns 1); anything
 * else is removed first, as docker and umoci do (returns 0). */
static int replace_existing(struct layer_unpacker *u, int parent_fd, const char *base,
                            bool new_is_dir, struct error **err)
{
        struct stat st;
        if (fstatat(parent_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set(err, errno, "stat existing %s", base);
        if (new_is_dir && S_ISDIR(st.st_mode))
                return 1;
        parent_cache_invalidate(u);
        if (remove_at(parent_fd, base, err) < 0)
                return error_wrap(err, "replace existing entry");
        return 0;
}

static bool ignorable_xattr_error(const struct layer_unpacker *u, int errnum)
{
        /* A filesystem without xattrs, or a namespace (trusted., security.capability) an
         * unprivileged unpacker may not write. */
        return errnum == ENOTSUP || errnum == EOPNOTSUPP ||
               (u->rootless && (errnum == EPERM || errnum == EACCES));
}

/* Sets the entry's xattrs on FD, or (FD < 0) on PARENT_FD/BASE without following it. */
static int apply_xattrs(struct layer_unpacker *u, struct archive_entry *entry, int fd,
                        int parent_fd, const char *base, struct error **err)
{
        if (archive_entry_xattr_reset(entry) == 0)
                return 0;
        const char *name;
        const void *value;
        size_t size;
        _cleanup_free_ char *proc_path = NULL;
        while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
                /* overlay's own attributes (opaque, redirect, metacopy) come only from the
                 * whiteout convention: a layer must not forge them. */
                if (strncmp(name, OVERLAY_XATTR_PREFIX, strlen(OVERLAY_XATTR_PREFIX)) == 0 ||
                    strncmp(name, OVERLAY_USER_XATTR_PREFIX, strlen(OVERLAY_USER_XATTR_PREFIX)) ==
                        0) {
                        log_warn("xattr %s on %s ignored (overlay's own)", name, base);
                        continue;
                }
                int ret;
                if (fd >= 0) {
                        ret = fsetxattr(fd, name, value, size, 0);
                } else {
                        if (proc_path == NULL)
                                proc_path = xasprintf("/proc/self/fd/%d/%s", parent_fd, base);
                        ret = lsetxattr(proc_path, name, value, size, 0);
                }
                if (ret < 0 && ignorable_xattr_error(u, errno)) {
                        log_warn("layer entry %s: xattr %s not set: %s", base, name,
                                 strerror(errno));
                        continue;
                }
                if (ret < 0)
                        return error_set(err, errno, "set xattr %s", name);
        }
        return 0;
}

static void entry_times(struct archive_entry *entry, struct timespec times[2])
{
        times[1].tv_sec = archive_entry_mtime(entry);
        times[1].tv_nsec = archive_entry_mtime_nsec(entry);
        if (archive_entry_atime_is_set(entry)) {
                times[0].tv_sec = archive_entry_atime(entry);
                times[0].tv_nsec = archive_entry_atime_nsec(entry);
        } else {
                times[0] = times[1];
        }
}

/* Owner, then mode (chown clears setuid/setgid), then xattrs (after chown, which clears
 * security.capability), then times. FD: the open regular file, or -1 to work on
 * PARENT_FD/BASE (device nodes, fifos, symlinks). */
static int apply_metadata(struct layer_unpacker *u, struct archive_entry *entry, int fd,
                          int parent_fd, const char *base, bool is_symlink, struct error **err)
{
        uid_t uid = (uid_t)archive_entry_uid(entry);
        gid_t gid = (gid_t)archive_entry_gid(entry);
        mode_t mode = archive_entry_perm(entry) & 07777;
        if (!u->rootless) {
                int ret = fd >= 0 ? fchown(fd, uid, gid)
                                  : fchownat(parent_fd, base, uid, gid, AT_SYMLINK_NOFOLLOW);
                if (ret < 0)
                        return error_set(err, errno, "chown to %u:%u", (unsigned)uid,
                                         (unsigned)gid);
        }
        if (!is_symlink) {
                /* BASE was just created by this unpacker as a node: not a symlink to follow. */
                int ret = fd >= 0 ? fchmod(fd, mode) : fchmodat(parent_fd, base, mode, 0);
                if (ret < 0)
                        return error_set(err, errno, "chmod to %04o", (unsigned)mode);
        }
        if (apply_xattrs(u, entry, fd, parent_fd, base, err) < 0)
                return -1;
        struct timespec times[2];
        entry_times(entry, times);
        int ret =
            fd >= 0 ? futimens(fd, times) : utimensat(parent_fd, base, times, AT_SYMLINK_NOFOLLOW);
        if (ret < 0)
                return error_set(err, errno, "set times");
        return 0;
}

static int write_data(struct archive *a, int fd, struct error **err)
{
        for (;;) {
                const void *block;
                size_t size;
                la_int64_t offset;
                int r = archive_read_data_block(a, &block, &size, &offset);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r != ARCHIVE_OK)
                        return error_set(err, 0, "read data: %s", archive_error_string(a));
                const char *p = block;
                /* pwrite at the block's offset: holes of sparse entries stay holes. */
                while (size > 0) {
                        ssize_t n = pwrite(fd, p, size, (off_t)offset);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return error_set(err, errno, "write data");
                        p += n;
                        offset += n;
                        size -= (size_t)n;
                }
        }
}

static int unpack_regular(struct layer_unpacker *u, struct archive *a, struct archive_entry *entry,
                          int parent_fd, const char *base, struct error **err)
{
        int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        _cleanup_close_ int fd = openat(parent_fd, base, flags, 0600);
        if (fd < 0 && errno == EEXIST) {
                if (replace_existing(u, parent_fd, base, false, err) < 0)
                        return -1;
                fd = openat(parent_fd, base, flags, 0600);
        }
        if (fd < 0)
                return error_set(err, errno, "create file");
        if (write_data(a, fd, err) < 0)
                return -1;
        /* A sparse file may end in a hole. */
        off_t size = (off_t)archive_entry_size(entry);
        struct stat st;
        if (archive_entry_size_is_set(entry) && fstat(fd, &st) == 0 && st.st_size < size &&
            ftruncate(fd, size) < 0)
                return error_set(err, errno, "extend file to %lld bytes", (long long)size);
        if (apply_metadata(u, entry, fd, parent_fd, base, false, err) < 0)
                return -1;
        if (close(steal_fd(&fd)) < 0)
                return error_set(err, errno, "close file");
        return 0;
}

static int unpack_directory(struct layer_unpacker *u, struct archive_entry *entry, int parent_fd,
                            const char *base, const char *path, struct error **err)
{
        bool is_root = path[0] == '\0';
        /* Owner-writable until the end: its real mode is applied after its children. */
        if (!is_root && mkdirat(parent_fd, base, 0700) < 0) {
                if (errno != EEXIST)
                        return error_set(err, errno, "create directory");
                int merge = replace_existing(u, parent_fd, base, true, err);
                if (merge < 0)
                        return -1;
                if (merge == 0 && mkdirat(parent_fd, base, 0700) < 0)
                        return error_set(err, errno, "create directory");
        }
        if (!u->rootless) {
                uid_t uid = (uid_t)archive_entry_uid(entry);
                gid_t gid = (gid_t)archive_entry_gid(entry);
                if (fchownat(parent_fd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return error_set(err, errno, "chown to %u:%u", (unsigned)uid,
                                         (unsigned)gid);
        }
        if (archive_entry_xattr_count(entry) > 0) {
                _cleanup_close_ int fd =
                    openat(parent_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return error_set(err, errno, "open directory");
                if (apply_xattrs(u, entry, fd, -1, base, err) < 0)
                        return -1;
        }
        if (u->dir_count == u->dir_cap) {
                u->dir_cap = u->dir_cap ? u->dir_cap * 2 : 256;
                u->dirs = xrealloc(u->dirs, u->dir_cap * sizeof(*u->dirs));
        }
        struct unpack_dir_record *rec = &u->dirs[u->dir_count];
        rec->path = xstrdup(path);
        rec->mode = archive_entry_perm(entry) & 07777;
        entry_times(entry, rec->times);
        rec->order = u->dir_count++;
        return 0;
}

static const char *entry_symlink(struct archive_entry *entry)
{
        const char *s = archive_entry_symlink(entry);
        return s ? s : archive_entry_symlink_utf8(entry);
}

static const char *entry_hardlink(struct archive_entry *entry)
{
        const char *s = archive_entry_hardlink(entry);
        return s ? s : archive_entry_hardlink_utf8(entry);
}

static const char *entry_pathname(struct archive_entry *entry)
{
        const char *s = archive_entry_pathname(entry);
        return s ? s : archive_entry_pathname_utf8(entry);
}

static int unpack_symlink(struct layer_unpacker *u, struct archive_entry *entry, int parent_fd,
                          const char *base, struct error **err)
{
        /* The target is stored as written and never followed by the unpacker: at run time
         * the container's root contains it. */
        const char *target = entry_symlink(entry);
        if (target == NULL || target[0] == '\0')
                return error_set(err, 0, "symlink with an empty target");
        if (symlinkat(target, parent_fd, base) < 0) {
                if (errno != EEXIST)
                        return error_set(err, errno, "create symlink");
                if (replace_existing(u, parent_fd, base, false, err) < 0)
                        return -1;
                if (symlinkat(target, parent_fd, base) < 0)
                        return error_set(err, errno, "create symlink");
        }
        return apply_metadata(u, entry, -1, parent_fd, base, true, err);
}

static int unpack_hardlink(struct layer_unpacker *u, const char *target_name, int parent_fd,
                           const char *base, struct error **err)
{
        _cleanup_free_ char *target = layer_unpack_clean_path(target_name);
        if (target[0] == '\0')
                return error_set(err, 0, "hardlink to the layer root");
        char *slash = strrchr(target, '/');
        const char *target_base = slash ? slash + 1 : target;
        if (slash)
                *slash = '\0';
        const char *target_parent = slash ? target : "";
        /* Resolved inside the layer like any path: "/etc/passwd" is the layer's etc/passwd,
         * which must have been unpacked already. */
        _cleanup_close_ int target_dir =
            openat2_in_root(u->root, target_parent, O_PATH | O_DIRECTORY);
        struct stat st;
        if (target_dir < 0 || fstatat(target_dir, target_base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return error_set(err, 0, "hardlink target \"%s\" is not in the layer",
                                         target_name);
                return error_set(err, errno, "hardlink target \"%s\"", target_name);
        }
        if (S_ISDIR(st.st_mode))
                return error_set(err, 0, "hardlink target \"%s\" is a directory", target_name);
        /* Flags 0: a symlink target is linked itself, never followed. */
        if (linkat(target_dir, target_base, parent_fd, base, 0) == 0)
                return 0;
        if (errno != EEXIST)
                return error_set(err, errno, "hardlink to \"%s\"", target_name);
        struct stat existing;
        if (fstatat(parent_fd, base, &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
            existing.st_dev == st.st_dev && existing.st_ino == st.st_ino)
                return 0; /* already that file */
        if (replace_existing(u, parent_fd, base, false, err) < 0)
                return -1;
        if (linkat(target_dir, target_base, parent_fd, base, 0) < 0)
                return error_set(err, errno, "hardlink to \"%s\"", target_name);
        return 0;
}

static int unpack_node(struct layer_unpacker *u, struct archive_entry *entry, int parent_fd,
                       const char *base, const char *name, struct error **err)
{
        mode_t type = archive_entry_filetype(entry);
        bool device = type == AE_IFCHR || type == AE_IFBLK;
        if (device && u->rootless) {
                log_warn("layer entry \"%s\": device node skipped (not root)", name);
                return 0;
        }
        mode_t mode = type | (archive_entry_perm(entry) & 07777);
        dev_t dev = device ? archive_entry_rdev(entry) : 0;
        int ret = mknodat(parent_fd, base, mode, dev);
        if (ret < 0 && errno == EEXIST) {
                if (replace_existing(u, parent_fd, base, false, err) < 0)
                        return -1;
                ret = mknodat(parent_fd, base, mode, dev);
        }
        if (ret < 0 && errno == EPERM) {
                log_warn("layer entry \"%s\": %s skipped: %s", name,
                         device ? "device node" : "fifo", strerror(EPERM));
                return 0;
        }
        if (ret < 0)
                return error_set(err, errno, "create %s", device ? "device node" : "fifo");
        return apply_metadata(u, entry, -1, parent_fd, base, false, err);
}

/* ".wh.NAME": NAME is deleted from the layers below; overlay's form is a 0:0 character
 * device (image-spec layer.md#whiteouts). ".wh..wh..opq": the directory hides everything
 * below it; overlay's form is trusted.overlay.opaque=y. */
static int unpack_whiteout(struct layer_unpacker *u, int parent_fd, const char *base,
                           struct error **err)
{
        if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
                if (fsetxattr(parent_fd, "trusted.overlay.opaque", "y", 1, 0) == 0)
                        return 0;
                /* Unprivileged: trusted.* is root's; overlay mounted with "userxattr" (in a
                 * user namespace, Linux 5.11) reads the user.overlay.* form instead. */
                if (u->rootless && (errno == EPERM || errno == EACCES) &&
                    fsetxattr(parent_fd, "user.overlay.opaque", "y", 1, 0) == 0)
                        return 0;
                return error_set(err, errno, "mark directory opaque");
        }
        if (strncmp(base, WHITEOUT_META_PREFIX, strlen(WHITEOUT_META_PREFIX)) == 0)
                return 0; /* reserved for other uses by the spec: ignored */
        const char *name = base + strlen(WHITEOUT_PREFIX);
        if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return error_set(err, 0, "whiteout of \"%s\"", name);
        parent_cache_invalidate(u);
        if (remove_at(parent_fd, name, err) < 0)
                return -1;
        if (mknodat(parent_fd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
                return error_set(err, errno, "create whiteout device %s", name);
        return 0;
}

static int unpack_entry(struct layer_unpacker *u, struct archive *a, struct archive_entry *entry,
                        const char *name, struct error **err)
{
        if (name[0] == '\0')
                return error_set(err, 0, "empty name");
        _cleanup_free_ char *path = layer_unpack_clean_path(name);
        /* PATH = PARENT "/" BASE; the root is parent "" and base ".". */
        _cleanup_free_ char *parent = xstrdup(path);
        char *slash = strrchr(parent, '/');
        const char *base;
        if (slash) {
                *slash = '\0';
                base = path + (slash - parent) + 1;
        } else {
                parent[0] = '\0';
                base = path[0] ? path : ".";
        }
        const char *hardlink = entry_hardlink(entry);
        mode_t type = archive_entry_filetype(entry);
        if (path[0] == '\0' && (hardlink || type != AE_IFDIR))
                return error_set(err, 0, "not a directory but names the layer root");
        int parent_fd = parent_open(u, parent, err);
        if (parent_fd < 0)
                return -1;
        if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
                return unpack_whiteout(u, parent_fd, base, err);
        if (hardlink)
                return unpack_hardlink(u, hardlink, parent_fd, base, err);
        switch (type) {
        case AE_IFREG:
                return unpack_regular(u, a, entry, parent_fd, base, err);
        case AE_IFDIR:
                return unpack_directory(u, entry, parent_fd, base, path, err);
        case AE_IFLNK:
                return unpack_symlink(u, entry, parent_fd, base, err);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return unpack_node(u, entry, parent_fd, base, name, err);
        default:
                log_warn("layer entry \"%s\": unsupported type %o skipped", name, (unsigned)type);
                return 0;
        }
}

int layer_unpacker_entry(struct layer_unpacker *u, struct archive *a, struct archive_entry *entry,
                         struct error **err)
{
        const char *name = entry_pathname(entry);
        if (name == NULL)
                return error_set(err, 0, "layer entry without a readable name");
        if (unpack_entry(u, a, entry, name, err) < 0)
                return error_wrap(err, "layer entry \"%s\"", name);
        return 0;
}

static int compare_dir_path(const void *a, const void *b)
{
        const struct unpack_dir_record *x = a, *y = b;
        int c = strcmp(x->path, y->path);
        if (c)
                return c;
        return x->order < y->order ? 1 : x->order > y->order ? -1 : 0;
}

static int compare_dir_order_descending(const void *a, const void *b)
{
        const struct unpack_dir_record *x = a, *y = b;
        return x->order < y->order ? 1 : x->order > y->order ? -1 : 0;
}

int layer_unpacker_finish(struct layer_unpacker *u, struct error **err)
{
        /* The last entry for a directory wins; then the latest first, so children (listed
         * after their parent) get their mode while the parent is still writable. */
        if (u->dir_count == 0)
                return 0;
        qsort(u->dirs, u->dir_count, sizeof(*u->dirs), compare_dir_path);
        size_t kept = 0;
        for (size_t i = 0; i < u->dir_count; i++) {
                if (kept > 0 && strcmp(u->dirs[kept - 1].path, u->dirs[i].path) == 0) {
                        free(u->dirs[i].path);
                        continue;
                }
                u->dirs[kept++] = u->dirs[i];
        }
        u->dir_count = kept;
        qsort(u->dirs, u->dir_count, sizeof(*u->dirs), compare_dir_order_descending);
        for (size_t i = 0; i < u->dir_count; i++) {
                const struct unpack_dir_record *rec = &u->dirs[i];
                _cleanup_close_ int fd =
                    openat2_in_root(u->root, rec->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
                /* Replaced later in the layer by a file, a symlink or a whiteout. */
                if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
                        continue;
                if (fd < 0)
                        return error_set(err, errno, "layer directory \"%s\": open", rec->path);
                if (fchmod(fd, rec->mode) < 0)
                        return error_set(err, errno, "layer directory \"%s\": chmod to %04o",
                                         rec->path, (unsigned)rec->mode);
                if (futimens(fd, rec->times) < 0)
                        return error_set(err, errno, "layer directory \"%s\": set times",
                                         rec->path);
        }
        return 0;
}
