/*
 * config.json from an image config and `berth run` flags: runc's default spec (spec_default.c)
 * changed the way docker's daemon (daemon/oci_linux.go) and podman (pkg/specgen/generate)
 * change theirs. docs/engine.md lists every rule.
 */
#include "container_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "alloc.h"
#include "container_config_internal.h"
#include "error.h"
#include "process.h"
#include "spec_default.h"

#define DEFAULT_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* docker's minimum for --memory (daemon/daemon_unix.go linuxMinMemory). */
#define MIN_MEMORY (6 * 1024 * 1024)
#define CPU_PERIOD 100000

static json_t *string_array(char **items)
{
        json_t *array = json_array();
        for (size_t i = 0; items && items[i]; i++)
                json_array_append_new(array, json_string(items[i]));
        return array;
}

/* Appends the strings of a JSON array (non-strings are skipped) to out. */
static void append_strings(json_t *out, json_t *list)
{
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                if (json_is_string(item))
                        json_array_append(out, item);
        }
}

/* docker's rule for Entrypoint and Cmd (runconfig merge + daemon getEntrypointAndArgs):
 * --entrypoint replaces the image's and drops its Cmd; a command replaces Cmd. */
static json_t *process_args(const struct engine_create_options *o, json_t *image_config,
                            struct error **err)
{
        json_t *args = json_array();
        bool has_command = o->command && o->command[0];
        if (o->entrypoint) {
                /* `--entrypoint ""` clears the entrypoint. */
                for (size_t i = 0; o->entrypoint[i]; i++)
                        if (!(i == 0 && o->entrypoint[i][0] == '\0' && !o->entrypoint[1]))
                                json_array_append_new(args, json_string(o->entrypoint[i]));
        } else {
                append_strings(args, json_object_get(image_config, "Entrypoint"));
        }
        if (has_command) {
                for (size_t i = 0; o->command[i]; i++)
                        json_array_append_new(args, json_string(o->command[i]));
        } else if (o->entrypoint == NULL) {
                append_strings(args, json_object_get(image_config, "Cmd"));
        }
        if (json_array_size(args) == 0) {
                json_decref(args);
                error_set(err, 0, "no command specified");
                return NULL;
        }
        if (o->init_path) {
                json_array_insert_new(args, 0, json_string("--"));
                json_array_insert_new(args, 0, json_string(ENGINE_INIT_PATH));
        }
        return args;
}

static size_t key_length(const char *entry)
{
        const char *eq = strchr(entry, '=');
        return eq ? (size_t)(eq - entry) : strlen(entry);
}

static bool same_key(const char *a, const char *b)
{
        size_t n = key_length(a);
        return n == key_length(b) && strncmp(a, b, n) == 0;
}

static ssize_t find_key(json_t *env, const char *entry)
{
        size_t i;
        json_t *item;
        json_array_foreach(env, i, item)
        {
                if (same_key(json_string_value(item), entry))
                        return (ssize_t)i;
        }
        return -1;
}

/* moby's ReplaceOrAppendEnvValues: an override replaces the default of the same key in
 * place, a new key is appended, "KEY" without "=" removes it. */
static void replace_or_append(json_t *env, json_t *overrides)
{
        size_t i;
        json_t *item;
        json_array_foreach(overrides, i, item)
        {
                const char *entry = json_string_value(item);
                ssize_t at = find_key(env, entry);
                if (strchr(entry, '=') == NULL) {
                        if (at >= 0)
                                json_array_remove(env, (size_t)at);
                } else if (at >= 0) {
                        json_array_set(env, (size_t)at, item);
                } else {
                        json_array_append(env, item);
                }
        }
}

/* The container's environment, as docker builds it: PATH, HOSTNAME, TERM (with a tty),
 * then the config's Env, which is the user's -e list followed by the image's entries the
 * user did not override (runconfig merge). */
