/*
 * config.json: the document, its top-level fields, mounts, hooks and annotations
 * (runtime-spec config.md). The process and linux sections live in their own files.
 */
#include "runtime_config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "json_field.h"
#include "runtime_config_internal.h"

/* config.md: ociVersion MUST be SemVer 2.0.0, MAJOR.MINOR.PATCH[-pre][+build]. */
static bool is_semver(const char *s)
{
        for (int part = 0; part < 3; part++) {
                if (!isdigit((unsigned char)*s))
                        return false;
                if (*s == '0' && isdigit((unsigned char)s[1]))
                        return false;
                while (isdigit((unsigned char)*s))
                        s++;
                if (part < 2 && *s++ != '.')
                        return false;
        }
        if (*s == '\0')
                return true;
        if (*s != '-' && *s != '+')
                return false;
        if (*++s == '\0')
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr(".-+", *s))
                        return false;
        return true;
}

static int parse_root(struct oci_config *config, struct error **err)
{
        json_t *root;
        /* The spec makes root REQUIRED on every platform but Hyper-V; runc too. */
        if (json_field_object(config->json, "", "root", true, &root, err) < 0)
                return -1;
        if (json_field_string(root, "root", "path", true, &config->root_path, err) < 0)
                return -1;
        if (config->root_path[0] == '\0')
                return json_field_error(err, "root", "path", "must not be empty");
        return json_field_bool(root, "root", "readonly", &config->root_readonly, err);
}

static int parse_mount(json_t *obj, const char *path, struct oci_mount *mount, struct error **err)
{
        if (!json_is_object(obj))
                return json_field_error(err, path, NULL, "must be an object");
        /* config.md: on Linux destination SHOULD be absolute; a relative one is taken
         * relative to "/", so it is accepted here. */
        if (json_field_string(obj, path, "destination", true, &mount->destination, err) < 0)
                return -1;
        if (mount->destination[0] == '\0')
                return json_field_error(err, path, "destination", "must not be empty");
        if (json_field_string(obj, path, "type", false, &mount->type, err) < 0 ||
            json_field_string(obj, path, "source", false, &mount->source, err) < 0 ||
            json_field_string_array(obj, path, "options", &mount->options, &mount->n_options, err) <
                0)
                return -1;
        if (oci_id_mappings_from_json(obj, path, "uidMappings", &mount->uid_mappings,
                                      &mount->n_uid_mappings, err) < 0 ||
            oci_id_mappings_from_json(obj, path, "gidMappings", &mount->gid_mappings,
                                      &mount->n_gid_mappings, err) < 0)
                return -1;
        return 0;
}

static int parse_mounts(struct oci_config *config, struct error **err)
{
        json_t *mounts;
        int found = json_field_array(config->json, "", "mounts", false, &mounts, err);
        if (found <= 0)
                return found;
        config->mounts = xcalloc(json_array_size(mounts), sizeof(*config->mounts));
        size_t i;
        json_t *item;
        json_array_foreach(mounts, i, item)
        {
                _cleanup_free_ char *path = json_field_index_path("mounts", i);
                config->n_mounts = i + 1;
                if (parse_mount(item, path, &config->mounts[i], err) < 0)
                        return -1;
        }
        return 0;
}

static int parse_hook(json_t *obj, const char *path, struct oci_hook *hook, struct error **err)
{
        if (!json_is_object(obj))
                return json_field_error(err, path, NULL, "must be an object");
        /* config.md "POSIX-platform Hooks": path MUST be absolute. */
        if (json_field_string(obj, path, "path", true, &hook->path, err) < 0)
                return -1;
        if (hook->path[0] != '/')
                return json_field_error(err, path, "path", "must be an absolute path");
        if (json_field_string_array(obj, path, "args", &hook->args, &hook->n_args, err) < 0 ||
            json_field_string_array(obj, path, "env", &hook->env, &hook->n_env, err) < 0)
                return -1;
        int64_t timeout = 0;
        int found =
            json_field_integer(obj, path, "timeout", false, INT32_MIN, INT32_MAX, &timeout, err);
        if (found < 0)
                return -1;
        if (found && timeout <= 0)
                return json_field_error(err, path, "timeout", "must be greater than zero");
        hook->timeout = (int)timeout;
        return 0;
}

static int parse_hook_list(json_t *hooks, const char *key, struct oci_hook_list *list,
                           struct error **err)
{
        json_t *array;
        int found = json_field_array(hooks, "hooks", key, false, &array, err);
        if (found <= 0)
                return found;
        list->items = xcalloc(json_array_size(array), sizeof(*list->items));
        size_t i;
        json_t *item;
        json_array_foreach(array, i, item)
        {
                _cleanup_free_ char *hooks_key = json_field_path("hooks", key);
                _cleanup_free_ char *path = json_field_index_path(hooks_key, i);
                list->len = i + 1;
                if (parse_hook(item, path, &list->items[i], err) < 0)
                        return -1;
        }
        return 0;
}

static const struct {
        const char *key;
        size_t offset;
} hook_kinds[] = {
    {"prestart", offsetof(struct oci_hooks, prestart)},
    {"createRuntime", offsetof(struct oci_hooks, create_runtime)},
    {"createContainer", offsetof(struct oci_hooks, create_container)},
    {"startContainer", offsetof(struct oci_hooks, start_container)},
    {"poststart", offsetof(struct oci_hooks, poststart)},
    {"poststop", offsetof(struct oci_hooks, poststop)},
};

