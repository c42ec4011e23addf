/* Idmapped bind mounts (config.md "mounts": uidMappings, gidMappings, options idmap/ridmap).
 * The runtime prepares them, in the host's user namespace where it may make a user namespace
 * for the mapping: each becomes a detached mount tree (open_tree(OPEN_TREE_CLONE)) with
 * MOUNT_ATTR_IDMAP set, and the container's init attaches it with move_mount(2). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "idmap_mounts.h"
#include "mount_options.h"
#include "runtime_config.h"
#include "userns.h"

static int prepare_one(const struct oci_mount *m, const char *bundle, struct error **err)
{
        struct mount_options o;
        mount_options_parse(&o, m->options, m->n_options);
        bool bind = o.bind || (m->type && strcmp(m->type, "bind") == 0);
        bool recursive_bind = o.recursive, recursive_idmap = o.recursive_idmap;
        mount_options_release(&o);
        if (!bind)
                return error_set(err, 0, "mounts %s: uidMappings/gidMappings need a bind mount",
                                 m->destination);
        if (m->n_uid_mappings == 0 || m->n_gid_mappings == 0)
                return error_set(err, 0,
                                 "mounts %s: an idmapped mount needs both uidMappings "
                                 "and gidMappings",
                                 m->destination);
        const char *source = m->source ? m->source : "";
        _cleanup_free_ char *abs =
            source[0] == '/' ? xstrdup(source) : xasprintf("%s/%s", bundle, source);
        _cleanup_close_ int userns = userns_open_for_mapping(
            m->uid_mappings, m->n_uid_mappings, m->gid_mappings, m->n_gid_mappings, err);
        if (userns < 0)
                return error_wrap(err, "mounts %s", m->destination);
        _cleanup_close_ int tree =
            open_tree(AT_FDCWD, abs,
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive_bind ? AT_RECURSIVE : 0));
        if (tree < 0)
                return error_set(err, errno, "mounts %s: open_tree %s", m->destination, abs);
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
        if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive_idmap ? AT_RECURSIVE : 0), &attr,
                          sizeof(attr)) < 0)
                return error_set(err, errno,
                                 "mounts %s: idmap %s (does its filesystem support "
                                 "idmapped mounts?)",
                                 m->destination, abs);
        return steal_fd(&tree);
}

int idmap_mounts_prepare(const struct oci_config *config, const char *bundle, int **fds,
                         struct error **err)
{
        *fds = NULL;
        bool any = false;
        for (size_t i = 0; i < config->n_mounts; i++)
                if (config->mounts[i].n_uid_mappings || config->mounts[i].n_gid_mappings)
                        any = true;
        if (!any)
                return 0;
        int *list = xmalloc(config->n_mounts * sizeof(int));
        for (size_t i = 0; i < config->n_mounts; i++)
                list[i] = -1;
        for (size_t i = 0; i < config->n_mounts; i++) {
                const struct oci_mount *m = &config->mounts[i];
                if (m->n_uid_mappings == 0 && m->n_gid_mappings == 0)
                        continue;
                list[i] = prepare_one(m, bundle, err);
                if (list[i] < 0) {
                        idmap_mounts_release(list, config->n_mounts);
                        return -1;
                }
        }
        *fds = list;
        return 0;
}

void idmap_mounts_release(int *fds, size_t n)
{
        if (fds == NULL)
                return;
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        free(fds);
}