static json_t *process_env(const struct engine_create_options *o, json_t *image_config,
                           const char *hostname)
{
        json_t *config_env = json_array();
        json_t *user_env = string_array(o->env);
        append_strings(config_env, user_env);
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(image_config, "Env"), i, item)
        {
                const char *entry = json_string_value(item);
                if (entry && strchr(entry, '=') && find_key(user_env, entry) < 0)
                        json_array_append(config_env, item);
        }
        json_decref(user_env);

        json_t *env = json_array();
        json_array_append_new(env, json_string(DEFAULT_PATH_ENV));
        _cleanup_free_ char *hostname_env = xasprintf("HOSTNAME=%s", hostname);
        json_array_append_new(env, json_string(hostname_env));
        if (o->tty)
                json_array_append_new(env, json_string("TERM=xterm"));
        replace_or_append(env, config_env);
        json_decref(config_env);
        return env;
}

static int process_cwd(const struct engine_create_options *o, json_t *image_config,
                       const char **cwd, struct error **err)
{
        const char *image_dir = json_string_value(json_object_get(image_config, "WorkingDir"));
        if (o->workdir && *o->workdir) {
                if (o->workdir[0] != '/')
                        return error_set(err, 0,
                                         "--workdir: the working directory '%s' is invalid, it "
                                         "needs to be an absolute path",
                                         o->workdir);
                *cwd = o->workdir;
        } else if (image_dir && image_dir[0] == '/') {
                *cwd = image_dir;
        } else {
                /* An empty or relative WorkingDir (no builder writes one) is "/". */
                *cwd = "/";
        }
        return 0;
}

static json_t *user_json(const struct engine_user *user)
{
        json_t *obj = json_object();
        json_object_set_new(obj, "uid", json_integer(user->uid));
        json_object_set_new(obj, "gid", json_integer(user->gid));
        json_t *gids = json_array();
        for (size_t i = 0; i < user->n_additional_gids; i++)
                json_array_append_new(gids, json_integer(user->additional_gids[i]));
        json_object_set_new(obj, "additionalGids", gids);
        return obj;
}

/* podman's split (specgen securityConfigureGenerator): root gets the whole set effective;
 * another user only what --cap-add names, also ambient so that it survives execve. */
static json_t *capabilities_json(const struct engine_create_options *o, json_t *bounding, bool root,
                                 struct error **err)
{
        json_t *user_caps = NULL;
        if (root || o->privileged) {
                user_caps = json_incref(bounding);
        } else {
                user_caps = engine_capabilities_of(o->cap_add, err);
                if (user_caps == NULL)
                        return NULL;
        }
        json_t *caps = json_object();
        json_object_set(caps, "bounding", bounding);
        json_object_set_new(caps, "effective", json_deep_copy(user_caps));
        json_object_set_new(caps, "permitted", json_deep_copy(user_caps));
        if (root || o->privileged) {
                json_object_set_new(caps, "inheritable", json_array());
                json_object_set_new(caps, "ambient", json_array());
        } else {
                json_object_set_new(caps, "inheritable", json_deep_copy(user_caps));
                json_object_set_new(caps, "ambient", json_deep_copy(user_caps));
        }
        json_decref(user_caps);
        return caps;
}

static json_t *rlimit_json(const char *type, int64_t soft, int64_t hard)
{
        json_t *obj = json_object();
        json_object_set_new(obj, "type", json_string(type));
        /* -1 (unlimited): the largest value config.json carries here. */
        json_object_set_new(obj, "hard", json_integer(hard < 0 ? INT64_MAX : hard));
        json_object_set_new(obj, "soft", json_integer(soft < 0 ? INT64_MAX : soft));
        return obj;
}

/* --ulimit entries, and nofile/nproc raised to the caller's hard limits when not given (as
 * podman does: a container is not held to a login shell's soft limit of 1024). */
static json_t *rlimits_json(const struct engine_create_options *o)
{
        json_t *list = json_array();
        for (size_t i = 0; i < o->n_ulimits; i++)
                json_array_append_new(
                    list, rlimit_json(o->ulimits[i].type, o->ulimits[i].soft, o->ulimits[i].hard));
        const struct {
                int resource;
                const char *type;
        } defaults[] = {{RLIMIT_NOFILE, "RLIMIT_NOFILE"}, {RLIMIT_NPROC, "RLIMIT_NPROC"}};
        for (size_t d = 0; d < ARRAY_SIZE(defaults); d++) {
                bool given = false;
                for (size_t i = 0; i < o->n_ulimits; i++)
                        given |= o->ulimits[i].resource == defaults[d].resource;
                struct rlimit current;
                if (given || getrlimit(defaults[d].resource, &current) < 0 ||
                    current.rlim_max == RLIM_INFINITY || current.rlim_max > INT64_MAX)
                        continue;
                json_array_append_new(list, rlimit_json(defaults[d].type, (int64_t)current.rlim_max,
                                                        (int64_t)current.rlim_max));
        }
        return list;
}

