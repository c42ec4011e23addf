/* RFC 3339 timestamps (rfc3339.h). */
#include "rfc3339.h"

#include <stdio.h>
#include <time.h>

#include "alloc.h"

void rfc3339_now(char *buf, size_t size)
{
        struct timespec now;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec);
}

char *rfc3339_now_string(void)
{
        char buf[RFC3339_NOW_SIZE];
        rfc3339_now(buf, sizeof(buf));
        return xstrdup(buf);
}
