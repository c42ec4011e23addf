/*
 * Restart policies as docker has them (`run --restart`): what to do when a container's init
 * exited, and how long to wait first. Pure functions: the engine keeps the counters in the
 * container's record and runs the decision from `berth container cleanup` (engine_cleanup.c).
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

enum restart_policy_name {
        RESTART_NO,
        RESTART_ON_FAILURE,
        RESTART_ALWAYS,
        RESTART_UNLESS_STOPPED,
};

struct restart_policy {
        enum restart_policy_name name;
        int maximum_retry_count; /* on-failure:N; 0: no limit */
};

/* "no", "on-failure[:N]", "always", "unless-stopped" (docker's words and errors). A count is
 * only allowed with on-failure; N must be a non-negative integer. */
int restart_policy_parse(const char *text, struct restart_policy *out, struct error **err);
/* docker's Name: "no", "on-failure", "always", "unless-stopped". */
const char *restart_policy_name_text(enum restart_policy_name name);
/* RESTART_NO for an unknown name. */
enum restart_policy_name restart_policy_name_parse(const char *name);

/*
 * Whether a container that exited with EXIT_CODE is restarted, docker's rule:
 *  - stopped by the user (stop, kill, rm -f): never;
 *  - always, unless-stopped: whatever the code;
 *  - on-failure: a non-zero code, while RESTART_COUNT (restarts done so far) is below the
 *    maximum retry count (when there is one);
 *  - no: never.
 */
bool restart_policy_should_restart(const struct restart_policy *policy, int exit_code,
                                   int restart_count, bool stopped_by_user);

/* The wait before the next restart (docker's back-off): 100 ms for the first, doubled for
 * each consecutive one up to one minute; back to 100 ms when the container ran for at least
 * 10 s. PREVIOUS_MS is the wait before the last restart (0: none yet), RAN_MS how long the
 * container ran this time. */
int64_t restart_backoff_next_ms(int64_t previous_ms, int64_t ran_ms);

#define RESTART_BACKOFF_INITIAL_MS   100
#define RESTART_BACKOFF_MAX_MS       60000
#define RESTART_BACKOFF_RESET_RAN_MS 10000
