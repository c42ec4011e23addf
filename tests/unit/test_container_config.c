/* config.json from an image config and run flags (src/engine/container_config.h). */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "container_config.h"
#include "container_config_internal.h"
#include "error.h"
#include "fs.h"
#include "runtime_config.h"
#include "seccomp_profile.h"
#include "test.h"

#define ID     "0123456789abcdef0123456789abcdef"
#define L(...) ((char *[]){__VA_ARGS__, NULL})

static json_t *image(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);
        if (j == NULL) {
                fprintf(stderr, "bad test json: %s\n", e.text);
                abort();
        }
        return j;
}

/* The config, checked by berth's own parser (and the seccomp part by the runtime's). */
static json_t *make(const struct engine_create_options *o, const char *image_text,
                    const char *rootfs, char **error_out)
{
        json_t *img = image_text ? image(image_text) : NULL;
        struct error *err = NULL;
        json_t *config = engine_container_config(o, img, rootfs, ID, &err);
        json_decref(img);
        if (error_out)
                *error_out = err ? xstrdup(err->msg) : NULL;
        if (config == NULL) {
                if (!error_out)
                        test_note("unexpected error: %s", err->msg);
                error_free(&err);
                return NULL;
        }
        _cleanup_free_ char *text = json_dumps(config, 0);
        struct error *parse_err = NULL;
        struct oci_config *parsed = oci_config_parse(text, strlen(text), &parse_err);
        if (parsed == NULL) {
                test_note("config rejected by oci_config_parse: %s", parse_err->msg);
                test_note("%s", text);
                error_free(&parse_err);
                json_decref(config);
                return NULL;
        }
        if (parsed->linux_config.seccomp) {
                struct seccomp_profile profile;
                if (seccomp_profile_parse(parsed->linux_config.seccomp, &profile, &parse_err) < 0) {
                        test_note("seccomp rejected: %s", parse_err->msg);
                        error_free(&parse_err);
                        oci_config_free(parsed);
                        json_decref(config);
                        return NULL;
                }
                seccomp_profile_release(&profile);
        }
        oci_config_free(parsed);
        return config;
}

static char *joined(json_t *list)
{
        size_t cap = 1;
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                cap += (json_is_string(item) ? strlen(json_string_value(item)) : 24) + 1;
        }
        char *out = xcalloc(1, cap);
        json_array_foreach(list, i, item)
        {
                if (i)
                        strcat(out, " ");
                if (json_is_string(item))
                        strcat(out, json_string_value(item));
                else
                        sprintf(out + strlen(out), "%lld", (long long)json_integer_value(item));
        }
        return out;
}

static json_t *path(json_t *j, const char *a, const char *b)
{
        j = json_object_get(j, a);
        return b ? json_object_get(j, b) : j;
}

static bool has_string(json_t *list, const char *s)
{
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                if (strcmp(json_string_value(item), s) == 0)
                        return true;
        }
        return false;
}

static json_t *mount_at(json_t *config, const char *destination)
{
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(config, "mounts"), i, m)
        {
                if (strcmp(json_string_value(json_object_get(m, "destination")), destination) == 0)
                        return m;
        }
        return NULL;
}

/* ---- entrypoint and cmd: docker's table ---- */

