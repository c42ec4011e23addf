/* start, kill and delete of a created container (runtime.md "Operations"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "container.h"
#include "error.h"
#include "exec_trampoline.h"
#include "fs.h"
#include "hooks.h"
#include "log.h"
#include "process.h"
#include "runtime_config.h"

/* Signals the container's init through a pidfd, checked against the recorded start time, so
 * a recycled pid is never hit. */
static int signal_init(const struct container_record *rec, int sig, struct error **err)
{
        _cleanup_close_ int pidfd = process_pidfd_open(rec->pid);
        if (pidfd < 0 || !process_alive(rec->pid, rec->start_time))
                return error_set(err, 0, "container %s is not running", rec->id);
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return error_set(err, errno, "signal container %s", rec->id);
        return 0;
}

static char *state_for_hooks(const struct runtime_options *rt, const struct container_record *rec)
{
        return container_state_json(rt, rec, false);
}

static int run_poststart(const struct runtime_options *rt, struct container_record *rec,
                         struct error **err)
{
        if (!rec->has_hooks)
                return 0;
        const struct oci_config *config = container_record_config(rt, rec, err);
        if (config == NULL)
                return -1;
        if (config->hooks.poststart.len == 0)
                return 0;
        _cleanup_free_ char *state = state_for_hooks(rt, rec);
        if (hooks_run(&config->hooks.poststart, "poststart", state, err) < 0) {
                /* runtime.md step 9: stop the container; delete destroys it. */
                signal_init(rec, SIGKILL, NULL);
                return -1;
        }
        return 0;
}

int container_start(const struct runtime_options *rt, const char *id, struct error **err)
{
        _cleanup_container_record_ struct container_record *rec =
            container_record_load_state(rt, id, err);
        if (rec == NULL)
                return -1;
        enum container_status status = container_status(rt, rec);
        if (status != CONTAINER_CREATED)
                return error_set(err, 0, "cannot start container %s: it is %s, not created", id,
                                 runtime_status_name(status));
        _cleanup_free_ char *fifo = xasprintf("%s/%s/exec.fifo", rt->root, id);
        _cleanup_close_ int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno == ENXIO ? 0 : errno,
                                 "cannot start container %s: its init is gone", id);
        if (write(fd, "0", 1) != 1)
                return error_set(err, errno, "start container %s", id);
        /* The init's read end closes at execve (or when it dies): then the program runs, and
         * only then may poststart hooks run (config.md "poststart"). */
        struct pollfd pfd = {.fd = fd, .events = 0};
        while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
                ;
        unlink(fifo);
        _cleanup_free_ char *error_path = xasprintf("%s/%s/exec.error", rt->root, id);
        _cleanup_free_ char *why = fs_read_file(error_path, NULL, NULL);
        unlink(error_path);
        if (why && *why) {
                _cleanup_free_ char *text = exec_trampoline_explain(why);
                return error_set(err, 0, "start container %s: %s", id, text);
        }
        return run_poststart(rt, rec, err);
}

int container_poststart(const struct runtime_options *rt, struct container_record *rec,
                        struct error **err)
{
        return run_poststart(rt, rec, err);
}

int container_kill(const struct runtime_options *rt, const char *id, int sig, bool all,
                   struct error **err)
{
        _cleanup_container_record_ struct container_record *rec =
            container_record_load_state(rt, id, err);
        if (rec == NULL)
                return -1;
        enum container_status status = container_status(rt, rec);
        /* A paused container takes signals too; they arrive when it is resumed (v1) or
         * at once for SIGKILL (v2), as with runc. */
        if (status != CONTAINER_CREATED && status != CONTAINER_RUNNING &&
            status != CONTAINER_PAUSED)
                return error_set(err, 0, "container %s is not running", id);
        if (all && rec->cgroup) {
                /* The init goes first; it may be gone by the time the cgroup's turn comes
                 * (SIGKILL), which is no error. */
                signal_init(rec, sig, NULL);
                return cgroup_kill_all(rec->cgroup, sig, err);
        }
        return signal_init(rec, sig, err);
}

/* Waits until the init has exited (it may not be our child). */
static void wait_stopped(const struct container_record *rec)
{
        _cleanup_close_ int pidfd = process_pidfd_open(rec->pid);
        if (pidfd >= 0 && process_alive(rec->pid, rec->start_time))
                process_pidfd_wait(pidfd, 10000);
}

int container_destroy(const struct runtime_options *rt, struct container_record *rec,
                      struct error **err)
{
        if (rec->pid > 0 && process_alive(rec->pid, rec->start_time)) {
                signal_init(rec, SIGKILL, NULL);
                wait_stopped(rec);
        }
        if (rec->cgroup && rec->cgroup->created && cgroup_destroy(rec->cgroup, err) < 0)
                return error_wrap(err, "delete container %s", rec->id);
        const struct oci_config *config =
            rec->has_hooks && rec->pid > 0 ? container_record_config(rt, rec, err) : NULL;
        if (rec->has_hooks && rec->pid > 0 && config == NULL)
                return error_wrap(err, "delete container %s", rec->id);
        if (config && config->hooks.poststop.len) {
                /* runtime.md step 13: a failing poststop hook is only a warning. */
                _cleanup_free_ char *state = state_for_hooks(rt, rec);
                hooks_run_all(&config->hooks.poststop, "poststop", state);
        }
        _cleanup_free_ char *dir = container_dir(rt, rec->id);
        if (fs_remove_tree(dir, err) < 0)
                return error_wrap(err, "delete container %s", rec->id);
        return 0;
}

int container_delete(const struct runtime_options *rt, const char *id, bool force,
                     struct error **err)
{
        _cleanup_container_record_ struct container_record *rec =
            container_record_load_state(rt, id, err);
        if (rec == NULL)
                return -1;
        enum container_status status = container_status(rt, rec);
        if (status == CONTAINER_CREATING) {
                if (!force)
                        return error_set(err, 0,
                                         "cannot delete container %s: it is being "
                                         "created (use --force)",
                                         id);
                _cleanup_free_ char *dir = container_dir(rt, id);
                return fs_remove_tree(dir, err);
        }
        /* runtime.md "Delete": only a stopped container may be deleted without force. */
        if (status != CONTAINER_STOPPED && !force)
                return error_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
                                 runtime_status_name(status));
        if (status != CONTAINER_STOPPED && rec->cgroup)
                cgroup_kill_all(rec->cgroup, SIGKILL, NULL);
        return container_destroy(rt, rec, err);
}
