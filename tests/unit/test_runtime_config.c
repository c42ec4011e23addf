/*
 * config.json parsing. Data-driven over two corpora:
 *   tests/unit/corpus/config/{good,bad}   ours ($BERTH_TEST_CORPUS); each bad case names
 *                                         the error it expects in a top-level "//expect"
 *                                         member, or in a sibling <name>.expect file when
 *                                         the case is not a JSON object;
 *   runtime-spec/schema/test/config/...   the spec's own ($BERTH_SPEC_DIR), skipped when
 *                                         the specs are not checked out beside the tree.
 * and field-level checks of the values parsed from corpus/config/good/full.json.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "runtime_config.h"
#include "test.h"

static char *corpus_path(const char *name)
{
        const char *dir = getenv("BERTH_TEST_CORPUS");
        return xasprintf("%s/%s", dir ? dir : "tests/unit/corpus", name);
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the sorted *.json names in dir (NULL-terminated, caller frees), or NULL. */
static char **list_json_files(const char *dir)
{
        DIR *d = opendir(dir);
        if (d == NULL)
                return NULL;
        size_t n = 0;
        char **names = xcalloc(1, sizeof(char *));
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                size_t len = strlen(de->d_name);
                if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
                        continue;
                names = xrealloc(names, (n + 2) * sizeof(char *));
                names[n++] = xstrdup(de->d_name);
                names[n] = NULL;
        }
        closedir(d);
        qsort(names, n, sizeof(char *), compare_names);
        return names;
}

static void free_names(char **names)
{
        for (char **p = names; p && *p; p++)
                free(*p);
        free(names);
}

static struct oci_config *parse_file(const char *path, struct error **err)
{
        size_t len;
        _cleanup_free_ char *text = fs_read_file(path, &len, err);
        if (text == NULL)
                return NULL;
        return oci_config_parse(text, len, err);
}

/* The expected error of a bad case: <name>.expect beside it, else its "//expect" member. */
static char *read_expectation(const char *dir, const char *name)
{
        _cleanup_free_ char *base = xstrndup(name, strlen(name) - strlen(".json"));
        _cleanup_free_ char *expect_path = xasprintf("%s/%s.expect", dir, base);
        if (fs_exists(expect_path)) {
                char *text = fs_read_file(expect_path, NULL, NULL);
                if (text)
                        text[strcspn(text, "\n")] = '\0';
                return text;
        }
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        json_t *json = json_load_file(path, 0, NULL);
        const char *expect = json_string_value(json_object_get(json, "//expect"));
        char *out = expect ? xstrdup(expect) : NULL;
        json_decref(json);
        return out;
}

static void check_rejected(const char *label, const char *path, const char *expect)
{
        _cleanup_error_ struct error *err = NULL;
        struct oci_config *config = parse_file(path, &err);
        bool ok = config == NULL && err != NULL && (expect == NULL || strstr(err->msg, expect));
        if (config)
                test_note("%s: parsed, but should have been rejected", label);
        else if (!ok)
                test_note("%s: error \"%s\" does not contain \"%s\"", label,
                          err ? err->msg : "(none)", expect);
        test_case(ok, "%s is rejected%s%s", label, expect ? ": " : "", expect ? expect : "");
        oci_config_free(config);
}

static void check_parses(const char *label, const char *path)
{
        _cleanup_error_ struct error *err = NULL;
        _cleanup_oci_config_ struct oci_config *config = parse_file(path, &err);
        if (config == NULL)
                test_note("%s: %s", label, err ? err->msg : "(no error)");
        test_case(config != NULL, "%s parses", label);
}

TEST(corpus_good_configs)
{
        _cleanup_free_ char *dir = corpus_path("config/good");
        char **names = list_json_files(dir);
        REQUIRE(names != NULL && names[0] != NULL);
        for (char **name = names; *name; name++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, *name);
                _cleanup_free_ char *label = xasprintf("good/%s", *name);
                check_parses(label, path);
        }
        free_names(names);
}

