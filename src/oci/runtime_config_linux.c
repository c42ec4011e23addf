/*
 * config.json "linux" (runtime-spec config-linux.md): namespaces, id mappings, devices,
 * sysctl, masked and read-only paths, propagation. resources, seccomp, personality and
 * intelRdt stay JSON (borrowed from the document) for the modules that apply them; their
 * types are checked by runtime_config_shapes.c.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json_field.h"
#include "runtime_config.h"
#include "runtime_config_internal.h"

static const char *const namespace_names[OCI_NS_COUNT] = {
    [OCI_NS_PID] = "pid",       [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
    [OCI_NS_IPC] = "ipc",       [OCI_NS_UTS] = "uts",         [OCI_NS_USER] = "user",
    [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_namespace_type_name(enum oci_namespace_type type)
{
        return (unsigned)type < OCI_NS_COUNT ? namespace_names[type] : NULL;
}

int oci_namespace_type_parse(const char *name)
{
        for (int i = 0; i < OCI_NS_COUNT; i++)
                if (strcmp(name, namespace_names[i]) == 0)
                        return i;
        return -1;
}

const struct oci_namespace *oci_config_namespace(const struct oci_config *config,
                                                 enum oci_namespace_type type)
{
        const struct oci_linux *l = &config->linux_config;
        for (size_t i = 0; i < l->n_namespaces; i++)
                if (l->namespaces[i].type == type)
                        return &l->namespaces[i];
        return NULL;
}

static int parse_namespace(json_t *obj, const char *path, struct oci_namespace *out,
                           struct error **err)
{
        if (!json_is_object(obj))
                return json_field_error(err, path, NULL, "must be an object");
        _cleanup_free_ char *type = NULL;
        if (json_field_string(obj, path, "type", true, &type, err) < 0)
                return -1;
        int parsed = oci_namespace_type_parse(type);
        if (parsed < 0)
                return json_field_error(err, path, "type", "unknown namespace type \"%s\"", type);
        out->type = (enum oci_namespace_type)parsed;
        if (json_field_string(obj, path, "path", false, &out->path, err) < 0)
                return -1;
        /* config-linux.md: path MUST be absolute in the runtime mount namespace. */
        if (out->path && out->path[0] != '/')
                return json_field_error(err, path, "path", "must be an absolute path");
        return 0;
}

static int parse_namespaces(json_t *linux_obj, const char *path, struct oci_linux *out,
                            struct error **err)
{
        json_t *list;
        int found = json_field_array(linux_obj, path, "namespaces", false, &list, err);
        if (found <= 0)
                return found;
        _cleanup_free_ char *list_path = json_field_path(path, "namespaces");
        out->namespaces = xcalloc(json_array_size(list), sizeof(*out->namespaces));
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *item_path = json_field_index_path(list_path, i);
                out->n_namespaces = i + 1;
                if (parse_namespace(item, item_path, &out->namespaces[i], err) < 0)
                        return -1;
                /* config-linux.md: duplicated types MUST be an error. */
                for (size_t j = 0; j < i; j++)
                        if (out->namespaces[j].type == out->namespaces[i].type)
                                return json_field_error(
                                    err, item_path, "type", "duplicate namespace \"%s\"",
                                    oci_namespace_type_name(out->namespaces[i].type));
        }
        return 0;
}

int oci_id_mappings_from_json(json_t *obj, const char *parent, const char *key,
                              struct oci_id_mapping **out, size_t *n_out, struct error **err)
{
        json_t *list;
        int found = json_field_array(obj, parent, key, false, &list, err);
        if (found <= 0)
                return found;
        _cleanup_free_ char *list_path = json_field_path(parent, key);
        *out = xcalloc(json_array_size(list), sizeof(**out));
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *path = json_field_index_path(list_path, i);
                if (!json_is_object(item))
                        return json_field_error(err, path, NULL, "must be an object");
                int64_t container_id, host_id, size;
                if (json_field_integer(item, path, "containerID", true, 0, UINT32_MAX,
                                       &container_id, err) < 0 ||
                    json_field_integer(item, path, "hostID", true, 0, UINT32_MAX, &host_id, err) <
                        0 ||
                    json_field_integer(item, path, "size", true, 0, UINT32_MAX, &size, err) < 0)
                        return -1;
                (*out)[i] = (struct oci_id_mapping){(uint32_t)container_id, (uint32_t)host_id,
                                                    (uint32_t)size};
                *n_out = i + 1;
        }
        return 0;
}

static int parse_device_ids(json_t *obj, const char *path, struct oci_device *out,
                            struct error **err)
{
        /* config-linux.md: major and minor are REQUIRED unless type is p. */
        bool required = out->type != 'p';
        if (json_field_integer(obj, path, "major", required, INT64_MIN, INT64_MAX, &out->major,
                               err) < 0 ||
            json_field_integer(obj, path, "minor", required, INT64_MIN, INT64_MAX, &out->minor,
                               err) < 0)
                return -1;
        int64_t mode = 0, uid = 0, gid = 0;
        int found = json_field_integer(obj, path, "fileMode", false, 0, 0777, &mode, err);
        if (found < 0)
                return -1;
        out->has_file_mode = found;
        out->file_mode = (mode_t)mode;
        found = json_field_integer(obj, path, "uid", false, 0, UINT32_MAX, &uid, err);
        if (found < 0)
                return -1;
        out->has_uid = found;
        out->uid = (uid_t)uid;
        found = json_field_integer(obj, path, "gid", false, 0, UINT32_MAX, &gid, err);
        if (found < 0)
                return -1;
        out->has_gid = found;
        out->gid = (gid_t)gid;
        return 0;
}

