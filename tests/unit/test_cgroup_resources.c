/* src/runtime/cgroup_convert, cgroup_settings, the v1/v2 planners and the v2 writer: what
 * linux.resources becomes in cgroup files, and the device rules. The v2 writer writes into
 * a temp directory that imitates a cgroup (cgroup.controllers and empty control files). */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup_convert.h"
#include "cgroup_devices.h"
#include "cgroup_resources.h"
#include "error.h"
#include "fs.h"
#include "test.h"

TEST(shares_to_weight_is_runcs_linear_map)
{
        CHECK_INT_EQ(cgroup_shares_to_weight(0), 0);
        CHECK_INT_EQ(cgroup_shares_to_weight(2), 1);
        CHECK_INT_EQ(cgroup_shares_to_weight(1024), 39);
        CHECK_INT_EQ(cgroup_shares_to_weight(262144), 10000);
        CHECK_INT_EQ(cgroup_shares_to_weight(1), 1);
        CHECK_INT_EQ(cgroup_shares_to_weight(1000000), 10000);
}

TEST(blkio_weight_to_io_weight)
{
        CHECK_INT_EQ(cgroup_blkio_weight_to_io_weight(0), 0);
        CHECK_INT_EQ(cgroup_blkio_weight_to_io_weight(10), 1);
        CHECK_INT_EQ(cgroup_blkio_weight_to_io_weight(500), 4950);
        CHECK_INT_EQ(cgroup_blkio_weight_to_io_weight(1000), 10000);
}

TEST(memory_swap_to_v2)
{
        struct {
                int64_t swap, limit, want;
                bool fails;
        } cases[] = {
            {0, 0, 0, false},       /* nothing given */
            {0, -1, -1, false},     /* unlimited memory: unlimited swap */
            {-1, 100, -1, false},   /* unlimited swap */
            {300, 100, 200, false}, /* memory+swap minus memory */
            {100, 100, 0, false},   /* no swap at all */
            {50, 100, 0, true},     /* below the limit */
            {300, 0, 0, true},      /* no limit to subtract */
            {300, -1, 0, true},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct error *err = NULL;
                int64_t out = 12345;
                int rc = cgroup_memory_swap_to_v2(cases[i].swap, cases[i].limit, &out, &err);
                test_case(cases[i].fails ? rc < 0 && err != NULL : rc == 0 && out == cases[i].want,
                          "swap %lld with limit %lld", (long long)cases[i].swap,
                          (long long)cases[i].limit);
                error_free(&err);
        }
}

TEST(cpu_max_text_and_parse)
{
        char *s = cgroup_cpu_max_text(50000, 100000);
        CHECK_STR_EQ(s, "50000 100000");
        free(s);
        s = cgroup_cpu_max_text(-1, 250000);
        CHECK_STR_EQ(s, "max 250000");
        free(s);
        int64_t q;
        uint64_t p;
        CHECK(cgroup_cpu_max_parse("max 100000\n", &q, &p) && q == -1 && p == 100000);
        CHECK(cgroup_cpu_max_parse("20000 50000\n", &q, &p) && q == 20000 && p == 50000);
        CHECK(!cgroup_cpu_max_parse("garbage", &q, &p));
        CHECK_INT_EQ(cgroup_v2_limit_parse("max\n"), -1);
        CHECK_INT_EQ(cgroup_v2_limit_parse("4096\n"), 4096);
        s = cgroup_v2_limit_text(-1);
        CHECK_STR_EQ(s, "max");
        free(s);
}

TEST(hugepage_sizes)
{
        CHECK(cgroup_hugepage_size_valid("2MB"));
        CHECK(cgroup_hugepage_size_valid("1GB"));
        CHECK(cgroup_hugepage_size_valid("64KB"));
        CHECK(!cgroup_hugepage_size_valid("2M"));
        CHECK(!cgroup_hugepage_size_valid("0MB"));
        CHECK(!cgroup_hugepage_size_valid("../x"));
}

/* Plans text for a version; returns "file=value;..." or "error: msg". */
static char *plan(int version, const char *json, const struct cgroup_current *cur)
{
        json_error_t jerr;
        json_t *res = json_loads(json, 0, &jerr);
        if (res == NULL)
                return xasprintf("bad test json: %s", jerr.text);
        struct cgroup_current none = {.memory_limit = -1, .cpu_quota = -1, .cpu_period = 100000};
        struct cgroup_settings s = {0};
        struct error *err = NULL;
        int rc = version == 2 ? cgroup_v2_plan(res, cur ? cur : &none, &s, &err)
                              : cgroup_v1_plan(res, cur ? cur : &none, &s, &err);
        json_decref(res);
        char *out;
        if (rc < 0) {
                out = xasprintf("error: %s", err->msg);
                error_free(&err);
        } else {
                out = xstrdup("");
                for (size_t i = 0; i < s.n; i++) {
                        char *next = xasprintf("%s%s%s=%s", out, i ? ";" : "", s.items[i].file,
                                               s.items[i].value);
                        free(out);
                        out = next;
                }
        }
        cgroup_settings_release(&s);
        return out;
}

