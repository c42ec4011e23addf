/* Copies between the host and containers (see container_copy.h for the rules and the safety). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/alloc.h"
#include "container_copy.h"

#define WALK_DEPTH_MAX 512

/* One file, directory or link on its way from a source to a sink. */
struct copy_entry {
        const char *name; /* relative to the sink's base: "a", "a/b" */
        mode_t mode;      /* type and permission bits */
        uid_t uid;
        gid_t gid;
        dev_t rdev;
        off_t size;
        struct timespec mtime;
        const char *link_target; /* symlinks */
        const char *hardlink;    /* tar hard links: the name of an earlier entry */
        /* Regular files' data: reads up to N bytes, 0 at the end, -1 on error (errno). */
        ssize_t (*read)(void *ctx, void *buf, size_t n);
        void *ctx;
};

struct copy_sink {
        int (*put)(struct copy_sink *sink, const struct copy_entry *e, struct error **err);
};

void copy_target_release(struct copy_target *t)
{
        free(t->parent);
        free(t->name);
        t->parent = t->name = NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* PATH without trailing "/" and "/." (but "/" stays "/"), newly allocated. */
static char *trim_path(const char *path)
{
        char *p = xstrdup(path);
        for (;;) {
                size_t n = strlen(p);
                if (n > 1 && p[n - 1] == '/')
                        p[n - 1] = '\0';
                else if (n > 2 && ends_with(p, "/."))
                        p[n - 2] = '\0';
                else if (n == 2 && strcmp(p, "/.") == 0)
                        p[1] = '\0';
                else
                        return p;
        }
}

/* The last component of a trimmed path ("/" for "/"). */
static const char *last_component(const char *trimmed)
{
        const char *slash = strrchr(trimmed, '/');
        return slash && slash[1] ? slash + 1 : slash ? "/" : trimmed;
}

/* The directory of a trimmed path: "a/b" → "a", "b" → ".", "/b" → "/". */
static char *parent_of(const char *trimmed)
{
        const char *slash = strrchr(trimmed, '/');
        if (!slash)
                return xstrdup(".");
        if (slash == trimmed)
                return xstrdup("/");
        return xstrndup(trimmed, (size_t)(slash - trimmed));
}

static bool wants_contents(const char *src)
{
        return strcmp(src, ".") == 0 || ends_with(src, "/.");
}

int copy_plan(const char *src, bool src_is_dir, const char *dest, enum copy_dest_kind dest_kind,
              struct copy_target *out, struct error **err)
{
        *out = (struct copy_target){0};
        _cleanup_free_ char *src_trimmed = trim_path(src);
        _cleanup_free_ char *dest_trimmed = trim_path(dest);
        const char *src_name = last_component(src_trimmed);
        bool contents = src_is_dir && (wants_contents(src) || strcmp(src_name, "/") == 0 ||
                                       strcmp(src_name, "..") == 0);
        switch (dest_kind) {
        case COPY_DEST_DIR:
                out->parent = xstrdup(dest);
                out->name = contents ? NULL : xstrdup(src_name);
                return 0;
        case COPY_DEST_OTHER:
                if (src_is_dir)
                        return error_set(err, 0,
                                         "cannot copy directory %s to %s: it is not a "
                                         "directory",
                                         src, dest);
                if (ends_with(dest, "/"))
                        return error_set(err, ENOTDIR, "%s", dest);
                break;
        case COPY_DEST_MISSING:
                if (!src_is_dir && (ends_with(dest, "/") || wants_contents(dest)))
                        return error_set(err, 0, "%s: no such directory", dest);
                break;
        }
        const char *dest_name = last_component(dest_trimmed);
        if (strcmp(dest_name, "/") == 0 || strcmp(dest_name, ".") == 0 ||
            strcmp(dest_name, "..") == 0)
                return error_set(err, 0, "invalid destination %s", dest);
        out->parent = parent_of(dest_trimmed);
        out->name = xstrdup(dest_name);
        return 0;
}

/* Opens PATH on side R: in a container with RESOLVE_IN_ROOT (its symlinks stay inside it). */
static int root_open(const struct copy_root *r, const char *path, int flags)
{
        struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC)};
        if (r->in_root)
                how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        if (*path == '\0')
                path = ".";
        return (int)syscall(SYS_openat2, r->fd, path, &how, sizeof(how));
}

