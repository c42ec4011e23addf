/* src/runtime/cgroup_paths and the path rules of cgroup v1 and v2: which hierarchies are
 * mounted where, this process's own cgroup in each, and where a container's cgroup goes;
 * from the texts of /proc/self/mountinfo and /proc/self/cgroup. Also the cgroup record of
 * state.json. */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_paths.h"
#include "cgroup_resources.h"
#include "error.h"
#include "fs.h"
#include "test.h"

/* A host with the hybrid layout: one v1 hierarchy per controller (memory with a nested own
 * path), a named systemd hierarchy, and cgroup2 at /sys/fs/cgroup/unified. */
static const char hybrid_mountinfo[] =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_cgroup[] = "9:name=systemd:/\n"
                                    "8:pids:/\n"
                                    "7:blkio:/\n"
                                    "6:freezer:/\n"
                                    "5:devices:/\n"
                                    "4:memory:/process_api/fc85fff9c63e27118c9e730c6eeccdbb\n"
                                    "3:cpuset:/\n"
                                    "2:cpuacct:/\n"
                                    "1:cpu:/\n"
                                    "0::/\n";

/* A systemd host of the cgroup v1 era: combined hierarchies, optional fields (shared:N)
 * before the separator, and a process in a user session. */
static const char combined_mountinfo[] =
    "24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "25 24 0:21 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - "
    "cgroup2 cgroup2 rw,nsdelegate\n"
    "26 24 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - "
    "cgroup cgroup rw,xattr,name=systemd\n"
    "29 24 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - "
    "cgroup cgroup rw,cpu,cpuacct\n"
    "30 24 0:26 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime "
    "shared:15 - cgroup cgroup rw,net_cls,net_prio\n"
    "31 24 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - "
    "cgroup cgroup rw,memory\n"
    "32 24 0:28 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - "
    "cgroup cgroup rw,cpuset,clone_children\n";
static const char combined_cgroup[] = "12:cpuset:/\n"
                                      "11:memory:/user.slice/user-1000.slice/session-2.scope\n"
                                      "4:cpu,cpuacct:/user.slice\n"
                                      "3:net_cls,net_prio:/\n"
                                      "1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
                                      "0::/user.slice/user-1000.slice/session-2.scope\n";

/* A pure cgroup v2 host. */
static const char v2_mountinfo[] =
    "25 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 "
    "cgroup2 rw,nsdelegate,memory_recursiveprot\n";
static const char v2_cgroup[] = "0::/user.slice/user-1000.slice/session-3.scope\n";

/* Inside a container without a cgroup namespace: the hierarchies are mounted from the
 * container's own cgroup, so each mount's root is that cgroup, not "/". */
static const char container_mountinfo[] =
    "1190 1180 0:95 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs "
    "rw,mode=755\n"
    "1200 1190 0:29 /docker/0123abcd /sys/fs/cgroup/cpu,cpuacct "
    "ro,nosuid,nodev,noexec,relatime master:14 - cgroup cgroup rw,cpu,cpuacct\n"
    "1201 1190 0:31 /docker/0123abcd /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime "
    "master:16 - cgroup cgroup rw,memory\n"
    "1202 1190 0:22 /docker/0123abcd /sys/fs/cgroup/systemd "
    "ro,nosuid,nodev,noexec,relatime master:11 - cgroup cgroup rw,xattr,name=systemd\n";
static const char container_cgroup[] = "11:memory:/docker/0123abcd/sub\n"
                                       "4:cpu,cpuacct:/docker/0123abcd\n"
                                       "1:name=systemd:/docker/0123abcd\n"
                                       "0::/\n";

static const struct cgroup_hierarchy *find_mount(const struct cgroup_hierarchy *list, size_t n,
                                                 const char *mountpoint)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i].mountpoint, mountpoint) == 0)
                        return &list[i];
        return NULL;
}

struct expected_hierarchy {
        const char *mountpoint;
        const char *own_path;
        const char *options; /* NULL: not checked */
        bool is_cpuset;
        bool is_v2;
};

