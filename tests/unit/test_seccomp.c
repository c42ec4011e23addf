/* src/runtime/seccomp_profile and seccomp_filter: linux.seccomp read into rules (the pure
 * half, no kernel involved), then whole filters exported as libseccomp's pseudo filter code
 * and checked for the rules they should hold. Errors are a table of cases, one TAP line
 * each. */
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "seccomp_filter.h"
#include "seccomp_profile.h"
#include "test.h"

/* Parses text (the value of linux.seccomp) into *out; returns what the parser returned and
 * leaves its error message, if any, in *msg (to free). */
static int parse(const char *text, struct seccomp_profile *out, char **msg)
{
        json_error_t jerr;
        json_t *json = json_loads(text, 0, &jerr);
        if (json == NULL) {
                *msg = xasprintf("bad test JSON: %s", jerr.text);
                return -2;
        }
        struct error *err = NULL;
        int r = seccomp_profile_parse(json, out, &err);
        *msg = err ? xstrdup(err->msg) : NULL;
        error_free(&err);
        json_decref(json);
        return r;
}

static const struct seccomp_rule *find_rule(const struct seccomp_profile *p, const char *name)
{
        for (size_t i = 0; i < p->n_rules; i++)
                if (strcmp(p->rules[i].name, name) == 0)
                        return &p->rules[i];
        return NULL;
}

TEST(default_action_alone)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", &p, &msg) == 0);
        CHECK_INT_EQ(p.default_action, SCMP_ACT_ALLOW);
        CHECK_INT_EQ(p.n_rules, 0);
        CHECK_INT_EQ(p.n_arches, 0);
        CHECK_INT_EQ(p.flags, 0);
        CHECK(!p.uses_notify);
        seccomp_profile_release(&p);
}

/* Every action the spec names, as a rule under a default that differs from all of them. */
static const struct {
        const char *json; /* the syscalls[] entry's action (and errnoRet) */
        uint32_t action;
} action_cases[] = {
    {"\"action\": \"SCMP_ACT_KILL\"", SCMP_ACT_KILL},
    {"\"action\": \"SCMP_ACT_KILL_PROCESS\"", SCMP_ACT_KILL_PROCESS},
    {"\"action\": \"SCMP_ACT_KILL_THREAD\"", SCMP_ACT_KILL_THREAD},
    {"\"action\": \"SCMP_ACT_TRAP\"", SCMP_ACT_TRAP},
    {"\"action\": \"SCMP_ACT_ERRNO\"", SCMP_ACT_ERRNO(EPERM)},
    {"\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 28", SCMP_ACT_ERRNO(28)},
    {"\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 0", SCMP_ACT_ERRNO(0)},
    {"\"action\": \"SCMP_ACT_TRACE\"", SCMP_ACT_TRACE(EPERM)},
    {"\"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 1234", SCMP_ACT_TRACE(1234)},
    {"\"action\": \"SCMP_ACT_ALLOW\"", SCMP_ACT_ALLOW},
    {"\"action\": \"SCMP_ACT_LOG\"", SCMP_ACT_LOG},
};

TEST(actions)
{
        for (size_t i = 0; i < ARRAY_SIZE(action_cases); i++) {
                _cleanup_free_ char *text =
                    xasprintf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
                              " \"syscalls\": [{\"names\": [\"mkdir\"], %s}]}",
                              action_cases[i].json);
                struct seccomp_profile p;
                _cleanup_free_ char *msg = NULL;
                int r = parse(text, &p, &msg);
                bool ok = r == 0 && p.n_rules == 1 && p.rules[0].action == action_cases[i].action &&
                          p.default_action == SCMP_ACT_ERRNO(38);
                test_case(ok, "action %s", action_cases[i].json);
                if (!ok)
                        test_note("%s", msg ? msg : "wrong action");
                if (r == 0)
                        seccomp_profile_release(&p);
        }
}

TEST(notify_with_listener)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(
            parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\","
                  " \"listenerMetadata\": \"hello\","
                  " \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                  &p, &msg) == 0);
        CHECK(p.uses_notify);
        CHECK_STR_EQ(p.listener_path, "/run/agent.sock");
        CHECK_STR_EQ(p.listener_metadata, "hello");
        REQUIRE(p.n_rules == 1);
        CHECK_INT_EQ(p.rules[0].action, SCMP_ACT_NOTIFY);
        seccomp_profile_release(&p);
}