/* Opens NAME below BASE without following any symlink or leaving BASE. */
static int beneath_open(int base, const char *name, int flags)
{
        struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                               .resolve =
                                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        return (int)syscall(SYS_openat2, base, name, &how, sizeof(how));
}

/* "PATH is not there" in docker's words for side R. */
static int not_found(const struct copy_root *r, const char *path, int errnum, struct error **err)
{
        if (r->container_name && (errnum == ENOENT || errnum == ENOTDIR))
                return error_set(err, 0, "Could not find the file %s in container %s", path,
                                 r->container_name);
        return error_set(err, errnum, "lstat %s", path);
}

/* ---- the extractor: entries created below a base directory ---- */

struct extractor {
        struct copy_sink sink;
        int base;
        const struct copy_options *o;
};

static char *proc_fd_path(int fd)
{
        return xasprintf("/proc/self/fd/%d", fd);
}

/* Owner, mode and time of what FD (any kind of fd, O_PATH too) is, as entry E says. */
static int finish(struct extractor *x, int fd, const struct copy_entry *e, struct error **err)
{
        uid_t uid = x->o->keep_owner ? e->uid : x->o->uid;
        gid_t gid = x->o->keep_owner ? e->gid : x->o->gid;
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return error_set(err, errno, "chown %s", e->name);
        _cleanup_free_ char *path = proc_fd_path(fd);
        /* After the chown, which clears set-user-ID bits. */
        if (chmod(path, e->mode & 07777) < 0)
                return error_set(err, errno, "chmod %s", e->name);
        struct timespec times[2] = {e->mtime, e->mtime};
        if (utimensat(AT_FDCWD, path, times, 0) < 0)
                return error_set(err, errno, "set times of %s", e->name);
        return 0;
}

static int write_data(int fd, const struct copy_entry *e, struct error **err)
{
        _cleanup_free_ char *buf = xmalloc(1 << 16);
        for (;;) {
                ssize_t n = e->read(e->ctx, buf, 1 << 16);
                if (n < 0)
                        return error_set(err, errno, "read %s", e->name);
                if (n == 0)
                        return 0;
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(fd, buf + done, (size_t)(n - done));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return error_set(err, errno, "write %s", e->name);
                        done += w;
                }
        }
}

