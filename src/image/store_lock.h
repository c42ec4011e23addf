/*
 * Lock files of the image store (private to image/): flock(2) on a file in a store directory.
 *
 * A lock file may be unlinked by its holder on release, so that ingest/ and layers/ do not fill
 * up with one lock per digest ever seen. That is safe only because an acquirer checks, after
 * flock returns, that the path still names the inode it locked, and retries otherwise: a waiter
 * that locked an unlinked inode would hold nothing.
 */
#pragma once
#include <stdbool.h>

#include "base/error.h"

/* Locks DIRFD/NAME (created 0600 when missing). With WAIT false, a busy lock returns 0 and
 * *fd_out -1. Returns 1 with the locked fd in *fd_out, or -1 with *err. */
int store_lock_acquire(int dirfd, const char *name, bool exclusive, bool wait, int *fd_out,
                       struct error **err);
/* Unlinks DIRFD/NAME while still holding it (exclusive holders only), then closes FD. */
void store_lock_release_unlink(int dirfd, const char *name, int fd);
