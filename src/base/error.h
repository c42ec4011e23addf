/*
 * The one error type. A function that can fail takes `struct error **err` last, returns a
 * negative value (or NULL) on failure and fills *err; callers add context with error_wrap()
 * on the way up, and only main() prints. Messages are lower-case, no full stop, and say what
 * failed on what: "open config.json: No such file or directory".
 */
#pragma once
#include <stdarg.h>

struct error {
        int errnum; /* errno of the root cause, or 0 */
        char *msg;
};

/* Sets *err (which must be NULL) to the formatted message; with errnum != 0 appends
 * ": strerror(errnum)". Always returns -1 so callers can `return error_set(...)`. */
int error_set(struct error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes the message in *err with "context: ". Returns -1. */
int error_wrap(struct error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_free(struct error **err);

static inline void cleanup_errorp(struct error **err)
{
        error_free(err);
}
#define _cleanup_error_ __attribute__((cleanup(cleanup_errorp)))
