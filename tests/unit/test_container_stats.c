/* berth stats: docker's CPU % and memory arithmetic, /proc parsers. */
#include <jansson.h>
#include <string.h>

#include "container_stats.h"
#include "test.h"

TEST(cpu_percent_is_dockers_formula)
{
        struct container_stats prev = {
            .cpu_total_ns = 1000000000, .system_ns = 40000000000, .online_cpus = 4};
        struct container_stats now = prev;
        /* one CPU busy for 1 s of a 4-CPU host: 4 s of host time, 1 s of the container's */
        now.cpu_total_ns += 1000000000;
        now.system_ns += 4000000000;
        double pct = container_stats_cpu_percent(&prev, &now);
        CHECK(pct > 99.99 && pct < 100.01);
        now.cpu_total_ns = prev.cpu_total_ns + 500000000; /* half a CPU */
        pct = container_stats_cpu_percent(&prev, &now);
        CHECK(pct > 49.99 && pct < 50.01);
        now.system_ns = prev.system_ns; /* no time passed */
        CHECK(container_stats_cpu_percent(&prev, &now) == 0);
}

TEST(memory_without_cache_and_limit)
{
        json_t *data =
            json_loads("{\"cpu\":{\"usage\":{\"total\":5,\"percpu\":[1,2]}},"
                       "\"memory\":{\"usage\":{\"limit\":9223372036854771712,\"usage\":1000000},"
                       "\"raw\":{\"total_inactive_file\":200000}},"
                       "\"pids\":{\"current\":3},"
                       "\"blkio\":{\"io_service_bytes_recursive\":[{\"op\":\"Read\",\"value\":10},"
                       "{\"op\":\"Write\",\"value\":20},{\"op\":\"read\",\"value\":1},"
                       "{\"op\":\"Total\",\"value\":31}]}}",
                       0, NULL);
        REQUIRE(data);
        struct container_stats s = {0};
        container_stats_from_runtime(data, 8000000, &s);
        CHECK_INT_EQ(s.memory_usage, 800000);
        CHECK_INT_EQ(s.memory_limit, 8000000); /* unlimited: the host's memory */
        CHECK_INT_EQ(s.online_cpus, 2);
        CHECK_INT_EQ(s.pids, 3);
        CHECK_INT_EQ(s.block_read, 11);
        CHECK_INT_EQ(s.block_write, 20);
        double pct = container_stats_memory_percent(&s);
        CHECK(pct > 9.99 && pct < 10.01);
        json_decref(data);

        /* cgroup v2 names the cache inactive_file; a real limit is kept */
        data = json_loads("{\"memory\":{\"usage\":{\"limit\":67108864,\"usage\":5000},"
                          "\"raw\":{\"inactive_file\":1000}}}",
                          0, NULL);
        container_stats_from_runtime(data, 8000000000, &s);
        CHECK_INT_EQ(s.memory_usage, 4000);
        CHECK_INT_EQ(s.memory_limit, 67108864);
        json_decref(data);
}

TEST(proc_parsers)
{
        const char *net = "Inter-|   Receive                            |  Transmit\n"
                          " face |bytes    packets errs drop fifo frame compressed multicast|"
                          "bytes    packets errs drop fifo colls carrier compressed\n"
                          "    lo:    1000      10    0    0    0     0          0         0 "
                          "    1000      10    0    0    0     0       0          0\n"
                          "  eth0:    2048      20    0    0    0     0          0         0 "
                          "     512       5    0    0    0     0       0          0\n";
        uint64_t rx, tx;
        container_stats_parse_net_dev(net, &rx, &tx);
        CHECK_INT_EQ(rx, 2048);
        CHECK_INT_EQ(tx, 512);
        CHECK_INT_EQ(
            container_stats_parse_proc_stat("cpu  100 0 50 850 0 0 0 0 0 0\ncpu0 1\n", 100),
            10000000000ull);
        CHECK_INT_EQ(container_stats_parse_proc_stat("intr 1\n", 100), 0);
}
