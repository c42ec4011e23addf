/* berth create: from an image and options to a container ready to start (see engine.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "container_config.h"
#include "container_config_internal.h"
#include "container_host_config.h"
#include "engine_internal.h"
#include "containers_conf.h"
#include "engine_network.h"
#include "engine_restart.h"
#include "image/snapshot.h"
#include "network/hosts_file.h"
#include "volume_mounts.h"
#include "volumes.h"
#include "oci/image_manifest.h"

#define CONFIG_MAX (32u << 20)

static void random_hex(char *out, size_t bytes)
{
        unsigned char buf[64];
        if (getrandom(buf, bytes, 0) != (ssize_t)bytes) {
                /* getrandom(2) does not fail for <= 256 bytes once the pool is ready; be safe. */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                srandom((unsigned)(ts.tv_nsec ^ getpid()));
                for (size_t i = 0; i < bytes; i++)
                        buf[i] = (unsigned char)random();
        }
        for (size_t i = 0; i < bytes; i++)
                sprintf(out + 2 * i, "%02x", buf[i]);
}

/* docker's generated names: adjective_surname. */
static char *generate_name(void)
{
        static const char *const left[] = {
            "admiring", "brave",    "busy",       "clever",   "dazzling", "eager",
            "festive",  "gallant",  "happy",      "jolly",    "keen",     "loving",
            "modest",   "nifty",    "optimistic", "peaceful", "quirky",   "relaxed",
            "serene",   "trusting", "vibrant",    "wizardly", "youthful", "zealous"};
        static const char *const right[] = {
            "babbage", "curie",   "darwin",   "einstein", "feynman",  "goldberg", "hopper",
            "johnson", "knuth",   "lamport",  "lovelace", "mccarthy", "noether",  "pike",
            "ritchie", "shannon", "thompson", "torvalds", "turing",   "wozniak"};
        unsigned char r[2];
        if (getrandom(r, sizeof(r), 0) != sizeof(r))
                r[0] = r[1] = (unsigned char)getpid();
        return xasprintf("%s_%s", left[r[0] % (sizeof(left) / sizeof(left[0]))],
                         right[r[1] % (sizeof(right) / sizeof(right[0]))]);
}

/* The image config's "config" object (a new reference, or NULL when it has none). */
static json_t *image_run_config(struct engine *e, const struct image_record *image,
                                struct error **err)
{
        size_t len;
        _cleanup_free_ char *text =
            content_store_read_blob(e->images->content, &image->id, CONFIG_MAX, &len, err);
        if (!text)
                return NULL;
        json_t *doc = json_loadb(text, len, 0, NULL);
        if (!doc) {
                error_set(err, 0, "image %s: its config is not JSON", image->id.text);
                return NULL;
        }
        json_t *config = json_incref(json_object_get(doc, "config"));
        json_decref(doc);
        return config ? config : json_object();
}

