/*
 * Pure conversions from linux.resources values (config-linux.md "Control groups", written
 * with cgroup v1 in mind) to what cgroup v2 files take. The rules are runc's, so that a
 * bundle gives the same limits under either runtime. No I/O here.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct error;

/* cpu.shares (2..262144, v1) to cpu.weight (1..10000, v2), linearly as runc 1.1 does.
 * 0 (unset) stays 0; values outside the range are clamped first. */
uint64_t cgroup_shares_to_weight(uint64_t shares);

/* blkio.weight (10..1000) to io.weight (1..10000), linearly. 0 (unset) stays 0. */
uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight);

/*
 * linux.resources.memory.swap is memory+swap (v1's memsw); v2's memory.swap.max is the
 * swap alone. Given the swap and limit fields (0: not given, -1: unlimited), sets *out to
 * the memory.swap.max value: -1 for "max", 0 for "leave alone", else the difference.
 * Fails when swap is given without a memory limit or is below it.
 */
int cgroup_memory_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct error **err);

/* A limit for a v2 file: "max" when negative, else the number. Returns a new string. */
char *cgroup_v2_limit_text(int64_t value);

/* v2 "max"-or-number text to a value (-1 for "max"); -2 when unreadable. */
int64_t cgroup_v2_limit_parse(const char *text);

/* cpu.max: "QUOTA PERIOD" or "max PERIOD" (quota <= 0 means no quota). Returns a new
 * string. */
char *cgroup_cpu_max_text(int64_t quota, uint64_t period);

/* Parses cpu.max text ("max 100000", "50000 100000") into quota (-1 for max) and period.
 * Returns false when unreadable. */
bool cgroup_cpu_max_parse(const char *text, int64_t *quota, uint64_t *period);

/* config-linux.md hugepageLimits pageSize ("2MB") is already the name the kernel uses in
 * hugetlb.<size>.* files on both versions; checks it is a plain "<n><K|M|G>B". */
bool cgroup_hugepage_size_valid(const char *size);
