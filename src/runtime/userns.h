/* User namespaces: the id maps of a new one (config-linux.md "User namespace mappings"). */
#pragma once
#include <stddef.h>
#include <sys/types.h>

struct error;
struct oci_config;

/* Writes /proc/PID/uid_map and gid_map when the config makes a new user namespace; an
 * unprivileged runtime first denies setgroups, as user_namespaces(7) requires. */
int userns_write_id_maps(pid_t pid, const struct oci_config *config, struct error **err);

struct oci_id_mapping;

/* A user namespace with these maps, for an idmapped mount (mount_setattr(2)); returns its
 * fd or -1 with *err. The process that made it is gone when this returns. */
int userns_open_for_mapping(const struct oci_id_mapping *uid_maps, size_t n_uid,
                            const struct oci_id_mapping *gid_maps, size_t n_gid,
                            struct error **err);
