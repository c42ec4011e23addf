/* The pure parts of image archives: manifest.json, entry names, --change instructions. */
#include <string.h>

#include "base/alloc.h"
#include "image/image_archive.h"
#include "test.h"

static void free_error(struct error **err)
{
        error_free(err);
}

TEST(docker_manifest_as_podman_writes_it)
{
        const char *text =
            "[{\"Config\":\"53c3.json\",\"RepoTags\":[\"localhost/bb:latest\",\"bb:1\"],"
            "\"Layers\":[\"5c44.tar\",\"b680/layer.tar\"]}]";
        struct docker_archive_entry *e = NULL;
        size_t n = 0;
        struct error *err = NULL;
        REQUIRE(docker_archive_manifest_parse(text, strlen(text), &e, &n, &err) == 0);
        REQUIRE(n == 1);
        CHECK_STR_EQ(e[0].config, "53c3.json");
        CHECK_STR_EQ(e[0].repo_tags[0], "localhost/bb:latest");
        CHECK_STR_EQ(e[0].repo_tags[1], "bb:1");
        CHECK(e[0].repo_tags[2] == NULL);
        REQUIRE(e[0].n_layers == 2);
        CHECK_STR_EQ(e[0].layers[1], "b680/layer.tar");
        docker_archive_entries_free(e, n);
}

TEST(docker_manifest_without_tags)
{
        const char *text = "[{\"Config\":\"a.json\",\"RepoTags\":null,\"Layers\":[]},"
                           "{\"Config\":\"b.json\",\"Layers\":[\"x.tar\"]}]";
        struct docker_archive_entry *e = NULL;
        size_t n = 0;
        struct error *err = NULL;
        REQUIRE(docker_archive_manifest_parse(text, strlen(text), &e, &n, &err) == 0);
        REQUIRE(n == 2);
        CHECK(e[0].repo_tags[0] == NULL);
        CHECK(e[0].n_layers == 0);
        CHECK(e[1].repo_tags[0] == NULL);
        CHECK(e[1].n_layers == 1);
        docker_archive_entries_free(e, n);
}

TEST(docker_manifest_refused)
{
        static const char *const bad[] = {
            "{}",
            "[]",
            "not json",
            "[{\"RepoTags\":[],\"Layers\":[]}]",
            "[{\"Config\":\"a.json\",\"RepoTags\":[],\"Layers\":\"x\"}]",
            "[{\"Config\":\"a.json\",\"RepoTags\":[1],\"Layers\":[]}]",
            "[{\"Config\":\"a.json\",\"Layers\":[\"\"]}]",
            "[{\"Config\":\"a.json\",\"Config\":\"b.json\",\"Layers\":[]}]",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct docker_archive_entry *e = NULL;
                size_t n = 0;
                struct error *err = NULL;
                CHECK(docker_archive_manifest_parse(bad[i], strlen(bad[i]), &e, &n, &err) < 0);
                CHECK(err != NULL && strncmp(err->msg, "manifest.json", 13) == 0);
                CHECK(e == NULL && n == 0);
                free_error(&err);
        }
}

TEST(entry_names_are_cleaned)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
            {"manifest.json", "manifest.json"},
            {"./blobs/sha256/ab", "blobs/sha256/ab"},
            {"blobs//sha256/ab/", "blobs/sha256/ab"},
            {"b680/../5c44.tar", "5c44.tar"},
            {"a/./b", "a/b"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct error *err = NULL;
                _cleanup_free_ char *got = image_archive_clean_path(cases[i].in, &err);
                REQUIRE(got != NULL);
                CHECK_STR_EQ(got, cases[i].out);
        }
}

TEST(entry_names_outside_are_refused)
{
        static const char *const bad[] = {"/etc/passwd", "../x", "a/../../x", ".", "./"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct error *err = NULL;
                char *got = image_archive_clean_path(bad[i], &err);
                CHECK(got == NULL);
                CHECK(err != NULL && strstr(err->msg, "archive entry") != NULL);
                free(got);
                free_error(&err);
        }
}