TEST(architectures_and_flags)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(
            parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                  " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\","
                  " \"SCMP_ARCH_AARCH64\"],"
                  " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]}",
                  &p, &msg) == 0);
        REQUIRE(p.n_arches == 4);
        CHECK_INT_EQ(p.arches[0], SCMP_ARCH_X86_64);
        CHECK_INT_EQ(p.arches[1], SCMP_ARCH_X86);
        CHECK_INT_EQ(p.arches[2], SCMP_ARCH_X32);
        CHECK_INT_EQ(p.arches[3], SCMP_ARCH_AARCH64);
        CHECK_INT_EQ(p.flags, SECCOMP_PROFILE_FLAG_LOG | SECCOMP_PROFILE_FLAG_SPEC_ALLOW);
        CHECK_INT_EQ(p.n_skipped_arches, 0);
        seccomp_profile_release(&p);
}

TEST(arch_of_a_newer_libseccomp_is_left_out)
{
        if (seccomp_arch_resolve_name("loongarch64") != 0) {
                test_skip("this libseccomp knows loongarch64");
                return;
        }
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                      " \"architectures\": [\"SCMP_ARCH_LOONGARCH64\", \"SCMP_ARCH_X86\"]}",
                      &p, &msg) == 0);
        CHECK_INT_EQ(p.n_arches, 1);
        REQUIRE(p.n_skipped_arches == 1);
        CHECK_STR_EQ(p.skipped_arches[0], "SCMP_ARCH_LOONGARCH64");
        seccomp_profile_release(&p);
}

TEST(unknown_syscalls_are_skipped)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                      " {\"names\": [\"no_such_syscall\", \"mkdir\", \"also_not_one\"],"
                      "  \"action\": \"SCMP_ACT_ERRNO\"}]}",
                      &p, &msg) == 0);
        REQUIRE(p.n_rules == 1);
        CHECK_STR_EQ(p.rules[0].name, "mkdir");
        CHECK_INT_EQ(p.rules[0].syscall, seccomp_syscall_resolve_name("mkdir"));
        REQUIRE(p.n_unknown_syscalls == 2);
        CHECK_STR_EQ(p.unknown_syscalls[0], "no_such_syscall");
        CHECK_STR_EQ(p.unknown_syscalls[1], "also_not_one");
        seccomp_profile_release(&p);
}

TEST(rules_with_the_default_action_are_dropped)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(
            parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
                  " {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                  " {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"},"
                  " {\"names\": [\"rmdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5}]}",
                  &p, &msg) == 0);
        CHECK_INT_EQ(p.n_rules, 3);
        CHECK(find_rule(&p, "read") != NULL);
        CHECK(find_rule(&p, "write") != NULL);
        CHECK(find_rule(&p, "mkdir") == NULL); /* ERRNO(EPERM) is the default */
        REQUIRE(find_rule(&p, "rmdir") != NULL);
        CHECK_INT_EQ(find_rule(&p, "rmdir")->action, SCMP_ACT_ERRNO(5));
        seccomp_profile_release(&p);
}

TEST(args_on_different_indexes_are_one_rule)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(
            parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
                  " \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
                  "  {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
                  "  {\"index\": 1, \"value\": 9, \"op\": \"SCMP_CMP_NE\"},"
                  "  {\"index\": 2, \"value\": 255, \"valueTwo\": 16, \"op\": "
                  "\"SCMP_CMP_MASKED_EQ\"}]}]}",
                  &p, &msg) == 0);
        REQUIRE(p.n_rules == 1);
        const struct seccomp_rule *r = &p.rules[0];
        REQUIRE(r->n_args == 3);
        CHECK(!r->args_each_alone);
        CHECK_INT_EQ(r->args[0].arg, 0);
        CHECK_INT_EQ(r->args[0].op, SCMP_CMP_EQ);
        CHECK_INT_EQ(r->args[0].datum_a, 1);
        CHECK_INT_EQ(r->args[1].arg, 1);
        CHECK_INT_EQ(r->args[1].op, SCMP_CMP_NE);
        CHECK_INT_EQ(r->args[1].datum_a, 9);
        /* MASKED_EQ: value is the mask, valueTwo the datum (libseccomp's order). */
        CHECK_INT_EQ(r->args[2].op, SCMP_CMP_MASKED_EQ);
        CHECK_INT_EQ(r->args[2].datum_a, 255);
        CHECK_INT_EQ(r->args[2].datum_b, 16);
        seccomp_profile_release(&p);
}

