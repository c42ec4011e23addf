/*
 * After a container's init exits: `berth container cleanup ID`, the exit command its monitor
 * runs, tears its network down, then restarts it by its policy or removes it (--rm). Also the
 * record's post-exit fields at create, the user's stop flag, and what a start needs first
 * (engine_restart.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "base/log.h"
#include "container_lock.h"
#include "engine_internal.h"
#include "engine_network.h"
#include "engine_restart.h"
#include "health.h"
#include "image/image_db.h"
#include "image/snapshot.h"
#include "restart_policy.h"

/* The files of a bundle that live in the runroot (a tmpfs) and are kept in ROOT too. */
static const char *const bundle_files[] = {"config.json", "hostname", "hosts", "resolv.conf"};

/* Set while the cleanup restarts a container: that start is the policy's, not the user's. */
static bool policy_restart;

/* The runroot's bundle files, kept in ROOT as one JSON file, ROOT/containers/ID/bundle.json
 * ({"config.json": TEXT, ...}): one inode on the disk instead of a directory and four files
 * (ext4 spends measurable time finding free inodes under the churn of many creates). Written
 * by rename without fsync: as durable as the container's record (SQLite, synchronous=NORMAL). */
static int save_bundle(const char *run_dir, const char *saved, struct error **err)
{
        json_t *doc = json_object();
        for (size_t i = 0; i < sizeof(bundle_files) / sizeof(bundle_files[0]); i++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", run_dir, bundle_files[i]);
                size_t len;
                struct error *ignored = NULL;
                _cleanup_free_ char *text = fs_read_file(path, &len, &ignored);
                error_free(&ignored);
                if (text)
                        json_object_set_new(doc, bundle_files[i], json_stringn(text, len));
        }
        _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        if (!text)
                return error_set(err, 0, "encode %s", saved);
        return fs_replace_file(saved, text, strlen(text), 0600, err);
}

/* SAVED's files back into RUN_DIR. */
static int restore_bundle(const char *saved, const char *run_dir, struct error **err)
{
        json_error_t jerr;
        json_t *doc = json_load_file(saved, 0, &jerr);
        if (!doc)
                return error_set(err, 0, "%s: %s", saved, jerr.text);
        int ret = fs_mkdir_p(run_dir, 0700, err);
        const char *name;
        json_t *text;
        json_object_foreach(doc, name, text)
        {
                if (ret < 0)
                        break;
                if (!json_is_string(text) || strchr(name, '/'))
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s", run_dir, name);
                ret = fs_replace_file(path, json_string_value(text), json_string_length(text), 0600,
                                      err);
        }
        json_decref(doc);
        return ret;
}

static json_t *string_array(char *const *argv)
{
        json_t *a = json_array();
        for (; *argv; argv++)
                json_array_append_new(a, json_string(*argv));
        return a;
}

int engine_post_exit_record(struct engine *e, const struct engine_create_request *r,
                            json_t *image_config, const char *id, json_t *data, struct error **err)
{
        static const struct engine_health_flags no_flags = {0};
        json_t *options = json_object_get(data, "options");
        struct restart_policy policy = {RESTART_NO, 0};
        if (r->restart && restart_policy_parse(r->restart, &policy, err) < 0)
                return -1;
        if (policy.name != RESTART_NO && r->remove_on_exit)
                return error_set(err, 0, "Conflicting options: --restart and --rm");
        json_object_set_new(options, "restartPolicy",
                            json_pack("{s:s, s:i}", "Name", restart_policy_name_text(policy.name),
                                      "MaximumRetryCount", policy.maximum_retry_count));
        json_t *healthcheck = NULL;
        if (health_config_merge(json_object_get(image_config, "Healthcheck"),
                                r->health ? r->health : &no_flags, &healthcheck, err) < 0)
                return -1;
        if (healthcheck)
                json_object_set_new(options, "healthcheck", healthcheck);

        /* berth's own commands, with absolute paths: the monitor runs them from "/". */
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        self[n > 0 ? n : 0] = '\0';
        _cleanup_free_ char *root = realpath(e->root, NULL);
        _cleanup_free_ char *runroot = realpath(e->runroot, NULL);
        char *argv[] = {self,
                        "--root",
                        root ? root : e->root,
                        "--runroot",
                        runroot ? runroot : e->runroot,
                        "container",
                        "cleanup",
                        (char *)id,
                        NULL};
        struct container_row row = {.id = (char *)id, .data = data};
        if (r->remove_on_exit || policy.name != RESTART_NO || engine_network_needs_teardown(&row))
                json_object_set_new(data, "exitCommand", string_array(argv));
        if (healthcheck) {
                argv[5] = "healthcheck";
                argv[6] = "run";
                json_object_set_new(data, "healthCommand", string_array(argv));
        }
        /* A --rm container is removed when it ends: a reboot ends it, and it is not started
         * again (restore_after_reboot says so), so its bundle is not kept in ROOT. */
        if (r->removed_when_done || r->remove_on_exit)
                return 0;
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, id);
        _cleanup_free_ char *dir = engine_container_dir(e, id);
        _cleanup_free_ char *saved = xasprintf("%s/bundle.json", dir);
        if (save_bundle(run_dir, saved, err) < 0)
                return error_wrap(err, "keep the bundle of container %s", id);
        return 0;
}

