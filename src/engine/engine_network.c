/* Container networks through CNI (engine_network.h, docs/network.md). */
#include "engine_network.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "container_config.h"
#include "network/cni_conflist.h"
#include "network/hosts_file.h"
#include "network/netns.h"
#include "network/network_link.h"
#include "network/network_store.h"
#include "network/port_mapping.h"

#define NETWORK_STATE_FILE "network.json"

static const char *network_mode(const struct container_row *row)
{
        const char *network =
            json_string_value(json_object_get(json_object_get(row->data, "options"), "network"));
        return network ? network : "none";
}

static bool mode_uses_cni(const char *mode)
{
        return strcmp(mode, "none") != 0 && strcmp(mode, "host") != 0;
}

bool engine_network_needs_teardown(const struct container_row *row)
{
        return mode_uses_cni(network_mode(row));
}

static char *state_path(struct engine *e, const char *id)
{
        _cleanup_free_ char *dir = engine_container_run_dir(e, id);
        return xasprintf("%s/" NETWORK_STATE_FILE, dir);
}

static char *netns_path_of(struct engine *e, const char *id)
{
        return xasprintf("%s/netns/%s", e->runroot, id);
}

/* network.json of container ID, or NULL when it is not set up. */
static json_t *load_state(struct engine *e, const char *id)
{
        _cleanup_free_ char *path = state_path(e, id);
        return json_load_file(path, 0, NULL);
}

static int save_state(struct engine *e, const char *id, json_t *state, struct error **err)
{
        _cleanup_free_ char *path = state_path(e, id);
        _cleanup_free_ char *text = json_dumps(state, JSON_INDENT(2));
        return fs_replace_file(path, text, strlen(text), 0600, err);
}

/* An exclusive flock on RUNROOT/networks/NAME.lock; the fd, or -1 with *err. */
static int lock_named(struct engine *e, const char *name, struct error **err)
{
        _cleanup_free_ char *dir = xasprintf("%s/networks", e->runroot);
        if (fs_mkdir_p(dir, 0700, err) < 0)
                return -1;
        _cleanup_free_ char *path = xasprintf("%s/%s.lock", dir, name);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set(err, errno, "open %s", path);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int saved = errno;
                        close(fd);
                        return error_set(err, saved, "lock %s", path);
                }
        }
        return fd;
}

static int open_store(struct engine *e, struct network_store **out, struct error **err)
{
        return network_store_open(e->root, out, err);
}

/* The network NAME (1), none (0 with the error "network NAME not found"), -1. */
static int find_network(struct engine *e, const char *name, struct network *out, struct error **err)
{
        struct network_store *store = NULL;
        if (open_store(e, &store, err) < 0)
                return -1;
        int rc = network_store_find(store, name, out, err);
        network_store_free(store);
        if (rc == 0)
                return error_set(err, 0, "network %s not found", name);
        return rc < 0 ? -1 : 1;
}

/* Each NULL-terminated list element as a JSON string array. */
static json_t *string_array(char **list)
{
        json_t *a = json_array();
        for (char **p = list; p && *p; p++)
                json_array_append_new(a, json_string(*p));
        return a;
}

/* R's --publish flags as port mappings (*ports newly allocated, *n of them; NULL and 0 when
 * none); -1 with *err naming the flag that does not parse. */
static int parse_publish(const struct engine_create_request *r, struct port_mapping **ports,
                         size_t *n, struct error **err)
{
        *ports = NULL;
        *n = 0;
        for (char **p = r->publish; p && *p; p++) {
                if (port_mapping_parse(*p, ports, n, err) < 0) {
                        free(*ports);
                        *ports = NULL;
                        return error_wrap(err, "--publish %s", *p);
                }
        }
        return 0;
}

int engine_network_check_request(struct engine *e, const struct engine_create_request *r,
                                 struct error **err)
{
        const char *mode = r->options->network ? r->options->network : "none";
        if (mode_uses_cni(mode)) {
                struct network net;
                if (find_network(e, mode, &net, err) < 0)
                        return error_wrap(err, "--network");
                network_release(&net);
        } else if (r->network_aliases && r->network_aliases[0]) {
                return error_set(err, 0, "--network-alias: only for bridge and user networks");
        }
        struct port_mapping *ports = NULL;
        size_t n = 0;
        if (parse_publish(r, &ports, &n, err) < 0)
                return -1;
        free(ports);
        if (n > 0 && !mode_uses_cni(mode))
                return error_set(err, 0,
                                 "--publish: not with --network %s (ports are published "
                                 "on bridge and user networks)",
                                 mode);
        return 0;
}

