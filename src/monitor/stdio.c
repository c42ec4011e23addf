#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "error.h"
#include "monitor.h"

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* A pipe whose monitor end is non-blocking (the loop never waits on the container) and whose
 * runtime end is inherited (dup2 in the child clears O_CLOEXEC). */
static int make_pipe(int *monitor_end, int *runtime_end, bool monitor_reads, struct error **err)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return error_set(err, errno, "pipe");
        *monitor_end = monitor_reads ? fds[0] : fds[1];
        *runtime_end = monitor_reads ? fds[1] : fds[0];
        if (fcntl(*monitor_end, F_SETFL, O_NONBLOCK) < 0)
                return error_set(err, errno, "set pipe non-blocking");
        return 0;
}

static int open_null(int *fd, struct error **err)
{
        *fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (*fd < 0)
                return error_set(err, errno, "open /dev/null");
        return 0;
}

int monitor_stdio_open(struct monitor_stdio *stdio, const struct monitor_options *opts,
                       struct error **err)
{
        *stdio = (struct monitor_stdio){
            .input_fd = -1,
            .output_fd = {-1, -1, -1},
            .runtime_fd = {-1, -1, -1},
            .runtime_err_fd = -1,
        };
        if (opts->terminal) {
                /* The container's stdio is the pty; the runtime's own stdout is nobody's and
                 * its stderr is read for the error message. */
                if (open_null(&stdio->runtime_fd[0], err) < 0 ||
                    open_null(&stdio->runtime_fd[1], err) < 0 ||
                    make_pipe(&stdio->runtime_err_fd, &stdio->runtime_fd[2], true, err) < 0)
                        return -1;
                return 0;
        }
        if (opts->stdin_open) {
                if (make_pipe(&stdio->input_fd, &stdio->runtime_fd[0], false, err) < 0)
                        return -1;
        } else if (open_null(&stdio->runtime_fd[0], err) < 0) {
                return -1;
        }
        if (make_pipe(&stdio->output_fd[1], &stdio->runtime_fd[1], true, err) < 0 ||
            make_pipe(&stdio->output_fd[2], &stdio->runtime_fd[2], true, err) < 0)
                return -1;
        /* The runtime's errors come on the container's stderr: only the runtime writes there
         * until `start`. */
        stdio->runtime_err_fd = stdio->output_fd[2];
        return 0;
}

void monitor_stdio_close_runtime_side(struct monitor_stdio *stdio)
{
        for (int i = 0; i < 3; i++)
                close_fd(&stdio->runtime_fd[i]);
}

void monitor_stdio_release(struct monitor_stdio *stdio)
{
        monitor_stdio_close_runtime_side(stdio);
        if (stdio->runtime_err_fd != stdio->output_fd[2])
                close_fd(&stdio->runtime_err_fd);
        stdio->runtime_err_fd = -1;
        close_fd(&stdio->input_fd);
        close_fd(&stdio->output_fd[1]);
        close_fd(&stdio->output_fd[2]);
}
