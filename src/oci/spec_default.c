/*
 * The default config.json of `spec`: the same content and field order as `runc spec`
 * (runc 1.1), with our ociVersion. Members are added in the order of runc's Go structs,
 * which jansson keeps.
 */
#include "spec_default.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static json_t *string_list(const char *const *items)
{
        json_t *array = json_array();
        for (; *items; items++)
                json_array_append_new(array, json_string(*items));
        return array;
}

static json_t *process_json(void)
{
        json_t *process = json_object();
        json_object_set_new(process, "terminal", json_true());
        json_t *user = json_object();
        json_object_set_new(user, "uid", json_integer(0));
        json_object_set_new(user, "gid", json_integer(0));
        json_object_set_new(process, "user", user);
        json_object_set_new(process, "args", string_list(LIST("sh")));
        json_object_set_new(
            process, "env",
            string_list(LIST("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                             "TERM=xterm")));
        json_object_set_new(process, "cwd", json_string("/"));

        const char *const *caps = LIST("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        json_t *capabilities = json_object();
        json_object_set_new(capabilities, "bounding", string_list(caps));
        json_object_set_new(capabilities, "effective", string_list(caps));
        json_object_set_new(capabilities, "permitted", string_list(caps));
        json_object_set_new(capabilities, "ambient", string_list(caps));
        json_object_set_new(process, "capabilities", capabilities);

        json_t *nofile = json_object();
        json_object_set_new(nofile, "type", json_string("RLIMIT_NOFILE"));
        json_object_set_new(nofile, "hard", json_integer(1024));
        json_object_set_new(nofile, "soft", json_integer(1024));
        json_t *rlimits = json_array();
        json_array_append_new(rlimits, nofile);
        json_object_set_new(process, "rlimits", rlimits);
        json_object_set_new(process, "noNewPrivileges", json_true());
        return process;
}

static void add_mount(json_t *mounts, const char *destination, const char *type, const char *source,
                      const char *const *options)
{
        json_t *mount = json_object();
        json_object_set_new(mount, "destination", json_string(destination));
        json_object_set_new(mount, "type", json_string(type));
        json_object_set_new(mount, "source", json_string(source));
        if (options)
                json_object_set_new(mount, "options", string_list(options));
        json_array_append_new(mounts, mount);
}

static json_t *mounts_json(bool rootless)
{
        json_t *mounts = json_array();
        add_mount(mounts, "/proc", "proc", "proc", NULL);
        add_mount(mounts, "/dev", "tmpfs", "tmpfs",
                  LIST("nosuid", "strictatime", "mode=755", "size=65536k"));
        /* Without root the tty group (gid 5) is not mapped, so devpts cannot use it. */
        if (rootless)
                add_mount(mounts, "/dev/pts", "devpts", "devpts",
                          LIST("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
        else
                add_mount(
                    mounts, "/dev/pts", "devpts", "devpts",
                    LIST("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
        add_mount(mounts, "/dev/shm", "tmpfs", "shm",
                  LIST("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue", LIST("nosuid", "noexec", "nodev"));
        /* A user namespace without its own network namespace may not mount sysfs. */
        if (rootless)
                add_mount(mounts, "/sys", "none", "/sys",
                          LIST("rbind", "nosuid", "noexec", "nodev", "ro"));
        else
                add_mount(mounts, "/sys", "sysfs", "sysfs",
                          LIST("nosuid", "noexec", "nodev", "ro"));
        add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup",
                  LIST("nosuid", "noexec", "nodev", "relatime", "ro"));
        return mounts;
}

static json_t *id_mappings(unsigned host_id)
{
        json_t *mapping = json_object();
        json_object_set_new(mapping, "containerID", json_integer(0));
        json_object_set_new(mapping, "hostID", json_integer(host_id));
        json_object_set_new(mapping, "size", json_integer(1));
        json_t *list = json_array();
        json_array_append_new(list, mapping);
        return list;
}

static json_t *namespaces_json(bool rootless)
{
        const char *const *types = rootless ? LIST("pid", "ipc", "uts", "mount", "user")
                                            : LIST("pid", "network", "ipc", "uts", "mount");
        json_t *list = json_array();
        for (; *types; types++) {
                json_t *ns = json_object();
                json_object_set_new(ns, "type", json_string(*types));
                json_array_append_new(list, ns);
        }
        return list;
}

static json_t *linux_json(bool rootless)
{
        json_t *linux_obj = json_object();
        if (rootless) {
                json_object_set_new(linux_obj, "uidMappings", id_mappings(geteuid()));
                json_object_set_new(linux_obj, "gidMappings", id_mappings(getegid()));
        } else {
                /* Deny every device; the runtime allows the default ones itself. */
                json_t *deny_all = json_object();
                json_object_set_new(deny_all, "allow", json_false());
                json_object_set_new(deny_all, "access", json_string("rwm"));
                json_t *devices = json_array();
                json_array_append_new(devices, deny_all);
                json_t *resources = json_object();
                json_object_set_new(resources, "devices", devices);
                json_object_set_new(linux_obj, "resources", resources);
        }
        json_object_set_new(linux_obj, "namespaces", namespaces_json(rootless));
        json_object_set_new(
            linux_obj, "maskedPaths",
            string_list(LIST("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                             "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                             "/proc/sched_debug", "/sys/firmware", "/proc/scsi")));
        json_object_set_new(linux_obj, "readonlyPaths",
                            string_list(LIST("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                             "/proc/sysrq-trigger")));
        return linux_obj;
}

/* jansson indents with spaces; runc (Go's MarshalIndent with "\t") with tabs. JSON text
 * holds no raw newline inside a string, so every run of spaces after a newline is
 * indentation: with one space per level it becomes one tab per level. */
static char *indent_with_tabs(const char *text)
{
        char *out = xmalloc(strlen(text) + 1);
        char *p = out;
        bool line_start = true;
        for (; *text; text++) {
                if (line_start && *text == ' ') {
                        *p++ = '\t';
                        continue;
                }
                line_start = *text == '\n';
                *p++ = *text;
        }
        *p = '\0';
        return out;
}

char *oci_spec_default_json(bool rootless)
{
        json_t *spec = json_object();
        json_object_set_new(spec, "ociVersion", json_string(OCI_RUNTIME_SPEC_VERSION));
        json_object_set_new(spec, "process", process_json());
        json_t *root = json_object();
        json_object_set_new(root, "path", json_string("rootfs"));
        json_object_set_new(root, "readonly", json_true());
        json_object_set_new(spec, "root", root);
        json_object_set_new(spec, "hostname", json_string("runc"));
        json_object_set_new(spec, "mounts", mounts_json(rootless));
        json_object_set_new(spec, "linux", linux_json(rootless));

        char *text = json_dumps(spec, JSON_INDENT(1));
        json_decref(spec);
        if (text == NULL) {
                static const char msg[] = "berth: out of memory\n";
                (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
                abort();
        }
        char *tabbed = indent_with_tabs(text);
        free(text);
        return tabbed;
}