#define CHECK_PLAN(version, json, cur, want)                                                       \
        do {                                                                                       \
                char *got_ = plan(version, json, cur);                                             \
                CHECK_STR_EQ(got_, want);                                                          \
                free(got_);                                                                        \
        } while (0)

TEST(v2_memory_files)
{
        CHECK_PLAN(2,
                   "{\"memory\": {\"limit\": 104857600, \"reservation\": 52428800, "
                   "\"swap\": 209715200}}",
                   NULL, "memory.max=104857600;memory.low=52428800;memory.swap.max=104857600");
        CHECK_PLAN(2, "{\"memory\": {\"limit\": -1}}", NULL, "memory.max=max;memory.swap.max=max");
        CHECK_PLAN(2, "{\"memory\": {\"limit\": 1000, \"swap\": -1}}", NULL,
                   "memory.max=1000;memory.swap.max=max");
        /* update --memory-swap alone: the limit comes from the cgroup. */
        struct cgroup_current cur = {.memory_limit = 1000, .cpu_quota = -1, .cpu_period = 100000};
        CHECK_PLAN(2, "{\"memory\": {\"swap\": 3000}}", &cur, "memory.swap.max=2000");
        CHECK_PLAN(2, "{\"memory\": {\"swap\": 3000}}", NULL,
                   "error: linux.resources.memory.swap: a swap limit needs a memory limit");
        CHECK_PLAN(2, "{\"memory\": {\"disableOOMKiller\": true}}", NULL,
                   "error: linux.resources.memory.disableOOMKiller: the OOM killer cannot be "
                   "disabled on cgroup v2");
        CHECK_PLAN(2, "{\"memory\": {\"disableOOMKiller\": false, \"useHierarchy\": true}}", NULL,
                   "");
}

TEST(v2_cpu_files)
{
        CHECK_PLAN(2,
                   "{\"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, "
                   "\"cpus\": \"0-1\", \"mems\": \"0\", \"idle\": 1}}",
                   NULL,
                   "cpu.weight=39;cpu.max=50000 100000;cpu.idle=1;cpuset.cpus=0-1;"
                   "cpuset.mems=0");
        CHECK_PLAN(2, "{\"cpu\": {\"quota\": -1}}", NULL, "cpu.max=max 100000");
        /* One half of cpu.max keeps the other's current value. */
        struct cgroup_current cur = {.memory_limit = -1, .cpu_quota = 20000, .cpu_period = 50000};
        CHECK_PLAN(2, "{\"cpu\": {\"period\": 200000}}", &cur, "cpu.max=20000 200000");
        CHECK_PLAN(2, "{\"cpu\": {\"quota\": 30000}}", &cur, "cpu.max=30000 50000");
        CHECK_PLAN(2, "{\"cpu\": {\"realtimeRuntime\": 950000}}", NULL,
                   "error: linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime "
                   "limits");
}

TEST(v2_pids_io_hugetlb_rdma_unified)
{
        CHECK_PLAN(2, "{\"pids\": {\"limit\": 100}}", NULL, "pids.max=100");
        CHECK_PLAN(2, "{\"pids\": {\"limit\": -1}}", NULL, "pids.max=max");
        CHECK_PLAN(2, "{\"pids\": {\"limit\": 0}}", NULL, "");
        CHECK_PLAN(2,
                   "{\"blockIO\": {\"weight\": 10, \"weightDevice\": [{\"major\": 8, "
                   "\"minor\": 0, \"weight\": 1000}], \"throttleReadBpsDevice\": "
                   "[{\"major\": 8, \"minor\": 0, \"rate\": 1048576}]}}",
                   NULL, "io.weight=1;io.weight=8:0 10000;io.max=8:0 rbps=1048576");
        CHECK_PLAN(2, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}]}", NULL,
                   "hugetlb.2MB.rsvd.max=4194304;hugetlb.2MB.max=4194304");
        CHECK_PLAN(2, "{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}}", NULL,
                   "rdma.max=mlx5_1 hca_handle=3 hca_object=max");
        CHECK_PLAN(2, "{\"pids\": {\"limit\": 5}, \"unified\": {\"pids.max\": \"7\"}}", NULL,
                   "pids.max=5;pids.max=7");
        CHECK_PLAN(2, "{\"unified\": {\"../cgroup.procs\": \"1\"}}", NULL,
                   "error: linux.resources.unified.../cgroup.procs: not a cgroup file name");
        CHECK_PLAN(2, "{\"network\": {\"classID\": 1}}", NULL,
                   "error: linux.resources.network: net_cls and net_prio are cgroup v1 "
                   "controllers, not available on cgroup v2");
}

