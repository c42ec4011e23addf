#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

int userns_open_for_mapping(const struct oci_id_mapping *uid_maps, size_t n_uid,
                            const struct oci_id_mapping *gid_maps, size_t n_gid, struct error **err)
{
        int hold[2];
        if (pipe2(hold, O_CLOEXEC) < 0)
                return error_set(err, errno, "pipe");
        /* A child in a new user namespace that only waits, so that its maps can be written
         * and the namespace kept by fd. */
        uint64_t args[11] = {CLONE_NEWUSER, 0, 0, 0, SIGCHLD};
        pid_t pid = (pid_t)syscall(SYS_clone3, args, sizeof(args));
        if (pid == 0) {
                char byte;
                close(hold[1]);
                (void)!read(hold[0], &byte, 1);
                _exit(0);
        }
        close(hold[0]);
        if (pid < 0) {
                close(hold[1]);
                return error_set(err, errno, "clone a user namespace for an idmapped mount");
        }
        int fd = -1;
        if (write_map(pid, "uid_map", "mounts[].uidMappings", uid_maps, n_uid, err) == 0 &&
            write_map(pid, "gid_map", "mounts[].gidMappings", gid_maps, n_gid, err) == 0) {
                _cleanup_free_ char *path = xasprintf("/proc/%d/ns/user", (int)pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        error_set(err, errno, "open %s", path);
        }
        close(hold[1]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return fd;
}
