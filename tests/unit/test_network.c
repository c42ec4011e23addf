/* src/network: the -p parser, conflists, CNI requests and results, hosts and resolv.conf texts. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/alloc.h"
#include "base/error.h"
#include "network/cni_conflist.h"
#include "network/hosts_file.h"
#include "network/network_store.h"
#include "network/port_mapping.h"
#include "test.h"

/* Parses TEXT; returns the count (or -1) and the mappings in *OUT. */
static int parse(const char *text, struct port_mapping **out, struct error **err)
{
        size_t n = 0;
        *out = NULL;
        if (port_mapping_parse(text, out, &n, err) < 0)
                return -1;
        return (int)n;
}

TEST(publish_container_port_only)
{
        struct port_mapping *m;
        struct error *err = NULL;
        REQUIRE(parse("80", &m, &err) == 1);
        CHECK_STR_EQ(m[0].host_ip, "");
        CHECK_INT_EQ(m[0].host_port, 0);
        CHECK_INT_EQ(m[0].container_port, 80);
        CHECK_STR_EQ(m[0].protocol, "tcp");
        free(m);
}

TEST(publish_host_ip_port_and_proto)
{
        struct port_mapping *m;
        struct error *err = NULL;
        REQUIRE(parse("127.0.0.1:8080:80/udp", &m, &err) == 1);
        CHECK_STR_EQ(m[0].host_ip, "127.0.0.1");
        CHECK_INT_EQ(m[0].host_port, 8080);
        CHECK_INT_EQ(m[0].container_port, 80);
        CHECK_STR_EQ(m[0].protocol, "udp");
        free(m);
        REQUIRE(parse("127.0.0.1::80", &m, &err) == 1);
        CHECK_STR_EQ(m[0].host_ip, "127.0.0.1");
        CHECK_INT_EQ(m[0].host_port, 0);
        free(m);
        REQUIRE(parse("8080:80", &m, &err) == 1);
        CHECK_STR_EQ(m[0].host_ip, "");
        CHECK_INT_EQ(m[0].host_port, 8080);
        free(m);
        REQUIRE(parse("0.0.0.0:8080:80", &m, &err) == 1);
        CHECK_STR_EQ(m[0].host_ip, "");
        free(m);
        REQUIRE(parse("[::1]:8080:80/tcp", &m, &err) == 1);
        CHECK_STR_EQ(m[0].host_ip, "::1");
        CHECK_INT_EQ(m[0].host_port, 8080);
        free(m);
}

TEST(publish_ranges)
{
        struct port_mapping *m;
        struct error *err = NULL;
        REQUIRE(parse("8000-8002:80-82", &m, &err) == 3);
        CHECK_INT_EQ(m[2].host_port, 8002);
        CHECK_INT_EQ(m[2].container_port, 82);
        free(m);
        REQUIRE(parse("80-81", &m, &err) == 2);
        CHECK_INT_EQ(m[1].host_port, 0);
        CHECK_INT_EQ(m[1].container_port, 81);
        free(m);
}

TEST(publish_errors)
{
        static const struct {
                const char *text, *error;
        } cases[] = {
            {"abc", "invalid containerPort: abc"},
            {"8080:0", "invalid containerPort: 0"},
            {"x:80", "invalid hostPort: x"},
            {"70000:80", "invalid hostPort: 70000"},
            {"80/sctpx", "invalid proto: sctpx"},
            {"1.2.3:8080:80", "invalid IP address: 1.2.3"},
            {"8000-8001:80", "invalid ranges specified for container and host ports: 8000-8001:80"},
            {"", "invalid containerPort: "},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct port_mapping *m = NULL;
                struct error *err = NULL;
                CHECK(parse(cases[i].text, &m, &err) == -1);
                REQUIRE(err != NULL);
                CHECK_STR_EQ(err->msg, cases[i].error);
                error_free(&err);
                free(m);
        }
}

TEST(publish_json_and_format)
{
        struct port_mapping *m;
        struct error *err = NULL;
        REQUIRE(parse("127.0.0.1:8080:80", &m, &err) == 1);
        json_t *j = port_mapping_to_json(&m[0]);
        char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        CHECK_STR_EQ(text, "{\"containerPort\":80,\"hostIP\":\"127.0.0.1\",\"hostPort\":8080,"
                           "\"protocol\":\"tcp\"}");
        free(text);
        struct port_mapping back;
        CHECK(port_mapping_from_json(j, &back) == 0);
        CHECK(memcmp(&back, &m[0], sizeof(back)) == 0);
        json_decref(j);
        char *shown = port_mapping_format(&m[0]);
        CHECK_STR_EQ(shown, "127.0.0.1:8080->80/tcp");
        free(shown);
        free(m);
        struct port_mapping exposed;
        CHECK(port_mapping_exposed("53/udp", &exposed, &err) == 0);
        CHECK_INT_EQ(exposed.container_port, 53);
        CHECK_STR_EQ(exposed.protocol, "udp");
        CHECK(port_mapping_exposed("x/tcp", &exposed, &err) < 0);
        error_free(&err);
}

