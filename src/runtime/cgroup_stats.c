/* A container's processes and usage statistics from its cgroup (see cgroup_stats.h).
 * Field names and units are runc's, so tools reading `runc events` read these too. */
#include "cgroup_stats.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_resources.h"
#include "error.h"
#include "fs.h"

static void collect_pids(const char *dir, pid_t **pids, size_t *n)
{
        _cleanup_free_ char *procs_path = xasprintf("%s/cgroup.procs", dir);
        _cleanup_free_ char *procs = fs_read_file(procs_path, NULL, NULL);
        for (char *p = procs; p && *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                *pids = xrealloc(*pids, (*n + 1) * sizeof(pid_t));
                (*pids)[(*n)++] = (pid_t)pid;
                p = end + strspn(end, "\n");
        }
        DIR *d = opendir(dir);
        if (d == NULL)
                return;
        for (struct dirent *de; (de = readdir(d)) != NULL;) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *child = xasprintf("%s/%s", dir, de->d_name);
                collect_pids(child, pids, n);
        }
        closedir(d);
}

int cgroup_pids(const struct cgroup *cg, pid_t **out, struct error **err)
{
        if (cg == NULL || cg->n_dirs == 0)
                return error_set(err, 0, "the container has no cgroup");
        /* Every process joins all v1 hierarchies, so any one of them lists them all; the
         * pids hierarchy is the natural choice when mounted. */
        _cleanup_free_ char *dir = cg->version == 1 ? cgroup_v1_controller_dir(cg, "pids") : NULL;
        if (dir == NULL)
                dir = xstrdup(cg->dirs[0]);
        if (access(dir, F_OK) < 0)
                return error_set(err, errno, "cgroup %s", dir);
        pid_t *pids = NULL;
        size_t n = 0;
        collect_pids(dir, &pids, &n);
        *out = pids;
        return (int)n;
}

/* A number file: "max" (v2) is INT64_MAX, a missing or unreadable file 0. */
static json_int_t read_number(const char *dir, const char *file)
{
        if (dir == NULL)
                return 0;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *text = fs_read_file(path, NULL, NULL);
        if (text == NULL)
                return 0;
        if (strncmp(text, "max", 3) == 0)
                return INT64_MAX;
        unsigned long long v = strtoull(text, NULL, 10);
        return v > INT64_MAX ? INT64_MAX : (json_int_t)v;
}

/* A "key value" per line file (memory.stat, cpu.stat) as an object; NULL when missing. */
static json_t *read_key_values(const char *dir, const char *file)
{
        if (dir == NULL)
                return NULL;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *text = fs_read_file(path, NULL, NULL);
        if (text == NULL)
                return NULL;
        json_t *obj = json_object();
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *space = strchr(line, ' ');
                if (space == NULL)
                        continue;
                *space = '\0';
                json_object_set_new(obj, line,
                                    json_integer((json_int_t)strtoull(space + 1, NULL, 10)));
        }
        return obj;
}

static json_int_t kv_get(json_t *kv, const char *key)
{
        return json_integer_value(json_object_get(kv, key));
}

/* Space-separated numbers (cpuacct.usage_percpu) as an array. */
static json_t *read_number_list(const char *dir, const char *file)
{
        json_t *array = json_array();
        _cleanup_free_ char *path = dir ? xasprintf("%s/%s", dir, file) : NULL;
        _cleanup_free_ char *text = path ? fs_read_file(path, NULL, NULL) : NULL;
        for (char *p = text; p && *p;) {
                char *end;
                unsigned long long v = strtoull(p, &end, 10);
                if (end == p)
                        break;
                json_array_append_new(array, json_integer((json_int_t)v));
                p = end + strspn(end, " \n");
        }
        return array;
}

/* "0-3,5" (cpuset.cpus) as [0,1,2,3,5]. */
static json_t *read_cpu_list(const char *dir, const char *file)
{
        json_t *array = json_array();
        _cleanup_free_ char *path = dir ? xasprintf("%s/%s", dir, file) : NULL;
        _cleanup_free_ char *text = path ? fs_read_file(path, NULL, NULL) : NULL;
        for (char *p = text; p && *p && *p != '\n';) {
                char *end;
                long lo = strtol(p, &end, 10), hi = lo;
                if (end == p)
                        break;
                if (*end == '-')
                        hi = strtol(end + 1, &end, 10);
                for (long i = lo; i <= hi && i - lo < 4096; i++)
                        json_array_append_new(array, json_integer(i));
                p = end + (*end == ',');
        }
        return array;
}

