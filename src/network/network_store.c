/* Network records as conflist files under ROOT/networks (network_store.h). */
#include "network_store.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"
#include "network_link.h"
#include "base/rfc3339.h"

struct network_store {
        char *dir;
};

void network_release(struct network *n)
{
        free(n->name);
        free(n->id);
        free(n->driver);
        free(n->bridge);
        free(n->subnet);
        free(n->gateway);
        free(n->created);
        json_decref(n->labels);
        json_decref(n->conflist);
        memset(n, 0, sizeof(*n));
}

json_t *network_conflist_new(const struct network *n)
{
        json_t *range = json_pack("{s:s}", "subnet", n->subnet);
        if (n->gateway)
                json_object_set_new(range, "gateway", json_string(n->gateway));
        json_t *ipam = json_pack("{s:s, s:[[o]]}", "type", "host-local", "ranges", range);
        /* An internal network gets no default route: its containers reach their subnet (and
         * the host, through the bridge's address) and nothing else. */
        if (!n->internal)
                json_object_set_new(ipam, "routes", json_pack("[{s:s}]", "dst", "0.0.0.0/0"));
        json_t *bridge =
            json_pack("{s:s, s:s, s:b, s:b, s:b, s:o}", "type", "bridge", "bridge", n->bridge,
                      "isGateway", 1, "ipMasq", !n->internal, "hairpinMode", 1, "ipam", ipam);
        json_t *portmap =
            json_pack("{s:s, s:{s:b}}", "type", "portmap", "capabilities", "portMappings", 1);
        json_t *firewall = json_pack("{s:s, s:s}", "type", "firewall", "backend", "iptables");
        json_t *berth =
            json_pack("{s:s, s:s, s:s, s:b, s:O}", "id", n->id, "created",
                      n->created ? n->created : "", "driver", n->driver ? n->driver : "bridge",
                      "internal", n->internal, "labels", n->labels ? n->labels : json_object());
        if (!n->labels)
                json_decref(json_object_get(berth, "labels")); /* O took a second reference */
        return json_pack("{s:s, s:s, s:[o,o,o], s:o}", "cniVersion", NETWORK_CNI_VERSION, "name",
                         n->name, "plugins", bridge, portmap, firewall, "berth", berth);
}

static char *string_of(json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));
        return s ? xstrdup(s) : NULL;
}

int network_from_conflist(json_t *conflist, struct network *out, struct error **err)
{
        memset(out, 0, sizeof(*out));
        json_t *berth = json_object_get(conflist, "berth");
        json_t *bridge = json_array_get(json_object_get(conflist, "plugins"), 0);
        json_t *range = json_array_get(
            json_array_get(json_object_get(json_object_get(bridge, "ipam"), "ranges"), 0), 0);
        out->name = string_of(conflist, "name");
        out->id = string_of(berth, "id");
        out->bridge = string_of(bridge, "bridge");
        out->subnet = string_of(range, "subnet");
        if (!out->name || !out->id || !out->bridge || !out->subnet) {
                network_release(out);
                return error_set(err, 0,
                                 "not a network of berth (name, id, bridge or subnet "
                                 "missing)");
        }
        out->gateway = string_of(range, "gateway");
        out->driver = string_of(berth, "driver");
        if (!out->driver)
                out->driver = xstrdup("bridge");
        out->created = string_of(berth, "created");
        out->internal = json_is_true(json_object_get(berth, "internal"));
        json_t *labels = json_object_get(berth, "labels");
        out->labels = json_is_object(labels) ? json_incref(labels) : json_object();
        out->conflist = json_incref(conflist);
        return 0;
}

int network_parse_cidr(const char *text, bool normalize, uint32_t *addr, int *prefix,
                       struct error **err)
{
        const char *slash = strchr(text, '/');
        char buf[INET_ADDRSTRLEN];
        struct in_addr in;
        if (!slash || (size_t)(slash - text) >= sizeof(buf))
                return error_set(err, 0, "invalid subnet %s: not an IPv4 CIDR (10.77.5.0/24)",
                                 text);
        memcpy(buf, text, (size_t)(slash - text));
        buf[slash - text] = '\0';
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (inet_pton(AF_INET, buf, &in) != 1 || *end || slash[1] == '\0' || p < 0 || p > 32)
                return error_set(err, 0, "invalid subnet %s: not an IPv4 CIDR (10.77.5.0/24)",
                                 text);
        uint32_t a = ntohl(in.s_addr);
        uint32_t mask = p == 0 ? 0 : ~0u << (32 - p);
        if ((a & ~mask) && !normalize)
                return error_set(err, 0, "invalid subnet %s: host bits are set", text);
        *addr = a & mask;
        *prefix = (int)p;
        return 0;
}

