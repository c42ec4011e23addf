/* Restart policies: parsing, the restart decision and the back-off (restart_policy.h). */
#include "restart_policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
    [RESTART_NO] = "no",
    [RESTART_ON_FAILURE] = "on-failure",
    [RESTART_ALWAYS] = "always",
    [RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *restart_policy_name_text(enum restart_policy_name name)
{
        return (unsigned)name < sizeof(names) / sizeof(names[0]) ? names[name] : "no";
}

enum restart_policy_name restart_policy_name_parse(const char *name)
{
        for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(name, names[i]) == 0)
                        return (enum restart_policy_name)i;
        return RESTART_NO;
}

int restart_policy_parse(const char *text, struct restart_policy *out, struct error **err)
{
        const char *colon = strchr(text, ':');
        size_t len = colon ? (size_t)(colon - text) : strlen(text);
        *out = (struct restart_policy){RESTART_NO, 0};
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strlen(names[i]) == len && strncmp(text, names[i], len) == 0)
                        break;
        if (i == sizeof(names) / sizeof(names[0]) || len == 0)
                return error_set(err, 0,
                                 "invalid restart policy: unknown policy '%.*s'; use "
                                 "one of 'no', 'always', 'on-failure', or "
                                 "'unless-stopped'",
                                 (int)len, text);
        out->name = (enum restart_policy_name)i;
        if (!colon)
                return 0;
        if (out->name != RESTART_ON_FAILURE)
                return error_set(err, 0,
                                 "invalid restart policy: maximum retry count can only be "
                                 "used with 'on-failure'");
        char *end;
        errno = 0;
        long n = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || n < 0 || n > 1000000000)
                return error_set(err, 0,
                                 "invalid restart policy: maximum retry count must be a "
                                 "non-negative integer: %s",
                                 colon + 1);
        out->maximum_retry_count = (int)n;
        return 0;
}

bool restart_policy_should_restart(const struct restart_policy *policy, int exit_code,
                                   int restart_count, bool stopped_by_user)
{
        if (stopped_by_user)
                return false;
        switch (policy->name) {
        case RESTART_ALWAYS:
        case RESTART_UNLESS_STOPPED:
                return true;
        case RESTART_ON_FAILURE:
                if (exit_code == 0)
                        return false;
                return policy->maximum_retry_count == 0 ||
                       restart_count < policy->maximum_retry_count;
        case RESTART_NO:
                break;
        }
        return false;
}

int64_t restart_backoff_next_ms(int64_t previous_ms, int64_t ran_ms)
{
        if (ran_ms >= RESTART_BACKOFF_RESET_RAN_MS || previous_ms <= 0)
                return RESTART_BACKOFF_INITIAL_MS;
        int64_t next = previous_ms * 2;
        return next > RESTART_BACKOFF_MAX_MS ? RESTART_BACKOFF_MAX_MS : next;
}