TEST(entrypoint_and_cmd_follow_docker)
{
        const struct {
                const char *image;
                char **entrypoint;
                char **command;
                const char *args; /* NULL: "no command specified" */
        } cases[] = {
            {"{\"Cmd\":[\"sh\"]}", NULL, NULL, "sh"},
            {"{\"Cmd\":[\"sh\"]}", NULL, L("ls", "-l"), "ls -l"},
            {"{\"Entrypoint\":[\"ep\",\"-x\"],\"Cmd\":[\"c\"]}", NULL, NULL, "ep -x c"},
            {"{\"Entrypoint\":[\"ep\"],\"Cmd\":[\"c\"]}", NULL, L("x"), "ep x"},
            {"{\"Entrypoint\":[\"ep\"],\"Cmd\":[\"c\"]}", L("e2"), NULL, "e2"},
            {"{\"Entrypoint\":[\"ep\"],\"Cmd\":[\"c\"]}", L("e2"), L("x", "y"), "e2 x y"},
            {"{\"Entrypoint\":[\"ep\"],\"Cmd\":[\"c\"]}", L(""), NULL, NULL},
            {"{\"Entrypoint\":[\"ep\"],\"Cmd\":[\"c\"]}", L(""), L("x"), "x"},
            {"{\"Entrypoint\":[\"ep\"]}", NULL, NULL, "ep"},
            {"{\"Cmd\":[\"c\"]}", L("e2"), NULL, "e2"},
            {"{}", NULL, NULL, NULL},
            {"{\"Entrypoint\":null,\"Cmd\":null}", NULL, L("true"), "true"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct engine_create_options o = {.entrypoint = cases[i].entrypoint,
                                                  .command = cases[i].command};
                _cleanup_free_ char *error = NULL;
                json_t *config = make(&o, cases[i].image, NULL, &error);
                if (cases[i].args == NULL) {
                        CHECK(config == NULL);
                        CHECK_STR_EQ(error, "no command specified");
                } else {
                        REQUIRE(config != NULL);
                        _cleanup_free_ char *args = joined(path(config, "process", "args"));
                        if (strcmp(args, cases[i].args) != 0)
                                test_note("case %zu", i);
                        CHECK_STR_EQ(args, cases[i].args);
                }
                json_decref(config);
        }
}

TEST(init_prefixes_args_and_mounts_the_binary)
{
        struct engine_create_options o = {.command = L("sleep", "1"),
                                          .init_path = "/usr/libexec/berth-init"};
        json_t *config = make(&o, NULL, NULL, NULL);
        REQUIRE(config != NULL);
        _cleanup_free_ char *args = joined(path(config, "process", "args"));
        CHECK_STR_EQ(args, "/run/berth-init -- sleep 1");
        json_t *m = mount_at(config, "/run/berth-init");
        REQUIRE(m != NULL);
        CHECK_STR_EQ(json_string_value(json_object_get(m, "source")), "/usr/libexec/berth-init");
        CHECK(has_string(json_object_get(m, "options"), "ro"));
        json_decref(config);
}

/* ---- env ---- */

TEST(env_merges_like_docker)
{
        struct engine_create_options o = {
            .command = L("env"), .env = L("B=user", "C=new", "D"), .tty = true, .hostname = "box"};
        json_t *config =
            make(&o, "{\"Env\":[\"PATH=/img/bin\",\"A=1\",\"B=image\",\"D=gone\"]}", NULL, NULL);
        REQUIRE(config != NULL);
        _cleanup_free_ char *env = joined(path(config, "process", "env"));
        /* PATH replaced in place, user entries before the image's, D unset. */
        CHECK_STR_EQ(env, "PATH=/img/bin HOSTNAME=box TERM=xterm B=user C=new A=1");
        json_decref(config);
}

TEST(env_defaults_path_hostname_no_term)
{
        struct engine_create_options o = {.command = L("env")};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        _cleanup_free_ char *env = joined(path(config, "process", "env"));
        CHECK_STR_EQ(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
                          "HOSTNAME=0123456789ab");
        CHECK_STR_EQ(json_string_value(json_object_get(config, "hostname")), "0123456789ab");
        CHECK(json_is_false(path(config, "process", "terminal")));
        json_decref(config);
}

/* ---- user ---- */

static char *make_rootfs(void)
{
        char *dir = xstrdup("/tmp/berth-test-rootfs-XXXXXX");
        if (mkdtemp(dir) == NULL)
                abort();
        _cleanup_free_ char *etc = xasprintf("%s/etc", dir);
        mkdir(etc, 0755);
        _cleanup_free_ char *passwd = xasprintf("%s/etc/passwd", dir);
        _cleanup_free_ char *group = xasprintf("%s/etc/group", dir);
        const char *pw = "root:x:0:0:root:/root:/bin/sh\n"
                         "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                         "bob:x:1000:1000:Bob:/home/bob:/bin/sh\n"
                         "broken line\n";
        const char *gr = "root:x:0:\n"
                         "daemon:x:1:\n"
                         "wheel:x:10:bob,alice\n"
                         "audio:x:29:bob\n"
                         "bob:x:1000:\n"
                         "staff:x:50:\n";
        struct error *err = NULL;
        if (fs_write_file_atomic(passwd, pw, strlen(pw), 0644, &err) < 0 ||
            fs_write_file_atomic(group, gr, strlen(gr), 0644, &err) < 0)
                abort();
        return dir;
}

static void remove_rootfs(const char *dir)
{
        struct error *err = NULL;
        if (fs_remove_tree(dir, &err) < 0)
                error_free(&err);
}

TEST(user_lookups_in_the_rootfs)
{
        _cleanup_free_ char *rootfs = make_rootfs();
        static const struct {
                const char *spec;
                const char *image_user;
                const char *expect; /* "uid gid [gids...]" or the error */
        } cases[] = {
            {NULL, NULL, "0 0 0"},
            {"bob", NULL, "1000 1000 1000 10 29"},
            {"1000", NULL, "1000 1000 1000 10 29"},
            {"4242", NULL, "4242 0 0"},
            {"4242:4343", NULL, "4242 4343 4343"},
            {"bob:staff", NULL, "1000 50 50"},
            {"bob:77", NULL, "1000 77 77"},
            {"daemon", NULL, "1 1 1"},
            {NULL, "bob", "1000 1000 1000 10 29"},
            {"0", "bob", "0 0 0"},
            {"alice", NULL, "unable to find user alice: no matching entries in passwd file"},
            {"bob:nogroup", NULL,
             "unable to find group nogroup: no matching entries in group file"},
            {"99999999999", NULL, "uids and gids must be in range 0-2147483647"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct engine_create_options o = {.command = L("id"), .user = cases[i].spec};
                _cleanup_free_ char *img = cases[i].image_user
                                               ? xasprintf("{\"User\":\"%s\"}", cases[i].image_user)
                                               : xstrdup("{}");
                _cleanup_free_ char *error = NULL;
                json_t *config = make(&o, img, rootfs, &error);
                _cleanup_free_ char *got = NULL;
                if (config) {
                        json_t *user = path(config, "process", "user");
                        _cleanup_free_ char *gids = joined(json_object_get(user, "additionalGids"));
                        got = xasprintf("%lld %lld %s",
                                        (long long)json_integer_value(json_object_get(user, "uid")),
                                        (long long)json_integer_value(json_object_get(user, "gid")),
                                        gids);
                } else {
                        got = xstrdup(error ? error : "(null)");
                }
                if (strcmp(got, cases[i].expect) != 0)
                        test_note("case %zu (%s)", i, cases[i].spec ? cases[i].spec : "-");
                CHECK_STR_EQ(got, cases[i].expect);
                json_decref(config);
        }
        remove_rootfs(rootfs);
}

TEST(user_files_are_read_inside_the_rootfs)
{
        /* /etc/passwd a symlink to a host file that has the user: resolved inside the rootfs,
         * where that file does not exist, so the user is not found. */
        _cleanup_free_ char *rootfs = make_rootfs();
        char host_file[] = "/tmp/berth-test-host-passwd-XXXXXX";
        int fd = mkstemp(host_file);
        REQUIRE(fd >= 0);
        const char *line = "daemon:x:1:1::/:/bin/sh\n";
        CHECK(write(fd, line, strlen(line)) == (ssize_t)strlen(line));
        close(fd);
        _cleanup_free_ char *passwd = xasprintf("%s/etc/passwd", rootfs);
        _cleanup_free_ char *target = xasprintf("../../../../../..%s", host_file);
        unlink(passwd);
        CHECK(symlink(target, passwd) == 0);
        struct engine_create_options o = {.command = L("id"), .user = "daemon"};
        _cleanup_free_ char *error = NULL;
        json_t *config = make(&o, "{}", rootfs, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "unable to find user daemon: no matching entries in passwd file");
        json_decref(config);
        unlink(host_file);
        /* A fifo is refused, not read (it would block). */
        unlink(passwd);
        REQUIRE(mkfifo(passwd, 0644) == 0);
        free(error);
        error = NULL;
        config = make(&o, "{}", rootfs, &error);
        CHECK(config == NULL);
        CHECK(error && strstr(error, "not a regular file"));
        json_decref(config);
        remove_rootfs(rootfs);
}

/* ---- workdir, root, namespaces ---- */

TEST(workdir_from_flag_image_or_root)
{
        struct engine_create_options o = {.command = L("pwd")};
        json_t *config = make(&o, "{\"WorkingDir\":\"/app\"}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK_STR_EQ(json_string_value(path(config, "process", "cwd")), "/app");
        json_decref(config);
        o.workdir = "/srv";
        config = make(&o, "{\"WorkingDir\":\"/app\"}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK_STR_EQ(json_string_value(path(config, "process", "cwd")), "/srv");
        json_decref(config);
        o.workdir = NULL;
        config = make(&o, "{\"WorkingDir\":\"\"}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK_STR_EQ(json_string_value(path(config, "process", "cwd")), "/");
        json_decref(config);
        o.workdir = "rel";
        _cleanup_free_ char *error = NULL;
        config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "--workdir: the working directory 'rel' is invalid, it needs to be an "
                            "absolute path");
}

static bool has_namespace(json_t *config, const char *type)
{
        size_t i;
        json_t *ns;
        json_array_foreach(path(config, "linux", "namespaces"), i, ns)
        {
                if (strcmp(json_string_value(json_object_get(ns, "type")), type) == 0)
                        return true;
        }
        return false;
}

TEST(root_cgroup_and_namespaces)
{
        struct engine_create_options o = {.command = L("true"), .read_only = true};
        _cleanup_free_ char *rootfs = make_rootfs();
        json_t *config = make(&o, "{}", rootfs, NULL);
        remove_rootfs(rootfs);
        REQUIRE(config != NULL);
        CHECK(json_is_true(path(config, "root", "readonly")));
        CHECK_STR_EQ(json_string_value(path(config, "root", "path")), rootfs);
        CHECK_STR_EQ(json_string_value(path(config, "linux", "cgroupsPath")), "berth-" ID);
        const char *const types[] = {"pid", "ipc", "uts", "mount", "cgroup", "network"};
        for (size_t i = 0; i < ARRAY_SIZE(types); i++)
                CHECK(has_namespace(config, types[i]));
        CHECK(!has_namespace(config, "user"));
        json_t *shm = mount_at(config, "/dev/shm");
        REQUIRE(shm != NULL);
        CHECK(has_string(json_object_get(shm, "options"), "size=65536k"));
        CHECK(json_is_false(path(config, "process", "noNewPrivileges")));
        json_decref(config);

        o.read_only = false;
        o.network = "host";
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK(!has_namespace(config, "network"));
        CHECK(has_namespace(config, "uts"));
        CHECK(json_is_false(path(config, "root", "readonly")));
        char host[256] = "";
        gethostname(host, sizeof(host) - 1);
        CHECK_STR_EQ(json_string_value(json_object_get(config, "hostname")), host);
        json_decref(config);

        o.network = "none";
        o.network_namespace_path = "/run/netns/berth-x";
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK(has_namespace(config, "network"));
        json_t *last = json_array_get(path(config, "linux", "namespaces"), 5);
        CHECK_STR_EQ(json_string_value(json_object_get(last, "path")), "/run/netns/berth-x");
        json_decref(config);
}

/* ---- capabilities ---- */

TEST(capabilities_add_drop_all)
{
        struct engine_create_options o = {.command = L("true")};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        _cleanup_free_ char *caps =
            joined(path(path(config, "process", "capabilities"), "bounding", NULL));
        CHECK_STR_EQ(caps, "CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW "
                           "CAP_SETGID CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE "
                           "CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE");
        _cleanup_free_ char *effective =
            joined(path(path(config, "process", "capabilities"), "effective", NULL));
        CHECK_STR_EQ(effective, caps);
        CHECK_INT_EQ(
            json_array_size(path(path(config, "process", "capabilities"), "ambient", NULL)), 0);
        json_decref(config);

        o.cap_add = L("net_admin", "CAP_SYS_TIME", "NET_RAW");
        o.cap_drop = L("mknod", "CAP_chown");
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        json_t *bounding = path(path(config, "process", "capabilities"), "bounding", NULL);
        CHECK(has_string(bounding, "CAP_NET_ADMIN"));
        CHECK(has_string(bounding, "CAP_SYS_TIME"));
        CHECK(!has_string(bounding, "CAP_MKNOD"));
        CHECK(!has_string(bounding, "CAP_CHOWN"));
        CHECK_INT_EQ(json_array_size(bounding), 14);
        json_decref(config);

        o.cap_add = L("NET_ADMIN");
        o.cap_drop = L("ALL");
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        caps =
            (free(caps), joined(path(path(config, "process", "capabilities"), "bounding", NULL)));
        CHECK_STR_EQ(caps, "CAP_NET_ADMIN");
        json_decref(config);

        o.cap_add = L("all");
        o.cap_drop = L("SYS_ADMIN");
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        bounding = path(path(config, "process", "capabilities"), "bounding", NULL);
        CHECK(has_string(bounding, "CAP_SYS_MODULE"));
        CHECK(!has_string(bounding, "CAP_SYS_ADMIN"));
        CHECK(json_array_size(bounding) >= 37);
        json_decref(config);

        o.cap_add = L("FOO");
        o.cap_drop = NULL;
        _cleanup_free_ char *error = NULL;
        config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "--cap-add: unknown capability: \"CAP_FOO\"");
        o.cap_add = NULL;
        o.cap_drop = L("cap_bar");
        free(error);
        config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "--cap-drop: unknown capability: \"CAP_BAR\"");
}

TEST(non_root_user_gets_only_added_capabilities)
{
        struct engine_create_options o = {
            .command = L("true"), .user = "1000", .cap_add = L("NET_ADMIN")};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        json_t *caps = path(config, "process", "capabilities");
        CHECK_INT_EQ(json_array_size(json_object_get(caps, "bounding")), 15);
        _cleanup_free_ char *effective = joined(json_object_get(caps, "effective"));
        _cleanup_free_ char *ambient = joined(json_object_get(caps, "ambient"));
        CHECK_STR_EQ(effective, "CAP_NET_ADMIN");
        CHECK_STR_EQ(ambient, "CAP_NET_ADMIN");
        json_decref(config);
}

TEST(privileged)
{
        struct engine_create_options o = {
            .command = L("true"), .privileged = true, .cap_drop = L("ALL")};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        json_t *caps = path(config, "process", "capabilities");
        CHECK(has_string(json_object_get(caps, "bounding"), "CAP_SYS_ADMIN"));
        CHECK(has_string(json_object_get(caps, "effective"), "CAP_SYS_ADMIN"));
        CHECK(path(config, "linux", "seccomp") == NULL);
        CHECK(path(config, "linux", "maskedPaths") == NULL);
        CHECK(path(config, "linux", "readonlyPaths") == NULL);
        json_t *devices = path(path(config, "linux", "resources"), "devices", NULL);
        CHECK(json_is_true(json_object_get(json_array_get(devices, 0), "allow")));
        json_t *sys = mount_at(config, "/sys");
        REQUIRE(sys != NULL);
        CHECK(has_string(json_object_get(sys, "options"), "rw"));
        CHECK(!has_string(json_object_get(sys, "options"), "ro"));
        json_decref(config);

        o.privileged = false;
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK(has_string(path(config, "linux", "maskedPaths"), "/proc/kcore"));
        CHECK(has_string(path(config, "linux", "readonlyPaths"), "/proc/sys"));
        CHECK(has_string(json_object_get(mount_at(config, "/sys"), "options"), "ro"));
        json_decref(config);
}

/* ---- mounts ---- */

TEST(volume_flag_parsing)
{
        static const struct {
                const char *text;
                const char *expect; /* "type source dest ro propagation relabel nocopy" or error */
        } cases[] = {
            {"/data", "volume - /data rw - - 0"},
            {"/data:ro", "volume - /data ro - - 0"},
            {"/host:/ctr", "bind /host /ctr rw - - 0"},
            {"/host//x/:/ctr/./y/:ro,z", "bind /host/x /ctr/y ro - z 0"},
            {"/host:/ctr:rw,Z,rshared", "bind /host /ctr rw rshared Z 0"},
            {"/host:/ctr:cached", "bind /host /ctr rw - - 0"},
            {"vol1:/data", "volume vol1 /data rw - - 0"},
            {"vol1:/data:ro,nocopy", "volume vol1 /data ro - - 1"},
            {"", "invalid volume specification: ''"},
            {":/x", "invalid volume specification: ':/x'"},
            {"a:b:c:d:e", "invalid volume specification: 'a:b:c:d:e'"},
            {"/host:/ctr:bogus", "invalid mode: bogus"},
            {"/host:/ctr:ro,rw", "invalid mode: ro,rw"},
            {"/host:/ctr:nocopy", "invalid mode: nocopy"},
            {"vol1:/data:rshared", "invalid mode: rshared"},
            {"/host:ctr",
             "invalid mount config for type \"bind\": invalid mount path: 'ctr' mount path must "
             "be absolute"},
            {"/host:/", "invalid specification: destination can't be '/'"},
            {"./rel:/x", "\"./rel\" includes invalid characters for a local volume name, only "
                         "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
                         "host directory, use absolute path"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct engine_mount m;
                struct error *err = NULL;
                _cleanup_free_ char *got = NULL;
                if (engine_parse_volume_flag(cases[i].text, &m, &err) == 0) {
                        got = xasprintf(
                            "%s %s %s %s %s %c %d", m.type == ENGINE_MOUNT_BIND ? "bind" : "volume",
                            m.source ? m.source : "-", m.destination, m.readonly ? "ro" : "rw",
                            m.propagation ? m.propagation : "-", m.relabel ? m.relabel : '-',
                            m.nocopy);
                        engine_mount_release(&m);
                } else {
                        got = xstrdup(err->msg);
                        error_free(&err);
                }
                if (strcmp(got, cases[i].expect) != 0)
                        test_note("case %s", cases[i].text);
                CHECK_STR_EQ(got, cases[i].expect);
        }
}

static char *describe(const struct engine_mount *m)
{
        static const char *const types[] = {"bind", "volume", "tmpfs"};
        char opts[256] = "";
        for (size_t i = 0; i < m->n_options; i++)
                snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%s%s", i ? "," : "",
                         m->options[i]);
        return xasprintf("%s %s %s %s %s%s%s", types[m->type], m->source ? m->source : "-",
                         m->destination, m->readonly ? "ro" : "rw",
                         m->propagation ? m->propagation : "-", m->non_recursive ? " nonrec" : "",
                         *opts ? opts : "");
}

TEST(mount_and_tmpfs_flag_parsing)
{
        static const struct {
                bool tmpfs_flag;
                const char *text;
                const char *expect;
        } cases[] = {
            {false, "type=bind,source=/h,target=/c", "bind /h /c rw -"},
            {false, "type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave",
             "bind /h /c ro rslave"},
            {false, "type=bind,src=/h,destination=/c,ro=false,bind-nonrecursive",
             "bind /h /c rw - nonrec"},
            {false, "target=/c", "volume - /c rw -"},
            {false, "type=volume,source=v1,target=/c,volume-nocopy", "volume v1 /c rw -"},
            {false, "type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770",
             "tmpfs - /t rw -size=67108864,mode=1770"},
            {false, "type=bind,source=/h", "target is required"},
            {false, "type=bind,target=/c",
             "invalid mount config for type \"bind\": field Source must not be empty"},
            {false, "type=bind,source=rel,target=/c",
             "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must "
             "be absolute"},
            {false, "type=tmpfs,source=/x,target=/t",
             "invalid mount config for type \"tmpfs\": field Source must not be specified"},
            {false, "type=bind,src=/h,target=/c,volume-nocopy",
             "cannot mix 'volume-*' options with mount type 'bind'"},
            {false, "type=volume,target=/c,tmpfs-size=1m",
             "cannot mix 'tmpfs-*' options with mount type 'volume'"},
            {false, "type=nfs,target=/c", "invalid mount type 'nfs'"},
            {false, "type=bind,bogus=1,target=/c", "unexpected key 'bogus' in 'bogus=1'"},
            {false, "type=bind,bogus,target=/c", "invalid field 'bogus' must be a key=value pair"},
            {false, "type=bind,src=/h,target=/c,readonly=maybe",
             "invalid value for readonly: maybe"},
            {false, "type=tmpfs,target=/t,tmpfs-size=lots", "invalid value for tmpfs-size: lots"},
            {true, "/run", "tmpfs - /run rw -"},
            {true, "/run:rw,size=64m,exec,mode=1777", "tmpfs - /run rw -size=64m,exec,mode=1777"},
            {true, "/run:ro", "tmpfs - /run ro -"},
            {true, "/run:bogus", "invalid tmpfs option \"bogus\""},
            {true, "run",
             "invalid mount config for type \"tmpfs\": invalid mount path: 'run' mount "
             "path must be absolute"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct engine_mount m;
                struct error *err = NULL;
                int rc = cases[i].tmpfs_flag ? engine_parse_tmpfs_flag(cases[i].text, &m, &err)
                                             : engine_parse_mount_flag(cases[i].text, &m, &err);
                _cleanup_free_ char *got = NULL;
                if (rc == 0) {
                        got = describe(&m);
                        engine_mount_release(&m);
                } else {
                        got = xstrdup(err->msg);
                        error_free(&err);
                }
                if (strcmp(got, cases[i].expect) != 0)
                        test_note("case %s", cases[i].text);
                CHECK_STR_EQ(got, cases[i].expect);
        }
}

TEST(mounts_in_config)
{
        struct engine_mount mounts[5];
        struct error *err = NULL;
        REQUIRE(engine_parse_volume_flag("/h/a/b:/a/b:ro", &mounts[0], &err) == 0);
        REQUIRE(engine_parse_volume_flag("/h/a:/a", &mounts[1], &err) == 0);
        REQUIRE(engine_parse_tmpfs_flag("/dev/shm:size=1g,exec", &mounts[2], &err) == 0);
        REQUIRE(engine_parse_volume_flag("data:/data", &mounts[3], &err) == 0);
        REQUIRE(engine_parse_volume_flag("/my/hosts:/etc/hosts:ro", &mounts[4], &err) == 0);
        mounts[3].volume_path = xstrdup("/var/lib/berth/volumes/data/_data");
        struct engine_file_bind binds[] = {{"/run/berth/x/hosts", "/etc/hosts", false},
                                           {"/run/berth/x/resolv.conf", "/etc/resolv.conf", false}};
        struct engine_create_options o = {.command = L("true"),
                                          .mounts = mounts,
                                          .n_mounts = 5,
                                          .file_binds = binds,
                                          .n_file_binds = 2};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        /* Parents first. */
        size_t at_a = 0, at_ab = 0, i;
        json_t *m;
        json_array_foreach(json_object_get(config, "mounts"), i, m)
        {
                const char *d = json_string_value(json_object_get(m, "destination"));
                if (strcmp(d, "/a") == 0)
                        at_a = i;
                if (strcmp(d, "/a/b") == 0)
                        at_ab = i;
        }
        CHECK(at_a > 0 && at_ab > at_a);
        _cleanup_free_ char *ab = joined(json_object_get(mount_at(config, "/a/b"), "options"));
        CHECK_STR_EQ(ab, "rbind ro rprivate");
        /* The user's tmpfs replaced the default /dev/shm, docker's options merged. */
        json_t *shm = mount_at(config, "/dev/shm");
        CHECK_STR_EQ(json_string_value(json_object_get(shm, "type")), "tmpfs");
        _cleanup_free_ char *shm_options = joined(json_object_get(shm, "options"));
        CHECK_STR_EQ(shm_options, "nosuid nodev size=1g exec rw rprivate");
        size_t shm_count = 0;
        json_array_foreach(json_object_get(config, "mounts"), i, m)
        {
                shm_count +=
                    strcmp(json_string_value(json_object_get(m, "destination")), "/dev/shm") == 0;
        }
        CHECK_INT_EQ(shm_count, 1);
        CHECK_STR_EQ(json_string_value(json_object_get(mount_at(config, "/data"), "source")),
                     "/var/lib/berth/volumes/data/_data");
        /* The user's /etc/hosts wins over the engine's; resolv.conf is the engine's. */
        CHECK_STR_EQ(json_string_value(json_object_get(mount_at(config, "/etc/hosts"), "source")),
                     "/my/hosts");
        CHECK_STR_EQ(
            json_string_value(json_object_get(mount_at(config, "/etc/resolv.conf"), "source")),
            "/run/berth/x/resolv.conf");
        json_decref(config);

        /* An unresolved volume and a duplicate destination are refused. */
        free(mounts[3].volume_path);
        mounts[3].volume_path = NULL;
        _cleanup_free_ char *error = NULL;
        config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "volume data for /data: not resolved to a directory");
        o.n_mounts = 2;
        free(mounts[1].destination);
        mounts[1].destination = xstrdup("/a/b");
        free(error);
        config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "duplicate mount point: /a/b");
        for (size_t k = 0; k < ARRAY_SIZE(mounts); k++)
                engine_mount_release(&mounts[k]);
}

TEST(image_volumes_not_covered)
{
        struct engine_mount m;
        struct error *err = NULL;
        REQUIRE(engine_parse_volume_flag("/h:/data", &m, &err) == 0);
        struct engine_create_options o = {.mounts = &m, .n_mounts = 1};
        json_t *img = image("{\"Volumes\":{\"/data\":{},\"/logs/\":{},\"/cache\":{}}}");
        char **left = engine_image_volumes_uncovered(&o, img);
        REQUIRE(left[0] && left[1]);
        CHECK_STR_EQ(left[0], "/logs");
        CHECK_STR_EQ(left[1], "/cache");
        CHECK(left[2] == NULL);
        for (size_t i = 0; left[i]; i++)
                free(left[i]);
        free(left);
        json_decref(img);
        engine_mount_release(&m);
}

/* ---- limits ---- */

TEST(ulimit_parsing)
{
        static const struct {
                const char *text;
                const char *expect;
        } cases[] = {
            {"nofile=1024", "RLIMIT_NOFILE 1024 1024"},
            {"nofile=1024:2048", "RLIMIT_NOFILE 1024 2048"},
            {"nproc=-1", "RLIMIT_NPROC -1 -1"},
            {"core=0:unlimited", "RLIMIT_CORE 0 -1"},
            {"nofile", "invalid ulimit argument: nofile"},
            {"files=1", "invalid ulimit type: files"},
            {"nofile=2048:1024",
             "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024"},
            {"nofile=1:2:3",
             "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`"},
            {"nofile=abc", "invalid ulimit value: abc"},
            {"nofile=-1", "ulimit nofile cannot be unlimited (the kernel caps it at fs.nr_open)"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct engine_ulimit u;
                struct error *err = NULL;
                _cleanup_free_ char *got = NULL;
                if (engine_parse_ulimit(cases[i].text, &u, &err) == 0) {
                        got =
                            xasprintf("%s %lld %lld", u.type, (long long)u.soft, (long long)u.hard);
                        free(u.type);
                } else {
                        got = xstrdup(err->msg);
                        error_free(&err);
                }
                CHECK_STR_EQ(got, cases[i].expect);
        }

        struct engine_ulimit limits[2];
        struct error *err = NULL;
        REQUIRE(engine_parse_ulimit("nofile=512:1024", &limits[0], &err) == 0);
        REQUIRE(engine_parse_ulimit("core=-1", &limits[1], &err) == 0);
        struct engine_create_options o = {.command = L("true"), .ulimits = limits, .n_ulimits = 2};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        json_t *rlimits = path(config, "process", "rlimits");
        json_t *nofile = json_array_get(rlimits, 0);
        CHECK_STR_EQ(json_string_value(json_object_get(nofile, "type")), "RLIMIT_NOFILE");
        CHECK_INT_EQ(json_integer_value(json_object_get(nofile, "soft")), 512);
        CHECK_INT_EQ(json_integer_value(json_object_get(nofile, "hard")), 1024);
        CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(rlimits, 1), "hard")),
                     INT64_MAX);
        free(limits[0].type);
        free(limits[1].type);
        json_decref(config);

        /* Without --ulimit nofile: the caller's hard limit, soft raised to it. */
        struct rlimit current;
        REQUIRE(getrlimit(RLIMIT_NOFILE, &current) == 0);
        struct engine_create_options plain = {.command = L("true")};
        config = make(&plain, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        nofile = json_array_get(path(config, "process", "rlimits"), 0);
        CHECK_STR_EQ(json_string_value(json_object_get(nofile, "type")), "RLIMIT_NOFILE");
        CHECK_INT_EQ(json_integer_value(json_object_get(nofile, "soft")), current.rlim_max);
        json_decref(config);
}

