/*
 * linux.resources on cgroup v1: each field goes to the hierarchy of its controller
 * (memory.limit_in_bytes, cpu.cfs_quota_us, pids.max, blkio.*, hugetlb.*, net_cls.*...),
 * which is found by the controller names in the hierarchy's mount options.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_convert.h"
#include "cgroup_paths.h"
#include "cgroup_resources.h"
#include "error.h"
#include "fs.h"
#include "log.h"

#define RES "linux.resources"

static int plan_memory(json_t *mem, const struct cgroup_current *cur, struct cgroup_settings *out,
                       struct error **err)
{
        const char *path = RES ".memory";
        int64_t limit = 0, reservation = 0, swap = 0, kernel = 0, kernel_tcp = 0;
        uint64_t swappiness = 0;
        bool no_oom = false, hierarchy = false, flag;
        int has_kernel, has_tcp, has_swappiness, has_no_oom, has_hierarchy;
        if (cgroup_json_int(mem, path, "limit", &limit, err) < 0 ||
            cgroup_json_int(mem, path, "reservation", &reservation, err) < 0 ||
            cgroup_json_int(mem, path, "swap", &swap, err) < 0 ||
            (has_kernel = cgroup_json_int(mem, path, "kernel", &kernel, err)) < 0 ||
            (has_tcp = cgroup_json_int(mem, path, "kernelTCP", &kernel_tcp, err)) < 0 ||
            (has_swappiness = cgroup_json_uint(mem, path, "swappiness", &swappiness, err)) < 0 ||
            (has_no_oom = cgroup_json_bool(mem, path, "disableOOMKiller", &no_oom, err)) < 0 ||
            (has_hierarchy = cgroup_json_bool(mem, path, "useHierarchy", &hierarchy, err)) < 0 ||
            cgroup_json_bool(mem, path, "checkBeforeUpdate", &flag, err) < 0)
                return -1;
        if (swap != 0 && swap != -1 && limit > 0 && swap < limit)
                return error_set(err, 0,
                                 "%s.swap: memory+swap (%" PRId64 ") is below the "
                                 "memory limit %" PRId64,
                                 path, swap, limit);
        /* The kernel keeps memsw >= limit at every step: when the limit grows past the
         * current one, memsw has to grow first. */
        bool swap_first = limit != 0 && swap != 0 &&
                          (swap == -1 || (cur->memory_limit >= 0 && cur->memory_limit < swap));
        if (swap != 0 && swap_first)
                cgroup_settings_add(out, path, "memory", "memory.memsw.limit_in_bytes", "%" PRId64,
                                    swap);
        if (limit != 0)
                cgroup_settings_add(out, path, "memory", "memory.limit_in_bytes", "%" PRId64,
                                    limit);
        if (swap != 0 && !swap_first)
                cgroup_settings_add(out, path, "memory", "memory.memsw.limit_in_bytes", "%" PRId64,
                                    swap);
        if (reservation != 0)
                cgroup_settings_add(out, path, "memory", "memory.soft_limit_in_bytes", "%" PRId64,
                                    reservation);
        if (has_kernel)
                log_warn("%s.kernel is ignored: kernel memory limits are deprecated (Linux "
                         "5.16 stopped enforcing them)",
                         path);
        if (has_tcp && kernel_tcp != 0)
                cgroup_settings_add(out, path, "memory", "memory.kmem.tcp.limit_in_bytes",
                                    "%" PRId64, kernel_tcp);
        if (has_swappiness) {
                if (swappiness > 100)
                        return error_set(err, 0, "%s.swappiness: %" PRIu64 " is not in 0..100",
                                         path, swappiness);
                cgroup_settings_add(out, path, "memory", "memory.swappiness", "%" PRIu64,
                                    swappiness);
        }
        if (has_no_oom && no_oom)
                cgroup_settings_add(out, path, "memory", "memory.oom_control", "1");
        if (has_hierarchy && hierarchy)
                cgroup_settings_add(out, path, "memory", "memory.use_hierarchy", "1");
        return 0;
}

