/* registries.conf: the TOML subset, prefixes, mirrors, errors with line numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "registries_conf.h"
#include "test.h"

/* Writes TEXT to a temporary registries.conf and loads it. Returns the load's result. */
static int load_text(const char *text, struct registries_conf *conf, struct error **err)
{
        char dir[] = "/tmp/test-registries-conf-XXXXXX";
        if (!mkdtemp(dir))
                abort();
        _cleanup_free_ char *path = xasprintf("%s/registries.conf", dir);
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
        int rc = registries_conf_load(path, conf, err);
        unlink(path);
        rmdir(dir);
        return rc;
}

TEST(missing_file_is_empty)
{
        struct registries_conf conf;
        struct error *err = NULL;
        REQUIRE(registries_conf_load("/nonexistent/registries.conf", &conf, &err) == 0);
        CHECK(conf.n_entries == 0);
        CHECK(conf.unqualified_search == NULL);
        CHECK(registries_conf_match(&conf, "docker.io/library/busybox") == NULL);
        registries_conf_release(&conf);
}

TEST(version2_registries_and_mirrors)
{
        static const char text[] =
            "# a comment\n"
            "unqualified-search-registries = [\"docker.io\", 'quay.io'] # trailing\n"
            "\n"
            "[[registry]]\n"
            "prefix = \"docker.io\"\n"
            "location = \"docker.io\"\n"
            "  [[registry.mirror]]\n"
            "  location = \"127.0.0.1:5001/cache\"\n"
            "  insecure = true\n"
            "  [[registry.mirror]]\n"
            "  location = \"mirror.example.com\"\n"
            "\n"
            "[[registry]]\n"
            "location = \"127.0.0.1:5000\"\n"
            "insecure = true\n"
            "\n"
            "[[registry]]\n"
            "prefix = \"example.com/blocked\"\n"
            "blocked = true\n"
            "mirror-by-digest-only = false\n"
            "\n"
            "[aliases]\n"
            "\"busybox\" = \"docker.io/library/busybox\"\n";
        struct registries_conf conf;
        struct error *err = NULL;
        REQUIRE(load_text(text, &conf, &err) == 0);
        REQUIRE(conf.unqualified_search != NULL);
        CHECK_STR_EQ(conf.unqualified_search[0], "docker.io");
        CHECK_STR_EQ(conf.unqualified_search[1], "quay.io");
        CHECK(conf.unqualified_search[2] == NULL);
        REQUIRE(conf.n_entries == 3);
        const struct registries_entry *e = &conf.entries[0];
        CHECK_STR_EQ(e->prefix, "docker.io");
        REQUIRE(e->n_mirrors == 2);
        CHECK_STR_EQ(e->mirrors[0].location, "127.0.0.1:5001/cache");
        CHECK(e->mirrors[0].insecure);
        CHECK_STR_EQ(e->mirrors[1].location, "mirror.example.com");
        CHECK(!e->mirrors[1].insecure);
        CHECK(!e->endpoint.insecure);
        /* No prefix: the location is the prefix. */
        CHECK_STR_EQ(conf.entries[1].prefix, "127.0.0.1:5000");
        CHECK(conf.entries[1].endpoint.insecure);
        /* No location: the prefix is the location. */
        CHECK_STR_EQ(conf.entries[2].endpoint.location, "example.com/blocked");
        CHECK(conf.entries[2].blocked);
        registries_conf_release(&conf);
}

TEST(longest_prefix_wins_at_path_boundaries)
{
        static const char text[] = "[[registry]]\n"
                                   "prefix = \"example.com\"\n"
                                   "location = \"a.example.com\"\n"
                                   "[[registry]]\n"
                                   "prefix = \"example.com/team\"\n"
                                   "location = \"b.example.com/team\"\n"
                                   "[[registry]]\n"
                                   "prefix = \"*.wild.io\"\n"
                                   "insecure = true\n";
        struct registries_conf conf;
        struct error *err = NULL;
        REQUIRE(load_text(text, &conf, &err) == 0);
        REQUIRE(conf.n_entries == 3);
        CHECK(registries_conf_match(&conf, "example.com/team/app") == &conf.entries[1]);
        CHECK(registries_conf_match(&conf, "example.com/team") == &conf.entries[1]);
        /* "team" is not a prefix of "teamwork" as a path. */
        CHECK(registries_conf_match(&conf, "example.com/teamwork/app") == &conf.entries[0]);
        CHECK(registries_conf_match(&conf, "example.com/x") == &conf.entries[0]);
        CHECK(registries_conf_match(&conf, "example.community/x") == NULL);
        CHECK(registries_conf_match(&conf, "registry.wild.io/x") == &conf.entries[2]);
        CHECK(registries_conf_match(&conf, "wild.io/x") == NULL);
        CHECK(conf.entries[2].endpoint.location == NULL);
        registries_conf_release(&conf);
}