static struct network sample(bool internal)
{
        struct network n = {.name = "net1",
                            .id = "abc",
                            .driver = "bridge",
                            .bridge = "berth1",
                            .subnet = "10.77.1.0/24",
                            .gateway = "10.77.1.1",
                            .internal = internal,
                            .created = "2024-01-01T00:00:00Z"};
        return n;
}

TEST(conflist_generation)
{
        struct network n = sample(false);
        json_t *c = network_conflist_new(&n);
        CHECK_STR_EQ(json_string_value(json_object_get(c, "cniVersion")), "1.0.0");
        json_t *plugins = json_object_get(c, "plugins");
        REQUIRE(json_array_size(plugins) == 3);
        json_t *bridge = json_array_get(plugins, 0);
        CHECK_STR_EQ(json_string_value(json_object_get(bridge, "type")), "bridge");
        CHECK_STR_EQ(json_string_value(json_object_get(bridge, "bridge")), "berth1");
        CHECK(json_is_true(json_object_get(bridge, "isGateway")));
        CHECK(json_is_true(json_object_get(bridge, "ipMasq")));
        json_t *ipam = json_object_get(bridge, "ipam");
        CHECK_STR_EQ(json_string_value(json_object_get(ipam, "type")), "host-local");
        json_t *range = json_array_get(json_array_get(json_object_get(ipam, "ranges"), 0), 0);
        CHECK_STR_EQ(json_string_value(json_object_get(range, "subnet")), "10.77.1.0/24");
        CHECK_STR_EQ(json_string_value(json_object_get(range, "gateway")), "10.77.1.1");
        CHECK(json_array_size(json_object_get(ipam, "routes")) == 1);
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(plugins, 1), "type")),
                     "portmap");
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(plugins, 2), "type")),
                     "firewall");
        struct network back;
        struct error *err = NULL;
        REQUIRE(network_from_conflist(c, &back, &err) == 0);
        CHECK_STR_EQ(back.name, "net1");
        CHECK_STR_EQ(back.subnet, "10.77.1.0/24");
        CHECK_STR_EQ(back.gateway, "10.77.1.1");
        CHECK_STR_EQ(back.bridge, "berth1");
        CHECK(!back.internal);
        network_release(&back);
        json_decref(c);

        /* internal: no masquerade, no default route */
        n = sample(true);
        c = network_conflist_new(&n);
        bridge = json_array_get(json_object_get(c, "plugins"), 0);
        CHECK(json_is_false(json_object_get(bridge, "ipMasq")));
        CHECK(json_object_get(json_object_get(bridge, "ipam"), "routes") == NULL);
        REQUIRE(network_from_conflist(c, &back, &err) == 0);
        CHECK(back.internal);
        network_release(&back);
        json_decref(c);
}

TEST(cidr)
{
        uint32_t a;
        int p;
        struct error *err = NULL;
        CHECK(network_parse_cidr("10.77.3.0/24", false, &a, &p, &err) == 0);
        CHECK(a == 0x0a4d0300u && p == 24);
        CHECK(network_parse_cidr("10.77.3.5/24", false, &a, &p, &err) < 0);
        error_free(&err);
        CHECK(network_parse_cidr("10.77.3.5/24", true, &a, &p, &err) == 0);
        CHECK(a == 0x0a4d0300u);
        CHECK(network_parse_cidr("10.77.3.0", false, &a, &p, &err) < 0);
        error_free(&err);
        CHECK(network_cidr_overlap(0x0a4d0000u, 16, 0x0a4d0300u, 24));
        CHECK(!network_cidr_overlap(0x0a4d0200u, 24, 0x0a4d0300u, 24));
}

