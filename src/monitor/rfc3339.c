#include <stdio.h>
#include <time.h>

#include "monitor.h"

void monitor_format_time(char *buf, size_t size)
{
        struct timespec now;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        /* Nine fraction digits always, so entries line up; Go's RFC3339Nano parser takes them. */
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec);
}
