/* Processes: identity that survives pid reuse, waiting on non-children, signal names. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct error;

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22), or 0 if gone. */
uint64_t process_start_time(pid_t pid);
/* True if pid is alive, is not a zombie, and (when start_time != 0) started at start_time. */
bool process_alive(pid_t pid, uint64_t start_time);
/* pidfd_open(2); -1 with errno set on failure. */
int process_pidfd_open(pid_t pid);
/* Waits until the process behind pidfd exits or timeout_ms passes (-1: forever).
 * Returns 1 if it exited, 0 on timeout. */
int process_pidfd_wait(int pidfd, int timeout_ms);
/* Parses "KILL", "SIGKILL", "kill" or "9". Returns the signal number or -1. */
int signal_parse(const char *name);
/* Exit status as a shell reports it: the code, or 128+signal. */
int process_exit_code(int wait_status);