TEST(args_on_the_same_index_are_separate_rules)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        REQUIRE(parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                      "[\"personality\"],"
                      " \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
                      "  {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
                      "  {\"index\": 0, \"value\": 131072, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                      &p, &msg) == 0);
        REQUIRE(p.n_rules == 1);
        CHECK(p.rules[0].args_each_alone);
        CHECK_INT_EQ(p.rules[0].n_args, 2);
        seccomp_profile_release(&p);
}

/* Profiles that must be refused, and a word the error must contain. */
static const struct {
        const char *json;
        const char *error;
} error_cases[] = {
    {"[]", "linux.seccomp: must be an object"},
    {"{}", "linux.seccomp.defaultAction"},
    {"{\"defaultAction\": 7}", "linux.seccomp.defaultAction"},
    {"{\"defaultAction\": \"SCMP_ACT_BOGUS\"}", "unknown action SCMP_ACT_BOGUS"},
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/x\"}",
     "cannot be the default action"},
    {"{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}",
     "linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL takes no errno"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}",
     "linux.seccomp.defaultErrnoRet"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
     "linux.seccomp.defaultErrnoRet"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_Z80\"]}",
     "linux.seccomp.architectures: unknown architecture SCMP_ARCH_Z80"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86\"}",
     "linux.seccomp.architectures"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_NOPE\"]}",
     "linux.seccomp.flags: unknown flag SECCOMP_FILTER_FLAG_NOPE"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}", "linux.seccomp.syscalls"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}",
     "linux.seccomp.syscalls[0]: must be an object"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_KILL\"}]}",
     "linux.seccomp.syscalls[0].names"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": "
     "\"SCMP_ACT_KILL\"}]}",
     "linux.seccomp.syscalls[0].names: must name at least one syscall"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
     "linux.seccomp.syscalls[0].action"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\"}, {\"names\": [\"read\"], \"action\": \"SCMP_ACT_DENY\"}]}",
     "linux.seccomp.syscalls[1].action: unknown action SCMP_ACT_DENY"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_LOG\", \"errnoRet\": 1}]}",
     "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_LOG takes no errno"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].index"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_LIKE\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].op: unknown operator SCMP_CMP_LIKE"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].value"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [\"index\"]}]}",
     "linux.seccomp.syscalls[0].args[0]: must be an object"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": "
     "\"SCMP_ACT_NOTIFY\"}]}",
     "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\", \"syscalls\": [{\"names\": "
     "[\"sendmsg\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "cannot be used for sendmsg"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"m\"}",
     "linux.seccomp.listenerMetadata: set without listenerPath"},
};

TEST(errors)
{
        for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
                struct seccomp_profile p;
                _cleanup_free_ char *msg = NULL;
                int r = parse(error_cases[i].json, &p, &msg);
                bool ok = r == -1 && msg && strstr(msg, error_cases[i].error);
                test_case(ok, "refuses %s", error_cases[i].json);
                if (!ok)
                        test_note("got %d: %s; want \"%s\"", r, msg ? msg : "(no error)",
                                  error_cases[i].error);
                if (r == 0)
                        seccomp_profile_release(&p);
        }
}

/* The pseudo filter code (PFC) libseccomp would load for text. */
static char *export_pfc(const char *text)
{
        struct seccomp_profile p;
        _cleanup_free_ char *msg = NULL;
        if (parse(text, &p, &msg) < 0) {
                test_note("parse: %s", msg);
                return NULL;
        }
        struct error *err = NULL;
        scmp_filter_ctx filter = seccomp_filter_build(&p, &err);
        seccomp_profile_release(&p);
        if (filter == NULL) {
                test_note("build: %s", err->msg);
                error_free(&err);
                return NULL;
        }
        int fd = memfd_create("pfc", MFD_CLOEXEC);
        char *out = NULL;
        if (fd >= 0 && seccomp_export_pfc(filter, fd) == 0) {
                off_t size = lseek(fd, 0, SEEK_END);
                out = xcalloc(1, (size_t)size + 1);
                if (pread(fd, out, (size_t)size, 0) != size)
                        out[0] = '\0';
        }
        if (fd >= 0)
                close(fd);
        seccomp_release(filter);
        return out;
}

