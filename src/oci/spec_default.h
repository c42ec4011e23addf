/* The default config.json that `spec` writes, as `runc spec` writes it. */
#pragma once
#include <stdbool.h>

/* Returns newly allocated JSON text (tab-indented, no trailing newline, the field order of
 * runc 1.1) for a container running "sh" on a terminal with rootfs "rootfs". With rootless
 * the config adds a user namespace mapping only the caller's euid and egid to 0, drops the
 * network namespace and the cgroup device rules, and bind-mounts /sys instead of mounting
 * sysfs (as `runc spec --rootless`). */
char *oci_spec_default_json(bool rootless);
