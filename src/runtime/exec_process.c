/* The process of `exec` when given as flags: the container's own process (config.json's
 * "process", as create saw it) with runc's overrides applied, parsed again so it gets the
 * same checks as any config. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "container.h"
#include "error.h"
#include "runtime_config.h"

static json_t *string_array(char *const *items, size_t n)
{
        json_t *array = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(array, json_string(items[i]));
        return array;
}

/* KEY=VALUE entries replace the same KEY, or are added (as runc's -e). */
static void merge_env(json_t *process, char *const *env, size_t n)
{
        json_t *list = json_object_get(process, "env");
        if (!json_is_array(list)) {
                list = json_array();
                json_object_set_new(process, "env", list);
        }
        for (size_t i = 0; i < n; i++) {
                size_t key_len = strcspn(env[i], "=");
                size_t index;
                json_t *entry;
                bool replaced = false;
                json_array_foreach(list, index, entry)
                {
                        const char *old = json_string_value(entry);
                        if (old && strncmp(old, env[i], key_len) == 0 &&
                            (old[key_len] == '=' || old[key_len] == '\0')) {
                                json_array_set_new(list, index, json_string(env[i]));
                                replaced = true;
                                break;
                        }
                }
                if (!replaced)
                        json_array_append_new(list, json_string(env[i]));
        }
}

static int set_user(json_t *process, const char *spec, struct error **err)
{
        char *end;
        unsigned long uid = strtoul(spec, &end, 10);
        unsigned long gid = 0;
        if (end == spec || (*end != '\0' && *end != ':'))
                return error_set(err, 0, "--user %s: want UID[:GID] as numbers", spec);
        if (*end == ':') {
                const char *g = end + 1;
                gid = strtoul(g, &end, 10);
                if (end == g || *end != '\0')
                        return error_set(err, 0, "--user %s: want UID[:GID] as numbers", spec);
        }
        json_t *user = json_object_get(process, "user");
        if (!json_is_object(user)) {
                user = json_object();
                json_object_set_new(process, "user", user);
        }
        json_object_set_new(user, "uid", json_integer((json_int_t)uid));
        json_object_set_new(user, "gid", json_integer((json_int_t)gid));
        return 0;
}

static void add_caps(json_t *process, char *const *caps, size_t n)
{
        static const char *const sets[] = {"bounding", "effective", "permitted"};
        json_t *all = json_object_get(process, "capabilities");
        if (!json_is_object(all)) {
                all = json_object();
                json_object_set_new(process, "capabilities", all);
        }
        for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
                json_t *set = json_object_get(all, sets[s]);
                if (!json_is_array(set)) {
                        set = json_array();
                        json_object_set_new(all, sets[s], set);
                }
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(set, json_string(caps[i]));
        }
}

struct oci_process *exec_process_from_flags(const struct oci_config *config,
                                            const struct exec_flags *flags, struct error **err)
{
        json_t *base = json_object_get(config->json, "process");
        json_t *process = base ? json_deep_copy(base) : json_object();
        json_object_set_new(process, "args", string_array(flags->args, flags->n_args));
        json_object_set_new(process, "terminal", json_boolean(flags->tty));
        /* The container's console size belongs to its own terminal. */
        json_object_del(process, "consoleSize");
        merge_env(process, flags->env, flags->n_env);
        if (flags->cwd)
                json_object_set_new(process, "cwd", json_string(flags->cwd));
        if (flags->no_new_privs)
                json_object_set_new(process, "noNewPrivileges", json_true());
        if (flags->n_caps)
                add_caps(process, flags->caps, flags->n_caps);
        if (flags->user && set_user(process, flags->user, err) < 0) {
                json_decref(process);
                return NULL;
        }
        if (flags->n_additional_gids) {
                json_t *user = json_object_get(process, "user");
                if (!json_is_object(user)) {
                        user = json_object();
                        json_object_set_new(process, "user", user);
                }
                json_t *gids = json_array();
                for (size_t i = 0; i < flags->n_additional_gids; i++)
                        json_array_append_new(gids, json_integer(flags->additional_gids[i]));
                json_object_set_new(user, "additionalGids", gids);
        }
        char *text = json_dumps(process, JSON_COMPACT);
        json_decref(process);
        struct oci_process *p = oci_process_parse(text, strlen(text), err);
        free(text);
        if (p == NULL)
                error_wrap(err, "exec process");
        return p;
}