static int plan_cpu(json_t *cpu, struct cgroup_settings *out, struct error **err)
{
        const char *path = RES ".cpu";
        uint64_t shares = 0, period = 0, burst = 0, rt_period = 0;
        int64_t quota = 0, rt_runtime = 0, idle = 0;
        const char *cpus = NULL, *mems = NULL;
        int has_burst, has_idle;
        if (cgroup_json_uint(cpu, path, "shares", &shares, err) < 0 ||
            cgroup_json_int(cpu, path, "quota", &quota, err) < 0 ||
            cgroup_json_uint(cpu, path, "period", &period, err) < 0 ||
            (has_burst = cgroup_json_uint(cpu, path, "burst", &burst, err)) < 0 ||
            cgroup_json_uint(cpu, path, "realtimePeriod", &rt_period, err) < 0 ||
            cgroup_json_int(cpu, path, "realtimeRuntime", &rt_runtime, err) < 0 ||
            (has_idle = cgroup_json_int(cpu, path, "idle", &idle, err)) < 0 ||
            cgroup_json_string(cpu, path, "cpus", &cpus, err) < 0 ||
            cgroup_json_string(cpu, path, "mems", &mems, err) < 0)
                return -1;
        if (shares != 0)
                cgroup_settings_add(out, path, "cpu", "cpu.shares", "%" PRIu64, shares);
        /* The period first: the kernel checks a quota against the period in place. */
        if (period != 0)
                cgroup_settings_add(out, path, "cpu", "cpu.cfs_period_us", "%" PRIu64, period);
        if (quota != 0)
                cgroup_settings_add(out, path, "cpu", "cpu.cfs_quota_us", "%" PRId64, quota);
        if (has_burst)
                cgroup_settings_add(out, path, "cpu", "cpu.cfs_burst_us", "%" PRIu64, burst);
        if (rt_period != 0)
                cgroup_settings_add(out, path, "cpu", "cpu.rt_period_us", "%" PRIu64, rt_period);
        if (rt_runtime != 0)
                cgroup_settings_add(out, path, "cpu", "cpu.rt_runtime_us", "%" PRId64, rt_runtime);
        if (has_idle)
                cgroup_settings_add(out, path, "cpu", "cpu.idle", "%" PRId64, idle);
        if (cpus && *cpus)
                cgroup_settings_add(out, path, "cpuset", "cpuset.cpus", "%s", cpus);
        if (mems && *mems)
                cgroup_settings_add(out, path, "cpuset", "cpuset.mems", "%s", mems);
        return 0;
}

static int plan_block_io(json_t *bio, struct cgroup_settings *out, struct error **err)
{
        const char *path = RES ".blockIO";
        uint64_t weight = 0, leaf = 0;
        json_t *list = NULL, *item;
        size_t i;
        if (cgroup_json_uint(bio, path, "weight", &weight, err) < 0 ||
            cgroup_json_uint(bio, path, "leafWeight", &leaf, err) < 0)
                return -1;
        if (weight != 0)
                cgroup_settings_add(out, path, "blkio", "blkio.weight", "%" PRIu64, weight);
        if (leaf != 0)
                cgroup_settings_add(out, path, "blkio", "blkio.leaf_weight", "%" PRIu64, leaf);
        if (cgroup_json_container(bio, path, "weightDevice", 'a', &list, err) < 0)
                return -1;
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *item_path = xasprintf("%s.weightDevice[%zu]", path, i);
                int64_t major, minor;
                uint64_t w = 0, lw = 0;
                if (cgroup_json_device_numbers(item, item_path, &major, &minor, err) < 0 ||
                    cgroup_json_uint(item, item_path, "weight", &w, err) < 0 ||
                    cgroup_json_uint(item, item_path, "leafWeight", &lw, err) < 0)
                        return -1;
                if (w != 0)
                        cgroup_settings_add(out, path, "blkio", "blkio.weight_device",
                                            "%" PRId64 ":%" PRId64 " %" PRIu64, major, minor, w);
                if (lw != 0)
                        cgroup_settings_add(out, path, "blkio", "blkio.leaf_weight_device",
                                            "%" PRId64 ":%" PRId64 " %" PRIu64, major, minor, lw);
        }
        static const struct {
                const char *key, *file;
        } throttles[] = {
            {"throttleReadBpsDevice", "blkio.throttle.read_bps_device"},
            {"throttleWriteBpsDevice", "blkio.throttle.write_bps_device"},
            {"throttleReadIOPSDevice", "blkio.throttle.read_iops_device"},
            {"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"},
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
                        cgroup_settings_add(out, path, "blkio", throttles[t].file,
                                            "%" PRId64 ":%" PRId64 " %" PRIu64, major, minor, rate);
                }
        }
        return 0;
}

