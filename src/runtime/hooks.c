#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "log.h"
#include "process.h"
#include "runtime_config.h"

#define HOOK_OUTPUT_MAX 4096

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static _Noreturn void exec_hook(const struct oci_hook *hook, int in_fd, int out_fd)
{
        if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
                _exit(127);
        /* A foreground run blocks the signals it forwards; the hook must not inherit that. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        char *default_args[] = {hook->path, NULL};
        char *empty_env[] = {NULL};
        execve(hook->path, hook->n_args ? hook->args : default_args,
               hook->n_env ? hook->env : empty_env);
        dprintf(2, "exec %s: %s", hook->path, strerror(errno));
        _exit(127);
}

/* Feeds state to the hook's stdin; a hook that does not read it must not block us. */
static void write_state(int fd, const char *state)
{
        size_t len = strlen(state);
        while (len > 0) {
                ssize_t n = write(fd, state, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                state += n;
                len -= (size_t)n;
        }
}

static int run_one(const struct oci_hook *hook, const char *kind, size_t index,
                   const char *state_json, struct error **err)
{
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) < 0)
                return error_set(err, errno, "%s hook #%zu: pipe", kind, index);
        if (pipe2(out, O_CLOEXEC) < 0) {
                close(in[0]);
                close(in[1]);
                return error_set(err, errno, "%s hook #%zu: pipe", kind, index);
        }
        pid_t pid = fork();
        if (pid == 0) {
                signal(SIGPIPE, SIG_DFL);
                exec_hook(hook, in[0], out[1]);
        }
        close(in[0]);
        close(out[1]);
        if (pid < 0) {
                close(in[1]);
                close(out[0]);
                return error_set(err, errno, "%s hook #%zu: fork", kind, index);
        }
        void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
        write_state(in[1], state_json);
        signal(SIGPIPE, old_pipe);
        close(in[1]);

        char output[HOOK_OUTPUT_MAX + 1];
        size_t used = 0;
        int pidfd = process_pidfd_open(pid);
        long long deadline = hook->timeout > 0 ? now_ms() + hook->timeout * 1000LL : -1;
        bool timed_out = false, out_open = true;
        while (pidfd >= 0 || out_open) {
                struct pollfd fds[2] = {{.fd = out_open ? out[0] : -1, .events = POLLIN},
                                        {.fd = pidfd, .events = POLLIN}};
                int timeout = deadline < 0 ? -1 : (int)(deadline - now_ms());
                if (deadline >= 0 && timeout <= 0) {
                        timed_out = true;
                        break;
                }
                int n = poll(fds, 2, timeout);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0) {
                        timed_out = true;
                        break;
                }
                if (fds[0].revents) {
                        char buf[1024];
                        ssize_t got = read(out[0], buf, sizeof(buf));
                        if (got <= 0) {
                                out_open = false;
                        } else {
                                size_t take = (size_t)got;
                                if (take > HOOK_OUTPUT_MAX - used)
                                        take = HOOK_OUTPUT_MAX - used;
                                memcpy(output + used, buf, take);
                                used += take;
                        }
                }
                if (fds[1].revents) {
                        close(pidfd);
                        pidfd = -1;
                        /* The hook is gone; what it printed is in the pipe (or a child of
                         * its still holds the pipe: don't wait for that one). */
                        if (!out_open)
                                break;
                        deadline = now_ms() + 100;
                }
        }
        if (pidfd >= 0)
                close(pidfd);
        close(out[0]);
        if (timed_out)
                kill(pid, SIGKILL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        output[used] = '\0';
        while (used > 0 && (output[used - 1] == '\n' || output[used - 1] == ' '))
                output[--used] = '\0';
        if (timed_out)
                return error_set(err, 0, "%s hook #%zu (%s): timed out after %d seconds", kind,
                                 index, hook->path, hook->timeout);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return error_set(err, 0, "%s hook #%zu (%s): exited with status %d%s%s", kind,
                                 index, hook->path, process_exit_code(status), used ? ": " : "",
                                 output);
        return 0;
}

int hooks_run(const struct oci_hook_list *hooks, const char *kind, const char *state_json,
              struct error **err)
{
        for (size_t i = 0; i < hooks->len; i++)
                if (run_one(&hooks->items[i], kind, i, state_json, err) < 0)
                        return -1;
        return 0;
}

void hooks_run_all(const struct oci_hook_list *hooks, const char *kind, const char *state_json)
{
        for (size_t i = 0; i < hooks->len; i++) {
                struct error *err = NULL;
                if (run_one(&hooks->items[i], kind, i, state_json, &err) < 0)
                        log_warn("%s", err->msg);
                error_free(&err);
        }
}