json_t *engine_network_plan(struct engine *e, const struct engine_create_request *r,
                            json_t *image_config, const char *id, char **netns_path,
                            struct error **err)
{
        *netns_path = NULL;
        const char *mode = r->options->network ? r->options->network : "none";
        json_t *plan = json_object();
        if (!mode_uses_cni(mode))
                return plan;
        struct network net;
        if (find_network(e, mode, &net, err) < 0) {
                json_decref(plan);
                return NULL;
        }
        json_t *attachment =
            json_pack("{s:s, s:o}", "name", net.name, "aliases", string_array(r->network_aliases));
        network_release(&net);
        json_object_set_new(plan, "networks", json_pack("[o]", attachment));

        struct port_mapping *ports = NULL;
        size_t n = 0;
        if (parse_publish(r, &ports, &n, err) < 0) {
                json_decref(plan);
                return NULL;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(list, port_mapping_to_json(&ports[i]));
        if (r->publish_all) {
                /* -P: each ExposedPorts key not published already, on a random host port. */
                const char *key;
                json_t *value;
                json_object_foreach(json_object_get(image_config, "ExposedPorts"), key, value)
                {
                        struct port_mapping m;
                        if (port_mapping_exposed(key, &m, err) < 0) {
                                free(ports);
                                json_decref(list);
                                json_decref(plan);
                                return NULL;
                        }
                        bool published = false;
                        for (size_t i = 0; i < n; i++)
                                published =
                                    published || (ports[i].container_port == m.container_port &&
                                                  strcmp(ports[i].protocol, m.protocol) == 0);
                        if (!published)
                                json_array_append_new(list, port_mapping_to_json(&m));
                }
        }
        free(ports);
        json_object_set_new(plan, "ports", list);
        *netns_path = netns_path_of(e, id);
        json_object_set_new(plan, "netns", json_string(*netns_path));
        return plan;
}

/* The conflist of NET as it is run: host-local's leases under RUNROOT/cni/networks, a tmpfs
 * that a reboot clears together with the containers that held them. A new reference. */
static json_t *runnable_conflist(struct engine *e, const struct network *net)
{
        json_t *conflist = json_deep_copy(net->conflist);
        json_object_del(conflist, "berth");
        _cleanup_free_ char *data_dir = xasprintf("%s/cni/networks", e->runroot);
        size_t i;
        json_t *plugin;
        json_array_foreach(json_object_get(conflist, "plugins"), i, plugin)
        {
                json_t *ipam = json_object_get(plugin, "ipam");
                if (json_is_object(ipam))
                        json_object_set_new(ipam, "dataDir", json_string(data_dir));
        }
        return conflist;
}

/* The names a container answers to on a network: its name, its aliases, its hostname. */
static const char **entry_names(json_t *state, json_t *attachment, const char **buf, size_t max)
{
        size_t n = 0;
        buf[n++] = json_string_value(json_object_get(state, "hostname"));
        buf[n++] = json_string_value(json_object_get(state, "name"));
        size_t i;
        json_t *alias;
        json_array_foreach(json_object_get(attachment, "aliases"), i, alias)
        {
                if (n + 1 < max)
                        buf[n++] = json_string_value(alias);
        }
        for (size_t k = 0; k < n; k++)
                if (!buf[k])
                        buf[k] = "";
        buf[n] = NULL;
        return buf;
}

struct hosts_edit {
        const char *ip;           /* NULL: the text as it is */
        const char *const *names; /* NULL: drop the line for ip */
        const char *base;         /* not NULL: start from this text (the container's own file) */
};

static char *apply_hosts_edit(const char *text, void *arg)
{
        struct hosts_edit *edit = arg;
        if (edit->base)
                text = edit->base;
        if (!edit->ip)
                return xstrdup(text);
        if (!edit->names)
                return hosts_text_drop(text, edit->ip);
        return hosts_text_put(text, edit->ip, edit->names);
}

static char *hosts_path_of(struct engine *e, const char *id)
{
        _cleanup_free_ char *dir = engine_container_run_dir(e, id);
        return xasprintf("%s/hosts", dir);
}

/* The attachment of STATE to network NAME, or NULL. */
static json_t *attachment_of(json_t *state, const char *name)
{
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(state, "networks"), i, a)
        {
                const char *n = json_string_value(json_object_get(a, "name"));
                if (n && strcmp(n, name) == 0)
                        return a;
        }
        return NULL;
}

/* Calls VISIT with the network.json of each container set up now but SELF (NULL: every one). */
static void
for_each_state(struct engine *e, const char *self,
               void (*visit)(struct engine *e, const char *id, json_t *state, void *arg), void *arg)
{
        _cleanup_free_ char *dir = xasprintf("%s/containers", e->runroot);
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *ent;
        while ((ent = readdir(d))) {
                if (ent->d_name[0] == '.' || (self && strcmp(ent->d_name, self) == 0))
                        continue;
                json_t *state = load_state(e, ent->d_name);
                if (state)
                        visit(e, ent->d_name, state, arg);
                json_decref(state);
        }
        closedir(d);
}

typedef void peer_visit(struct engine *e, const char *id, json_t *state, json_t *attachment,
                        void *arg);

