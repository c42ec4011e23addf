/* cgroup v2: a single directory in the unified hierarchy. */
#include <string.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_paths.h"
#include "error.h"
#include "fs.h"

/* The unified hierarchy is mounted at /sys/fs/cgroup (that is how v2 was detected); the
 * process's own cgroup is the "0::" line of /proc/self/cgroup. */
char *cgroup_v2_dir(const char *self_cgroup, const char *path, struct error **err)
{
        const char *line = strstr(self_cgroup, "0::");
        if (line == NULL || (line != self_cgroup && line[-1] != '\n')) {
                error_set(err, 0, "/proc/self/cgroup has no cgroup2 entry");
                return NULL;
        }
        line += 3;
        int len = (int)strcspn(line, "\n");
        if (len == 1 && line[0] == '/')
                len = 0;
        return path[0] == '/' ? xasprintf("/sys/fs/cgroup%s", path)
                              : xasprintf("/sys/fs/cgroup%.*s/%s", len, line, path);
}

static int v2_resolve(struct cgroup *cg, struct error **err)
{
        _cleanup_free_ char *self = fs_read_file("/proc/self/cgroup", NULL, err);
        if (self == NULL)
                return -1;
        char *dir = cgroup_v2_dir(self, cg->path, err);
        if (dir == NULL)
                return -1;
        cg->dirs = xcalloc(2, sizeof(char *));
        cg->dirs[0] = dir;
        cg->n_dirs = 1;
        return 0;
}

static int v2_create(struct cgroup *cg, struct error **err)
{
        return fs_mkdir_p(cg->dirs[0], 0755, err);
}

static int v2_enter(const struct cgroup *cg, pid_t pid, bool born_in_clone_dir, struct error **err)
{
        if (born_in_clone_dir)
                return 0;
        return cgroup_dir_add_pid(cg->dirs[0], pid, err);
}

const struct cgroup_ops cgroup_v2_ops = {
    .resolve = v2_resolve,
    .create = v2_create,
    .enter = v2_enter,
    .apply = cgroup_v2_apply,
};
