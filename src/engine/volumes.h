/*
 * Volumes: directories the engine owns and mounts into containers, as docker's "local" driver.
 * Volume NAME lives in ROOT/volumes/NAME/_data; labels given at creation are kept in
 * ROOT/volumes/NAME/labels.json. A volume is in use while a container's record lists it in its
 * data's "volumes" array (engine_create.c writes it). Anonymous volumes (from the image's VOLUME
 * or `-v /path`) have 64-hex names.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "engine.h"

/* Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (no path can hide in one). */
bool volume_name_valid(const char *name);
/* A 64-hex name, as the engine gives anonymous volumes. */
bool volume_name_anonymous(const char *name);

struct volume_info {
        char *name;
        char *mountpoint; /* ROOT/volumes/NAME/_data */
        int64_t created;  /* seconds since the epoch */
        json_t *labels;   /* an object, owned */
};
void volume_info_release(struct volume_info *v);

/* Creates volume NAME (NULL: a random 64-hex name) with LABELS (KEY=VAL, NULL-terminated, or
 * NULL). An existing volume is not an error (docker's `volume create` is idempotent). The name
 * (newly allocated) in *name_out. */
int volume_create(struct engine *e, const char *name, char **labels, char **name_out,
                  struct error **err);
/* 1 and *out filled when NAME exists, 0 when not, -1 on error. */
int volume_get(struct engine *e, const char *name, struct volume_info *out, struct error **err);
/* All volumes, sorted by name; free with volume_list_free. */
int volume_list(struct engine *e, struct volume_info **out, size_t *n, struct error **err);
void volume_list_free(struct volume_info *list, size_t n);
/* Names of the containers whose records list volume NAME (a NULL-terminated, newly allocated
 * array of newly allocated strings; empty when unused). */
char **volume_users(struct engine *e, const char *name, struct error **err);
/* Removes volume NAME and its contents; refuses one a container uses ("volume is in use"). A
 * missing volume is an error unless MISSING_OK. *reclaimed (when not NULL) gets its size. */
int volume_remove(struct engine *e, const char *name, bool missing_ok, int64_t *reclaimed,
                  struct error **err);
/* Bytes in the regular files under PATH (not crossing mounts); 0 when it cannot be read. */
int64_t volume_disk_usage(const char *path);
void volume_free_names(char **names);
