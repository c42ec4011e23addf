/* --ulimit and docker's byte sizes (go-units ParseUlimit and RAMInBytes). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "alloc.h"
#include "container_config.h"
#include "error.h"

static const struct {
        const char *name;
        const char *type;
        int resource;
} ulimit_names[] = {
    {"as", "RLIMIT_AS", RLIMIT_AS},
    {"core", "RLIMIT_CORE", RLIMIT_CORE},
    {"cpu", "RLIMIT_CPU", RLIMIT_CPU},
    {"data", "RLIMIT_DATA", RLIMIT_DATA},
    {"fsize", "RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"locks", "RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"memlock", "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"msgqueue", "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"nice", "RLIMIT_NICE", RLIMIT_NICE},
    {"nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"nproc", "RLIMIT_NPROC", RLIMIT_NPROC},
    {"rss", "RLIMIT_RSS", RLIMIT_RSS},
    {"rtprio", "RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"rttime", "RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"sigpending", "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"stack", "RLIMIT_STACK", RLIMIT_STACK},
};

/* A decimal integer >= -1 ("-1" and "unlimited" are -1). */
static int parse_limit(const char *text, int64_t *out)
{
        if (strcmp(text, "unlimited") == 0 || strcmp(text, "-1") == 0) {
                *out = -1;
                return 0;
        }
        if (*text == '\0')
                return -1;
        for (const char *p = text; *p; p++)
                if (!isdigit((unsigned char)*p))
                        return -1;
        errno = 0;
        long long value = strtoll(text, NULL, 10);
        if (errno)
                return -1;
        *out = value;
        return 0;
}

int engine_parse_ulimit(const char *text, struct engine_ulimit *out, struct error **err)
{
        *out = (struct engine_ulimit){0};
        const char *eq = strchr(text, '=');
        if (eq == NULL)
                return error_set(err, 0, "invalid ulimit argument: %s", text);
        size_t name_len = (size_t)(eq - text);
        size_t index = ARRAY_SIZE(ulimit_names);
        for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
                if (strlen(ulimit_names[i].name) == name_len &&
                    strncmp(ulimit_names[i].name, text, name_len) == 0)
                        index = i;
        if (index == ARRAY_SIZE(ulimit_names))
                return error_set(err, 0, "invalid ulimit type: %.*s", (int)name_len, text);

        _cleanup_free_ char *values = xstrdup(eq + 1);
        char *hard_text = strchr(values, ':');
        if (hard_text) {
                *hard_text++ = '\0';
                if (strchr(hard_text, ':'))
                        return error_set(err, 0,
                                         "too many limit value arguments - %s, can only have up "
                                         "to two, `soft[:hard]`",
                                         eq + 1);
        }
        int64_t soft, hard;
        if (parse_limit(values, &soft) < 0)
                return error_set(err, 0, "invalid ulimit value: %s", values);
        if (hard_text == NULL)
                hard = soft;
        else if (parse_limit(hard_text, &hard) < 0)
                return error_set(err, 0, "invalid ulimit value: %s", hard_text);
        /* -1 (unlimited) is the largest of all. */
        if (hard != -1 && (soft == -1 || soft > hard))
                return error_set(
                    err, 0, "ulimit soft limit must be less than or equal to hard limit: %s > %s",
                    values, hard_text ? hard_text : values);
        if (ulimit_names[index].resource == RLIMIT_NOFILE && (soft == -1 || hard == -1))
                return error_set(
                    err, 0, "ulimit nofile cannot be unlimited (the kernel caps it at fs.nr_open)");
        out->resource = ulimit_names[index].resource;
        out->type = xstrdup(ulimit_names[index].type);
        out->soft = soft;
        out->hard = hard;
        return 0;
}

int engine_parse_bytes(const char *text, int64_t *out, struct error **err)
{
        const char *p = text;
        char *end;
        if (!isdigit((unsigned char)*p))
                return error_set(err, 0, "invalid size: '%s'", text);
        errno = 0;
        double number = strtod(p, &end);
        if (errno || end == p)
                return error_set(err, 0, "invalid size: '%s'", text);
        p = end;
        if (*p == ' ')
                p++;
        double multiplier = 1;
        switch (tolower((unsigned char)*p)) {
        case 'k':
                multiplier = 1024.0;
                p++;
                break;
        case 'm':
                multiplier = 1024.0 * 1024;
                p++;
                break;
        case 'g':
                multiplier = 1024.0 * 1024 * 1024;
                p++;
                break;
        case 't':
                multiplier = 1024.0 * 1024 * 1024 * 1024;
                p++;
                break;
        case 'p':
                multiplier = 1024.0 * 1024 * 1024 * 1024 * 1024;
                p++;
                break;
        }
        if (multiplier > 1 && tolower((unsigned char)*p) == 'i')
                p++;
        if (tolower((unsigned char)*p) == 'b')
                p++;
        double bytes = number * multiplier;
        if (*p != '\0' || !isfinite(bytes) || bytes >= 9.2e18)
                return error_set(err, 0, "invalid size: '%s'", text);
        *out = (int64_t)bytes;
        return 0;
}
