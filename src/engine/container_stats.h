/*
 * `berth stats`: one sample of a running container's resource use, from the runtime's
 * `events --stats` (runc's stats object: cgroup cpu, memory, pids and blkio) and the init's
 * /proc/PID/net/dev, and docker's arithmetic on two samples (CPU %, MEM %).
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "engine.h"

struct container_stats {
        uint64_t cpu_total_ns;   /* the cgroup's CPU time */
        uint64_t system_ns;      /* the host's CPU time (all CPUs, /proc/stat), same moment */
        unsigned online_cpus;    /* CPUs the container may use (its percpu list), else online */
        uint64_t memory_usage;   /* docker's: usage minus inactive file cache */
        uint64_t memory_limit;   /* the cgroup's limit, or the host's memory when unlimited */
        uint64_t net_rx, net_tx; /* bytes, every interface but lo */
        uint64_t block_read, block_write; /* bytes */
        uint64_t pids;
};

/* Reads a sample of the running container ROW whose init is PID. */
int container_stats_read(struct engine *e, const struct container_row *row, pid_t pid,
                         struct container_stats *out, struct error **err);

/* Pure parts, for tests. */
/* Fills the cgroup fields of OUT from runc's stats "data" object; MEM_TOTAL caps the limit. */
void container_stats_from_runtime(json_t *data, uint64_t mem_total, struct container_stats *out);
/* Sums received and sent bytes over the interfaces of /proc/net/dev TEXT, lo excepted. */
void container_stats_parse_net_dev(const char *text, uint64_t *rx, uint64_t *tx);
/* The host's CPU time in ns from /proc/stat TEXT (the "cpu" line, at USER_HZ TICKS). */
uint64_t container_stats_parse_proc_stat(const char *text, long ticks);
/* docker's CPU %: the container's share of the host's CPU time between PREV and NOW, times
 * the CPUs it may use, times 100 (so 200.00% is two CPUs busy). 0 when nothing elapsed. */
double container_stats_cpu_percent(const struct container_stats *prev,
                                   const struct container_stats *now);
/* usage / limit × 100, 0 without a limit. */
double container_stats_memory_percent(const struct container_stats *s);
