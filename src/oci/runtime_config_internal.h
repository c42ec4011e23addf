/*
 * Shared between the files of the config.json parser (runtime_config*.c); not part of the
 * oci API. Each section parser fills a zeroed struct from the jansson object found at
 * path and copies every string, so a section can be released without the document.
 */
#pragma once
#include <jansson.h>

#include "runtime_config.h"

struct error;

/* runtime_config_process.c */
int oci_process_from_json(json_t *obj, const char *path, struct oci_process *process,
                          struct error **err);
void oci_process_release(struct oci_process *process);

/* runtime_config_linux.c */
int oci_linux_from_json(json_t *obj, const char *path, struct oci_linux *linux_config,
                        struct error **err);
void oci_linux_release(struct oci_linux *linux_config);
/* An optional array of {containerID, hostID, size} at parent.key. */
int oci_id_mappings_from_json(json_t *obj, const char *parent, const char *key,
                              struct oci_id_mapping **out, size_t *n_out, struct error **err);

/* runtime_config_shapes.c: type checks of the sections kept as JSON. */
int oci_linux_check_shapes(json_t *linux_obj, const char *path, struct error **err);
int oci_process_check_shapes(json_t *process_obj, const char *path, struct error **err);