static int plan_network(json_t *net, struct cgroup_settings *out, struct error **err)
{
        const char *path = RES ".network";
        uint64_t class_id = 0;
        json_t *list = NULL, *item;
        size_t i;
        int has_class;
        if ((has_class = cgroup_json_uint(net, path, "classID", &class_id, err)) < 0 ||
            cgroup_json_container(net, path, "priorities", 'a', &list, err) < 0)
                return -1;
        if (has_class)
                cgroup_settings_add(out, path, "net_cls", "net_cls.classid", "%" PRIu64, class_id);
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *item_path = xasprintf("%s.priorities[%zu]", path, i);
                const char *name = NULL;
                uint64_t prio = 0;
                if (!json_is_object(item))
                        return error_set(err, 0, "%s: must be an object", item_path);
                if (cgroup_json_string(item, item_path, "name", &name, err) < 0 ||
                    cgroup_json_uint(item, item_path, "priority", &prio, err) < 0)
                        return -1;
                if (name == NULL || *name == '\0' || strpbrk(name, " \n"))
                        return error_set(err, 0, "%s.name: not an interface name", item_path);
                cgroup_settings_add(out, path, "net_prio", "net_prio.ifpriomap", "%s %" PRIu64,
                                    name, prio);
        }
        return 0;
}

int cgroup_v1_plan(json_t *resources, const struct cgroup_current *current,
                   struct cgroup_settings *out, struct error **err)
{
        json_t *section = NULL;
        int r;
        int64_t pids_limit = 0;
        if (!json_is_object(resources))
                return error_set(err, 0, RES ": must be an object");
#define SECTION(key, kind)                                                                         \
        (section = NULL, r = cgroup_json_container(resources, RES, key, kind, &section, err))
        if (SECTION("memory", 'o') < 0 || (r && plan_memory(section, current, out, err) < 0))
                return -1;
        if (SECTION("cpu", 'o') < 0 || (r && plan_cpu(section, out, err) < 0))
                return -1;
        if (SECTION("pids", 'o') < 0 ||
            (r && cgroup_json_int(section, RES ".pids", "limit", &pids_limit, err) < 0))
                return -1;
        /* 0 is "not set" (as runc); a negative limit is "no limit". */
        if (pids_limit > 0)
                cgroup_settings_add(out, RES ".pids", "pids", "pids.max", "%" PRId64, pids_limit);
        else if (pids_limit < 0)
                cgroup_settings_add(out, RES ".pids", "pids", "pids.max", "max");
        if (SECTION("blockIO", 'o') < 0 || (r && plan_block_io(section, out, err) < 0))
                return -1;
        if (SECTION("hugepageLimits", 'a') < 0 ||
            (r && cgroup_plan_hugepages(section, "limit_in_bytes", out, err) < 0))
                return -1;
        if (SECTION("network", 'o') < 0 || (r && plan_network(section, out, err) < 0))
                return -1;
        if (SECTION("rdma", 'o') < 0 || (r && cgroup_plan_rdma(section, out, err) < 0))
                return -1;
        if (SECTION("unified", 'o') < 0)
                return -1;
        if (r && json_object_size(section) > 0)
                return error_set(err, 0,
                                 RES ".unified: needs cgroup v2 (this host uses "
                                     "cgroup v1)");
#undef SECTION
        return 0;
}

