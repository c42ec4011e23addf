/*
 * Capabilities (docker's default set, --cap-add/--cap-drop with docker's TweakCapabilities
 * rules) and seccomp profiles in containers-common's format (docker's "seccomp.json" with
 * archMap and includes/excludes) converted to config-linux.md "Seccomp".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include "alloc.h"
#include "container_config_internal.h"
#include "error.h"
#include "fs.h"

/* By number (linux/capability.h): index i is capability i. */
static const char *const capability_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

/* docker's default set (moby oci/caps/defaults.go), in its order. */
static const char *const docker_default_capabilities[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE",
};

const char *engine_capability_canonical(const char *name)
{
        const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        for (size_t i = 0; i < ARRAY_SIZE(capability_names); i++)
                if (strcasecmp(capability_names[i] + 4, bare) == 0)
                        return capability_names[i];
        return NULL;
}

/* The highest capability the running kernel knows; all of ours when it cannot be read. */
static size_t capability_count(void)
{
        _cleanup_free_ char *text = fs_read_file("/proc/sys/kernel/cap_last_cap", NULL, NULL);
        if (text == NULL)
                return ARRAY_SIZE(capability_names);
        long last = strtol(text, NULL, 10);
        if (last < 0 || (size_t)last + 1 > ARRAY_SIZE(capability_names))
                return ARRAY_SIZE(capability_names);
        return (size_t)last + 1;
}

json_t *engine_capabilities_all(void)
{
        json_t *list = json_array();
        size_t n = capability_count();
        for (size_t i = 0; i < n; i++) {
                /* Only what our bounding set holds, as podman: the runtime cannot give the
                 * container a capability berth's caller lacks (--privileged would fail). */
                if (prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) == 0)
                        continue;
                json_array_append_new(list, json_string(capability_names[i]));
        }
        return list;
}

static bool json_list_has(json_t *list, const char *name)
{
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                if (strcmp(json_string_value(item), name) == 0)
                        return true;
        }
        return false;
}

static void json_list_add(json_t *list, const char *name)
{
        if (!json_list_has(list, name))
                json_array_append_new(list, json_string(name));
}

/* Canonical names of a flag's list, "ALL" kept as is; *has_all says whether it appeared. */
static json_t *normalize(char **names, const char *flag, bool *has_all, struct error **err)
{
        json_t *list = json_array();
        *has_all = false;
        for (size_t i = 0; names && names[i]; i++) {
                if (strcasecmp(names[i], "ALL") == 0) {
                        *has_all = true;
                        continue;
                }
                const char *canonical = engine_capability_canonical(names[i]);
                if (canonical == NULL) {
                        json_decref(list);
                        _cleanup_free_ char *upper = xstrdup(names[i]);
                        for (char *p = upper; *p; p++)
                                *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
                        bool prefixed = strncmp(upper, "CAP_", 4) == 0;
                        error_set(err, 0, "%s: unknown capability: \"%s%s\"", flag,
                                  prefixed ? "" : "CAP_", upper);
                        return NULL;
                }
                json_list_add(list, canonical);
        }
        return list;
}

json_t *engine_capabilities_merge(char **add, char **drop, struct error **err)
{
        bool add_all, drop_all;
        json_t *adds = normalize(add, "--cap-add", &add_all, err);
        if (adds == NULL)
                return NULL;
        json_t *drops = normalize(drop, "--cap-drop", &drop_all, err);
        if (drops == NULL) {
                json_decref(adds);
                return NULL;
        }
        json_t *caps = json_array();
        if (add_all) {
                /* Everything but what is dropped (drop ALL with add ALL keeps everything, as
                 * docker: ALL in --cap-add wins). */
                json_t *all = engine_capabilities_all();
                size_t i;
                json_t *item;
                json_array_foreach(all, i, item)
                {
                        if (!json_list_has(drops, json_string_value(item)))
                                json_list_add(caps, json_string_value(item));
                }
                json_decref(all);
        } else {
                if (!drop_all)
                        for (size_t i = 0; i < ARRAY_SIZE(docker_default_capabilities); i++)
                                if (!json_list_has(drops, docker_default_capabilities[i]))
                                        json_list_add(caps, docker_default_capabilities[i]);
                size_t i;
                json_t *item;
                json_array_foreach(adds, i, item)
                {
                        json_list_add(caps, json_string_value(item));
                }
        }
        json_decref(adds);
        json_decref(drops);
        return caps;
}

json_t *engine_capabilities_of(char **add, struct error **err)
{
        bool add_all;
        json_t *adds = normalize(add, "--cap-add", &add_all, err);
        if (adds == NULL || !add_all)
                return adds;
        json_decref(adds);
        return engine_capabilities_all();
}

/* ---- seccomp ---- */

struct native_arch {
        const char *seccomp; /* SCMP_ARCH_* */
        const char *go;      /* the name includes.arches uses (Go's GOARCH) */
};

static struct native_arch native_arch(void)
{
#if defined(__x86_64__)
        return (struct native_arch){"SCMP_ARCH_X86_64", "amd64"};
#elif defined(__aarch64__)
        return (struct native_arch){"SCMP_ARCH_AARCH64", "arm64"};
#elif defined(__i386__)
        return (struct native_arch){"SCMP_ARCH_X86", "386"};
#elif defined(__arm__)
        return (struct native_arch){"SCMP_ARCH_ARM", "arm"};
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return (struct native_arch){"SCMP_ARCH_PPC64LE", "ppc64le"};
#elif defined(__s390x__)
        return (struct native_arch){"SCMP_ARCH_S390X", "s390x"};
#elif defined(__riscv) && __riscv_xlen == 64
        return (struct native_arch){"SCMP_ARCH_RISCV64", "riscv64"};
#else
        return (struct native_arch){"", ""};
#endif
}

