/* A container's network: what `berth start` sets up before the runtime creates the container,
 * and what stop, the monitor's exit command and `rm` tear down. none and host need nothing.
 * Bridge and user networks go through the CNI plugins (src/network, docs/network.md).
 *
 * What a container keeps (ID is 64 hex):
 *   its record's data: "networks" [{"name", "aliases"}] (eth0 first), "ports" (CNI
 *     portMappings entries, hostPort 0 for a random one), "netns" (the path below)
 *   RUNROOT/netns/ID                     its network namespace, bound onto the file at start
 *   RUNROOT/containers/ID/network.json   while set up: each attachment's conflist and CNI ADD
 *     result (DEL needs them), its address, and the host ports chosen
 *   RUNROOT/containers/ID/hosts.base     the hosts file create wrote (start rebuilds from it)
 *   RUNROOT/cni/networks/NET/            host-local's leases (a reboot clears them with RUNROOT)
 */
#pragma once
#include <stdbool.h>

#include "engine.h"

struct network;
struct network_create_options;

/* Before the monitor runs `runtime create`: the network namespace named in config.json, CNI ADD
 * on each of the container's networks, and its /etc/hosts. Undoes what it did on failure. */
int engine_network_setup(struct engine *e, struct container_row *row, struct error **err);

/* Once the runtime has created the container (its init is INIT_PID) and before it starts: with
 * --network none, the loopback of the new namespace up, as docker's and podman's none network
 * has it (CNI's loopback plugin does it for bridge networks). */
int engine_network_after_create(struct engine *e, const struct container_row *row, pid_t init_pid,
                                struct error **err);

/* CNI DEL on each network and the namespace's removal. Idempotent: a container with nothing set
 * up (never started, torn down already) succeeds at once. */
int engine_network_teardown(struct engine *e, const struct container_row *row, struct error **err);

/* Whether ROW's container has a network that needs engine_network_teardown() once it exits
 * (a bridge or user network: CNI DEL, the namespace, the peers' hosts files). False for none
 * and host. */
bool engine_network_needs_teardown(const struct container_row *row);

/* create: checks --network (the network must exist; the default one is written on first use)
 * and the -p values, before anything is made. */
int engine_network_check_request(struct engine *e, const struct engine_create_request *r,
                                 struct error **err);
/* create: what the record keeps of the network ("networks", "ports", "netns", merged into its
 * data; -P adds IMAGE_CONFIG's ExposedPorts) and, for a bridge or user network, the namespace
 * path for config.json in *NETNS_PATH (newly allocated; NULL otherwise). A new reference. */
json_t *engine_network_plan(struct engine *e, const struct engine_create_request *r,
                            json_t *image_config, const char *id, char **netns_path,
                            struct error **err);

/* docker's NetworkSettings of a container (inspect). A new reference. */
json_t *engine_network_settings(struct engine *e, const struct container_row *row);
/* The published ports of a running container, as docker's `ps` shows them
 * ("127.0.0.1:8080->80/tcp, ..."), "" when none. Newly allocated. */
char *engine_network_ports_text(struct engine *e, const struct container_row *row);
/* The published ports (CNI portMappings entries with the host ports chosen at start) of a
 * container set up now; an empty array otherwise. A new reference. */
json_t *engine_network_published(struct engine *e, const struct container_row *row);

/* berth network ...: */
int engine_network_create(struct engine *e, const struct network_create_options *o,
                          struct network *out, struct error **err);
/* The containers on network NAME: {ID: {Name, EndpointID, MacAddress, IPv4Address, ...}} for
 * those set up now (docker's inspect "Containers"). A new reference. */
json_t *engine_network_containers(struct engine *e, const char *name);
/* Removes a network no container uses: its file, its bridge, its leases. */
int engine_network_remove(struct engine *e, const char *name_or_id, struct error **err);
/* Adds/removes a network to/from a container; on a running one, CNI ADD/DEL in its namespace
 * and its and its peers' hosts files follow. */
int engine_network_connect(struct engine *e, const char *network, struct container_row *row,
                           char **aliases, struct error **err);
int engine_network_disconnect(struct engine *e, const char *network, struct container_row *row,
                              struct error **err);
/* Removes every network (but the default) that no container uses; their names in *REMOVED
 * (NULL-terminated, newly allocated). */
int engine_network_prune(struct engine *e, char ***removed, struct error **err);
