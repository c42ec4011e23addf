/*
 * A container's cgroup, on cgroup v1 (every mounted hierarchy, including the hybrid
 * layout's unified cgroup2) or v2 (one directory), behind one interface. The version is
 * read once from what /sys/fs/cgroup is; the backend is a table of operations.
 *
 * Path rules follow runc: an absolute linux.cgroupsPath is taken from the root of each
 * hierarchy; a relative one, and the default (the container id), from the cgroup the
 * runtime itself runs in.
 */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

struct error;
typedef struct json_t json_t;

struct cgroup {
        int version; /* 1 or 2 */
        char *path;  /* the container's path inside each hierarchy, e.g. "/ctr" */
        char **dirs; /* absolute directories, one per hierarchy (v2: exactly one) */
        size_t n_dirs;
        bool created; /* dirs[] were made by us (so destroy may remove them) */
        int unified;  /* v1 hybrid: the index in dirs[] of the cgroup2 hierarchy, or -1 */
        /* v1: the hierarchy of each dirs[i] (n_dirs entries), as cgroup_new() found it, so
         * that create, the limits and the init's mounts parse /proc/self/mountinfo once.
         * NULL in a cgroup read back from state.json: then it is read again when needed. */
        struct cgroup_hierarchy *hierarchies;
};

struct cgroup_ops {
        /* Fills cg->dirs for cg->path. */
        int (*resolve)(struct cgroup *cg, struct error **err);
        /* Creates the directories (missing ones only). */
        int (*create)(struct cgroup *cg, struct error **err);
        /* Moves pid into the cgroup. */
        int (*enter)(const struct cgroup *cg, pid_t pid, bool born_in_clone_dir,
                     struct error **err);
        /* Writes linux.resources (config-linux.md "Control groups") into the cgroup. */
        int (*apply)(const struct cgroup *cg, json_t *resources, struct error **err);
};

/* 2 when /sys/fs/cgroup is a cgroup2 mount, else 1. */
int cgroup_detect_version(void);
/* Builds the cgroup for a container: version, path, directories. Nothing is created. */
struct cgroup *cgroup_new(const char *cgroups_path, const char *id, struct error **err);
int cgroup_create(struct cgroup *cg, struct error **err);
/* Moves pid into the cgroup; with born_in_clone_dir the directory of
 * cgroup_open_clone_dir() is left out (clone3 put it there already). */
int cgroup_enter(const struct cgroup *cg, pid_t pid, bool born_in_clone_dir, struct error **err);
/* For a child that moves itself into the cgroup (cgroup_join_self): opens, in each
 * directory it is not born in (born_in_clone_dir as for cgroup_enter), the file it writes
 * "0" to: v1 `tasks`, cgroup2 `cgroup.procs`. The runtime opens them because the kernel
 * checks the opener's credentials, not the writer's: a child in a new user namespace can
 * use them too. Returns the count, with *fds (free it; cgroup_join_self closes the fds),
 * or -1 with *err. */
int cgroup_open_join_fds(const struct cgroup *cg, bool born_in_clone_dir, int **fds,
                         struct error **err);
/* The calling (single-threaded) process moves itself through the n fds of
 * cgroup_open_join_fds, closing them. A thread that moves itself through v1 `tasks` skips
 * the kernel's global threadgroup lock, which a move by another process takes: its first
 * taking after an idle moment waits for an RCU grace period (about 8 ms at HZ=250). */
int cgroup_join_self(const struct cgroup *cg, int *fds, size_t n, struct error **err);
/* Applies linux.resources (may be NULL: nothing to do). A limit whose controller is missing
 * is refused with an error naming the controller. */
int cgroup_apply_resources(const struct cgroup *cg, json_t *resources, struct error **err);
/* At create: the device rules (linux.resources.devices, then the default devices, see
 * cgroup_devices.h); on v2 an eBPF program, with a warning when the kernel refuses to load
 * it (docs/runtime.md). resources may be NULL. */
int cgroup_apply_devices(const struct cgroup *cg, json_t *resources, struct error **err);
/* The directory a child can be born in with clone3(CLONE_INTO_CGROUP): the v2 one, or on a
 * hybrid v1 host the unified hierarchy's (made here if missing). Returns an fd or -1. */
int cgroup_open_clone_dir(const struct cgroup *cg);
/* Kills what is left in the cgroup and removes its directories (and any children the
 * container made). Missing directories are fine. */
int cgroup_destroy(struct cgroup *cg, struct error **err);
/* Sends sig to every process in the cgroup. */
int cgroup_kill_all(const struct cgroup *cg, int sig, struct error **err);
void cgroup_free(struct cgroup *cg);

/* Serialisation into the runtime's state.json, and back. */
json_t *cgroup_to_json(const struct cgroup *cg);
struct cgroup *cgroup_from_json(json_t *json, struct error **err);

int cgroup_v1_apply(const struct cgroup *cg, json_t *resources, struct error **err);
int cgroup_v2_apply(const struct cgroup *cg, json_t *resources, struct error **err);

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* v2's path rule, given the text of /proc/self/cgroup (its "0::" line is the process's own
 * cgroup): the directory of path under /sys/fs/cgroup. Returns a new string, or NULL with
 * *err when the text has no "0::" line. */
char *cgroup_v2_dir(const char *self_cgroup, const char *path, struct error **err);
