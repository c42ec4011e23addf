#include "image_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"

int image_store_open(const char *root, const char *runroot, struct image_store **out,
                     struct error **err)
{
        if (fs_mkdir_p(root, 0700, err) < 0 || fs_mkdir_p(runroot, 0700, err) < 0)
                return error_wrap(err, "image store");
        struct image_store *store = xcalloc(1, sizeof(*store));
        store->root = xstrdup(root);
        store->runroot = xstrdup(runroot);
        store->lock_fd = -1;
        _cleanup_free_ char *db_path = xasprintf("%s/berth.db", root);
        if (content_store_open(root, &store->content, err) < 0 ||
            layer_store_open(root, &store->layers, err) < 0 ||
            image_db_open(db_path, &store->db, err) < 0) {
                image_store_free(store);
                return error_wrap(err, "image store");
        }
        *out = store;
        return 0;
}

void image_store_free(struct image_store *store)
{
        if (store == NULL)
                return;
        if (store->lock_fd >= 0)
                close(store->lock_fd); /* releases the lock */
        image_db_close(store->db);
        layer_store_free(store->layers);
        content_store_free(store->content);
        free(store->root);
        free(store->runroot);
        free(store);
}

int image_store_lock(struct image_store *store, bool exclusive, struct error **err)
{
        if (store->lock_fd < 0) {
                _cleanup_free_ char *path = xasprintf("%s/gc.lock", store->root);
                store->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (store->lock_fd < 0)
                        return error_set(err, errno, "open %s", path);
        }
        int rc;
        do
                rc = flock(store->lock_fd, exclusive ? LOCK_EX : LOCK_SH);
        while (rc < 0 && errno == EINTR);
        if (rc < 0)
                return error_set(err, errno, "lock %s/gc.lock", store->root);
        return 0;
}

void image_store_unlock(struct image_store *store)
{
        if (store->lock_fd >= 0)
                (void)flock(store->lock_fd, LOCK_UN);
}