bool network_cidr_overlap(uint32_t a, int a_prefix, uint32_t b, int b_prefix)
{
        int p = a_prefix < b_prefix ? a_prefix : b_prefix;
        uint32_t mask = p == 0 ? 0 : ~0u << (32 - p);
        return (a & mask) == (b & mask);
}

static char *format_ip(uint32_t addr)
{
        struct in_addr in = {.s_addr = htonl(addr)};
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &in, buf, sizeof(buf));
        return xstrdup(buf);
}

int network_store_open(const char *root, struct network_store **out, struct error **err)
{
        _cleanup_free_ char *dir = xasprintf("%s/networks", root);
        if (fs_mkdir_p(dir, 0700, err) < 0)
                return -1;
        struct network_store *s = xmalloc(sizeof(*s));
        s->dir = steal_pointer(&dir);
        *out = s;
        return 0;
}

void network_store_free(struct network_store *s)
{
        if (!s)
                return;
        free(s->dir);
        free(s);
}

/* An exclusive lock on the store (create, remove, the default's first write); -1 with *err. */
static int store_lock(struct network_store *s, struct error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/.lock", s->dir);
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

static int load_file(struct network_store *s, const char *file, struct network *out,
                     struct error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", s->dir, file);
        json_error_t jerr;
        json_t *doc = json_load_file(path, 0, &jerr);
        if (!doc) {
                if (!fs_exists(path))
                        return 0;
                return error_set(err, 0, "%s: %s", path, jerr.text);
        }
        int rc = network_from_conflist(doc, out, err);
        json_decref(doc);
        if (rc < 0)
                return error_wrap(err, "%s", path);
        return 1;
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All networks' files, sorted by name. */
static int load_all(struct network_store *s, struct network **out, size_t *n, struct error **err)
{
        *out = NULL;
        *n = 0;
        DIR *d = opendir(s->dir);
        if (!d)
                return error_set(err, errno, "open %s", s->dir);
        struct dirent *ent;
        char **names = NULL;
        size_t count = 0;
        while ((ent = readdir(d))) {
                size_t len = strlen(ent->d_name);
                if (ent->d_name[0] == '.' || len < 10 ||
                    strcmp(ent->d_name + len - 9, ".conflist") != 0)
                        continue;
                names = xrealloc(names, (count + 1) * sizeof(*names));
                names[count++] = xstrdup(ent->d_name);
        }
        closedir(d);
        if (count > 1)
                qsort(names, count, sizeof(*names), compare_names);
        struct network *list = xmalloc((count + 1) * sizeof(*list));
        int ret = 0;
        for (size_t i = 0; i < count; i++) {
                if (ret == 0) {
                        int rc = load_file(s, names[i], &list[*n], err);
                        if (rc < 0)
                                ret = -1;
                        else if (rc > 0)
                                (*n)++;
                }
                free(names[i]);
        }
        free(names);
        if (ret < 0) {
                for (size_t i = 0; i < *n; i++)
                        network_release(&list[i]);
                free(list);
                *n = 0;
                return -1;
        }
        *out = list;
        return 0;
}

static void free_list(struct network *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                network_release(&list[i]);
        free(list);
}

/* The host's routes (/proc/net/route) cover SUBNET? Then a bridge there would shadow them. */
static bool host_routes_overlap(uint32_t subnet, int prefix)
{
        FILE *f = fopen("/proc/net/route", "re");
        if (!f)
                return false;
        char line[512];
        bool overlap = false;
        if (!fgets(line, sizeof(line), f)) { /* the header */
                fclose(f);
                return false;
        }
        while (!overlap && fgets(line, sizeof(line), f)) {
                char iface[64];
                unsigned dest, gw, flags, refcnt, use, metric, mask;
                if (sscanf(line, "%63s %x %x %x %u %u %u %x", iface, &dest, &gw, &flags, &refcnt,
                           &use, &metric, &mask) != 8)
                        continue;
                if (mask == 0)
                        continue; /* the default route covers everything */
                uint32_t d = ntohl(dest), m = ntohl(mask);
                int p = __builtin_popcount(m);
                overlap = network_cidr_overlap(d, p, subnet, prefix);
        }
        fclose(f);
        return overlap;
}

/* Whether SUBNET overlaps a network of LIST; its name in *WHO. */
static bool networks_overlap(struct network *list, size_t n, uint32_t subnet, int prefix,
                             const char **who)
{
        for (size_t i = 0; i < n; i++) {
                uint32_t a;
                int p;
                struct error *ignored = NULL;
                if (network_parse_cidr(list[i].subnet, true, &a, &p, &ignored) < 0) {
                        error_free(&ignored);
                        continue;
                }
                if (network_cidr_overlap(a, p, subnet, prefix)) {
                        *who = list[i].name;
                        return true;
                }
        }
        return false;
}

static bool bridge_taken(struct network *list, size_t n, const char *bridge)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i].bridge, bridge) == 0)
                        return true;
        return network_link_exists(bridge);
}