static int resources_json(const struct engine_create_options *o, json_t *resources,
                          struct error **err)
{
        if (o->privileged) {
                /* Every device may be used (none is created: the host's /dev is not copied). */
                json_t *allow_all = json_object();
                json_object_set_new(allow_all, "allow", json_true());
                json_object_set_new(allow_all, "access", json_string("rwm"));
                json_t *devices = json_array();
                json_array_append_new(devices, allow_all);
                json_object_set_new(resources, "devices", devices);
        }
        if (o->memory < 0)
                return error_set(err, 0, "--memory: invalid memory limit %lld",
                                 (long long)o->memory);
        if (o->memory > 0 && o->memory < MIN_MEMORY)
                return error_set(err, 0, "--memory: minimum memory limit allowed is 6MB");
        if (o->memory_swap != 0 && o->memory_swap != -1 && o->memory == 0)
                return error_set(err, 0,
                                 "--memory-swap: you should always set the memory limit when "
                                 "using memoryswap limit");
        if (o->memory_swap > 0 && o->memory_swap < o->memory)
                return error_set(err, 0,
                                 "--memory-swap: minimum memoryswap limit should be larger than "
                                 "memory limit");
        if (o->memory_swap < -1)
                return error_set(err, 0, "--memory-swap: invalid value %lld",
                                 (long long)o->memory_swap);
        if (o->memory > 0) {
                json_t *memory = json_object();
                json_object_set_new(memory, "limit", json_integer(o->memory));
                /* Unset: as much swap as memory (docker and podman). */
                int64_t swap = o->memory_swap == 0 ? 2 * o->memory : o->memory_swap;
                json_object_set_new(memory, "swap", json_integer(swap));
                json_object_set_new(resources, "memory", memory);
        }
        json_t *cpu = json_object();
        if (o->cpus != 0) {
                long online = sysconf(_SC_NPROCESSORS_ONLN);
                if (online < 1)
                        online = 1;
                if (o->cpus < 0.01 || o->cpus > (double)online) {
                        json_decref(cpu);
                        return error_set(err, 0,
                                         "--cpus: range of CPUs is from 0.01 to %ld.00, as there "
                                         "are only %ld CPUs available",
                                         online, online);
                }
                json_object_set_new(cpu, "quota",
                                    json_integer((int64_t)(o->cpus * CPU_PERIOD + 0.5)));
                json_object_set_new(cpu, "period", json_integer(CPU_PERIOD));
        }
        if (o->cpu_shares)
                json_object_set_new(cpu, "shares", json_integer((json_int_t)o->cpu_shares));
        if (json_object_size(cpu))
                json_object_set_new(resources, "cpu", cpu);
        else
                json_decref(cpu);
        if (o->pids_limit > 0 || o->pids_limit == -1) {
                json_t *pids = json_object();
                json_object_set_new(pids, "limit", json_integer(o->pids_limit));
                json_object_set_new(resources, "pids", pids);
        } else if (o->pids_limit < -1) {
                return error_set(err, 0, "--pids-limit: invalid value %lld",
                                 (long long)o->pids_limit);
        }
        return 0;
}

static json_t *namespaces_json(const struct engine_create_options *o)
{
        const char *const types[] = {"pid", "ipc", "uts", "mount", "cgroup"};
        json_t *list = json_array();
        for (size_t i = 0; i < ARRAY_SIZE(types); i++)
                json_array_append_new(list, json_pack("{s:s}", "type", types[i]));
        if (o->network == NULL || strcmp(o->network, "host") != 0) {
                json_t *ns = json_pack("{s:s}", "type", "network");
                if (o->network_namespace_path)
                        json_object_set_new(ns, "path", json_string(o->network_namespace_path));
                json_array_append_new(list, ns);
        }
        return list;
}

