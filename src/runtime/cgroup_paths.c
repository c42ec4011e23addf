#include <stdbool.h>

#include "cgroup_paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"

/* Does the comma-separated list contain item? */
static bool list_has(const char *list, const char *item)
{
        size_t len = strlen(item);
        for (const char *p = list; p && *p;) {
                const char *end = strchrnul(p, ',');
                if ((size_t)(end - p) == len && strncmp(p, item, len) == 0)
                        return true;
                p = *end ? end + 1 : end;
        }
        return false;
}

/* The own cgroup path for a v1 hierarchy with these super options ("rw,cpu,cpuacct"), or for
 * v2 (opts NULL), from the text of /proc/self/cgroup. */
static char *own_path_for(const char *self_cgroup, const char *super_opts)
{
        _cleanup_free_ char *copy = xstrdup(self_cgroup);
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 == NULL)
                        continue;
                *c2 = '\0';
                const char *controllers = c1 + 1;
                if (super_opts == NULL) {
                        if (*controllers == '\0')
                                return xstrdup(c2 + 1);
                        continue;
                }
                if (*controllers == '\0')
                        continue;
                /* Every controller of the line must be an option of the mount. */
                bool all = true;
                _cleanup_free_ char *ctl = xstrdup(controllers);
                char *s2 = NULL;
                for (char *c = strtok_r(ctl, ",", &s2); c; c = strtok_r(NULL, ",", &s2))
                        if (!list_has(super_opts, c))
                                all = false;
                if (all)
                        return xstrdup(c2 + 1);
        }
        return NULL;
}

void cgroup_hierarchies_free(struct cgroup_hierarchy *list, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(list[i].mountpoint);
                free(list[i].root);
                free(list[i].own_path);
                free(list[i].options);
        }
        free(list);
}

size_t cgroup_hierarchies_parse(const char *mountinfo_text, const char *self,
                                struct cgroup_hierarchy **out)
{
        _cleanup_free_ char *mountinfo = xstrdup(mountinfo_text);
        struct cgroup_hierarchy *list = NULL;
        size_t n = 0;
        char **seen_dev = NULL;
        char *save = NULL;
        for (char *line = strtok_r(mountinfo, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                char *sep = strstr(line, " - ");
                if (sep == NULL)
                        continue;
                char fstype[32], source[256], super_opts[512];
                if (sscanf(sep + 3, "%31s %255s %511s", fstype, source, super_opts) != 3)
                        continue;
                bool v2 = strcmp(fstype, "cgroup2") == 0;
                if (!v2 && strcmp(fstype, "cgroup") != 0)
                        continue;
                char dev[32], root[4096], mountpoint[4096];
                if (sscanf(line, "%*s %*s %31s %4095s %4095s", dev, root, mountpoint) != 3)
                        continue;
                bool dup = false;
                for (size_t i = 0; i < n; i++)
                        if (strcmp(seen_dev[i], dev) == 0)
                                dup = true;
                if (dup)
                        continue;
                char *own = own_path_for(self, v2 ? NULL : super_opts);
                if (own == NULL)
                        continue;
                list = xrealloc(list, (n + 1) * sizeof(*list));
                seen_dev = xrealloc(seen_dev, (n + 1) * sizeof(char *));
                seen_dev[n] = xstrdup(dev);
                list[n] = (struct cgroup_hierarchy){
                    .mountpoint = xstrdup(mountpoint),
                    .root = xstrdup(root),
                    .own_path = own,
                    .is_cpuset = !v2 && list_has(super_opts, "cpuset"),
                    .is_v2 = v2,
                    .options =
                        xstrdup(strncmp(super_opts, "rw,", 3) == 0 ? super_opts + 3 : super_opts),
                };
                n++;
        }
        for (size_t i = 0; i < n; i++)
                free(seen_dev[i]);
        free(seen_dev);
        *out = list;
        return n;
}

int cgroup_hierarchies_read(struct cgroup_hierarchy **out, struct error **err)
{
        _cleanup_free_ char *mountinfo = fs_read_file("/proc/self/mountinfo", NULL, err);
        if (mountinfo == NULL)
                return -1;
        _cleanup_free_ char *self = fs_read_file("/proc/self/cgroup", NULL, err);
        if (self == NULL)
                return -1;
        return (int)cgroup_hierarchies_parse(mountinfo, self, out);
}

char *cgroup_hierarchy_dir(const struct cgroup_hierarchy *h, const char *path)
{
        if (path[0] == '/')
                return xasprintf("%s%s", h->mountpoint, path);
        /* own_path is relative to the hierarchy's root; the mount may show a subtree. */
        const char *own = h->own_path;
        size_t root_len = strlen(h->root);
        if (strcmp(h->root, "/") != 0 && strncmp(own, h->root, root_len) == 0)
                own += root_len;
        if (strcmp(own, "/") == 0)
                own = "";
        return xasprintf("%s%s/%s", h->mountpoint, own, path);
}

int cgroup_dir_add_pid(const char *dir, pid_t pid, struct error **err)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
        return fs_write_string(procs, buf, err);
}

int cgroup_dir_add_task(const char *dir, pid_t tid, struct error **err)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)tid);
        _cleanup_free_ char *tasks = xasprintf("%s/tasks", dir);
        struct error *ignored = NULL;
        if (fs_write_string(tasks, buf, &ignored) == 0)
                return 0;
        error_free(&ignored);
        return cgroup_dir_add_pid(dir, tid, err);
}