TEST(bytes_parsing)
{
        static const struct {
                const char *text;
                long long expect; /* -1: error */
        } cases[] = {
            {"1024", 1024},
            {"64k", 65536},
            {"512m", 536870912},
            {"1g", 1073741824},
            {"1.5GB", 1610612736},
            {"2 MiB", 2097152},
            {"10b", 10},
            {"", -1},
            {"m", -1},
            {"12x", -1},
            {"-5m", -1},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int64_t value = 0;
                struct error *err = NULL;
                int rc = engine_parse_bytes(cases[i].text, &value, &err);
                if (cases[i].expect < 0) {
                        CHECK(rc < 0);
                        CHECK(err && strstr(err->msg, "invalid size"));
                        error_free(&err);
                } else {
                        CHECK(rc == 0);
                        CHECK_INT_EQ(value, cases[i].expect);
                }
        }
}

TEST(resources_numbers)
{
        struct engine_create_options o = {.command = L("true"),
                                          .memory = 512 * 1024 * 1024,
                                          .cpus = 0.5,
                                          .cpu_shares = 512,
                                          .pids_limit = 100};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        json_t *r = path(config, "linux", "resources");
        CHECK_INT_EQ(json_integer_value(path(r, "memory", "limit")), 536870912);
        CHECK_INT_EQ(json_integer_value(path(r, "memory", "swap")), 1073741824);
        CHECK_INT_EQ(json_integer_value(path(r, "cpu", "quota")), 50000);
        CHECK_INT_EQ(json_integer_value(path(r, "cpu", "period")), 100000);
        CHECK_INT_EQ(json_integer_value(path(r, "cpu", "shares")), 512);
        CHECK_INT_EQ(json_integer_value(path(r, "pids", "limit")), 100);
        /* The default device rule stays: deny all (the runtime allows the default ones). */
        CHECK(json_is_false(
            json_object_get(json_array_get(json_object_get(r, "devices"), 0), "allow")));
        json_decref(config);

        o.memory_swap = -1;
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK_INT_EQ(json_integer_value(path(path(config, "linux", "resources"), "memory", "swap")),
                     -1);
        json_decref(config);

        static const struct {
                int64_t memory, swap;
                double cpus;
                int64_t pids;
                const char *error;
        } bad[] = {
            {1024, 0, 0, 0, "--memory: minimum memory limit allowed is 6MB"},
            {0, 1 << 30, 0, 0,
             "--memory-swap: you should always set the memory limit when using memoryswap limit"},
            {1 << 30, 1 << 29, 0, 0,
             "--memory-swap: minimum memoryswap limit should be larger than memory limit"},
            {0, 0, 100000, 0, "--cpus: range of CPUs"},
            {0, 0, 0.001, 0, "--cpus: range of CPUs"},
            {0, 0, 0, -5, "--pids-limit: invalid value -5"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct engine_create_options b = {.command = L("true"),
                                                  .memory = bad[i].memory,
                                                  .memory_swap = bad[i].swap,
                                                  .cpus = bad[i].cpus,
                                                  .pids_limit = bad[i].pids};
                _cleanup_free_ char *error = NULL;
                config = make(&b, "{}", NULL, &error);
                CHECK(config == NULL);
                CHECK(error && strncmp(error, bad[i].error, strlen(bad[i].error)) == 0);
                if (error && strncmp(error, bad[i].error, strlen(bad[i].error)) != 0)
                        test_note("got %s", error);
        }
}

TEST(stop_signal_annotations_sysctls)
{
        struct engine_create_options o = {.command = L("true"),
                                          .annotations = L("a.b=c", "empty="),
                                          .sysctls = L("net.ipv4.ip_forward=1")};
        json_t *config = make(&o, "{\"StopSignal\":\"SIGQUIT\"}", NULL, NULL);
        REQUIRE(config != NULL);
        json_t *a = json_object_get(config, "annotations");
        CHECK_STR_EQ(json_string_value(json_object_get(a, "a.b")), "c");
        CHECK_STR_EQ(json_string_value(json_object_get(a, "empty")), "");
        CHECK_STR_EQ(json_string_value(json_object_get(a, ENGINE_STOP_SIGNAL_ANNOTATION)), "3");
        CHECK_STR_EQ(
            json_string_value(path(path(config, "linux", "sysctl"), "net.ipv4.ip_forward", NULL)),
            "1");
        json_decref(config);
        o.stop_signal = "USR1";
        config = make(&o, "{\"StopSignal\":\"SIGQUIT\"}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(config, "annotations"),
                                                       ENGINE_STOP_SIGNAL_ANNOTATION)),
                     "10");
        json_decref(config);
        o.stop_signal = "SIGNOPE";
        _cleanup_free_ char *error = NULL;
        config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "--stop-signal: invalid signal: SIGNOPE");
        o.stop_signal = NULL;
        o.sysctls = L("novalue");
        free(error);
        config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK_STR_EQ(error, "--sysctl: novalue: must be KEY=VALUE");
}

