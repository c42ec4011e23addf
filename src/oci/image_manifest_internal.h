/* Helpers shared by the image-spec document parsers (image_*.c); not an interface. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "image_manifest.h"

/* Parses DATA as a JSON object (duplicate members refused). Returns a new reference or NULL. */
json_t *image_json_load(const char *data, size_t len, struct error **err);
/* schemaVersion must be 2; 1 is Docker's schema 1, refused by name. */
int image_schema_version_check(json_t *doc, struct error **err);
/* The optional annotations member of OBJ (at PARENT): a string-to-string map, stored as a new
 * reference in *out (NULL when absent). */
int image_annotations_read(json_t *obj, const char *parent, json_t **out, struct error **err);
/* The optional platform member of OBJ (at PARENT), allocated into *out (NULL when absent). */
int image_platform_read(json_t *obj, const char *parent, struct oci_platform **out,
                        struct error **err);
json_t *image_platform_to_json(const struct oci_platform *p);
/* An optional descriptor member (subject), allocated into *out (NULL when absent). */
int image_descriptor_read_optional(json_t *obj, const char *key, struct oci_descriptor **out,
                                   struct error **err);
/* An array member of descriptors; required, possibly empty. */
int image_descriptor_array_read(json_t *obj, const char *key, struct oci_descriptor **out,
                                size_t *n_out, struct error **err);
void image_descriptor_array_free(struct oci_descriptor *list, size_t n);
/* The document's media type: its mediaType member, checked to be of KIND and to agree with
 * CONTENT_TYPE when that is a manifest or index type; else CONTENT_TYPE if it is of KIND; else
 * DEFAULT_TYPE. Returns a newly allocated string in *out. */
int image_media_type_resolve(json_t *doc, const char *content_type, int kind,
                             const char *default_type, char **out, struct error **err);
