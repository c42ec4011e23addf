/* cgroup v1: one directory per mounted hierarchy (plus the hybrid layout's cgroup2). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_paths.h"
#include "error.h"
#include "fs.h"

static int v1_resolve(struct cgroup *cg, struct error **err)
{
        struct cgroup_hierarchy *list = NULL;
        int n = cgroup_hierarchies_read(&list, err);
        if (n < 0)
                return -1;
        cg->dirs = xcalloc((size_t)n + 1, sizeof(char *));
        for (int i = 0; i < n; i++) {
                if (list[i].is_v2)
                        cg->unified = (int)cg->n_dirs;
                cg->dirs[cg->n_dirs++] = cgroup_hierarchy_dir(&list[i], cg->path);
        }
        /* Kept, one per directory, for the later steps of create. */
        cg->hierarchies = list;
        if (cg->n_dirs == 0)
                return error_set(err, 0, "no cgroup hierarchy is mounted");
        return 0;
}

static bool is_cpuset_dir(const char *dir)
{
        _cleanup_free_ char *probe = xasprintf("%s/cpuset.cpus", dir);
        return fs_exists(probe);
}

/* A new v1 cpuset starts with no cpus and mems, and then refuses tasks: inherit them. A
 * directory we just made has nothing of its own to keep (or its parent's values already,
 * where the parent has cgroup.clone_children set: writing them again changes nothing), so
 * its files are read first only when made by someone else (made_by_us false). */
static int cpuset_inherit(const char *dir, bool made_by_us, struct error **err)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, files[i]);
                if (!made_by_us) {
                        _cleanup_free_ char *mine = fs_read_file(path, NULL, NULL);
                        if (mine && mine[0] != '\n' && mine[0] != '\0')
                                continue;
                }
                _cleanup_free_ char *parent = xstrdup(dir);
                *strrchr(parent, '/') = '\0';
                _cleanup_free_ char *parent_path = xasprintf("%s/%s", parent, files[i]);
                _cleanup_free_ char *value = fs_read_file(parent_path, NULL, err);
                if (value == NULL)
                        return -1;
                if (fs_write_string(path, value, err) < 0)
                        return -1;
        }
        return 0;
}

/* mkdir -p, where each new cpuset directory inherits its parent's cpus and mems. cpuset is
 * 1 or 0 when the hierarchy is known to be or not to be the cpuset one, -1 to look. */
static int mkdir_levels(const char *dir, int cpuset, struct error **err)
{
        bool made_by_us = true;
        if (mkdir(dir, 0755) < 0) {
                if (errno == EEXIST)
                        return 0;
                if (errno != ENOENT)
                        return error_set(err, errno, "mkdir %s", dir);
                _cleanup_free_ char *parent = xstrdup(dir);
                char *slash = strrchr(parent, '/');
                if (slash == NULL || slash == parent)
                        return error_set(err, ENOENT, "mkdir %s", dir);
                *slash = '\0';
                if (mkdir_levels(parent, cpuset, err) < 0)
                        return -1;
                if (mkdir(dir, 0755) < 0) {
                        if (errno != EEXIST)
                                return error_set(err, errno, "mkdir %s", dir);
                        made_by_us = false;
                }
        }
        if (cpuset < 0)
                cpuset = is_cpuset_dir(dir);
        return cpuset ? cpuset_inherit(dir, made_by_us, err) : 0;
}

static int v1_create(struct cgroup *cg, struct error **err)
{
        for (size_t i = 0; i < cg->n_dirs; i++) {
                int cpuset = cg->hierarchies ? cg->hierarchies[i].is_cpuset : -1;
                if (mkdir_levels(cg->dirs[i], cpuset, err) < 0)
                        return -1;
        }
        return 0;
}

static int v1_enter(const struct cgroup *cg, pid_t pid, bool born_in_clone_dir, struct error **err)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (!(born_in_clone_dir && (int)i == cg->unified) &&
                    cgroup_dir_add_task(cg->dirs[i], pid, err) < 0)
                        return -1;
        return 0;
}

const struct cgroup_ops cgroup_v1_ops = {
    .resolve = v1_resolve,
    .create = v1_create,
    .enter = v1_enter,
    .apply = cgroup_v1_apply,
};
