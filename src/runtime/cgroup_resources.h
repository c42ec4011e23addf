/*
 * linux.resources (config-linux.md "Control groups") for each cgroup version: a planner
 * turns the JSON into control-file writes (pure, see cgroup_settings.h), a writer checks
 * that every controller and file is there and then writes them. cgroup_v1_apply and
 * cgroup_v2_apply (cgroup.h) are plan + write on a container's directories.
 */
#pragma once
#include <jansson.h>

#include "cgroup_settings.h"

struct cgroup;
struct error;

/* Plans resources for v1 (memory, cpu, cpuset, pids, blkio, hugetlb, net_cls, net_prio,
 * rdma); unified is refused. Devices are not planned here (cgroup_apply_devices). */
int cgroup_v1_plan(json_t *resources, const struct cgroup_current *current,
                   struct cgroup_settings *out, struct error **err);
/* Plans resources for v2, with runc's conversions (cgroup_convert.h); network and
 * realtime limits are refused, deprecated kernel memory limits ignored with a warning. */
int cgroup_v2_plan(json_t *resources, const struct cgroup_current *current,
                   struct cgroup_settings *out, struct error **err);

/* Writes v2 settings into the cgroup directory dirfd: first checks that each setting's
 * controller is in dirfd's cgroup.controllers and its file exists (else an error naming
 * the field and the missing controller or file, and nothing is written), then writes. */
int cgroup_v2_settings_write(int dirfd, const struct cgroup_settings *settings, struct error **err);
/* What cgroup_current a v2 planner needs, read from the directory (missing files: 0). */
void cgroup_v2_current_read(int dirfd, struct cgroup_current *current);

/* v1: the container's directory in the hierarchy that holds controller ("memory",
 * "freezer"...), or NULL when no such hierarchy is mounted. Returns a new string. */
char *cgroup_v1_controller_dir(const struct cgroup *cg, const char *controller);