/* Is controller one of a v1 hierarchy's mount options ("cpu,cpuacct")? */
static bool hierarchy_has(const struct cgroup_hierarchy *h, const char *controller)
{
        if (h->is_v2)
                return false;
        size_t len = strlen(controller);
        for (const char *p = h->options; p && *p;) {
                const char *end = strchrnul(p, ',');
                if ((size_t)(end - p) == len && strncmp(p, controller, len) == 0)
                        return true;
                p = *end ? end + 1 : end;
        }
        return false;
}

char *cgroup_v1_controller_dir(const struct cgroup *cg, const char *controller)
{
        /* During create the hierarchies are known: dirs[i] is in hierarchies[i]. */
        if (cg->hierarchies) {
                for (size_t i = 0; i < cg->n_dirs; i++)
                        if (hierarchy_has(&cg->hierarchies[i], controller))
                                return xstrdup(cg->dirs[i]);
                return NULL;
        }
        struct cgroup_hierarchy *list = NULL;
        int n = cgroup_hierarchies_read(&list, NULL);
        char *found = NULL;
        for (int i = 0; i < n && found == NULL; i++) {
                if (!hierarchy_has(&list[i], controller))
                        continue;
                size_t mlen = strlen(list[i].mountpoint);
                for (size_t d = 0; d < cg->n_dirs; d++)
                        if (strncmp(cg->dirs[d], list[i].mountpoint, mlen) == 0 &&
                            cg->dirs[d][mlen] == '/') {
                                found = xstrdup(cg->dirs[d]);
                                break;
                        }
        }
        if (n > 0)
                cgroup_hierarchies_free(list, (size_t)n);
        return found;
}

static int64_t read_number(const char *dir, const char *file)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *text = fs_read_file(path, NULL, NULL);
        return text ? strtoll(text, NULL, 10) : 0;
}

int cgroup_v1_apply(const struct cgroup *cg, json_t *resources, struct error **err)
{
        struct cgroup_current current = {0};
        /* The current limit only orders the memory and memory+swap writes (plan_memory). */
        json_t *swap = json_object_get(json_object_get(resources, "memory"), "swap");
        if (swap && !json_is_null(swap)) {
                _cleanup_free_ char *memory_dir = cgroup_v1_controller_dir(cg, "memory");
                if (memory_dir)
                        current.memory_limit = read_number(memory_dir, "memory.limit_in_bytes");
        }
        __attribute__((cleanup(cgroup_settings_release))) struct cgroup_settings settings = {0};
        if (cgroup_v1_plan(resources, &current, &settings, err) < 0)
                return -1;
        /* Every setting's directory and file first, so a refusal writes nothing. */
        char **dirs = xcalloc(settings.n + 1, sizeof(char *));
        int rc = 0;
        for (size_t i = 0; i < settings.n && rc == 0; i++) {
                const struct cgroup_setting *s = &settings.items[i];
                dirs[i] = cgroup_v1_controller_dir(cg, s->controller);
                if (dirs[i] == NULL) {
                        rc = error_set(err, 0,
                                       "%s: the %s controller is not available in "
                                       "this cgroup",
                                       s->field, s->controller);
                        break;
                }
                _cleanup_free_ char *file = xasprintf("%s/%s", dirs[i], s->file);
                if (!s->optional && access(file, F_OK) < 0)
                        rc = error_set(err, 0, "%s: %s is not supported by this kernel", s->field,
                                       s->file);
        }
        for (size_t i = 0; i < settings.n && rc == 0; i++) {
                const struct cgroup_setting *s = &settings.items[i];
                _cleanup_free_ char *file = xasprintf("%s/%s", dirs[i], s->file);
                if (s->optional && access(file, F_OK) < 0)
                        continue;
                if (fs_write_string(file, s->value, err) < 0)
                        rc = error_wrap(err, "%s", s->field);
        }
        for (size_t i = 0; i < settings.n; i++)
                free(dirs[i]);
        free(dirs);
        return rc;
}