struct peer_filter {
        const char *name; /* the network */
        peer_visit *visit;
        void *arg;
};

static void visit_if_peer(struct engine *e, const char *id, json_t *state, void *arg)
{
        struct peer_filter *f = arg;
        json_t *a = attachment_of(state, f->name);
        if (a && json_string_value(json_object_get(a, "ip")))
                f->visit(e, id, state, a, f->arg);
}

/* Calls VISIT for each other container set up on network NAME (its id, state, attachment). */
static void for_each_peer(struct engine *e, const char *self, const char *name, peer_visit *visit,
                          void *arg)
{
        struct peer_filter f = {.name = name, .visit = visit, .arg = arg};
        for_each_state(e, self, visit_if_peer, &f);
}

struct join {
        json_t *state;      /* the joining container's */
        json_t *attachment; /* its attachment */
        const char *id;
        int failures;
};

static void join_peer(struct engine *e, const char *id, json_t *peer_state, json_t *peer, void *arg)
{
        struct join *j = arg;
        const char *names[16];
        struct error *ignored = NULL;
        /* The peer in our file. */
        struct hosts_edit edit = {.ip = json_string_value(json_object_get(peer, "ip")),
                                  .names = entry_names(peer_state, peer, names, 16)};
        _cleanup_free_ char *own = hosts_path_of(e, j->id);
        if (hosts_file_edit(own, apply_hosts_edit, &edit, &ignored) < 0)
                j->failures++;
        error_free(&ignored);
        /* Us in the peer's. */
        edit.ip = json_string_value(json_object_get(j->attachment, "ip"));
        edit.names = entry_names(j->state, j->attachment, names, 16);
        _cleanup_free_ char *theirs = hosts_path_of(e, id);
        if (hosts_file_edit(theirs, apply_hosts_edit, &edit, &ignored) < 0)
                j->failures++;
        error_free(&ignored);
}

static void leave_peer(struct engine *e, const char *id, json_t *peer_state, json_t *peer,
                       void *arg)
{
        (void)peer_state;
        (void)peer;
        struct join *j = arg;
        struct hosts_edit edit = {.ip = json_string_value(json_object_get(j->attachment, "ip"))};
        _cleanup_free_ char *theirs = hosts_path_of(e, id);
        struct error *ignored = NULL;
        if (hosts_file_edit(theirs, apply_hosts_edit, &edit, &ignored) < 0)
                j->failures++;
        error_free(&ignored);
}

/* Names resolve between containers of a user network (not the default one, as with docker's
 * default bridge). Under the network's lock, so that two containers starting at once see
 * each other: each writes its network.json before taking the lock. */
static void visit_peers_locked(struct engine *e, const char *id, json_t *state, json_t *attachment,
                               peer_visit *visit)
{
        const char *name = json_string_value(json_object_get(attachment, "name"));
        if (!name || strcmp(name, NETWORK_DEFAULT_NAME) == 0)
                return;
        struct error *ignored = NULL;
        int lock = lock_named(e, name, &ignored);
        error_free(&ignored);
        struct join j = {.state = state, .attachment = attachment, .id = id};
        for_each_peer(e, id, name, visit, &j);
        if (lock >= 0)
                close(lock);
}

static void peers_join(struct engine *e, const char *id, json_t *state, json_t *attachment)
{
        visit_peers_locked(e, id, state, attachment, join_peer);
}

static void peers_leave(struct engine *e, const char *id, json_t *state, json_t *attachment)
{
        visit_peers_locked(e, id, state, attachment, leave_peer);
}

/* The container's own hosts file: what create wrote (hosts.base), its "127.0.1.1 hostname"
 * line replaced by its address on each network. Peers are added by peers_join. */
static int write_own_hosts(struct engine *e, const char *id, json_t *state, struct error **err)
{
        _cleanup_free_ char *dir = engine_container_run_dir(e, id);
        _cleanup_free_ char *base_path = xasprintf("%s/hosts.base", dir);
        _cleanup_free_ char *hosts = xasprintf("%s/hosts", dir);
        size_t len;
        struct error *ignored = NULL;
        _cleanup_free_ char *base = fs_read_file(base_path, &len, &ignored);
        error_free(&ignored);
        if (!base) {
                base = fs_read_file(hosts, &len, err);
                if (!base)
                        return -1;
                if (fs_replace_file(base_path, base, len, 0644, err) < 0)
                        return -1;
        }
        _cleanup_free_ char *text = hosts_text_drop(base, "127.0.1.1");
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(state, "networks"), i, a)
        {
                const char *ip = json_string_value(json_object_get(a, "ip"));
                const char *names[16];
                if (!ip)
                        continue;
                char *next = hosts_text_put(text, ip, entry_names(state, a, names, 16));
                free(text);
                text = next;
        }
        /* Rewritten in place: a running container (connect) has the file bind-mounted. */
        struct hosts_edit whole = {.base = text};
        return hosts_file_edit(hosts, apply_hosts_edit, &whole, err);
}

