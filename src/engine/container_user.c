/*
 * The process user of a container from `-u name|uid[:group|gid]` and the image's /etc/passwd
 * and /etc/group, with runc's (moby/sys/user GetExecUser) rules: a numeric id needs no
 * entry, a name must have one; without a group the user's entry gives the gid and the
 * groups listing the user's name are supplementary; with a group there are none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "container_config_internal.h"
#include "error.h"
#include "fs.h"

/* A passwd or group file larger than this is not a file we parse. */
#define MAX_ID_FILE_SIZE (16 * 1024 * 1024)
/* runc's range for ids (moby/sys/user minID/maxID). */
#define MAX_ID 2147483647L

char *engine_read_in_root(int rootfd, const char *path, struct error **err)
{
        struct error *open_err = NULL;
        _cleanup_close_ int fd = fs_open_in_root(rootfd, path, false, false, &open_err);
        if (fd < 0) {
                if (open_err->errnum == ENOENT || open_err->errnum == ENOTDIR) {
                        error_free(&open_err);
                        return NULL;
                }
                *err = open_err;
                return NULL;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                error_set(err, errno, "stat %s in container root", path);
                return NULL;
        }
        /* A fifo or a device would block or never end: only regular files are read. */
        if (!S_ISREG(st.st_mode)) {
                error_set(err, 0, "%s in container root: not a regular file", path);
                return NULL;
        }
        if (st.st_size > MAX_ID_FILE_SIZE) {
                error_set(err, 0, "%s in container root: larger than 16 MiB", path);
                return NULL;
        }
        char proc_path[64];
        snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
        char *text = fs_read_file(proc_path, NULL, err);
        if (text == NULL)
                error_wrap(err, "%s in container root", path);
        return text;
}

/* 1: numeric with *id set; 0: a name; -1: numeric out of range. */
static int parse_id(const char *text, long *id)
{
        const char *p = text;
        if (*p == '-' || *p == '+')
                p++;
        if (*p == '\0')
                return 0;
        for (const char *q = p; *q; q++)
                if (*q < '0' || *q > '9')
                        return 0;
        errno = 0;
        long value = strtol(text, NULL, 10);
        if (errno == ERANGE || value < 0 || value > MAX_ID)
                return -1;
        *id = value;
        return 1;
}

/* Splits a colon-separated line into at most max fields (in place); returns the count. */
static size_t split_fields(char *line, char **fields, size_t max)
{
        size_t n = 0;
        fields[n++] = line;
        for (char *p = line; *p && n < max; p++)
                if (*p == ':') {
                        *p = '\0';
                        fields[n++] = p + 1;
                }
        return n;
}

struct passwd_entry {
        bool found;
        char name[256];
        long uid;
        long gid;
};

/* The first passwd entry with that name (name != NULL) or that uid. */
static void find_passwd_entry(char *passwd, const char *name, long uid, struct passwd_entry *out)
{
        out->found = false;
        char *save = NULL;
        for (char *line = passwd ? strtok_r(passwd, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                char *f[7] = {NULL};
                if (split_fields(line, f, 7) < 4)
                        continue;
                long entry_uid, entry_gid;
                if (parse_id(f[2], &entry_uid) != 1 || parse_id(f[3], &entry_gid) != 1)
                        continue;
                if (name ? strcmp(f[0], name) != 0 : entry_uid != uid)
                        continue;
                out->found = true;
                snprintf(out->name, sizeof(out->name), "%s", f[0]);
                out->uid = entry_uid;
                out->gid = entry_gid;
                return;
        }
}

static bool list_has(const char *members, const char *name)
{
        size_t len = strlen(name);
        for (const char *p = members; *p;) {
                const char *end = strchr(p, ',');
                size_t n = end ? (size_t)(end - p) : strlen(p);
                if (n == len && strncmp(p, name, len) == 0)
                        return true;
                if (!end)
                        break;
                p = end + 1;
        }
        return false;
}

static void add_gid(struct engine_user *user, gid_t gid)
{
        for (size_t i = 0; i < user->n_additional_gids; i++)
                if (user->additional_gids[i] == gid)
                        return;
        user->additional_gids =
            xrealloc(user->additional_gids, (user->n_additional_gids + 1) * sizeof(gid_t));
        user->additional_gids[user->n_additional_gids++] = gid;
}

int engine_user_resolve(int rootfd, const char *spec, struct engine_user *out, struct error **err)
{
        *out = (struct engine_user){0};
        _cleanup_free_ char *copy = xstrdup(spec ? spec : "");
        char *group = strchr(copy, ':');
        if (group)
                *group++ = '\0';
        const char *user_arg = copy;

        long uid = 0, gid = 0, group_gid = 0;
        int user_numeric = *user_arg ? parse_id(user_arg, &uid) : 1;
        int group_numeric = group && *group ? parse_id(group, &group_gid) : 0;
        if (user_numeric < 0 || group_numeric < 0)
                return error_set(err, 0, "uids and gids must be in range 0-%ld", MAX_ID);
        bool has_group = group && *group;

        _cleanup_free_ char *passwd = NULL;
        _cleanup_free_ char *groups = NULL;
        if (rootfd >= 0) {
                passwd = engine_read_in_root(rootfd, "/etc/passwd", err);
                if (passwd == NULL && *err)
                        return -1;
                groups = engine_read_in_root(rootfd, "/etc/group", err);
                if (groups == NULL && *err)
                        return -1;
        }

        struct passwd_entry entry;
        find_passwd_entry(passwd, user_numeric ? NULL : user_arg, uid, &entry);
        if (entry.found) {
                uid = entry.uid;
                gid = entry.gid;
        } else if (!user_numeric) {
                return error_set(
                    err, 0, "unable to find user %s: no matching entries in passwd file", user_arg);
        }

        gid_t supplementary[64];
        size_t n_supplementary = 0;
        if (has_group || entry.found) {
                bool group_found = false;
                char *save = NULL;
                for (char *line = groups ? strtok_r(groups, "\n", &save) : NULL; line;
                     line = strtok_r(NULL, "\n", &save)) {
                        char *f[4] = {NULL};
                        if (split_fields(line, f, 4) < 3)
                                continue;
                        long entry_gid;
                        if (parse_id(f[2], &entry_gid) != 1)
                                continue;
                        if (has_group) {
                                bool match = group_numeric ? entry_gid == group_gid
                                                           : strcmp(f[0], group) == 0;
                                if (match) {
                                        gid = entry_gid;
                                        group_found = true;
                                        break;
                                }
                        } else if (f[3] && list_has(f[3], entry.name) &&
                                   n_supplementary < ARRAY_SIZE(supplementary)) {
                                supplementary[n_supplementary++] = (gid_t)entry_gid;
                        }
                }
                if (has_group && !group_found && !group_numeric)
                        return error_set(
                            err, 0, "unable to find group %s: no matching entries in group file",
                            group);
                if (has_group && !group_found)
                        gid = group_gid;
        }

        out->uid = (uid_t)uid;
        out->gid = (gid_t)gid;
        /* docker lists the primary group among the additional ones (daemon/oci_linux.go). */
        add_gid(out, out->gid);
        for (size_t i = 0; i < n_supplementary; i++)
                add_gid(out, supplementary[i]);
        return 0;
}

void engine_user_release(struct engine_user *user)
{
        free(user->additional_gids);
        *user = (struct engine_user){0};
}