static char *random_id(void)
{
        unsigned char bytes[32];
        if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                for (size_t i = 0; i < sizeof(bytes); i++)
                        bytes[i] = (unsigned char)((ts.tv_nsec >> (i % 8)) ^ (i * 131) ^ getpid());
        }
        char *id = xmalloc(65);
        for (size_t i = 0; i < sizeof(bytes); i++)
                sprintf(id + 2 * i, "%02x", bytes[i]);
        return id;
}

static bool name_valid(const char *name)
{
        static const char alnum[] =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        size_t len = strlen(name);
        return len > 0 && len <= 128 && strchr(alnum, name[0]) &&
               strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                   len;
}

/* Creates the network under the lock; LIST holds the existing ones. */
static int create_locked(struct network_store *s, struct network *list, size_t n,
                         const struct network_create_options *o, struct network *out,
                         struct error **err)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i].name, o->name) == 0)
                        return error_set(err, 0, "network with name %s already exists", o->name);
        bool is_default = strcmp(o->name, NETWORK_DEFAULT_NAME) == 0;
        struct network net = {0};
        uint32_t subnet;
        int prefix;
        const char *who = NULL;
        if (o->subnet) {
                if (network_parse_cidr(o->subnet, true, &subnet, &prefix, err) < 0)
                        return -1;
                if (prefix > 30)
                        return error_set(err, 0, "invalid subnet %s: too small (at most /30)",
                                         o->subnet);
                if (networks_overlap(list, n, subnet, prefix, &who))
                        return error_set(err, 0, "subnet %s overlaps with the subnet of network %s",
                                         o->subnet, who);
        } else {
                /* The default takes 10.77.0.0/24 when free, user networks the next free /24. */
                prefix = 24;
                unsigned k = is_default ? 0 : 1;
                for (; k < 256; k++) {
                        subnet = NETWORK_SUBNET_BASE | (k << 8);
                        if (!networks_overlap(list, n, subnet, prefix, &who) &&
                            !host_routes_overlap(subnet, prefix))
                                break;
                }
                if (k == 256)
                        return error_set(err, 0,
                                         "no free subnet left in 10.77.0.0/16: give "
                                         "one with --subnet");
        }
        uint32_t mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
        uint32_t gateway = subnet + 1;
        if (o->gateway) {
                struct in_addr in;
                if (inet_pton(AF_INET, o->gateway, &in) != 1)
                        return error_set(err, 0, "invalid gateway %s", o->gateway);
                gateway = ntohl(in.s_addr);
                if ((gateway & mask) != subnet || gateway == subnet || gateway == (subnet | ~mask))
                        return error_set(err, 0, "gateway %s is not a host address of the subnet",
                                         o->gateway);
        }
        /* berth0 for the default, berth1, berth2, ... for the others: the first free. */
        char bridge[16];
        unsigned b = is_default ? 0 : 1;
        for (;; b++) {
                snprintf(bridge, sizeof(bridge), "berth%u", b);
                if (!bridge_taken(list, n, bridge) || b > 9999)
                        break;
        }
        _cleanup_free_ char *subnet_ip = format_ip(subnet);
        net.name = xstrdup(o->name);
        net.id = random_id();
        net.driver = xstrdup("bridge");
        net.bridge = xstrdup(bridge);
        net.subnet = xasprintf("%s/%d", subnet_ip, prefix);
        net.gateway = format_ip(gateway);
        net.internal = o->internal;
        net.created = rfc3339_now_string();
        net.labels = json_object();
        for (char **l = o->labels; l && *l; l++) {
                const char *eq = strchr(*l, '=');
                _cleanup_free_ char *key = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
                json_object_set_new(net.labels, key, json_string(eq ? eq + 1 : ""));
        }
        net.conflist = network_conflist_new(&net);
        _cleanup_free_ char *text = json_dumps(net.conflist, JSON_INDENT(2));
        _cleanup_free_ char *path = xasprintf("%s/%s.conflist", s->dir, net.name);
        if (fs_write_file_atomic(path, text, strlen(text), 0600, err) < 0) {
                network_release(&net);
                return -1;
        }
        *out = net;
        return 0;
}

