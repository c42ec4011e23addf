/*
 * linux.resources on cgroup v2: planned into v2 files (memory.max, cpu.max, pids.max,
 * io.*, hugetlb.*.max, rdma.max, unified keys), then written after the controllers they
 * need are enabled in every ancestor's cgroup.subtree_control (v2 hands a controller to a
 * child only when its parent delegates it).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_convert.h"
#include "cgroup_resources.h"
#include "error.h"
#include "fs.h"
#include "log.h"

#define RES "linux.resources"

static int plan_memory(json_t *mem, const struct cgroup_current *cur, struct cgroup_settings *out,
                       struct error **err)
{
        const char *path = RES ".memory";
        int64_t limit = 0, reservation = 0, swap = 0, ignored;
        uint64_t swappiness;
        bool flag;
        int has_limit, has_swap, r;
        if ((has_limit = cgroup_json_int(mem, path, "limit", &limit, err)) < 0 ||
            cgroup_json_int(mem, path, "reservation", &reservation, err) < 0 ||
            (has_swap = cgroup_json_int(mem, path, "swap", &swap, err)) < 0)
                return -1;
        if (limit != 0) {
                _cleanup_free_ char *text = cgroup_v2_limit_text(limit);
                cgroup_settings_add(out, path, "memory", "memory.max", "%s", text);
        }
        if (reservation != 0) {
                _cleanup_free_ char *text = cgroup_v2_limit_text(reservation);
                cgroup_settings_add(out, path, "memory", "memory.low", "%s", text);
        }
        if (has_swap || limit == -1) {
                /* swap is memory+swap: it needs the limit it goes with, this one's or the
                 * cgroup's current one (update may change swap alone). */
                int64_t v2_swap;
                if (cgroup_memory_swap_to_v2(swap, has_limit && limit ? limit : cur->memory_limit,
                                             &v2_swap, err) < 0)
                        return error_wrap(err, "%s.swap", path);
                if (v2_swap != 0) {
                        _cleanup_free_ char *text = cgroup_v2_limit_text(v2_swap);
                        cgroup_settings_add(out, path, "memory", "memory.swap.max", "%s", text);
                }
        }
        if ((r = cgroup_json_uint(mem, path, "swappiness", &swappiness, err)) < 0)
                return -1;
        if (r)
                log_warn("%s.swappiness is ignored: cgroup v2 has no per-cgroup swappiness", path);
        if ((r = cgroup_json_int(mem, path, "kernel", &ignored, err)) < 0)
                return -1;
        if (r)
                log_warn("%s.kernel is ignored: kernel memory limits are deprecated and cgroup "
                         "v2 has none",
                         path);
        if ((r = cgroup_json_int(mem, path, "kernelTCP", &ignored, err)) < 0)
                return -1;
        if (r)
                log_warn("%s.kernelTCP is ignored: cgroup v2 has no such limit", path);
        if ((r = cgroup_json_bool(mem, path, "disableOOMKiller", &flag, err)) < 0)
                return -1;
        if (r && flag)
                return error_set(err, 0,
                                 "%s.disableOOMKiller: the OOM killer cannot be "
                                 "disabled on cgroup v2",
                                 path);
        /* useHierarchy: v2 is always hierarchical; checkBeforeUpdate: nothing to check. */
        if (cgroup_json_bool(mem, path, "useHierarchy", &flag, err) < 0 ||
            cgroup_json_bool(mem, path, "checkBeforeUpdate", &flag, err) < 0)
                return -1;
        return 0;
}

