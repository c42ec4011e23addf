/*
 * Compiled seccomp filters, kept on disk between runs. libseccomp needs 10-20 ms to turn a
 * profile such as Docker's default (some 350 rules) into BPF, and an engine sends the same
 * profile for every container: compiling it once per profile, not once per container, is the
 * largest single saving of `create` and `exec`.
 *
 * An entry is found by a hash of its key, but trusted only when its stored key equals the
 * whole key (the profile's canonical JSON, libseccomp's version and the kernel's API level):
 * a hash collision, deliberate or not, can only cost a compile, never load another profile's
 * filter. A checksum over the entry catches a torn or damaged file.
 */
#pragma once
#include <linux/filter.h>
#include <stddef.h>

/* A filter ready for seccomp(SECCOMP_SET_MODE_FILTER, flags, {len, insns}). */
struct seccomp_program {
        struct sock_filter *insns;
        size_t n_insns;
        unsigned flags; /* SECCOMP_FILTER_FLAG_* */
};
void seccomp_program_release(struct seccomp_program *p);
#define _cleanup_seccomp_program_ __attribute__((cleanup(seccomp_program_release)))

/* Looks KEY up in DIR: 1 and *out filled on a hit, 0 on a miss (absent, other key,
 * damaged). Never fails otherwise: a cache that cannot be read is a miss. */
int seccomp_cache_lookup(const char *dir, const char *key, size_t key_len,
                         struct seccomp_program *out);

/* Stores P under KEY in DIR (made 0700 if missing), atomically (temporary file + rename).
 * Best effort: a failure is logged at debug level and changes nothing else. */
void seccomp_cache_store(const char *dir, const char *key, size_t key_len,
                         const struct seccomp_program *p);