static json_t *throttling(json_t *cpu_stat)
{
        json_t *t = json_object();
        if (kv_get(cpu_stat, "nr_periods"))
                json_object_set_new(t, "periods", json_integer(kv_get(cpu_stat, "nr_periods")));
        if (kv_get(cpu_stat, "nr_throttled"))
                json_object_set_new(t, "throttled_periods",
                                    json_integer(kv_get(cpu_stat, "nr_throttled")));
        json_int_t time = kv_get(cpu_stat, "throttled_time");
        if (time == 0)
                time = kv_get(cpu_stat, "throttled_usec") * 1000;
        if (time)
                json_object_set_new(t, "throttled_time", json_integer(time));
        return t;
}

static json_t *usage_entry(const char *dir, const char *prefix, bool with_usage)
{
        _cleanup_free_ char *limit = xasprintf("%slimit_in_bytes", prefix);
        _cleanup_free_ char *usage = xasprintf("%susage_in_bytes", prefix);
        _cleanup_free_ char *max = xasprintf("%smax_usage_in_bytes", prefix);
        _cleanup_free_ char *failcnt = xasprintf("%sfailcnt", prefix);
        json_t *e = json_object();
        json_object_set_new(e, "limit", json_integer(read_number(dir, limit)));
        if (with_usage) {
                json_object_set_new(e, "usage", json_integer(read_number(dir, usage)));
                json_object_set_new(e, "max", json_integer(read_number(dir, max)));
        }
        json_object_set_new(e, "failcnt", json_integer(read_number(dir, failcnt)));
        return e;
}

/* blkio "MAJ:MIN Op value" lines (v1 recursive throttle files) as runc's entries. */
static json_t *read_blkio_v1(const char *dir, const char *file)
{
        json_t *array = json_array();
        _cleanup_free_ char *path = dir ? xasprintf("%s/%s", dir, file) : NULL;
        _cleanup_free_ char *text = path ? fs_read_file(path, NULL, NULL) : NULL;
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                unsigned major, minor;
                char op[16];
                unsigned long long value;
                if (sscanf(line, "%u:%u %15s %llu", &major, &minor, op, &value) != 4)
                        continue;
                json_array_append_new(array,
                                      json_pack("{s:i, s:i, s:s, s:I}", "major", major, "minor",
                                                minor, "op", op, "value", (json_int_t)value));
        }
        return array;
}

/* v2 io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...") as runc's two lists. */
static void read_io_stat(const char *dir, json_t *blkio)
{
        _cleanup_free_ char *path = xasprintf("%s/io.stat", dir);
        _cleanup_free_ char *text = fs_read_file(path, NULL, NULL);
        if (text == NULL)
                return;
        json_t *bytes = json_array(), *ios = json_array();
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned major, minor;
                int used = 0;
                if (sscanf(line, "%u:%u%n", &major, &minor, &used) != 2)
                        continue;
                char *fsave = NULL;
                for (char *kv = strtok_r(line + used, " ", &fsave); kv;
                     kv = strtok_r(NULL, " ", &fsave)) {
                        char *eq = strchr(kv, '=');
                        if (eq == NULL)
                                continue;
                        *eq = '\0';
                        json_int_t v = (json_int_t)strtoull(eq + 1, NULL, 10);
                        json_t *list = kv[1] == 'b' ? bytes : kv[1] == 'i' ? ios : NULL;
                        const char *op = kv[0] == 'r' ? "Read" : kv[0] == 'w' ? "Write" : NULL;
                        if (list == NULL || op == NULL ||
                            (strcmp(kv + 1, "bytes") != 0 && strcmp(kv + 1, "ios") != 0))
                                continue;
                        json_array_append_new(list,
                                              json_pack("{s:i, s:i, s:s, s:I}", "major", major,
                                                        "minor", minor, "op", op, "value", v));
                }
        }
        if (json_array_size(bytes))
                json_object_set(blkio, "io_service_bytes_recursive", bytes);
        if (json_array_size(ios))
                json_object_set(blkio, "io_serviced_recursive", ios);
        json_decref(bytes);
        json_decref(ios);
}