TEST(cni_request_derivation)
{
        json_t *conflist = json_loads(
            "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":["
            "{\"type\":\"bridge\",\"bridge\":\"b0\"},"
            "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true,\"other\":true}}]}",
            0, NULL);
        json_t *caps =
            json_loads("{\"portMappings\":[{\"hostPort\":1,\"containerPort\":2}]}", 0, NULL);
        json_t *prev = json_loads("{\"cniVersion\":\"1.0.0\",\"ips\":[]}", 0, NULL);
        json_t *first = cni_conflist_request(conflist, 0, caps, NULL);
        CHECK_STR_EQ(json_string_value(json_object_get(first, "name")), "n");
        CHECK_STR_EQ(json_string_value(json_object_get(first, "cniVersion")), "1.0.0");
        CHECK(json_object_get(first, "runtimeConfig") == NULL); /* bridge declares none */
        CHECK(json_object_get(first, "prevResult") == NULL);
        json_t *second = cni_conflist_request(conflist, 1, caps, prev);
        CHECK(json_object_get(second, "capabilities") == NULL);
        json_t *rc = json_object_get(second, "runtimeConfig");
        CHECK(json_array_size(json_object_get(rc, "portMappings")) == 1);
        CHECK(json_object_get(rc, "other") == NULL); /* not provided by the runtime */
        CHECK(json_equal(json_object_get(second, "prevResult"), prev));
        CHECK(cni_conflist_request(conflist, 2, caps, prev) == NULL);
        json_decref(first);
        json_decref(second);
        json_decref(caps);
        json_decref(prev);
        json_decref(conflist);
}

TEST(cni_result_parsing)
{
        json_t *result = json_loads(
            "{\"cniVersion\":\"1.0.0\",\"interfaces\":["
            "{\"name\":\"berth0\",\"mac\":\"aa:aa:aa:aa:aa:aa\"},"
            "{\"name\":\"veth1\",\"mac\":\"bb:bb:bb:bb:bb:bb\"},"
            "{\"name\":\"eth0\",\"mac\":\"cc:cc:cc:cc:cc:cc\",\"sandbox\":\"/run/netns/x\"}],"
            "\"ips\":[{\"interface\":2,\"address\":\"10.77.0.5/24\",\"gateway\":\"10.77.0.1\"}],"
            "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}",
            0, NULL);
        struct cni_result_summary s;
        struct error *err = NULL;
        REQUIRE(cni_result_summarize(result, &s, &err) == 0);
        CHECK_STR_EQ(s.ip, "10.77.0.5");
        CHECK_INT_EQ(s.prefix_len, 24);
        CHECK_STR_EQ(s.gateway, "10.77.0.1");
        CHECK_STR_EQ(s.mac, "cc:cc:cc:cc:cc:cc");
        cni_result_summary_release(&s);
        json_decref(result);
        result = json_loads("{\"cniVersion\":\"1.0.0\",\"ips\":[]}", 0, NULL);
        CHECK(cni_result_summarize(result, &s, &err) < 0);
        error_free(&err);
        json_decref(result);
}

TEST(cni_error_text)
{
        char *t = cni_error_text(
            "{\"code\":7,\"msg\":\"invalid config\",\"details\":\"too\\nsmall\"}", "", 1 << 8);
        CHECK_STR_EQ(t, "invalid config: too small");
        free(t);
        t = cni_error_text("", "log line\nfailed to set up bridge\n", 1 << 8);
        CHECK_STR_EQ(t, "failed to set up bridge");
        free(t);
        t = cni_error_text("", "", 3 << 8);
        CHECK_STR_EQ(t, "exit status 3");
        free(t);
}

TEST(hosts_text)
{
        const char *base = "127.0.0.1\tlocalhost\n127.0.1.1\tabc\n";
        char *t = hosts_text_drop(base, "127.0.1.1");
        CHECK_STR_EQ(t, "127.0.0.1\tlocalhost\n");
        const char *names[] = {"abc", "web", "abc", "", "alias", NULL};
        char *u = hosts_text_put(t, "10.77.0.2", names);
        CHECK_STR_EQ(u, "127.0.0.1\tlocalhost\n10.77.0.2\tabc web alias\n");
        const char *other[] = {"db", NULL};
        char *v = hosts_text_put(u, "10.77.0.2", other); /* replaced in place */
        CHECK_STR_EQ(v, "127.0.0.1\tlocalhost\n10.77.0.2\tdb\n");
        char *w = hosts_text_drop(v, "10.77.0.2");
        CHECK_STR_EQ(w, "127.0.0.1\tlocalhost\n");
        /* 10.77.0.2 is not 10.77.0.20 */
        char *x = hosts_text_drop("10.77.0.20\tz\n", "10.77.0.2");
        CHECK_STR_EQ(x, "10.77.0.20\tz\n");
        free(t);
        free(u);
        free(v);
        free(w);
        free(x);
}

TEST(resolv_conf)
{
        char *t = resolv_conf_for_bridge("search lan\nnameserver 127.0.0.53\nnameserver 1.1.1.1\n"
                                         "options edns0\n");
        CHECK_STR_EQ(t, "search lan\nnameserver 1.1.1.1\noptions edns0\n");
        free(t);
        t = resolv_conf_for_bridge("nameserver 127.0.0.53\nnameserver ::1\n");
        CHECK_STR_EQ(t, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        free(t);
}
