/* Restart policies (parsing, docker's decision table, back-off) and health checks (durations,
 * configuration merge, state transitions). */
#include "base/duration.h"
#include "engine/health.h"
#include "engine/restart_policy.h"
#include "test.h"

TEST(restart_policy_parses_docker_names)
{
        struct restart_policy p;
        struct error *err = NULL;
        REQUIRE(restart_policy_parse("on-failure:3", &p, &err) == 0);
        CHECK(p.name == RESTART_ON_FAILURE && p.maximum_retry_count == 3);
        REQUIRE(restart_policy_parse("on-failure", &p, &err) == 0);
        CHECK(p.name == RESTART_ON_FAILURE && p.maximum_retry_count == 0);
        REQUIRE(restart_policy_parse("always", &p, &err) == 0);
        CHECK(p.name == RESTART_ALWAYS);
        REQUIRE(restart_policy_parse("unless-stopped", &p, &err) == 0);
        CHECK(p.name == RESTART_UNLESS_STOPPED);
        REQUIRE(restart_policy_parse("no", &p, &err) == 0);
        CHECK(p.name == RESTART_NO);
        CHECK_STR_EQ(restart_policy_name_text(RESTART_UNLESS_STOPPED), "unless-stopped");
        CHECK(restart_policy_name_parse("always") == RESTART_ALWAYS);
        CHECK(restart_policy_name_parse(NULL) == RESTART_NO);
}

TEST(restart_policy_refuses_bad_text)
{
        const char *bad[] = {"sometimes",   "",    "always:3", "on-failure:x", "on-failure:-1",
                             "on-failure:", "no:1"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct restart_policy p;
                struct error *err = NULL;
                CHECK(restart_policy_parse(bad[i], &p, &err) < 0);
                CHECK(err != NULL);
                error_free(&err);
        }
}

TEST(restart_decision_table)
{
        const struct {
                enum restart_policy_name name;
                int max, code, count;
                bool stopped, restart;
        } cases[] = {
            {RESTART_NO, 0, 1, 0, false, false},
            {RESTART_ALWAYS, 0, 0, 0, false, true},
            {RESTART_ALWAYS, 0, 137, 50, false, true},
            {RESTART_ALWAYS, 0, 137, 0, true, false},
            {RESTART_UNLESS_STOPPED, 0, 0, 3, false, true},
            {RESTART_UNLESS_STOPPED, 0, 1, 0, true, false},
            {RESTART_ON_FAILURE, 0, 0, 0, false, false},
            {RESTART_ON_FAILURE, 0, 1, 100, false, true},
            {RESTART_ON_FAILURE, 2, 1, 0, false, true},
            {RESTART_ON_FAILURE, 2, 1, 1, false, true},
            {RESTART_ON_FAILURE, 2, 1, 2, false, false},
            {RESTART_ON_FAILURE, 2, 1, 0, true, false},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct restart_policy p = {cases[i].name, cases[i].max};
                bool got = restart_policy_should_restart(&p, cases[i].code, cases[i].count,
                                                         cases[i].stopped);
                if (got != cases[i].restart)
                        test_check_failed(__FILE__, __LINE__, "case %zu: got %d", i, got);
        }
}

TEST(restart_backoff_doubles_caps_and_resets)
{
        CHECK(restart_backoff_next_ms(0, 0) == 100);
        CHECK(restart_backoff_next_ms(100, 50) == 200);
        CHECK(restart_backoff_next_ms(200, 9999) == 400);
        CHECK(restart_backoff_next_ms(51200, 0) == 60000);
        CHECK(restart_backoff_next_ms(60000, 0) == 60000);
        CHECK(restart_backoff_next_ms(6400, 10000) == 100);
}

TEST(durations_in_go_syntax)
{
        const struct {
                const char *text;
                int64_t ns;
        } ok[] = {
            {"0", 0},
            {"30s", 30000000000LL},
            {"1m30s", 90000000000LL},
            {"500ms", 500000000},
            {"1.5s", 1500000000},
            {"2h", 7200000000000LL},
            {"10us", 10000},
            {"7ns", 7},
            {"1h1m1s", 3661000000000LL},
        };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                int64_t ns = -1;
                struct error *err = NULL;
                if (duration_parse(ok[i].text, &ns, &err) < 0 || ns != ok[i].ns)
                        test_check_failed(__FILE__, __LINE__, "%s: %lld", ok[i].text,
                                          (long long)ns);
                error_free(&err);
        }
        const char *bad[] = {"", "5", "-1s", "1x", "s", "1m30", "abc"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int64_t ns;
                struct error *err = NULL;
                if (duration_parse(bad[i], &ns, &err) == 0)
                        test_check_failed(__FILE__, __LINE__, "%s accepted", bad[i]);
                error_free(&err);
        }
}

