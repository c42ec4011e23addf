/*
 * berth's networks: one CNI network configuration list per network, in
 * ROOT/networks/NAME.conflist (written atomically; the CNI tools can read it as it is). What
 * berth needs besides the plugins (ID, creation time, labels, internal) is in the list's
 * top-level "berth" object, which no plugin sees. The default network (NETWORK_DEFAULT_NAME,
 * what `--network bridge` means) is written on first use. docs/network.md has the defaults.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

#define NETWORK_DEFAULT_NAME   "berth"
#define NETWORK_DEFAULT_BRIDGE "berth0"
/* docker: docker0, 172.17.0.0/16; podman: cni-podman0/podman0, 10.88.0.0/16, user networks
 * 10.89.N.0/24. berth: berth0, 10.77.0.0/24, user networks the next free /24 of 10.77/16. */
#define NETWORK_SUBNET_BASE 0x0a4d0000u /* 10.77.0.0 */
#define NETWORK_CNI_VERSION "1.0.0"

struct network {
        char *name;
        char *id;         /* 64 hex */
        char *driver;     /* "bridge" */
        char *bridge;     /* the Linux bridge */
        char *subnet;     /* "10.77.0.0/24" */
        char *gateway;    /* "10.77.0.1" */
        bool internal;    /* no masquerade and no default route (docs/network.md) */
        char *created;    /* RFC 3339 */
        json_t *labels;   /* object, owned */
        json_t *conflist; /* the whole list, owned */
};
void network_release(struct network *n);

/* The conflist of a network from its fields (name, id, bridge, subnet, gateway, internal,
 * created, labels; conflist ignored). Pure. A new reference. */
json_t *network_conflist_new(const struct network *n);
/* The fields back from a conflist (which OUT then owns a reference to). */
int network_from_conflist(json_t *conflist, struct network *out, struct error **err);

/* "10.77.3.0/24" into an address (host order) and a prefix length; the host bits must be 0
 * unless NORMALIZE, which clears them. */
int network_parse_cidr(const char *text, bool normalize, uint32_t *addr, int *prefix,
                       struct error **err);
/* Whether two IPv4 prefixes overlap. */
bool network_cidr_overlap(uint32_t a, int a_prefix, uint32_t b, int b_prefix);

struct network_store;
/* ROOT/networks (created if missing). */
int network_store_open(const char *root, struct network_store **out, struct error **err);
void network_store_free(struct network_store *s);

/* By name, full ID or unique ID prefix; "bridge" (docker's name) and NETWORK_DEFAULT_NAME are
 * the default network, written now if it is not yet. 1 found, 0 not, -1 error. */
int network_store_find(struct network_store *s, const char *name_or_id, struct network *out,
                       struct error **err);
/* Every network, the default one first (written now if it is not yet), then by name. */
int network_store_list(struct network_store *s, struct network **out, size_t *n,
                       struct error **err);

struct network_create_options {
        const char *name;
        const char *driver;  /* NULL or "bridge" */
        const char *subnet;  /* NULL: the next free /24 of 10.77.0.0/16 */
        const char *gateway; /* NULL: the subnet's first address */
        bool internal;
        char **labels; /* KEY=VAL, NULL-terminated, or NULL */
};
/* Writes a new network. A name in use is "network with name NAME already exists" (docker's
 * words); a --subnet that overlaps another network's is an error naming it. */
int network_store_create(struct network_store *s, const struct network_create_options *o,
                         struct network *out, struct error **err);
/* Removes the network's file (the caller checked that no container uses it). */
int network_store_remove(struct network_store *s, const struct network *n, struct error **err);