/* Checks list against want, in order, and that the texts give nothing more. */
static void check_hierarchies(const char *label, const char *mountinfo, const char *self,
                              const struct expected_hierarchy *want, size_t n_want)
{
        struct cgroup_hierarchy *list = NULL;
        size_t n = cgroup_hierarchies_parse(mountinfo, self, &list);
        bool ok = n == n_want;
        if (!ok)
                test_note("%s: %zu hierarchies, want %zu", label, n, n_want);
        for (size_t i = 0; ok && i < n; i++) {
                const struct cgroup_hierarchy *h = &list[i];
                const struct expected_hierarchy *w = &want[i];
                bool same = strcmp(h->mountpoint, w->mountpoint) == 0 &&
                            strcmp(h->own_path, w->own_path) == 0 &&
                            (w->options == NULL || strcmp(h->options, w->options) == 0) &&
                            h->is_cpuset == w->is_cpuset && h->is_v2 == w->is_v2;
                if (!same) {
                        test_note("%s: #%zu is %s own %s options %s cpuset %d v2 %d", label, i,
                                  h->mountpoint, h->own_path, h->options, h->is_cpuset, h->is_v2);
                        test_note("%s: want %s own %s options %s cpuset %d v2 %d", label,
                                  w->mountpoint, w->own_path, w->options ? w->options : "(any)",
                                  w->is_cpuset, w->is_v2);
                        ok = false;
                }
        }
        test_case(ok, "%s: hierarchies", label);
        cgroup_hierarchies_free(list, n);
}

TEST(hybrid_host)
{
        static const struct expected_hierarchy want[] = {
            {"/sys/fs/cgroup/cpu", "/", "cpu", false, false},
            {"/sys/fs/cgroup/cpuacct", "/", "cpuacct", false, false},
            {"/sys/fs/cgroup/cpuset", "/", "cpuset", true, false},
            {"/sys/fs/cgroup/memory", "/process_api/fc85fff9c63e27118c9e730c6eeccdbb", "memory",
             false, false},
            {"/sys/fs/cgroup/devices", "/", "devices", false, false},
            {"/sys/fs/cgroup/freezer", "/", "freezer", false, false},
            {"/sys/fs/cgroup/blkio", "/", "blkio", false, false},
            {"/sys/fs/cgroup/pids", "/", "pids", false, false},
            {"/sys/fs/cgroup/systemd", "/", "name=systemd", false, false},
            /* Only v1 mounts use options; a bare "rw" is left as it is. */
            {"/sys/fs/cgroup/unified", "/", NULL, false, true},
        };
        check_hierarchies("hybrid", hybrid_mountinfo, hybrid_cgroup, want, ARRAY_SIZE(want));

        struct cgroup_hierarchy *list = NULL;
        size_t n = cgroup_hierarchies_parse(hybrid_mountinfo, hybrid_cgroup, &list);
        const struct cgroup_hierarchy *memory = find_mount(list, n, "/sys/fs/cgroup/memory");
        const struct cgroup_hierarchy *cpu = find_mount(list, n, "/sys/fs/cgroup/cpu");
        const struct cgroup_hierarchy *unified = find_mount(list, n, "/sys/fs/cgroup/unified");
        REQUIRE(memory && cpu && unified);
        CHECK_STR_EQ(memory->root, "/");
        /* A relative path goes under the own cgroup, an absolute one under the root. */
        _cleanup_free_ char *rel_memory = cgroup_hierarchy_dir(memory, "ctr");
        _cleanup_free_ char *abs_memory = cgroup_hierarchy_dir(memory, "/ctr");
        _cleanup_free_ char *rel_cpu = cgroup_hierarchy_dir(cpu, "ctr");
        _cleanup_free_ char *rel_unified = cgroup_hierarchy_dir(unified, "berth/ctr");
        CHECK_STR_EQ(rel_memory,
                     "/sys/fs/cgroup/memory/process_api/fc85fff9c63e27118c9e730c6eeccdbb/ctr");
        CHECK_STR_EQ(abs_memory, "/sys/fs/cgroup/memory/ctr");
        CHECK_STR_EQ(rel_cpu, "/sys/fs/cgroup/cpu/ctr");
        CHECK_STR_EQ(rel_unified, "/sys/fs/cgroup/unified/berth/ctr");
        cgroup_hierarchies_free(list, n);
}

