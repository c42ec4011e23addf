/* A container's life after create: the monitor, start, state, kill, stop, wait, remove. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "base/rfc3339.h"
#include "engine_internal.h"
#include "engine_network.h"
#include "container_lock.h"
#include "engine_restart.h"
#include "engine_trash.h"

void container_state_release(struct container_state *s)
{
        free(s->started_at);
        free(s->finished_at);
        free(s->error);
        memset(s, 0, sizeof(*s));
}

const char *container_status_name(enum container_status s)
{
        switch (s) {
        case CONTAINER_CREATED:
                return "created";
        case CONTAINER_RUNNING:
                return "running";
        case CONTAINER_PAUSED:
                return "paused";
        case CONTAINER_EXITED:
                return "exited";
        }
        return "unknown";
}

static char *run_path(struct engine *e, const char *id, const char *name)
{
        _cleanup_free_ char *dir = engine_container_run_dir(e, id);
        return xasprintf("%s/%s", dir, name);
}

/* The monitor's exit file: 1 read (exited), 0 absent. */
static int read_exit_file(struct engine *e, const char *id, struct container_state *out)
{
        _cleanup_free_ char *path = run_path(e, id, "exit");
        json_t *doc = json_load_file(path, 0, NULL);
        if (!doc)
                return 0;
        out->status = CONTAINER_EXITED;
        json_t *code = json_object_get(doc, "exitCode");
        out->exit_code = json_is_integer(code) ? (int)json_integer_value(code) : 255;
        const char *at = json_string_value(json_object_get(doc, "exitedAt"));
        out->finished_at = at ? xstrdup(at) : NULL;
        const char *error = json_string_value(json_object_get(doc, "error"));
        out->error = error ? xstrdup(error) : NULL;
        json_decref(doc);
        return 1;
}

int engine_container_state(struct engine *e, const struct container_row *row,
                           struct container_state *out, struct error **err)
{
        (void)err;
        memset(out, 0, sizeof(*out));
        const char *started = json_string_value(json_object_get(row->data, "startedAt"));
        out->started_at = started ? xstrdup(started) : NULL;
        if (!started) {
                out->status = CONTAINER_CREATED;
                return 0;
        }
        if (read_exit_file(e, row->id, out))
                return 0;
        /* Started, no exit file: ask the runtime. If it knows nothing (its state was on a
         * tmpfs that a reboot cleared), the container is gone: exited, as docker shows it. */
        _cleanup_free_ char *text = NULL;
        const char *args[] = {"state", row->id, NULL};
        struct error *state_err = NULL;
        if (engine_runtime(e, args, &text, NULL, &state_err) < 0) {
                error_free(&state_err);
                if (read_exit_file(e, row->id, out)) /* it ended meanwhile */
                        return 0;
                out->status = CONTAINER_EXITED;
                out->exit_code = 255;
                return 0;
        }
        json_t *doc = json_loads(text, 0, NULL);
        const char *status = json_string_value(json_object_get(doc, "status"));
        out->pid = (pid_t)json_integer_value(json_object_get(doc, "pid"));
        if (status && strcmp(status, "paused") == 0)
                out->status = CONTAINER_PAUSED;
        else if (status && (strcmp(status, "running") == 0 || strcmp(status, "created") == 0))
                out->status = CONTAINER_RUNNING;
        else if (!read_exit_file(e, row->id, out)) {
                /* Stopped, and the monitor has not written its file yet: it will shortly. */
                out->status = CONTAINER_RUNNING;
        }
        json_decref(doc);
        return 0;
}

/* Runs the monitor ARGV in a session of its own, its stdio on /dev/null and MONITOR_LOG, SYNC_FD
 * as its fd 3 and nothing else of ours. One posix_spawn (a vfork: no copy of berth's page tables)
 * rather than the classic double fork, which cost two forks of berth: the monitor stays our
 * child, is not waited for, and is reparented when berth exits (a zombie until then if it ends
 * first). */
