/* The monitor's event loop: from a created container to its init's exit. */
#pragma once
#include <sys/types.h>

#include "attach.h"
#include "k8s_log.h"
#include "monitor.h"

struct error;

/*
 * Serves the container (output to the log and attach clients, client input to its stdin)
 * until init_pid exits, then drains the output left in the pipes. sigfd is a signalfd for
 * SIGCHLD. Returns the init's exit code as a shell reports it (128+signal when killed), or -1
 * with *err when the loop itself fails.
 */
int monitor_loop_run(const struct monitor_options *opts, struct monitor_stdio *stdio,
                     struct k8s_log *log, struct attach_server *attach, int sigfd, pid_t init_pid,
                     struct error **err);