TEST(combined_hierarchies)
{
        static const struct expected_hierarchy want[] = {
            {"/sys/fs/cgroup/unified", "/user.slice/user-1000.slice/session-2.scope", "nsdelegate",
             false, true},
            {"/sys/fs/cgroup/systemd", "/user.slice/user-1000.slice/session-2.scope",
             "xattr,name=systemd", false, false},
            {"/sys/fs/cgroup/cpu,cpuacct", "/user.slice", "cpu,cpuacct", false, false},
            {"/sys/fs/cgroup/net_cls,net_prio", "/", "net_cls,net_prio", false, false},
            {"/sys/fs/cgroup/memory", "/user.slice/user-1000.slice/session-2.scope", "memory",
             false, false},
            {"/sys/fs/cgroup/cpuset", "/", "cpuset,clone_children", true, false},
        };
        check_hierarchies("combined", combined_mountinfo, combined_cgroup, want, ARRAY_SIZE(want));

        struct cgroup_hierarchy *list = NULL;
        size_t n = cgroup_hierarchies_parse(combined_mountinfo, combined_cgroup, &list);
        const struct cgroup_hierarchy *cpu = find_mount(list, n, "/sys/fs/cgroup/cpu,cpuacct");
        REQUIRE(cpu != NULL);
        _cleanup_free_ char *rel = cgroup_hierarchy_dir(cpu, "ctr");
        _cleanup_free_ char *abs = cgroup_hierarchy_dir(cpu, "/machine/ctr");
        CHECK_STR_EQ(rel, "/sys/fs/cgroup/cpu,cpuacct/user.slice/ctr");
        CHECK_STR_EQ(abs, "/sys/fs/cgroup/cpu,cpuacct/machine/ctr");
        cgroup_hierarchies_free(list, n);
}

TEST(combined_line_needs_every_controller)
{
        /* "cpu,cpuacct" in /proc/self/cgroup is not the hierarchy of a mount with cpu only;
         * the separate cpu line is. */
        static const char mountinfo[] =
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n";
        static const char self[] = "4:cpu,cpuacct:/wrong\n"
                                   "1:cpu:/right\n";
        static const struct expected_hierarchy want[] = {
            {"/sys/fs/cgroup/cpu", "/right", "cpu", false, false},
        };
        check_hierarchies("subset", mountinfo, self, want, ARRAY_SIZE(want));
}

TEST(pure_v2_host)
{
        static const struct expected_hierarchy want[] = {
            {"/sys/fs/cgroup", "/user.slice/user-1000.slice/session-3.scope",
             "nsdelegate,memory_recursiveprot", false, true},
        };
        check_hierarchies("v2", v2_mountinfo, v2_cgroup, want, ARRAY_SIZE(want));

        struct cgroup_hierarchy *list = NULL;
        size_t n = cgroup_hierarchies_parse(v2_mountinfo, v2_cgroup, &list);
        REQUIRE(n == 1);
        _cleanup_free_ char *rel = cgroup_hierarchy_dir(&list[0], "ctr");
        _cleanup_free_ char *abs = cgroup_hierarchy_dir(&list[0], "/ctr");
        CHECK_STR_EQ(rel, "/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/ctr");
        CHECK_STR_EQ(abs, "/sys/fs/cgroup/ctr");
        cgroup_hierarchies_free(list, n);
}

TEST(mount_root_is_not_slash)
{
        static const struct expected_hierarchy want[] = {
            {"/sys/fs/cgroup/cpu,cpuacct", "/docker/0123abcd", "cpu,cpuacct", false, false},
            {"/sys/fs/cgroup/memory", "/docker/0123abcd/sub", "memory", false, false},
            {"/sys/fs/cgroup/systemd", "/docker/0123abcd", "xattr,name=systemd", false, false},
        };
        check_hierarchies("container", container_mountinfo, container_cgroup, want,
                          ARRAY_SIZE(want));

        struct cgroup_hierarchy *list = NULL;
        size_t n = cgroup_hierarchies_parse(container_mountinfo, container_cgroup, &list);
        const struct cgroup_hierarchy *cpu = find_mount(list, n, "/sys/fs/cgroup/cpu,cpuacct");
        const struct cgroup_hierarchy *memory = find_mount(list, n, "/sys/fs/cgroup/memory");
        REQUIRE(cpu && memory);
        CHECK_STR_EQ(cpu->root, "/docker/0123abcd");
        CHECK_STR_EQ(memory->root, "/docker/0123abcd");
        /* The own path is cut to what the mount shows: the mount's root is its top. */
        _cleanup_free_ char *rel_cpu = cgroup_hierarchy_dir(cpu, "ctr");
        _cleanup_free_ char *rel_memory = cgroup_hierarchy_dir(memory, "ctr");
        _cleanup_free_ char *abs_memory = cgroup_hierarchy_dir(memory, "/ctr");
        CHECK_STR_EQ(rel_cpu, "/sys/fs/cgroup/cpu,cpuacct/ctr");
        CHECK_STR_EQ(rel_memory, "/sys/fs/cgroup/memory/sub/ctr");
        CHECK_STR_EQ(abs_memory, "/sys/fs/cgroup/memory/ctr");
        cgroup_hierarchies_free(list, n);
}

