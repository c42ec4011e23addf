/* One stats sample of a container and docker's formulas (docker/cli's stats_helpers). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "container_stats.h"
#include "engine_internal.h"

static uint64_t number(json_t *object, const char *key)
{
        json_t *v = json_object_get(object, key);
        return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v)
                                                               : 0;
}

void container_stats_from_runtime(json_t *data, uint64_t mem_total, struct container_stats *out)
{
        json_t *cpu = json_object_get(json_object_get(data, "cpu"), "usage");
        out->cpu_total_ns = number(cpu, "total");
        size_t cpus = json_array_size(json_object_get(cpu, "percpu"));
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        out->online_cpus = cpus ? (unsigned)cpus : online > 0 ? (unsigned)online : 1;

        json_t *memory = json_object_get(data, "memory");
        json_t *usage = json_object_get(memory, "usage");
        json_t *raw = json_object_get(memory, "raw");
        uint64_t used = number(usage, "usage");
        /* docker's calculateMemUsageUnixNoCache: the page cache the kernel can drop at once is
         * not the container's (cgroup v1 names it total_inactive_file, v2 inactive_file). */
        uint64_t inactive = json_object_get(raw, "total_inactive_file")
                                ? number(raw, "total_inactive_file")
                                : number(raw, "inactive_file");
        out->memory_usage = inactive < used ? used - inactive : used;
        uint64_t limit = number(usage, "limit");
        out->memory_limit = limit == 0 || (mem_total && limit > mem_total) ? mem_total : limit;

        out->pids = number(json_object_get(data, "pids"), "current");

        out->block_read = out->block_write = 0;
        size_t i;
        json_t *entry;
        json_array_foreach(
            json_object_get(json_object_get(data, "blkio"), "io_service_bytes_recursive"), i, entry)
        {
                const char *op = json_string_value(json_object_get(entry, "op"));
                if (op && strcasecmp(op, "read") == 0)
                        out->block_read += number(entry, "value");
                else if (op && strcasecmp(op, "write") == 0)
                        out->block_write += number(entry, "value");
        }
}

void container_stats_parse_net_dev(const char *text, uint64_t *rx, uint64_t *tx)
{
        *rx = *tx = 0;
        /* Two header lines, then "  NAME: rx_bytes packets errs drop fifo frame compressed
         * multicast tx_bytes ...". */
        for (const char *line = text, *end; *line; line = *end ? end + 1 : end) {
                end = strchrnul(line, '\n');
                const char *colon = strchr(line, ':');
                if (!colon || colon > end)
                        continue;
                const char *name = line;
                while (*name == ' ')
                        name++;
                if (colon - name == 2 && strncmp(name, "lo", 2) == 0)
                        continue;
                unsigned long long v[9];
                if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                           &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
                        continue;
                *rx += v[0];
                *tx += v[8];
        }
}

uint64_t container_stats_parse_proc_stat(const char *text, long ticks)
{
        if (strncmp(text, "cpu ", 4) != 0 || ticks <= 0)
                return 0;
        /* user nice system idle iowait irq softirq steal (guest time is inside user) */
        unsigned long long v[8] = {0};
        int n = sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                       &v[3], &v[4], &v[5], &v[6], &v[7]);
        uint64_t total = 0;
        for (int i = 0; i < n; i++)
                total += v[i];
        return total * (1000000000ull / (uint64_t)ticks);
}

double container_stats_cpu_percent(const struct container_stats *prev,
                                   const struct container_stats *now)
{
        if (now->cpu_total_ns < prev->cpu_total_ns || now->system_ns <= prev->system_ns)
                return 0;
        double cpu = (double)(now->cpu_total_ns - prev->cpu_total_ns);
        double system = (double)(now->system_ns - prev->system_ns);
        return cpu / system * now->online_cpus * 100.0;
}

double container_stats_memory_percent(const struct container_stats *s)
{
        return s->memory_limit ? (double)s->memory_usage / (double)s->memory_limit * 100.0 : 0;
}

int container_stats_read(struct engine *e, const struct container_row *row, pid_t pid,
                         struct container_stats *out, struct error **err)
{
        memset(out, 0, sizeof(*out));
        _cleanup_free_ char *text = NULL;
        const char *args[] = {"events", "--stats", row->id, NULL};
        if (engine_runtime(e, args, &text, NULL, err) < 0)
                return error_wrap(err, "stats of container %s", row->name);
        /* One event: {"type":"stats","id":ID,"data":{...}} */
        json_t *event = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
        json_t *data = json_object_get(event, "data");
        if (!json_is_object(data)) {
                json_decref(event);
                return error_set(err, 0, "stats of container %s: the runtime printed no stats",
                                 row->name);
        }
        struct sysinfo si;
        uint64_t mem_total = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
        container_stats_from_runtime(data, mem_total, out);
        json_decref(event);

        _cleanup_free_ char *stat = fs_read_file("/proc/stat", NULL, NULL);
        if (stat)
                out->system_ns = container_stats_parse_proc_stat(stat, sysconf(_SC_CLK_TCK));
        _cleanup_free_ char *path = xasprintf("/proc/%d/net/dev", (int)pid);
        _cleanup_free_ char *net = fs_read_file(path, NULL, NULL);
        if (net)
                container_stats_parse_net_dev(net, &out->net_rx, &out->net_tx);
        return 0;
}