/* Hugepage sizes the kernel has, as cgroup file names use them ("2MB"). */
static json_t *hugetlb_stats(const char *dir, bool v2)
{
        json_t *out = json_object();
        DIR *d = dir ? opendir("/sys/kernel/mm/hugepages") : NULL;
        for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
                unsigned long kb;
                if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
                        continue;
                _cleanup_free_ char *size = kb >= 1048576 ? xasprintf("%luGB", kb / 1048576)
                                            : kb >= 1024  ? xasprintf("%luMB", kb / 1024)
                                                          : xasprintf("%luKB", kb);
                _cleanup_free_ char *usage =
                    xasprintf(v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes", size);
                _cleanup_free_ char *probe = xasprintf("%s/%s", dir, usage);
                if (access(probe, F_OK) < 0)
                        continue;
                json_t *e = json_object();
                json_object_set_new(e, "usage", json_integer(read_number(dir, usage)));
                if (v2) {
                        _cleanup_free_ char *events = xasprintf("hugetlb.%s.events", size);
                        json_t *kv = read_key_values(dir, events);
                        json_object_set_new(e, "failcnt", json_integer(kv_get(kv, "max")));
                        json_decref(kv);
                } else {
                        _cleanup_free_ char *max = xasprintf("hugetlb.%s.max_usage_in_bytes", size);
                        _cleanup_free_ char *fail = xasprintf("hugetlb.%s.failcnt", size);
                        json_object_set_new(e, "max", json_integer(read_number(dir, max)));
                        json_object_set_new(e, "failcnt", json_integer(read_number(dir, fail)));
                }
                json_object_set_new(out, size, e);
        }
        if (d)
                closedir(d);
        return out;
}

