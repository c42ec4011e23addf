#include "content_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "content_store_internal.h"
#include "store_lock.h"

static const enum digest_algorithm all_algorithms[] = {DIGEST_SHA256, DIGEST_SHA512};

static int open_directory(const char *path, struct error **err)
{
        if (fs_mkdir_p(path, 0755, err) < 0)
                return -1;
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "open %s", path);
        return fd;
}

int content_store_open(const char *root, struct content_store **out, struct error **err)
{
        struct content_store *store = xcalloc(1, sizeof(*store));
        store->root = xstrdup(root);
        store->ingest_fd = -1;
        for (size_t i = 0; i < ARRAY_SIZE(store->algorithm_fd); i++)
                store->algorithm_fd[i] = -1;

        _cleanup_free_ char *ingest = xasprintf("%s/ingest", root);
        store->ingest_fd = open_directory(ingest, err);
        if (store->ingest_fd < 0)
                goto fail;
        for (size_t i = 0; i < ARRAY_SIZE(all_algorithms); i++) {
                enum digest_algorithm a = all_algorithms[i];
                _cleanup_free_ char *dir = xasprintf("%s/blobs/%s", root, digest_algorithm_name(a));
                store->algorithm_fd[a] = open_directory(dir, err);
                if (store->algorithm_fd[a] < 0)
                        goto fail;
        }
        *out = store;
        return 0;
fail:
        content_store_free(store);
        return error_wrap(err, "content store %s", root);
}

void content_store_free(struct content_store *store)
{
        if (store == NULL)
                return;
        if (store->ingest_fd >= 0)
                close(store->ingest_fd);
        for (size_t i = 0; i < ARRAY_SIZE(store->algorithm_fd); i++)
                if (store->algorithm_fd[i] >= 0)
                        close(store->algorithm_fd[i]);
        free(store->root);
        free(store);
}

char *content_store_blob_path(const struct content_store *store, const struct digest *digest)
{
        return xasprintf("%s/blobs/%s/%s", store->root, digest_algorithm_name(digest->algorithm),
                         digest_hex(digest));
}

bool content_store_has(const struct content_store *store, const struct digest *digest,
                       int64_t *size)
{
        struct stat st;
        if (fstatat(store->algorithm_fd[digest->algorithm], digest_hex(digest), &st,
                    AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
                return false;
        if (size)
                *size = st.st_size;
        return true;
}

int content_store_open_blob(const struct content_store *store, const struct digest *digest,
                            struct error **err)
{
        int fd = openat(store->algorithm_fd[digest->algorithm], digest_hex(digest),
                        O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT)
                return error_set(err, 0, "blob %s not found", digest->text);
        if (fd < 0)
                return error_set(err, errno, "open blob %s", digest->text);
        return fd;
}

int content_store_hash_fd(int fd, struct digester *digester, uint64_t *size, struct error **err)
{
        size_t cap = 1 << 20;
        _cleanup_free_ char *buf = xmalloc(cap);
        uint64_t total = 0;
        for (;;) {
                ssize_t n = pread(fd, buf, cap, (off_t)total);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set(err, errno, "read");
                if (n == 0)
                        break;
                digester_update(digester, buf, (size_t)n);
                total += (uint64_t)n;
        }
        *size = total;
        return 0;
}

char *content_store_read_blob(const struct content_store *store, const struct digest *digest,
                              size_t max, size_t *len, struct error **err)
{
        _cleanup_close_ int fd = content_store_open_blob(store, digest, err);
        if (fd < 0)
                return NULL;
        struct stat st;
        if (fstat(fd, &st) < 0) {
                error_set(err, errno, "stat blob %s", digest->text);
                return NULL;
        }
        if ((uint64_t)st.st_size > max) {
                error_set(err, 0, "blob %s is larger than %zu bytes", digest->text, max);
                return NULL;
        }
        size_t size = (size_t)st.st_size;
        _cleanup_free_ char *buf = xmalloc(size + 1);
        size_t used = 0;
        while (used < size) {
                ssize_t n = pread(fd, buf + used, size - used, (off_t)used);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        error_set(err, errno, "read blob %s", digest->text);
                        return NULL;
                }
                if (n == 0)
                        break;
                used += (size_t)n;
        }
        buf[used] = '\0';
        struct digest actual;
        digest_buffer(digest->algorithm, buf, used, &actual);
        if (used != size || !digest_equal(&actual, digest)) {
                error_set(err, 0, "blob %s: digest mismatch on disk (got %s)", digest->text,
                          actual.text);
                return NULL;
        }
        if (len)
                *len = used;
        return steal_pointer(&buf);
}

int content_store_put(struct content_store *store, const void *data, size_t len, struct digest *out,
                      struct error **err)
{
        struct digest digest;
        digest_buffer(DIGEST_SHA256, data, len, &digest);
        if (out)
                *out = digest;
        if (content_store_has(store, &digest, NULL))
                return 0;
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        if (content_ingest_begin(store, &digest, (int64_t)len, &ingest, &status, err) < 0)
                return -1;
        if (status == CONTENT_INGEST_EXISTS)
                return 0;
        if (status == CONTENT_INGEST_RESUME && content_ingest_restart(ingest, err) < 0) {
                content_ingest_abort(ingest, false);
                return -1;
        }
        if (content_ingest_write(ingest, data, len, err) < 0) {
                content_ingest_abort(ingest, false);
                return -1;
        }
        return content_ingest_commit(ingest, NULL, err);
}

int content_store_delete(struct content_store *store, const struct digest *digest,
                         struct error **err)
{
        int dirfd = store->algorithm_fd[digest->algorithm];
        if (unlinkat(dirfd, digest_hex(digest), 0) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set(err, errno, "delete blob %s", digest->text);
        }
        /* Make the removal durable before records that relied on it go too. */
        if (fsync(dirfd) < 0)
                return error_set(err, errno, "sync blobs/%s",
                                 digest_algorithm_name(digest->algorithm));
        return 0;
}

/* Opens a directory stream on a duplicate of DIRFD (closedir closes only the duplicate). */
static DIR *open_stream(int dirfd, const char *what, struct error **err)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                error_set(err, errno, "open %s", what);
                return NULL;
        }
        DIR *dir = fdopendir(fd);
        if (dir == NULL) {
                error_set(err, errno, "open %s", what);
                close(fd);
        }
        return dir;
}

