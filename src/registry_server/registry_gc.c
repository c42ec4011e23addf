/*
 * Garbage collection of a registry's storage (registry_server.h), while it serves.
 *
 * Mark: the repository links that stay are every manifest of every repository (by tag or not:
 * a manifest pulled by digest or a referrer must not lose its blobs) and every blob a manifest
 * of that repository references (manifest_references: configs, layers, index entries). Links
 * nothing marks and that are older than the grace period go (a blob pushed a moment ago whose
 * manifest has not come yet is young). Sweep: a file of the content store that no repository
 * links and that was not written within the grace period is removed, under the exclusive lock
 * and after checking the links again, so an upload that links it meanwhile keeps it.
 */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "base/alloc.h"
#include "base/log.h"
#include "content_store.h"
#include "registry_server.h"
#include "registry_store.h"

struct candidate {
        struct digest digest;
        int64_t size;
};

struct sweep {
        struct registry_store *store;
        int64_t ignore_cutoff; /* a dry run: the links it would remove do not count */
        struct candidate *items;
        size_t n, cap;
        uint64_t kept;
        struct error *error;
};

static int collect(const struct digest *digest, int64_t size, void *ctx)
{
        struct sweep *sw = ctx;
        int linked = registry_store_digest_linked(sw->store, digest, sw->ignore_cutoff, &sw->error);
        if (linked < 0)
                return -1;
        if (linked) {
                sw->kept++;
                return 0;
        }
        if (sw->n == sw->cap) {
                sw->cap = sw->cap ? sw->cap * 2 : 64;
                sw->items = xrealloc(sw->items, sw->cap * sizeof(*sw->items));
        }
        sw->items[sw->n++] = (struct candidate){.digest = *digest, .size = size};
        return 0;
}

/* Whether the blob's file was last written before CUTOFF (a missing file is not old: someone
 * else removed it). */
static bool blob_old(struct content_store *content, const struct digest *digest, int64_t cutoff)
{
        _cleanup_free_ char *path = content_store_blob_path(content, digest);
        struct stat st;
        if (stat(path, &st) < 0)
                return false;
        return (int64_t)st.st_mtime < cutoff && (int64_t)st.st_ctime < cutoff;
}

int registry_gc_run(struct registry_store *store, int64_t grace_seconds, bool dry_run,
                    struct registry_gc_report *report, struct error **err)
{
        *report = (struct registry_gc_report){0};
        struct content_store *content = registry_store_content(store);
        int64_t cutoff = (int64_t)time(NULL) - grace_seconds;

        int lock = registry_store_gc_lock(store, true, err);
        if (lock < 0)
                return error_wrap(err, "garbage collection");
        int rc = registry_store_gc_unlink_unreferenced(store, cutoff, dry_run,
                                                       &report->links_removed, err);
        registry_store_gc_unlock(lock);
        if (rc < 0)
                return error_wrap(err, "garbage collection");

        struct sweep sw = {.store = store, .ignore_cutoff = dry_run ? cutoff : -1};
        if (content_store_for_each(content, collect, &sw, err) < 0 || sw.error) {
                if (sw.error && err)
                        *err = steal_pointer(&sw.error);
                error_free(&sw.error);
                free(sw.items);
                return error_wrap(err, "garbage collection");
        }
        report->blobs_kept = sw.kept;
        for (size_t i = 0; i < sw.n; i++) {
                const struct candidate *c = &sw.items[i];
                if (!blob_old(content, &c->digest, cutoff)) {
                        report->blobs_kept++;
                        continue;
                }
                if (dry_run) {
                        report->blobs_removed++;
                        report->bytes_removed += (uint64_t)c->size;
                        continue;
                }
                lock = registry_store_gc_lock(store, true, err);
                if (lock < 0)
                        break;
                int linked = registry_store_digest_linked(store, &c->digest, -1, err);
                if (linked == 0 && content_store_delete(content, &c->digest, err) == 0) {
                        report->blobs_removed++;
                        report->bytes_removed += (uint64_t)c->size;
                } else if (linked == 0) {
                        log_warn("registry gc: %s", (*err)->msg);
                        error_free(err);
                } else if (linked > 0) {
                        report->blobs_kept++;
                }
                registry_store_gc_unlock(lock);
                if (linked < 0)
                        break;
        }
        free(sw.items);
        if (err && *err)
                return error_wrap(err, "garbage collection");
        /* Upload leftovers: sessions idle for longer than the grace period (crashed servers,
         * clients that never came back). */
        if (!dry_run && content_store_clean_ingest(content, grace_seconds,
                                                   &report->partials_removed, NULL, err) < 0)
                return error_wrap(err, "garbage collection");
        return 0;
}

int registry_gc_storage(const char *storage, int64_t grace_seconds, bool dry_run,
                        struct registry_gc_report *report, struct error **err)
{
        struct registry_store *store = NULL;
        if (registry_store_open(storage, &store, err) < 0)
                return -1;
        int rc = registry_gc_run(store, grace_seconds, dry_run, report, err);
        registry_store_free(store);
        return rc;
}