TEST(corpus_bad_configs)
{
        _cleanup_free_ char *dir = corpus_path("config/bad");
        char **names = list_json_files(dir);
        REQUIRE(names != NULL && names[0] != NULL);
        for (char **name = names; *name; name++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, *name);
                _cleanup_free_ char *label = xasprintf("bad/%s", *name);
                _cleanup_free_ char *expect = read_expectation(dir, *name);
                if (expect == NULL) {
                        test_note("%s: no \"//expect\" member and no .expect file", label);
                        test_case(false, "%s names its expected error", label);
                        continue;
                }
                check_rejected(label, path, expect);
        }
        free_names(names);
}

static char *spec_config_dir(const char *kind)
{
        const char *specs = getenv("BERTH_SPEC_DIR");
        if (specs == NULL)
                return NULL;
        char *dir = xasprintf("%s/runtime-spec/schema/test/config/%s", specs, kind);
        if (!fs_exists(dir)) {
                free(dir);
                return NULL;
        }
        return dir;
}

/* The spec's examples for other platforms also carry root.path and put their platform
 * settings in sections a Linux runtime ignores (extensions are allowed), so every good
 * example must parse; a bad example for another platform is bad only in such a section,
 * so it is skipped. */
static bool is_other_platform(const char *name)
{
        static const char *const prefixes[] = {"freebsd-", "zos-", "windows-", "solaris-", "vm-"};
        for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
                if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

/* What the spec's bad examples must be rejected for. */
static const char *spec_bad_expectation(const char *name)
{
        static const struct {
                const char *name;
                const char *expect;
        } table[] = {
            {"invalid-json.json", "invalid json"},
            {"linux-hugepage.json", "linux.resources.hugepageLimits[0].pageSize"},
            {"linux-netdevice.json", "linux.netDevices.eth0.name: must be a string"},
            {"linux-rdma.json", "linux.resources.rdma.mlx5_1.hcaHandles: must be an integer"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(table); i++)
                if (strcmp(name, table[i].name) == 0)
                        return table[i].expect;
        return NULL;
}

TEST(spec_good_configs)
{
        _cleanup_free_ char *dir = spec_config_dir("good");
        if (dir == NULL) {
                test_skip("runtime-spec schema tests not found (BERTH_SPEC_DIR)");
                return;
        }
        char **names = list_json_files(dir);
        for (char **name = names; name && *name; name++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, *name);
                _cleanup_free_ char *label = xasprintf("runtime-spec good/%s", *name);
                check_parses(label, path);
        }
        free_names(names);
}

TEST(spec_bad_configs)
{
        _cleanup_free_ char *dir = spec_config_dir("bad");
        if (dir == NULL) {
                test_skip("runtime-spec schema tests not found (BERTH_SPEC_DIR)");
                return;
        }
        char **names = list_json_files(dir);
        for (char **name = names; name && *name; name++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, *name);
                _cleanup_free_ char *label = xasprintf("runtime-spec bad/%s", *name);
                if (is_other_platform(*name)) {
                        test_case_skip("not a linux setting", "%s", label);
                        continue;
                }
                /* A new example without an entry must still be rejected, for any reason. */
                check_rejected(label, path, spec_bad_expectation(*name));
        }
        free_names(names);
}

static struct oci_config *load_corpus(const char *name)
{
        _cleanup_free_ char *path = corpus_path(name);
        _cleanup_error_ struct error *err = NULL;
        struct oci_config *config = oci_config_load(path, &err);
        if (config == NULL)
                test_note("%s", err->msg);
        return config;
}

TEST(full_top_level)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        CHECK_STR_EQ(c->oci_version, "1.2.0");
        CHECK_STR_EQ(c->root_path, "rootfs");
        CHECK(c->root_readonly);
        CHECK_STR_EQ(c->hostname, "box");
        CHECK_STR_EQ(c->domainname, "example.org");
        CHECK(c->has_linux);
        CHECK(json_is_object(c->json));
}