int network_store_create(struct network_store *s, const struct network_create_options *o,
                         struct network *out, struct error **err)
{
        if (!name_valid(o->name))
                return error_set(err, 0,
                                 "invalid network name %s: only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                                 "allowed",
                                 o->name);
        if (strcmp(o->name, "bridge") == 0 || strcmp(o->name, "host") == 0 ||
            strcmp(o->name, "none") == 0)
                return error_set(err, 0, "%s is a pre-defined network and cannot be created",
                                 o->name);
        if (o->driver && strcmp(o->driver, "bridge") != 0)
                return error_set(err, 0, "unsupported network driver %s (only bridge)", o->driver);
        _cleanup_close_ int lock = store_lock(s, err);
        if (lock < 0)
                return -1;
        struct network *list;
        size_t n;
        if (load_all(s, &list, &n, err) < 0)
                return -1;
        int rc = create_locked(s, list, n, o, out, err);
        free_list(list, n);
        return rc;
}

/* The default network: its file, written now when missing. */
static int default_network(struct network_store *s, struct network *out, struct error **err)
{
        int rc = load_file(s, NETWORK_DEFAULT_NAME ".conflist", out, err);
        if (rc != 0)
                return rc < 0 ? -1 : 0;
        _cleanup_close_ int lock = store_lock(s, err);
        if (lock < 0)
                return -1;
        rc = load_file(s, NETWORK_DEFAULT_NAME ".conflist", out, err);
        if (rc != 0)
                return rc < 0 ? -1 : 0;
        struct network *list;
        size_t n;
        if (load_all(s, &list, &n, err) < 0)
                return -1;
        struct network_create_options o = {.name = NETWORK_DEFAULT_NAME};
        rc = create_locked(s, list, n, &o, out, err);
        free_list(list, n);
        return rc;
}

int network_store_find(struct network_store *s, const char *name_or_id, struct network *out,
                       struct error **err)
{
        if (strcmp(name_or_id, "bridge") == 0 || strcmp(name_or_id, NETWORK_DEFAULT_NAME) == 0)
                return default_network(s, out, err) < 0 ? -1 : 1;
        if (name_valid(name_or_id)) {
                _cleanup_free_ char *file = xasprintf("%s.conflist", name_or_id);
                int rc = load_file(s, file, out, err);
                if (rc != 0)
                        return rc;
        }
        struct network *list;
        size_t n;
        if (load_all(s, &list, &n, err) < 0)
                return -1;
        int found = 0;
        size_t len = strlen(name_or_id);
        for (size_t i = 0; i < n; i++) {
                if (strncmp(list[i].id, name_or_id, len) != 0)
                        continue;
                if (found) {
                        network_release(out);
                        free_list(list, n);
                        return error_set(err, 0, "network ID %s is ambiguous", name_or_id);
                }
                *out = list[i];
                memset(&list[i], 0, sizeof(list[i]));
                found = 1;
        }
        free_list(list, n);
        return found;
}

int network_store_list(struct network_store *s, struct network **out, size_t *n, struct error **err)
{
        struct network def;
        if (default_network(s, &def, err) < 0)
                return -1;
        network_release(&def);
        struct network *list;
        if (load_all(s, &list, n, err) < 0)
                return -1;
        /* The default first. */
        for (size_t i = 1; i < *n; i++) {
                if (strcmp(list[i].name, NETWORK_DEFAULT_NAME) == 0) {
                        struct network t = list[i];
                        memmove(&list[1], &list[0], i * sizeof(*list));
                        list[0] = t;
                        break;
                }
        }
        *out = list;
        return 0;
}

int network_store_remove(struct network_store *s, const struct network *n, struct error **err)
{
        _cleanup_close_ int lock = store_lock(s, err);
        if (lock < 0)
                return -1;
        _cleanup_free_ char *path = xasprintf("%s/%s.conflist", s->dir, n->name);
        if (unlink(path) < 0 && errno != ENOENT)
                return error_set(err, errno, "remove %s", path);
        return 0;
}
