/* Freezing a container's cgroup (see cgroup_freezer.h). */
#include "cgroup_freezer.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_resources.h"
#include "error.h"
#include "fs.h"

/* The file that freezes, and the file and text that say the cgroup is frozen. */
struct freezer_files {
        char *control; /* v1 freezer.state, v2 cgroup.freeze */
        char *status;  /* v1 freezer.state, v2 cgroup.events */
};

static int freezer_files(const struct cgroup *cg, struct freezer_files *f, struct error **err)
{
        if (cg->version == 2) {
                f->control = xasprintf("%s/cgroup.freeze", cg->dirs[0]);
                f->status = xasprintf("%s/cgroup.events", cg->dirs[0]);
                return 0;
        }
        _cleanup_free_ char *dir = cgroup_v1_controller_dir(cg, "freezer");
        if (dir == NULL)
                return error_set(err, 0,
                                 "the freezer controller is not available in this "
                                 "cgroup");
        f->control = xasprintf("%s/freezer.state", dir);
        f->status = xstrdup(f->control);
        return 0;
}

static void freezer_files_release(struct freezer_files *f)
{
        free(f->control);
        free(f->status);
}

/* Whether the status file says the cgroup has reached frozen (or thawed). */
static bool reached(const struct cgroup *cg, const char *status_file, bool frozen)
{
        _cleanup_free_ char *text = fs_read_file(status_file, NULL, NULL);
        if (text == NULL)
                return false;
        if (cg->version == 2) {
                const char *line = strstr(text, "frozen ");
                return line && (line == text || line[-1] == '\n') &&
                       line[7] == (frozen ? '1' : '0');
        }
        return strcmp(text, frozen ? "FROZEN\n" : "THAWED\n") == 0;
}

static int set_frozen(const struct cgroup *cg, bool frozen, struct error **err)
{
        __attribute__((cleanup(freezer_files_release))) struct freezer_files f = {0};
        if (freezer_files(cg, &f, err) < 0)
                return -1;
        const char *value =
            cg->version == 2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
        /* v1 may stay FREEZING while a task is in an uninterruptible sleep; writing FROZEN
         * again retries. About 5 s in all: short waits first, as most freezes are quick. */
        for (int attempt = 0; attempt < 600; attempt++) {
                if (attempt == 0 || (cg->version == 1 && attempt % 10 == 0))
                        if (fs_write_string(f.control, value, err) < 0)
                                return -1;
                if (reached(cg, f.status, frozen))
                        return 0;
                nanosleep(&(struct timespec){.tv_nsec = attempt < 100 ? 1000000 : 10000000}, NULL);
        }
        if (frozen)
                set_frozen(cg, false, NULL);
        return error_set(err, ETIMEDOUT, "%s: the cgroup did not become %s", f.control,
                         frozen ? "frozen" : "thawed");
}

int cgroup_freeze(const struct cgroup *cg, struct error **err)
{
        return set_frozen(cg, true, err);
}

int cgroup_thaw(const struct cgroup *cg, struct error **err)
{
        return set_frozen(cg, false, err);
}

bool cgroup_is_frozen(const struct cgroup *cg)
{
        if (cg == NULL || cg->n_dirs == 0)
                return false;
        _cleanup_free_ char *file = NULL;
        if (cg->version == 2) {
                file = xasprintf("%s/cgroup.freeze", cg->dirs[0]);
        } else {
                _cleanup_free_ char *dir = cgroup_v1_controller_dir(cg, "freezer");
                if (dir == NULL)
                        return false;
                file = xasprintf("%s/freezer.state", dir);
        }
        _cleanup_free_ char *text = fs_read_file(file, NULL, NULL);
        if (text == NULL)
                return false;
        return cg->version == 2
                   ? text[0] == '1'
                   : strncmp(text, "FREEZING", 8) == 0 || strncmp(text, "FROZEN", 6) == 0;
}
