#include "process.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"

/* Reads /proc/PID/stat; state and start time sit after the comm, which may hold spaces. */
static bool read_stat(pid_t pid, char *state, uint64_t *start_time)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (p == NULL || p[1] != ' ')
                return false;
        p += 2;
        *state = *p;
        /* Field 3 is the state; the start time is field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (p == NULL)
                        return false;
                p++;
        }
        *start_time = strtoull(p, NULL, 10);
        return true;
}

uint64_t process_start_time(pid_t pid)
{
        char state;
        uint64_t start = 0;
        return read_stat(pid, &state, &start) ? start : 0;
}

bool process_alive(pid_t pid, uint64_t start_time)
{
        char state;
        uint64_t start = 0;
        if (pid <= 0 || !read_stat(pid, &state, &start))
                return false;
        if (state == 'Z' || state == 'X')
                return false;
        return start_time == 0 || start == start_time;
}

int process_pidfd_open(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

int process_pidfd_wait(int pidfd, int timeout_ms)
{
        struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
        for (;;) {
                int n = poll(&pfd, 1, timeout_ms);
                if (n < 0 && errno == EINTR)
                        continue;
                return n > 0 ? 1 : 0;
        }
}

static const struct {
        const char *name;
        int number;
} signal_names[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int signal_parse(const char *name)
{
        if (name == NULL || *name == '\0')
                return -1;
        if (isdigit((unsigned char)*name)) {
                char *end;
                long n = strtol(name, &end, 10);
                return (*end == '\0' && n > 0 && n < NSIG) ? (int)n : -1;
        }
        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++)
                if (strcasecmp(name, signal_names[i].name) == 0)
                        return signal_names[i].number;
        /* RTMIN, RTMIN+3, RTMAX-2 */
        if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
                bool min = strncasecmp(name, "RTMIN", 5) == 0;
                int base = min ? SIGRTMIN : SIGRTMAX;
                const char *rest = name + 5;
                if (*rest == '\0')
                        return base;
                char *end;
                long off = strtol(rest, &end, 10);
                if (*end != '\0' || (min && off < 0) || (!min && off > 0))
                        return -1;
                int sig = base + (int)off;
                return (sig >= SIGRTMIN && sig <= SIGRTMAX) ? sig : -1;
        }
        return -1;
}

int process_exit_code(int wait_status)
{
        if (WIFEXITED(wait_status))
                return WEXITSTATUS(wait_status);
        if (WIFSIGNALED(wait_status))
                return 128 + WTERMSIG(wait_status);
        return 255;
}