/* CNI ADD of the container to network NAME as IFNAME, appended to STATE's attachments (and
 * saved, so that a failure later still tears it down). */
static int attach(struct engine *e, const struct container_row *row, json_t *state,
                  const char *name, json_t *aliases, const char *ifname, json_t *ports,
                  struct error **err)
{
        struct network net;
        if (find_network(e, name, &net, err) < 0)
                return -1;
        json_t *conflist = runnable_conflist(e, &net);
        const char *netns = json_string_value(json_object_get(state, "netns"));
        struct cni_attachment a = {.container_id = row->id,
                                   .netns = netns,
                                   .ifname = ifname,
                                   .cni_path = CNI_DEFAULT_PATH};
        json_t *caps = json_object();
        if (ports && json_array_size(ports) > 0)
                json_object_set(caps, "portMappings", ports);
        json_t *result = NULL;
        int rc = cni_conflist_add(conflist, &a, caps, &result, err);
        struct cni_result_summary sum = {0};
        if (rc == 0 && cni_result_summarize(result, &sum, err) < 0) {
                struct error *ignored = NULL;
                (void)cni_conflist_del(conflist, &a, caps, result, &ignored);
                error_free(&ignored);
                rc = error_wrap(err, "network %s", net.name);
        }
        if (rc == 0) {
                json_t *entry = json_pack(
                    "{s:s, s:s, s:s, s:O, s:o, s:O, s:s, s:i, s:s, s:b}", "name", net.name, "id",
                    net.id, "ifname", ifname, "aliases", aliases ? aliases : json_array(),
                    "conflist", conflist, "result", result, "ip", sum.ip, "prefixLen",
                    sum.prefix_len, "bridge", net.bridge, "internal", net.internal);
                if (!aliases)
                        json_decref(json_object_get(entry, "aliases"));
                conflist = NULL;
                if (sum.gateway)
                        json_object_set_new(entry, "gateway", json_string(sum.gateway));
                if (sum.mac)
                        json_object_set_new(entry, "mac", json_string(sum.mac));
                if (ports && json_array_size(ports) > 0)
                        json_object_set(entry, "ports", ports);
                json_array_append_new(json_object_get(state, "networks"), entry);
                rc = save_state(e, row->id, state, err);
        }
        cni_result_summary_release(&sum);
        json_decref(result);
        json_decref(caps);
        json_decref(conflist);
        network_release(&net);
        return rc;
}

/* CNI DEL of one attachment (best effort per the spec: the namespace may be gone). */
static int detach(const struct container_row *row, json_t *state, json_t *attachment,
                  struct error **err)
{
        struct cni_attachment a = {.container_id = row->id,
                                   .netns = json_string_value(json_object_get(state, "netns")),
                                   .ifname =
                                       json_string_value(json_object_get(attachment, "ifname")),
                                   .cni_path = CNI_DEFAULT_PATH};
        if (!a.ifname)
                a.ifname = "eth0";
        json_t *caps = json_object();
        json_t *ports = json_object_get(attachment, "ports");
        if (ports)
                json_object_set(caps, "portMappings", ports);
        int rc = cni_conflist_del(json_object_get(attachment, "conflist"), &a, caps,
                                  json_object_get(attachment, "result"), err);
        json_decref(caps);
        return rc;
}

static void add_published_ports(struct engine *e, const char *id, json_t *state, void *arg)
{
        (void)e;
        (void)id;
        json_t *used = arg;
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(state, "ports"), i, p)
        {
                struct port_mapping m;
                if (port_mapping_from_json(p, &m) < 0)
                        continue;
                char key[128];
                snprintf(key, sizeof(key), "%s/%u", m.protocol, (unsigned)m.host_port);
                json_object_set_new(used, key, json_string(m.host_ip));
        }
}

/* Host ports published by the containers set up now (but SELF): "proto/ip/port" strings. */
static json_t *ports_in_use(struct engine *e, const char *self)
{
        json_t *used = json_object();
        for_each_state(e, self, add_published_ports, used);
        return used;
}

/* The record's ports with the host ports chosen: a free one for 0, and each one checked
 * against the host's sockets and the other containers' ports. A new reference. */
