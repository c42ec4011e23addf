/* Health checks: durations, docker's configuration merge and state transitions (health.h). */
#include "health.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static json_t *shell_test(const char *cmd)
{
        json_t *test = json_array();
        json_array_append_new(test, json_string("CMD-SHELL"));
        json_array_append_new(test, json_string(cmd));
        return test;
}

int health_config_merge(json_t *image_healthcheck, const struct engine_health_flags *flags,
                        json_t **out, struct error **err)
{
        *out = NULL;
        bool any_flag = flags->cmd || flags->interval_ns || flags->timeout_ns ||
                        flags->start_period_ns || flags->retries;
        if (flags->disabled) {
                if (any_flag)
                        return error_set(err, 0,
                                         "--no-healthcheck conflicts with --health-* "
                                         "options");
                return 0;
        }
        if (flags->retries < 0)
                return error_set(err, 0, "--health-retries cannot be negative");
        json_t *hc =
            json_is_object(image_healthcheck) ? json_deep_copy(image_healthcheck) : json_object();
        if (flags->cmd)
                json_object_set_new(hc, "Test", shell_test(flags->cmd));
        const struct {
                const char *key;
                int64_t value;
        } numbers[] = {
            {"Interval", flags->interval_ns},
            {"Timeout", flags->timeout_ns},
            {"StartPeriod", flags->start_period_ns},
            {"Retries", flags->retries},
        };
        for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
                if (numbers[i].value)
                        json_object_set_new(hc, numbers[i].key, json_integer(numbers[i].value));
        json_t *test = json_object_get(hc, "Test");
        const char *kind = json_string_value(json_array_get(test, 0));
        if (!kind || strcmp(kind, "NONE") == 0 || json_array_size(test) < 2) {
                /* No test, or the image's ["NONE"] (docker's HEALTHCHECK NONE). */
                json_decref(hc);
                return 0;
        }
        if (strcmp(kind, "CMD") != 0 && strcmp(kind, "CMD-SHELL") != 0) {
                json_decref(hc);
                return error_set(err, 0,
                                 "healthcheck: unknown test type \"%s\" (CMD, CMD-SHELL "
                                 "or NONE)",
                                 kind);
        }
        *out = hc;
        return 0;
}

static int64_t number_or(json_t *hc, const char *key, int64_t fallback)
{
        json_t *v = json_object_get(hc, key);
        int64_t n = json_is_integer(v) ? json_integer_value(v) : 0;
        return n > 0 ? n : fallback;
}

int64_t health_config_interval_ns(json_t *hc)
{
        return number_or(hc, "Interval", HEALTH_DEFAULT_INTERVAL_NS);
}

int64_t health_config_timeout_ns(json_t *hc)
{
        return number_or(hc, "Timeout", HEALTH_DEFAULT_TIMEOUT_NS);
}

int64_t health_config_start_period_ns(json_t *hc)
{
        return number_or(hc, "StartPeriod", HEALTH_DEFAULT_START_PERIOD_NS);
}

int health_config_retries(json_t *hc)
{
        return (int)number_or(hc, "Retries", HEALTH_DEFAULT_RETRIES);
}

json_t *health_state_new(void)
{
        return json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
}

void health_state_record(json_t *state, json_t *entry, bool passed, int retries,
                         bool in_start_period)
{
        const char *status = json_string_value(json_object_get(state, "Status"));
        json_int_t streak = json_integer_value(json_object_get(state, "FailingStreak"));
        if (!status)
                status = "starting";
        if (passed) {
                streak = 0;
                status = "healthy";
        } else if (!(strcmp(status, "starting") == 0 && in_start_period)) {
                streak++;
                if (streak >= retries)
                        status = "unhealthy";
        }
        json_object_set_new(state, "Status", json_string(status));
        json_object_set_new(state, "FailingStreak", json_integer(streak));
        json_t *log = json_object_get(state, "Log");
        if (!json_is_array(log)) {
                log = json_array();
                json_object_set_new(state, "Log", log);
        }
        json_array_append_new(log, entry);
        while (json_array_size(log) > HEALTH_LOG_ENTRIES)
                json_array_remove(log, 0);
}