static int start_monitor(const char *const *argv, const char *monitor_log, int sync_fd,
                         struct error **err)
{
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_adddup2(&actions, 0, 1);
        posix_spawn_file_actions_addopen(&actions, 2, monitor_log, O_WRONLY | O_CREAT | O_APPEND,
                                         0600);
        posix_spawn_file_actions_adddup2(&actions, sync_fd, 3); /* clears close-on-exec */
        posix_spawn_file_actions_addclosefrom_np(&actions, 4);
        pid_t pid;
        int rc = posix_spawn(&pid, argv[0], &actions, &attr, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (rc != 0)
                return error_set(err, rc, "start %s", argv[0]);
        return 0;
}

/* Starts the monitor and reads its verdict on `runtime create` from the sync pipe. */
static int spawn_monitor(struct engine *e, struct container_row *row, pid_t *init_pid,
                         struct error **err)
{
        const char *id = row->id;
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, id);
        _cleanup_free_ char *dir = engine_container_dir(e, id);
        _cleanup_free_ char *log_path = xasprintf("%s/ctr.log", dir);
        _cleanup_free_ char *exit_path = xasprintf("%s/exit", run_dir);
        _cleanup_free_ char *attach = xasprintf("%s/attach", run_dir);
        _cleanup_free_ char *pidfile = xasprintf("%s/pidfile", run_dir);
        _cleanup_free_ char *monitor_log = xasprintf("%s/monitor.log", run_dir);
        json_t *options = json_object_get(row->data, "options");
        bool tty = json_is_true(json_object_get(options, "tty"));
        bool stdin_open = json_is_true(json_object_get(options, "interactive"));
        json_t *exit_command = json_object_get(row->data, "exitCommand");

        const char *argv[64];
        size_t n = 0;
        argv[n++] = e->monitor;
        argv[n++] = "--runtime";
        argv[n++] = e->runtime;
        argv[n++] = "--runtime-arg";
        argv[n++] = "--root";
        argv[n++] = "--runtime-arg";
        argv[n++] = e->runtime_root;
        argv[n++] = "--id";
        argv[n++] = id;
        argv[n++] = "--bundle";
        argv[n++] = run_dir;
        argv[n++] = "--log-path";
        argv[n++] = log_path;
        argv[n++] = "--exit-file";
        argv[n++] = exit_path;
        argv[n++] = "--attach-socket";
        argv[n++] = attach;
        argv[n++] = "--pid-file";
        argv[n++] = pidfile;
        argv[n++] = "--sync-fd";
        argv[n++] = "3";
        if (tty)
                argv[n++] = "--terminal";
        if (stdin_open)
                argv[n++] = "--stdin";
        char log_max_size[32];
        json_int_t max_size = json_integer_value(json_object_get(options, "logMaxSize"));
        if (max_size > 0) {
                snprintf(log_max_size, sizeof(log_max_size), "%lld", (long long)max_size);
                argv[n++] = "--log-max-size";
                argv[n++] = log_max_size;
        }
        size_t i;
        json_t *arg;
        json_array_foreach(exit_command, i, arg)
        {
                if (n + 3 >= sizeof(argv) / sizeof(argv[0]))
                        break;
                argv[n++] = i == 0 ? "--exit-command" : "--exit-arg";
                argv[n++] = json_string_value(arg);
        }
        char health_interval[32];
        engine_monitor_health_args(row, argv, &n, sizeof(argv) / sizeof(argv[0]), health_interval);
        argv[n] = NULL;

