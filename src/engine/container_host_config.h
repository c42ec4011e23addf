/*
 * What `inspect` shows as a container's HostConfig, recorded at create: docker's field names and
 * types (Binds, Memory, NanoCpus, CapAdd, Dns, Ulimits, ...), from the flags as given. Pure: no
 * file is read.
 */
#pragma once
#include <jansson.h>

#include "container_config.h"
#include "engine.h"

/* A new object of HostConfig's fields for O and R (NetworkMode, RestartPolicy, AutoRemove,
 * Runtime and PortBindings are inspect's, from the record's other fields). */
json_t *engine_host_config_record(const struct engine_create_options *o,
                                  const struct engine_create_request *r);
