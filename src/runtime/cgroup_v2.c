/* cgroup v2: a single directory in the unified hierarchy. */
#include <string.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_paths.h"
#include "error.h"
#include "fs.h"

static int v2_resolve(struct cgroup *cg, struct error **err)
{
        struct cgroup_hierarchy *list = NULL;
        int n = cgroup_hierarchies_read(&list, err);
        if (n < 0)
                return -1;
        for (int i = 0; i < n && cg->n_dirs == 0; i++) {
                if (!list[i].is_v2 || strcmp(list[i].mountpoint, "/sys/fs/cgroup") != 0)
                        continue;
                cg->dirs = xcalloc(2, sizeof(char *));
                cg->dirs[cg->n_dirs++] = cgroup_hierarchy_dir(&list[i], cg->path);
        }
        cgroup_hierarchies_free(list, (size_t)n);
        if (cg->n_dirs == 0)
                return error_set(err, 0, "no cgroup2 hierarchy at /sys/fs/cgroup");
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
