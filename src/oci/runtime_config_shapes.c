/*
 * The shapes (types, ranges, required members) of the config.json sections the parser
 * keeps as JSON for other modules, written after the runtime-spec schema
 * (schema/config-linux.json, defs-linux.json, config-schema.json). Enumerated names that
 * grow with the kernel (seccomp actions and flags, scheduler policies) are checked as
 * strings only; the module that maps them to numbers rejects the ones it does not know.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "json_shape.h"
#include "runtime_config_internal.h"

#define REQUIRED .required = true
#define BOOL(k, ...)                                                                               \
        {                                                                                          \
                .key = k, .kind = JSON_SHAPE_BOOL, __VA_ARGS__                                     \
        }
#define STRING(k, ...)                                                                             \
        {                                                                                          \
                .key = k, .kind = JSON_SHAPE_STRING, __VA_ARGS__                                   \
        }
#define INTEGER(k, lo, hi, ...)                                                                    \
        {                                                                                          \
                .key = k, .kind = JSON_SHAPE_INTEGER, .min = lo, .max = hi, __VA_ARGS__            \
        }
#define INT32(k, ...)  INTEGER(k, INT32_MIN, INT32_MAX, __VA_ARGS__)
#define INT64(k, ...)  INTEGER(k, INT64_MIN, INT64_MAX, __VA_ARGS__)
#define UINT16(k, ...) INTEGER(k, 0, UINT16_MAX, __VA_ARGS__)
#define UINT32(k, ...) INTEGER(k, 0, UINT32_MAX, __VA_ARGS__)
/* jansson holds integers as long long: uint64 fields stop at INT64_MAX. */
#define UINT64(k, ...) INTEGER(k, 0, INT64_MAX, __VA_ARGS__)
#define OBJECT(k, ...)                                                                             \
        {                                                                                          \
                .key = k, .kind = JSON_SHAPE_OBJECT,                                               \
                .members = (const struct json_shape[]){__VA_ARGS__, {0}},                          \
        }
#define ARRAY_OF(k, item_shape, ...)                                                               \
        {                                                                                          \
                .key = k, .kind = JSON_SHAPE_ARRAY, .item = &(const struct json_shape)item_shape,  \
                __VA_ARGS__                                                                        \
        }
#define MAP_OF(k, item_shape, ...)                                                                 \
        {                                                                                          \
                .key = k, .kind = JSON_SHAPE_MAP, .item = &(const struct json_shape)item_shape,    \
                __VA_ARGS__                                                                        \
        }
#define STRINGS(k) ARRAY_OF(k, STRING(NULL))

/* config-linux.md "Huge page limits": pageSize is <size><unit-prefix>B (64KB, 2MB, 1GB). */
static int check_page_size(json_t *value, const char *path, struct error **err)
{
        const char *s = json_string_value(value);
        const char *p = s;
        if (*p < '1' || *p > '9')
                goto bad;
        while (isdigit((unsigned char)*p))
                p++;
        if (*p != '\0' && strchr("KMG", *p) != NULL && strcmp(p + 1, "B") == 0)
                return 0;
bad:
        return error_set(err, 0, "%s: \"%s\" is not a page size like 64KB, 2MB or 1GB", path, s);
}

/* config-linux.md "Intel RDT": memBwSchema MUST start with MB: and hold no newline. */
static int check_mem_bw_schema(json_t *value, const char *path, struct error **err)
{
        const char *s = json_string_value(value);
        if (strncmp(s, "MB:", 3) == 0 && strchr(s, '\n') == NULL)
                return 0;
        return error_set(err, 0, "%s: must start with \"MB:\" and hold no newline", path);
}

#define DEVICE_NUMBERS INT64("major", REQUIRED), INT64("minor", REQUIRED)
#define THROTTLE(k)    ARRAY_OF(k, OBJECT(NULL, DEVICE_NUMBERS, UINT64("rate")))