static json_t *choose_ports(struct engine *e, const struct container_row *row, json_t *wanted,
                            struct error **err)
{
        json_t *used = ports_in_use(e, row->id);
        json_t *chosen = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(wanted, i, p)
        {
                struct port_mapping m;
                if (port_mapping_from_json(p, &m) < 0)
                        continue;
                char key[128];
                uint16_t port = m.host_port;
                for (int attempt = 0; attempt < 32; attempt++) {
                        if (port_mapping_reserve(&m, &port, err) < 0)
                                goto fail;
                        snprintf(key, sizeof(key), "%s/%u", m.protocol, (unsigned)port);
                        json_t *other = json_object_get(used, key);
                        const char *ip = json_string_value(other);
                        bool clash =
                            other && (!ip[0] || !m.host_ip[0] || strcmp(ip, m.host_ip) == 0);
                        if (!clash)
                                break;
                        if (m.host_port) {
                                error_set(err, 0,
                                          "bind for %s:%u/%s failed: port is already allocated",
                                          m.host_ip[0] ? m.host_ip : "0.0.0.0",
                                          (unsigned)m.host_port, m.protocol);
                                goto fail;
                        }
                }
                m.host_port = port;
                json_object_set_new(used, key, json_string(m.host_ip));
                json_array_append_new(chosen, port_mapping_to_json(&m));
        }
        json_decref(used);
        return chosen;
fail:
        json_decref(used);
        json_decref(chosen);
        return NULL;
}

/* The container's network lock (RUNROOT/containers/ID/network.lock): setup and teardown of one
 * container never interleave, so the exit command's teardown of a run cannot remove what a
 * `start` right after it set up. -1 when the directory is gone (nothing to protect). */
static int lock_container(struct engine *e, const char *id)
{
        _cleanup_free_ char *dir = engine_container_run_dir(e, id);
        _cleanup_free_ char *path = xasprintf("%s/network.lock", dir);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
                ;
        return fd;
}

static int teardown_locked(struct engine *e, const struct container_row *row, struct error **err);

int engine_network_teardown(struct engine *e, const struct container_row *row, struct error **err)
{
        int lock = lock_container(e, row->id);
        int rc = teardown_locked(e, row, err);
        if (lock >= 0)
                close(lock);
        return rc;
}

static int setup_locked(struct engine *e, struct container_row *row, struct error **err);

int engine_network_setup(struct engine *e, struct container_row *row, struct error **err)
{
        if (!engine_network_needs_teardown(row))
                return 0;
        int lock = lock_container(e, row->id);
        int rc = setup_locked(e, row, err);
        if (lock >= 0)
                close(lock);
        return rc;
}

static int setup_locked(struct engine *e, struct container_row *row, struct error **err)
{
        /* Whatever a previous run left (a crash before its teardown) goes first. */
        if (teardown_locked(e, row, err) < 0)
                return -1;
        const char *recorded = json_string_value(json_object_get(row->data, "netns"));
        _cleanup_free_ char *netns = recorded ? xstrdup(recorded) : netns_path_of(e, row->id);
        json_t *options = json_object_get(row->data, "options");
        json_t *state =
            json_pack("{s:s, s:s, s:s, s:[], s:[]}", "netns", netns, "name", row->name, "hostname",
                      json_string_value(json_object_get(options, "hostname"))
                          ? json_string_value(json_object_get(options, "hostname"))
                          : "",
                      "networks", "ports");
        json_t *ports = NULL;
        int lock = -1;
        int ret = -1;
        if (netns_create(netns, err) < 0)
                goto out;
        if (save_state(e, row->id, state, err) < 0)
                goto undo;
        json_t *wanted = json_object_get(row->data, "ports");
        if (json_array_size(wanted) > 0) {
                /* One container at a time picks host ports, so two cannot take the same. */
                if ((lock = lock_named(e, "ports", err)) < 0)
                        goto undo;
                if (!(ports = choose_ports(e, row, wanted, err)))
                        goto undo;
                json_object_set(state, "ports", ports);
        }
        size_t i;
        json_t *net;
        json_array_foreach(json_object_get(row->data, "networks"), i, net)
        {
                char ifname[32];
                snprintf(ifname, sizeof(ifname), "eth%zu", i);
                const char *name = json_string_value(json_object_get(net, "name"));
                if (!name)
                        continue;
                if (attach(e, row, state, name, json_object_get(net, "aliases"), ifname,
                           i == 0 ? ports : NULL, err) < 0)
                        goto undo;
        }
        if (lock >= 0) {
                close(lock);
                lock = -1;
        }
        if (write_own_hosts(e, row->id, state, err) < 0)
                goto undo;
        json_array_foreach(json_object_get(state, "networks"), i, net)
            peers_join(e, row->id, state, net);
        ret = 0;
        goto out;
undo:
        if (lock >= 0) {
                close(lock);
                lock = -1;
        }
        {
                struct error *ignored = NULL;
                (void)teardown_locked(e, row, &ignored);
                error_free(&ignored);
        }
out:
        json_decref(ports);
        json_decref(state);
        return ret;
}

/* Teardown goes on after a failure: the first one is what it returns (*ret -1 and *err), the
 * later ones are freed. */
static void keep_first_error(int *ret, struct error **err, struct error **one)
{
        if (*ret == 0) {
                *err = steal_pointer(one);
                *ret = -1;
        }
        error_free(one);
}

