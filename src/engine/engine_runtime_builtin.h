/* The built-in runtime's cheap verbs, run in berth's own process (engine_runtime()). Apart
 * from engine.h: the runtime's container.h has names of its own that engine.h uses too. */
#pragma once

struct error;

/* Runs ARGS (state ID, start ID, kill ID SIGNAL, delete [--force] ID) against the runtime
 * state in RUNTIME_ROOT in this process instead of forking berth-runtime, which costs each a
 * process start. Returns 1 when it did (*rc: 0, or -1 with *err prefixed with RUNTIME and the
 * verb, as the runtime's executable would fail), 0 when ARGS is for the executable. */
int engine_runtime_in_process(const char *runtime_root, const char *runtime,
                              const char *const *args, char **output, int *rc, struct error **err);