TEST(full_process)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL && c->process != NULL);
        const struct oci_process *p = c->process;
        CHECK(p->terminal);
        CHECK_INT_EQ(p->console_height, 25);
        CHECK_INT_EQ(p->console_width, 80);
        REQUIRE(p->n_args == 3);
        CHECK_STR_EQ(p->args[0], "/bin/sh");
        CHECK_STR_EQ(p->args[2], "echo hi");
        CHECK(p->args[3] == NULL);
        REQUIRE(p->n_env == 3);
        CHECK_STR_EQ(p->env[0], "PATH=/usr/bin:/bin");
        CHECK_STR_EQ(p->env[2], "EMPTY=");
        CHECK(p->env[3] == NULL);
        CHECK_STR_EQ(p->cwd, "/home/alice");
        CHECK(p->no_new_privileges);
        CHECK_STR_EQ(p->apparmor_profile, "berth-default");
        CHECK_STR_EQ(p->selinux_label, "system_u:system_r:container_t:s0");
        CHECK(p->has_oom_score_adj);
        CHECK_INT_EQ(p->oom_score_adj, -500);
}

TEST(full_user_and_capabilities)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL && c->process != NULL);
        const struct oci_user *u = &c->process->user;
        CHECK_INT_EQ(u->uid, 1000);
        CHECK_INT_EQ(u->gid, 100);
        CHECK(u->has_umask);
        CHECK_INT_EQ(u->umask, 022);
        REQUIRE(u->n_additional_gids == 2);
        CHECK_INT_EQ(u->additional_gids[0], 10);
        CHECK_INT_EQ(u->additional_gids[1], 4294967295u);
        CHECK_STR_EQ(u->username, "alice");

        const struct oci_capabilities *caps = &c->process->capabilities;
        CHECK(c->process->has_capabilities);
        REQUIRE(caps->n_bounding == 2);
        CHECK_STR_EQ(caps->bounding[1], "CAP_KILL");
        CHECK_INT_EQ(caps->n_effective, 1);
        CHECK_INT_EQ(caps->n_inheritable, 0);
        CHECK(caps->inheritable != NULL && caps->inheritable[0] == NULL);
        CHECK_INT_EQ(caps->n_permitted, 2);
        /* Unknown capability names are kept: the runtime warns when applying them. */
        REQUIRE(caps->n_ambient == 1);
        CHECK_STR_EQ(caps->ambient[0], "CAP_NOT_A_REAL_ONE");
}

TEST(full_rlimits)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL && c->process != NULL);
        REQUIRE(c->process->n_rlimits == 2);
        const struct oci_rlimit *r = c->process->rlimits;
        CHECK_STR_EQ(r[0].type, "RLIMIT_NOFILE");
        CHECK_INT_EQ(r[0].resource, RLIMIT_NOFILE);
        CHECK_INT_EQ(r[0].soft, 1024);
        CHECK_INT_EQ(r[0].hard, 4096);
        CHECK_INT_EQ(r[1].resource, RLIMIT_CORE);
        CHECK(r[1].hard == (uint64_t)INT64_MAX);
        CHECK_INT_EQ(r[1].soft, 0);
}

TEST(full_mounts)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        REQUIRE(c->n_mounts == 3);
        CHECK_STR_EQ(c->mounts[0].destination, "/proc");
        CHECK_STR_EQ(c->mounts[0].type, "proc");
        CHECK_STR_EQ(c->mounts[0].source, "proc");
        CHECK_INT_EQ(c->mounts[0].n_options, 0);
        CHECK(c->mounts[0].options != NULL && c->mounts[0].options[0] == NULL);
        const struct oci_mount *bind = &c->mounts[1];
        REQUIRE(bind->n_options == 3);
        CHECK_STR_EQ(bind->options[0], "rbind");
        CHECK_STR_EQ(bind->options[1], "ro");
        CHECK_STR_EQ(bind->options[2], "idmap");
        CHECK(bind->options[3] == NULL);
        REQUIRE(bind->n_uid_mappings == 1 && bind->n_gid_mappings == 1);
        CHECK_INT_EQ(bind->uid_mappings[0].host_id, 100000);
        CHECK_INT_EQ(bind->gid_mappings[0].host_id, 200000);
        CHECK_INT_EQ(bind->gid_mappings[0].size, 65536);
        CHECK_STR_EQ(c->mounts[2].destination, "relative/is/allowed");
}

