/* Per-container locks (container_lock.h). */
#include "container_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"

/* The locks this process holds: a process works on a few containers at a time. */
static struct {
        char id[65];
        int fd;
        int depth;
} held[8];

static char *lock_path(struct engine *e, const char *id)
{
        return xasprintf("%s/locks/%s", e->runroot, id);
}

int container_lock_take(struct engine *e, const char *id, struct container_lock *lock,
                        struct error **err)
{
        lock->slot = -1;
        int free_slot = -1;
        for (int i = 0; i < (int)(sizeof(held) / sizeof(held[0])); i++) {
                if (held[i].depth > 0 && strcmp(held[i].id, id) == 0) {
                        held[i].depth++;
                        lock->slot = i;
                        return 0;
                }
                if (held[i].depth == 0 && free_slot < 0)
                        free_slot = i;
        }
        if (free_slot < 0)
                return error_set(err, 0, "lock container %s: too many locks held", id);
        _cleanup_free_ char *dir = xasprintf("%s/locks", e->runroot);
        _cleanup_free_ char *path = lock_path(e, id);
        if (fs_mkdir_p(dir, 0700, err) < 0)
                return error_wrap(err, "lock container %s", id);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set(err, errno, "lock container %s: open %s", id, path);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int saved = errno;
                        close(fd);
                        return error_set(err, saved, "lock container %s", id);
                }
        }
        snprintf(held[free_slot].id, sizeof(held[free_slot].id), "%s", id);
        held[free_slot].fd = fd;
        held[free_slot].depth = 1;
        lock->slot = free_slot;
        return 0;
}

void container_lock_release(struct container_lock *lock)
{
        if (lock->slot < 0)
                return;
        int i = lock->slot;
        lock->slot = -1;
        if (--held[i].depth > 0)
                return;
        close(held[i].fd); /* the last fd of the open file: the flock goes with it */
        held[i].fd = -1;
        held[i].id[0] = '\0';
}

void container_lock_release_removed(struct engine *e, struct container_lock *lock)
{
        if (lock->slot < 0)
                return;
        if (held[lock->slot].depth == 1) {
                _cleanup_free_ char *path = lock_path(e, held[lock->slot].id);
                unlink(path);
        }
        container_lock_release(lock);
}