TEST(filter_holds_the_rules)
{
        _cleanup_free_ char *pfc = export_pfc(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\","
            " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],"
            " \"syscalls\": ["
            "  {\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
            "28},"
            "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_KILL_PROCESS\","
            "   \"args\": [{\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_EQ\"}]},"
            "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_LOG\"},"
            "  {\"names\": [\"not_a_syscall\"], \"action\": \"SCMP_ACT_KILL\"}]}");
        REQUIRE(pfc != NULL);
        CHECK(strstr(pfc, "filter for arch x86_64") != NULL);
        CHECK(strstr(pfc, "filter for arch x86 ") != NULL);
        CHECK(strstr(pfc, "filter for syscall \"mkdir\"") != NULL);
        CHECK(strstr(pfc, "filter for syscall \"mkdirat\"") != NULL);
        CHECK(strstr(pfc, "action ERRNO(28);") != NULL);
        CHECK(strstr(pfc, "filter for syscall \"personality\"") != NULL);
        CHECK(strstr(pfc, "4294967295") != NULL);
        CHECK(strstr(pfc, "action KILL_PROCESS;") != NULL);
        CHECK(strstr(pfc, "action LOG;") != NULL);
        CHECK(strstr(pfc, "action ALLOW;") != NULL);
        if (test_current_failed_checks)
                test_note("%s", pfc);
}

TEST(filter_with_an_allow_list)
{
        _cleanup_free_ char *pfc =
            export_pfc("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
                       " \"syscalls\": [{\"names\": [\"read\", \"write\", \"exit_group\"],"
                       " \"action\": \"SCMP_ACT_ALLOW\"}]}");
        REQUIRE(pfc != NULL);
        CHECK(strstr(pfc, "filter for syscall \"read\"") != NULL);
        CHECK(strstr(pfc, "filter for syscall \"exit_group\"") != NULL);
        CHECK(strstr(pfc, "action ALLOW;") != NULL);
        CHECK(strstr(pfc, "action ERRNO(1);") != NULL);
}

TEST(filter_ors_args_on_the_same_index)
{
        /* libseccomp refuses two comparisons of one argument in one rule (EINVAL). */
        _cleanup_free_ char *pfc = export_pfc(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\"],"
            " \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
            "  {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
            "  {\"index\": 0, \"value\": 131072, \"op\": \"SCMP_CMP_EQ\"}]}]}");
        REQUIRE(pfc != NULL);
        CHECK(strstr(pfc, "== 8") != NULL);
        CHECK(strstr(pfc, "== 131072") != NULL);
}

TEST(filter_flags)
{
        if (!seccomp_filter_flag_supported(SECCOMP_PROFILE_FLAG_LOG)) {
                test_skip("the kernel has no SECCOMP_FILTER_FLAG_LOG");
                return;
        }
        _cleanup_free_ char *pfc = export_pfc("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                                              " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]}");
        CHECK(pfc != NULL);
}

TEST(flag_support)
{
        /* libseccomp 2.5 has no attribute for WAIT_KILLABLE_RECV. */
        const struct scmp_version *v = seccomp_version();
        if (v->major == 2 && v->minor < 6)
                CHECK(!seccomp_filter_flag_supported(SECCOMP_PROFILE_FLAG_WAIT_KILLABLE_RECV));
        CHECK(!seccomp_filter_flag_supported(0));
        /* TSYNC is as old as seccomp_api_get() level 2. */
        CHECK(seccomp_filter_flag_supported(SECCOMP_PROFILE_FLAG_TSYNC) ==
              (seccomp_api_get() >= 2));
}

TEST(known_names)
{
        size_t n = 0;
        while (seccomp_action_name(n))
                n++;
        CHECK_INT_EQ(n, 9);
        for (n = 0; seccomp_operator_name(n); n++)
                ;
        CHECK_INT_EQ(n, 7);
        for (n = 0; seccomp_flag_name(n); n++)
                CHECK(seccomp_flag_bit(n) != 0);
        CHECK_INT_EQ(n, 4);
        for (n = 0; seccomp_arch_name(n); n++)
                ;
        CHECK(n >= 19);
        CHECK_STR_EQ(seccomp_arch_name_of(SCMP_ARCH_X86_64), "SCMP_ARCH_X86_64");
        CHECK_STR_EQ(seccomp_flag_name_of(SECCOMP_PROFILE_FLAG_LOG), "SECCOMP_FILTER_FLAG_LOG");
}

TEST(filter_leaves_out_arches_of_the_other_endianness)
{
        if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
                test_skip("an x86_64 host");
                return;
        }
        /* MIPS is big-endian: libseccomp cannot put it in one filter with x86_64 (EDOM). */
        _cleanup_free_ char *pfc =
            export_pfc("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                       " \"architectures\": [\"SCMP_ARCH_MIPS\", \"SCMP_ARCH_X86\"]}");
        REQUIRE(pfc != NULL);
        CHECK(strstr(pfc, "filter for arch x86 ") != NULL);
        CHECK(strstr(pfc, "mips") == NULL);
}
