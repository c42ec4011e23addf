/* HostConfig as docker's inspect shows it (see container_host_config.h). */
#include "container_host_config.h"

#include <ctype.h>
#include <string.h>

#include "base/alloc.h"

/* A list of strings as a JSON array; docker prints null for a list never given. */
static json_t *string_list(char *const *items)
{
        if (items == NULL || items[0] == NULL)
                return json_null();
        json_t *a = json_array();
        for (size_t i = 0; items[i]; i++)
                json_array_append_new(a, json_string(items[i]));
        return a;
}

/* LIST (owned, may be NULL) with ITEM appended after a comma. */
static char *comma_append(char *list, const char *item)
{
        char *joined = xasprintf("%s%s%s", list ? list : "", list ? "," : "", item);
        free(list);
        return joined;
}

/* -v's SOURCE:DEST[:ro] for binds and named volumes (anonymous volumes are the image's or
 * Config.Volumes', not Binds), and --tmpfs's DEST -> OPTIONS. */
static void mounts(const struct engine_create_options *o, json_t *host)
{
        json_t *binds = json_array();
        json_t *tmpfs = json_object();
        for (size_t i = 0; i < o->n_mounts; i++) {
                const struct engine_mount *m = &o->mounts[i];
                if (m->type == ENGINE_MOUNT_TMPFS) {
                        _cleanup_free_ char *options = NULL;
                        for (size_t k = 0; k < m->n_options; k++)
                                options = comma_append(options, m->options[k]);
                        if (m->readonly)
                                options = comma_append(options, "ro");
                        json_object_set_new(tmpfs, m->destination,
                                            json_string(options ? options : ""));
                        continue;
                }
                if (m->source == NULL)
                        continue;
                json_array_append_new(binds, json_sprintf("%s:%s%s", m->source, m->destination,
                                                          m->readonly ? ":ro" : ""));
        }
        if (json_array_size(binds))
                json_object_set_new(host, "Binds", binds);
        else {
                json_decref(binds);
                json_object_set_new(host, "Binds", json_null());
        }
        /* omitempty in docker's struct */
        if (json_object_size(tmpfs))
                json_object_set_new(host, "Tmpfs", tmpfs);
        else
                json_decref(tmpfs);
}

/* --ulimit: [{"Name": "nofile", "Hard": N, "Soft": N}], docker's lower-case names. */
static json_t *ulimits(const struct engine_create_options *o)
{
        if (o->n_ulimits == 0)
                return json_null();
        json_t *a = json_array();
        for (size_t i = 0; i < o->n_ulimits; i++) {
                const char *type = o->ulimits[i].type;
                if (strncmp(type, "RLIMIT_", 7) == 0)
                        type += 7;
                _cleanup_free_ char *name = xstrdup(type);
                for (char *c = name; *c; c++)
                        *c = (char)tolower((unsigned char)*c);
                json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "Name", name, "Hard",
                                                   (json_int_t)o->ulimits[i].hard, "Soft",
                                                   (json_int_t)o->ulimits[i].soft));
        }
        return a;
}

/* --security-opt values as given: seccomp=PROFILE, no-new-privileges. */
static json_t *security_options(const struct engine_create_options *o)
{
        if (!o->seccomp_profile && !o->no_new_privileges)
                return json_null();
        json_t *a = json_array();
        if (o->seccomp_profile)
                json_array_append_new(a, json_sprintf("seccomp=%s", o->seccomp_profile));
        if (o->no_new_privileges)
                json_array_append_new(a, json_string("no-new-privileges"));
        return a;
}

/* --sysctl KEY=VAL as an object (omitempty in docker's struct: NULL when there is none). */
static json_t *sysctls(char *const *items)
{
        if (items == NULL || items[0] == NULL)
                return NULL;
        json_t *o = json_object();
        for (size_t i = 0; items[i]; i++) {
                const char *eq = strchr(items[i], '=');
                if (eq == NULL)
                        continue;
                _cleanup_free_ char *key = xstrndup(items[i], (size_t)(eq - items[i]));
                json_object_set_new(o, key, json_string(eq + 1));
        }
        return o;
}

json_t *engine_host_config_record(const struct engine_create_options *o,
                                  const struct engine_create_request *r)
{
        json_t *host = json_object();
        mounts(o, host);
        json_object_set_new(host, "Memory", json_integer(o->memory));
        /* docker: with --memory and no --memory-swap, swap as much again (twice the limit). */
        int64_t swap = o->memory_swap;
        if (swap == 0 && o->memory > 0)
                swap = 2 * o->memory;
        json_object_set_new(host, "MemorySwap", json_integer(swap));
        json_object_set_new(host, "NanoCpus", json_integer((json_int_t)(o->cpus * 1e9 + 0.5)));
        json_object_set_new(host, "CpuShares", json_integer((json_int_t)o->cpu_shares));
        json_object_set_new(host, "PidsLimit",
                            o->pids_limit ? json_integer(o->pids_limit) : json_null());
        json_object_set_new(host, "CapAdd", string_list(o->cap_add));
        json_object_set_new(host, "CapDrop", string_list(o->cap_drop));
        json_object_set_new(host, "Privileged", json_boolean(o->privileged));
        json_object_set_new(host, "ReadonlyRootfs", json_boolean(o->read_only));
        json_t *dns = string_list(r->dns);
        json_object_set_new(host, "Dns", json_is_null(dns) ? json_array() : dns);
        json_object_set_new(host, "ExtraHosts", string_list(r->add_hosts));
        json_object_set_new(host, "SecurityOpt", security_options(o));
        json_object_set_new(host, "Ulimits", ulimits(o));
        if (o->init_path)
                json_object_set_new(host, "Init", json_true());
        json_t *s = sysctls(o->sysctls);
        if (s)
                json_object_set_new(host, "Sysctls", s);
        json_t *log_config = json_object();
        if (r->log_max_size > 0)
                json_object_set_new(log_config, "max-size",
                                    json_sprintf("%lld", (long long)r->log_max_size));
        json_object_set_new(host, "LogConfig",
                            json_pack("{s:s, s:o}", "Type", "k8s-file", "Config", log_config));
        return host;
}