static int plan_cpu(json_t *cpu, const struct cgroup_current *cur, struct cgroup_settings *out,
                    struct error **err)
{
        const char *path = RES ".cpu";
        uint64_t shares = 0, period = 0, burst = 0, rt_period = 0;
        int64_t quota = 0, rt_runtime = 0, idle = 0;
        const char *cpus = NULL, *mems = NULL;
        int has_quota, has_period, has_burst, has_idle;
        if (cgroup_json_uint(cpu, path, "shares", &shares, err) < 0 ||
            (has_quota = cgroup_json_int(cpu, path, "quota", &quota, err)) < 0 ||
            (has_period = cgroup_json_uint(cpu, path, "period", &period, err)) < 0 ||
            (has_burst = cgroup_json_uint(cpu, path, "burst", &burst, err)) < 0 ||
            cgroup_json_uint(cpu, path, "realtimePeriod", &rt_period, err) < 0 ||
            cgroup_json_int(cpu, path, "realtimeRuntime", &rt_runtime, err) < 0 ||
            (has_idle = cgroup_json_int(cpu, path, "idle", &idle, err)) < 0 ||
            cgroup_json_string(cpu, path, "cpus", &cpus, err) < 0 ||
            cgroup_json_string(cpu, path, "mems", &mems, err) < 0)
                return -1;
        if (rt_period != 0 || rt_runtime != 0)
                return error_set(err, 0, "%s.%s: cgroup v2 has no realtime limits", path,
                                 rt_runtime ? "realtimeRuntime" : "realtimePeriod");
        if (shares != 0)
                cgroup_settings_add(out, path, "cpu", "cpu.weight", "%" PRIu64,
                                    cgroup_shares_to_weight(shares));
        if ((has_quota && quota != 0) || (has_period && period != 0)) {
                /* cpu.max holds both: the half not given keeps its current value. */
                if (!has_quota || quota == 0)
                        quota = cur->cpu_quota;
                if (!has_period || period == 0)
                        period = cur->cpu_period ? cur->cpu_period : 100000;
                _cleanup_free_ char *text = cgroup_cpu_max_text(quota, period);
                cgroup_settings_add(out, path, "cpu", "cpu.max", "%s", text);
        }
        if (has_burst)
                cgroup_settings_add(out, path, "cpu", "cpu.max.burst", "%" PRIu64, burst);
        if (has_idle)
                cgroup_settings_add(out, path, "cpu", "cpu.idle", "%" PRId64, idle);
        if (cpus && *cpus)
                cgroup_settings_add(out, path, "cpuset", "cpuset.cpus", "%s", cpus);
        if (mems && *mems)
                cgroup_settings_add(out, path, "cpuset", "cpuset.mems", "%s", mems);
        return 0;
}

static int plan_pids(json_t *pids, struct cgroup_settings *out, struct error **err)
{
        int64_t limit = 0;
        if (cgroup_json_int(pids, RES ".pids", "limit", &limit, err) < 0)
                return -1;
        /* 0 is "not set" (as runc); a negative limit is "no limit". */
        if (limit != 0) {
                _cleanup_free_ char *text = cgroup_v2_limit_text(limit);
                cgroup_settings_add(out, RES ".pids", "pids", "pids.max", "%s", text);
        }
        return 0;
}

static int plan_block_io(json_t *bio, struct cgroup_settings *out, struct error **err)
{
        const char *path = RES ".blockIO";
        uint64_t weight = 0, leaf = 0;
        int has_leaf;
        json_t *list = NULL;
        if (cgroup_json_uint(bio, path, "weight", &weight, err) < 0 ||
            (has_leaf = cgroup_json_uint(bio, path, "leafWeight", &leaf, err)) < 0)
                return -1;
        if (weight != 0)
                cgroup_settings_add(out, path, "io", "io.weight", "%" PRIu64,
                                    cgroup_blkio_weight_to_io_weight(weight));
        if (has_leaf)
                log_warn("%s.leafWeight is ignored: cgroup v2 has no leaf weights", path);
        if (cgroup_json_container(bio, path, "weightDevice", 'a', &list, err) < 0)
                return -1;
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *item_path = xasprintf("%s.weightDevice[%zu]", path, i);
                int64_t major, minor;
                uint64_t w = 0;
                if (cgroup_json_device_numbers(item, item_path, &major, &minor, err) < 0 ||
                    cgroup_json_uint(item, item_path, "weight", &w, err) < 0)
                        return -1;
                if (w != 0)
                        cgroup_settings_add(out, path, "io", "io.weight",
                                            "%" PRId64 ":%" PRId64 " %" PRIu64, major, minor,
                                            cgroup_blkio_weight_to_io_weight(w));
        }
        static const struct {
                const char *key, *v2_key;
        } throttles[] = {
            {"throttleReadBpsDevice", "rbps"},
            {"throttleWriteBpsDevice", "wbps"},
            {"throttleReadIOPSDevice", "riops"},
            {"throttleWriteIOPSDevice", "wiops"},
        };
        for (size_t t = 0; t < ARRAY_SIZE(throttles); t++) {
                list = NULL;
                if (cgroup_json_container(bio, path, throttles[t].key, 'a', &list, err) < 0)
                        return -1;
                json_array_foreach(list, i, item)
                {
                        _cleanup_free_ char *item_path =
                            xasprintf("%s.%s[%zu]", path, throttles[t].key, i);
                        int64_t major, minor;
                        uint64_t rate = 0;
                        if (cgroup_json_device_numbers(item, item_path, &major, &minor, err) < 0 ||
                            cgroup_json_uint(item, item_path, "rate", &rate, err) < 0)
                                return -1;
                        cgroup_settings_add(out, path, "io", "io.max",
                                            "%" PRId64 ":%" PRId64 " %s=%" PRIu64, major, minor,
                                            throttles[t].v2_key, rate);
                }
        }
        return 0;
}

