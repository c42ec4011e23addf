/*
 * Deferred deletion of removed containers' directories. A container's directory in ROOT (its
 * writable layer, overlay work dir and log) is renamed into ROOT/trash when the container is
 * removed, and deleted by a detached child once the command is done: unlinking those inodes on
 * ext4 was the longest step of `run --rm` after the container's exit (about 2 ms). The record,
 * the name and ROOT/containers/ID are gone before the command returns; the disk space follows
 * a few milliseconds later. A deletion cut short (a crash) is finished by the next one.
 */
#pragma once
#include "engine.h"

/* Moves DIR (ROOT/containers/ID) into the trash, or deletes it now where it cannot be moved. */
int engine_trash_put(struct engine *e, const char *dir, const char *id, struct error **err);
/* When something went to the trash: forks a child, in a session of its own with its stdio on
 * /dev/null, that deletes what the trash holds; returns at once. */
void engine_trash_empty_detached(struct engine *e);
