/* Freezing a container's cgroup: v1's freezer controller (freezer.state), v2's
 * cgroup.freeze. Backs `pause`, `resume` and the "paused" status. */
#pragma once
#include <stdbool.h>

struct cgroup;
struct error;

/* Freezes every process in the cgroup and returns once the kernel says they all are
 * (v1 FROZEN, v2 "frozen 1" in cgroup.events); if they do not get there within a few
 * seconds the cgroup is thawed again and an error returned. */
int cgroup_freeze(const struct cgroup *cg, struct error **err);
int cgroup_thaw(const struct cgroup *cg, struct error **err);
/* Whether the cgroup is frozen (or being frozen). False when it cannot tell. */
bool cgroup_is_frozen(const struct cgroup *cg);
