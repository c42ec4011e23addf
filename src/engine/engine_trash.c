/* A removed container's directory in ROOT, deleted after the command (engine_trash.h). */
#include "engine_trash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"

static char *trash_dir(const struct engine *e)
{
        return xasprintf("%s/trash", e->root);
}

int engine_trash_put(struct engine *e, const char *dir, const char *id, struct error **err)
{
        _cleanup_free_ char *trash = trash_dir(e);
        _cleanup_free_ char *target = xasprintf("%s/%s", trash, id);
        if ((mkdir(trash, 0700) == 0 || errno == EEXIST) && rename(dir, target) == 0) {
                e->trash_pending = true;
                return 0;
        }
        /* A target left by an earlier removal of the same ID, or another filesystem: delete
         * here and now. */
        return fs_remove_tree(dir, err);
}

/* Deletes everything in TRASH; one deleter at a time (the lock), each taking whatever is
 * there, so an entry renamed in while another one runs is deleted by the next. */
static void empty_trash(const char *trash)
{
        _cleanup_free_ char *lock_path = xasprintf("%s.lock", trash);
        int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock < 0 || flock(lock, LOCK_EX) < 0)
                return;
        DIR *d = opendir(trash);
        if (d == NULL)
                return;
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL) {
                if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s", trash, entry->d_name);
                struct error *ignored = NULL;
                (void)fs_remove_tree(path, &ignored);
                error_free(&ignored);
        }
        closedir(d);
}

void engine_trash_empty_detached(struct engine *e)
{
        if (!e->trash_pending)
                return;
        e->trash_pending = false;
        _cleanup_free_ char *trash = trash_dir(e);
        pid_t pid = fork();
        if (pid != 0)
                return; /* not waited for: reparented when berth exits */
        setsid();
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        close_range(3, ~0U, 0);
        empty_trash(trash);
        _exit(0);
}