static int parse_device(json_t *obj, const char *path, struct oci_device *out, struct error **err)
{
        if (!json_is_object(obj))
                return json_field_error(err, path, NULL, "must be an object");
        _cleanup_free_ char *type = NULL;
        if (json_field_string(obj, path, "type", true, &type, err) < 0)
                return -1;
        if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
                return json_field_error(err, path, "type",
                                        "must be one of \"c\", \"b\", \"u\" or \"p\", not \"%s\"",
                                        type);
        out->type = type[0];
        if (json_field_string(obj, path, "path", true, &out->path, err) < 0)
                return -1;
        if (out->path[0] != '/')
                return json_field_error(err, path, "path", "must be an absolute path");
        return parse_device_ids(obj, path, out, err);
}

static int parse_devices(json_t *linux_obj, const char *path, struct oci_linux *out,
                         struct error **err)
{
        json_t *list;
        int found = json_field_array(linux_obj, path, "devices", false, &list, err);
        if (found <= 0)
                return found;
        _cleanup_free_ char *list_path = json_field_path(path, "devices");
        out->devices = xcalloc(json_array_size(list), sizeof(*out->devices));
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *item_path = json_field_index_path(list_path, i);
                out->n_devices = i + 1;
                if (parse_device(item, item_path, &out->devices[i], err) < 0)
                        return -1;
        }
        return 0;
}

/* config-linux.md: maskedPaths and readonlyPaths MUST be absolute. */
static int parse_absolute_paths(json_t *linux_obj, const char *path, const char *key, char ***out,
                                size_t *n_out, struct error **err)
{
        if (json_field_string_array(linux_obj, path, key, out, n_out, err) < 0)
                return -1;
        for (size_t i = 0; i < *n_out; i++)
                if ((*out)[i][0] != '/')
                        return json_field_error(err, path, key, "\"%s\" is not an absolute path",
                                                (*out)[i]);
        return 0;
}

/* The schema lists private, shared, slave and unbindable; runc and crun also take the
 * recursive forms, which config.md lists as mount options. */
static const char *const propagations[] = {
    "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
};

static int parse_propagation(json_t *linux_obj, const char *path, struct oci_linux *out,
                             struct error **err)
{
        int found = json_field_string(linux_obj, path, "rootfsPropagation", false,
                                      &out->rootfs_propagation, err);
        if (found <= 0)
                return found;
        for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
                if (strcmp(out->rootfs_propagation, propagations[i]) == 0)
                        return 0;
        return json_field_error(err, path, "rootfsPropagation", "unknown propagation \"%s\"",
                                out->rootfs_propagation);
}

/* Keeps an optional object member as borrowed JSON (its types are checked elsewhere). */
static int borrow_object(json_t *linux_obj, const char *path, const char *key, json_t **out,
                         struct error **err)
{
        json_t *value = NULL;
        if (json_field_object(linux_obj, path, key, false, &value, err) < 0)
                return -1;
        *out = value;
        return 0;
}

int oci_linux_from_json(json_t *obj, const char *path, struct oci_linux *out, struct error **err)
{
        if (parse_namespaces(obj, path, out, err) < 0 ||
            oci_id_mappings_from_json(obj, path, "uidMappings", &out->uid_mappings,
                                      &out->n_uid_mappings, err) < 0 ||
            oci_id_mappings_from_json(obj, path, "gidMappings", &out->gid_mappings,
                                      &out->n_gid_mappings, err) < 0 ||
            parse_devices(obj, path, out, err) < 0)
                return -1;
        if (json_field_string(obj, path, "cgroupsPath", false, &out->cgroups_path, err) < 0 ||
            parse_absolute_paths(obj, path, "maskedPaths", &out->masked_paths, &out->n_masked_paths,
                                 err) < 0 ||
            parse_absolute_paths(obj, path, "readonlyPaths", &out->readonly_paths,
                                 &out->n_readonly_paths, err) < 0 ||
            parse_propagation(obj, path, out, err) < 0 ||
            json_field_string(obj, path, "mountLabel", false, &out->mount_label, err) < 0 ||
            json_field_string_map(obj, path, "sysctl", &out->sysctl, &out->n_sysctl, err) < 0)
                return -1;
        if (borrow_object(obj, path, "resources", &out->resources, err) < 0 ||
            borrow_object(obj, path, "seccomp", &out->seccomp, err) < 0 ||
            borrow_object(obj, path, "personality", &out->personality, err) < 0 ||
            borrow_object(obj, path, "intelRdt", &out->intel_rdt, err) < 0 ||
            borrow_object(obj, path, "timeOffsets", &out->time_offsets, err) < 0)
                return -1;
        return oci_linux_check_shapes(obj, path, err);
}

void oci_linux_release(struct oci_linux *l)
{
        for (size_t i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        json_field_free_strings(l->masked_paths);
        json_field_free_strings(l->readonly_paths);
        free(l->rootfs_propagation);
        free(l->mount_label);
        json_field_free_key_values(l->sysctl, l->n_sysctl);
}