/* unified: file names as keys; the controller is the part before the first dot. Only
 * plain names in the cgroup's own directory. */
static int plan_unified(json_t *unified, struct cgroup_settings *out, struct error **err)
{
        const char *key;
        json_t *value;
        json_object_foreach(unified, key, value)
        {
                _cleanup_free_ char *path = xasprintf(RES ".unified.%s", key);
                const char *dot = strchr(key, '.');
                if (dot == NULL || dot == key || strchr(key, '/') != NULL)
                        return error_set(err, 0, "%s: not a cgroup file name", path);
                if (!json_is_string(value))
                        return error_set(err, 0, "%s: must be a string", path);
                _cleanup_free_ char *controller = xstrndup(key, (size_t)(dot - key));
                cgroup_settings_add(out, path, controller, key, "%s", json_string_value(value));
        }
        return 0;
}

int cgroup_v2_plan(json_t *resources, const struct cgroup_current *current,
                   struct cgroup_settings *out, struct error **err)
{
        json_t *section = NULL;
        int r;
        if (!json_is_object(resources))
                return error_set(err, 0, RES ": must be an object");
#define SECTION(key, kind)                                                                         \
        (section = NULL, r = cgroup_json_container(resources, RES, key, kind, &section, err))
        if (SECTION("memory", 'o') < 0 || (r && plan_memory(section, current, out, err) < 0))
                return -1;
        if (SECTION("cpu", 'o') < 0 || (r && plan_cpu(section, current, out, err) < 0))
                return -1;
        if (SECTION("pids", 'o') < 0 || (r && plan_pids(section, out, err) < 0))
                return -1;
        if (SECTION("blockIO", 'o') < 0 || (r && plan_block_io(section, out, err) < 0))
                return -1;
        if (SECTION("hugepageLimits", 'a') < 0 ||
            (r && cgroup_plan_hugepages(section, "max", out, err) < 0))
                return -1;
        if (SECTION("rdma", 'o') < 0 || (r && cgroup_plan_rdma(section, out, err) < 0))
                return -1;
        if (SECTION("network", 'o') < 0)
                return -1;
        if (r && (json_object_get(section, "classID") ||
                  json_array_size(json_object_get(section, "priorities"))))
                return error_set(err, 0,
                                 RES ".network: net_cls and net_prio are cgroup v1 "
                                     "controllers, not available on cgroup v2");
        /* Last, so that a unified key overrides what the fields above set (as runc). */
        if (SECTION("unified", 'o') < 0 || (r && plan_unified(section, out, err) < 0))
                return -1;
#undef SECTION
        return 0;
}

/* Whether the space-separated list in file (cgroup.controllers, subtree_control) has
 * name. */
static bool list_has_at(int dirfd, const char *file, const char *name)
{
        _cleanup_free_ char *text = fs_read_file_at(dirfd, file, NULL, NULL);
        if (text == NULL)
                return false;
        size_t len = strlen(name);
        for (char *p = text; (p = strstr(p, name)) != NULL; p += len)
                if ((p == text || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || !p[len]))
                        return true;
        return false;
}

