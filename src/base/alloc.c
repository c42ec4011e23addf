#include "alloc.h"

#include <string.h>

static void *check(void *p)
{
        if (p == NULL) {
                static const char msg[] = "berth: out of memory\n";
                (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
                abort();
        }
        return p;
}

void *xmalloc(size_t size)
{
        return check(malloc(size ? size : 1));
}

void *xcalloc(size_t count, size_t size)
{
        return check(calloc(count ? count : 1, size ? size : 1));
}

void *xrealloc(void *ptr, size_t size)
{
        return check(realloc(ptr, size ? size : 1));
}

char *xstrdup(const char *s)
{
        return check(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
        return check(strndup(s, n));
}

char *xvasprintf(const char *fmt, va_list ap)
{
        char *out = NULL;
        if (vasprintf(&out, fmt, ap) < 0)
                check(NULL);
        return out;
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *out = xvasprintf(fmt, ap);
        va_end(ap);
        return out;
}
