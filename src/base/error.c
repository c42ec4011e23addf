#include "error.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

int error_set(struct error **err, int errnum, const char *fmt, ...)
{
        if (err == NULL)
                return -1;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        error_free(err);
        struct error *e = xmalloc(sizeof(*e));
        e->errnum = errnum;
        e->msg = errnum ? xasprintf("%s: %s", msg, strerror(errnum)) : steal_pointer(&msg);
        *err = e;
        return -1;
}

int error_wrap(struct error **err, const char *fmt, ...)
{
        if (err == NULL || *err == NULL)
                return -1;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *context = xvasprintf(fmt, ap);
        va_end(ap);
        char *msg = xasprintf("%s: %s", context, (*err)->msg);
        free((*err)->msg);
        (*err)->msg = msg;
        return -1;
}

void error_free(struct error **err)
{
        if (err && *err) {
                free((*err)->msg);
                free(*err);
                *err = NULL;
        }
}