TEST(full_hooks)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        const struct oci_hooks *h = &c->hooks;
        REQUIRE(h->prestart.len == 1);
        CHECK_STR_EQ(h->prestart.items[0].path, "/usr/bin/old-style");
        CHECK_INT_EQ(h->prestart.items[0].timeout, 0);
        CHECK_INT_EQ(h->prestart.items[0].n_args, 0);
        REQUIRE(h->create_runtime.len == 2);
        const struct oci_hook *net = &h->create_runtime.items[0];
        CHECK_STR_EQ(net->path, "/usr/bin/net-setup");
        REQUIRE(net->n_args == 2);
        CHECK_STR_EQ(net->args[0], "net-setup");
        CHECK_STR_EQ(net->args[1], "--up");
        REQUIRE(net->n_env == 1);
        CHECK_STR_EQ(net->env[0], "A=1");
        CHECK_INT_EQ(net->timeout, 5);
        CHECK_INT_EQ(h->create_runtime.items[1].timeout, 0);
        REQUIRE(h->create_container.len == 1);
        CHECK_INT_EQ(h->create_container.items[0].timeout, 1);
        CHECK_INT_EQ(h->start_container.len, 0);
        REQUIRE(h->poststart.len == 1);
        CHECK_INT_EQ(h->poststart.items[0].timeout, 30);
        REQUIRE(h->poststop.len == 1);
        CHECK_STR_EQ(h->poststop.items[0].path, "/usr/bin/cleanup");
}

TEST(full_namespaces)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        CHECK_INT_EQ(c->linux_config.n_namespaces, 8);
        const struct oci_namespace *net = oci_config_namespace(c, OCI_NS_NETWORK);
        REQUIRE(net != NULL);
        CHECK_STR_EQ(net->path, "/var/run/netns/berth");
        const struct oci_namespace *pid = oci_config_namespace(c, OCI_NS_PID);
        REQUIRE(pid != NULL);
        CHECK(pid->path == NULL);
        CHECK(oci_config_namespace(c, OCI_NS_TIME) != NULL);
        CHECK(oci_config_namespace(c, OCI_NS_CGROUP) != NULL);
        CHECK_INT_EQ(c->linux_config.namespaces[5].type, OCI_NS_USER);
}

TEST(full_linux_fields)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        const struct oci_linux *l = &c->linux_config;
        REQUIRE(l->n_uid_mappings == 1);
        CHECK_INT_EQ(l->uid_mappings[0].container_id, 0);
        CHECK_INT_EQ(l->uid_mappings[0].host_id, 1000);
        CHECK_INT_EQ(l->uid_mappings[0].size, 1);
        REQUIRE(l->n_gid_mappings == 2);
        CHECK_INT_EQ(l->gid_mappings[1].container_id, 1);
        CHECK_INT_EQ(l->gid_mappings[1].size, 65535);
        CHECK_STR_EQ(l->cgroups_path, "/berth/full");
        CHECK_STR_EQ(l->rootfs_propagation, "rslave");
        CHECK_STR_EQ(l->mount_label, "system_u:object_r:container_file_t:s0");
        REQUIRE(l->n_masked_paths == 2);
        CHECK_STR_EQ(l->masked_paths[1], "/sys/firmware");
        CHECK(l->masked_paths[2] == NULL);
        REQUIRE(l->n_readonly_paths == 1);
        CHECK_STR_EQ(l->readonly_paths[0], "/proc/sys");
}

