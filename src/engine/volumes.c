/* Volumes of the "local" driver: directories under ROOT/volumes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "volumes.h"

bool volume_name_valid(const char *name)
{
        static const char first[] =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        size_t len = strlen(name);
        if (len < 2 || len > 255 || !strchr(first, name[0]))
                return false;
        for (const char *c = name + 1; *c; c++)
                if (!strchr(first, *c) && *c != '_' && *c != '.' && *c != '-')
                        return false;
        return true;
}

bool volume_name_anonymous(const char *name)
{
        return strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64;
}

void volume_info_release(struct volume_info *v)
{
        free(v->name);
        free(v->mountpoint);
        json_decref(v->labels);
        memset(v, 0, sizeof(*v));
}

void volume_free_names(char **names)
{
        for (char **p = names; p && *p; p++)
                free(*p);
        free(names);
}

static char *volume_dir(const struct engine *e, const char *name)
{
        return xasprintf("%s/volumes/%s", e->root, name);
}

static void random_name(char out[65])
{
        unsigned char buf[32];
        if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
                /* getrandom(2) does not fail for 32 bytes once the pool is ready; be safe. */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                srandom((unsigned)ts.tv_nsec ^ (unsigned)getpid());
                for (size_t i = 0; i < sizeof(buf); i++)
                        buf[i] = (unsigned char)random();
        }
        for (size_t i = 0; i < sizeof(buf); i++)
                sprintf(out + 2 * i, "%02x", buf[i]);
}

int volume_create(struct engine *e, const char *name, char **labels, char **name_out,
                  struct error **err)
{
        char generated[65];
        if (!name) {
                random_name(generated);
                name = generated;
        } else if (!volume_name_valid(name)) {
                return error_set(err, EINVAL,
                                 "\"%s\" includes invalid characters for a local volume name, "
                                 "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                                 name);
        }
        _cleanup_free_ char *dir = volume_dir(e, name);
        _cleanup_free_ char *data = xasprintf("%s/_data", dir);
        bool existed = fs_exists(data);
        if (fs_mkdir_p(data, 0755, err) < 0)
                return error_wrap(err, "create volume %s", name);
        if (!existed && labels && labels[0]) {
                json_t *object = json_object();
                for (char **l = labels; *l; l++) {
                        const char *eq = strchr(*l, '=');
                        _cleanup_free_ char *key =
                            eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
                        json_object_set_new(object, key, json_string(eq ? eq + 1 : ""));
                }
                _cleanup_free_ char *path = xasprintf("%s/labels.json", dir);
                _cleanup_free_ char *text = json_dumps(object, JSON_SORT_KEYS);
                json_decref(object);
                if (fs_write_file_atomic(path, text, strlen(text), 0644, err) < 0)
                        return error_wrap(err, "create volume %s", name);
        }
        *name_out = xstrdup(name);
        return 0;
}

int volume_get(struct engine *e, const char *name, struct volume_info *out, struct error **err)
{
        (void)err;
        memset(out, 0, sizeof(*out));
        if (!volume_name_valid(name))
                return 0;
        _cleanup_free_ char *dir = volume_dir(e, name);
        _cleanup_free_ char *data = xasprintf("%s/_data", dir);
        struct stat st;
        if (stat(data, &st) < 0 || !S_ISDIR(st.st_mode))
                return 0;
        /* The volume's directory is made once, with its _data: its birth (or last change of
         * its entry list, which is the same here) is the creation time. */
        struct statx sx;
        int64_t created = st.st_mtime;
        if (statx(AT_FDCWD, dir, 0, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME))
                created = sx.stx_btime.tv_sec;
        else if (stat(dir, &st) == 0)
                created = st.st_mtime;
        _cleanup_free_ char *labels_path = xasprintf("%s/labels.json", dir);
        json_t *labels = json_load_file(labels_path, 0, NULL);
        if (!json_is_object(labels)) {
                json_decref(labels);
                labels = json_object();
        }
        out->name = xstrdup(name);
        out->mountpoint = steal_pointer(&data);
        out->created = created;
        out->labels = labels;
        return 1;
}

static int compare_volumes(const void *a, const void *b)
{
        return strcmp(((const struct volume_info *)a)->name, ((const struct volume_info *)b)->name);
}

int volume_list(struct engine *e, struct volume_info **out, size_t *n, struct error **err)
{
        *out = NULL;
        *n = 0;
        _cleanup_free_ char *root = xasprintf("%s/volumes", e->root);
        DIR *d = opendir(root);
        if (!d)
                return errno == ENOENT ? 0 : error_set(err, errno, "open %s", root);
        struct volume_info *list = NULL;
        size_t count = 0, cap = 0;
        struct dirent *entry;
        while ((entry = readdir(d))) {
                struct volume_info v;
                if (volume_get(e, entry->d_name, &v, err) != 1)
                        continue;
                if (count == cap) {
                        cap = cap ? 2 * cap : 16;
                        list = xrealloc(list, cap * sizeof(*list));
                }
                list[count++] = v;
        }
        closedir(d);
        if (count)
                qsort(list, count, sizeof(*list), compare_volumes);
        *out = list;
        *n = count;
        return 0;
}

void volume_list_free(struct volume_info *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                volume_info_release(&list[i]);
        free(list);
}

char **volume_users(struct engine *e, const char *name, struct error **err)
{
        struct container_row *rows = NULL;
        size_t n = 0;
        if (container_db_list(e->containers, &rows, &n, err) < 0)
                return NULL;
        char **users = xmalloc((n + 1) * sizeof(*users));
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
                size_t k;
                json_t *v;
                json_array_foreach(json_object_get(rows[i].data, "volumes"), k, v)
                {
                        const char *used = json_string_value(v);
                        if (used && strcmp(used, name) == 0) {
                                users[count++] = xstrdup(rows[i].name);
                                break;
                        }
                }
                container_row_release(&rows[i]);
        }
        free(rows);
        users[count] = NULL;
        return users;
}

static int64_t usage_total;

static int add_usage(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)path;
        (void)ftw;
        if (type == FTW_F && S_ISREG(st->st_mode))
                usage_total += st->st_size;
        return 0;
}

int64_t volume_disk_usage(const char *path)
{
        usage_total = 0;
        if (nftw(path, add_usage, 32, FTW_PHYS | FTW_MOUNT) < 0)
                return 0;
        return usage_total;
}

int volume_remove(struct engine *e, const char *name, bool missing_ok, int64_t *reclaimed,
                  struct error **err)
{
        struct volume_info v;
        if (volume_get(e, name, &v, err) != 1)
                return missing_ok ? 0
                                  : error_set(err, ENOENT, "get volume %s: no such volume", name);
        char **users = volume_users(e, name, err);
        if (!users) {
                volume_info_release(&v);
                return -1;
        }
        int ret = 0;
        if (users[0])
                ret = error_set(err, EBUSY, "remove volume %s: volume is in use by container %s",
                                name, users[0]);
        volume_free_names(users);
        if (ret == 0) {
                if (reclaimed)
                        *reclaimed = volume_disk_usage(v.mountpoint);
                _cleanup_free_ char *dir = volume_dir(e, name);
                if (fs_remove_tree(dir, err) < 0)
                        ret = error_wrap(err, "remove volume %s", name);
        }
        volume_info_release(&v);
        return ret;
}
