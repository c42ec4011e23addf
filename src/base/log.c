#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "json_text.h"

static int log_fd = -1;
static enum log_format log_format_used = LOG_FORMAT_TEXT;
static bool log_debug_on;
static const char *log_program = "berth";

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int log_open(const char *path, enum log_format format, bool debug, struct error **err)
{
        log_format_used = format;
        log_debug_on = debug;
        if (path == NULL || *path == '\0')
                return 0;
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return error_set(err, errno, "open log file %s", path);
        log_fd = fd;
        return 0;
}

void log_close(void)
{
        if (log_fd >= 0)
                close(log_fd);
        log_fd = -1;
}

void log_set_program(const char *name)
{
        log_program = name;
}

bool log_debug_enabled(void)
{
        return log_debug_on;
}

static void write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                buf += n;
                len -= (size_t)n;
        }
}

static void format_time(char *out, size_t size)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, size - n, ".%09ldZ", ts.tv_nsec);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
        int saved_errno = errno;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);

        /* Errors and warnings always reach stderr; with a log file, everything goes there too. */
        if (level <= LOG_LEVEL_WARN || (log_debug_on && log_fd < 0)) {
                _cleanup_free_ char *line =
                    level == LOG_LEVEL_ERROR
                        ? xasprintf("%s: %s\n", log_program, msg)
                        : xasprintf("%s: %s: %s\n", log_program, level_names[level], msg);
                write_all(STDERR_FILENO, line, strlen(line));
        }
        if (log_fd >= 0) {
                char when[64];
                format_time(when, sizeof(when));
                _cleanup_free_ char *line = NULL;
                if (log_format_used == LOG_FORMAT_JSON) {
                        _cleanup_free_ char *quoted = json_text_quote(msg);
                        line = xasprintf("{\"level\":\"%s\",\"msg\":%s,\"time\":\"%s\"}\n",
                                         level_names[level], quoted, when);
                } else {
                        _cleanup_free_ char *quoted = json_text_quote(msg);
                        line = xasprintf("time=\"%s\" level=%s msg=%s\n", when, level_names[level],
                                         quoted);
                }
                write_all(log_fd, line, strlen(line));
        }
        errno = saved_errno;
}
