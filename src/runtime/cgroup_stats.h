/* What a container's cgroup says about it: its processes (for `ps`) and runc's stats
 * object (for `events`). */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct cgroup;
struct error;

/* The pids in the cgroup and the cgroups below it, in the order the kernel lists them.
 * Returns the count and *out (free()), or -1 with *err. */
int cgroup_pids(const struct cgroup *cg, pid_t **out, struct error **err);
/* runc's "data" of a stats event: {cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt,
 * network_interfaces}, from whichever controllers the cgroup has; a "max" limit is shown
 * as INT64_MAX. Returns a new reference. */
json_t *cgroup_stats(const struct cgroup *cg);
/* How many processes the OOM killer has killed in the cgroup so far (v1 oom_control's and
 * v2 memory.events' oom_kill); 0 when the memory controller is not there. */
long long cgroup_oom_kills(const struct cgroup *cg);
