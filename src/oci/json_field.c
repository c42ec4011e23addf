#include "json_field.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "alloc.h"
#include "error.h"
#include "runtime_config.h"

char *json_field_path(const char *parent, const char *key)
{
        if (parent == NULL || *parent == '\0')
                return xstrdup(key ? key : "");
        if (key == NULL)
                return xstrdup(parent);
        return xasprintf("%s.%s", parent, key);
}

char *json_field_index_path(const char *parent, size_t index)
{
        return xasprintf("%s[%zu]", parent, index);
}

int json_field_error(struct error **err, const char *parent, const char *key, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        _cleanup_free_ char *path = json_field_path(parent, key);
        return error_set(err, 0, "%s: %s", path, msg);
}

/* Looks key up; a JSON null is the same as a missing member. */
static json_t *member(json_t *obj, const char *key)
{
        json_t *value = json_object_get(obj, key);
        return json_is_null(value) ? NULL : value;
}

static int absent(const char *parent, const char *key, bool required, struct error **err)
{
        if (required)
                return json_field_error(err, parent, key, "is required");
        return 0;
}

int json_field_object(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
                      struct error **err)
{
        json_t *value = member(obj, key);
        if (value == NULL)
                return absent(parent, key, required, err);
        if (!json_is_object(value))
                return json_field_error(err, parent, key, "must be an object");
        *out = value;
        return 1;
}

int json_field_array(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
                     struct error **err)
{
        json_t *value = member(obj, key);
        if (value == NULL)
                return absent(parent, key, required, err);
        if (!json_is_array(value))
                return json_field_error(err, parent, key, "must be an array");
        *out = value;
        return 1;
}

int json_field_string(json_t *obj, const char *parent, const char *key, bool required, char **out,
                      struct error **err)
{
        json_t *value = member(obj, key);
        if (value == NULL)
                return absent(parent, key, required, err);
        if (!json_is_string(value))
                return json_field_error(err, parent, key, "must be a string");
        *out = xstrdup(json_string_value(value));
        return 1;
}

int json_field_bool(json_t *obj, const char *parent, const char *key, bool *out, struct error **err)
{
        json_t *value = member(obj, key);
        if (value == NULL)
                return 0;
        if (!json_is_boolean(value))
                return json_field_error(err, parent, key, "must be a boolean");
        *out = json_is_true(value);
        return 1;
}

int json_field_integer(json_t *obj, const char *parent, const char *key, bool required, int64_t min,
                       int64_t max, int64_t *out, struct error **err)
{
        json_t *value = member(obj, key);
        if (value == NULL)
                return absent(parent, key, required, err);
        int64_t n = json_is_integer(value) ? (int64_t)json_integer_value(value) : 0;
        if (!json_is_integer(value) || n < min || n > max)
                return json_field_error(err, parent, key,
                                        "must be an integer between %" PRId64 " and %" PRId64, min,
                                        max);
        *out = n;
        return 1;
}

int json_field_string_array(json_t *obj, const char *parent, const char *key, char ***out,
                            size_t *n_out, struct error **err)
{
        *out = xcalloc(1, sizeof(char *));
        *n_out = 0;
        json_t *value = member(obj, key);
        if (value == NULL)
                return 0;
        if (!json_is_array(value))
                return json_field_error(err, parent, key, "must be an array of strings");
        size_t n = json_array_size(value);
        char **list = xrealloc(*out, (n + 1) * sizeof(char *));
        *out = list;
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item)
        {
                if (!json_is_string(item)) {
                        list[i] = NULL;
                        *n_out = i;
                        return json_field_error(err, parent, key,
                                                "must be an array of strings (item %zu is not)", i);
                }
                list[i] = xstrdup(json_string_value(item));
        }
        list[n] = NULL;
        *n_out = n;
        return 1;
}

int json_field_string_map(json_t *obj, const char *parent, const char *key,
                          struct oci_key_value **out, size_t *n_out, struct error **err)
{
        *out = NULL;
        *n_out = 0;
        json_t *value = member(obj, key);
        if (value == NULL)
                return 0;
        if (!json_is_object(value))
                return json_field_error(err, parent, key, "must be an object of strings");
        struct oci_key_value *list = xcalloc(json_object_size(value) + 1, sizeof(*list));
        *out = list;
        const char *name;
        json_t *item;
        json_object_foreach(value, name, item)
        {
                if (!json_is_string(item)) {
                        _cleanup_free_ char *path = json_field_path(parent, key);
                        return json_field_error(err, path, name, "must be a string");
                }
                list[*n_out].key = xstrdup(name);
                list[*n_out].value = xstrdup(json_string_value(item));
                (*n_out)++;
        }
        return 1;
}

void json_field_free_strings(char **list)
{
        if (list == NULL)
                return;
        for (char **s = list; *s; s++)
                free(*s);
        free(list);
}

void json_field_free_key_values(struct oci_key_value *list, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(list[i].key);
                free(list[i].value);
        }
        free(list);
}
