/*
 * config.json "process" (runtime-spec config.md "Process", "POSIX process", "Linux
 * Process", "User"), also used alone for the --process file of `exec`.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "alloc.h"
#include "error.h"
#include "json_field.h"
#include "runtime_config.h"
#include "runtime_config_internal.h"

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int oci_rlimit_parse(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
                if (strcmp(name, rlimit_names[i].name) == 0)
                        return rlimit_names[i].resource;
        return -1;
}

static int parse_console_size(json_t *process, const char *path, struct oci_process *out,
                              struct error **err)
{
        json_t *size;
        int found = json_field_object(process, path, "consoleSize", false, &size, err);
        if (found <= 0)
                return found;
        _cleanup_free_ char *size_path = json_field_path(path, "consoleSize");
        int64_t height, width;
        if (json_field_integer(size, size_path, "height", true, 0, UINT32_MAX, &height, err) < 0 ||
            json_field_integer(size, size_path, "width", true, 0, UINT32_MAX, &width, err) < 0)
                return -1;
        out->console_height = (unsigned)height;
        out->console_width = (unsigned)width;
        return 0;
}

static int parse_gids(json_t *user, const char *path, struct oci_user *out, struct error **err)
{
        json_t *gids;
        int found = json_field_array(user, path, "additionalGids", false, &gids, err);
        if (found <= 0)
                return found;
        out->additional_gids = xcalloc(json_array_size(gids), sizeof(gid_t));
        size_t i;
        json_t *item;
        json_array_foreach(gids, i, item)
        {
                json_int_t gid = json_is_integer(item) ? json_integer_value(item) : -1;
                if (gid < 0 || gid > UINT32_MAX)
                        return json_field_error(err, path, "additionalGids",
                                                "must be an array of integers between 0 and "
                                                "4294967295 (item %zu is not)",
                                                i);
                out->additional_gids[i] = (gid_t)gid;
                out->n_additional_gids = i + 1;
        }
        return 0;
}

static int parse_user(json_t *process, const char *path, struct oci_user *out, struct error **err)
{
        json_t *user;
        /* The spec lists user as the POSIX user; runc defaults a missing one to 0:0. */
        int found = json_field_object(process, path, "user", false, &user, err);
        if (found <= 0)
                return found;
        _cleanup_free_ char *user_path = json_field_path(path, "user");
        int64_t uid, gid, umask = 0;
        if (json_field_integer(user, user_path, "uid", true, 0, UINT32_MAX, &uid, err) < 0 ||
            json_field_integer(user, user_path, "gid", true, 0, UINT32_MAX, &gid, err) < 0)
                return -1;
        out->uid = (uid_t)uid;
        out->gid = (gid_t)gid;
        found = json_field_integer(user, user_path, "umask", false, 0, UINT32_MAX, &umask, err);
        if (found < 0)
                return -1;
        out->has_umask = found;
        out->umask = (mode_t)umask;
        if (parse_gids(user, user_path, out, err) < 0)
                return -1;
        return json_field_string(user, user_path, "username", false, &out->username, err);
}

static int parse_capabilities(json_t *process, const char *path, struct oci_process *out,
                              struct error **err)
{
        json_t *caps;
        int found = json_field_object(process, path, "capabilities", false, &caps, err);
        if (found < 0)
                return -1;
        out->has_capabilities = found;
        /* Unknown names are not an error: the spec asks for a warning when one cannot be
         * granted, which the runtime gives when it applies them. */
        _cleanup_free_ char *caps_path = json_field_path(path, "capabilities");
        json_t *obj = found ? caps : NULL;
        struct oci_capabilities *c = &out->capabilities;
        if (json_field_string_array(obj, caps_path, "bounding", &c->bounding, &c->n_bounding, err) <
                0 ||
            json_field_string_array(obj, caps_path, "effective", &c->effective, &c->n_effective,
                                    err) < 0 ||
            json_field_string_array(obj, caps_path, "inheritable", &c->inheritable,
                                    &c->n_inheritable, err) < 0 ||
            json_field_string_array(obj, caps_path, "permitted", &c->permitted, &c->n_permitted,
                                    err) < 0 ||
            json_field_string_array(obj, caps_path, "ambient", &c->ambient, &c->n_ambient, err) < 0)
                return -1;
        return 0;
}

static int parse_rlimit(json_t *obj, const char *path, struct oci_rlimit *out, struct error **err)
{
        if (!json_is_object(obj))
                return json_field_error(err, path, NULL, "must be an object");
        if (json_field_string(obj, path, "type", true, &out->type, err) < 0)
                return -1;
        out->resource = oci_rlimit_parse(out->type);
        if (out->resource < 0)
                return json_field_error(err, path, "type", "unknown resource limit \"%s\"",
                                        out->type);
        int64_t soft, hard;
        if (json_field_integer(obj, path, "soft", true, 0, INT64_MAX, &soft, err) < 0 ||
            json_field_integer(obj, path, "hard", true, 0, INT64_MAX, &hard, err) < 0)
                return -1;
        out->soft = (uint64_t)soft;
        out->hard = (uint64_t)hard;
        return 0;
}

