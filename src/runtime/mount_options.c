#include "mount_options.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "alloc.h"

static const struct {
        const char *name;
        bool clear; /* the option clears the flag instead of setting it */
        unsigned long flag;
} flag_options[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
};

static const struct {
        const char *name;
        unsigned long flags;
} propagation_options[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Accepted and ignored: they mean nothing to mount(2) (tmpcopyup is runc's extension). */
static const char *const ignored_options[] = {"defaults", "tmpcopyup", "_netdev", "nofail",
                                              "auto",     "noauto",    "user",    "nouser"};

int mount_propagation_parse(const char *name, unsigned long *flags)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagation_options); i++)
                if (strcmp(name, propagation_options[i].name) == 0) {
                        *flags = propagation_options[i].flags;
                        return 0;
                }
        return -1;
}

static bool parse_one(struct mount_options *out, const char *opt)
{
        if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
                out->idmap = true;
                out->recursive_idmap = opt[0] == 'r';
                return true;
        }
        if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
                out->bind = true;
                out->recursive = opt[0] == 'r';
                return true;
        }
        for (size_t i = 0; i < ARRAY_SIZE(flag_options); i++) {
                if (strcmp(opt, flag_options[i].name) != 0)
                        continue;
                if (flag_options[i].clear)
                        out->flags &= ~flag_options[i].flag;
                else
                        out->flags |= flag_options[i].flag;
                return true;
        }
        if (mount_propagation_parse(opt, &out->propagation) == 0)
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(ignored_options); i++)
                if (strcmp(opt, ignored_options[i]) == 0)
                        return true;
        return false;
}

void mount_options_parse(struct mount_options *out, char *const *options, size_t n)
{
        *out = (struct mount_options){0};
        size_t data_len = 0;
        for (size_t i = 0; i < n; i++) {
                if (parse_one(out, options[i]))
                        continue;
                size_t len = strlen(options[i]);
                out->data = xrealloc(out->data, data_len + len + 2);
                if (data_len)
                        out->data[data_len++] = ',';
                memcpy(out->data + data_len, options[i], len + 1);
                data_len += len;
        }
}

void mount_options_release(struct mount_options *opts)
{
        free(opts->data);
        opts->data = NULL;
}

const char *mount_option_name(size_t i)
{
        static const char *const bind_options[] = {"bind", "rbind", "idmap", "ridmap"};
        if (i < ARRAY_SIZE(bind_options))
                return bind_options[i];
        i -= ARRAY_SIZE(bind_options);
        if (i < ARRAY_SIZE(flag_options))
                return flag_options[i].name;
        i -= ARRAY_SIZE(flag_options);
        if (i < ARRAY_SIZE(propagation_options))
                return propagation_options[i].name;
        i -= ARRAY_SIZE(propagation_options);
        if (i < ARRAY_SIZE(ignored_options))
                return ignored_options[i];
        return NULL;
}
