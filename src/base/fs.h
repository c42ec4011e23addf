/* Filesystem helpers: whole-file reads, atomic writes, directory trees, safe lookups in a root. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct error;

/* Reads the whole file; returns a NUL-terminated buffer the caller frees, or NULL with *err. */
char *fs_read_file(const char *path, size_t *len, struct error **err);
char *fs_read_file_at(int dirfd, const char *path, size_t *len, struct error **err);
/* Writes data to a temp file beside path, fsyncs it, renames it over path, fsyncs the dir. */
int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         struct error **err);
/* The same without the fsyncs: readers see the old or the new file, never a torn one, but
 * a crash of the machine may lose it. For volatile state (the runtime's, under /run), where
 * a reboot ends the containers anyway and fsync would cost ~0.5 ms per container. */
int fs_replace_file(const char *path, const void *data, size_t len, mode_t mode,
                    struct error **err);
/* Plain open(O_WRONLY|O_TRUNC)+write, for /proc, /sys and cgroup control files. */
int fs_write_string(const char *path, const char *value, struct error **err);
int fs_write_string_at(int dirfd, const char *path, const char *value, struct error **err);
/* mkdir -p; existing directories are fine. */
int fs_mkdir_p(const char *path, mode_t mode, struct error **err);
/* rm -rf of a directory tree that must not cross mount points (state dirs). */
int fs_remove_tree(const char *path, struct error **err);
bool fs_exists(const char *path);

/*
 * Opens path inside root as if root were "/": symlinks and ".." never leave root
 * (openat2 RESOLVE_IN_ROOT). Missing components are created as directories when
 * create_dirs is true; with create_file the last component is created as an empty file
 * instead. Returns an O_PATH|O_CLOEXEC fd or -1 with *err.
 */
int fs_open_in_root(int rootfd, const char *path, bool create_dirs, bool create_file,
                    struct error **err);
