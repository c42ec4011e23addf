/* cgroup v2: a single directory in the unified hierarchy. */
#include <string.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_paths.h"
#include "error.h"
#include "fs.h"

/* The unified hierarchy is mounted at /sys/fs/cgroup (that is how v2 was detected); the
 * process's own cgroup is the "0::" line of /proc/self/cgroup. */
static int v2_resolve(struct cgroup *cg, struct error **err)
{
        _cleanup_free_ char *self = fs_read_file("/proc/self/cgroup", NULL, err);
        if (self == NULL)
                return -1;
        char *line = strstr(self, "0::");
        if (line == NULL || (line != self && line[-1] != '\n'))
                return error_set(err, 0, "/proc/self/cgroup has no cgroup2 entry");
        line += 3;
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "/") == 0)
                line[0] = '\0';
        cg->dirs = xcalloc(2, sizeof(char *));
        cg->dirs[0] = cg->path[0] == '/' ? xasprintf("/sys/fs/cgroup%s", cg->path)
                                         : xasprintf("/sys/fs/cgroup%s/%s", line, cg->path);
        cg->n_dirs = 1;
        return 0;
}

static int v2_create(struct cgroup *cg, struct error **err)
{
        return fs_mkdir_p(cg->dirs[0], 0755, err);
}

static int v2_enter(const struct cgroup *cg, pid_t pid, struct error **err)
{
        return cgroup_dir_add_pid(cg->dirs[0], pid, err);
}

const struct cgroup_ops cgroup_v2_ops = {
        .resolve = v2_resolve,
        .create = v2_create,
        .enter = v2_enter,
};