TEST(same_hierarchy_mounted_twice)
{
        /* The same major:minor is one hierarchy: only its first mount counts, even when the
         * later one shows another subtree. */
        static const char mountinfo[] =
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
            "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
            "90 27 0:29 / /run/elsewhere/cpu rw,relatime - cgroup cgroup rw,cpu\n"
            "91 27 0:32 /sub /mnt/memory rw,relatime - cgroup cgroup rw,memory\n"
            "92 27 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
            "93 27 0:38 / /mnt/unified rw,relatime - cgroup2 cgroup2 rw\n";
        static const char self[] = "4:memory:/m\n1:cpu:/c\n0::/u\n";
        static const struct expected_hierarchy want[] = {
            {"/sys/fs/cgroup/cpu", "/c", "cpu", false, false},
            {"/sys/fs/cgroup/memory", "/m", "memory", false, false},
            {"/sys/fs/cgroup/unified", "/u", NULL, false, true},
        };
        check_hierarchies("duplicates", mountinfo, self, want, ARRAY_SIZE(want));
}

TEST(mounts_without_own_cgroup_are_left_out)
{
        /* A hierarchy with no line in /proc/self/cgroup, and cgroup2 without a "0::" line,
         * give this process no cgroup there: they are not listed. */
        static const char mountinfo[] =
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
            "33 31 0:40 / /sys/fs/cgroup/rdma rw,relatime - cgroup cgroup rw,rdma\n"
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
        static const char self[] = "1:cpu:/\n";
        static const struct expected_hierarchy want[] = {
            {"/sys/fs/cgroup/cpu", "/", "cpu", false, false},
        };
        check_hierarchies("no own cgroup", mountinfo, self, want, ARRAY_SIZE(want));
}