static int parse_rlimits(json_t *process, const char *path, struct oci_process *out,
                         struct error **err)
{
        json_t *rlimits;
        int found = json_field_array(process, path, "rlimits", false, &rlimits, err);
        if (found <= 0)
                return found;
        _cleanup_free_ char *list_path = json_field_path(path, "rlimits");
        out->rlimits = xcalloc(json_array_size(rlimits), sizeof(*out->rlimits));
        size_t i;
        json_t *item;
        json_array_foreach(rlimits, i, item)
        {
                _cleanup_free_ char *item_path = json_field_index_path(list_path, i);
                out->n_rlimits = i + 1;
                if (parse_rlimit(item, item_path, &out->rlimits[i], err) < 0)
                        return -1;
                /* config.md: duplicated types MUST be an error. */
                for (size_t j = 0; j < i; j++)
                        if (out->rlimits[j].resource == out->rlimits[i].resource)
                                return json_field_error(err, item_path, "type",
                                                        "duplicate resource limit \"%s\"",
                                                        out->rlimits[i].type);
        }
        return 0;
}

static int parse_args(json_t *process, const char *path, struct oci_process *out,
                      struct error **err)
{
        if (json_field_string_array(process, path, "args", &out->args, &out->n_args, err) < 0)
                return -1;
        /* config.md: at least one entry is REQUIRED (non-Windows). */
        if (out->n_args == 0)
                return json_field_error(err, path, "args", "must be a non-empty array of strings");
        if (out->args[0][0] == '\0')
                return json_field_error(err, path, "args", "the first entry must not be empty");
        return 0;
}

int oci_process_from_json(json_t *obj, const char *path, struct oci_process *out,
                          struct error **err)
{
        if (json_field_bool(obj, path, "terminal", &out->terminal, err) < 0 ||
            parse_console_size(obj, path, out, err) < 0 ||
            parse_user(obj, path, &out->user, err) < 0 || parse_args(obj, path, out, err) < 0 ||
            json_field_string_array(obj, path, "env", &out->env, &out->n_env, err) < 0)
                return -1;
        if (json_field_string(obj, path, "cwd", true, &out->cwd, err) < 0)
                return -1;
        if (out->cwd[0] != '/')
                return json_field_error(err, path, "cwd", "must be an absolute path");
        if (parse_capabilities(obj, path, out, err) < 0 || parse_rlimits(obj, path, out, err) < 0)
                return -1;
        if (json_field_bool(obj, path, "noNewPrivileges", &out->no_new_privileges, err) < 0 ||
            json_field_string(obj, path, "apparmorProfile", false, &out->apparmor_profile, err) <
                0 ||
            json_field_string(obj, path, "selinuxLabel", false, &out->selinux_label, err) < 0)
                return -1;
        /* The kernel takes oom_score_adj in [-1000, 1000]; anything else cannot be set. */
        int64_t adj = 0;
        int found = json_field_integer(obj, path, "oomScoreAdj", false, -1000, 1000, &adj, err);
        if (found < 0)
                return -1;
        out->has_oom_score_adj = found;
        out->oom_score_adj = (int)adj;
        return oci_process_check_shapes(obj, path, err);
}

void oci_process_release(struct oci_process *p)
{
        free(p->user.additional_gids);
        free(p->user.username);
        json_field_free_strings(p->args);
        json_field_free_strings(p->env);
        free(p->cwd);
        json_field_free_strings(p->capabilities.bounding);
        json_field_free_strings(p->capabilities.effective);
        json_field_free_strings(p->capabilities.inheritable);
        json_field_free_strings(p->capabilities.permitted);
        json_field_free_strings(p->capabilities.ambient);
        for (size_t i = 0; i < p->n_rlimits; i++)
                free(p->rlimits[i].type);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
}

void oci_process_free(struct oci_process *process)
{
        if (process == NULL)
                return;
        oci_process_release(process);
        free(process);
}

struct oci_process *oci_process_parse(const char *text, size_t len, struct error **err)
{
        json_error_t json_err;
        json_t *json = json_loadb(text, len, 0, &json_err);
        if (json == NULL) {
                error_set(err, 0, "invalid json at line %d column %d: %s", json_err.line,
                          json_err.column, json_err.text);
                return NULL;
        }
        struct oci_process *process = xcalloc(1, sizeof(*process));
        int ret = json_is_object(json) ? oci_process_from_json(json, "process", process, err)
                                       : error_set(err, 0, "process: must be a json object");
        json_decref(json);
        if (ret < 0) {
                oci_process_free(process);
                return NULL;
        }
        return process;
}
