/* The sealed exec trampoline (trampoline/trampoline.c): how the init and exec'd processes
 * make their final exec without ever exposing the host's runtime binary (CVE-2019-5736). */
#pragma once
#include <stdbool.h>

struct error;

/* True when this build has the trampoline; otherwise cloned_binary_ensure() protects. */
bool exec_trampoline_available(void);
/* Returns a sealed memfd holding the trampoline (close-on-exec), or -1 with *err. */
int exec_trampoline_fd(struct error **err);
/* Execs path with argv/envp through the trampoline held by fd; on failure the trampoline
 * writes "<prefix>exec ...: errno N" to status_fd. keep_fd (or -1) stays open until the
 * program itself is exec'd. Returns only if the trampoline itself
 * could not be exec'd (errno set). */
void exec_trampoline_run(int fd, int status_fd, int keep_fd, const char *prefix, const char *path,
                         char *const *argv, char *const *envp);

/* The trampoline can only say "errno N"; this turns such a message into the usual
 * "...: No such file or directory". Returns a new string (other messages are copied). */
char *exec_trampoline_explain(const char *message);
