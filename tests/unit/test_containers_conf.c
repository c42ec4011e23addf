/* containers.conf's [containers] netns, the default network of berth run. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers_conf.h"
#include "test.h"

static void check_netns(const char *text, const char *want)
{
        char *got = containers_conf_netns(text);
        if (want == NULL) {
                CHECK(got == NULL);
        } else {
                REQUIRE(got != NULL);
                CHECK_STR_EQ(got, want);
        }
        free(got);
}

TEST(netns_of_the_containers_table)
{
        check_netns("[containers]\nnetns = \"none\"\n", "none");
        check_netns("[containers]\nnetns='host'\n", "host");
        check_netns("  [ containers ]  \n  netns   =   \"bridge\"  # comment\n", "bridge");
        check_netns("[containers]\r\nnetns = \"none\"\r\n", "none");
}

TEST(netns_elsewhere_or_commented_is_not_set)
{
        check_netns("", NULL);
        check_netns("[network]\nnetns = \"none\"\n", NULL);
        check_netns("[containers]\n#netns = \"none\"\n", NULL);
        check_netns("netns = \"none\"\n[containers]\n", NULL);
        check_netns("[containers]\nnetns_extra = \"none\"\n", NULL);
        check_netns("[containers]\nnetns = none\n", NULL);
        check_netns("[containers]\nnetns = \"none\n", NULL);
}

TEST(netns_skips_arrays_and_keeps_the_last_value)
{
        check_netns("[containers]\ndefault_ulimits = [\n  \"nofile=4096:4096\",\n]\n"
                    "netns = \"host\"\n[engine]\nnetns = \"none\"\n",
                    "host");
        check_netns("[containers]\nnetns = \"host\"\nnetns = \"none\"\n", "none");
}

TEST(default_network_follows_CONTAINERS_CONF)
{
        char path[] = "/tmp/berth-containers-conf-XXXXXX";
        int fd = mkstemp(path);
        REQUIRE(fd >= 0);
        const char *text = "[containers]\nnetns = \"none\"\n";
        REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        setenv("CONTAINERS_CONF", path, 1);
        CHECK_STR_EQ(containers_conf_default_network(), "none");
        REQUIRE(truncate(path, 0) == 0);
        CHECK_STR_EQ(containers_conf_default_network(), "bridge");
        setenv("CONTAINERS_CONF", "/nonexistent/containers.conf", 1);
        CHECK_STR_EQ(containers_conf_default_network(), "bridge");
        unsetenv("CONTAINERS_CONF");
        unlink(path);
}
