#include "userns.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "runtime_config.h"

static int write_map(pid_t pid, const char *file, const char *field,
                     const struct oci_id_mapping *maps, size_t n, struct error **err)
{
        char text[4096];
        size_t used = 0;
        for (size_t i = 0; i < n && used < sizeof(text); i++)
                used += (size_t)snprintf(text + used, sizeof(text) - used, "%u %u %u\n",
                                         maps[i].container_id, maps[i].host_id, maps[i].size);
        if (used >= sizeof(text))
                return error_set(err, 0, "linux.%s: too many entries", field);
        _cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
        if (fs_write_string(path, text, err) < 0)
                return error_wrap(err, "linux.%s", field);
        return 0;
}

int userns_write_id_maps(pid_t pid, const struct oci_config *config, struct error **err)
{
        const struct oci_namespace *user = oci_config_namespace(config, OCI_NS_USER);
        if (user == NULL || user->path)
                return 0;
        const struct oci_linux *lc = &config->linux_config;
        if (geteuid() != 0) {
                _cleanup_free_ char *setgroups = xasprintf("/proc/%d/setgroups", (int)pid);
                if (fs_write_string(setgroups, "deny", err) < 0)
                        return -1;
        }
        if (write_map(pid, "uid_map", "uidMappings", lc->uid_mappings, lc->n_uid_mappings, err) <
                0 ||
            write_map(pid, "gid_map", "gidMappings", lc->gid_mappings, lc->n_gid_mappings, err) < 0)
                return -1;
        return 0;
}