static int extract(struct copy_sink *sink, const struct copy_entry *e, struct error **err)
{
        struct extractor *x = (struct extractor *)sink;
        const char *slash = strrchr(e->name, '/');
        const char *base_name = slash ? slash + 1 : e->name;
        _cleanup_close_ int parent = -1;
        _cleanup_close_ int fd = -1;
        if (slash) {
                _cleanup_free_ char *dir = xstrndup(e->name, (size_t)(slash - e->name));
                parent = beneath_open(x->base, dir, O_PATH | O_DIRECTORY);
                if (parent < 0)
                        return error_set(err, errno, "open directory %s", dir);
        }
        int at = slash ? parent : x->base;
        struct stat existing;
        bool exists = fstatat(at, base_name, &existing, AT_SYMLINK_NOFOLLOW) == 0;
        bool is_dir = S_ISDIR(e->mode) && !e->hardlink;
        if (exists && S_ISDIR(existing.st_mode) != is_dir)
                return error_set(err, 0, "cannot overwrite %sdirectory %s with %sdirectory",
                                 is_dir ? "non-" : "", e->name, is_dir ? "" : "non-");
        if (exists && !is_dir && unlinkat(at, base_name, 0) < 0)
                return error_set(err, errno, "remove %s", e->name);

        if (e->hardlink) {
                _cleanup_close_ int target =
                    beneath_open(x->base, e->hardlink, O_PATH | O_NOFOLLOW);
                if (target < 0 || linkat(target, "", at, base_name, AT_EMPTY_PATH) < 0)
                        return error_set(err, errno, "link %s to %s", e->name, e->hardlink);
                return 0;
        }
        switch (e->mode & S_IFMT) {
        case S_IFDIR:
                if (!exists && mkdirat(at, base_name, 0700) < 0)
                        return error_set(err, errno, "create directory %s", e->name);
                fd = openat(at, base_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                break;
        case S_IFREG:
                fd = openat(at, base_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0600);
                if (fd < 0)
                        return error_set(err, errno, "create %s", e->name);
                if (e->read && write_data(fd, e, err) < 0)
                        return -1;
                break;
        case S_IFLNK: {
                if (symlinkat(e->link_target ? e->link_target : "", at, base_name) < 0)
                        return error_set(err, errno, "create symlink %s", e->name);
                uid_t uid = x->o->keep_owner ? e->uid : x->o->uid;
                gid_t gid = x->o->keep_owner ? e->gid : x->o->gid;
                struct timespec times[2] = {e->mtime, e->mtime};
                if (fchownat(at, base_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                    utimensat(at, base_name, times, AT_SYMLINK_NOFOLLOW) < 0)
                        return error_set(err, errno, "set owner of symlink %s", e->name);
                return 0;
        }
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
                if (mknodat(at, base_name, (e->mode & S_IFMT) | 0600, e->rdev) < 0)
                        return error_set(err, errno, "create %s", e->name);
                fd = openat(at, base_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                break;
        default:
                return 0; /* sockets are not copied (docker neither) */
        }
        if (fd < 0)
                return error_set(err, errno, "open %s", e->name);
        return finish(x, fd, e, err);
}

/* ---- the tar writer ---- */

struct tar_writer {
        struct copy_sink sink;
        struct archive *archive;
};

static int tar_put(struct copy_sink *sink, const struct copy_entry *e, struct error **err)
{
        struct tar_writer *w = (struct tar_writer *)sink;
        struct archive_entry *entry = archive_entry_new();
        _cleanup_free_ char *name = S_ISDIR(e->mode) ? xasprintf("%s/", e->name) : xstrdup(e->name);
        archive_entry_set_pathname(entry, name);
        archive_entry_set_filetype(entry, e->mode & S_IFMT);
        archive_entry_set_perm(entry, e->mode & 07777);
        archive_entry_set_uid(entry, e->uid);
        archive_entry_set_gid(entry, e->gid);
        archive_entry_set_mtime(entry, e->mtime.tv_sec, e->mtime.tv_nsec);
        if (S_ISREG(e->mode))
                archive_entry_set_size(entry, e->size);
        if (S_ISLNK(e->mode))
                archive_entry_set_symlink(entry, e->link_target);
        if (S_ISCHR(e->mode) || S_ISBLK(e->mode))
                archive_entry_set_rdev(entry, e->rdev);
        int ret = 0;
        if (archive_write_header(w->archive, entry) != ARCHIVE_OK) {
                ret = error_set(err, 0, "write %s: %s", e->name, archive_error_string(w->archive));
                goto out;
        }
        if (S_ISREG(e->mode) && e->read) {
                _cleanup_free_ char *buf = xmalloc(1 << 16);
                off_t left = e->size;
                while (left > 0) {
                        ssize_t n = e->read(e->ctx, buf, left < (1 << 16) ? (size_t)left : 1 << 16);
                        if (n < 0) {
                                ret = error_set(err, errno, "read %s", e->name);
                                goto out;
                        }
                        if (n == 0)
                                break; /* it shrank: the writer pads the entry */
                        if (archive_write_data(w->archive, buf, (size_t)n) < 0) {
                                ret = error_set(err, 0, "write %s: %s", e->name,
                                                archive_error_string(w->archive));
                                goto out;
                        }
                        left -= n;
                }
        }
out:
        archive_entry_free(entry);
        return ret;
}

/* ---- the walker: a tree read through O_PATH fds, never following a link below the top ---- */

static ssize_t read_fd(void *ctx, void *buf, size_t n)
{
        for (;;) {
                ssize_t r = read(*(int *)ctx, buf, n);
                if (r < 0 && errno == EINTR)
                        continue;
                return r;
        }
}

static int walk_children(struct copy_sink *sink, int fd, const char *prefix, int depth,
                         struct error **err);

/* Emits what FD (O_PATH) is, as NAME, then its children. */
static int walk(struct copy_sink *sink, int fd, const char *name, int depth, struct error **err)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set(err, errno, "stat %s", name);
        struct copy_entry e = {.name = name,
                               .mode = st.st_mode,
                               .uid = st.st_uid,
                               .gid = st.st_gid,
                               .rdev = st.st_rdev,
                               .mtime = st.st_mtim};
        char target[PATH_MAX];
        _cleanup_close_ int data = -1;
        if (S_ISSOCK(st.st_mode))
                return 0;
        if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
                if (n < 0)
                        return error_set(err, errno, "read link %s", name);
                target[n] = '\0';
                e.link_target = target;
        }
        if (S_ISREG(st.st_mode)) {
                _cleanup_free_ char *path = proc_fd_path(fd);
                /* Non-blocking: should it have become a FIFO meanwhile, nothing waits. */
                data = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                struct stat now;
                if (data < 0 || fstat(data, &now) < 0)
                        return error_set(err, errno, "open %s", name);
                if (!S_ISREG(now.st_mode) || now.st_ino != st.st_ino)
                        return error_set(err, 0, "%s changed while it was copied", name);
                e.size = st.st_size;
                e.read = read_fd;
                e.ctx = &data;
        }
        if (sink->put(sink, &e, err) < 0)
                return -1;
        if (S_ISDIR(st.st_mode))
                return walk_children(sink, fd, name, depth + 1, err);
        return 0;
}

static int walk_children(struct copy_sink *sink, int fd, const char *prefix, int depth,
                         struct error **err)
{
        if (depth > WALK_DEPTH_MAX)
                return error_set(err, ELOOP, "%s: directories nested too deep", prefix);
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set(err, errno, "open directory %s", *prefix ? prefix : ".");
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return error_set(err, errno, "open directory %s", prefix);
        }
        int ret = 0;
        struct dirent *de;
        while (ret == 0 && (errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *name =
                    *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
                _cleanup_close_ int child =
                    openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0) {
                        if (errno == ENOENT)
                                continue; /* removed meanwhile */
                        ret = error_set(err, errno, "open %s", name);
                        break;
                }
                ret = walk(sink, child, name, depth, err);
        }
        if (ret == 0 && errno != 0)
                ret = error_set(err, errno, "read directory %s", prefix);
        closedir(d);
        return ret;
}