static int teardown_locked(struct engine *e, const struct container_row *row, struct error **err)
{
        const char *recorded = json_string_value(json_object_get(row->data, "netns"));
        _cleanup_free_ char *netns = recorded ? xstrdup(recorded) : netns_path_of(e, row->id);
        json_t *state = load_state(e, row->id);
        int ret = 0;
        if (state) {
                json_t *list = json_object_get(state, "networks");
                for (size_t i = json_array_size(list); i-- > 0;) {
                        json_t *a = json_array_get(list, i);
                        peers_leave(e, row->id, state, a);
                        struct error *one = NULL;
                        if (detach(row, state, a, &one) < 0)
                                keep_first_error(&ret, err, &one);
                }
                json_decref(state);
        }
        struct error *one = NULL;
        if (netns_remove(netns, &one) < 0)
                keep_first_error(&ret, err, &one);
        if (ret == 0) {
                _cleanup_free_ char *path = state_path(e, row->id);
                if (unlink(path) < 0 && errno != ENOENT)
                        ret = error_set(err, errno, "remove %s", path);
        }
        return ret;
}

json_t *engine_network_published(struct engine *e, const struct container_row *row)
{
        json_t *state = load_state(e, row->id);
        json_t *ports = json_object_get(state, "ports");
        json_t *out = json_is_array(ports) ? json_incref(ports) : json_array();
        json_decref(state);
        return out;
}

char *engine_network_ports_text(struct engine *e, const struct container_row *row)
{
        json_t *ports = engine_network_published(e, row);
        char *text = xstrdup("");
        size_t i;
        json_t *p;
        json_array_foreach(ports, i, p)
        {
                struct port_mapping m;
                if (port_mapping_from_json(p, &m) < 0)
                        continue;
                _cleanup_free_ char *one = port_mapping_format(&m);
                char *next = xasprintf("%s%s%s", text, *text ? ", " : "", one);
                free(text);
                text = next;
        }
        json_decref(ports);
        return text;
}

/* docker's Ports object: {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}. */
static json_t *docker_ports(json_t *ports)
{
        json_t *out = json_object();
        size_t i;
        json_t *p;
        json_array_foreach(ports, i, p)
        {
                struct port_mapping m;
                if (port_mapping_from_json(p, &m) < 0)
                        continue;
                char key[32], host_port[16];
                snprintf(key, sizeof(key), "%u/%s", (unsigned)m.container_port, m.protocol);
                snprintf(host_port, sizeof(host_port), "%u", (unsigned)m.host_port);
                json_t *list = json_object_get(out, key);
                if (!list) {
                        list = json_array();
                        json_object_set_new(out, key, list);
                }
                json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp",
                                                      m.host_ip[0] ? m.host_ip : "0.0.0.0",
                                                      "HostPort", m.host_port ? host_port : ""));
        }
        return out;
}

json_t *engine_network_settings(struct engine *e, const struct container_row *row)
{
        json_t *state = load_state(e, row->id);
        json_t *first = json_array_get(json_object_get(state, "networks"), 0);
        const char *netns = json_string_value(json_object_get(state, "netns"));
        json_t *networks = json_object();
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(row->data, "networks"), i, a)
        {
                const char *name = json_string_value(json_object_get(a, "name"));
                if (!name)
                        continue;
                json_t *live = attachment_of(state, name);
                json_t *o = json_object();
                json_object_set(o, "Aliases", json_object_get(a, "aliases"));
                json_object_set_new(o, "NetworkID",
                                    json_string(json_string_value(json_object_get(live, "id"))
                                                    ? json_string_value(json_object_get(live, "id"))
                                                    : ""));
#define FIELD(docker, key)                                                                         \
        json_object_set_new(o, docker,                                                             \
                            json_string(json_string_value(json_object_get(live, key))              \
                                            ? json_string_value(json_object_get(live, key))        \
                                            : ""))
                FIELD("Gateway", "gateway");
                FIELD("IPAddress", "ip");
                json_object_set_new(
                    o, "IPPrefixLen",
                    json_integer(json_integer_value(json_object_get(live, "prefixLen"))));
                FIELD("MacAddress", "mac");
#undef FIELD
                json_object_set_new(networks, name, o);
        }
        json_t *ports =
            state ? json_object_get(state, "ports") : json_object_get(row->data, "ports");
        const char *ip = json_string_value(json_object_get(first, "ip"));
        const char *gw = json_string_value(json_object_get(first, "gateway"));
        const char *mac = json_string_value(json_object_get(first, "mac"));
        json_t *out =
            json_pack("{s:s, s:s, s:o, s:s, s:I, s:s, s:s, s:o}", "Bridge",
                      json_string_value(json_object_get(first, "bridge"))
                          ? json_string_value(json_object_get(first, "bridge"))
                          : "",
                      "SandboxKey", netns ? netns : "", "Ports", docker_ports(ports), "IPAddress",
                      ip ? ip : "", "IPPrefixLen",
                      (json_int_t)json_integer_value(json_object_get(first, "prefixLen")),
                      "Gateway", gw ? gw : "", "MacAddress", mac ? mac : "", "Networks", networks);
        json_decref(state);
        return out;
}

