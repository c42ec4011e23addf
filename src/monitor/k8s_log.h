/*
 * The container log in podman's k8s-file format (what `podman logs` and the kubelet read):
 *   <time> <stream> <F|P> <text>\n
 * time is RFC 3339 in UTC with nine fraction digits; F marks a full line (its newline is the
 * entry's), P a partial one (the text a read ended with before any newline; the rest of the
 * line follows in later entries, the last of them F).
 *
 * Rotation (max_size > 0): before an entry would make the file larger than max_size, the file
 * is renamed to PATH.1 (replacing an older one) and a new PATH is started. An entry larger
 * than max_size on its own still goes whole into a fresh file.
 */
#pragma once
#include <stddef.h>

struct error;

#define K8S_LOG_BUFFER 16384

struct k8s_log {
        int fd;
        char *path;
        long long max_size;
        long long size; /* bytes in the file, flushed or not */
        size_t pending; /* bytes in buffer not yet written */
        char buffer[K8S_LOG_BUFFER];
};

/* Opens (appending to) or creates path with mode 0600. */
int k8s_log_open(struct k8s_log *log, const char *path, long long max_size, struct error **err);
/* Logs one chunk of output of stream ("stdout" or "stderr"), all stamped with the same time.
 * On a write error the chunk's remaining entries are dropped; the log stays usable. */
int k8s_log_write(struct k8s_log *log, const char *stream, const char *data, size_t len,
                  struct error **err);
void k8s_log_release(struct k8s_log *log);
