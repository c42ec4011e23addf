/*
 * A lock per container (flock on RUNROOT/locks/ID), so that the commands that change a
 * container's life (start, remove, the exit command's cleanup and restart, the stop flag,
 * health results) do not interleave. Re-entrant within a process: a cleanup that holds it may
 * call engine_container_start, which takes it again.
 */
#pragma once
#include "engine.h"

struct container_lock {
        int slot; /* -1: not held */
};

/* Blocks until the lock of container ID is ours. */
int container_lock_take(struct engine *e, const char *id, struct container_lock *lock,
                        struct error **err);
/* Releases it (the last release of a nested take unlocks). Safe on a lock not held. */
void container_lock_release(struct container_lock *lock);
/* Releases it and removes the lock file: for a container whose record is gone (a later taker
 * finds the record gone too, whichever file it locked). */
void container_lock_release_removed(struct engine *e, struct container_lock *lock);