int engine_network_create(struct engine *e, const struct network_create_options *o,
                          struct network *out, struct error **err)
{
        struct network_store *store = NULL;
        if (open_store(e, &store, err) < 0)
                return -1;
        int rc = network_store_create(store, o, out, err);
        network_store_free(store);
        return rc;
}

/* docker's entry for container ID in `network inspect`'s Containers (ARG, an object). */
static void add_network_member(struct engine *e, const char *id, json_t *state, json_t *a,
                               void *arg)
{
        (void)e;
        json_t *out = arg;
        const char *ip = json_string_value(json_object_get(a, "ip"));
        _cleanup_free_ char *cidr =
            xasprintf("%s/%d", ip, (int)json_integer_value(json_object_get(a, "prefixLen")));
        const char *mac = json_string_value(json_object_get(a, "mac"));
        const char *name = json_string_value(json_object_get(state, "name"));
        json_object_set_new(out, id,
                            json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", name ? name : "",
                                      "EndpointID", "", "MacAddress", mac ? mac : "", "IPv4Address",
                                      cidr, "IPv6Address", ""));
}

json_t *engine_network_containers(struct engine *e, const char *name)
{
        json_t *out = json_object();
        for_each_peer(e, NULL, name, add_network_member, out);
        return out;
}

/* The name of a container whose record lists network NAME, or NULL. Newly allocated. */
static char *network_user(struct engine *e, const char *name, struct error **err)
{
        struct container_row *rows = NULL;
        size_t n = 0;
        if (container_db_list(e->containers, &rows, &n, err) < 0)
                return NULL;
        char *user = NULL;
        for (size_t i = 0; i < n; i++) {
                size_t k;
                json_t *a;
                json_array_foreach(json_object_get(rows[i].data, "networks"), k, a)
                {
                        const char *net = json_string_value(json_object_get(a, "name"));
                        if (!user && net && strcmp(net, name) == 0)
                                user = xstrdup(rows[i].name);
                }
        }
        for (size_t i = 0; i < n; i++)
                container_row_release(&rows[i]);
        free(rows);
        return user;
}

static int remove_network(struct engine *e, const struct network *net, struct error **err)
{
        struct error *list_err = NULL;
        _cleanup_free_ char *user = network_user(e, net->name, &list_err);
        if (list_err) {
                *err = list_err;
                return -1;
        }
        if (user)
                return error_set(err, 0, "network %s is in use by container %s", net->name, user);
        struct network_store *store = NULL;
        if (open_store(e, &store, err) < 0)
                return -1;
        int rc = network_store_remove(store, net, err);
        network_store_free(store);
        if (rc < 0)
                return -1;
        /* The bridge plugin leaves its bridge; host-local its directory (last_reserved_ip). */
        if (network_link_delete_bridge(net->bridge, err) < 0)
                return -1;
        _cleanup_free_ char *leases = xasprintf("%s/cni/networks/%s", e->runroot, net->name);
        _cleanup_free_ char *lock = xasprintf("%s/networks/%s.lock", e->runroot, net->name);
        unlink(lock);
        return fs_remove_tree(leases, err);
}

int engine_network_remove(struct engine *e, const char *name_or_id, struct error **err)
{
        struct network net;
        if (find_network(e, name_or_id, &net, err) < 0)
                return -1;
        int rc = remove_network(e, &net, err);
        network_release(&net);
        return rc;
}

int engine_network_prune(struct engine *e, char ***removed, struct error **err)
{
        *removed = xmalloc(sizeof(char *));
        (*removed)[0] = NULL;
        struct network_store *store = NULL;
        struct network *list = NULL;
        size_t n = 0, count = 0;
        if (open_store(e, &store, err) < 0)
                return -1;
        int rc = network_store_list(store, &list, &n, err);
        network_store_free(store);
        if (rc < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                if (rc == 0 && strcmp(list[i].name, NETWORK_DEFAULT_NAME) != 0) {
                        struct error *one = NULL;
                        _cleanup_free_ char *user = network_user(e, list[i].name, &one);
                        if (one) {
                                *err = one;
                                rc = -1;
                        } else if (!user) {
                                if (remove_network(e, &list[i], err) < 0) {
                                        rc = -1;
                                } else {
                                        *removed = xrealloc(*removed, (count + 2) * sizeof(char *));
                                        (*removed)[count++] = xstrdup(list[i].name);
                                        (*removed)[count] = NULL;
                                }
                        }
                }
                network_release(&list[i]);
        }
        free(list);
        return rc;
}

