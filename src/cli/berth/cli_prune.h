/* What the prune commands share (container, volume and system prune), and the container sizes
 * that df, ps -s and inspect -s show too: docker's confirmation and its report, a "Deleted
 * Containers:" section with each ID and a blank line after it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <stdint.h>

struct engine;
struct container_row;
struct volume_info;

/* Prints the warning FMT (docker's "WARNING! ...\n" text) and "Are you sure you want to
 * continue? [y/N] " to stderr; whether the user's answer starts with y or Y. */
bool cli_confirm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The bytes of container ID's writable layer. */
int64_t cli_container_size(struct engine *e, const char *id);

/* docker's ps -s and inspect -s: SizeRw (the writable layer), SizeRootFs (with the image) and
 * Size, the SIZE text "12.3kB (virtual 4.56MB)", added to O. */
void cli_add_container_sizes(struct engine *e, const struct container_row *row, json_t *o);

/* Removes each of ROWS that is not running (created or exited), printing the "Deleted
 * Containers:" section (nothing when none went), and adds their writable layers' bytes to
 * *RECLAIMED. 0, or cli_fail's status: a failure is printed and the others go on. */
int cli_prune_containers(struct engine *e, struct container_row *rows, size_t n,
                         int64_t *reclaimed);

/* Removes each of VOLUMES that no container uses, printing the "Deleted Volumes:" section, and
 * adds their bytes to *RECLAIMED. 0, or cli_fail's status, as cli_prune_containers. */
int cli_prune_volumes(struct engine *e, const struct volume_info *volumes, size_t n,
                      int64_t *reclaimed);

/* Removes every user network no container uses (engine_network_prune), printing the "Deleted
 * Networks:" section. 0, or cli_fail's status. */
int cli_prune_networks(struct engine *e);
