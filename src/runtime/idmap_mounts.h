/* Idmapped bind mounts, prepared by the runtime and attached by the container's init. */
#pragma once
#include <stddef.h>

struct error;
struct oci_config;

/* For each config mount with id mappings, a detached idmapped tree: *fds gets an array of
 * config->n_mounts fds (-1 where a mount is not idmapped), or NULL when none is. */
int idmap_mounts_prepare(const struct oci_config *config, const char *bundle, int **fds,
                         struct error **err);
void idmap_mounts_release(int *fds, size_t n);
