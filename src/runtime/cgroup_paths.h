/* Where cgroup hierarchies are mounted and where this process sits in them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cgroup_hierarchy {
        char *mountpoint; /* e.g. /sys/fs/cgroup/memory */
        char *root;       /* the mount's root inside the hierarchy, usually "/" */
        char *own_path;   /* this process's cgroup in it, from /proc/self/cgroup */
        bool is_cpuset;
        bool is_v2;
        char *options; /* super options without "rw": "cpu,cpuacct", "name=systemd" */
};

/* Reads /proc/self/mountinfo and /proc/self/cgroup. Returns the count, fills *out (free with
 * cgroup_hierarchies_free), or -1 with *err. */
struct error;
int cgroup_hierarchies_read(struct cgroup_hierarchy **out, struct error **err);
/* The same from the texts of those two files (left unchanged): the cgroup and cgroup2
 * mounts in which this process has a cgroup, the first mount of each hierarchy only.
 * Never fails. Returns the count and fills *out (free with cgroup_hierarchies_free). */
size_t cgroup_hierarchies_parse(const char *mountinfo, const char *self_cgroup,
                                struct cgroup_hierarchy **out);
void cgroup_hierarchies_free(struct cgroup_hierarchy *list, size_t n);
/* The directory of path in hierarchy h: absolute paths from the hierarchy's root, relative
 * ones from the process's own cgroup. Returns a new string. */
char *cgroup_hierarchy_dir(const struct cgroup_hierarchy *h, const char *path);
/* Moves the one thread tid through dir/tasks (v1), falling back to cgroup.procs: for a
 * single-threaded process it is the same move. (Either takes the kernel's global
 * threadgroup lock, an RCU grace period when idle, unless a thread moves itself: see
 * cgroup_join_self in cgroup.h.) */
int cgroup_dir_add_task(const char *dir, pid_t tid, struct error **err);
/* Writes pid into dir/cgroup.procs. */
int cgroup_dir_add_pid(const char *dir, pid_t pid, struct error **err);
