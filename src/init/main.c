/*
 * berth-init: the minimal init of `berth run --init` (docker's --init, tini's job). Bind-mounted
 * read-only at /run/berth-init and run as pid 1 with `-- COMMAND ARGS...`, it starts COMMAND,
 * forwards to it every signal it gets (pid 1 would otherwise ignore those it has no handler for),
 * reaps every orphan that the kernel reparents to it, and exits with COMMAND's status (128+N when
 * a signal N ended it), as docker's init does. Static and dependency-free: it runs inside images
 * that have no libc of their own.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        int first = 1;
        if (first < argc && strcmp(argv[first], "--") == 0)
                first++;
        if (first >= argc) {
                fputs("berth-init: usage: berth-init -- COMMAND [ARG...]\n", stderr);
                return 2;
        }
        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        pid_t child = fork();
        if (child < 0) {
                fprintf(stderr, "berth-init: fork: %s\n", strerror(errno));
                return 1;
        }
        if (child == 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                /* A process group of its own, so a terminal's ^C reaches the command's tree. */
                setpgid(0, 0);
                if (isatty(STDIN_FILENO))
                        tcsetpgrp(STDIN_FILENO, getpgrp());
                execvp(argv[first], argv + first);
                fprintf(stderr, "berth-init: exec %s: %s\n", argv[first], strerror(errno));
                _exit(errno == ENOENT ? 127 : 126);
        }
        for (;;) {
                siginfo_t info;
                int sig = sigwaitinfo(&all, &info);
                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        /* To the command's whole process group, as tini -g would not: the
                         * command alone, as docker's default init does. */
                        kill(child, sig);
                        continue;
                }
                int status;
                pid_t pid;
                while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                        if (pid != child)
                                continue; /* an orphan, reaped */
                        if (WIFEXITED(status))
                                return WEXITSTATUS(status);
                        return 128 + WTERMSIG(status);
                }
        }
}
