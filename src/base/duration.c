/* Go durations (duration.h). */
#include "duration.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int duration_parse(const char *text, int64_t *ns, struct error **err)
{
        static const struct {
                const char *unit;
                int64_t ns;
        } units[] = {
            {"ns", 1},           {"us", 1000},         {"\xc2\xb5s", 1000},    {"ms", 1000000},
            {"s", 1000000000LL}, {"m", 60000000000LL}, {"h", 3600000000000LL},
        };
        const char *p = text;
        double total = 0;
        if (*p == '-')
                return error_set(err, 0, "invalid duration \"%s\": cannot be negative", text);
        if (*p == '+')
                p++;
        if (strcmp(p, "0") == 0) {
                *ns = 0;
                return 0;
        }
        if (*p == '\0')
                return error_set(err, 0, "invalid duration \"%s\"", text);
        while (*p) {
                if (!isdigit((unsigned char)*p) && *p != '.')
                        return error_set(err, 0, "invalid duration \"%s\"", text);
                char *end;
                double value = strtod(p, &end);
                if (end == p)
                        return error_set(err, 0, "invalid duration \"%s\"", text);
                p = end;
                size_t best = 0, best_len = 0;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                        size_t len = strlen(units[i].unit);
                        /* "ms" before "m", "ns"/"us" before "s": the longest unit that fits. */
                        if (strncmp(p, units[i].unit, len) == 0 && len > best_len) {
                                best = i;
                                best_len = len;
                        }
                }
                if (best_len == 0)
                        return error_set(err, 0, "invalid duration \"%s\": missing unit", text);
                p += best_len;
                total += value * (double)units[best].ns;
                if (total > 9.2e18)
                        return error_set(err, 0, "invalid duration \"%s\": too large", text);
        }
        *ns = (int64_t)(total + 0.5);
        return 0;
}
