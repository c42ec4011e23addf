/* User namespaces: the id maps of a new one (config-linux.md "User namespace mappings"). */
#pragma once
#include <sys/types.h>

struct error;
struct oci_config;

/* Writes /proc/PID/uid_map and gid_map when the config makes a new user namespace; an
 * unprivileged runtime first denies setgroups, as user_namespaces(7) requires. */
int userns_write_id_maps(pid_t pid, const struct oci_config *config, struct error **err);
