/* One CNI plugin run (cni_exec.h). */
#include "cni_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"

/* The plugin's binary: the first DIR/TYPE on CNI_PATH that can be run. */
static char *find_plugin(const char *cni_path, const char *type)
{
        _cleanup_free_ char *dirs = xstrdup(cni_path);
        char *save = NULL;
        for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *path = xasprintf("%s/%s", dir, type);
                if (access(path, X_OK) == 0)
                        return path;
                free(path);
        }
        return NULL;
}

/* The message of an error object in TEXT, or NULL. */
static char *error_object_text(const char *text)
{
        if (!text || !*text)
                return NULL;
        json_t *doc = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
        const char *msg = json_string_value(json_object_get(doc, "msg"));
        const char *details = json_string_value(json_object_get(doc, "details"));
        char *out = NULL;
        if (msg && details && *details && strcmp(msg, details) != 0)
                out = xasprintf("%s: %s", msg, details);
        else if (msg)
                out = xstrdup(msg);
        else if (details)
                out = xstrdup(details);
        json_decref(doc);
        return out;
}

char *cni_error_text(const char *out, const char *errtext, int wait_status)
{
        char *text = error_object_text(out);
        if (!text)
                text = error_object_text(errtext);
        if (!text && errtext) {
                /* The last non-empty line of stderr. */
                const char *end = errtext + strlen(errtext);
                while (end > errtext && (end[-1] == '\n' || end[-1] == ' '))
                        end--;
                const char *start = end;
                while (start > errtext && start[-1] != '\n')
                        start--;
                if (end > start)
                        text = xstrndup(start, (size_t)(end - start));
        }
        if (!text) {
                if (WIFSIGNALED(wait_status))
                        text = xasprintf("killed by signal %d", WTERMSIG(wait_status));
                else
                        text = xasprintf("exit status %d", WEXITSTATUS(wait_status));
        }
        /* One line: newlines inside a message become spaces. */
        for (char *p = text; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        return text;
}

/* Appends what is readable on FD to *BUF (size *LEN); 0 at EOF, 1 more to come, -1 error. */
static int drain(int fd, char **buf, size_t *len)
{
        char chunk[4096];
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : -1;
        if (r == 0)
                return 0;
        if (*len + (size_t)r > (1u << 20)) /* a result is small: 1 MiB is plenty */
                return 1;
        *buf = xrealloc(*buf, *len + (size_t)r + 1);
        memcpy(*buf + *len, chunk, (size_t)r);
        *len += (size_t)r;
        (*buf)[*len] = '\0';
        return 1;
}

int cni_exec(const struct cni_attachment *a, const char *command, const char *type, json_t *request,
             json_t **result, struct error **err)
{
        if (result)
                *result = NULL;
        _cleanup_free_ char *binary = find_plugin(a->cni_path, type);
        if (!binary)
                return error_set(err, 0, "plugin %s: not found in %s", type, a->cni_path);
        _cleanup_free_ char *input = json_dumps(request, JSON_COMPACT);
        _cleanup_free_ char *env_command = xasprintf("CNI_COMMAND=%s", command);
        _cleanup_free_ char *env_id = xasprintf("CNI_CONTAINERID=%s", a->container_id);
        _cleanup_free_ char *env_netns = xasprintf("CNI_NETNS=%s", a->netns ? a->netns : "");
        _cleanup_free_ char *env_ifname = xasprintf("CNI_IFNAME=%s", a->ifname);
        _cleanup_free_ char *env_path = xasprintf("CNI_PATH=%s", a->cni_path);
        /* PATH: the plugins run iptables and friends. */
        char *envp[] = {env_command,
                        env_id,
                        env_netns,
                        env_ifname,
                        env_path,
                        "CNI_ARGS=IgnoreUnknown=1",
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        NULL};
        /* The request is written before the plugin starts: it fits in a pipe (a few KiB,
         * far below the 64 KiB a pipe holds), so nothing can block. */
        size_t input_len = strlen(input);
        if (input_len >= 65536)
                return error_set(err, 0, "plugin %s: request too large", type);
        int in[2], out[2], errp[2];
        if (pipe2(in, O_CLOEXEC) < 0)
                return error_set(err, errno, "pipe");
        if (pipe2(out, O_CLOEXEC) < 0) {
                int saved = errno;
                close(in[0]);
                close(in[1]);
                return error_set(err, saved, "pipe");
        }
        if (pipe2(errp, O_CLOEXEC) < 0) {
                int saved = errno;
                close(in[0]);
                close(in[1]);
                close(out[0]);
                close(out[1]);
                return error_set(err, saved, "pipe");
        }
        (void)fcntl(in[1], F_SETPIPE_SZ, 65536);
        ssize_t written = write(in[1], input, input_len);
        close(in[1]);
        pid_t pid = written == (ssize_t)input_len ? fork() : -1;
        if (pid == 0) {
                dup2(in[0], 0);
                dup2(out[1], 1);
                dup2(errp[1], 2);
                char *argv[] = {binary, NULL};
                execve(binary, argv, envp);
                dprintf(2, "exec %s: %s\n", binary, strerror(errno));
                _exit(127);
        }
        int saved = errno;
        close(in[0]);
        close(out[1]);
        close(errp[1]);
        if (pid < 0) {
                close(out[0]);
                close(errp[0]);
                return error_set(err, saved, "plugin %s: start", type);
        }
        _cleanup_free_ char *stdout_text = xstrdup("");
        _cleanup_free_ char *stderr_text = xstrdup("");
        size_t out_len = 0, err_len = 0;
        struct pollfd fds[2] = {{.fd = out[0], .events = POLLIN},
                                {.fd = errp[0], .events = POLLIN}};
        while (fds[0].fd >= 0 || fds[1].fd >= 0) {
                if (poll(fds, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (int i = 0; i < 2; i++) {
                        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        int r = i == 0 ? drain(fds[i].fd, &stdout_text, &out_len)
                                       : drain(fds[i].fd, &stderr_text, &err_len);
                        if (r <= 0) {
                                close(fds[i].fd);
                                fds[i].fd = -1;
                        }
                }
        }
        for (int i = 0; i < 2; i++)
                if (fds[i].fd >= 0)
                        close(fds[i].fd);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                _cleanup_free_ char *why = cni_error_text(stdout_text, stderr_text, status);
                return error_set(err, 0, "plugin %s: %s", type, why);
        }
        if (result && out_len > 0) {
                json_error_t jerr;
                *result = json_loads(stdout_text, 0, &jerr);
                if (!*result)
                        return error_set(err, 0, "plugin %s: its result is not JSON: %s", type,
                                         jerr.text);
        }
        return 0;
}
