/* update: changes the cgroup limits of a created or running container, with runc's flags
 * or a linux.resources JSON document (-r FILE, "-" for stdin). Only the given values
 * change; nothing is recorded, the cgroup itself holds the limits. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cgroup.h"
#include "commands.h"
#include "container.h"
#include "error.h"

static const char update_usage[] =
    "usage: berth-runtime update [options] CONTAINER-ID\n"
    "\n"
    "  -r, --resources FILE        linux.resources JSON to apply (\"-\": stdin); the\n"
    "                              other options are then ignored\n"
    "  --memory BYTES              memory limit (k, m, g suffixes; -1: unlimited)\n"
    "  --memory-swap BYTES         memory+swap limit (-1: unlimited swap)\n"
    "  --memory-reservation BYTES  memory soft limit\n"
    "  --cpu-share, --cpu-shares N relative CPU weight\n"
    "  --cpu-quota USECS           CPU time allowed per period (-1: no limit)\n"
    "  --cpu-period USECS          CFS period\n"
    "  --cpu-rt-period USECS       realtime period (v1)\n"
    "  --cpu-rt-runtime USECS      realtime runtime per period (v1)\n"
    "  --cpuset-cpus LIST          CPUs to use, e.g. 0-2,4\n"
    "  --cpuset-mems LIST          memory nodes to use\n"
    "  --pids-limit N              maximum number of processes (-1: unlimited)\n"
    "  --blkio-weight N            block I/O weight, 10 to 1000\n";

/* A size as runc takes it (docker's RAMInBytes): digits, an optional fraction and an
 * optional binary unit b, k, m, g, t, p (any case, "kb"/"kib" too). */
static int parse_bytes(const char *flag, const char *text, int64_t *out, struct error **err)
{
        if (strcmp(text, "-1") == 0) {
                *out = -1;
                return 0;
        }
        char *end;
        errno = 0;
        double value = strtod(text, &end);
        if (end == text || errno != 0 || value < 0 || !isdigit((unsigned char)text[0]))
                return error_set(err, 0, "--%s: %s is not a size in bytes", flag, text);
        double scale = 1;
        if (*end) {
                const char *units = "bkmgtp";
                const char *u = strchr(units, tolower((unsigned char)*end));
                if (u == NULL)
                        return error_set(err, 0, "--%s: %s has an unknown unit", flag, text);
                for (long i = 0; i < u - units; i++)
                        scale *= 1024;
                end++;
                if (u != units && (strcasecmp(end, "b") == 0 || strcasecmp(end, "ib") == 0))
                        end += strlen(end);
                if (*end)
                        return error_set(err, 0, "--%s: %s has an unknown unit", flag, text);
        }
        if (value * scale > 9.2e18)
                return error_set(err, 0, "--%s: %s is too large", flag, text);
        *out = (int64_t)(value * scale);
        return 0;
}

static int parse_int(const char *flag, const char *text, int64_t *out, struct error **err)
{
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (end == text || *end || errno)
                return error_set(err, 0, "--%s: %s is not a number", flag, text);
        *out = v;
        return 0;
}

/* The section object of resources, made on first use. */
static json_t *section(json_t *resources, const char *name)
{
        json_t *obj = json_object_get(resources, name);
        if (obj == NULL) {
                obj = json_object();
                json_object_set_new(resources, name, obj);
        }
        return obj;
}

static json_t *read_resources(const char *file, struct error **err)
{
        json_error_t jerr;
        json_t *doc =
            strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &jerr) : json_load_file(file, 0, &jerr);
        if (doc == NULL) {
                error_set(err, 0, "--resources %s: %s", strcmp(file, "-") ? file : "(stdin)",
                          jerr.text);
                return NULL;
        }
        if (!json_is_object(doc)) {
                json_decref(doc);
                error_set(err, 0, "--resources %s: not a JSON object", file);
                return NULL;
        }
        return doc;
}