/* ---- putting it together ---- */

/* The source SRC on side R, as an O_PATH fd: a symlink itself unless following it was asked
 * for (-L, or a trailing "/"). */
static int open_source(const struct copy_root *r, const char *src, bool follow, struct error **err)
{
        _cleanup_free_ char *trimmed = trim_path(src);
        const char *name = last_component(trimmed);
        bool last_is_dots =
            strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "/") == 0;
        int fd;
        if (follow || ends_with(src, "/") || wants_contents(src) || last_is_dots) {
                fd = root_open(r, trimmed, O_PATH);
        } else {
                _cleanup_free_ char *parent = parent_of(trimmed);
                _cleanup_close_ int pfd = root_open(r, parent, O_PATH | O_DIRECTORY);
                fd = pfd < 0 ? -1 : openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return not_found(r, src, errno, err);
        return fd;
}

static int dest_kind(const struct copy_root *r, const char *dest, enum copy_dest_kind *kind,
                     struct error **err)
{
        _cleanup_close_ int fd = root_open(r, dest, O_PATH);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0) {
                *kind = S_ISDIR(st.st_mode) ? COPY_DEST_DIR : COPY_DEST_OTHER;
                return 0;
        }
        if (errno == ENOENT) {
                *kind = COPY_DEST_MISSING;
                return 0;
        }
        return error_set(err, errno, "%s", dest);
}

