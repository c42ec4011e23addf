/*
 * Typed reads of members of a jansson object, for the document parsers in src/oci.
 * Every error names the member by its path from the document root, built from the
 * parent's path and the key only when an error happens: "process.user.uid: must be an
 * integer between 0 and 4294967295".
 *
 * The getters return 1 when the member is present, 0 when it is absent and -1 with *err
 * set when it has the wrong type (or is absent and required). A JSON null counts as
 * absent, as Go's encoding/json (and so runc) treats it.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;
struct oci_key_value;

/* Sets *err to "<parent>.<key>: <message>", or "<key>: <message>" when parent is empty
 * (key may be NULL to name the parent itself). Returns -1. */
int json_field_error(struct error **err, const char *parent, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Returns a newly allocated "<parent>.<key>" (or "<key>" at the top level). */
char *json_field_path(const char *parent, const char *key);
/* Returns a newly allocated "<parent>[<index>]". */
char *json_field_index_path(const char *parent, size_t index);

/* The member itself, borrowed from obj, when it is an object (or an array). */
int json_field_object(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
                      struct error **err);
int json_field_array(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
                     struct error **err);

/* A string copied into *out (the caller frees it). */
int json_field_string(json_t *obj, const char *parent, const char *key, bool required, char **out,
                      struct error **err);
int json_field_bool(json_t *obj, const char *parent, const char *key, bool *out,
                    struct error **err);
/* An integer in [min, max]; jansson holds integers as long long, so uint64 fields are
 * limited to INT64_MAX. */
int json_field_integer(json_t *obj, const char *parent, const char *key, bool required, int64_t min,
                       int64_t max, int64_t *out, struct error **err);

/* An array of strings copied into a NULL-terminated list. When the member is absent the
 * list is empty but still allocated, so *out is never NULL after a return >= 0. */
int json_field_string_array(json_t *obj, const char *parent, const char *key, char ***out,
                            size_t *n_out, struct error **err);
/* An object whose values are all strings, copied in document order. */
int json_field_string_map(json_t *obj, const char *parent, const char *key,
                          struct oci_key_value **out, size_t *n_out, struct error **err);

/* Frees a NULL-terminated list of strings, and a key/value list. */
void json_field_free_strings(char **list);
void json_field_free_key_values(struct oci_key_value *list, size_t n);