static int write_text(const char *path, const char *text, struct error **err)
{
        /* RUNROOT is volatile (a tmpfs a reboot clears): replaced by rename, not synced. */
        return fs_replace_file(path, text, strlen(text), 0644, err);
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf of the container, in RUN_DIR. */
static int write_network_files(const struct engine_create_request *r, const char *run_dir,
                               const char *hostname, bool host_network, struct error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/hostname", run_dir);
        _cleanup_free_ char *line = xasprintf("%s\n", hostname);
        if (write_text(path, line, err) < 0)
                return -1;

        _cleanup_free_ char *hosts_path = xasprintf("%s/hosts", run_dir);
        size_t len = 0;
        _cleanup_free_ char *hosts = NULL;
        if (host_network) {
                struct error *ignored = NULL;
                hosts = fs_read_file("/etc/hosts", &len, &ignored);
                error_free(&ignored);
        }
        if (!hosts)
                hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                                  "ip6-loopback\n127.0.1.1\t%s\n",
                                  hostname);
        for (char **h = r->add_hosts; h && *h; h++) {
                /* docker's --add-host HOST:IP (the IP may be IPv6, so split at the first ':') */
                const char *colon = strchr(*h, ':');
                if (!colon)
                        return error_set(err, 0, "--add-host: invalid entry \"%s\": HOST:IP", *h);
                char *next = xasprintf("%s%s\t%.*s\n", hosts, colon + 1, (int)(colon - *h), *h);
                free(hosts);
                hosts = next;
        }
        if (write_text(hosts_path, hosts, err) < 0)
                return -1;

        _cleanup_free_ char *resolv_path = xasprintf("%s/resolv.conf", run_dir);
        _cleanup_free_ char *resolv = NULL;
        if (r->dns && r->dns[0]) {
                resolv = xstrdup("");
                for (char **d = r->dns; *d; d++) {
                        char *next = xasprintf("%snameserver %s\n", resolv, *d);
                        free(resolv);
                        resolv = next;
                }
        } else {
                struct error *ignored = NULL;
                resolv = fs_read_file("/etc/resolv.conf", &len, &ignored);
                error_free(&ignored);
                if (!resolv)
                        resolv = xstrdup("");
                if (!host_network) { /* docker's rule: no loopback nameservers */
                        char *filtered = resolv_conf_for_bridge(resolv);
                        free(resolv);
                        resolv = filtered;
                }
        }
        return write_text(resolv_path, resolv, err);
}

/* Each volume mount's directory: the named volume (created when new) or a new anonymous one
 * (volumes.h), filled from ROOTFS when empty unless nocopy (volume_mounts.h). Their names go
 * to VOLUMES, for `rm -v` and for volume users. */
static int resolve_volumes(struct engine *e, struct engine_create_options *o, json_t *volumes,
                           const char *rootfs, struct error **err)
{
        for (size_t i = 0; i < o->n_mounts; i++) {
                struct engine_mount *m = &o->mounts[i];
                if (m->type != ENGINE_MOUNT_VOLUME || m->volume_path)
                        continue;
                _cleanup_free_ char *name = NULL;
                if (volume_create(e, m->source, NULL, &name, err) < 0)
                        return -1;
                m->volume_path = xasprintf("%s/volumes/%s/_data", e->root, name);
                json_array_append_new(volumes, json_string(name));
                if (!m->nocopy && volume_copy_up(rootfs, m->destination, m->volume_path, err) < 0)
                        return error_wrap(err, "volume %s", name);
        }
        return 0;
}

/* A create that failed removes the anonymous volumes it made (named ones may be shared). */
static void remove_anonymous_volumes(struct engine *e, json_t *volumes)
{
        size_t i;
        json_t *name;
        json_array_foreach(volumes, i, name)
        {
                if (!volume_name_anonymous(json_string_value(name)))
                        continue;
                struct error *ignored = NULL;
                (void)volume_remove(e, json_string_value(name), true, NULL, &ignored);
                error_free(&ignored);
        }
}

static json_t *labels_object(char **labels)
{
        json_t *o = json_object();
        for (char **p = labels; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                _cleanup_free_ char *key = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
                json_object_set_new(o, key, json_string(eq ? eq + 1 : ""));
        }
        return o;
}

/* Inserts the record of a container being created: its name (a generated one drawn again
 * while taken, as docker does: with a number after it once the plain names seem crowded),
 * image and rootfs, and "creating" until engine_container_create() completes it. */
static int insert_record(struct engine *e, const struct engine_create_request *r, const char *id,
                         char **name, const char *rootfs, int64_t *created, struct error **err)
{
        json_t *data = json_object();
        json_object_set_new(data, "creating", json_true());
        json_object_set_new(data, "image", json_string(r->image_name));
        json_object_set_new(data, "rootfs", json_string(rootfs));
        struct container_row row = {.id = (char *)id,
                                    .name = *name,
                                    .image_id = (char *)r->image->id.text,
                                    .created = time(NULL),
                                    .data = data};
        int rc;
        for (int attempt = 1;
             (rc = container_db_insert(e->containers, &row, err)) == CONTAINER_DB_NAME_IN_USE &&
             !r->name && attempt < 20;
             attempt++) {
                error_free(err);
                free(*name);
                *name = generate_name();
                if (attempt >= 3) {
                        char *numbered = xasprintf("%s%d", *name, attempt);
                        free(*name);
                        *name = numbered;
                }
                row.name = *name;
        }
        json_decref(data);
        *created = row.created;
        return rc < 0 ? -1 : 0;
}