int copy_path(const struct copy_root *from, const char *src, const struct copy_root *to,
              const char *dest, const struct copy_options *o, struct error **err)
{
        _cleanup_close_ int src_fd = open_source(from, src, o->follow_link, err);
        if (src_fd < 0)
                return -1;
        struct stat st;
        if (fstat(src_fd, &st) < 0)
                return error_set(err, errno, "stat %s", src);
        enum copy_dest_kind kind;
        if (dest_kind(to, dest, &kind, err) < 0)
                return -1;
        struct copy_target target;
        if (copy_plan(src, S_ISDIR(st.st_mode), dest, kind, &target, err) < 0)
                return -1;
        int ret = -1;
        _cleanup_close_ int base = root_open(to, target.parent, O_PATH | O_DIRECTORY);
        if (base < 0) {
                not_found(to, target.parent, errno, err);
                goto out;
        }
        struct extractor x = {.sink = {extract}, .base = base, .o = o};
        ret = target.name ? walk(&x.sink, src_fd, target.name, 0, err)
                          : walk_children(&x.sink, src_fd, "", 0, err);
out:
        copy_target_release(&target);
        return ret;
}

int copy_to_tar(const struct copy_root *from, const char *src, const struct copy_options *o,
                int out_fd, struct error **err)
{
        _cleanup_close_ int src_fd = open_source(from, src, o->follow_link, err);
        if (src_fd < 0)
                return -1;
        struct stat st;
        if (fstat(src_fd, &st) < 0)
                return error_set(err, errno, "stat %s", src);
        _cleanup_free_ char *trimmed = trim_path(src);
        const char *name = last_component(trimmed);
        bool contents = S_ISDIR(st.st_mode) &&
                        (wants_contents(src) || strcmp(name, "/") == 0 || strcmp(name, "..") == 0);
        struct tar_writer w = {.sink = {tar_put}, .archive = archive_write_new()};
        archive_write_set_format_pax_restricted(w.archive);
        archive_write_set_bytes_in_last_block(w.archive, 1);
        int ret = -1;
        if (archive_write_open_fd(w.archive, out_fd) != ARCHIVE_OK) {
                error_set(err, 0, "write tar: %s", archive_error_string(w.archive));
                goto out;
        }
        ret = contents ? walk_children(&w.sink, src_fd, "", 0, err)
                       : walk(&w.sink, src_fd, name, 0, err);
        if (archive_write_close(w.archive) != ARCHIVE_OK && ret == 0)
                ret = error_set(err, 0, "write tar: %s", archive_error_string(w.archive));
out:
        archive_write_free(w.archive);
        return ret;
}

/* A tar entry's name made relative and checked: NULL for "." itself or a ".." anywhere. */
static char *entry_name(const char *raw, bool *refused)
{
        *refused = false;
        size_t len = strlen(raw);
        char *out = xmalloc(len + 1);
        size_t n = 0;
        for (const char *p = raw; *p;) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t part = (size_t)(end - p);
                if (part == 2 && p[0] == '.' && p[1] == '.') {
                        *refused = true;
                        free(out);
                        return NULL;
                }
                if (part > 0 && !(part == 1 && p[0] == '.')) {
                        if (n)
                                out[n++] = '/';
                        memcpy(out + n, p, part);
                        n += part;
                }
                p = end;
        }
        out[n] = '\0';
        if (n == 0) {
                free(out);
                return NULL;
        }
        return out;
}

