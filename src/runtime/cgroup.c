#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup_freezer.h"
#include "cgroup_paths.h"
#include "error.h"
#include "fs.h"

static const struct cgroup_ops *ops_for(int version)
{
        return version == 2 ? &cgroup_v2_ops : &cgroup_v1_ops;
}

int cgroup_detect_version(void)
{
        struct statfs st;
        if (statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
                return 2;
        return 1;
}

/* Keeps the path clean: no "..", no empty components, a leading "/" when absolute. */
static int check_path(const char *path, struct error **err)
{
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                if (end - p == 2 && p[0] == '.' && p[1] == '.')
                        return error_set(err, 0, "linux.cgroupsPath %s: must not contain \"..\"",
                                         path);
                p = end;
        }
        return 0;
}

struct cgroup *cgroup_new(const char *cgroups_path, const char *id, struct error **err)
{
        const char *path = (cgroups_path && *cgroups_path) ? cgroups_path : id;
        if (check_path(path, err) < 0)
                return NULL;
        struct cgroup *cg = xcalloc(1, sizeof(*cg));
        cg->version = cgroup_detect_version();
        cg->path = xstrdup(path);
        cg->unified = -1;
        if (ops_for(cg->version)->resolve(cg, err) < 0) {
                cgroup_free(cg);
                return NULL;
        }
        return cg;
}

int cgroup_create(struct cgroup *cg, struct error **err)
{
        if (ops_for(cg->version)->create(cg, err) < 0)
                return error_wrap(err, "create cgroup %s", cg->path);
        cg->created = true;
        return 0;
}

int cgroup_enter(const struct cgroup *cg, pid_t pid, bool born_in_clone_dir, struct error **err)
{
        if (ops_for(cg->version)->enter(cg, pid, born_in_clone_dir, err) < 0)
                return error_wrap(err, "join cgroup %s", cg->path);
        return 0;
}

int cgroup_open_join_fds(const struct cgroup *cg, bool born_in_clone_dir, int **fds,
                         struct error **err)
{
        int *out = xcalloc(cg->n_dirs + 1, sizeof(int));
        size_t n = 0;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                bool v2 = cg->version == 2 || (int)i == cg->unified;
                if (v2 && born_in_clone_dir)
                        continue;
                _cleanup_free_ char *path =
                    xasprintf("%s/%s", cg->dirs[i], v2 ? "cgroup.procs" : "tasks");
                int fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && !v2) {
                        /* A cgroup2 directory not known as such: the same move. */
                        free(path);
                        path = xasprintf("%s/cgroup.procs", cg->dirs[i]);
                        fd = open(path, O_WRONLY | O_CLOEXEC);
                }
                if (fd < 0) {
                        error_set(err, errno, "join cgroup %s: open %s", cg->path, path);
                        while (n > 0)
                                close(out[--n]);
                        free(out);
                        return -1;
                }
                out[n++] = fd;
        }
        *fds = out;
        return (int)n;
}

int cgroup_join_self(const struct cgroup *cg, int *fds, size_t n, struct error **err)
{
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                /* "0" is the writer itself; in v1 `tasks` the one thread, which is the
                 * whole of a single-threaded process. */
                if (rc == 0 && write(fds[i], "0", 1) != 1)
                        rc = error_set(err, errno, "join cgroup %s", cg->path);
                close(fds[i]);
        }
        return rc;
}

int cgroup_apply_resources(const struct cgroup *cg, json_t *resources, struct error **err)
{
        if (resources == NULL)
                return 0;
        /* The backends name the field ("linux.resources.memory: ...") themselves. */
        return ops_for(cg->version)->apply(cg, resources, err);
}