int engine_container_create(struct engine *e, const struct engine_create_request *r,
                            struct container_row *out, struct error **err)
{
        struct engine_create_options *o = r->options;
        /* No --network: docker's bridge, unless containers.conf says otherwise. */
        if (!o->network)
                o->network = containers_conf_default_network();
        const char *network = o->network;
        if (engine_network_check_request(e, r, err) < 0)
                return -1;
        char id[65];
        random_hex(id, 32);
        _cleanup_free_ char *name = r->name ? xstrdup(r->name) : generate_name();
        _cleanup_free_ char *dir = engine_container_dir(e, id);
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, id);
        _cleanup_free_ char *merged = xasprintf("%s/merged", dir);
        _cleanup_free_ char *bundle_config = xasprintf("%s/config.json", run_dir);
        _cleanup_free_ char *hostname = o->hostname ? xstrdup(o->hostname) : xstrndup(id, 12);
        _cleanup_free_ char *hostname_path = xasprintf("%s/hostname", run_dir);
        _cleanup_free_ char *hosts_path = xasprintf("%s/hosts", run_dir);
        _cleanup_free_ char *resolv_path = xasprintf("%s/resolv.conf", run_dir);
        _cleanup_free_ char *config_text = NULL;
        _cleanup_free_ char *netns_path = NULL;
        json_t *network_plan = NULL;
        json_t *image_config = NULL, *config = NULL, *volumes = json_array();
        struct engine_file_bind binds[3];
        bool mounted = false;
        struct volume_mounts_saved image_volumes = {0};
        bool recorded = false;
        int64_t created = 0;
        int ret = -1;

        /* The record first, then the container's directories and mounts: a berth killed at
         * any point leaves a record that `ps -a` shows (Created) and `rm -f` cleans, never
         * a mount or a directory that no command knows of. */
        if (insert_record(e, r, id, &name, merged, &created, err) < 0)
                goto done; /* nothing made yet */
        recorded = true;
        if (fs_mkdir_p(merged, 0700, err) < 0 || fs_mkdir_p(run_dir, 0700, err) < 0)
                goto fail;
        if (snapshot_container_mount(e->images, r->image, dir, merged,
                                     r->removed_when_done || r->remove_on_exit, err) < 0)
                goto fail;
        mounted = true;
        if (!(image_config = image_run_config(e, r->image, err)))
                goto fail;
        /* Networks, ports (-P needs the image's ExposedPorts) and the netns path. */
        if (!(network_plan = engine_network_plan(e, r, image_config, id, &netns_path, err)))
                goto fail;
        o->network_namespace_path = netns_path;
        volume_mounts_add_image(o, image_config, &image_volumes);
        if (resolve_volumes(e, o, volumes, merged, err) < 0)
                goto fail;
        bool host_network = strcmp(network, "host") == 0;
        if (write_network_files(r, run_dir, hostname, host_network, err) < 0)
                goto fail;
        binds[0] = (struct engine_file_bind){hostname_path, "/etc/hostname", false};
        binds[1] = (struct engine_file_bind){hosts_path, "/etc/hosts", false};
        binds[2] = (struct engine_file_bind){resolv_path, "/etc/resolv.conf", false};
        o->file_binds = binds;
        o->n_file_binds = 3;
        if (!o->hostname && !host_network)
                o->hostname = hostname;
        o->network = network;
        config = engine_container_config(o, image_config, merged, id, err);
        o->file_binds = NULL;
        o->n_file_binds = 0;
        if (!config)
                goto fail;
        config_text = json_dumps(config, JSON_INDENT(2));
        if (fs_replace_file(bundle_config, config_text, strlen(config_text), 0600, err) < 0)
                goto fail;

        json_t *process = json_object_get(config, "process");
        json_t *data = json_object();
        json_t *options = json_object();
        json_object_set_new(options, "tty", json_boolean(o->tty));
        json_object_set_new(options, "interactive", json_boolean(o->interactive));
        const char *stop_signal = json_string_value(
            json_object_get(json_object_get(config, "annotations"), ENGINE_STOP_SIGNAL_ANNOTATION));
        if (stop_signal)
                json_object_set_new(options, "stopSignal", json_string(stop_signal));
        json_object_set_new(options, "stopTimeout",
                            json_integer(r->stop_timeout >= 0 ? r->stop_timeout : 10));
        json_object_set_new(options, "labels", labels_object(r->labels));
        json_object_set_new(options, "network", json_string(network));
        json_object_set_new(options, "hostname", json_string(hostname));
        /* What inspect's Config.User shows, as docker: -u as typed, else the image's User. */
        const char *user_spec =
            o->user ? o->user : json_string_value(json_object_get(image_config, "User"));
        json_object_set_new(options, "user", json_string(user_spec ? user_spec : ""));
        json_object_set_new(options, "remove", json_boolean(r->remove_on_exit));
        if (r->log_max_size > 0)
                json_object_set_new(options, "logMaxSize", json_integer(r->log_max_size));
        json_object_set_new(options, "hostConfig", engine_host_config_record(o, r));
        json_object_set_new(data, "options", options);
        json_object_set_new(data, "image", json_string(r->image_name));
        json_object_set(data, "command", json_object_get(process, "args"));
        json_object_set_new(data, "volumes", volumes);
        volumes = NULL;
        json_object_set_new(data, "runtime", json_string(r->runtime ? r->runtime : e->runtime));
        json_object_set_new(data, "rootfs", json_string(merged));
        json_object_update(data, network_plan);
        /* Restart policy, healthcheck, and the exit command when it needs one. */
        if (engine_post_exit_record(e, r, image_config, id, data, err) < 0) {
                json_decref(data);
                goto fail;
        }
        /* The record becomes whole only now: until here it said "creating". */
        if (container_db_update_data(e->containers, id, data, err) < 0) {
                json_decref(data);
                goto fail;
        }
        out->id = xstrdup(id);
        out->name = steal_pointer(&name);
        out->image_id = xstrdup(r->image->id.text);
        out->created = created;
        out->data = data;
        ret = 0;
        goto done;
