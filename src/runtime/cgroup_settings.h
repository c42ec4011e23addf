/*
 * linux.resources turned into a list of control-file writes, before anything is written:
 * a backend first plans (pure: JSON in, settings out), then checks that every controller
 * and file exists, and only then writes, so a refused resource leaves the cgroup as it was.
 * Also the typed readers the planners use: a config passed the parser's shape checks, but
 * `update --resources FILE` did not, so every value is checked as it is read.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

struct cgroup_setting {
        char *field;      /* where it came from, for errors: "linux.resources.memory" */
        char *controller; /* "memory", "cpu", ...; "cgroup" for v2's core files */
        char *file;       /* "memory.max" */
        char *value;
        bool optional; /* written only when the kernel has the file */
};

/* items[0..n) in the order they must be written. */
struct cgroup_settings {
        struct cgroup_setting *items;
        size_t n;
};

/* What a planner needs to know of the cgroup as it is now, for values that combine two
 * fields (v1's memory/memsw write order, v2's memory.swap.max and cpu.max). Zero: unknown. */
struct cgroup_current {
        int64_t memory_limit; /* -1: unlimited */
        int64_t cpu_quota;    /* v2; -1: max */
        uint64_t cpu_period;  /* v2 */
};

void cgroup_settings_add(struct cgroup_settings *s, const char *field, const char *controller,
                         const char *file, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The setting that writes file, or NULL. */
const struct cgroup_setting *cgroup_settings_find(const struct cgroup_settings *s,
                                                  const char *file);
void cgroup_settings_release(struct cgroup_settings *s);

/* Typed members of a JSON object found at path: 1 and *out when present, 0 when absent
 * or null, -1 with *err ("PATH.KEY: must be ...") when of the wrong type. */
int cgroup_json_int(json_t *obj, const char *path, const char *key, int64_t *out,
                    struct error **err);
/* An integer >= 0. */
int cgroup_json_uint(json_t *obj, const char *path, const char *key, uint64_t *out,
                     struct error **err);
int cgroup_json_bool(json_t *obj, const char *path, const char *key, bool *out, struct error **err);
/* *out is borrowed from obj. */
int cgroup_json_string(json_t *obj, const char *path, const char *key, const char **out,
                       struct error **err);
/* An object (kind 'o') or array (kind 'a'); *out is borrowed. */
int cgroup_json_container(json_t *obj, const char *path, const char *key, char kind, json_t **out,
                          struct error **err);

/* linux.resources.hugepageLimits as hugetlb.<size>.<suffix> (and .rsvd.<suffix> where the
 * kernel has it): suffix "limit_in_bytes" on v1, "max" on v2. */
int cgroup_plan_hugepages(json_t *list, const char *suffix, struct cgroup_settings *out,
                          struct error **err);

/* linux.resources.rdma as rdma.max lines (the same file on v1 and v2). */
int cgroup_plan_rdma(json_t *rdma, struct cgroup_settings *out, struct error **err);

/* The major and minor numbers of a {major, minor, ...} entry (blockIO device lists); both
 * are required. */
int cgroup_json_device_numbers(json_t *item, const char *path, int64_t *major, int64_t *minor,
                               struct error **err);