TEST(healthcheck_merge_follows_docker)
{
        struct error *err = NULL;
        json_t *image = json_pack("{s:[s,s,s], s:I, s:i}", "Test", "CMD", "/bin/check", "-q",
                                  "Interval", (json_int_t)5000000000LL, "Retries", 7);
        json_t *out = NULL;
        struct engine_health_flags none = {0};
        REQUIRE(health_config_merge(image, &none, &out, &err) == 0);
        REQUIRE(out != NULL);
        CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(out, "Test"), 0)), "CMD");
        CHECK(health_config_interval_ns(out) == 5000000000LL);
        CHECK(health_config_timeout_ns(out) == HEALTH_DEFAULT_TIMEOUT_NS);
        CHECK(health_config_retries(out) == 7);
        json_decref(out);

        struct engine_health_flags flags = {.cmd = "true", .timeout_ns = 2000000000};
        REQUIRE(health_config_merge(image, &flags, &out, &err) == 0);
        REQUIRE(out != NULL);
        json_t *test = json_object_get(out, "Test");
        CHECK_STR_EQ(json_string_value(json_array_get(test, 0)), "CMD-SHELL");
        CHECK_STR_EQ(json_string_value(json_array_get(test, 1)), "true");
        CHECK(health_config_interval_ns(out) == 5000000000LL); /* the image's stays */
        CHECK(health_config_timeout_ns(out) == 2000000000LL);
        json_decref(out);

        struct engine_health_flags off = {.disabled = true};
        REQUIRE(health_config_merge(image, &off, &out, &err) == 0);
        CHECK(out == NULL);
        off.cmd = "true";
        CHECK(health_config_merge(image, &off, &out, &err) < 0);
        error_free(&err);

        json_t *disabled = json_pack("{s:[s]}", "Test", "NONE");
        REQUIRE(health_config_merge(disabled, &none, &out, &err) == 0);
        CHECK(out == NULL);
        REQUIRE(health_config_merge(NULL, &none, &out, &err) == 0);
        CHECK(out == NULL);
        json_decref(disabled);
        json_decref(image);
}

static json_t *entry(int code)
{
        return json_pack("{s:s, s:s, s:i, s:s}", "Start", "s", "End", "e", "ExitCode", code,
                         "Output", "");
}

static const char *status_of(json_t *state)
{
        return json_string_value(json_object_get(state, "Status"));
}

TEST(health_state_transitions)
{
        json_t *s = health_state_new();
        CHECK_STR_EQ(status_of(s), "starting");
        /* Failures in the start period do not count while it never passed. */
        health_state_record(s, entry(1), false, 2, true);
        health_state_record(s, entry(1), false, 2, true);
        CHECK_STR_EQ(status_of(s), "starting");
        CHECK(json_integer_value(json_object_get(s, "FailingStreak")) == 0);
        health_state_record(s, entry(1), false, 2, false);
        CHECK_STR_EQ(status_of(s), "starting");
        health_state_record(s, entry(1), false, 2, false);
        CHECK_STR_EQ(status_of(s), "unhealthy");
        CHECK(json_integer_value(json_object_get(s, "FailingStreak")) == 2);
        health_state_record(s, entry(0), true, 2, false);
        CHECK_STR_EQ(status_of(s), "healthy");
        CHECK(json_integer_value(json_object_get(s, "FailingStreak")) == 0);
        /* Once healthy, the start period no longer excuses a failure. */
        health_state_record(s, entry(1), false, 2, true);
        CHECK_STR_EQ(status_of(s), "healthy");
        CHECK(json_integer_value(json_object_get(s, "FailingStreak")) == 1);
        CHECK(json_array_size(json_object_get(s, "Log")) == HEALTH_LOG_ENTRIES);
        json_decref(s);
}