        int sync[2];
        if (pipe2(sync, O_CLOEXEC) < 0)
                return error_set(err, errno, "pipe");
        if (start_monitor(argv, monitor_log, sync[1], err) < 0) {
                close(sync[0]);
                close(sync[1]);
                return -1;
        }
        close(sync[1]);
        _cleanup_free_ char *verdict = xmalloc(65536);
        size_t len = 0;
        for (;;) {
                ssize_t r = read(sync[0], verdict + len, 65535 - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0 || (len += (size_t)r) >= 65535)
                        break;
        }
        verdict[len] = '\0';
        close(sync[0]);
        json_t *doc = json_loads(verdict, JSON_DISABLE_EOF_CHECK, NULL);
        const char *error = json_string_value(json_object_get(doc, "error"));
        json_t *pid = json_object_get(doc, "pid");
        int ret = 0;
        if (error)
                ret = error_set(err, 0, "%s", error);
        else if (!json_is_integer(pid))
                ret = error_set(err, 0,
                                "the monitor stopped before the container was created "
                                "(see %s)",
                                monitor_log);
        else
                *init_pid = (pid_t)json_integer_value(pid);
        json_decref(doc);
        return ret;
}

/* Undoes a start that failed half-way: the created container (its monitor then sees it gone
 * and exits) when CREATED, and the network set up for it. */
static void abandon_start(struct engine *e, const struct container_row *row, bool created)
{
        struct error *ignored = NULL;
        if (created) {
                const char *args[] = {"delete", "--force", row->id, NULL};
                (void)engine_runtime(e, args, NULL, NULL, &ignored);
                error_free(&ignored);
        }
        (void)engine_network_teardown(e, row, &ignored);
        error_free(&ignored);
}

/* Connects to the monitor's attach socket and waits for its first frame: only then is every
 * output of the container sure to reach us (docs/monitor.md). Through the directory's fd, so
 * that a socket path longer than sun_path's 108 bytes (a deep --runroot) still connects. */
