/*
 * Health checks as docker has them (`run --health-cmd ...`, the image's Healthcheck): the
 * configuration a container gets, Go duration parsing for the flags, and how one result moves
 * the health state. Pure functions; running the check is engine_health.c's job.
 *
 * The configuration is docker's Healthcheck object, kept as JSON in the container's record
 * (options.healthcheck): {"Test":["CMD-SHELL","cmd"] | ["CMD","arg",...], "Interval":ns,
 * "Timeout":ns, "StartPeriod":ns, "Retries":n}; a zero or missing number means the default.
 * The state is docker's State.Health: {"Status":"starting"|"healthy"|"unhealthy",
 * "FailingStreak":n, "Log":[{"Start","End","ExitCode","Output"}...]} with the last 5 results.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

#define HEALTH_DEFAULT_INTERVAL_NS     (30 * 1000000000LL)
#define HEALTH_DEFAULT_TIMEOUT_NS      (30 * 1000000000LL)
#define HEALTH_DEFAULT_START_PERIOD_NS 0LL
#define HEALTH_DEFAULT_RETRIES         3
#define HEALTH_LOG_ENTRIES             5
#define HEALTH_OUTPUT_MAX              4096

/* What `run`/`create` flags ask for; zero (NULL, false) is "not given". */
struct engine_health_flags {
        const char *cmd;         /* --health-cmd (CMD-SHELL) */
        int64_t interval_ns;     /* --health-interval */
        int64_t timeout_ns;      /* --health-timeout */
        int64_t start_period_ns; /* --health-start-period */
        int retries;             /* --health-retries */
        bool disabled;           /* --no-healthcheck */
};

/* The container's healthcheck (a new object), from the image config's "Healthcheck" (or NULL)
 * and the flags, docker's merge: the flags' test replaces the image's, each number given
 * replaces the image's. *out is NULL when the container has none (no test, ["NONE"], or
 * --no-healthcheck). --no-healthcheck with another --health-* flag is an error. */
int health_config_merge(json_t *image_healthcheck, const struct engine_health_flags *flags,
                        json_t **out, struct error **err);

/* The configuration's numbers with docker's defaults for zero. */
int64_t health_config_interval_ns(json_t *healthcheck);
int64_t health_config_timeout_ns(json_t *healthcheck);
int64_t health_config_start_period_ns(json_t *healthcheck);
int health_config_retries(json_t *healthcheck);

/* A new state: {"Status":"starting","FailingStreak":0,"Log":[]}. */
json_t *health_state_new(void);

/*
 * Records one result in STATE (docker's rule): a pass makes it healthy and resets the streak;
 * a failure counts in the streak, unless the container never passed yet and is still within
 * its start period; RETRIES failures in a row make it unhealthy. ENTRY ({"Start","End",
 * "ExitCode","Output"}, reference stolen) is appended to the log, which keeps the last
 * HEALTH_LOG_ENTRIES.
 */
void health_state_record(json_t *state, json_t *entry, bool passed, int retries,
                         bool in_start_period);
