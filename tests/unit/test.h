/*
 * A tiny unit test harness that speaks TAP (meson's protocol : 'tap').
 *
 *   TEST(parses_args) { CHECK(x == 1); CHECK_STR_EQ(s, "sh"); }
 *
 * Each TEST is one TAP line ("ok 3 - parses_args"), run in the order written. CHECK
 * records a failure and goes on; REQUIRE returns from the test on failure (use it before
 * dereferencing). A data-driven test may report one TAP line per case with test_case()
 * and test_case_skip(). Include this header in exactly one file per executable: it
 * defines main().
 */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_entry {
        const char *name;
        void (*fn)(void);
        int line;
};

static struct test_entry test_entries[512];
static size_t test_entry_count;
static unsigned test_number;   /* TAP lines printed so far */
static unsigned test_failures; /* TAP lines that were "not ok" */
static unsigned test_current_failed_checks;
static const char *test_current_skip;

static inline void test_register(const char *name, void (*fn)(void), int line)
{
        if (test_entry_count == sizeof(test_entries) / sizeof(test_entries[0])) {
                fprintf(stderr, "test.h: too many tests\n");
                abort();
        }
        test_entries[test_entry_count++] = (struct test_entry){name, fn, line};
}

#define TEST(name)                                                                                 \
        static void test_##name(void);                                                             \
        __attribute__((constructor)) static void test_register_##name(void)                        \
        {                                                                                          \
                test_register(#name, test_##name, __LINE__);                                       \
        }                                                                                          \
        static void test_##name(void)

__attribute__((format(printf, 3, 4))) static inline void
test_check_failed(const char *file, int line, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        printf("# %s:%d: ", file, line);
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
        test_current_failed_checks++;
}

#define CHECK(cond)                                                                                \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        test_check_failed(__FILE__, __LINE__, "check failed: %s", #cond);          \
        } while (0)

#define REQUIRE(cond)                                                                              \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        test_check_failed(__FILE__, __LINE__, "required: %s", #cond);              \
                        return;                                                                    \
                }                                                                                  \
        } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
        do {                                                                                       \
                const char *test_a_ = (a), *test_b_ = (b);                                         \
                if (test_a_ == NULL || test_b_ == NULL || strcmp(test_a_, test_b_) != 0)           \
                        test_check_failed(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a,    \
                                          #b, test_a_ ? test_a_ : "(null)",                        \
                                          test_b_ ? test_b_ : "(null)");                           \
        } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
        do {                                                                                       \
                long long test_a_ = (long long)(a), test_b_ = (long long)(b);                      \
                if (test_a_ != test_b_)                                                            \
                        test_check_failed(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,    \
                                          test_a_, test_b_);                                       \
        } while (0)

/* Prints a diagnostic line (TAP comment). */
__attribute__((format(printf, 1, 2))) static inline void test_note(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        printf("# ");
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
}

/* Reports one case of a data-driven test as its own TAP line. */
__attribute__((format(printf, 2, 3))) static inline void test_case(bool ok, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        printf("%s %u - ", ok ? "ok" : "not ok", ++test_number);
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
        if (!ok)
                test_failures++;
}

__attribute__((format(printf, 2, 3))) static inline void test_case_skip(const char *reason,
                                                                        const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        printf("ok %u - ", ++test_number);
        vprintf(fmt, ap);
        printf(" # SKIP %s\n", reason);
        va_end(ap);
}

/* Marks the running TEST as skipped (reported when it returns). */
static inline void test_skip(const char *reason)
{
        test_current_skip = reason;
}

static int test_entry_compare(const void *a, const void *b)
{
        return ((const struct test_entry *)a)->line - ((const struct test_entry *)b)->line;
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        /* Constructors run in no promised order: sort by line to run tests as written. */
        qsort(test_entries, test_entry_count, sizeof(test_entries[0]), test_entry_compare);
        for (size_t i = 0; i < test_entry_count; i++) {
                test_current_failed_checks = 0;
                test_current_skip = NULL;
                test_entries[i].fn();
                if (test_current_skip && test_current_failed_checks == 0)
                        test_case_skip(test_current_skip, "%s", test_entries[i].name);
                else
                        test_case(test_current_failed_checks == 0, "%s", test_entries[i].name);
        }
        printf("1..%u\n", test_number);
        return test_failures ? 1 : 0;
}