TEST(malformed_texts_give_nothing)
{
        static const struct {
                const char *label;
                const char *mountinfo;
                const char *self;
        } cases[] = {
            {"empty", "", ""},
            {"no cgroup mounts", "22 27 0:21 / /proc rw,relatime - proc proc rw\n", "1:cpu:/\n"},
            {"no separator", "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime cgroup cgroup rw,cpu\n",
             "1:cpu:/\n"},
            {"nothing after separator", "32 31 0:29 / /sys/fs/cgroup/cpu rw - \n", "1:cpu:/\n"},
            {"cgroup text without colons",
             "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", "cpu\n/\n"},
            {"cgroup-like fstype", "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroupfs cgroup rw,cpu\n",
             "1:cpu:/\n"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                /* *out is set even when nothing is found. */
                struct cgroup_hierarchy sentinel, *list = &sentinel;
                size_t n = cgroup_hierarchies_parse(cases[i].mountinfo, cases[i].self, &list);
                test_case(n == 0 && list == NULL, "malformed: %s", cases[i].label);
                if (list != &sentinel)
                        cgroup_hierarchies_free(list, n);
        }
}

TEST(read_matches_parse_of_this_host)
{
        /* Not pure: the reader is the parser over this host's files. */
        _cleanup_free_ char *mountinfo = fs_read_file("/proc/self/mountinfo", NULL, NULL);
        _cleanup_free_ char *self = fs_read_file("/proc/self/cgroup", NULL, NULL);
        if (mountinfo == NULL || self == NULL) {
                test_skip("no /proc");
                return;
        }
        struct cgroup_hierarchy *parsed = NULL, *read = NULL;
        size_t n_parsed = cgroup_hierarchies_parse(mountinfo, self, &parsed);
        _cleanup_error_ struct error *err = NULL;
        int n_read = cgroup_hierarchies_read(&read, &err);
        REQUIRE(n_read >= 0);
        CHECK_INT_EQ(n_read, n_parsed);
        for (size_t i = 0; i < n_parsed && i < (size_t)n_read; i++) {
                CHECK_STR_EQ(read[i].mountpoint, parsed[i].mountpoint);
                CHECK_STR_EQ(read[i].own_path, parsed[i].own_path);
        }
        cgroup_hierarchies_free(parsed, n_parsed);
        cgroup_hierarchies_free(read, (size_t)n_read);
}

TEST(hierarchy_dir_rules)
{
        static const struct {
                const char *root;
                const char *own;
                const char *path;
                const char *want;
        } cases[] = {
            {"/", "/", "ctr", "/m/ctr"},
            {"/", "/", "/ctr", "/m/ctr"},
            {"/", "/a/b", "ctr", "/m/a/b/ctr"},
            {"/", "/a/b", "x/y", "/m/a/b/x/y"},
            {"/", "/a/b", "/x/y", "/m/x/y"},
            {"/docker/abc", "/docker/abc", "ctr", "/m/ctr"},
            {"/docker/abc", "/docker/abc/sub", "ctr", "/m/sub/ctr"},
            {"/docker/abc", "/docker/abc/sub", "/ctr", "/m/ctr"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct cgroup_hierarchy h = {.mountpoint = "/m",
                                             .root = (char *)cases[i].root,
                                             .own_path = (char *)cases[i].own};
                _cleanup_free_ char *dir = cgroup_hierarchy_dir(&h, cases[i].path);
                if (strcmp(dir, cases[i].want) != 0)
                        test_note("got %s", dir);
                test_case(strcmp(dir, cases[i].want) == 0, "root %s own %s: %s is %s",
                          cases[i].root, cases[i].own, cases[i].path, cases[i].want);
        }
}

TEST(v2_dir_rules)
{
        static const struct {
                const char *self;
                const char *path;
                const char *want;
        } cases[] = {
            {"0::/\n", "ctr", "/sys/fs/cgroup/ctr"},
            {"0::/\n", "/ctr", "/sys/fs/cgroup/ctr"},
            {"0::/user.slice/s.scope\n", "ctr", "/sys/fs/cgroup/user.slice/s.scope/ctr"},
            {"0::/user.slice/s.scope\n", "a/b", "/sys/fs/cgroup/user.slice/s.scope/a/b"},
            {"0::/user.slice/s.scope\n", "/machine/ctr", "/sys/fs/cgroup/machine/ctr"},
            {"0::/no/newline", "ctr", "/sys/fs/cgroup/no/newline/ctr"},
            {"1:name=systemd:/a\n0::/b\n", "ctr", "/sys/fs/cgroup/b/ctr"},
            {hybrid_cgroup, "ctr", "/sys/fs/cgroup/ctr"},
            {combined_cgroup, "ctr",
             "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope/ctr"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error *err = NULL;
                _cleanup_free_ char *dir = cgroup_v2_dir(cases[i].self, cases[i].path, &err);
                bool ok = dir && strcmp(dir, cases[i].want) == 0;
                if (!ok)
                        test_note("got %s", dir ? dir : err ? err->msg : "(null)");
                test_case(ok, "v2: %s is %s", cases[i].path, cases[i].want);
        }
}

TEST(v2_dir_needs_a_cgroup2_line)
{
        static const char *const texts[] = {"", "1:cpu:/\n", "1:name=systemd:/\n4:memory:/x\n"};
        for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
                _cleanup_error_ struct error *err = NULL;
                char *dir = cgroup_v2_dir(texts[i], "ctr", &err);
                CHECK(dir == NULL);
                free(dir);
                REQUIRE(err != NULL);
                CHECK_STR_EQ(err->msg, "/proc/self/cgroup has no cgroup2 entry");
        }
}

/* state.json's cgroup record. */

static bool same_cgroup(const struct cgroup *a, const struct cgroup *b)
{
        if (a->version != b->version || strcmp(a->path, b->path) != 0 || a->created != b->created ||
            a->n_dirs != b->n_dirs)
                return false;
        for (size_t i = 0; i < a->n_dirs; i++)
                if (strcmp(a->dirs[i], b->dirs[i]) != 0)
                        return false;
        return true;
}

TEST(cgroup_json_round_trip)
{
        char *v1_dirs[] = {"/sys/fs/cgroup/cpu/ctr", "/sys/fs/cgroup/memory/x/ctr",
                           "/sys/fs/cgroup/unified/ctr"};
        char *v2_dirs[] = {"/sys/fs/cgroup/machine/ctr"};
        const struct cgroup cases[] = {
            {.version = 1, .path = "ctr", .dirs = v1_dirs, .n_dirs = 3, .created = true},
            {.version = 2, .path = "/machine/ctr", .dirs = v2_dirs, .n_dirs = 1},
            {.version = 1, .path = "empty", .dirs = NULL, .n_dirs = 0, .created = true},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                json_t *json = cgroup_to_json(&cases[i]);
                REQUIRE(json != NULL);
                /* Through text too, as state.json is. */
                char *text = json_dumps(json, JSON_COMPACT);
                json_decref(json);
                REQUIRE(text != NULL);
                json_t *back = json_loads(text, 0, NULL);
                free(text);
                REQUIRE(back != NULL);
                _cleanup_error_ struct error *err = NULL;
                struct cgroup *cg = cgroup_from_json(back, &err);
                json_decref(back);
                REQUIRE(cg != NULL);
                CHECK(same_cgroup(cg, &cases[i]));
                /* dirs stays NULL-terminated. */
                CHECK(cg->dirs != NULL && cg->dirs[cg->n_dirs] == NULL);
                cgroup_free(cg);
        }
}

TEST(cgroup_json_created_is_optional)
{
        json_t *json = json_loads("{\"version\":2,\"path\":\"c\",\"dirs\":[\"/d\"]}", 0, NULL);
        REQUIRE(json != NULL);
        _cleanup_error_ struct error *err = NULL;
        struct cgroup *cg = cgroup_from_json(json, &err);
        json_decref(json);
        REQUIRE(cg != NULL);
        CHECK(!cg->created);
        CHECK_INT_EQ(cg->n_dirs, 1);
        cgroup_free(cg);
}

TEST(cgroup_json_malformed)
{
        static const char *const texts[] = {
            "[]",
            "\"ctr\"",
            "null",
            "{}",
            "{\"path\":\"c\",\"dirs\":[]}",
            "{\"version\":\"1\",\"path\":\"c\",\"dirs\":[]}",
            "{\"version\":1,\"dirs\":[]}",
            "{\"version\":1,\"path\":5,\"dirs\":[]}",
            "{\"version\":1,\"path\":null,\"dirs\":[]}",
            "{\"version\":1,\"path\":\"c\"}",
            "{\"version\":1,\"path\":\"c\",\"dirs\":{}}",
            "{\"version\":1,\"path\":\"c\",\"dirs\":\"/d\"}",
            "{\"version\":1,\"path\":\"c\",\"dirs\":[],\"created\":\"yes\"}",
        };
        for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
                json_t *json = json_loads(texts[i], JSON_DECODE_ANY, NULL);
                if (json == NULL) {
                        test_case(false, "malformed cgroup record %s (not JSON)", texts[i]);
                        continue;
                }
                _cleanup_error_ struct error *err = NULL;
                struct cgroup *cg = cgroup_from_json(json, &err);
                json_decref(json);
                bool ok = cg == NULL && err != NULL &&
                          strcmp(err->msg, "state: malformed cgroup record") == 0;
                test_case(ok, "malformed cgroup record %s", texts[i]);
                cgroup_free(cg);
        }
}

TEST(cgroup_json_non_string_dir_becomes_empty)
{
        /* Lenient on the entries themselves: a non-string one reads as "". */
        json_t *json = json_loads("{\"version\":1,\"path\":\"c\",\"dirs\":[\"/a\",7]}", 0, NULL);
        REQUIRE(json != NULL);
        _cleanup_error_ struct error *err = NULL;
        struct cgroup *cg = cgroup_from_json(json, &err);
        json_decref(json);
        REQUIRE(cg != NULL);
        REQUIRE(cg->n_dirs == 2);
        CHECK_STR_EQ(cg->dirs[0], "/a");
        CHECK_STR_EQ(cg->dirs[1], "");
        cgroup_free(cg);
}

/* During create the hierarchies found by cgroup_new() are kept with the cgroup, and the
 * limits find their controller's directory in them, not in this host's mountinfo (whose
 * mountpoints these are not). */
TEST(controller_dir_from_the_kept_hierarchies)
{
        static const char mountinfo[] =
            "40 31 0:29 / /nowhere/cg/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
            "41 31 0:30 / /nowhere/cg/memory rw - cgroup cgroup rw,memory\n"
            "42 31 0:31 / /nowhere/cg/unified rw - cgroup2 cgroup2 rw\n";
        static const char self[] = "2:cpu,cpuacct:/\n1:memory:/sub\n0::/\n";
        struct cgroup_hierarchy *list = NULL;
        size_t n = cgroup_hierarchies_parse(mountinfo, self, &list);
        REQUIRE(n == 3);
        struct cgroup cg = {.version = 1, .path = "ctr", .unified = 2, .hierarchies = list};
        cg.dirs = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                cg.dirs[cg.n_dirs++] = cgroup_hierarchy_dir(&list[i], cg.path);
        _cleanup_free_ char *memory = cgroup_v1_controller_dir(&cg, "memory");
        _cleanup_free_ char *cpuacct = cgroup_v1_controller_dir(&cg, "cpuacct");
        _cleanup_free_ char *pids = cgroup_v1_controller_dir(&cg, "pids");
        CHECK_STR_EQ(memory ? memory : "(null)", "/nowhere/cg/memory/sub/ctr");
        CHECK_STR_EQ(cpuacct ? cpuacct : "(null)", "/nowhere/cg/cpu,cpuacct/ctr");
        CHECK(pids == NULL);
        for (size_t i = 0; i < cg.n_dirs; i++)
                free(cg.dirs[i]);
        free(cg.dirs);
        cgroup_hierarchies_free(list, n);
}

static char *read_back(const char *dir, const char *file)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        char *text = fs_read_file(path, NULL, NULL);
        return text ? text : xstrdup("(missing)");
}

