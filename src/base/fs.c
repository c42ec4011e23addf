#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"

char *fs_read_file_at(int dirfd, const char *path, size_t *len, struct error **err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                error_set(err, errno, "open %s", path);
                return NULL;
        }
        size_t cap = 4096, used = 0;
        _cleanup_free_ char *buf = xmalloc(cap);
        for (;;) {
                if (used + 1 >= cap) {
                        cap *= 2;
                        buf = xrealloc(buf, cap);
                }
                ssize_t n = read(fd, buf + used, cap - used - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        error_set(err, errno, "read %s", path);
                        return NULL;
                }
                if (n == 0)
                        break;
                used += (size_t)n;
        }
        buf[used] = '\0';
        if (len)
                *len = used;
        return steal_pointer(&buf);
}

char *fs_read_file(const char *path, size_t *len, struct error **err)
{
        return fs_read_file_at(AT_FDCWD, path, len, err);
}

static int write_all(int fd, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

static int write_replace(const char *path, const void *data, size_t len, mode_t mode, bool durable,
                         struct error **err)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return error_set(err, errno, "create %s", tmp);
        if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
                int saved = errno;
                unlink(tmp);
                return error_set(err, saved, "write %s", tmp);
        }
        if (rename(tmp, path) < 0) {
                int saved = errno;
                unlink(tmp);
                return error_set(err, saved, "rename %s", path);
        }
        if (!durable)
                return 0;
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                _cleanup_close_ int dfd =
                    open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0)
                        fsync(dfd);
        }
        return 0;
}

int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         struct error **err)
{
        return write_replace(path, data, len, mode, true, err);
}

int fs_replace_file(const char *path, const void *data, size_t len, mode_t mode, struct error **err)
{
        return write_replace(path, data, len, mode, false, err);
}

int fs_write_string_at(int dirfd, const char *path, const char *value, struct error **err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "open %s", path);
        if (write_all(fd, value, strlen(value)) < 0)
                return error_set(err, errno, "write %s to %s", value, path);
        return 0;
}

int fs_write_string(const char *path, const char *value, struct error **err)
{
        return fs_write_string_at(AT_FDCWD, path, value, err);
}

int fs_mkdir_p(const char *path, mode_t mode, struct error **err)
{
        if (mkdir(path, mode) == 0 || errno == EEXIST)
                return 0;
        if (errno != ENOENT)
                return error_set(err, errno, "mkdir %s", path);
        _cleanup_free_ char *copy = xstrdup(path);
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return error_set(err, errno, "mkdir %s", copy);
                *p = '/';
        }
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                return error_set(err, errno, "mkdir %s", copy);
        return 0;
}

static int remove_tree_at(int parent, const char *name, struct error **err)
{
        if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return error_set(err, errno, "remove %s", name);
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "open %s", name);
        DIR *dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return error_set(err, errno, "opendir %s", name);
        }
        struct dirent *de;
        int ret = 0;
        while ((de = readdir(dir)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (remove_tree_at(dirfd(dir), de->d_name, err) < 0) {
                        ret = -1;
                        break;
                }
        }
        closedir(dir);
        if (ret == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return error_set(err, errno, "rmdir %s", name);
        return ret;
}

int fs_remove_tree(const char *path, struct error **err)
{
        return remove_tree_at(AT_FDCWD, path, err);
}

bool fs_exists(const char *path)
{
        return access(path, F_OK) == 0;
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
            .flags = (unsigned long long)flags,
            .mode = mode,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

int fs_open_in_root(int rootfd, const char *path, bool create_dirs, bool create_file,
                    struct error **err)
{
        int fd = openat2_in_root(rootfd, path, O_PATH | O_CLOEXEC, 0);
        if (fd >= 0 || errno != ENOENT || !(create_dirs || create_file)) {
                if (fd < 0)
                        error_set(err, errno, "open %s in container root", path);
                return fd;
        }
        /* Walk the path, creating what is missing, each step resolved inside the root. */
        _cleanup_free_ char *copy = xstrdup(path);
        _cleanup_close_ int dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
        char *save = NULL;
        char *next = NULL;
        for (char *part = strtok_r(copy, "/", &save); part; part = next) {
                next = strtok_r(NULL, "/", &save);
                bool last = next == NULL;
                /* Resolve from the root again so a symlink component stays inside it. */
                size_t prefix_len = (size_t)(part - copy) + strlen(part);
                _cleanup_free_ char *prefix = xstrndup(path, prefix_len);
                int child = openat2_in_root(rootfd, prefix, O_PATH | O_CLOEXEC, 0);
                if (child < 0 && errno == ENOENT) {
                        if (last && create_file) {
                                int f = openat2_in_root(rootfd, prefix,
                                                        O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
                                if (f < 0)
                                        return error_set(err, errno, "create %s in container root",
                                                         prefix);
                                close(f);
                        } else if (mkdirat(dirfd, part, 0755) < 0 && errno != EEXIST) {
                                return error_set(err, errno, "mkdir %s in container root", prefix);
                        }
                        child = openat2_in_root(rootfd, prefix, O_PATH | O_CLOEXEC, 0);
                }
                if (child < 0)
                        return error_set(err, errno, "open %s in container root", prefix);
                if (last)
                        return child;
                close(dirfd);
                dirfd = child;
        }
        return error_set(err, EINVAL, "empty path %s", path);
}