static json_t *stats_v1(const struct cgroup *cg)
{
        _cleanup_free_ char *cpuacct = cgroup_v1_controller_dir(cg, "cpuacct");
        _cleanup_free_ char *cpu = cgroup_v1_controller_dir(cg, "cpu");
        _cleanup_free_ char *cpuset = cgroup_v1_controller_dir(cg, "cpuset");
        _cleanup_free_ char *memory = cgroup_v1_controller_dir(cg, "memory");
        _cleanup_free_ char *pids = cgroup_v1_controller_dir(cg, "pids");
        _cleanup_free_ char *blkio = cgroup_v1_controller_dir(cg, "blkio");
        _cleanup_free_ char *hugetlb = cgroup_v1_controller_dir(cg, "hugetlb");

        /* cpuacct.stat counts USER_HZ ticks (100 per second); runc reports nanoseconds. */
        json_t *ticks = read_key_values(cpuacct, "cpuacct.stat");
        json_t *usage = json_pack(
            "{s:I, s:o, s:o, s:o, s:I, s:I}", "total", read_number(cpuacct, "cpuacct.usage"),
            "percpu", read_number_list(cpuacct, "cpuacct.usage_percpu"), "percpu_kernel",
            read_number_list(cpuacct, "cpuacct.usage_percpu_sys"), "percpu_user",
            read_number_list(cpuacct, "cpuacct.usage_percpu_user"), "kernel",
            kv_get(ticks, "system") * 10000000, "user", kv_get(ticks, "user") * 10000000);
        json_decref(ticks);
        json_t *cpu_stat = read_key_values(cpu, "cpu.stat");
        json_t *cpu_obj =
            json_pack("{s:o, s:o}", "usage", usage, "throttling", throttling(cpu_stat));
        json_decref(cpu_stat);

        json_t *cpuset_obj =
            json_pack("{s:o, s:o}", "cpus", read_cpu_list(cpuset, "cpuset.effective_cpus"), "mems",
                      read_cpu_list(cpuset, "cpuset.effective_mems"));

        json_t *memory_obj = json_object();
        if (memory) {
                json_object_set_new(memory_obj, "usage", usage_entry(memory, "memory.", true));
                json_object_set_new(memory_obj, "swap", usage_entry(memory, "memory.memsw.", true));
                json_object_set_new(memory_obj, "kernel",
                                    usage_entry(memory, "memory.kmem.", true));
                json_object_set_new(memory_obj, "kernelTCP",
                                    usage_entry(memory, "memory.kmem.tcp.", false));
                json_t *raw = read_key_values(memory, "memory.stat");
                if (raw)
                        json_object_set_new(memory_obj, "raw", raw);
        }

        json_t *blkio_obj = json_object();
        static const struct {
                const char *key, *file;
        } blkio_files[] = {
            {"io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive"},
            {"io_serviced_recursive", "blkio.throttle.io_serviced_recursive"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(blkio_files); i++) {
                json_t *list = read_blkio_v1(blkio, blkio_files[i].file);
                if (json_array_size(list))
                        json_object_set(blkio_obj, blkio_files[i].key, list);
                json_decref(list);
        }
        json_int_t pids_max = read_number(pids, "pids.max");
        return json_pack("{s:o, s:o, s:o, s:{s:I, s:I}, s:o, s:o, s:{}, s:n}", "cpu", cpu_obj,
                         "cpuset", cpuset_obj, "memory", memory_obj, "pids", "current",
                         read_number(pids, "pids.current"), "limit",
                         pids_max == INT64_MAX ? 0 : pids_max, "blkio", blkio_obj, "hugetlb",
                         hugetlb_stats(hugetlb, false), "intel_rdt", "network_interfaces");
}

static json_t *stats_v2(const struct cgroup *cg)
{
        const char *dir = cg->dirs[0];
        json_t *cpu_stat = read_key_values(dir, "cpu.stat");
        json_t *usage = json_pack("{s:I, s:I, s:I}", "total", kv_get(cpu_stat, "usage_usec") * 1000,
                                  "kernel", kv_get(cpu_stat, "system_usec") * 1000, "user",
                                  kv_get(cpu_stat, "user_usec") * 1000);
        json_t *cpu_obj =
            json_pack("{s:o, s:o}", "usage", usage, "throttling", throttling(cpu_stat));
        json_decref(cpu_stat);

        json_t *memory_obj = json_object();
        _cleanup_free_ char *current = xasprintf("%s/memory.current", dir);
        if (access(current, F_OK) == 0) {
                json_t *events = read_key_values(dir, "memory.events");
                json_object_set_new(
                    memory_obj, "usage",
                    json_pack("{s:I, s:I, s:I, s:I}", "limit", read_number(dir, "memory.max"),
                              "usage", read_number(dir, "memory.current"), "max",
                              read_number(dir, "memory.peak"), "failcnt", kv_get(events, "max")));
                json_object_set_new(memory_obj, "swap",
                                    json_pack("{s:I, s:I, s:I, s:I}", "limit",
                                              read_number(dir, "memory.swap.max"), "usage",
                                              read_number(dir, "memory.swap.current"), "max",
                                              read_number(dir, "memory.swap.peak"), "failcnt", 0));
                json_decref(events);
                json_t *raw = read_key_values(dir, "memory.stat");
                if (raw)
                        json_object_set_new(memory_obj, "raw", raw);
        }
        json_t *blkio_obj = json_object();
        read_io_stat(dir, blkio_obj);
        json_int_t pids_max = read_number(dir, "pids.max");
        return json_pack("{s:o, s:o, s:{s:I, s:I}, s:o, s:o, s:{}, s:n}", "cpu", cpu_obj, "memory",
                         memory_obj, "pids", "current", read_number(dir, "pids.current"), "limit",
                         pids_max == INT64_MAX ? 0 : pids_max, "blkio", blkio_obj, "hugetlb",
                         hugetlb_stats(dir, true), "intel_rdt", "network_interfaces");
}

json_t *cgroup_stats(const struct cgroup *cg)
{
        return cg->version == 2 ? stats_v2(cg) : stats_v1(cg);
}

long long cgroup_oom_kills(const struct cgroup *cg)
{
        _cleanup_free_ char *dir =
            cg->version == 1 ? cgroup_v1_controller_dir(cg, "memory") : xstrdup(cg->dirs[0]);
        json_t *kv =
            read_key_values(dir, cg->version == 1 ? "memory.oom_control" : "memory.events");
        long long n = kv_get(kv, "oom_kill");
        json_decref(kv);
        return n;
}