TEST(v1_files)
{
        /* At create the limit is "unlimited", so it is lowered before memsw. */
        struct cgroup_current unlimited = {.memory_limit = INT64_MAX};
        CHECK_PLAN(1,
                   "{\"memory\": {\"limit\": 100, \"swap\": 200, \"reservation\": 50, "
                   "\"swappiness\": 10, \"disableOOMKiller\": true}}",
                   &unlimited,
                   "memory.limit_in_bytes=100;memory.memsw.limit_in_bytes=200;"
                   "memory.soft_limit_in_bytes=50;memory.swappiness=10;memory.oom_control=1");
        /* Raising past the current limit: memsw first. */
        struct cgroup_current low = {.memory_limit = 100};
        CHECK_PLAN(1, "{\"memory\": {\"limit\": 300, \"swap\": 600}}", &low,
                   "memory.memsw.limit_in_bytes=600;memory.limit_in_bytes=300");
        CHECK_PLAN(1,
                   "{\"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, "
                   "\"realtimePeriod\": 1000000, \"realtimeRuntime\": 0, \"cpus\": \"0\"}}",
                   NULL,
                   "cpu.shares=512;cpu.cfs_period_us=100000;cpu.cfs_quota_us=50000;"
                   "cpu.rt_period_us=1000000;cpuset.cpus=0");
        CHECK_PLAN(1, "{\"pids\": {\"limit\": -1}, \"blockIO\": {\"weight\": 300}}", NULL,
                   "pids.max=max;blkio.weight=300");
        CHECK_PLAN(1, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 0}]}", NULL,
                   "hugetlb.2MB.rsvd.limit_in_bytes=0;hugetlb.2MB.limit_in_bytes=0");
        CHECK_PLAN(1,
                   "{\"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": "
                   "\"eth0\", \"priority\": 5}]}}",
                   NULL, "net_cls.classid=1048577;net_prio.ifpriomap=eth0 5");
        CHECK_PLAN(1, "{\"unified\": {\"memory.max\": \"1\"}}", NULL,
                   "error: linux.resources.unified: needs cgroup v2 (this host uses cgroup v1)");
        CHECK_PLAN(1, "{\"unified\": {}}", NULL, "");
        CHECK_PLAN(1, "{\"memory\": {\"swappiness\": 101}}", NULL,
                   "error: linux.resources.memory.swappiness: 101 is not in 0..100");
}

TEST(types_are_checked_as_read)
{
        /* update --resources is not shape-checked by the config parser. */
        CHECK_PLAN(2, "{\"memory\": {\"limit\": \"1g\"}}", NULL,
                   "error: linux.resources.memory.limit: must be an integer");
        CHECK_PLAN(1, "{\"cpu\": {\"shares\": -5}}", NULL,
                   "error: linux.resources.cpu.shares: must be an integer >= 0");
        CHECK_PLAN(1, "{\"cpu\": []}", NULL, "error: linux.resources.cpu: must be an object");
        CHECK_PLAN(2, "{\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}", NULL,
                   "error: linux.resources.hugepageLimits[0].pageSize: must be a size like 2MB");
        CHECK_PLAN(1, "{\"memory\": {\"limit\": null}}", NULL, "");
}