/* The init moves itself: "0" through v1 `tasks`, or cgroup.procs in a cgroup2 directory
 * (the unified one, when it is not born there, or one a state.json record did not mark). */
TEST(join_self_writes_0_through_each_file)
{
        char top[] = "/tmp/berth-test-join-XXXXXX";
        REQUIRE(mkdtemp(top) != NULL);
        static const char *const layout[][2] = {
            {"a", "tasks"}, {"b", "tasks"}, {"u", "cgroup.procs"}, {"c", "cgroup.procs"}};
        char *dirs[5] = {0};
        for (size_t i = 0; i < 4; i++) {
                dirs[i] = xasprintf("%s/%s", top, layout[i][0]);
                REQUIRE(mkdir(dirs[i], 0700) == 0);
                _cleanup_free_ char *file = xasprintf("%s/%s", dirs[i], layout[i][1]);
                REQUIRE(fs_write_file_atomic(file, "", 0, 0600, NULL) == 0);
        }
        struct cgroup cg = {.version = 1, .path = "ctr", .dirs = dirs, .n_dirs = 4, .unified = 2};
        _cleanup_error_ struct error *err = NULL;
        int *fds = NULL;
        /* Born in the unified one: three moves, c/ through its cgroup.procs. */
        int n = cgroup_open_join_fds(&cg, true, &fds, &err);
        CHECK_INT_EQ(n, 3);
        REQUIRE(n >= 0);
        CHECK(cgroup_join_self(&cg, fds, (size_t)n, &err) == 0);
        free(fds);
        static const char *const want_born[][2] = {
            {"tasks", "0"}, {"tasks", "0"}, {"cgroup.procs", ""}, {"cgroup.procs", "0"}};
        for (size_t i = 0; i < 4; i++) {
                _cleanup_free_ char *got = read_back(dirs[i], want_born[i][0]);
                CHECK_STR_EQ(got, want_born[i][1]);
        }
        /* Not born there: the unified one too. */
        n = cgroup_open_join_fds(&cg, false, &fds, &err);
        CHECK_INT_EQ(n, 4);
        REQUIRE(n >= 0);
        CHECK(cgroup_join_self(&cg, fds, (size_t)n, &err) == 0);
        free(fds);
        _cleanup_free_ char *unified = read_back(dirs[2], "cgroup.procs");
        CHECK_STR_EQ(unified, "0");
        /* A directory with neither file: an error naming the cgroup, nothing left open. */
        _cleanup_free_ char *gone = xasprintf("%s/gone", top);
        char *missing[] = {dirs[0], gone, NULL};
        struct cgroup bad = {
            .version = 1, .path = "ctr", .dirs = missing, .n_dirs = 2, .unified = -1};
        fds = NULL;
        CHECK(cgroup_open_join_fds(&bad, false, &fds, &err) == -1);
        CHECK(err != NULL && strstr(err->msg, "join cgroup ctr") != NULL);
        CHECK(fds == NULL);
        fs_remove_tree(top, NULL);
        for (size_t i = 0; i < 4; i++)
                free(dirs[i]);
}
