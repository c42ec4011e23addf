/*
 * linux.seccomp (config-linux.md "Seccomp") read into a plain list of rules, arches and flags
 * in libseccomp's encoding, without touching the kernel: the pure half of seccomp, so that
 * every rule of the translation can be unit-tested. seccomp_filter.h turns a profile into a
 * loadable filter.
 *
 * Invariants of a profile that seccomp_profile_parse() returned:
 *   - every rule's action differs from default_action (such rules are dropped: they would
 *     change nothing, and libseccomp refuses them);
 *   - every rule's syscall is known to libseccomp (unknown names are listed in
 *     unknown_syscalls instead, as runc skips them);
 *   - SCMP_ACT_NOTIFY is used only with a listener_path, never as the default, and never on
 *     sendmsg (the init needs it to hand the notify fd over before anyone listens).
 */
#pragma once
#include <jansson.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

/* The flags of linux.seccomp.flags, as bits of seccomp_profile.flags. */
enum seccomp_flag {
        SECCOMP_PROFILE_FLAG_TSYNC = 1 << 0,
        SECCOMP_PROFILE_FLAG_LOG = 1 << 1,
        SECCOMP_PROFILE_FLAG_SPEC_ALLOW = 1 << 2,
        SECCOMP_PROFILE_FLAG_WAIT_KILLABLE_RECV = 1 << 3,
};

struct seccomp_rule {
        char *name;  /* the syscall as the config spells it */
        int syscall; /* its number for the native arch (libseccomp's, maybe a pseudo number) */
        uint32_t action;
        struct scmp_arg_cmp *args;
        size_t n_args;
        /* An argument index is compared more than once: like runc, each comparison is then a
         * rule of its own (OR) instead of all of them in one rule (AND). */
        bool args_each_alone;
};

struct seccomp_profile {
        uint32_t default_action;
        uint32_t *arches; /* SCMP_ARCH_* tokens to add besides the native one */
        size_t n_arches;
        unsigned flags; /* enum seccomp_flag bits */
        struct seccomp_rule *rules;
        size_t n_rules;
        bool uses_notify;
        char *listener_path;     /* NULL unless set */
        char *listener_metadata; /* NULL unless set */
        /* Skipped, for the caller to report: names libseccomp does not know, and arches the
         * spec names but this build's libseccomp predates. */
        char **unknown_syscalls;
        size_t n_unknown_syscalls;
        char **skipped_arches;
        size_t n_skipped_arches;
};

/* Reads linux.seccomp (json, an object) into *out, checking every member's type and value;
 * errors name the member ("linux.seccomp.syscalls[2].action: unknown action ..."). Returns 0,
 * or -1 with *err and *out released. */
int seccomp_profile_parse(json_t *json, struct seccomp_profile *out, struct error **err);
void seccomp_profile_release(struct seccomp_profile *profile);

/* The names this build recognizes, one at a time: the i-th, or NULL past the last (for the
 * features command, features-linux.md "Seccomp"). */
const char *seccomp_action_name(size_t i);
const char *seccomp_operator_name(size_t i);
const char *seccomp_arch_name(size_t i); /* those libseccomp knows in this build */
const char *seccomp_flag_name(size_t i);
/* The enum seccomp_flag bit of the i-th flag name. */
unsigned seccomp_flag_bit(size_t i);
/* The config's names for a flag bit and an arch token ("?" if unknown). */
const char *seccomp_flag_name_of(unsigned bit);
const char *seccomp_arch_name_of(uint32_t token);