/* Reloads ROW's data from the database: 1, or 0 when the record is gone. */
static int reload(struct engine *e, struct container_row *row, struct error **err)
{
        struct container_row fresh = {0};
        int rc = container_db_find(e->containers, row->id, &fresh, err);
        if (rc <= 0)
                return rc;
        json_decref(row->data);
        row->data = fresh.data;
        fresh.data = NULL;
        container_row_release(&fresh);
        return 1;
}

void engine_container_note_user_stop(struct engine *e, const char *id)
{
        struct error *err = NULL;
        struct container_lock lock = {-1};
        struct container_row row = {.id = (char *)id};
        if (container_lock_take(e, id, &lock, &err) < 0 || reload(e, &row, &err) <= 0) {
                error_free(&err);
                container_lock_release(&lock);
                json_decref(row.data);
                return;
        }
        json_object_set_new(row.data, "stoppedByUser", json_true());
        if (container_db_update_data(e->containers, id, row.data, &err) < 0)
                error_free(&err);
        json_decref(row.data);
        container_lock_release(&lock);
}

/* Whether DIR/merged is a mount (the overlay has a device of its own). */
static bool rootfs_mounted(const char *dir, const char *merged)
{
        struct stat a, b;
        return stat(dir, &a) == 0 && stat(merged, &b) == 0 && a.st_dev != b.st_dev;
}

/* After a reboot: the runroot's bundle files back from ROOT, the overlay mounted again. */
static int restore_after_reboot(struct engine *e, const struct container_row *row,
                                struct error **err)
{
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        _cleanup_free_ char *dir = engine_container_dir(e, row->id);
        _cleanup_free_ char *config = xasprintf("%s/config.json", run_dir);
        _cleanup_free_ char *saved = xasprintf("%s/bundle.json", dir);
        if (!fs_exists(config) && !fs_exists(saved))
                return error_set(err, 0,
                                 "container %s was run with --rm and did not survive the reboot: "
                                 "remove it with berth rm",
                                 row->name);
        if (!fs_exists(config) && restore_bundle(saved, run_dir, err) < 0)
                return error_wrap(err, "restore the bundle of container %s", row->name);
        _cleanup_free_ char *merged = xasprintf("%s/merged", dir);
        if (rootfs_mounted(dir, merged))
                return 0;
        struct digest image_id;
        struct image_record image = {0};
        if (digest_parse(row->image_id, &image_id, err) < 0)
                return -1;
        int rc = image_db_get(e->images->db, &image_id, &image, err);
        if (rc == 0)
                return error_set(err, 0, "container %s: its image %s is gone", row->name,
                                 row->image_id);
        if (rc < 0)
                return -1;
        /* A --rm container's rootfs (volatile, never mounted twice) stays mounted from its
         * create to its removal, and after a reboot the check above refuses it: this mounts
         * only other containers'. */
        rc = snapshot_container_mount(e->images, &image, dir, merged, false, err);
        image_record_release(&image);
        return rc < 0 ? error_wrap(err, "mount the root filesystem of container %s", row->name) : 0;
}

int engine_container_prepare_start(struct engine *e, struct container_row *row, struct error **err)
{
        int rc = reload(e, row, err);
        if (rc == 0)
                return error_set(err, 0, "no such container: %s", row->name);
        if (rc < 0)
                return -1;
        if (!policy_restart) {
                /* docker: a start by the user begins a new count (RestartCount 0). */
                json_object_set_new(row->data, "restartCount", json_integer(0));
                json_object_del(row->data, "restartDelayMs");
        }
        json_object_del(row->data, "restarting");
        json_object_del(row->data, "stoppedByUser");
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        _cleanup_free_ char *health = xasprintf("%s/health.json", run_dir);
        unlink(health);
        return restore_after_reboot(e, row, err);
}

int engine_container_restore_rootfs(struct engine *e, const struct container_row *row,
                                    struct error **err)
{
        struct container_lock lock = {-1};
        if (container_lock_take(e, row->id, &lock, err) < 0)
                return -1;
        int rc = restore_after_reboot(e, row, err);
        container_lock_release(&lock);
        return rc;
}

/* Milliseconds since the epoch of an RFC 3339 UTC time ("...Z"), 0 when unreadable. */
static int64_t rfc3339_ms(const char *text)
{
        struct tm tm = {0};
        const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        if (!rest)
                return 0;
        int64_t ms = (int64_t)timegm(&tm) * 1000;
        if (*rest == '.')
                ms += (int64_t)(strtod(rest, NULL) * 1000);
        return ms;
}