/* KEY=VAL entries into an object; errors name the flag. */
static int key_values(char **entries, const char *flag, json_t *out, struct error **err)
{
        for (size_t i = 0; entries && entries[i]; i++) {
                const char *eq = strchr(entries[i], '=');
                if (eq == NULL || eq == entries[i])
                        return error_set(err, 0, "%s: %s: must be KEY=VALUE", flag, entries[i]);
                _cleanup_free_ char *key = xstrndup(entries[i], (size_t)(eq - entries[i]));
                json_object_set_new(out, key, json_string(eq + 1));
        }
        return 0;
}

static void clear_readonly(json_t *mounts)
{
        size_t i;
        json_t *mount;
        json_array_foreach(mounts, i, mount)
        {
                const char *type = json_string_value(json_object_get(mount, "type"));
                if (!type || (strcmp(type, "sysfs") != 0 && strcmp(type, "cgroup") != 0))
                        continue;
                json_t *options = json_object_get(mount, "options");
                for (size_t j = json_array_size(options); j-- > 0;)
                        if (strcmp(json_string_value(json_array_get(options, j)), "ro") == 0)
                                json_array_set_new(options, j, json_string("rw"));
        }
}

static const char *const docker_masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

static int build(const struct engine_create_options *o, json_t *image_config, const char *rootfs,
                 const char *id, json_t *spec, struct error **err)
{
        json_t *process = json_object_get(spec, "process");
        json_t *linux_obj = json_object_get(spec, "linux");

        char host_name[256] = "";
        const char *hostname = o->hostname;
        if (hostname == NULL && o->network && strcmp(o->network, "host") == 0 &&
            gethostname(host_name, sizeof(host_name) - 1) == 0)
                hostname = host_name;
        _cleanup_free_ char *short_id = xstrndup(id, 12);
        if (hostname == NULL || *hostname == '\0')
                hostname = short_id;

        json_t *args = process_args(o, image_config, err);
        if (args == NULL)
                return -1;
        json_object_set_new(process, "args", args);
        json_object_set_new(process, "terminal", json_boolean(o->tty));
        json_object_set_new(process, "env", process_env(o, image_config, hostname));
        const char *cwd = "/";
        if (process_cwd(o, image_config, &cwd, err) < 0)
                return -1;
        json_object_set_new(process, "cwd", json_string(cwd));

        const char *user_spec = o->user;
        if (user_spec == NULL)
                user_spec = json_string_value(json_object_get(image_config, "User"));
        struct engine_user user;
        _cleanup_close_ int rootfd = rootfs ? open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        if (rootfs && rootfd < 0)
                return error_set(err, errno, "open rootfs %s", rootfs);
        if (engine_user_resolve(rootfd, user_spec, &user, err) < 0)
                return -1;
        json_object_set_new(process, "user", user_json(&user));
        bool root = user.uid == 0;
        engine_user_release(&user);

        json_t *bounding = o->privileged ? engine_capabilities_all()
                                         : engine_capabilities_merge(o->cap_add, o->cap_drop, err);
        if (bounding == NULL)
                return -1;
        json_t *caps = capabilities_json(o, bounding, root, err);
        if (caps == NULL) {
                json_decref(bounding);
                return -1;
        }
        json_object_set_new(process, "capabilities", caps);
        json_object_set_new(process, "rlimits", rlimits_json(o));
        json_object_set_new(process, "noNewPrivileges", json_boolean(o->no_new_privileges));

        json_t *root_obj = json_object_get(spec, "root");
        json_object_set_new(root_obj, "path", json_string(rootfs ? rootfs : "rootfs"));
        json_object_set_new(root_obj, "readonly", json_boolean(o->read_only));
        json_object_set_new(spec, "hostname", json_string(hostname));

        json_t *mounts = json_object_get(spec, "mounts");
        if (o->privileged)
                clear_readonly(mounts);
        if (engine_mounts_apply(o, mounts, err) < 0) {
                json_decref(bounding);
                return -1;
        }

        json_t *resources = json_object_get(linux_obj, "resources");
        if (resources_json(o, resources, err) < 0) {
                json_decref(bounding);
                return -1;
        }
        json_object_set_new(linux_obj, "namespaces", namespaces_json(o));
        _cleanup_free_ char *cgroups_path = xasprintf("berth-%s", id);
        json_object_set_new(linux_obj, "cgroupsPath", json_string(cgroups_path));
        if (o->privileged) {
                json_object_del(linux_obj, "maskedPaths");
                json_object_del(linux_obj, "readonlyPaths");
        } else {
                json_t *masked = json_array();
                for (size_t i = 0; i < ARRAY_SIZE(docker_masked_paths); i++)
                        json_array_append_new(masked, json_string(docker_masked_paths[i]));
                json_object_set_new(linux_obj, "maskedPaths", masked);
        }
        json_t *sysctl = json_object();
        json_object_set_new(linux_obj, "sysctl", sysctl);
        if (key_values(o->sysctls, "--sysctl", sysctl, err) < 0) {
                json_decref(bounding);
                return -1;
        }
        if (json_object_size(sysctl) == 0)
                json_object_del(linux_obj, "sysctl");

        /* seccomp: podman's rule, a privileged container has none unless a file is named. */
        const char *profile = o->seccomp_profile;
        json_t *seccomp = NULL;
        if (profile == NULL && !o->privileged && access(ENGINE_DEFAULT_SECCOMP_PROFILE, R_OK) == 0)
                profile = ENGINE_DEFAULT_SECCOMP_PROFILE;
        if (profile && strcmp(profile, "unconfined") != 0) {
                seccomp = engine_seccomp_load(profile, bounding, err);
                if (seccomp == NULL) {
                        json_decref(bounding);
                        return error_wrap(err, "--security-opt seccomp");
                }
                json_object_set_new(linux_obj, "seccomp", seccomp);
        }
        json_decref(bounding);

        json_t *annotations = json_object();
        json_object_set_new(spec, "annotations", annotations);
        if (key_values(o->annotations, "--annotation", annotations, err) < 0)
                return -1;
        const char *stop_signal = o->stop_signal;
        const char *flag = "--stop-signal";
        if (stop_signal == NULL) {
                stop_signal = json_string_value(json_object_get(image_config, "StopSignal"));
                flag = "image StopSignal";
        }
        if (stop_signal == NULL) {
                stop_signal = "SIGTERM";
        }
        int signal_number = signal_parse(stop_signal);
        if (signal_number <= 0)
                return error_set(err, 0, "%s: invalid signal: %s", flag, stop_signal);
        _cleanup_free_ char *signal_text = xasprintf("%d", signal_number);
        json_object_set_new(annotations, ENGINE_STOP_SIGNAL_ANNOTATION, json_string(signal_text));
        return 0;
}