/* ---- seccomp ---- */

static json_t *find_rule(json_t *seccomp, const char *name, const char *action)
{
        size_t i;
        json_t *rule;
        json_array_foreach(json_object_get(seccomp, "syscalls"), i, rule)
        {
                if (has_string(json_object_get(rule, "names"), name) &&
                    strcmp(json_string_value(json_object_get(rule, "action")), action) == 0)
                        return rule;
        }
        return NULL;
}

TEST(seccomp_default_profile)
{
        if (access(ENGINE_DEFAULT_SECCOMP_PROFILE, R_OK) != 0) {
                test_skip("no " ENGINE_DEFAULT_SECCOMP_PROFILE);
                return;
        }
        struct engine_create_options o = {.command = L("true")};
        json_t *config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        json_t *seccomp = path(config, "linux", "seccomp");
        REQUIRE(seccomp != NULL);
        CHECK_STR_EQ(json_string_value(json_object_get(seccomp, "defaultAction")),
                     "SCMP_ACT_ERRNO");
        CHECK(json_object_get(seccomp, "archMap") == NULL);
#if defined(__x86_64__)
        _cleanup_free_ char *arches = joined(json_object_get(seccomp, "architectures"));
        CHECK_STR_EQ(arches, "SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32");
        CHECK(find_rule(seccomp, "arch_prctl", "SCMP_ACT_ALLOW") != NULL);
        CHECK(find_rule(seccomp, "s390_runtime_instr", "SCMP_ACT_ALLOW") == NULL);
#endif
        /* Without CAP_SYS_ADMIN bpf is refused with EPERM; with it, allowed. */
        CHECK(find_rule(seccomp, "bpf", "SCMP_ACT_ALLOW") == NULL);
        json_t *deny = find_rule(seccomp, "bpf", "SCMP_ACT_ERRNO");
        REQUIRE(deny != NULL);
        CHECK_INT_EQ(json_integer_value(json_object_get(deny, "errnoRet")), 1);
        CHECK(find_rule(seccomp, "read", "SCMP_ACT_ALLOW") != NULL);
        json_decref(config);

        o.cap_add = L("SYS_ADMIN");
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        seccomp = path(config, "linux", "seccomp");
        CHECK(find_rule(seccomp, "bpf", "SCMP_ACT_ALLOW") != NULL);
        CHECK(find_rule(seccomp, "bpf", "SCMP_ACT_ERRNO") == NULL);
        json_decref(config);

        o.cap_add = NULL;
        o.seccomp_profile = "unconfined";
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK(path(config, "linux", "seccomp") == NULL);
        json_decref(config);

        /* --privileged with the profile named explicitly keeps it (podman). */
        o.seccomp_profile = ENGINE_DEFAULT_SECCOMP_PROFILE;
        o.privileged = true;
        config = make(&o, "{}", NULL, NULL);
        REQUIRE(config != NULL);
        CHECK(path(config, "linux", "seccomp") != NULL);
        json_decref(config);
}