int cgroup_open_clone_dir(const struct cgroup *cg)
{
        if (cg->version == 2 && cg->n_dirs == 1)
                return open(cg->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg->version != 1 || cg->unified < 0 || (size_t)cg->unified >= cg->n_dirs)
                return -1;
        const char *dir = cg->dirs[cg->unified];
        if (fs_mkdir_p(dir, 0755, NULL) < 0)
                return -1;
        return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int kill_procs_in(const char *dir, int sig)
{
        _cleanup_free_ char *procs_path = xasprintf("%s/cgroup.procs", dir);
        _cleanup_free_ char *procs = fs_read_file(procs_path, NULL, NULL);
        if (procs == NULL)
                return 0;
        int count = 0;
        for (char *p = procs; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (pid > 0 && kill((pid_t)pid, sig) == 0)
                        count++;
                p = end;
                while (*p == '\n')
                        p++;
        }
        return count;
}

int cgroup_kill_all(const struct cgroup *cg, int sig, struct error **err)
{
        (void)err;
        for (size_t i = 0; i < cg->n_dirs; i++)
                kill_procs_in(cg->dirs[i], sig);
        return 0;
}

/* rmdir of a cgroup tree. A cgroup has no files to delete, only child cgroups (a container
 * may make its own), so try rmdir first and look for children only when it is busy. */
static int remove_cgroup_dir(const char *dir)
{
        if (rmdir(dir) == 0 || errno == ENOENT)
                return 0;
        if (errno != EBUSY && errno != ENOTEMPTY)
                return -1;
        DIR *d = opendir(dir);
        if (d == NULL)
                return errno == ENOENT ? 0 : -1;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *child = xasprintf("%s/%s", dir, de->d_name);
                remove_cgroup_dir(child);
        }
        closedir(d);
        if (rmdir(dir) == 0 || errno == ENOENT)
                return 0;
        return -1;
}

int cgroup_destroy(struct cgroup *cg, struct error **err)
{
        /* A process that was just killed may still be leaving; retry for up to 2 s, and
         * kill stragglers (containers without their own pid namespace leave them). */
        for (int attempt = 0; attempt < 200; attempt++) {
                bool busy = false;
                for (size_t i = 0; i < cg->n_dirs; i++)
                        if (remove_cgroup_dir(cg->dirs[i]) < 0)
                                busy = true;
                if (!busy)
                        return 0;
                if (errno != EBUSY)
                        return error_set(err, errno, "remove cgroup %s", cg->path);
                if (attempt == 0 || attempt % 20 == 0) {
                        cgroup_kill_all(cg, SIGKILL, NULL);
                        /* A frozen (paused) process dies only once thawed. */
                        if (attempt == 0 && cgroup_is_frozen(cg))
                                cgroup_thaw(cg, NULL);
                }
                nanosleep(&(struct timespec){.tv_nsec = attempt < 10 ? 1000000 : 10000000}, NULL);
        }
        return error_set(err, EBUSY, "remove cgroup %s", cg->path);
}

void cgroup_free(struct cgroup *cg)
{
        if (cg == NULL)
                return;
        for (size_t i = 0; i < cg->n_dirs; i++)
                free(cg->dirs[i]);
        free(cg->dirs);
        if (cg->hierarchies)
                cgroup_hierarchies_free(cg->hierarchies, cg->n_dirs);
        free(cg->path);
        free(cg);
}

json_t *cgroup_to_json(const struct cgroup *cg)
{
        json_t *dirs = json_array();
        for (size_t i = 0; i < cg->n_dirs; i++)
                json_array_append_new(dirs, json_string(cg->dirs[i]));
        return json_pack("{s:i, s:s, s:o, s:b}", "version", cg->version, "path", cg->path, "dirs",
                         dirs, "created", cg->created);
}

struct cgroup *cgroup_from_json(json_t *json, struct error **err)
{
        json_t *dirs = NULL;
        const char *path = NULL;
        int version = 0, created = 0, unified = -1;
        if (json_unpack(json, "{s:i, s:s, s:o, s?b}", "version", &version, "path", &path, "dirs",
                        &dirs, "created", &created) < 0 ||
            !json_is_array(dirs)) {
                error_set(err, 0, "state: malformed cgroup record");
                return NULL;
        }
        struct cgroup *cg = xcalloc(1, sizeof(*cg));
        cg->version = version;
        cg->path = xstrdup(path);
        cg->created = created;
        cg->unified = unified;
        cg->n_dirs = json_array_size(dirs);
        cg->dirs = xcalloc(cg->n_dirs + 1, sizeof(char *));
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const char *d = json_string_value(json_array_get(dirs, i));
                cg->dirs[i] = xstrdup(d ? d : "");
                /* The hybrid layout's cgroup2 directory, which a child can be born in. */
                struct statfs st;
                if (cg->version == 1 && cg->unified < 0 && statfs(cg->dirs[i], &st) == 0 &&
                    st.f_type == CGROUP2_SUPER_MAGIC)
                        cg->unified = (int)i;
        }
        return cg;
}
