/*
 * Unpacked layers under ROOT/layers (see layer_store.h). A layer is present when both its
 * directory and its record exist: commit writes the record before renaming the directory into
 * place, and delete removes the record first, so a crash at any point leaves either a complete
 * layer or one that reads as absent (and is replaced or collected later).
 */
#include "layer_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "store_lock.h"

struct layer_store {
        char *dir; /* ROOT/layers */
        int dirfd;
};

struct layer_write {
        struct layer_store *store;
        struct digest chain_id;
        char *tmp_name; /* .tmp-<hex>-XXXXXX in the layers directory */
        int tmp_fd;
        int lock_fd;
};

/* A removal walks at most this deep with open directories; deeper directories are moved up to the
 * top of the tree being removed and walked from there, so a hostile layer nested thousands of
 * levels deep costs neither thousands of fds nor a deep stack. */
#define REMOVE_MAX_DEPTH 64

int layer_store_open(const char *root, struct layer_store **out, struct error **err)
{
        _cleanup_free_ char *dir = xasprintf("%s/layers", root);
        if (fs_mkdir_p(dir, 0755, err) < 0)
                return error_wrap(err, "layer store %s", root);
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "open %s", dir);
        struct layer_store *store = xcalloc(1, sizeof(*store));
        store->dir = steal_pointer(&dir);
        store->dirfd = fd;
        *out = store;
        return 0;
}

void layer_store_free(struct layer_store *store)
{
        if (store == NULL)
                return;
        close(store->dirfd);
        free(store->dir);
        free(store);
}

char *layer_store_path(const struct layer_store *store, const struct digest *chain_id)
{
        return xasprintf("%s/%s", store->dir, digest_hex(chain_id));
}

static char *record_name(const struct digest *chain_id)
{
        return xasprintf("%s.json", digest_hex(chain_id));
}

static char *lock_name(const char *hex)
{
        return xasprintf("%s.lock", hex);
}

