#include "k8s_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "monitor.h"
#include "rfc3339.h"

static int log_open_fd(const char *path, int extra_flags, struct error **err)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | extra_flags, 0600);
        if (fd < 0)
                return error_set(err, errno, "open log file %s", path);
        return fd;
}

int k8s_log_open(struct k8s_log *log, const char *path, long long max_size, struct error **err)
{
        struct stat st;
        log->fd = -1;
        log->path = xstrdup(path);
        log->max_size = max_size;
        log->pending = 0;
        log->fd = log_open_fd(path, 0, err);
        if (log->fd < 0)
                return -1;
        if (fstat(log->fd, &st) < 0)
                return error_set(err, errno, "stat log file %s", path);
        log->size = st.st_size;
        return 0;
}

static int log_flush(struct k8s_log *log, struct error **err)
{
        size_t done = 0;
        while (done < log->pending) {
                ssize_t n = write(log->fd, log->buffer + done, log->pending - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int saved = errno;
                        /* What was not written is not in the file either. */
                        log->size -= (long long)(log->pending - done);
                        log->pending = 0;
                        return error_set(err, saved, "write log file %s", log->path);
                }
                done += (size_t)n;
        }
        log->pending = 0;
        return 0;
}

static int log_rotate(struct k8s_log *log, struct error **err)
{
        _cleanup_free_ char *older = xasprintf("%s.1", log->path);
        /* Whatever happens below, do not retry before the next max_size bytes. */
        log->size = 0;
        if (rename(log->path, older) < 0 && errno != ENOENT)
                return error_set(err, errno, "rotate log file %s", log->path);
        int fd = log_open_fd(log->path, O_TRUNC, err);
        if (fd < 0)
                return -1; /* keeps writing to the renamed file */
        close(log->fd);
        log->fd = fd;
        return 0;
}

static int log_append(struct k8s_log *log, const char *data, size_t len, struct error **err)
{
        while (len > 0) {
                if (log->pending == sizeof(log->buffer) && log_flush(log, err) < 0)
                        return -1;
                size_t room = sizeof(log->buffer) - log->pending;
                size_t n = len < room ? len : room;
                memcpy(log->buffer + log->pending, data, n);
                log->pending += n;
                log->size += (long long)n;
                data += n;
                len -= n;
        }
        return 0;
}

static int log_entry(struct k8s_log *log, const char *header, size_t header_len, const char *text,
                     size_t text_len, struct error **err)
{
        long long entry = (long long)(header_len + text_len + 1);
        if (log->max_size > 0 && log->size > 0 && log->size + entry > log->max_size) {
                if (log_flush(log, err) < 0)
                        return -1;
                if (log_rotate(log, err) < 0)
                        return -1;
        }
        if (log_append(log, header, header_len, err) < 0 ||
            log_append(log, text, text_len, err) < 0 || log_append(log, "\n", 1, err) < 0)
                return -1;
        return 0;
}

int k8s_log_write(struct k8s_log *log, const char *stream, const char *data, size_t len,
                  struct error **err)
{
        char stamp[40], full[64], partial[64];
        rfc3339_now(stamp, sizeof(stamp));
        int full_len = snprintf(full, sizeof(full), "%s %s F ", stamp, stream);
        int partial_len = snprintf(partial, sizeof(partial), "%s %s P ", stamp, stream);
        const char *end = data + len;
        int rc = 0;
        while (data < end && rc == 0) {
                const char *newline = memchr(data, '\n', (size_t)(end - data));
                if (newline) {
                        rc = log_entry(log, full, (size_t)full_len, data, (size_t)(newline - data),
                                       err);
                        data = newline + 1;
                } else {
                        rc = log_entry(log, partial, (size_t)partial_len, data,
                                       (size_t)(end - data), err);
                        data = end;
                }
        }
        if (rc < 0) {
                log->pending = 0;
                return -1;
        }
        /* Readers (`logs -f`) see each chunk as soon as it came. */
        return log_flush(log, err);
}

void k8s_log_release(struct k8s_log *log)
{
        if (log->fd >= 0)
                close(log->fd);
        log->fd = -1;
        free(log->path);
        log->path = NULL;
}
