#include "store_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"

int store_lock_acquire(int dirfd, const char *name, bool exclusive, bool wait, int *fd_out,
                       struct error **err)
{
        *fd_out = -1;
        int operation = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
        for (;;) {
                _cleanup_close_ int fd =
                    openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return error_set(err, errno, "open lock %s", name);
                int rc;
                do
                        rc = flock(fd, operation);
                while (rc < 0 && errno == EINTR);
                if (rc < 0 && errno == EWOULDBLOCK)
                        return 0;
                if (rc < 0)
                        return error_set(err, errno, "lock %s", name);
                /* The holder before us may have unlinked the file: then another process may
                 * already hold a new file under the same name, so start over. */
                struct stat locked, current;
                if (fstat(fd, &locked) < 0)
                        return error_set(err, errno, "stat lock %s", name);
                if (fstatat(dirfd, name, &current, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                return error_set(err, errno, "stat lock %s", name);
                        continue;
                }
                if (current.st_dev == locked.st_dev && current.st_ino == locked.st_ino) {
                        *fd_out = steal_fd(&fd);
                        return 1;
                }
        }
}

void store_lock_release_unlink(int dirfd, const char *name, int fd)
{
        if (fd < 0)
                return;
        (void)unlinkat(dirfd, name, 0);
        close(fd);
}