TEST(seccomp_profile_conversion)
{
        json_t *profile = image(
            "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
            "\"architectures\":[\"SCMP_ARCH_X86_64\"],"
            "\"syscalls\":["
            "{\"name\":\"getpid\",\"action\":\"SCMP_ACT_ALLOW\"},"
            "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,"
            "\"value\":0,\"op\":\"SCMP_CMP_EQ\"}],\"comment\":\"x\"},"
            "{\"names\":[\"reboot\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":"
            "\"99.0\"}},"
            "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":["
            "\"CAP_SYS_CHROOT\"]}},"
            "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":["
            "\"CAP_SYS_CHROOT\"]}}]}");
        json_t *caps = image("[\"CAP_SYS_CHROOT\"]");
        struct error *err = NULL;
        json_t *out = engine_seccomp_convert(profile, caps, &err);
        REQUIRE(out != NULL);
        CHECK_INT_EQ(json_integer_value(json_object_get(out, "defaultErrnoRet")), 38);
        CHECK(find_rule(out, "getpid", "SCMP_ACT_ALLOW") != NULL);
        json_t *kill_rule = find_rule(out, "kill", "SCMP_ACT_ALLOW");
        REQUIRE(kill_rule != NULL);
        CHECK_INT_EQ(json_array_size(json_object_get(kill_rule, "args")), 1);
        CHECK(json_object_get(kill_rule, "comment") == NULL);
        CHECK(find_rule(out, "reboot", "SCMP_ACT_ALLOW") == NULL);
        CHECK(find_rule(out, "chroot", "SCMP_ACT_ALLOW") != NULL);
        CHECK(find_rule(out, "ptrace", "SCMP_ACT_ALLOW") == NULL);
        json_decref(out);
        json_decref(profile);
        json_decref(caps);

        profile = image("{\"syscalls\":[]}");
        out = engine_seccomp_convert(profile, NULL, &err);
        CHECK(out == NULL);
        CHECK(err && strstr(err->msg, "defaultAction is required"));
        error_free(&err);
        json_decref(profile);

        struct engine_create_options o = {.command = L("true"),
                                          .seccomp_profile = "/nonexistent/profile.json"};
        _cleanup_free_ char *error = NULL;
        json_t *config = make(&o, "{}", NULL, &error);
        CHECK(config == NULL);
        CHECK(error &&
              strncmp(error, "--security-opt seccomp: seccomp profile /nonexistent/profile.json",
                      64) == 0);
}
