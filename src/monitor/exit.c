#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "json_text.h"
#include "monitor.h"
#include "rfc3339.h"

/* The exit file is in berth's runroot, volatile state that a reboot clears: replaced atomically
 * but not fsynced (0.8 ms per container where the runroot is on a disk). */
int monitor_write_exit_file(const char *path, int exit_code, struct error **err)
{
        char stamp[40];
        rfc3339_now(stamp, sizeof(stamp));
        _cleanup_free_ char *text =
            xasprintf("{\"exitCode\":%d,\"exitedAt\":\"%s\"}\n", exit_code, stamp);
        if (fs_replace_file(path, text, strlen(text), 0644, err) < 0)
                return error_wrap(err, "write exit file");
        return 0;
}

int monitor_write_exit_error(const char *path, const char *message, struct error **err)
{
        _cleanup_free_ char *quoted = json_text_quote(message);
        _cleanup_free_ char *text = xasprintf("{\"error\":%s}\n", quoted);
        if (fs_replace_file(path, text, strlen(text), 0644, err) < 0)
                return error_wrap(err, "write exit file");
        return 0;
}

int monitor_run_exit_command(const char *path, const char *const *args, struct error **err)
{
        if (access(path, X_OK) < 0)
                return error_set(err, errno, "exit command %s", path);
        size_t n_args = 0;
        while (args[n_args])
                n_args++;
        /* Built before fork: the child only calls async-signal-safe functions. */
        _cleanup_free_ const char **argv = xcalloc(n_args + 2, sizeof(*argv));
        argv[0] = path;
        memcpy(argv + 1, args, n_args * sizeof(*argv));

        pid_t pid = fork();
        if (pid < 0)
                return error_set(err, errno, "fork exit command");
        if (pid == 0) {
                /* The middle process: detaches the command from the monitor's session and
                 * exits, so the command is nobody's child to wait for once the monitor is gone. */
                setsid();
                pid_t grandchild = fork();
                if (grandchild != 0)
                        _exit(grandchild < 0 ? 1 : 0);
                monitor_child_reset_signals();
                int null_fd = open("/dev/null", O_RDWR);
                if (null_fd >= 0) {
                        dup2(null_fd, 0);
                        dup2(null_fd, 1);
                        dup2(null_fd, 2);
                        if (null_fd > 2)
                                close(null_fd);
                }
                execv(path, (char *const *)argv);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return error_set(err, 0, "start exit command %s", path);
        return 0;
}