int content_store_for_each(const struct content_store *store,
                           int (*fn)(const struct digest *digest, int64_t size, void *ctx),
                           void *ctx, struct error **err)
{
        for (size_t i = 0; i < ARRAY_SIZE(all_algorithms); i++) {
                enum digest_algorithm a = all_algorithms[i];
                _cleanup_free_ char *what = xasprintf("blobs/%s", digest_algorithm_name(a));
                DIR *dir = open_stream(store->algorithm_fd[a], what, err);
                if (dir == NULL)
                        return -1;
                struct dirent *de;
                int rc = 0;
                while (rc == 0 && (errno = 0, de = readdir(dir)) != NULL) {
                        if (de->d_name[0] == '.')
                                continue;
                        _cleanup_free_ char *text =
                            xasprintf("%s:%s", digest_algorithm_name(a), de->d_name);
                        struct digest digest;
                        struct error *ignored = NULL;
                        if (digest_parse(text, &digest, &ignored) < 0) {
                                error_free(&ignored); /* not a blob: leave it alone */
                                continue;
                        }
                        struct stat st;
                        if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                            !S_ISREG(st.st_mode))
                                continue; /* deleted meanwhile, or not ours */
                        rc = fn(&digest, st.st_size, ctx);
                }
                if (rc == 0 && de == NULL && errno != 0)
                        rc = error_set(err, errno, "read %s", what);
                closedir(dir);
                if (rc != 0)
                        return rc;
        }
        return 0;
}

/* Whether the ingest that owns PARTIAL is gone: a known-digest partial is guarded by its .lock,
 * an unknown one by a flock on itself. Returns a held lock fd (>= 0), -1 when in use. */
static int lock_abandoned_partial(int ingest_fd, const char *partial, char **lock_name)
{
        *lock_name = NULL;
        if (strncmp(partial, "tmp-", 4) == 0) {
                int fd = openat(ingest_fd, partial, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        return -1;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        close(fd);
                        return -1;
                }
                return fd;
        }
        size_t stem = strlen(partial) - strlen(".partial");
        _cleanup_free_ char *name = xasprintf("%.*s.lock", (int)stem, partial);
        int fd = -1;
        struct error *ignored = NULL;
        if (store_lock_acquire(ingest_fd, name, true, false, &fd, &ignored) <= 0) {
                error_free(&ignored);
                return -1;
        }
        *lock_name = steal_pointer(&name);
        return fd;
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

int content_store_clean_ingest(struct content_store *store, int64_t max_age_seconds,
                               uint64_t *removed, uint64_t *bytes, struct error **err)
{
        DIR *dir = open_stream(store->ingest_fd, "ingest", err);
        if (dir == NULL)
                return -1;
        time_t now = time(NULL);
        uint64_t n_removed = 0, n_bytes = 0;
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
                bool partial = has_suffix(de->d_name, ".partial");
                if (!partial && !has_suffix(de->d_name, ".lock"))
                        continue;
                struct stat st;
                if (fstatat(store->ingest_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode) || now - st.st_mtime < max_age_seconds)
                        continue;
                if (!partial) {
                        /* A lock left by a killed process: its holder unlinks it otherwise. */
                        int fd = -1;
                        struct error *ignored = NULL;
                        if (store_lock_acquire(store->ingest_fd, de->d_name, true, false, &fd,
                                               &ignored) > 0)
                                store_lock_release_unlink(store->ingest_fd, de->d_name, fd);
                        error_free(&ignored);
                        continue;
                }
                _cleanup_free_ char *lock_name = NULL;
                int fd = lock_abandoned_partial(store->ingest_fd, de->d_name, &lock_name);
                if (fd < 0)
                        continue;
                /* Stat again under the lock: an ingest may have resumed it meanwhile. */
                if (fstatat(store->ingest_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    now - st.st_mtime >= max_age_seconds &&
                    unlinkat(store->ingest_fd, de->d_name, 0) == 0) {
                        n_removed++;
                        n_bytes += (uint64_t)st.st_size;
                }
                if (lock_name)
                        store_lock_release_unlink(store->ingest_fd, lock_name, fd);
                else
                        close(fd);
        }
        closedir(dir);
        if (removed)
                *removed = n_removed;
        if (bytes)
                *bytes = n_bytes;
        return 0;
}