TEST(full_devices)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        const struct oci_linux *l = &c->linux_config;
        REQUIRE(l->n_devices == 3);
        const struct oci_device *fuse = &l->devices[0];
        CHECK_STR_EQ(fuse->path, "/dev/fuse");
        CHECK(fuse->type == 'c');
        CHECK_INT_EQ(fuse->major, 10);
        CHECK_INT_EQ(fuse->minor, 229);
        CHECK(fuse->has_file_mode);
        CHECK_INT_EQ(fuse->file_mode, 0666);
        CHECK(fuse->has_uid && fuse->has_gid);
        CHECK(l->devices[1].type == 'b');
        CHECK(!l->devices[1].has_file_mode && !l->devices[1].has_uid);
        /* A fifo needs no device numbers. */
        CHECK(l->devices[2].type == 'p');
        CHECK_STR_EQ(l->devices[2].path, "/dev/fifo");
}

TEST(full_sysctl_and_annotations)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        const struct oci_linux *l = &c->linux_config;
        REQUIRE(l->n_sysctl == 2);
        CHECK_STR_EQ(l->sysctl[0].key, "net.ipv4.ip_forward");
        CHECK_STR_EQ(l->sysctl[0].value, "1");
        CHECK_STR_EQ(l->sysctl[1].key, "net.core.somaxconn");
        CHECK_STR_EQ(l->sysctl[1].value, "256");
        CHECK_INT_EQ(c->n_annotations, 2);
        CHECK_STR_EQ(oci_config_annotation(c, "org.opencontainers.image.title"), "full");
        CHECK_STR_EQ(oci_config_annotation(c, "com.example.empty"), "");
        CHECK(oci_config_annotation(c, "missing") == NULL);
}

TEST(full_borrowed_sections)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/full.json");
        REQUIRE(c != NULL);
        const struct oci_linux *l = &c->linux_config;
        REQUIRE(json_is_object(l->resources));
        json_t *memory = json_object_get(l->resources, "memory");
        CHECK_INT_EQ(json_integer_value(json_object_get(memory, "limit")), 536870912);
        REQUIRE(json_is_object(l->seccomp));
        CHECK_STR_EQ(json_string_value(json_object_get(l->seccomp, "defaultAction")),
                     "SCMP_ACT_ERRNO");
        REQUIRE(json_is_object(l->personality));
        CHECK_STR_EQ(json_string_value(json_object_get(l->personality, "domain")), "LINUX32");
        REQUIRE(json_is_object(l->intel_rdt));
        CHECK_STR_EQ(json_string_value(json_object_get(l->intel_rdt, "closID")), "guaranteed");
        /* Borrowed: the very nodes of the document. */
        CHECK(l->resources == json_object_get(json_object_get(c->json, "linux"), "resources"));
}

TEST(minimal_process_defaults)
{
        _cleanup_oci_config_ struct oci_config *c = load_corpus("config/good/minimal-process.json");
        REQUIRE(c != NULL && c->process != NULL);
        const struct oci_process *p = c->process;
        CHECK(!p->terminal);
        CHECK_INT_EQ(p->console_height, 0);
        CHECK_INT_EQ(p->user.uid, 0);
        CHECK(!p->user.has_umask);
        CHECK_INT_EQ(p->n_env, 0);
        REQUIRE(p->env != NULL);
        CHECK(p->env[0] == NULL);
        CHECK(!p->has_capabilities);
        CHECK(p->capabilities.bounding != NULL && p->capabilities.bounding[0] == NULL);
        CHECK(!p->has_oom_score_adj);
        CHECK(p->apparmor_profile == NULL);
        CHECK(!c->has_linux);
        /* Lists are allocated even without a linux section. */
        CHECK(c->linux_config.masked_paths != NULL && c->linux_config.masked_paths[0] == NULL);
        CHECK(oci_config_namespace(c, OCI_NS_PID) == NULL);
        CHECK(c->linux_config.resources == NULL);
        CHECK(c->hostname == NULL);
}

TEST(nulls_are_absent)
{
        _cleanup_oci_config_ struct oci_config *c =
            load_corpus("config/good/nulls-are-absent.json");
        REQUIRE(c != NULL);
        CHECK(!c->root_readonly);
        CHECK(c->hostname == NULL);
        CHECK_INT_EQ(c->n_mounts, 0);
        CHECK_INT_EQ(c->hooks.prestart.len, 0);
        CHECK_INT_EQ(c->n_annotations, 0);
        REQUIRE(c->process != NULL);
        CHECK_INT_EQ(c->process->n_env, 0);
        CHECK(c->has_linux);
        CHECK(c->linux_config.resources == NULL);
        CHECK(c->linux_config.seccomp == NULL);
}

