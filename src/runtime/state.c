/* The runtime's record of each container: <root>/<id>/state.json and config.json. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "alloc.h"
#include "cgroup.h"
#include "cgroup_freezer.h"
#include "container.h"
#include "error.h"
#include "fs.h"
#include "process.h"
#include "runtime_config.h"
#include "runtime_state.h"

char *container_dir(const struct runtime_options *rt, const char *id)
{
        return xasprintf("%s/%s", rt->root, id);
}

/* runc's rule: letters, digits, "_", "+", "-", "."; not "." or "..". Keeps ids safe as
 * directory names. */
int container_id_check(const char *id, struct error **err)
{
        if (id == NULL || *id == '\0')
                return error_set(err, 0, "container id cannot be empty");
        if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 1024)
                return error_set(err, 0, "invalid container id %s", id);
        for (const char *p = id; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
                        return error_set(err, 0, "invalid container id %s", id);
        return 0;
}

void container_record_free(struct container_record *rec)
{
        if (rec == NULL)
                return;
        free(rec->id);
        free(rec->bundle);
        free(rec->rootfs);
        free(rec->created);
        free(rec->owner);
        cgroup_free(rec->cgroup);
        oci_config_free(rec->config);
        free(rec);
}

int container_record_save(const struct runtime_options *rt, const struct container_record *rec,
                          const char *config_text, struct error **err)
{
        _cleanup_free_ char *dir = container_dir(rt, rec->id);
        if (config_text) {
                _cleanup_free_ char *config_path = xasprintf("%s/config.json", dir);
                if (fs_replace_file(config_path, config_text, strlen(config_text), 0600, err) < 0)
                        return -1;
        }
        json_t *doc =
            json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:b}", "id", rec->id, "pid",
                      (json_int_t)rec->pid, "startTime", (json_int_t)rec->start_time, "bundle",
                      rec->bundle, "rootfs", rec->rootfs, "created", rec->created, "owner",
                      rec->owner ? rec->owner : "", "hooks", rec->has_hooks);
        if (rec->cgroup)
                json_object_set_new(doc, "cgroup", cgroup_to_json(rec->cgroup));
        _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        _cleanup_free_ char *path = xasprintf("%s/state.json", dir);
        return fs_replace_file(path, text, strlen(text), 0600, err);
}

struct container_record *container_record_load_state(const struct runtime_options *rt,
                                                     const char *id, struct error **err)
{
        if (container_id_check(id, err) < 0)
                return NULL;
        _cleanup_free_ char *dir = container_dir(rt, id);
        if (access(dir, F_OK) < 0) {
                error_set(err, 0, "container %s does not exist", id);
                return NULL;
        }
        struct container_record *rec = xcalloc(1, sizeof(*rec));
        rec->id = xstrdup(id);
        _cleanup_free_ char *path = xasprintf("%s/state.json", dir);
        json_error_t jerr;
        json_t *doc = json_load_file(path, 0, &jerr);
        if (doc == NULL) {
                /* The directory exists but create has not written its record yet. */
                if (access(path, F_OK) < 0)
                        return rec;
                error_set(err, 0, "container %s: state.json: %s", id, jerr.text);
                container_record_free(rec);
                return NULL;
        }
        json_int_t pid = 0, start = 0;
        const char *bundle = "", *rootfs = "", *created = "", *owner = "";
        json_t *cg = NULL;
        int hooks = 1;
        if (json_unpack(doc, "{s:I, s?I, s:s, s?s, s?s, s?s, s?o, s?b}", "pid", &pid, "startTime",
                        &start, "bundle", &bundle, "rootfs", &rootfs, "created", &created, "owner",
                        &owner, "cgroup", &cg, "hooks", &hooks) < 0) {
                json_decref(doc);
                container_record_free(rec);
                error_set(err, 0, "container %s: state.json is malformed", id);
                return NULL;
        }
        rec->pid = (pid_t)pid;
        rec->start_time = (uint64_t)start;
        rec->bundle = xstrdup(bundle);
        rec->rootfs = xstrdup(rootfs);
        rec->created = xstrdup(created);
        rec->owner = xstrdup(owner);
        rec->has_hooks = hooks;
        if (cg)
                rec->cgroup = cgroup_from_json(cg, NULL);
        json_decref(doc);
        return rec;
}

const struct oci_config *container_record_config(const struct runtime_options *rt,
                                                 struct container_record *rec, struct error **err)
{
        if (rec->config)
                return rec->config;
        _cleanup_free_ char *dir = container_dir(rt, rec->id);
        _cleanup_free_ char *config_path = xasprintf("%s/config.json", dir);
        rec->config = oci_config_load(config_path, err);
        if (rec->config == NULL)
                error_wrap(err, "container %s", rec->id);
        return rec->config;
}

struct container_record *container_record_load(const struct runtime_options *rt, const char *id,
                                               struct error **err)
{
        struct container_record *rec = container_record_load_state(rt, id, err);
        /* A record still being created has no state.json yet (pid 0): nothing more to load. */
        if (rec == NULL || rec->pid == 0)
                return rec;
        if (container_record_config(rt, rec, err) == NULL) {
                container_record_free(rec);
                return NULL;
        }
        return rec;
}

enum container_status container_status(const struct runtime_options *rt,
                                       const struct container_record *rec)
{
        if (rec->pid == 0)
                return CONTAINER_CREATING;
        if (!process_alive(rec->pid, rec->start_time))
                return CONTAINER_STOPPED;
        if (cgroup_is_frozen(rec->cgroup))
                return CONTAINER_PAUSED;
        _cleanup_free_ char *fifo = xasprintf("%s/%s/exec.fifo", rt->root, rec->id);
        return access(fifo, F_OK) == 0 ? CONTAINER_CREATED : CONTAINER_RUNNING;
}

const char *runtime_status_name(enum container_status status)
{
        switch (status) {
        case CONTAINER_CREATING:
                return "creating";
        case CONTAINER_CREATED:
                return "created";
        case CONTAINER_RUNNING:
                return "running";
        case CONTAINER_STOPPED:
                return "stopped";
        case CONTAINER_PAUSED:
                return "paused";
        }
        return "unknown";
}

char *container_state_json(const struct runtime_options *rt, const struct container_record *rec,
                           bool pretty)
{
        enum container_status status = container_status(rt, rec);
        struct oci_state state = {
            .oci_version = OCI_RUNTIME_SPEC_VERSION,
            .id = rec->id,
            .status = runtime_status_name(status),
            .pid = status == CONTAINER_CREATING  ? -1
                   : status == CONTAINER_STOPPED ? 0
                                                 : rec->pid,
            .bundle = rec->bundle ? rec->bundle : "",
            .rootfs = rec->rootfs,
            .created = rec->created,
            .owner = rec->owner,
            .annotations = rec->config ? rec->config->annotations : NULL,
            .n_annotations = rec->config ? rec->config->n_annotations : 0,
        };
        return oci_state_to_json(&state, pretty);
}