static struct oci_hook_list *hook_list_at(struct oci_hooks *hooks, size_t offset)
{
        return (struct oci_hook_list *)((char *)hooks + offset);
}

static int parse_hooks(struct oci_config *config, struct error **err)
{
        json_t *hooks;
        int found = json_field_object(config->json, "", "hooks", false, &hooks, err);
        if (found <= 0)
                return found;
        for (size_t i = 0; i < ARRAY_SIZE(hook_kinds); i++) {
                struct oci_hook_list *list = hook_list_at(&config->hooks, hook_kinds[i].offset);
                if (parse_hook_list(hooks, hook_kinds[i].key, list, err) < 0)
                        return -1;
        }
        return 0;
}

static int parse_process(struct oci_config *config, struct error **err)
{
        json_t *process;
        int found = json_field_object(config->json, "", "process", false, &process, err);
        if (found <= 0)
                return found;
        config->process = xcalloc(1, sizeof(*config->process));
        return oci_process_from_json(process, "process", config->process, err);
}

static int parse_linux(struct oci_config *config, struct error **err)
{
        json_t *linux_obj;
        int found = json_field_object(config->json, "", "linux", false, &linux_obj, err);
        if (found < 0)
                return -1;
        config->has_linux = found;
        if (found)
                return oci_linux_from_json(linux_obj, "linux", &config->linux_config, err);
        /* Parse an empty section so the lists are allocated and empty, as promised. */
        json_t *empty = json_object();
        int ret = oci_linux_from_json(empty, "linux", &config->linux_config, err);
        json_decref(empty);
        return ret;
}

static int parse_document(struct oci_config *config, struct error **err)
{
        json_t *json = config->json;
        if (json_field_string(json, "", "ociVersion", true, &config->oci_version, err) < 0)
                return -1;
        if (!is_semver(config->oci_version))
                return json_field_error(err, "", "ociVersion",
                                        "\"%s\" is not a semantic version (like 1.2.0)",
                                        config->oci_version);
        if (parse_root(config, err) < 0)
                return -1;
        if (json_field_string(json, "", "hostname", false, &config->hostname, err) < 0 ||
            json_field_string(json, "", "domainname", false, &config->domainname, err) < 0)
                return -1;
        if (parse_mounts(config, err) < 0 || parse_process(config, err) < 0 ||
            parse_hooks(config, err) < 0)
                return -1;
        if (json_field_string_map(json, "", "annotations", &config->annotations,
                                  &config->n_annotations, err) < 0)
                return -1;
        return parse_linux(config, err);
}

struct oci_config *oci_config_parse(const char *text, size_t len, struct error **err)
{
        json_error_t json_err;
        json_t *json = json_loadb(text, len, 0, &json_err);
        if (json == NULL) {
                error_set(err, 0, "invalid json at line %d column %d: %s", json_err.line,
                          json_err.column, json_err.text);
                return NULL;
        }
        _cleanup_oci_config_ struct oci_config *config = xcalloc(1, sizeof(*config));
        config->json = json;
        if (!json_is_object(json)) {
                error_set(err, 0, "config: must be a json object");
                return NULL;
        }
        if (parse_document(config, err) < 0)
                return NULL;
        return steal_pointer(&config);
}

struct oci_config *oci_config_load(const char *path, struct error **err)
{
        size_t len;
        _cleanup_free_ char *text = fs_read_file(path, &len, err);
        if (text == NULL)
                return NULL;
        struct oci_config *config = oci_config_parse(text, len, err);
        if (config == NULL)
                error_wrap(err, "%s", path);
        return config;
}

static void mount_release(struct oci_mount *mount)
{
        free(mount->destination);
        free(mount->type);
        free(mount->source);
        json_field_free_strings(mount->options);
        free(mount->uid_mappings);
        free(mount->gid_mappings);
}

static void hook_list_release(struct oci_hook_list *list)
{
        for (size_t i = 0; i < list->len; i++) {
                free(list->items[i].path);
                json_field_free_strings(list->items[i].args);
                json_field_free_strings(list->items[i].env);
        }
        free(list->items);
}

void oci_config_free(struct oci_config *config)
{
        if (config == NULL)
                return;
        free(config->oci_version);
        free(config->root_path);
        free(config->hostname);
        free(config->domainname);
        for (size_t i = 0; i < config->n_mounts; i++)
                mount_release(&config->mounts[i]);
        free(config->mounts);
        oci_process_free(config->process);
        for (size_t i = 0; i < ARRAY_SIZE(hook_kinds); i++)
                hook_list_release(hook_list_at(&config->hooks, hook_kinds[i].offset));
        json_field_free_key_values(config->annotations, config->n_annotations);
        oci_linux_release(&config->linux_config);
        json_decref(config->json);
        free(config);
}

const char *oci_config_annotation(const struct oci_config *config, const char *key)
{
        for (size_t i = 0; i < config->n_annotations; i++)
                if (strcmp(config->annotations[i].key, key) == 0)
                        return config->annotations[i].value;
        return NULL;
}