static bool is_directory_at(int dirfd, const char *name)
{
        struct stat st;
        return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

bool layer_store_has(const struct layer_store *store, const struct digest *chain_id)
{
        _cleanup_free_ char *record = record_name(chain_id);
        struct stat st;
        return fstatat(store->dirfd, record, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
               S_ISREG(st.st_mode) && is_directory_at(store->dirfd, digest_hex(chain_id));
}

static int record_digest(json_t *root, const char *key, struct digest *out, struct error **err)
{
        const char *text = json_string_value(json_object_get(root, key));
        if (text == NULL)
                return error_set(err, 0, "no %s", key);
        return digest_parse(text, out, err);
}

int layer_store_read_record(const struct layer_store *store, const struct digest *chain_id,
                            struct layer_record *out, struct error **err)
{
        _cleanup_free_ char *name = record_name(chain_id);
        size_t len = 0;
        _cleanup_free_ char *text = fs_read_file_at(store->dirfd, name, &len, err);
        if (text == NULL)
                return error_wrap(err, "layer %s", chain_id->text);
        json_error_t json_err;
        json_t *root = json_loadb(text, len, 0, &json_err);
        if (root == NULL)
                return error_set(err, 0, "layer %s: record: %s", chain_id->text, json_err.text);
        int rc = 0;
        *out = (struct layer_record){0};
        json_t *parent = json_object_get(root, "parent");
        json_t *size = json_object_get(root, "size");
        if (record_digest(root, "diff_id", &out->diff_id, err) < 0 ||
            record_digest(root, "chain_id", &out->chain_id, err) < 0) {
                rc = -1;
        } else if (json_is_string(parent)) {
                out->has_parent = true;
                rc = digest_parse(json_string_value(parent), &out->parent, err);
        }
        if (rc == 0 && json_is_integer(size) && json_integer_value(size) >= 0)
                out->size = (uint64_t)json_integer_value(size);
        json_decref(root);
        if (rc < 0)
                return error_wrap(err, "layer %s: record", chain_id->text);
        return 0;
}

/* Clears the immutable and append-only attributes of an open file or directory, which would
 * otherwise make it (or, for a directory, its entries) impossible to remove. */
static void clear_protective_flags(int fd)
{
        int flags = 0;
        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
                return;
        if (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)) {
                flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
                (void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
}

/* Opens directory NAME under PARENT for removal: never through a symlink, never onto another
 * file system (a mount inside a layer is not the layer's to delete), and made writable and
 * searchable so that its entries can go even when the layer made it read-only. */
static int open_for_removal(int parent, const char *name, dev_t dev, struct error **err)
{
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == EACCES && fchmodat(parent, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
                fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "open %s", name);
        struct stat st;
        if (fstat(fd, &st) < 0) {
                error_set(err, errno, "stat %s", name);
                close(fd);
                return -1;
        }
        if (st.st_dev != dev) {
                close(fd);
                return error_set(err, EXDEV, "refusing to remove %s, a mount point", name);
        }
        if ((st.st_mode & 0700) != 0700)
                (void)fchmod(fd, (st.st_mode & 07777) | 0700);
        clear_protective_flags(fd);
        return fd;
}

/* Moves directory NAME under PARENT to a fresh name in TOPFD. */
static int move_to_top(int parent, const char *name, int topfd, struct error **err)
{
        for (int attempt = 0; attempt < 100; attempt++) {
                uint64_t r = 0;
                if (getrandom(&r, sizeof(r), 0) != sizeof(r))
                        r = (uint64_t)attempt;
                char fresh[32];
                snprintf(fresh, sizeof(fresh), ".deep-%016" PRIx64, r);
                if (renameat2(parent, name, topfd, fresh, RENAME_NOREPLACE) == 0)
                        return 0;
                if (errno != EEXIST)
                        return error_set(err, errno, "move %s up", name);
        }
        return error_set(err, EEXIST, "move %s up", name);
}

static int unlink_entry(int dirfd, const char *name, struct error **err)
{
        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        int saved = errno;
        if (saved == EPERM || saved == EACCES) {
                /* Maybe an immutable regular file (never open a device node or fifo). */
                struct stat st;
                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
                        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                        if (fd >= 0) {
                                clear_protective_flags(fd);
                                close(fd);
                        }
                        if (unlinkat(dirfd, name, 0) == 0)
                                return 0;
                        saved = errno;
                }
        }
        return error_set(err, saved, "remove %s", name);
}

/* Empties the directory FD (consumed). Directories deeper than REMOVE_MAX_DEPTH are moved to
 * TOPFD and *moved is set: the caller walks the top again. */
static int remove_contents(int fd, int topfd, dev_t dev, unsigned depth, bool *moved,
                           struct error **err)
{
        DIR *dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return error_set(err, errno, "open directory");
        }
        int rc = 0;
        struct dirent *de;
        while (rc == 0 && (errno = 0, de = readdir(dir)) != NULL) {
                const char *name = de->d_name;
                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                        continue;
                bool is_dir = de->d_type == DT_DIR ||
                              (de->d_type == DT_UNKNOWN && is_directory_at(dirfd(dir), name));
                if (!is_dir) {
                        rc = unlink_entry(dirfd(dir), name, err);
                        continue;
                }
                if (depth >= REMOVE_MAX_DEPTH) {
                        rc = move_to_top(dirfd(dir), name, topfd, err);
                        *moved = true;
                        continue;
                }
                int sub = open_for_removal(dirfd(dir), name, dev, err);
                if (sub < 0) {
                        rc = -1;
                        break;
                }
                rc = remove_contents(sub, topfd, dev, depth + 1, moved, err);
                if (rc == 0 && unlinkat(dirfd(dir), name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        rc = error_set(err, errno, "remove %s", name);
        }
        if (rc == 0 && de == NULL && errno != 0)
                rc = error_set(err, errno, "read directory");
        closedir(dir);
        return rc;
}

/* rm -rf of PARENT/NAME, safe for trees made from untrusted layers: symlinks are removed, never
 * followed; other file systems are not entered; read-only and immutable entries are made
 * removable first; depth is bounded. */
static int remove_tree(int parent, const char *name, struct error **err)
{
        struct stat st;
        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : error_set(err, errno, "stat %s", name);
        if (!S_ISDIR(st.st_mode))
                return unlink_entry(parent, name, err);
        _cleanup_close_ int top = open_for_removal(parent, name, st.st_dev, err);
        if (top < 0)
                return -1;
        bool moved;
        do {
                moved = false;
                int fd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return error_set(err, errno, "open %s", name);
                if (remove_contents(fd, top, st.st_dev, 1, &moved, err) < 0)
                        return error_wrap(err, "remove %s", name);
        } while (moved);
        if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return error_set(err, errno, "remove %s", name);
        return 0;
}

/* Renames PARENT/NAME to a fresh ".tmp-deleted-<hex>-<random>" (so it stops being a layer at
 * once) and removes it. */
static int discard_directory(struct layer_store *store, const char *name, const char *hex,
                             struct error **err)
{
        char fresh[256];
        for (int attempt = 0;; attempt++) {
                uint64_t r = 0;
                if (getrandom(&r, sizeof(r), 0) != sizeof(r))
                        r = (uint64_t)attempt;
                snprintf(fresh, sizeof(fresh), ".tmp-deleted-%s-%016" PRIx64, hex, r);
                if (renameat2(store->dirfd, name, store->dirfd, fresh, RENAME_NOREPLACE) == 0)
                        break;
                if (errno == ENOENT)
                        return 0;
                if (errno != EEXIST || attempt == 100)
                        return error_set(err, errno, "rename layer %s", name);
        }
        if (fsync(store->dirfd) < 0)
                return error_set(err, errno, "sync %s", store->dir);
        return remove_tree(store->dirfd, fresh, err);
}

int layer_write_begin(struct layer_store *store, const struct digest *chain_id,
                      struct layer_write **out, struct error **err)
{
        *out = NULL;
        const char *hex = digest_hex(chain_id);
        _cleanup_free_ char *lock = lock_name(hex);
        _cleanup_close_ int lock_fd = -1;
        _cleanup_free_ char *template = NULL;
        /* A second process unpacking the same layer waits here, then finds it present. */
        if (store_lock_acquire(store->dirfd, lock, true, true, &lock_fd, err) < 0)
                return error_wrap(err, "layer %s", chain_id->text);
        if (layer_store_has(store, chain_id)) {
                store_lock_release_unlink(store->dirfd, lock, steal_fd(&lock_fd));
                return 0;
        }
        /* A directory without its record is what a crashed delete leaves: it is not a layer. */
        if (is_directory_at(store->dirfd, hex) && discard_directory(store, hex, hex, err) < 0)
                goto fail;

        template = xasprintf("%s/.tmp-%s-XXXXXX", store->dir, hex);
        if (mkdtemp(template) == NULL) {
                error_set(err, errno, "create a directory in %s", store->dir);
                goto fail;
        }
        const char *tmp_name = strrchr(template, '/') + 1;
        int tmp_fd = openat(store->dirfd, tmp_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tmp_fd < 0) {
                error_set(err, errno, "open %s", template);
                (void)unlinkat(store->dirfd, tmp_name, AT_REMOVEDIR);
                goto fail;
        }
        /* mkdtemp makes 0700; a layer's root is searchable like any root directory (the unpacker
         * applies the archive's "./" entry when there is one). */
        (void)fchmod(tmp_fd, 0755);
        struct layer_write *w = xcalloc(1, sizeof(*w));
        w->store = store;
        w->chain_id = *chain_id;
        w->tmp_name = xstrdup(tmp_name);
        w->tmp_fd = tmp_fd;
        w->lock_fd = steal_fd(&lock_fd);
        *out = w;
        return 0;
fail:
        store_lock_release_unlink(store->dirfd, lock, steal_fd(&lock_fd));
        return error_wrap(err, "layer %s", chain_id->text);
}

int layer_write_dirfd(const struct layer_write *w)
{
        return w->tmp_fd;
}

static void layer_write_free(struct layer_write *w)
{
        if (w->tmp_fd >= 0)
                close(w->tmp_fd);
        _cleanup_free_ char *lock = lock_name(digest_hex(&w->chain_id));
        store_lock_release_unlink(w->store->dirfd, lock, w->lock_fd);
        free(w->tmp_name);
        free(w);
}

int layer_write_commit(struct layer_write *w, const struct digest *diff_id,
                       const struct digest *parent_chain_id, uint64_t size, struct error **err)
{
        struct layer_store *store = w->store;
        const char *hex = digest_hex(&w->chain_id);
        _cleanup_free_ char *parent = NULL;
        _cleanup_free_ char *record = NULL;
        _cleanup_free_ char *record_path = NULL;
        /* Every file of the tree must be durable before the rename that says it is complete. */
        if (syncfs(w->tmp_fd) < 0) {
                error_set(err, errno, "sync layer %s", w->chain_id.text);
                goto fail;
        }
        parent = parent_chain_id ? xasprintf("\"%s\"", parent_chain_id->text) : xstrdup("null");
        record = xasprintf("{\"diff_id\":\"%s\",\"chain_id\":\"%s\",\"parent\":%s,\"size\":%" PRIu64
                           "}\n",
                           diff_id->text, w->chain_id.text, parent, size);
        record_path = xasprintf("%s/%s.json", store->dir, hex);
        if (fs_write_file_atomic(record_path, record, strlen(record), 0644, err) < 0)
                goto fail;
        if (renameat(store->dirfd, w->tmp_name, store->dirfd, hex) < 0) {
                error_set(err, errno, "publish layer %s", w->chain_id.text);
                (void)unlinkat(store->dirfd, strrchr(record_path, '/') + 1, 0);
                goto fail;
        }
        if (fsync(store->dirfd) < 0) {
                error_set(err, errno, "sync %s", store->dir);
                layer_write_free(w);
                return -1;
        }
        layer_write_free(w);
        return 0;
fail:
        layer_write_abort(w);
        return -1;
}

void layer_write_abort(struct layer_write *w)
{
        if (w == NULL)
                return;
        close(w->tmp_fd);
        w->tmp_fd = -1;
        struct error *ignored = NULL;
        /* Left behind on failure, it is removed by layer_store_clean_temporaries. */
        (void)remove_tree(w->store->dirfd, w->tmp_name, &ignored);
        error_free(&ignored);
        layer_write_free(w);
}

int layer_store_delete(struct layer_store *store, const struct digest *chain_id, struct error **err)
{
        const char *hex = digest_hex(chain_id);
        _cleanup_free_ char *lock = lock_name(hex);
        int lock_fd = -1;
        if (store_lock_acquire(store->dirfd, lock, true, true, &lock_fd, err) < 0)
                return error_wrap(err, "delete layer %s", chain_id->text);
        _cleanup_free_ char *record = record_name(chain_id);
        int rc = 0;
        if (unlinkat(store->dirfd, record, 0) < 0 && errno != ENOENT)
                rc = error_set(err, errno, "remove %s", record);
        if (rc == 0)
                rc = discard_directory(store, hex, hex, err);
        store_lock_release_unlink(store->dirfd, lock, lock_fd);
        if (rc < 0)
                return error_wrap(err, "delete layer %s", chain_id->text);
        return 0;
}

/* Parses a layer directory's name (the hex of a sha256 or sha512 chain id). */
static bool parse_hex_name(const char *name, size_t len, struct digest *out)
{
        const char *algorithm = len == 64 ? "sha256" : len == 128 ? "sha512" : NULL;
        if (algorithm == NULL)
                return false;
        _cleanup_free_ char *text = xasprintf("%s:%.*s", algorithm, (int)len, name);
        struct error *ignored = NULL;
        if (digest_parse(text, out, &ignored) < 0) {
                error_free(&ignored);
                return false;
        }
        return true;
}

static DIR *open_stream(const struct layer_store *store, struct error **err)
{
        int fd = openat(store->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd < 0 ? NULL : fdopendir(fd);
        if (dir == NULL) {
                error_set(err, errno, "open %s", store->dir);
                if (fd >= 0)
                        close(fd);
        }
        return dir;
}

int layer_store_for_each(const struct layer_store *store,
                         int (*fn)(const struct digest *chain_id, void *ctx), void *ctx,
                         struct error **err)
{
        DIR *dir = open_stream(store, err);
        if (dir == NULL)
                return -1;
        int rc = 0;
        struct dirent *de;
        while (rc == 0 && (de = readdir(dir)) != NULL) {
                const char *name = de->d_name;
                if (name[0] == '.')
                        continue;
                size_t len = strlen(name);
                bool record = len > 5 && strcmp(name + len - 5, ".json") == 0;
                struct digest chain_id;
                if (!parse_hex_name(name, record ? len - 5 : len, &chain_id))
                        continue;
                if (record) {
                        /* A record without its directory (a crash between the two) is reported
                         * once, here; one with its directory is reported for the directory. */
                        if (is_directory_at(store->dirfd, digest_hex(&chain_id)))
                                continue;
                } else if (!is_directory_at(store->dirfd, name)) {
                        continue;
                }
                rc = fn(&chain_id, ctx);
        }
        closedir(dir);
        return rc;
}

/* The chain id hex in ".tmp-<hex>-XXXXXX" or ".tmp-deleted-<hex>-XXXXXX", or NULL. */
static char *temporary_owner_hex(const char *name)
{
        const char *p = name + strlen(".tmp-");
        if (strncmp(p, "deleted-", 8) == 0)
                p += 8;
        const char *dash = strchr(p, '-');
        struct digest ignored;
        if (dash == NULL || !parse_hex_name(p, (size_t)(dash - p), &ignored))
                return NULL;
        return xstrndup(p, (size_t)(dash - p));
}

int layer_store_clean_temporaries(struct layer_store *store, struct error **err)
{
        DIR *dir = open_stream(store, err);
        if (dir == NULL)
                return -1;
        int removed = 0, rc = 0;
        struct dirent *de;
        while (rc == 0 && (de = readdir(dir)) != NULL) {
                if (strncmp(de->d_name, ".tmp-", 5) != 0)
                        continue;
                _cleanup_free_ char *hex = temporary_owner_hex(de->d_name);
                _cleanup_free_ char *lock = hex ? lock_name(hex) : NULL;
                int lock_fd = -1;
                if (lock) {
                        int got =
                            store_lock_acquire(store->dirfd, lock, true, false, &lock_fd, err);
                        if (got < 0) {
                                rc = -1;
                                break;
                        }
                        if (got == 0)
                                continue; /* a live write or delete of that layer owns it */
                }
                if (remove_tree(store->dirfd, de->d_name, err) < 0)
                        rc = -1;
                else
                        removed++;
                if (lock)
                        store_lock_release_unlink(store->dirfd, lock, lock_fd);
        }
        closedir(dir);
        return rc < 0 ? -1 : removed;
}
