/* The list of control-file writes and the typed JSON readers (see cgroup_settings.h). */
#include <inttypes.h>
#include "cgroup_settings.h"
#include "cgroup_convert.h"

#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

void cgroup_settings_add(struct cgroup_settings *s, const char *field, const char *controller,
                         const char *file, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *value = xvasprintf(fmt, ap);
        va_end(ap);
        s->items = xrealloc(s->items, (s->n + 1) * sizeof(*s->items));
        s->items[s->n++] = (struct cgroup_setting){
            .field = xstrdup(field),
            .controller = xstrdup(controller),
            .file = xstrdup(file),
            .value = value,
        };
}

const struct cgroup_setting *cgroup_settings_find(const struct cgroup_settings *s, const char *file)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->items[i].file, file) == 0)
                        return &s->items[i];
        return NULL;
}

void cgroup_settings_release(struct cgroup_settings *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->items[i].field);
                free(s->items[i].controller);
                free(s->items[i].file);
                free(s->items[i].value);
        }
        free(s->items);
        s->items = NULL;
        s->n = 0;
}

/* The member, or NULL when absent or null (both mean "not given"). */
static json_t *member(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        return json_is_null(v) ? NULL : v;
}

int cgroup_json_int(json_t *obj, const char *path, const char *key, int64_t *out,
                    struct error **err)
{
        json_t *v = member(obj, key);
        if (v == NULL)
                return 0;
        if (!json_is_integer(v))
                return error_set(err, 0, "%s.%s: must be an integer", path, key);
        *out = json_integer_value(v);
        return 1;
}

int cgroup_json_uint(json_t *obj, const char *path, const char *key, uint64_t *out,
                     struct error **err)
{
        json_t *v = member(obj, key);
        if (v == NULL)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return error_set(err, 0, "%s.%s: must be an integer >= 0", path, key);
        *out = (uint64_t)json_integer_value(v);
        return 1;
}

int cgroup_json_bool(json_t *obj, const char *path, const char *key, bool *out, struct error **err)
{
        json_t *v = member(obj, key);
        if (v == NULL)
                return 0;
        if (!json_is_boolean(v))
                return error_set(err, 0, "%s.%s: must be true or false", path, key);
        *out = json_is_true(v);
        return 1;
}

int cgroup_json_string(json_t *obj, const char *path, const char *key, const char **out,
                       struct error **err)
{
        json_t *v = member(obj, key);
        if (v == NULL)
                return 0;
        if (!json_is_string(v))
                return error_set(err, 0, "%s.%s: must be a string", path, key);
        *out = json_string_value(v);
        return 1;
}

int cgroup_json_container(json_t *obj, const char *path, const char *key, char kind, json_t **out,
                          struct error **err)
{
        json_t *v = member(obj, key);
        if (v == NULL)
                return 0;
        if (kind == 'o' ? !json_is_object(v) : !json_is_array(v))
                return error_set(err, 0, "%s.%s: must be an %s", path, key,
                                 kind == 'o' ? "object" : "array");
        *out = v;
        return 1;
}

int cgroup_plan_hugepages(json_t *list, const char *suffix, struct cgroup_settings *out,
                          struct error **err)
{
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *path = xasprintf("linux.resources.hugepageLimits[%zu]", i);
                const char *size = NULL;
                uint64_t limit = 0;
                if (!json_is_object(item))
                        return error_set(err, 0, "%s: must be an object", path);
                if (cgroup_json_string(item, path, "pageSize", &size, err) < 0 ||
                    cgroup_json_uint(item, path, "limit", &limit, err) < 0)
                        return -1;
                if (size == NULL || !cgroup_hugepage_size_valid(size))
                        return error_set(err, 0, "%s.pageSize: must be a size like 2MB", path);
                /* config-linux.md: the reservation limit where the kernel has one (it fails
                 * mmap instead of faulting later), and the page fault limit. */
                _cleanup_free_ char *rsvd = xasprintf("hugetlb.%s.rsvd.%s", size, suffix);
                cgroup_settings_add(out, "linux.resources.hugepageLimits", "hugetlb", rsvd,
                                    "%" PRIu64, limit);
                out->items[out->n - 1].optional = true;
                _cleanup_free_ char *file = xasprintf("hugetlb.%s.%s", size, suffix);
                cgroup_settings_add(out, "linux.resources.hugepageLimits", "hugetlb", file,
                                    "%" PRIu64, limit);
        }
        return 0;
}

int cgroup_plan_rdma(json_t *rdma, struct cgroup_settings *out, struct error **err)
{
        const char *name;
        json_t *limits;
        json_object_foreach(rdma, name, limits)
        {
                _cleanup_free_ char *path = xasprintf("linux.resources.rdma.%s", name);
                uint64_t handles = 0, objects = 0;
                int h, o;
                if (!json_is_object(limits))
                        return error_set(err, 0, "%s: must be an object", path);
                if ((h = cgroup_json_uint(limits, path, "hcaHandles", &handles, err)) < 0 ||
                    (o = cgroup_json_uint(limits, path, "hcaObjects", &objects, err)) < 0)
                        return -1;
                if (strpbrk(name, " \n") != NULL)
                        return error_set(err, 0, "%s: not a device name", path);
                _cleanup_free_ char *hv = h ? xasprintf("%" PRIu64, handles) : xstrdup("max");
                _cleanup_free_ char *ov = o ? xasprintf("%" PRIu64, objects) : xstrdup("max");
                cgroup_settings_add(out, "linux.resources.rdma", "rdma", "rdma.max",
                                    "%s hca_handle=%s hca_object=%s", name, hv, ov);
        }
        return 0;
}

int cgroup_json_device_numbers(json_t *item, const char *path, int64_t *major, int64_t *minor,
                               struct error **err)
{
        if (!json_is_object(item))
                return error_set(err, 0, "%s: must be an object", path);
        int a = cgroup_json_int(item, path, "major", major, err);
        if (a < 0)
                return -1;
        int b = cgroup_json_int(item, path, "minor", minor, err);
        if (b < 0)
                return -1;
        if (!a || !b)
                return error_set(err, 0, "%s: needs major and minor", path);
        return 0;
}