static char *apply(const char *const *changes, size_t n)
{
        json_t *config = json_object();
        struct error *err = NULL;
        for (size_t i = 0; i < n; i++)
                if (image_config_apply_change(config, changes[i], &err) < 0) {
                        char *msg = xasprintf("error: %s", err->msg);
                        error_free(&err);
                        json_decref(config);
                        return msg;
                }
        char *text = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(config);
        return text;
}

TEST(changes_like_podman)
{
        static const struct {
                const char *changes[3];
                const char *want;
        } cases[] = {
            {{"CMD [\"sh\"]"}, "{\"Cmd\":[\"sh\"]}"},
            {{"CMD=/bin/sh"}, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"/bin/sh\"]}"},
            {{"cmd echo hi there"}, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi there\"]}"},
            {{"ENTRYPOINT [\"/bin/busybox\",\"sh\"]"},
             "{\"Entrypoint\":[\"/bin/busybox\",\"sh\"]}"},
            {{"ENV A=1 B=\"x y\"", "ENV A 2"}, "{\"Env\":[\"A=2\",\"B=x y\"]}"},
            {{"ENV=PATH=/bin"}, "{\"Env\":[\"PATH=/bin\"]}"},
            {{"EXPOSE 80 53/udp"}, "{\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}}}"},
            {{"LABEL a=b c=\"d e\""}, "{\"Labels\":{\"a\":\"b\",\"c\":\"d e\"}}"},
            {{"USER 1000:1000", "WORKDIR /srv"},
             "{\"User\":\"1000:1000\",\"WorkingDir\":\"/srv\"}"},
            {{"VOLUME [\"/data\",\"/logs\"]"}, "{\"Volumes\":{\"/data\":{},\"/logs\":{}}}"},
            {{"VOLUME /data"}, "{\"Volumes\":{\"/data\":{}}}"},
            {{"STOPSIGNAL SIGINT"}, "{\"StopSignal\":\"SIGINT\"}"},
            {{"FROM busybox"},
             "error: change \"FROM busybox\": unknown instruction FROM (CMD, "
             "ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, "
             "WORKDIR)"},
            {{"HEALTHCHECK NONE"}, "{\"Healthcheck\":{\"Test\":[\"NONE\"]}}"},
            {{"HEALTHCHECK --interval=5s --timeout=1m30s --retries=2 CMD test -f /ok"},
             "{\"Healthcheck\":{\"Interval\":5000000000,\"Retries\":2,\"Test\":[\"CMD-SHELL\","
             "\"test -f /ok\"],\"Timeout\":90000000000}}"},
            {{"HEALTHCHECK --start-period=500ms CMD [\"/bin/true\", \"x\"]"},
             "{\"Healthcheck\":{\"StartPeriod\":500000000,\"Test\":[\"CMD\",\"/bin/true\","
             "\"x\"]}}"},
            {{"HEALTHCHECK --interval=5 CMD true"},
             "error: change \"HEALTHCHECK --interval=5 CMD true\": invalid duration \"5\": "
             "missing unit"},
            {{"HEALTHCHECK --every=5s CMD true"},
             "error: change \"HEALTHCHECK --every=5s CMD true\": unknown HEALTHCHECK option "
             "--every=5s"},
            {{"HEALTHCHECK true"},
             "error: change \"HEALTHCHECK true\": HEALTHCHECK needs CMD or NONE"},
            {{"CMD"}, "error: change \"CMD\": CMD needs an argument"},
            {{"ENV A"}, "error: change \"ENV A\": ENV needs a value"},
            {{"LABEL nokey"}, "error: change \"LABEL nokey\": expected KEY=VALUE"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                size_t n = 0;
                while (n < 3 && cases[i].changes[n])
                        n++;
                _cleanup_free_ char *got = apply(cases[i].changes, n);
                CHECK_STR_EQ(got, cases[i].want);
        }
}

TEST(format_names)
{
        enum image_archive_format f;
        struct error *err = NULL;
        CHECK(image_archive_format_parse("oci-archive", &f, &err) == 0 && f == IMAGE_ARCHIVE_OCI);
        CHECK(image_archive_format_parse("docker-archive", &f, &err) == 0 &&
              f == IMAGE_ARCHIVE_DOCKER);
        CHECK(image_archive_format_parse("oci-dir", &f, &err) < 0);
        free_error(&err);
}