static int attach_connect(struct engine *e, const struct container_row *row, int *fd_out,
                          struct error **err)
{
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        _cleanup_close_ int dirfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach", dirfd);
        if (dirfd < 0 || fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return error_set(err, errno, "attach to container %s", row->name);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char frame[16];
        int ready;
        while ((ready = poll(&pfd, 1, 10000)) < 0 && errno == EINTR)
                ;
        if (ready <= 0 || recv(fd, frame, sizeof(frame), 0) < 1 ||
            frame[0] != ENGINE_ATTACH_FRAME_ATTACHED)
                return error_set(err, 0,
                                 "attach to container %s: its monitor did not accept the "
                                 "connection within 10 s",
                                 row->name);
        *fd_out = steal_fd(&fd);
        return 0;
}

/* engine_container_start under the container's lock. */
static int start_locked(struct engine *e, struct container_row *row, int *attach_fd_out,
                        struct error **err)
{
        /* A record still "creating": the berth that made it was killed (engine_create.c). */
        if (json_is_true(json_object_get(row->data, "creating")))
                return error_set(err, 0,
                                 "container %s was not completely created (the berth that "
                                 "created it was stopped): remove it with berth rm -f",
                                 row->name);
        struct container_state st;
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        enum container_status status = st.status;
        container_state_release(&st);
        if (status == CONTAINER_RUNNING || status == CONTAINER_PAUSED)
                return attach_fd_out
                           ? error_set(err, 0, "container %s is already running", row->name)
                           : 0;
        if (status == CONTAINER_EXITED) {
                /* Start again: the runtime's old state and the monitor's files go first. */
                const char *args[] = {"delete", "--force", row->id, NULL};
                struct error *ignored = NULL;
                (void)engine_runtime(e, args, NULL, NULL, &ignored);
                error_free(&ignored);
                _cleanup_free_ char *exit_path = run_path(e, row->id, "exit");
                unlink(exit_path);
        }
        if (engine_network_setup(e, row, err) < 0)
                return error_wrap(err, "set up the network of container %s", row->name);
        pid_t init_pid = 0;
        if (spawn_monitor(e, row, &init_pid, err) < 0) {
                /* The monitor's runtime create failed and cleaned up after itself. */
                abandon_start(e, row, false);
                return error_wrap(err, "create container %s", row->name);
        }
        if (engine_network_after_create(e, row, init_pid, err) < 0 ||
            (attach_fd_out && attach_connect(e, row, attach_fd_out, err) < 0)) {
                abandon_start(e, row, true);
                return error_wrap(err, "start container %s", row->name);
        }
        if (attach_fd_out)
                return 0;
        return engine_container_start_process(e, row, err);
}

int engine_container_start(struct engine *e, struct container_row *row, int *attach_fd_out,
                           struct error **err)
{
        struct container_lock lock;
        if (container_lock_take(e, row->id, &lock, err) < 0)
                return -1;
        int ret = engine_container_prepare_start(e, row, err);
        if (ret == 0)
                ret = start_locked(e, row, attach_fd_out, err);
        container_lock_release(&lock);
        return ret;
}

int engine_container_start_process(struct engine *e, struct container_row *row, struct error **err)
{
        const char *args[] = {"start", row->id, NULL};
        if (engine_runtime(e, args, NULL, NULL, err) < 0)
                return error_wrap(err, "start container %s", row->name);
        char now[RFC3339_NOW_SIZE];
        rfc3339_now(now, sizeof(now));
        json_object_set_new(row->data, "startedAt", json_string(now));
        return container_db_update_data(e->containers, row->id, row->data, err);
}

int engine_container_kill(struct engine *e, const struct container_row *row, int signal,
                          struct error **err)
{
        struct container_state st;
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        enum container_status status = st.status;
        container_state_release(&st);
        if (status != CONTAINER_RUNNING && status != CONTAINER_PAUSED)
                return error_set(err, 0, "container %s is not running", row->name);
        engine_container_note_user_stop(e, row->id); /* its restart policy leaves it stopped */
        char sig[16];
        snprintf(sig, sizeof(sig), "%d", signal);
        const char *args[] = {"kill", row->id, sig, NULL};
        return engine_runtime(e, args, NULL, NULL, err);
}

/* Runtime VERB (pause or resume) on a container that must be in state WANT. */
static int pause_verb(struct engine *e, const struct container_row *row, const char *verb,
                      enum container_status want, struct error **err)
{
        struct container_state st;
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        enum container_status status = st.status;
        container_state_release(&st);
        if (status != want)
                return error_set(err, 0, "container %s is %s", row->name,
                                 want == CONTAINER_PAUSED ? "not paused" : "not running");
        const char *args[] = {verb, row->id, NULL};
        if (engine_runtime(e, args, NULL, NULL, err) < 0)
                return error_wrap(err, "%s container %s", verb, row->name);
        return 0;
}

int engine_container_pause(struct engine *e, const struct container_row *row, struct error **err)
{
        return pause_verb(e, row, "pause", CONTAINER_RUNNING, err);
}

int engine_container_unpause(struct engine *e, const struct container_row *row, struct error **err)
{
        return pause_verb(e, row, "resume", CONTAINER_PAUSED, err);
}

/* Polls the exit file: 1 exited, 0 timed out (TIMEOUT_MS < 0: forever). */
static int wait_exit(struct engine *e, const struct container_row *row, int timeout_ms, int *code)
{
        /* Polled every millisecond at first, then every 10: most containers end within a few
         * ms of their signal (rm -f), and a 10 ms tick alone cost each of them 5 ms. */
        long waited_us = 0, since_check_us = 0, step_us = 1000;
        for (;;) {
                struct container_state st = {0};
                if (read_exit_file(e, row->id, &st)) {
                        if (code)
                                *code = st.exit_code;
                        container_state_release(&st);
                        return 1;
                }
                /* A container the runtime no longer knows will write no exit file. */
                if (since_check_us >= 1000000) {
                        since_check_us = 0;
                        struct error *ignored = NULL;
                        if (engine_container_state(e, row, &st, &ignored) == 0 &&
                            st.status == CONTAINER_EXITED) {
                                if (code)
                                        *code = st.exit_code;
                                container_state_release(&st);
                                return 1;
                        }
                        container_state_release(&st);
                        error_free(&ignored);
                }
                if (timeout_ms >= 0 && waited_us > (long)timeout_ms * 1000)
                        return 0;
                usleep((useconds_t)step_us);
                waited_us += step_us;
                since_check_us += step_us;
                if (step_us < 10000)
                        step_us += 1000;
        }
}

int engine_container_stop(struct engine *e, const struct container_row *row, int stop_signal,
                          int timeout, struct error **err)
{
        /* Also when it waits out a restart back-off: that restart is called off. */
        engine_container_note_user_stop(e, row->id);
        struct container_state st;
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        enum container_status status = st.status;
        container_state_release(&st);
        if (status != CONTAINER_RUNNING && status != CONTAINER_PAUSED)
                return 0; /* docker: stopping a stopped container is not an error */
        if (status == CONTAINER_PAUSED) {
                const char *args[] = {"resume", row->id, NULL};
                if (engine_runtime(e, args, NULL, NULL, err) < 0)
                        return -1;
        }
        struct error *kill_err = NULL;
        if (engine_container_kill(e, row, stop_signal, &kill_err) < 0)
                error_free(&kill_err); /* it may have exited meanwhile */
        if (wait_exit(e, row, timeout * 1000, NULL))
                return 0;
        if (engine_container_kill(e, row, SIGKILL, &kill_err) < 0)
                error_free(&kill_err);
        if (!wait_exit(e, row, 10000, NULL))
                return error_set(err, 0, "container %s did not stop after SIGKILL", row->name);
        return 0;
}

int engine_container_wait(struct engine *e, const struct container_row *row, int *code,
                          struct error **err)
{
        (void)err;
        wait_exit(e, row, -1, code);
        return 0;
}

/* engine_container_remove under the container's lock. */
static int remove_locked(struct engine *e, const struct container_row *row, bool force,
                         struct error **err)
{
        struct container_state st;
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        enum container_status status = st.status;
        container_state_release(&st);
        if (status == CONTAINER_RUNNING || status == CONTAINER_PAUSED) {
                if (!force)
                        return error_set(err, 0,
                                         "cannot remove container %s: container is running: "
                                         "stop the container before removing or force remove",
                                         row->name);
                if (engine_container_stop(e, row, SIGKILL, 0, err) < 0)
                        return -1;
        }
        const char *args[] = {"delete", "--force", row->id, NULL};
        struct error *ignored = NULL;
        (void)engine_runtime(e, args, NULL, NULL, &ignored);
        error_free(&ignored);
        if (engine_network_teardown(e, row, err) < 0)
                return error_wrap(err, "remove container %s", row->name);
        _cleanup_free_ char *dir = engine_container_dir(e, row->id);
        _cleanup_free_ char *merged = xasprintf("%s/merged", dir);
        if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                return error_set(err, errno, "unmount %s", merged);
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        if (fs_remove_tree(run_dir, err) < 0 || engine_trash_put(e, dir, row->id, err) < 0)
                return error_wrap(err, "remove container %s", row->name);
        return container_db_delete(e->containers, row->id, err);
}

int engine_container_remove(struct engine *e, const struct container_row *row, bool force,
                            struct error **err)
{
        struct container_lock lock;
        if (container_lock_take(e, row->id, &lock, err) < 0)
                return -1;
        /* Removed meanwhile (the exit command of a detached --rm): -f has nothing left to do. */
        struct container_row current = {0};
        int found = container_db_find(e->containers, row->id, &current, err);
        container_row_release(&current);
        if (found <= 0) {
                container_lock_release(&lock);
                if (found == 0 && !force)
                        return error_set(err, 0, "no such container: %s", row->name);
                return found == 0 ? 0 : -1;
        }
        int ret = remove_locked(e, row, force, err);
        if (ret == 0)
                container_lock_release_removed(e, &lock);
        container_lock_release(&lock);
        return ret;
}
