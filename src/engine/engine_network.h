/* A container's network: what `berth start` sets up before the runtime creates the container,
 * and what stop, the monitor's exit command and `rm` tear down. none and host need nothing. */
#pragma once
#include "engine.h"

/* Before the monitor runs `runtime create`: the network namespace named in config.json, CNI ADD
 * on each of the container's networks, and its /etc/hosts. Undoes what it did on failure. */
int engine_network_setup(struct engine *e, struct container_row *row, struct error **err);

/* CNI DEL on each network and the namespace's removal. Idempotent: a container with nothing set
 * up (never started, torn down already) succeeds at once. */
int engine_network_teardown(struct engine *e, const struct container_row *row, struct error **err);