static void sleep_ms(int64_t ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Under the lock, ROW freshly loaded and exited: the restart policy's decision. The back-off
 * (ms) in *DELAY when it restarts; 0 when not. */
static int plan_restart(struct engine *e, struct container_row *row,
                        const struct container_state *st, int64_t *delay, struct error **err)
{
        json_t *p = json_object_get(json_object_get(row->data, "options"), "restartPolicy");
        struct restart_policy policy = {
            restart_policy_name_parse(json_string_value(json_object_get(p, "Name"))),
            (int)json_integer_value(json_object_get(p, "MaximumRetryCount"))};
        int count = (int)json_integer_value(json_object_get(row->data, "restartCount"));
        bool stopped = json_is_true(json_object_get(row->data, "stoppedByUser"));
        *delay = 0;
        if (!restart_policy_should_restart(&policy, st->exit_code, count, stopped))
                return 0;
        int64_t ran = rfc3339_ms(st->finished_at) - rfc3339_ms(st->started_at);
        *delay = restart_backoff_next_ms(
            json_integer_value(json_object_get(row->data, "restartDelayMs")), ran);
        json_object_set_new(row->data, "restartDelayMs", json_integer(*delay));
        json_object_set_new(row->data, "restarting", json_true());
        return container_db_update_data(e->containers, row->id, row->data, err);
}

/* After the back-off, under the lock: starts the container again unless the user stopped,
 * started or removed it meanwhile. */
static int restart_now(struct engine *e, const char *id, struct error **err)
{
        struct container_lock lock = {-1};
        struct container_row row = {.id = (char *)id};
        struct container_state st = {0};
        int ret = -1;
        if (container_lock_take(e, id, &lock, err) < 0)
                return -1;
        int rc = reload(e, &row, err);
        if (rc <= 0) {
                if (rc == 0)
                        container_lock_release_removed(e, &lock);
                container_lock_release(&lock);
                return rc;
        }
        row.name = (char *)id;
        engine_use_runtime_of(e, &row);
        if (engine_container_state(e, &row, &st, err) < 0)
                goto out;
        if (st.status != CONTAINER_EXITED ||
            json_is_true(json_object_get(row.data, "stoppedByUser"))) {
                json_object_del(row.data, "restarting");
                ret = container_db_update_data(e->containers, id, row.data, err);
                goto out;
        }
        json_int_t count = json_integer_value(json_object_get(row.data, "restartCount"));
        json_object_set_new(row.data, "restartCount", json_integer(count + 1));
        if (container_db_update_data(e->containers, id, row.data, err) < 0)
                goto out;
        policy_restart = true;
        ret = engine_container_start(e, &row, NULL, err);
        policy_restart = false;
out:
        container_state_release(&st);
        json_decref(row.data);
        container_lock_release(&lock);
        return ret;
}

int engine_container_cleanup(struct engine *e, const char *id, struct error **err)
{
        struct container_lock lock = {-1};
        struct container_row row = {0};
        struct container_state st = {0};
        int64_t delay = 0;
        int ret = -1;
        int rc = container_db_find(e->containers, id, &row, err);
        if (rc <= 0)
                return rc; /* removed meanwhile (rm -f, attached run --rm): nothing to do */
        if (container_lock_take(e, row.id, &lock, err) < 0)
                goto out;
        if ((rc = reload(e, &row, err)) <= 0) {
                if (rc == 0)
                        container_lock_release_removed(e, &lock);
                ret = rc;
                goto out;
        }
        engine_use_runtime_of(e, &row);
        if (engine_container_state(e, &row, &st, err) < 0)
                goto out;
        if (st.status != CONTAINER_EXITED) {
                ret = 0; /* started again meanwhile: its network is in use */
                goto out;
        }
        if (engine_network_needs_teardown(&row) && engine_network_teardown(e, &row, err) < 0) {
                error_wrap(err, "tear down the network of container %s", row.name);
                goto out;
        }
        if (json_is_true(json_object_get(json_object_get(row.data, "options"), "remove"))) {
                ret = engine_container_remove(e, &row, true, err);
                if (ret == 0)
                        container_lock_release_removed(e, &lock);
                goto out;
        }
        if (plan_restart(e, &row, &st, &delay, err) < 0)
                goto out;
        ret = 0;
out:
        container_lock_release(&lock);
        container_state_release(&st);
        if (ret == 0 && delay > 0) {
                /* Not under the lock: stop, rm -f or start may come meanwhile. */
                log_debug("restart container %s in %lld ms", row.name, (long long)delay);
                sleep_ms(delay);
                ret = restart_now(e, row.id, err);
        }
        container_row_release(&row);
        return ret;
}

void engine_monitor_health_args(const struct container_row *row, const char **argv, size_t *n,
                                size_t max, char interval[32])
{
        json_t *hc = json_object_get(json_object_get(row->data, "options"), "healthcheck");
        json_t *command = json_object_get(row->data, "healthCommand");
        if (!hc || json_array_size(command) == 0 || *n + 2 * json_array_size(command) + 3 >= max)
                return;
        snprintf(interval, 32, "%.3f", (double)health_config_interval_ns(hc) / 1e9);
        argv[(*n)++] = "--health-interval";
        argv[(*n)++] = interval;
        size_t i;
        json_t *arg;
        json_array_foreach(command, i, arg)
        {
                argv[(*n)++] = i == 0 ? "--health-command" : "--health-arg";
                argv[(*n)++] = json_string_value(arg);
        }
}