TEST(version1_tables)
{
        static const char text[] = "[registries.search]\n"
                                   "registries = ['docker.io']\n"
                                   "[registries.insecure]\n"
                                   "registries = [\n"
                                   "  \"127.0.0.1:5000\",   # local\n"
                                   "  \"10.0.0.1:5000\",\n"
                                   "]\n"
                                   "[registries.block]\n"
                                   "registries = [\"evil.example\"]\n";
        struct registries_conf conf;
        struct error *err = NULL;
        REQUIRE(load_text(text, &conf, &err) == 0);
        REQUIRE(conf.unqualified_search != NULL);
        CHECK_STR_EQ(conf.unqualified_search[0], "docker.io");
        const struct registries_entry *e = registries_conf_match(&conf, "10.0.0.1:5000/a");
        REQUIRE(e != NULL);
        CHECK(e->endpoint.insecure);
        e = registries_conf_match(&conf, "evil.example/a");
        REQUIRE(e != NULL);
        CHECK(e->blocked);
        registries_conf_release(&conf);
}

TEST(string_escapes)
{
        static const char text[] = "[[registry]]\n"
                                   "location = \"a\\u00e9\\\\b\\\"c\"\n"
                                   "[[registry]]\n"
                                   "location = 'C:\\raw'\n";
        struct registries_conf conf;
        struct error *err = NULL;
        REQUIRE(load_text(text, &conf, &err) == 0);
        REQUIRE(conf.n_entries == 2);
        CHECK_STR_EQ(conf.entries[0].endpoint.location, "a\xc3\xa9\\b\"c");
        CHECK_STR_EQ(conf.entries[1].endpoint.location, "C:\\raw");
        registries_conf_release(&conf);
}

/* Each malformed file fails with "registries.conf:LINE: MESSAGE". */
TEST(errors_name_the_line)
{
        static const struct {
                const char *text;
                const char *message;
        } cases[] = {
            {"[[registry]]\nlocation \"x\"\n", "registries.conf:2: expected '=' after key"},
            {"a = \"unterminated\n", "registries.conf:1: unterminated string"},
            {"\n\n[[registry]]\ninsecure = \"yes\"\n",
             "registries.conf:4: \"insecure\" must be a boolean"},
            {"[[registry]]\nlocation = \"x\" junk\n",
             "registries.conf:2: unexpected text after the value"},
            {"unqualified-search-registries = [\"a\" \"b\"]\n",
             "registries.conf:1: expected ',' or ']' in the array"},
            {"unqualified-search-registries = [\"a\",\n\n",
             "registries.conf:3: unterminated array"},
            {"[[registry.mirror]]\nlocation = \"m\"\n",
             "registries.conf:1: [[registry.mirror]] before any [[registry]]"},
            {"[[registry\n", "registries.conf:1: expected ']]' after the table name"},
            {"x = {a = 1}\n", "registries.conf:1: inline tables are not supported"},
            {"x = \"\\q\"\n", "registries.conf:1: unknown escape in string"},
            {"[[registry]]\nblocked = true\n",
             "registries.conf: a [[registry]] has neither prefix nor location"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct registries_conf conf;
                struct error *err = NULL;
                int rc = load_text(cases[i].text, &conf, &err);
                CHECK(rc < 0);
                if (rc == 0) {
                        registries_conf_release(&conf);
                        continue;
                }
                CHECK_STR_EQ(err->msg, cases[i].message);
                error_free(&err);
        }
}

/* Debian's own file (comments only, plus the shortnames drop-in's [aliases]) parses. */
TEST(system_files_parse)
{
        const char *paths[] = {"/etc/containers/registries.conf",
                               "/etc/containers/registries.conf.d/shortnames.conf"};
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
                if (access(paths[i], R_OK) != 0)
                        continue;
                struct registries_conf conf;
                struct error *err = NULL;
                int rc = registries_conf_load(paths[i], &conf, &err);
                if (rc < 0)
                        test_note("%s: %s", paths[i], err->msg);
                CHECK(rc == 0);
                error_free(&err);
                if (rc == 0)
                        registries_conf_release(&conf);
        }
}
