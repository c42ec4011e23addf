/* Health checks of running containers: one run of the test through the runtime's exec, within
 * its timeout, and the state in RUNROOT/containers/ID/health.json (health.h has the rules). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "base/process.h"
#include "container_lock.h"
#include "engine_internal.h"
#include "health.h"

static int64_t now_ns(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* docker's timestamps, in UTC. */
static char *time_text(int64_t ns)
{
        time_t s = (time_t)(ns / 1000000000);
        struct tm tm;
        gmtime_r(&s, &tm);
        char buf[64];
        size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, sizeof(buf) - n, ".%09lldZ", (long long)(ns % 1000000000));
        return xstrdup(buf);
}

/* "30s", "1m30s", "1.5s": how docker prints the timeout in its message. */
static char *duration_text(int64_t ns)
{
        if (ns % 1000000000 != 0)
                return xasprintf("%gs", (double)ns / 1e9);
        int64_t s = ns / 1000000000;
        if (s >= 3600)
                return xasprintf("%lldh%lldm%llds", (long long)(s / 3600),
                                 (long long)(s % 3600 / 60), (long long)(s % 60));
        if (s >= 60)
                return xasprintf("%lldm%llds", (long long)(s / 60), (long long)(s % 60));
        return xasprintf("%llds", (long long)s);
}

static pid_t read_pid_file(const char *path)
{
        size_t len;
        struct error *ignored = NULL;
        _cleanup_free_ char *text = fs_read_file(path, &len, &ignored);
        error_free(&ignored);
        return text ? (pid_t)atol(text) : 0;
}

struct probe {
        int exit_code; /* -1: timed out */
        char *output;  /* at most HEALTH_OUTPUT_MAX bytes */
        size_t len;
};

/* Runs ARGV (the runtime's exec) with its stdout and stderr in PROBE's output; after
 * TIMEOUT_NS the process in the container (PID_FILE) and the runtime are killed. */
static int probe_run(const char *const *argv, const char *pid_file, int64_t timeout_ns,
                     struct probe *probe, struct error **err)
{
        int out[2];
        if (pipe2(out, O_CLOEXEC) < 0)
                return error_set(err, errno, "pipe");
        pid_t child = fork();
        if (child < 0) {
                close(out[0]);
                close(out[1]);
                return error_set(err, errno, "fork");
        }
        if (child == 0) {
                int null = open("/dev/null", O_RDONLY);
                dup2(null, 0);
                dup2(out[1], 1);
                dup2(out[1], 2);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        close(out[1]);
        fcntl(out[0], F_SETFL, O_NONBLOCK);
        probe->output = xmalloc(HEALTH_OUTPUT_MAX + 1);
        probe->len = 0;
        int64_t deadline = now_ns(CLOCK_MONOTONIC) + timeout_ns;
        bool exited = false, eof = false, timed_out = false;
        int status = 0;
        char buf[4096];
        while (!exited || !eof) {
                if (!exited && waitpid(child, &status, WNOHANG) == child)
                        exited = true;
                struct pollfd p = {.fd = out[0], .events = POLLIN};
                if (!eof)
                        poll(&p, 1, exited ? 0 : 50);
                ssize_t n;
                while (!eof && (n = read(out[0], buf, sizeof(buf))) != 0) {
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                break; /* EAGAIN: nothing now */
                        }
                        size_t keep = HEALTH_OUTPUT_MAX - probe->len;
                        if ((size_t)n < keep)
                                keep = (size_t)n;
                        memcpy(probe->output + probe->len, buf, keep);
                        probe->len += keep;
                }
                if (n == 0)
                        eof = true;
                /* The test's children may hold the pipe: once the runtime is gone, stop. */
                if (exited && !eof)
                        break;
                if (!exited && now_ns(CLOCK_MONOTONIC) >= deadline) {
                        pid_t pid = read_pid_file(pid_file);
                        if (pid > 0)
                                kill(pid, SIGKILL);
                        kill(child, SIGKILL);
                        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                                ;
                        exited = timed_out = true;
                        break;
                }
        }
        close(out[0]);
        probe->output[probe->len] = '\0';
        probe->exit_code = timed_out ? -1 : process_exit_code(status);
        return 0;
}

static char *health_path(struct engine *e, const char *id)
{
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, id);
        return xasprintf("%s/health.json", run_dir);
}

