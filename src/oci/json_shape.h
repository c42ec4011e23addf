/*
 * Checks a JSON value against a small declarative shape: types, integer ranges, string
 * enumerations and required members, the subset of JSON Schema the runtime-spec schema
 * uses. The config parser checks the sections it hands on unparsed (linux.resources,
 * linux.seccomp, ...) this way, so the modules that apply them can trust the types.
 * Members a shape does not list are ignored, as the spec allows extensions.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct error;

enum json_shape_kind {
        JSON_SHAPE_BOOL,
        JSON_SHAPE_STRING,
        JSON_SHAPE_INTEGER,
        JSON_SHAPE_OBJECT, /* members listed in .members */
        JSON_SHAPE_ARRAY,  /* every item has the shape .item */
        JSON_SHAPE_MAP,    /* an object whose every value has the shape .item */
};

struct json_shape {
        const char *key; /* the member's name; NULL ends a .members list */
        enum json_shape_kind kind;
        bool required;
        int64_t min, max;                 /* JSON_SHAPE_INTEGER */
        const char *const *values;        /* JSON_SHAPE_STRING: allowed values, NULL-terminated */
        const struct json_shape *members; /* JSON_SHAPE_OBJECT */
        const struct json_shape *item;    /* JSON_SHAPE_ARRAY and JSON_SHAPE_MAP */
        /* A rule the shape cannot express, run after the type checks passed. */
        int (*check)(json_t *value, const char *path, struct error **err);
};

/* Checks value (found at path) against shape; returns 0, or -1 with *err naming the
 * offending member by its full path. */
int json_shape_check(const struct json_shape *shape, json_t *value, const char *path,
                     struct error **err);