static ssize_t read_archive(void *ctx, void *buf, size_t n)
{
        la_ssize_t r = archive_read_data((struct archive *)ctx, buf, n);
        if (r < 0) {
                errno = EIO;
                return -1;
        }
        return r;
}

int copy_from_tar(int in_fd, const struct copy_root *to, const char *dest,
                  const struct copy_options *o, struct error **err)
{
        _cleanup_close_ int base = root_open(to, dest, O_PATH);
        struct stat st;
        if (base < 0)
                return not_found(to, dest, errno, err);
        if (fstat(base, &st) < 0 || !S_ISDIR(st.st_mode))
                return error_set(err, 0, "destination \"%s\" must be a directory", dest);
        struct extractor x = {.sink = {extract}, .base = base, .o = o};
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        archive_read_support_filter_all(a);
        int ret = 0;
        if (archive_read_open_fd(a, in_fd, 1 << 16) != ARCHIVE_OK) {
                ret = error_set(err, 0, "read tar: %s", archive_error_string(a));
                goto out;
        }
        struct archive_entry *entry;
        int r;
        while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
                bool refused;
                const char *raw = archive_entry_pathname(entry);
                _cleanup_free_ char *name = entry_name(raw ? raw : "", &refused);
                _cleanup_free_ char *link = NULL;
                if (refused) {
                        ret = error_set(err, 0, "tar entry %s: a name with \"..\" is refused", raw);
                        break;
                }
                if (!name)
                        continue; /* "." is the destination itself */
                const char *hardlink = archive_entry_hardlink(entry);
                if (hardlink) {
                        link = entry_name(hardlink, &refused);
                        if (!link) {
                                ret = error_set(err, 0, "tar entry %s: bad hard link %s", name,
                                                hardlink);
                                break;
                        }
                }
                struct copy_entry e = {
                    .name = name,
                    .mode = archive_entry_filetype(entry) | (archive_entry_perm(entry) & 07777),
                    .uid = (uid_t)archive_entry_uid(entry),
                    .gid = (gid_t)archive_entry_gid(entry),
                    .rdev = archive_entry_rdev(entry),
                    .size = archive_entry_size(entry),
                    .mtime = {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)},
                    .link_target = archive_entry_symlink(entry),
                    .hardlink = link,
                    .read = read_archive,
                    .ctx = a};
                if ((ret = extract(&x.sink, &e, err)) < 0)
                        break;
        }
        if (ret == 0 && r != ARCHIVE_EOF)
                ret = error_set(err, 0, "read tar: %s", archive_error_string(a));
out:
        archive_read_free(a);
        return ret;
}

int copy_volume_populate(int root_fd, const char *path, const char *volume_dir, struct error **err)
{
        const struct copy_root root = {.fd = root_fd, .in_root = true};
        _cleanup_close_ int src = root_open(&root, path, O_PATH | O_DIRECTORY);
        if (src < 0)
                return 0; /* nothing there (or not a directory): nothing to copy */
        _cleanup_close_ int dest = open(volume_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dest < 0)
                return error_set(err, errno, "open %s", volume_dir);
        DIR *d = fdopendir(dup(dest));
        bool empty = true;
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        empty = false;
        if (d)
                closedir(d);
        if (!empty)
                return 0; /* docker copies into an empty volume only */
        const struct copy_options o = {.keep_owner = true};
        struct extractor x = {.sink = {extract}, .base = dest, .o = &o};
        if (walk_children(&x.sink, src, "", 0, err) < 0)
                return error_wrap(err, "copy %s into the volume", path);
        struct stat st;
        if (fstat(src, &st) < 0 || fchown(dest, st.st_uid, st.st_gid) < 0 ||
            fchmod(dest, st.st_mode & 07777) < 0)
                return error_set(err, errno, "copy the owner and mode of %s to the volume", path);
        return 0;
}