json_t *engine_container_config(const struct engine_create_options *o, json_t *image_config,
                                const char *rootfs, const char *id, struct error **err)
{
        _cleanup_free_ char *text = oci_spec_default_json(false);
        json_error_t json_err;
        json_t *spec = json_loads(text, 0, &json_err);
        if (spec == NULL) {
                error_set(err, 0, "default spec: %s", json_err.text);
                return NULL;
        }
        if (!json_is_object(image_config))
                image_config = NULL;
        if (build(o, image_config, rootfs, id, spec, err) < 0) {
                json_decref(spec);
                return NULL;
        }
        return spec;
}

char **engine_image_volumes_uncovered(const struct engine_create_options *o, json_t *image_config)
{
        json_t *volumes = json_object_get(image_config, "Volumes");
        char **out = xcalloc(json_object_size(volumes) + 1, sizeof(char *));
        size_t n = 0;
        const char *path;
        json_t *value;
        json_object_foreach(volumes, path, value)
        {
                size_t len = strlen(path);
                while (len > 1 && path[len - 1] == '/')
                        len--;
                bool covered = false;
                for (size_t i = 0; i < o->n_mounts && !covered; i++)
                        covered = strlen(o->mounts[i].destination) == len &&
                                  strncmp(o->mounts[i].destination, path, len) == 0;
                if (!covered && path[0] == '/')
                        out[n++] = xstrndup(path, len);
        }
        return out;
}