/* Whether ROW's container is running now and set up (network.json exists). */
static json_t *live_state(struct engine *e, const struct container_row *row)
{
        struct container_state st;
        struct error *ignored = NULL;
        if (engine_container_state(e, row, &st, &ignored) < 0) {
                error_free(&ignored);
                return NULL;
        }
        bool running = st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED;
        container_state_release(&st);
        return running ? load_state(e, row->id) : NULL;
}

int engine_network_connect(struct engine *e, const char *network, struct container_row *row,
                           char **aliases, struct error **err)
{
        const char *mode = network_mode(row);
        if (!mode_uses_cni(mode))
                return error_set(err, 0,
                                 "container %s uses network mode %s: it cannot be connected to "
                                 "a network",
                                 row->name, mode);
        struct network net;
        if (find_network(e, network, &net, err) < 0)
                return -1;
        int ret = -1;
        int lock = lock_container(e, row->id);
        json_t *list = json_object_get(row->data, "networks");
        json_t *state = NULL;
        if (!json_is_array(list)) {
                list = json_array();
                json_object_set_new(row->data, "networks", list);
        }
        size_t i;
        json_t *a;
        json_array_foreach(list, i, a)
        {
                const char *name = json_string_value(json_object_get(a, "name"));
                if (name && strcmp(name, net.name) == 0) {
                        error_set(err, 0, "container %s is already connected to network %s",
                                  row->name, net.name);
                        goto out;
                }
        }
        json_t *alias_list = string_array(aliases);
        state = live_state(e, row);
        if (state) {
                /* The next free ethN in its namespace. */
                size_t k = 0;
                for (bool taken = true; taken; k++) {
                        char ifname[32];
                        snprintf(ifname, sizeof(ifname), "eth%zu", k);
                        taken = false;
                        json_array_foreach(json_object_get(state, "networks"), i, a)
                        {
                                const char *used = json_string_value(json_object_get(a, "ifname"));
                                taken = taken || (used && strcmp(used, ifname) == 0);
                        }
                        if (!taken)
                                break;
                }
                char ifname[32];
                snprintf(ifname, sizeof(ifname), "eth%zu", k);
                if (attach(e, row, state, net.name, alias_list, ifname, NULL, err) < 0) {
                        json_decref(alias_list);
                        goto out;
                }
                json_t *added = attachment_of(state, net.name);
                if (write_own_hosts(e, row->id, state, err) < 0) {
                        json_decref(alias_list);
                        goto out;
                }
                peers_join(e, row->id, state, added);
        }
        json_array_append_new(list,
                              json_pack("{s:s, s:o}", "name", net.name, "aliases", alias_list));
        ret = container_db_update_data(e->containers, row->id, row->data, err);
out:
        if (lock >= 0)
                close(lock);
        json_decref(state);
        network_release(&net);
        return ret;
}

int engine_network_disconnect(struct engine *e, const char *network, struct container_row *row,
                              struct error **err)
{
        struct network net;
        if (find_network(e, network, &net, err) < 0)
                return -1;
        int ret = -1;
        int lock = lock_container(e, row->id);
        json_t *state = NULL;
        json_t *list = json_object_get(row->data, "networks");
        size_t i, index = (size_t)-1;
        json_t *a;
        json_array_foreach(list, i, a)
        {
                const char *name = json_string_value(json_object_get(a, "name"));
                if (name && strcmp(name, net.name) == 0)
                        index = i;
        }
        if (index == (size_t)-1) {
                error_set(err, 0, "container %s is not connected to network %s", row->name,
                          net.name);
                goto out;
        }
        state = live_state(e, row);
        json_t *live = state ? attachment_of(state, net.name) : NULL;
        if (live) {
                peers_leave(e, row->id, state, live);
                if (detach(row, state, live, err) < 0)
                        goto out;
                const char *ip = json_string_value(json_object_get(live, "ip"));
                struct hosts_edit edit = {.ip = ip};
                _cleanup_free_ char *own = hosts_path_of(e, row->id);
                struct error *ignored = NULL;
                if (ip)
                        (void)hosts_file_edit(own, apply_hosts_edit, &edit, &ignored);
                error_free(&ignored);
                json_t *attachments = json_object_get(state, "networks");
                json_array_foreach(attachments, i, a) if (a == live)
                {
                        json_array_remove(attachments, i);
                        break;
                }
                if (save_state(e, row->id, state, err) < 0)
                        goto out;
        }
        json_array_remove(list, index);
        ret = container_db_update_data(e->containers, row->id, row->data, err);
out:
        if (lock >= 0)
                close(lock);
        json_decref(state);
        network_release(&net);
        return ret;
}

int engine_network_after_create(struct engine *e, const struct container_row *row, pid_t init_pid,
                                struct error **err)
{
        (void)e;
        const char *mode =
            json_string_value(json_object_get(json_object_get(row->data, "options"), "network"));
        if (!mode || strcmp(mode, "none") != 0 || init_pid <= 0)
                return 0;
        return netns_loopback_up_of(init_pid, err);
}