int cgroup_v2_settings_write(int dirfd, const struct cgroup_settings *settings, struct error **err)
{
        for (size_t i = 0; i < settings->n; i++) {
                const struct cgroup_setting *s = &settings->items[i];
                if (strcmp(s->controller, "cgroup") != 0 &&
                    !list_has_at(dirfd, "cgroup.controllers", s->controller))
                        return error_set(err, 0,
                                         "%s: the %s controller is not available in "
                                         "this cgroup",
                                         s->field, s->controller);
                if (!s->optional && faccessat(dirfd, s->file, F_OK, 0) < 0)
                        return error_set(err, 0, "%s: %s is not supported by this kernel", s->field,
                                         s->file);
        }
        for (size_t i = 0; i < settings->n; i++) {
                const struct cgroup_setting *s = &settings->items[i];
                if (s->optional && faccessat(dirfd, s->file, F_OK, 0) < 0)
                        continue;
                if (fs_write_string_at(dirfd, s->file, s->value, err) < 0)
                        return error_wrap(err, "%s", s->field);
        }
        return 0;
}

void cgroup_v2_current_read(int dirfd, struct cgroup_current *current)
{
        *current = (struct cgroup_current){0};
        _cleanup_free_ char *mem = fs_read_file_at(dirfd, "memory.max", NULL, NULL);
        if (mem) {
                int64_t v = cgroup_v2_limit_parse(mem);
                current->memory_limit = v == -2 ? 0 : v;
        }
        _cleanup_free_ char *cpu = fs_read_file_at(dirfd, "cpu.max", NULL, NULL);
        if (cpu == NULL || !cgroup_cpu_max_parse(cpu, &current->cpu_quota, &current->cpu_period))
                current->cpu_quota = -1, current->cpu_period = 0;
}

/*
 * Makes controller reach dir: every ancestor from the mount's root down to dir's parent
 * must list it in cgroup.subtree_control. An ancestor that does not have it at all stops
 * the walk (the write check then reports the controller as not available). Enabling fails
 * with EBUSY in a non-root cgroup that holds processes (the "no internal processes" rule).
 */
static int enable_controller(const char *dir, const char *controller, struct error **err)
{
        const char *root = "/sys/fs/cgroup";
        size_t root_len = strlen(root);
        if (strncmp(dir, root, root_len) != 0 || dir[root_len] != '/')
                return 0;
        _cleanup_free_ char *level = xstrdup(dir);
        for (char *p = level + root_len; p != NULL && *p; p = strchr(p + 1, '/')) {
                char saved = *p;
                *p = '\0';
                _cleanup_close_ int fd = open(level, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                *p = saved;
                if (fd < 0 || !list_has_at(fd, "cgroup.controllers", controller))
                        return 0;
                if (list_has_at(fd, "cgroup.subtree_control", controller))
                        continue;
                _cleanup_free_ char *word = xasprintf("+%s", controller);
                if (fs_write_string_at(fd, "cgroup.subtree_control", word, err) < 0) {
                        *p = '\0';
                        return error_wrap(err, "enable the %s controller in %s", controller, level);
                }
        }
        return 0;
}

int cgroup_v2_apply(const struct cgroup *cg, json_t *resources, struct error **err)
{
        _cleanup_close_ int dirfd = open(cg->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return error_set(err, errno, "open %s", cg->dirs[0]);
        struct cgroup_current current;
        cgroup_v2_current_read(dirfd, &current);
        __attribute__((cleanup(cgroup_settings_release))) struct cgroup_settings settings = {0};
        if (cgroup_v2_plan(resources, &current, &settings, err) < 0)
                return -1;
        for (size_t i = 0; i < settings.n; i++) {
                const char *controller = settings.items[i].controller;
                if (strcmp(controller, "cgroup") != 0 &&
                    !list_has_at(dirfd, "cgroup.controllers", controller) &&
                    enable_controller(cg->dirs[0], controller, err) < 0)
                        return error_wrap(err, "%s", settings.items[i].field);
        }
        return cgroup_v2_settings_write(dirfd, &settings, err);
}
