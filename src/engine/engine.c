/* Opening the engine, the paths of a container, and running the OCI runtime (see engine.h). */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "engine_trash.h"
#include "engine_internal.h"
#include "engine_runtime_builtin.h"

/* A program installed beside this executable (build/ or $PREFIX/bin), else NAME for PATH. */
static char *sibling_program(const char *name)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                self[n] = '\0';
                char *slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        char *path = xasprintf("%s/%s", self, name);
                        if (access(path, X_OK) == 0)
                                return path;
                        free(path);
                }
        }
        return xstrdup(name);
}

int engine_open(const char *root, const char *runroot, const char *runtime, struct engine **out,
                struct error **err)
{
        struct engine *e = xcalloc(1, sizeof(*e));
        e->root = xstrdup(root);
        e->runroot = xstrdup(runroot);
        e->runtime = runtime ? xstrdup(runtime) : sibling_program("berth-runtime");
        e->monitor = sibling_program("berth-monitor");
        e->builtin_runtime = sibling_program("berth-runtime");
        e->runtime_root = xasprintf("%s/runtime", runroot);
        _cleanup_free_ char *containers = xasprintf("%s/containers", root);
        _cleanup_free_ char *run_containers = xasprintf("%s/containers", runroot);
        if (image_store_open(root, runroot, &e->images, err) < 0 ||
            container_db_open(image_db_connection(e->images->db), &e->containers, err) < 0 ||
            fs_mkdir_p(containers, 0700, err) < 0 || fs_mkdir_p(run_containers, 0700, err) < 0 ||
            fs_mkdir_p(e->runtime_root, 0700, err) < 0) {
                engine_free(e);
                return -1;
        }
        *out = e;
        return 0;
}

void engine_free(struct engine *e)
{
        if (!e)
                return;
        container_db_close(e->containers);
        if (e->images)
                image_store_free(e->images);
        /* After the database is closed: the child must hold none of its locks or files. */
        engine_trash_empty_detached(e);
        free(e->root);
        free(e->runroot);
        free(e->runtime);
        free(e->runtime_root);
        free(e->monitor);
        free(e->builtin_runtime);
        free(e);
}

void engine_use_runtime_of(struct engine *e, const struct container_row *row)
{
        const char *runtime = json_string_value(json_object_get(row->data, "runtime"));
        if (runtime && strcmp(runtime, e->runtime) != 0) {
                free(e->runtime);
                e->runtime = xstrdup(runtime);
        }
}

char *engine_container_dir(const struct engine *e, const char *id)
{
        return xasprintf("%s/containers/%s", e->root, id);
}

char *engine_container_run_dir(const struct engine *e, const char *id)
{
        return xasprintf("%s/containers/%s", e->runroot, id);
}

/* Reads everything from FD into a new NUL-terminated string. */
static char *read_all(int fd)
{
        size_t len = 0, cap = 256;
        char *buf = xmalloc(cap);
        for (;;) {
                if (len + 1 >= cap)
                        buf = xrealloc(buf, cap *= 2);
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        return buf;
}

int engine_runtime(struct engine *e, const char *const *args, char **output, char **errors,
                   struct error **err)
{
        int rc;
        if (!errors && strcmp(e->runtime, e->builtin_runtime) == 0 &&
            engine_runtime_in_process(e->runtime_root, e->runtime, args, output, &rc, err))
                return rc;
        int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
        if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
                int saved = errno;
                for (int i = 0; i < 2; i++) {
                        if (out_pipe[i] >= 0)
                                close(out_pipe[i]);
                        if (err_pipe[i] >= 0)
                                close(err_pipe[i]);
                }
                return error_set(err, saved, "pipe");
        }
        size_t n = 0;
        while (args[n])
                n++;
        const char **argv = xcalloc(n + 4, sizeof(*argv));
        argv[0] = e->runtime;
        argv[1] = "--root";
        argv[2] = e->runtime_root;
        for (size_t i = 0; i < n; i++)
                argv[3 + i] = args[i];
        pid_t pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);
                dup2(null, 0);
                dup2(out_pipe[1], 1);
                dup2(err_pipe[1], 2);
                execvp(argv[0], (char *const *)argv);
                dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        free(argv);
        close(out_pipe[1]);
        close(err_pipe[1]);
        if (pid < 0) {
                close(out_pipe[0]);
                close(err_pipe[0]);
                return error_set(err, errno, "fork");
        }
        /* The runtime's output is small: stdout first, then stderr, cannot fill both pipes. */
        char *out_text = read_all(out_pipe[0]);
        char *err_text = read_all(err_pipe[0]);
        close(out_pipe[0]);
        close(err_pipe[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (output)
                *output = out_text;
        else
                free(out_text);
        if (errors)
                *errors = err_text;
        if (code != 0 && err) {
                size_t l = strlen(err_text);
                while (l > 0 && err_text[l - 1] == '\n')
                        err_text[--l] = '\0';
                const char *last = strrchr(err_text, '\n');
                error_set(err, 0, "%s %s: %s", e->runtime, args[0],
                          *err_text ? (last ? last + 1 : err_text) : "failed");
        }
        if (!errors)
                free(err_text);
        return code == 0 ? 0 : -1;
}
