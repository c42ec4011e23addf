/* Pure conversions of linux.resources values for cgroup v2 (see cgroup_convert.h). */
#include "cgroup_convert.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        /* Maps [2, 262144] onto [1, 10000]: the default 1024 becomes 39, as under runc. */
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        return 1 + ((weight - 10) * 9999) / 990;
}

int cgroup_memory_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct error **err)
{
        /* "Unlimited memory" without a word on swap means unlimited swap too, as v1 does
         * (memsw follows an unlimited limit). */
        if (limit == -1 && swap == 0) {
                *out = -1;
                return 0;
        }
        if (swap == -1 || swap == 0) {
                *out = swap;
                return 0;
        }
        if (swap < -1)
                return error_set(err, 0, "invalid swap value %" PRId64, swap);
        if (limit == 0 || limit == -1)
                return error_set(err, 0, "a swap limit needs a memory limit");
        if (limit < 0)
                return error_set(err, 0, "invalid memory limit %" PRId64, limit);
        if (swap < limit)
                return error_set(
                    err, 0, "swap (memory+swap, %" PRId64 ") is below the memory limit %" PRId64,
                    swap, limit);
        *out = swap - limit;
        return 0;
}

char *cgroup_v2_limit_text(int64_t value)
{
        return value < 0 ? xstrdup("max") : xasprintf("%" PRId64, value);
}

int64_t cgroup_v2_limit_parse(const char *text)
{
        if (strncmp(text, "max", 3) == 0)
                return -1;
        char *end;
        long long v = strtoll(text, &end, 10);
        if (end == text || v < 0)
                return -2;
        return v;
}

char *cgroup_cpu_max_text(int64_t quota, uint64_t period)
{
        if (quota > 0)
                return xasprintf("%" PRId64 " %" PRIu64, quota, period);
        return xasprintf("max %" PRIu64, period);
}

bool cgroup_cpu_max_parse(const char *text, int64_t *quota, uint64_t *period)
{
        char word[32];
        unsigned long long p;
        if (sscanf(text, "%31s %llu", word, &p) != 2)
                return false;
        if (strcmp(word, "max") == 0) {
                *quota = -1;
        } else {
                char *end;
                long long q = strtoll(word, &end, 10);
                if (*end != '\0' || q <= 0)
                        return false;
                *quota = q;
        }
        *period = p;
        return true;
}

bool cgroup_hugepage_size_valid(const char *size)
{
        const char *p = size;
        if (*p < '1' || *p > '9')
                return false;
        while (isdigit((unsigned char)*p))
                p++;
        return *p != '\0' && strchr("KMG", *p) != NULL && strcmp(p + 1, "B") == 0;
}