/* Adds one result to the state file, under the container's lock. */
static int record(struct engine *e, const struct container_row *row, json_t *hc, json_t *entry,
                  bool passed, int64_t start_ns, struct error **err)
{
        struct container_lock lock = {-1};
        if (container_lock_take(e, row->id, &lock, err) < 0) {
                json_decref(entry);
                return -1;
        }
        _cleanup_free_ char *path = health_path(e, row->id);
        json_t *state = json_load_file(path, 0, NULL);
        if (!json_is_object(state)) {
                json_decref(state);
                state = health_state_new();
        }
        struct container_state st = {0};
        struct error *ignored = NULL;
        int64_t started_ns = 0;
        if (engine_container_state(e, row, &st, &ignored) == 0 && st.started_at) {
                struct tm tm = {0};
                if (strptime(st.started_at, "%Y-%m-%dT%H:%M:%S", &tm))
                        started_ns = (int64_t)timegm(&tm) * 1000000000;
        }
        error_free(&ignored);
        container_state_release(&st);
        bool in_start_period = start_ns - started_ns < health_config_start_period_ns(hc);
        health_state_record(state, entry, passed, health_config_retries(hc), in_start_period);
        char *text = json_dumps(state, JSON_COMPACT);
        int ret = fs_replace_file(path, text, strlen(text), 0600, err);
        free(text);
        json_decref(state);
        container_lock_release(&lock);
        return ret;
}

int engine_container_healthcheck(struct engine *e, const struct container_row *row, bool *passed,
                                 struct error **err)
{
        json_t *hc = json_object_get(json_object_get(row->data, "options"), "healthcheck");
        json_t *test = json_object_get(hc, "Test");
        const char *kind = json_string_value(json_array_get(test, 0));
        if (!kind)
                return error_set(err, 0, "container %s has no defined healthcheck", row->name);
        struct container_state st = {0};
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        enum container_status status = st.status;
        container_state_release(&st);
        if (status != CONTAINER_RUNNING)
                return error_set(err, 0, "container %s is not running", row->name);

        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        _cleanup_free_ char *pid_file = xasprintf("%s/health-%d.pid", run_dir, (int)getpid());
        size_t n_test = json_array_size(test);
        _cleanup_free_ const char **argv = xcalloc(n_test + 12, sizeof(char *));
        size_t n = 0;
        argv[n++] = e->runtime;
        argv[n++] = "--root";
        argv[n++] = e->runtime_root;
        argv[n++] = "exec";
        argv[n++] = "--pid-file";
        argv[n++] = pid_file;
        argv[n++] = row->id;
        if (strcmp(kind, "CMD-SHELL") == 0) {
                argv[n++] = "/bin/sh";
                argv[n++] = "-c";
                argv[n++] = json_string_value(json_array_get(test, 1));
        } else {
                for (size_t i = 1; i < n_test; i++)
                        argv[n++] = json_string_value(json_array_get(test, i));
        }
        argv[n] = NULL;

        int64_t timeout = health_config_timeout_ns(hc);
        int64_t start = now_ns(CLOCK_REALTIME);
        struct probe probe = {0};
        int rc = probe_run(argv, pid_file, timeout, &probe, err);
        unlink(pid_file);
        if (rc < 0)
                return error_wrap(err, "healthcheck of container %s", row->name);
        int64_t end = now_ns(CLOCK_REALTIME);
        if (probe.exit_code == -1) {
                _cleanup_free_ char *limit = duration_text(timeout);
                free(probe.output);
                probe.output = xasprintf("Health check exceeded timeout (%s)", limit);
        }
        _cleanup_free_ char *start_text = time_text(start);
        _cleanup_free_ char *end_text = time_text(end);
        json_t *entry = json_pack("{s:s, s:s, s:i, s:s}", "Start", start_text, "End", end_text,
                                  "ExitCode", probe.exit_code, "Output", probe.output);
        if (!entry) /* output that is not UTF-8 */
                entry = json_pack("{s:s, s:s, s:i, s:s}", "Start", start_text, "End", end_text,
                                  "ExitCode", probe.exit_code, "Output", "");
        free(probe.output);
        *passed = probe.exit_code == 0;
        return record(e, row, hc, entry, *passed, start, err);
}

json_t *engine_container_health(struct engine *e, const struct container_row *row)
{
        json_t *hc = json_object_get(json_object_get(row->data, "options"), "healthcheck");
        if (!hc)
                return NULL;
        _cleanup_free_ char *path = health_path(e, row->id);
        json_t *state = json_load_file(path, 0, NULL);
        if (json_is_object(state))
                return state;
        json_decref(state);
        return health_state_new();
}
