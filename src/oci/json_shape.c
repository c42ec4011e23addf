#include "json_shape.h"

#include <inttypes.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json_field.h"

static const char *kind_name(enum json_shape_kind kind)
{
        switch (kind) {
        case JSON_SHAPE_BOOL:
                return "a boolean";
        case JSON_SHAPE_STRING:
                return "a string";
        case JSON_SHAPE_INTEGER:
                return "an integer";
        case JSON_SHAPE_OBJECT:
                return "an object";
        case JSON_SHAPE_ARRAY:
                return "an array";
        case JSON_SHAPE_MAP:
                return "an object";
        }
        return "a value";
}

static bool has_kind(json_t *value, enum json_shape_kind kind)
{
        switch (kind) {
        case JSON_SHAPE_BOOL:
                return json_is_boolean(value);
        case JSON_SHAPE_STRING:
                return json_is_string(value);
        case JSON_SHAPE_INTEGER:
                return json_is_integer(value);
        case JSON_SHAPE_OBJECT:
        case JSON_SHAPE_MAP:
                return json_is_object(value);
        case JSON_SHAPE_ARRAY:
                return json_is_array(value);
        }
        return false;
}

static int check_string(const struct json_shape *shape, json_t *value, const char *path,
                        struct error **err)
{
        if (shape->values == NULL)
                return 0;
        const char *s = json_string_value(value);
        for (const char *const *v = shape->values; *v; v++)
                if (strcmp(s, *v) == 0)
                        return 0;
        return error_set(err, 0, "%s: unknown value \"%s\"", path, s);
}

static int check_members(const struct json_shape *members, json_t *value, const char *path,
                         struct error **err)
{
        for (const struct json_shape *m = members; m->key; m++) {
                json_t *child = json_object_get(value, m->key);
                if (child == NULL || json_is_null(child)) {
                        if (m->required)
                                return json_field_error(err, path, m->key, "is required");
                        continue;
                }
                _cleanup_free_ char *child_path = json_field_path(path, m->key);
                if (json_shape_check(m, child, child_path, err) < 0)
                        return -1;
        }
        return 0;
}

int json_shape_check(const struct json_shape *shape, json_t *value, const char *path,
                     struct error **err)
{
        if (!has_kind(value, shape->kind))
                return error_set(err, 0, "%s: must be %s", path, kind_name(shape->kind));
        int ret = 0;
        switch (shape->kind) {
        case JSON_SHAPE_BOOL:
                break;
        case JSON_SHAPE_STRING:
                ret = check_string(shape, value, path, err);
                break;
        case JSON_SHAPE_INTEGER: {
                int64_t n = (int64_t)json_integer_value(value);
                if (n < shape->min || n > shape->max)
                        ret = error_set(err, 0,
                                        "%s: must be an integer between %" PRId64 " and %" PRId64,
                                        path, shape->min, shape->max);
                break;
        }
        case JSON_SHAPE_OBJECT:
                ret = check_members(shape->members, value, path, err);
                break;
        case JSON_SHAPE_ARRAY: {
                size_t i;
                json_t *item;
                json_array_foreach(value, i, item)
                {
                        _cleanup_free_ char *item_path = json_field_index_path(path, i);
                        if (json_shape_check(shape->item, item, item_path, err) < 0)
                                return -1;
                }
                break;
        }
        case JSON_SHAPE_MAP: {
                const char *key;
                json_t *item;
                json_object_foreach(value, key, item)
                {
                        _cleanup_free_ char *item_path = json_field_path(path, key);
                        if (json_shape_check(shape->item, item, item_path, err) < 0)
                                return -1;
                }
                break;
        }
        }
        if (ret == 0 && shape->check)
                ret = shape->check(value, path, err);
        return ret;
}