static const struct json_shape resources_members[] = {
    MAP_OF("unified", STRING(NULL)),
    ARRAY_OF("devices", OBJECT(NULL, BOOL("allow", REQUIRED), STRING("type"), INT64("major"),
                               INT64("minor"), STRING("access"))),
    OBJECT("pids", INT64("limit", REQUIRED)),
    OBJECT("blockIO", UINT16("weight"), UINT16("leafWeight"), THROTTLE("throttleReadBpsDevice"),
           THROTTLE("throttleWriteBpsDevice"), THROTTLE("throttleReadIOPSDevice"),
           THROTTLE("throttleWriteIOPSDevice"),
           ARRAY_OF("weightDevice",
                    OBJECT(NULL, DEVICE_NUMBERS, UINT16("weight"), UINT16("leafWeight")))),
    OBJECT("cpu", STRING("cpus"), STRING("mems"), UINT64("period"), INT64("quota"), UINT64("burst"),
           UINT64("realtimePeriod"), INT64("realtimeRuntime"), UINT64("shares"), INT64("idle")),
    ARRAY_OF("hugepageLimits", OBJECT(NULL, STRING("pageSize", REQUIRED, .check = check_page_size),
                                      UINT64("limit", REQUIRED))),
    OBJECT("memory", INT64("kernel"), INT64("kernelTCP"), INT64("limit"), INT64("reservation"),
           INT64("swap"), UINT64("swappiness"), BOOL("disableOOMKiller"), BOOL("useHierarchy"),
           BOOL("checkBeforeUpdate")),
    OBJECT("network", UINT32("classID"),
           ARRAY_OF("priorities",
                    OBJECT(NULL, STRING("name", REQUIRED), UINT32("priority", REQUIRED)))),
    MAP_OF("rdma", OBJECT(NULL, UINT32("hcaHandles"), UINT32("hcaObjects"))),
    {0},
};

static const struct json_shape seccomp_members[] = {
    STRING("defaultAction", REQUIRED),
    UINT32("defaultErrnoRet"),
    STRINGS("flags"),
    STRING("listenerPath"),
    STRING("listenerMetadata"),
    STRINGS("architectures"),
    ARRAY_OF(
        "syscalls",
        OBJECT(NULL, ARRAY_OF("names", STRING(NULL), REQUIRED), STRING("action", REQUIRED),
               UINT32("errnoRet"),
               ARRAY_OF("args", OBJECT(NULL, UINT32("index", REQUIRED), UINT64("value", REQUIRED),
                                       UINT64("valueTwo"), STRING("op", REQUIRED))))),
    {0},
};

static const char *const personality_domains[] = {"LINUX", "LINUX32", NULL};

static const struct json_shape linux_shapes[] = {
    {.key = "resources", .kind = JSON_SHAPE_OBJECT, .members = resources_members},
    {.key = "seccomp", .kind = JSON_SHAPE_OBJECT, .members = seccomp_members},
    OBJECT("personality", STRING("domain", .values = personality_domains), STRINGS("flags")),
    OBJECT("intelRdt", STRING("closID"), STRINGS("schemata"), STRING("l3CacheSchema"),
           STRING("memBwSchema", .check = check_mem_bw_schema), BOOL("enableMonitoring")),
    MAP_OF("netDevices", OBJECT(NULL, STRING("name"))),
    OBJECT("timeOffsets", OBJECT("boottime", INT64("secs"), UINT32("nanosecs")),
           OBJECT("monotonic", INT64("secs"), UINT32("nanosecs"))),
    OBJECT("memoryPolicy", STRING("mode"), STRING("nodes"), STRINGS("flags")),
    {0},
};

static const char *const io_priority_classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                                  "IOPRIO_CLASS_IDLE", NULL};

static const struct json_shape process_shapes[] = {
    OBJECT("scheduler", STRING("policy", REQUIRED), INT32("nice"), INT32("priority"),
           STRINGS("flags"), UINT64("runtime"), UINT64("deadline"), UINT64("period")),
    OBJECT("ioPriority", STRING("class", REQUIRED, .values = io_priority_classes),
           INT32("priority")),
    OBJECT("execCPUAffinity", STRING("initial"), STRING("final")),
    {0},
};

/* The shapes are listed as the members of an object so one check covers them all. */
int oci_linux_check_shapes(json_t *linux_obj, const char *path, struct error **err)
{
        const struct json_shape linux_shape = {
            .key = "linux", .kind = JSON_SHAPE_OBJECT, .members = linux_shapes};
        return json_shape_check(&linux_shape, linux_obj, path, err);
}

int oci_process_check_shapes(json_t *process_obj, const char *path, struct error **err)
{
        const struct json_shape process_shape = {
            .key = "process", .kind = JSON_SHAPE_OBJECT, .members = process_shapes};
        return json_shape_check(&process_shape, process_obj, path, err);
}