int cmd_update(const struct runtime_options *rt, int argc, char **argv)
{
        enum {
                OPT_MEMORY = 256,
                OPT_SWAP,
                OPT_RESERVATION,
                OPT_SHARES,
                OPT_QUOTA,
                OPT_PERIOD,
                OPT_RT_PERIOD,
                OPT_RT_RUNTIME,
                OPT_CPUS,
                OPT_MEMS,
                OPT_PIDS,
                OPT_BLKIO,
                OPT_L3,
                OPT_MEMBW
        };
        static const struct option flags[] = {
            {"resources", required_argument, NULL, 'r'},
            {"memory", required_argument, NULL, OPT_MEMORY},
            {"memory-swap", required_argument, NULL, OPT_SWAP},
            {"memory-reservation", required_argument, NULL, OPT_RESERVATION},
            {"cpu-share", required_argument, NULL, OPT_SHARES},
            {"cpu-shares", required_argument, NULL, OPT_SHARES},
            {"cpu-quota", required_argument, NULL, OPT_QUOTA},
            {"cpu-period", required_argument, NULL, OPT_PERIOD},
            {"cpu-rt-period", required_argument, NULL, OPT_RT_PERIOD},
            {"cpu-rt-runtime", required_argument, NULL, OPT_RT_RUNTIME},
            {"cpuset-cpus", required_argument, NULL, OPT_CPUS},
            {"cpuset-mems", required_argument, NULL, OPT_MEMS},
            {"pids-limit", required_argument, NULL, OPT_PIDS},
            {"blkio-weight", required_argument, NULL, OPT_BLKIO},
            {"l3-cache-schema", required_argument, NULL, OPT_L3},
            {"mem-bw-schema", required_argument, NULL, OPT_MEMBW},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        const char *resources_file = NULL;
        json_t *from_flags __attribute__((cleanup(json_decrefp))) = json_object();
        int opt;
        while ((opt = getopt_long(argc, argv, "+r:h", flags, NULL)) != -1) {
                const char *name = flags[0].name;
                for (size_t i = 0; flags[i].name; i++)
                        if (flags[i].val == opt)
                                name = flags[i].name;
                int64_t v = 0;
                int rc = 0;
                switch (opt) {
                case 'r':
                        resources_file = optarg;
                        break;
                case 'h':
                        fputs(update_usage, stdout);
                        return 0;
                case OPT_MEMORY:
                case OPT_SWAP:
                case OPT_RESERVATION:
                        rc = parse_bytes(name, optarg, &v, &err);
                        json_object_set_new(section(from_flags, "memory"),
                                            opt == OPT_MEMORY ? "limit"
                                            : opt == OPT_SWAP ? "swap"
                                                              : "reservation",
                                            json_integer(v));
                        break;
                case OPT_SHARES:
                case OPT_QUOTA:
                case OPT_PERIOD:
                case OPT_RT_PERIOD:
                case OPT_RT_RUNTIME:
                        rc = parse_int(name, optarg, &v, &err);
                        if (rc == 0 && v < 0 && opt != OPT_QUOTA && opt != OPT_RT_RUNTIME)
                                rc = error_set(&err, 0, "--%s: must not be negative", name);
                        json_object_set_new(section(from_flags, "cpu"),
                                            opt == OPT_SHARES      ? "shares"
                                            : opt == OPT_QUOTA     ? "quota"
                                            : opt == OPT_PERIOD    ? "period"
                                            : opt == OPT_RT_PERIOD ? "realtimePeriod"
                                                                   : "realtimeRuntime",
                                            json_integer(v));
                        break;
                case OPT_CPUS:
                case OPT_MEMS:
                        json_object_set_new(section(from_flags, "cpu"),
                                            opt == OPT_CPUS ? "cpus" : "mems", json_string(optarg));
                        break;
                case OPT_PIDS:
                        rc = parse_int(name, optarg, &v, &err);
                        json_object_set_new(section(from_flags, "pids"), "limit", json_integer(v));
                        break;
                case OPT_BLKIO:
                        rc = parse_int(name, optarg, &v, &err);
                        if (rc == 0 && v != 0 && (v < 10 || v > 1000))
                                rc = error_set(&err, 0, "--blkio-weight: %s is not in 10..1000",
                                               optarg);
                        json_object_set_new(section(from_flags, "blockIO"), "weight",
                                            json_integer(v));
                        break;
                case OPT_L3:
                case OPT_MEMBW:
                        rc = error_set(&err, 0, "--%s: Intel RDT is not supported", name);
                        break;
                default:
                        return cli_bad_flag("update", argv);
                }
                if (rc < 0)
                        return cli_fail(&err);
        }
        if (cli_expect_args("update", argc, argv, optind, 1, "container id"))
                return 1;
        const char *id = argv[optind];
        _cleanup_container_record_ struct container_record *rec =
            container_record_load(rt, id, &err);
        if (rec == NULL)
                return cli_fail(&err);
        enum container_status status = container_status(rt, rec);
        if (status == CONTAINER_STOPPED || status == CONTAINER_CREATING || rec->cgroup == NULL) {
                error_set(&err, 0, "container %s is not running", id);
                return cli_fail(&err);
        }
        json_t *resources __attribute__((cleanup(json_decrefp))) = NULL;
        if (resources_file) {
                resources = read_resources(resources_file, &err);
                if (resources == NULL)
                        return cli_fail(&err);
        } else {
                resources = json_incref(from_flags);
        }
        if (cgroup_apply_resources(rec->cgroup, resources, &err) < 0) {
                error_wrap(&err, "update %s", id);
                return cli_fail(&err);
        }
        return 0;
}