/* major*1000+minor of "5.10" or of the running kernel's release. */
static long kernel_version_of(const char *text)
{
        char *end;
        long major = strtol(text, &end, 10);
        long minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
        return major * 1000 + minor;
}

static bool strings_has(json_t *list, const char *name)
{
        return json_is_array(list) && json_list_has(list, name);
}

/* Whether a rule applies here: docker's includes/excludes (profiles/seccomp). */
static bool rule_applies(json_t *rule, json_t *capabilities, const struct native_arch *arch)
{
        json_t *includes = json_object_get(rule, "includes");
        json_t *excludes = json_object_get(rule, "excludes");
        json_t *arches = json_object_get(includes, "arches");
        if (json_array_size(arches) > 0 && !strings_has(arches, arch->go))
                return false;
        if (strings_has(json_object_get(excludes, "arches"), arch->go))
                return false;
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(includes, "caps"), i, item)
        {
                if (!json_is_string(item) || !json_list_has(capabilities, json_string_value(item)))
                        return false;
        }
        json_array_foreach(json_object_get(excludes, "caps"), i, item)
        {
                if (json_is_string(item) && json_list_has(capabilities, json_string_value(item)))
                        return false;
        }
        const char *min_kernel = json_string_value(json_object_get(includes, "minKernel"));
        if (min_kernel) {
                struct utsname u;
                if (uname(&u) == 0 && kernel_version_of(u.release) < kernel_version_of(min_kernel))
                        return false;
        }
        return true;
}

json_t *engine_seccomp_convert(json_t *profile, json_t *capabilities, struct error **err)
{
        if (!json_is_object(profile))
                return error_set(err, 0, "seccomp profile: not a JSON object"), NULL;
        const char *default_action = json_string_value(json_object_get(profile, "defaultAction"));
        if (default_action == NULL)
                return error_set(err, 0, "seccomp profile: defaultAction is required"), NULL;

        struct native_arch arch = native_arch();
        json_t *out = json_object();
        json_object_set_new(out, "defaultAction", json_string(default_action));
        json_t *errno_ret = json_object_get(profile, "defaultErrnoRet");
        if (json_is_integer(errno_ret))
                json_object_set(out, "defaultErrnoRet", errno_ret);

        /* archMap: the native arch and its sub-arches; a plain "architectures" list as is. */
        json_t *architectures = json_array();
        json_t *arch_map = json_object_get(profile, "archMap");
        size_t i;
        json_t *item;
        json_array_foreach(arch_map, i, item)
        {
                const char *name = json_string_value(json_object_get(item, "architecture"));
                if (name == NULL || strcmp(name, arch.seccomp) != 0)
                        continue;
                json_list_add(architectures, name);
                size_t j;
                json_t *sub;
                json_array_foreach(json_object_get(item, "subArchitectures"), j, sub)
                {
                        if (json_is_string(sub))
                                json_list_add(architectures, json_string_value(sub));
                }
        }
        json_array_foreach(json_object_get(profile, "architectures"), i, item)
        {
                if (json_is_string(item))
                        json_list_add(architectures, json_string_value(item));
        }
        if (json_array_size(architectures) > 0)
                json_object_set_new(out, "architectures", architectures);
        else
                json_decref(architectures);
        const char *const passed_through[] = {"flags", "listenerPath", "listenerMetadata"};
        for (size_t k = 0; k < ARRAY_SIZE(passed_through); k++) {
                json_t *value = json_object_get(profile, passed_through[k]);
                if (value)
                        json_object_set(out, passed_through[k], value);
        }

        json_t *syscalls = json_array();
        json_array_foreach(json_object_get(profile, "syscalls"), i, item)
        {
                if (!json_is_object(item)) {
                        json_decref(out);
                        json_decref(syscalls);
                        return error_set(err, 0, "seccomp profile: syscalls[%zu]: not an object",
                                         i),
                               NULL;
                }
                if (!rule_applies(item, capabilities, &arch))
                        continue;
                json_t *rule = json_object();
                json_t *names = json_object_get(item, "names");
                const char *name = json_string_value(json_object_get(item, "name"));
                if (json_is_array(names))
                        json_object_set_new(rule, "names", json_deep_copy(names));
                else
                        json_object_set_new(rule, "names", json_array());
                if (name)
                        json_array_append_new(json_object_get(rule, "names"), json_string(name));
                json_t *action = json_object_get(item, "action");
                if (!json_is_string(action) ||
                    json_array_size(json_object_get(rule, "names")) == 0) {
                        json_decref(rule);
                        json_decref(out);
                        json_decref(syscalls);
                        return error_set(
                                   err, 0,
                                   "seccomp profile: syscalls[%zu]: needs names and an action", i),
                               NULL;
                }
                json_object_set(rule, "action", action);
                json_t *rule_errno = json_object_get(item, "errnoRet");
                if (json_is_integer(rule_errno))
                        json_object_set(rule, "errnoRet", rule_errno);
                json_t *args = json_object_get(item, "args");
                if (json_array_size(args) > 0)
                        json_object_set_new(rule, "args", json_deep_copy(args));
                json_array_append_new(syscalls, rule);
        }
        json_object_set_new(out, "syscalls", syscalls);
        return out;
}

json_t *engine_seccomp_load(const char *path, json_t *capabilities, struct error **err)
{
        json_error_t json_err;
        json_t *profile = json_load_file(path, 0, &json_err);
        if (profile == NULL)
                return error_set(err, 0, "seccomp profile %s: %s (line %d)", path, json_err.text,
                                 json_err.line),
                       NULL;
        json_t *out = engine_seccomp_convert(profile, capabilities, err);
        json_decref(profile);
        if (out == NULL)
                error_wrap(err, "%s", path);
        return out;
}