TEST(no_process_is_allowed)
{
        static const char text[] = "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}}";
        _cleanup_error_ struct error *err = NULL;
        _cleanup_oci_config_ struct oci_config *c = oci_config_parse(text, strlen(text), &err);
        REQUIRE(c != NULL);
        CHECK(c->process == NULL);
        CHECK(err == NULL);
}

TEST(load_errors_name_the_file)
{
        _cleanup_error_ struct error *err = NULL;
        struct oci_config *c = oci_config_load("/nonexistent/berth/config.json", &err);
        CHECK(c == NULL);
        REQUIRE(err != NULL);
        CHECK(strstr(err->msg, "/nonexistent/berth/config.json") != NULL);
        error_free(&err);

        _cleanup_free_ char *path = corpus_path("config/bad/cwd-relative.json");
        c = oci_config_load(path, &err);
        CHECK(c == NULL);
        REQUIRE(err != NULL);
        _cleanup_free_ char *expect = xasprintf("%s: process.cwd: must be an absolute path", path);
        CHECK_STR_EQ(err->msg, expect);
}

TEST(process_parse_alone)
{
        static const char good[] = "{\"cwd\": \"/tmp\", \"args\": [\"ls\", \"-l\"], "
                                   "\"env\": [\"A=b\"], \"terminal\": true}";
        _cleanup_error_ struct error *err = NULL;
        struct oci_process *p = oci_process_parse(good, strlen(good), &err);
        REQUIRE(p != NULL);
        CHECK_INT_EQ(p->n_args, 2);
        CHECK_STR_EQ(p->args[1], "-l");
        CHECK_STR_EQ(p->cwd, "/tmp");
        CHECK(p->terminal);
        oci_process_free(p);

        static const char bad[] = "{\"cwd\": \"/tmp\", \"args\": []}";
        p = oci_process_parse(bad, strlen(bad), &err);
        CHECK(p == NULL);
        REQUIRE(err != NULL);
        CHECK_STR_EQ(err->msg, "process.args: must be a non-empty array of strings");
        error_free(&err);

        p = oci_process_parse("[]", 2, &err);
        CHECK(p == NULL);
        REQUIRE(err != NULL);
        CHECK_STR_EQ(err->msg, "process: must be a json object");
}

TEST(namespace_names)
{
        for (int t = 0; t < OCI_NS_COUNT; t++) {
                const char *name = oci_namespace_type_name((enum oci_namespace_type)t);
                REQUIRE(name != NULL);
                CHECK_INT_EQ(oci_namespace_type_parse(name), t);
        }
        CHECK_STR_EQ(oci_namespace_type_name(OCI_NS_NETWORK), "network");
        CHECK(oci_namespace_type_name(OCI_NS_COUNT) == NULL);
        CHECK_INT_EQ(oci_namespace_type_parse("net"), -1);
        CHECK_INT_EQ(oci_namespace_type_parse("PID"), -1);
        CHECK_INT_EQ(oci_namespace_type_parse(""), -1);
}

TEST(rlimit_names)
{
        CHECK_INT_EQ(oci_rlimit_parse("RLIMIT_NOFILE"), RLIMIT_NOFILE);
        CHECK_INT_EQ(oci_rlimit_parse("RLIMIT_MSGQUEUE"), RLIMIT_MSGQUEUE);
        CHECK_INT_EQ(oci_rlimit_parse("RLIMIT_RTTIME"), RLIMIT_RTTIME);
        CHECK_INT_EQ(oci_rlimit_parse("NOFILE"), -1);
        CHECK_INT_EQ(oci_rlimit_parse("RLIMIT_nofile"), -1);
        CHECK_INT_EQ(oci_rlimit_parse("RLIMIT_"), -1);
}
