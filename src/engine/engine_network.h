/* A container's network: what `berth start` sets up before the runtime creates the container,
 * and what stop, the monitor's exit command and `rm` tear down. none and host need nothing. */
#pragma once
#include <stdbool.h>

#include "engine.h"

/* Before the monitor runs `runtime create`: the network namespace named in config.json, CNI ADD
 * on each of the container's networks, and its /etc/hosts. Undoes what it did on failure. */
int engine_network_setup(struct engine *e, struct container_row *row, struct error **err);

/* CNI DEL on each network and the namespace's removal. Idempotent: a container with nothing set
 * up (never started, torn down already) succeeds at once. */
int engine_network_teardown(struct engine *e, const struct container_row *row, struct error **err);

/* Whether ROW's container has a network that needs engine_network_teardown() once it exits
 * (a bridge or user network: CNI DEL, the namespace, the peers' hosts files). False for none
 * and host. */
bool engine_network_needs_teardown(const struct container_row *row);