fail:
        if (mounted)
                umount2(merged, MNT_DETACH);
        if (recorded) {
                struct error *ignored = NULL;
                (void)container_db_delete(e->containers, id, &ignored);
                error_free(&ignored);
        }
        if (volumes)
                remove_anonymous_volumes(e, volumes);
        {
                struct error *ignored = NULL;
                (void)fs_remove_tree(run_dir, &ignored);
                error_free(&ignored);
                (void)fs_remove_tree(dir, &ignored);
                error_free(&ignored);
        }
done:
        volume_mounts_restore(o, &image_volumes);
        json_decref(volumes);
        json_decref(image_config);
        json_decref(config);
        json_decref(network_plan);
        o->network_namespace_path = NULL;
        return ret;
}

char *engine_container_user(const struct container_row *row, const char *spec, gid_t **gids,
                            size_t *n_gids, struct error **err)
{
        const char *rootfs = json_string_value(json_object_get(row->data, "rootfs"));
        if (!rootfs) {
                error_set(err, 0, "container %s has no root filesystem recorded", row->name);
                return NULL;
        }
        _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                error_set(err, errno, "open %s", rootfs);
                return NULL;
        }
        struct engine_user user = {0};
        if (engine_user_resolve(rootfd, spec, &user, err) < 0)
                return NULL;
        char *text = xasprintf("%u:%u", (unsigned)user.uid, (unsigned)user.gid);
        *gids = steal_pointer(&user.additional_gids);
        *n_gids = user.n_additional_gids;
        engine_user_release(&user);
        return text;
}