/* A temp directory that looks like a v2 cgroup with these controllers and files. */
static int fake_cgroup(char *dir, const char *controllers, const char *const *files)
{
        if (mkdtemp(dir) == NULL)
                return -1;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        close(openat(fd, "cgroup.controllers", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        fs_write_string_at(fd, "cgroup.controllers", controllers, NULL);
        for (; *files; files++)
                close(openat(fd, *files, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        return fd;
}

static char *read_at(int fd, const char *file)
{
        char *text = fs_read_file_at(fd, file, NULL, NULL);
        return text ? text : xstrdup("(missing)");
}

static const char *const v2_files[] = {
    "memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpu.max", "pids.max", NULL};

TEST(v2_writer_writes_memory_cpu_pids_files)
{
        char dir[] = "/tmp/berth-cgroup-XXXXXX";
        int fd = fake_cgroup(dir, "cpuset cpu io memory pids\n", v2_files);
        REQUIRE(fd >= 0);
        json_t *res = json_loads("{\"memory\": {\"limit\": 268435456, \"swap\": 536870912}, "
                                 "\"cpu\": {\"shares\": 2048, \"quota\": 25000}, "
                                 "\"pids\": {\"limit\": 64}}",
                                 0, NULL);
        struct cgroup_current cur;
        fs_write_string_at(fd, "cpu.max", "max 100000\n", NULL);
        fs_write_string_at(fd, "memory.max", "max\n", NULL);
        cgroup_v2_current_read(fd, &cur);
        CHECK_INT_EQ(cur.memory_limit, -1);
        CHECK_INT_EQ(cur.cpu_period, 100000);
        struct cgroup_settings s = {0};
        struct error *err = NULL;
        CHECK(cgroup_v2_plan(res, &cur, &s, &err) == 0);
        CHECK(cgroup_v2_settings_write(fd, &s, &err) == 0);
        if (err)
                test_note("%s", err->msg);
        char *v;
        CHECK_STR_EQ(v = read_at(fd, "memory.max"), "268435456");
        free(v);
        CHECK_STR_EQ(v = read_at(fd, "memory.swap.max"), "268435456");
        free(v);
        CHECK_STR_EQ(v = read_at(fd, "cpu.weight"), "79");
        free(v);
        CHECK_STR_EQ(v = read_at(fd, "cpu.max"), "25000 100000");
        free(v);
        CHECK_STR_EQ(v = read_at(fd, "pids.max"), "64");
        free(v);
        cgroup_settings_release(&s);
        error_free(&err);
        json_decref(res);
        close(fd);
        fs_remove_tree(dir, NULL);
}

TEST(v2_writer_refuses_a_missing_controller_and_writes_nothing)
{
        char dir[] = "/tmp/berth-cgroup-XXXXXX";
        int fd = fake_cgroup(dir, "hugetlb\n", v2_files);
        REQUIRE(fd >= 0);
        json_t *res =
            json_loads("{\"pids\": {\"limit\": 10}, \"memory\": {\"limit\": 1048576}}", 0, NULL);
        struct cgroup_current cur = {.memory_limit = -1, .cpu_quota = -1};
        struct cgroup_settings s = {0};
        struct error *err = NULL;
        CHECK(cgroup_v2_plan(res, &cur, &s, &err) == 0);
        CHECK(cgroup_v2_settings_write(fd, &s, &err) < 0);
        CHECK_STR_EQ(err ? err->msg : NULL, "linux.resources.memory: the memory controller is "
                                            "not available in this cgroup");
        char *v;
        CHECK_STR_EQ(v = read_at(fd, "pids.max"), "");
        free(v);
        error_free(&err);
        cgroup_settings_release(&s);
        /* A controller that is there, with a file the kernel does not have. */
        json_decref(res);
        fs_write_string_at(fd, "cgroup.controllers", "io hugetlb\n", NULL);
        res = json_loads("{\"blockIO\": {\"weight\": 100}}", 0, NULL);
        CHECK(cgroup_v2_plan(res, &cur, &s, &err) == 0);
        CHECK(cgroup_v2_settings_write(fd, &s, &err) < 0);
        CHECK_STR_EQ(err ? err->msg : NULL,
                     "linux.resources.blockIO: io.weight is not supported by this kernel");
        error_free(&err);
        cgroup_settings_release(&s);
        json_decref(res);
        close(fd);
        fs_remove_tree(dir, NULL);
}

TEST(device_rules_config_then_defaults)
{
        json_t *res = json_loads("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, "
                                 "{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11, "
                                 "\"access\": \"wr\"}]}",
                                 0, NULL);
        struct cgroup_device_rule *rules = NULL;
        struct error *err = NULL;
        int n = cgroup_device_rules_build(res, &rules, &err);
        REQUIRE(n == 2 + 11);
        char *t;
        CHECK_STR_EQ(t = cgroup_device_rule_text(&rules[0]), "a *:* rwm");
        free(t);
        CHECK(!rules[0].allow);
        CHECK_STR_EQ(t = cgroup_device_rule_text(&rules[1]), "c 1:11 rw");
        free(t);
        CHECK_STR_EQ(t = cgroup_device_rule_text(&rules[2]), "c *:* m");
        free(t);
        CHECK_STR_EQ(t = cgroup_device_rule_text(&rules[n - 1]), "c 10:200 rwm");
        free(t);
        free(rules);
        json_decref(res);
        res = json_loads("{\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}", 0, NULL);
        CHECK(cgroup_device_rules_build(res, &rules, &err) < 0);
        CHECK_STR_EQ(err ? err->msg : NULL,
                     "linux.resources.devices[0].access: \"rwx\" is not made of r, w and m");
        error_free(&err);
        json_decref(res);
}
