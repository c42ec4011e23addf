/*
 * The image-spec documents. Data-driven over tests/unit/corpus/image_manifest/ (the *.json files),
 * named <kind>-<ok|bad>-<what>.json with kind manifest, index or config. A case may carry members
 * "//content-type" (the media type it came with) and, when bad, "//expect" (a text the error
 * must contain); a case that cannot (not an object) has its expectation in <name>.expect.
 * Then field-level checks: media types, platforms, index selection, chain IDs.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "image_manifest.h"
#include "media_type.h"
#include "test.h"

#define L0 "sha256:4fbec69b941195fd56f8212a5000e304129451d82efca94ff0e0fb2d5355472e"
#define L1 "sha256:77ea7eee3d80b1a38f83906dd3048e2689457eb90e18a7d12f839c5ae37106a2"
#define L2 "sha256:95cf1a2e1698fe3ca1fcc3f653119146b271d0b62e487ec264441e886a11bd06"

static char *corpus_path(const char *name)
{
        const char *dir = getenv("BERTH_TEST_CORPUS");
        return xasprintf("%s/image_manifest/%s", dir ? dir : "tests/unit/corpus", name);
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_json_files(const char *dir, size_t *n_out)
{
        DIR *d = opendir(dir);
        if (d == NULL)
                return NULL;
        size_t n = 0;
        char **names = xcalloc(1, sizeof(char *));
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                size_t len = strlen(de->d_name);
                if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
                        continue;
                names = xrealloc(names, (n + 2) * sizeof(char *));
                names[n++] = xstrdup(de->d_name);
                names[n] = NULL;
        }
        closedir(d);
        qsort(names, n, sizeof(char *), compare_names);
        *n_out = n;
        return names;
}

/* Parses TEXT as the kind its NAME says; returns 0 or -1 with *err. */
static int parse_as(const char *name, const char *text, size_t len, const char *content_type,
                    struct error **err)
{
        if (strncmp(name, "manifest-", 9) == 0) {
                struct oci_manifest m;
                int r = oci_manifest_parse(text, len, content_type, &m, err);
                if (r == 0) {
                        /* A parsed manifest is never half-filled. */
                        if (m.media_type == NULL || m.json == NULL ||
                            (m.n_layers > 0 && m.layers == NULL))
                                r = error_set(err, 0, "parsed with missing members");
                        oci_manifest_release(&m);
                }
                return r;
        }
        if (strncmp(name, "index-", 6) == 0) {
                struct oci_index ix;
                int r = oci_index_parse(text, len, content_type, &ix, err);
                if (r == 0) {
                        if (ix.media_type == NULL || ix.json == NULL)
                                r = error_set(err, 0, "parsed with missing members");
                        oci_index_release(&ix);
                }
                return r;
        }
        struct oci_image_config c;
        int r = oci_image_config_parse(text, len, &c, err);
        if (r == 0)
                oci_image_config_release(&c);
        return r;
}

static void run_case(const char *dir, const char *name)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        _cleanup_error_ struct error *err = NULL;
        size_t len;
        _cleanup_free_ char *text = fs_read_file(path, &len, &err);
        if (text == NULL) {
                test_case(false, "%s: %s", name, err->msg);
                return;
        }
        json_t *doc = json_loadb(text, len, 0, NULL);
        _cleanup_free_ char *content_type =
            xstrdup(json_string_value(json_object_get(doc, "//content-type")) ?: "");
        _cleanup_free_ char *expect = NULL;
        const char *member = json_string_value(json_object_get(doc, "//expect"));
        if (member) {
                expect = xstrdup(member);
        } else {
                _cleanup_free_ char *base = xstrndup(name, strlen(name) - 5);
                _cleanup_free_ char *expect_path = xasprintf("%s/%s.expect", dir, base);
                if (fs_exists(expect_path)) {
                        expect = fs_read_file(expect_path, NULL, NULL);
                        if (expect)
                                expect[strcspn(expect, "\n")] = '\0';
                }
        }
        json_decref(doc);

        bool want_ok = strstr(name, "-ok-") != NULL;
        int r = parse_as(name, text, len, *content_type ? content_type : NULL, &err);
        bool ok;
        if (want_ok) {
                ok = r == 0;
                if (!ok)
                        test_note("%s: %s", name, err->msg);
                test_case(ok, "%s parses", name);
                return;
        }
        ok = r < 0 && err && expect && strstr(err->msg, expect);
        if (!ok)
                test_note("%s: got \"%s\", want \"%s\"", name, r == 0 ? "(accepted)" : err->msg,
                          expect ? expect : "(no //expect)");
        test_case(ok, "%s is refused: %s", name, expect ? expect : "?");
}

TEST(corpus)
{
        _cleanup_free_ char *dir = corpus_path("");
        size_t n = 0;
        char **names = list_json_files(dir, &n);
        REQUIRE(names != NULL);
        CHECK(n >= 90);
        for (size_t i = 0; i < n; i++) {
                run_case(dir, names[i]);
                free(names[i]);
        }
        free(names);
}

static char *read_case(const char *name, size_t *len)
{
        _cleanup_free_ char *path = corpus_path(name);
        return fs_read_file(path, len, NULL);
}

TEST(oci_manifest_fields)
{
        size_t len;
        _cleanup_free_ char *text = read_case("manifest-ok-oci.json", &len);
        REQUIRE(text);
        struct oci_manifest m;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(oci_manifest_parse(text, len, NULL, &m, &err) == 0);
        CHECK_STR_EQ(m.media_type, MEDIA_TYPE_OCI_MANIFEST);
        CHECK_STR_EQ(m.config.media_type, MEDIA_TYPE_OCI_CONFIG);
        CHECK_INT_EQ(m.config.size, 1469);
        REQUIRE(m.n_layers == 3);
        CHECK_STR_EQ(m.layers[0].digest.text, L0);
        CHECK_INT_EQ(m.layers[0].size, 2811969);
        CHECK_INT_EQ(m.layers[1].size, 0);
        CHECK_STR_EQ(json_string_value(json_object_get(m.layers[1].annotations,
                                                       "org.opencontainers.image.title")),
                     "one");
        CHECK(m.layers[0].annotations == NULL);
        CHECK(m.layers[0].platform == NULL);
        REQUIRE(m.subject != NULL);
        CHECK_STR_EQ(m.subject->digest.text, L2);
        CHECK(json_is_object(m.annotations));
        /* The original document is kept, with members berth does not read. */
        CHECK(json_is_string(json_object_get(m.json, "//content-type")));
        oci_manifest_release(&m);
        CHECK(m.layers == NULL && m.json == NULL);
        oci_manifest_release(&m); /* twice is harmless */
}

TEST(docker_manifest_fields)
{
        size_t len;
        _cleanup_free_ char *text = read_case("manifest-ok-docker.json", &len);
        REQUIRE(text);
        struct oci_manifest m;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(oci_manifest_parse(text, len, MEDIA_TYPE_DOCKER_MANIFEST, &m, &err) == 0);
        CHECK_STR_EQ(m.media_type, MEDIA_TYPE_DOCKER_MANIFEST);
        CHECK_STR_EQ(m.config.media_type, MEDIA_TYPE_DOCKER_CONFIG);
        REQUIRE(m.n_layers == 2);
        REQUIRE(m.layers[1].urls && m.layers[1].urls[0]);
        CHECK_STR_EQ(m.layers[1].urls[0], "https://example.com/layer");
        CHECK(m.layers[1].urls[1] == NULL);
        CHECK(m.subject == NULL);
        oci_manifest_release(&m);

        /* Without its own mediaType a manifest takes the Content-Type's (parameters off). */
        _cleanup_free_ char *bare =
            read_case("manifest-ok-media-type-from-content-type.json", &len);
        REQUIRE(bare);
        REQUIRE(oci_manifest_parse(bare, len, MEDIA_TYPE_DOCKER_MANIFEST "; charset=utf-8", &m,
                                   &err) == 0);
        CHECK_STR_EQ(m.media_type, MEDIA_TYPE_DOCKER_MANIFEST);
        oci_manifest_release(&m);
        /* ... and with neither it is an OCI manifest. */
        REQUIRE(oci_manifest_parse(bare, len, NULL, &m, &err) == 0);
        CHECK_STR_EQ(m.media_type, MEDIA_TYPE_OCI_MANIFEST);
        oci_manifest_release(&m);
}

TEST(config_fields_and_chain_ids)
{
        size_t len;
        _cleanup_free_ char *text = read_case("config-ok-oci.json", &len);
        REQUIRE(text);
        struct oci_image_config c;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(oci_image_config_parse(text, len, &c, &err) == 0);
        CHECK_STR_EQ(c.architecture, "arm64");
        CHECK_STR_EQ(c.os, "linux");
        CHECK_STR_EQ(c.variant, "v8");
        CHECK_STR_EQ(c.created, "2024-01-01T00:00:00Z");
        CHECK_STR_EQ(c.author, "berth");
        CHECK_STR_EQ(json_string_value(json_object_get(c.config, "User")), "1000:1000");
        CHECK_INT_EQ(json_array_size(c.history), 2);
        REQUIRE(c.n_diff_ids == 3);
        CHECK_STR_EQ(c.diff_ids[0].text, L0);
        CHECK_STR_EQ(c.diff_ids[2].text, L2);

        /* python3: import hashlib
         *   d = ["sha256:" + hashlib.sha256(x).hexdigest() for x in (b"layer0", b"layer1",
         * b"layer2")] c = [d[0]] for x in d[1:]: c.append("sha256:" + hashlib.sha256((c[-1] + " " +
         * x).encode()).hexdigest())
         */
        struct digest chain[3];
        oci_chain_ids(c.diff_ids, c.n_diff_ids, chain);
        CHECK_STR_EQ(chain[0].text, L0);
        CHECK_STR_EQ(chain[1].text,
                     "sha256:ef232af0eb422cdfd7917631657cd8ed2bfd5b9461b37c427aa0d3e0a19adf79");
        CHECK_STR_EQ(chain[2].text,
                     "sha256:7ad3896338947cc04ee0b35b50d400ff32538d63f42f85ec87feac78bf71a54d");
        oci_chain_ids(c.diff_ids, 0, chain); /* nothing to do, nothing touched */
        oci_image_config_release(&c);

        _cleanup_free_ char *minimal = read_case("config-ok-minimal.json", &len);
        REQUIRE(minimal);
        REQUIRE(oci_image_config_parse(minimal, len, &c, &err) == 0);
        CHECK_INT_EQ(c.n_diff_ids, 0);
        CHECK(c.config == NULL && c.history == NULL && c.variant == NULL);
        oci_image_config_release(&c);
}

TEST(document_kinds)
{
        static const struct {
                const char *json, *content_type;
                enum media_kind kind;
        } cases[] = {
            {"{}", MEDIA_TYPE_OCI_MANIFEST, MEDIA_KIND_MANIFEST},
            {"{}", MEDIA_TYPE_DOCKER_LIST, MEDIA_KIND_INDEX},
            {"{}", MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED, MEDIA_KIND_SCHEMA1},
            {"{\"mediaType\": \"" MEDIA_TYPE_OCI_INDEX "\"}", NULL, MEDIA_KIND_INDEX},
            {"{\"mediaType\": \"" MEDIA_TYPE_DOCKER_MANIFEST "\"}", "application/json",
             MEDIA_KIND_MANIFEST},
            {"{\"schemaVersion\": 1, \"fsLayers\": []}", "application/json", MEDIA_KIND_SCHEMA1},
            {"{\"schemaVersion\": 2, \"manifests\": []}", NULL, MEDIA_KIND_INDEX},
            {"{\"schemaVersion\": 2, \"config\": {}, \"layers\": []}", NULL, MEDIA_KIND_MANIFEST},
            {"{\"schemaVersion\": 2}", NULL, MEDIA_KIND_UNKNOWN},
            {"not json", NULL, MEDIA_KIND_UNKNOWN},
            {"[]", NULL, MEDIA_KIND_UNKNOWN},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int kind =
                    oci_document_kind(cases[i].json, strlen(cases[i].json), cases[i].content_type);
                if (kind != (int)cases[i].kind)
                        test_note("case %zu: %s: kind %d, want %d", i, cases[i].json, kind,
                                  cases[i].kind);
                CHECK(kind == (int)cases[i].kind);
        }
}

TEST(media_types)
{
        enum layer_compression c;
        CHECK(media_type_kind(MEDIA_TYPE_OCI_MANIFEST) == MEDIA_KIND_MANIFEST);
        CHECK(media_type_kind(MEDIA_TYPE_DOCKER_MANIFEST) == MEDIA_KIND_MANIFEST);
        CHECK(media_type_kind(MEDIA_TYPE_OCI_INDEX) == MEDIA_KIND_INDEX);
        CHECK(media_type_kind(MEDIA_TYPE_DOCKER_LIST) == MEDIA_KIND_INDEX);
        CHECK(media_type_kind(MEDIA_TYPE_OCI_CONFIG) == MEDIA_KIND_CONFIG);
        CHECK(media_type_kind(MEDIA_TYPE_DOCKER_CONFIG) == MEDIA_KIND_CONFIG);
        CHECK(media_type_kind(MEDIA_TYPE_DOCKER_SCHEMA1) == MEDIA_KIND_SCHEMA1);
        CHECK(media_type_kind(MEDIA_TYPE_OCI_EMPTY) == MEDIA_KIND_UNKNOWN);
        CHECK(media_type_kind("application/json") == MEDIA_KIND_UNKNOWN);
        CHECK(media_type_kind(NULL) == MEDIA_KIND_UNKNOWN);
        CHECK(media_type_kind("Application/VND.OCI.image.manifest.v1+json ; charset=utf-8") ==
              MEDIA_KIND_MANIFEST);
        CHECK(media_type_equal(MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_INDEX "; x=y"));
        CHECK(!media_type_equal(MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST));
        CHECK(!media_type_equal(MEDIA_TYPE_OCI_LAYER, MEDIA_TYPE_OCI_LAYER_GZIP));

        CHECK(media_type_layer_compression(MEDIA_TYPE_OCI_LAYER, &c) &&
              c == LAYER_COMPRESSION_NONE);
        CHECK(media_type_layer_compression(MEDIA_TYPE_OCI_LAYER_GZIP, &c) &&
              c == LAYER_COMPRESSION_GZIP);
        CHECK(media_type_layer_compression(MEDIA_TYPE_OCI_LAYER_ZSTD, &c) &&
              c == LAYER_COMPRESSION_ZSTD);
        CHECK(media_type_layer_compression(MEDIA_TYPE_OCI_LAYER_NONDIST_GZIP, &c) &&
              c == LAYER_COMPRESSION_GZIP);
        CHECK(media_type_layer_compression(MEDIA_TYPE_DOCKER_LAYER, &c) &&
              c == LAYER_COMPRESSION_GZIP);
        CHECK(media_type_layer_compression(MEDIA_TYPE_DOCKER_FOREIGN_LAYER, &c) &&
              c == LAYER_COMPRESSION_GZIP);
        CHECK(!media_type_layer_compression(MEDIA_TYPE_OCI_CONFIG, &c));
        CHECK(!media_type_layer_compression("application/vnd.oci.image.layer.v1.tar+bzip2", &c));

        CHECK(media_type_is_docker(MEDIA_TYPE_DOCKER_LIST));
        CHECK(!media_type_is_docker(MEDIA_TYPE_OCI_INDEX));
        CHECK_STR_EQ(media_type_layer_for(MEDIA_TYPE_OCI_MANIFEST, LAYER_COMPRESSION_GZIP),
                     MEDIA_TYPE_OCI_LAYER_GZIP);
        CHECK_STR_EQ(media_type_layer_for(MEDIA_TYPE_OCI_MANIFEST, LAYER_COMPRESSION_NONE),
                     MEDIA_TYPE_OCI_LAYER);
        CHECK_STR_EQ(media_type_layer_for(MEDIA_TYPE_DOCKER_MANIFEST, LAYER_COMPRESSION_GZIP),
                     MEDIA_TYPE_DOCKER_LAYER);
        CHECK_STR_EQ(media_type_layer_for(MEDIA_TYPE_DOCKER_MANIFEST, LAYER_COMPRESSION_ZSTD),
                     MEDIA_TYPE_OCI_LAYER_ZSTD);
        CHECK_STR_EQ(layer_compression_name(LAYER_COMPRESSION_ZSTD), "zstd");
        CHECK_STR_EQ(layer_compression_name(LAYER_COMPRESSION_GZIP), "gzip");
        CHECK_STR_EQ(layer_compression_name(LAYER_COMPRESSION_NONE), "none");
        CHECK(strstr(media_type_manifest_accept, MEDIA_TYPE_OCI_INDEX) != NULL);
        CHECK(strstr(media_type_manifest_accept, MEDIA_TYPE_DOCKER_LIST) != NULL);
        CHECK(strstr(media_type_manifest_accept, MEDIA_TYPE_DOCKER_MANIFEST) != NULL);
        CHECK(strstr(media_type_manifest_accept, MEDIA_TYPE_OCI_MANIFEST) != NULL);
}

TEST(platform_parse_and_format)
{
        static const struct {
                const char *text, *formatted;
        } good[] = {
            {"linux/amd64", "linux/amd64"},   {"linux/arm64/v8", "linux/arm64/v8"},
            {"linux/arm/v7", "linux/arm/v7"}, {"linux/x86_64", "linux/amd64"},
            {"linux/aarch64", "linux/arm64"}, {"windows/amd64", "windows/amd64"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                struct oci_platform p;
                _cleanup_error_ struct error *err = NULL;
                int r = oci_platform_parse(good[i].text, &p, &err);
                CHECK(r == 0);
                if (r < 0)
                        continue;
                _cleanup_free_ char *formatted = oci_platform_format(&p);
                CHECK_STR_EQ(formatted, good[i].formatted);
                oci_platform_release(&p);
        }
        static const char *const bad[] = {"",          "linux",      "linux/",        "/amd64",
                                          "linux//v7", "linux/arm/", "linux/arm/v7/x"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct oci_platform p;
                _cleanup_error_ struct error *err = NULL;
                CHECK(oci_platform_parse(bad[i], &p, &err) < 0);
                CHECK(err && strstr(err->msg, "invalid platform"));
        }
}

TEST(host_platform)
{
        struct oci_platform p;
        oci_platform_host(&p);
        CHECK_STR_EQ(p.os, "linux");
        REQUIRE(p.architecture != NULL);
#if defined(__x86_64__)
        CHECK_STR_EQ(p.architecture, "amd64");
        CHECK(p.variant == NULL);
#elif defined(__aarch64__)
        CHECK_STR_EQ(p.architecture, "arm64");
        CHECK_STR_EQ(p.variant, "v8");
#endif
        oci_platform_release(&p);
}

static struct oci_platform platform(const char *os, const char *arch, const char *variant)
{
        return (struct oci_platform){
            .os = (char *)os, .architecture = (char *)arch, .variant = (char *)variant};
}

TEST(platform_matching)
{
        struct oci_platform amd64 = platform("linux", "amd64", NULL);
        struct oci_platform amd64_v3 = platform("linux", "amd64", "v3");
        struct oci_platform arm64 = platform("linux", "arm64", NULL);
        struct oci_platform arm64_v8 = platform("linux", "arm64", "v8");
        struct oci_platform arm_v7 = platform("linux", "arm", "v7");
        struct oci_platform arm_v6 = platform("linux", "arm", "v6");
        struct oci_platform arm = platform("linux", "arm", NULL);
        struct oci_platform windows = platform("windows", "amd64", NULL);
        struct oci_platform x86_64 = platform("linux", "x86_64", NULL);

        CHECK(oci_platform_matches(&amd64, &amd64));
        CHECK(oci_platform_matches(&amd64, &amd64_v3));
        CHECK(oci_platform_matches(&amd64_v3, &amd64)); /* amd64 ignores variants */
        CHECK(oci_platform_matches(&amd64, &x86_64));
        CHECK(!oci_platform_matches(&amd64, &windows));
        CHECK(!oci_platform_matches(&amd64, &arm64));
        CHECK(oci_platform_matches(&arm64, &arm64_v8)); /* no variant wanted */
        CHECK(oci_platform_matches(&arm64_v8, &arm64)); /* arm64 means v8 */
        CHECK(oci_platform_matches(&arm_v7, &arm_v7));
        CHECK(oci_platform_matches(&arm_v7, &arm_v6)); /* a v7 runs v6 code */
        CHECK(!oci_platform_matches(&arm_v6, &arm_v7));
        CHECK(oci_platform_matches(&arm_v7, &arm)); /* arm means v7 */
        CHECK(!oci_platform_matches(&arm_v6, &arm));
}

static int select_from(const char *json, const char *want_text, struct error **err)
{
        struct oci_index ix;
        if (oci_index_parse(json, strlen(json), NULL, &ix, err) < 0)
                return -2;
        struct oci_platform want;
        if (oci_platform_parse(want_text, &want, err) < 0) {
                oci_index_release(&ix);
                return -2;
        }
        int chosen = oci_index_select(&ix, &want, err);
        oci_platform_release(&want);
        oci_index_release(&ix);
        return chosen;
}

#define ENTRY(type, digest, platform)                                                              \
        "{\"mediaType\": \"" type "\", \"digest\": \"" digest "\", \"size\": 1" platform "}"
#define PLATFORM(os, arch) ", \"platform\": {\"os\": \"" os "\", \"architecture\": \"" arch "\"}"
#define PLATFORM_V(os, arch, variant)                                                              \
        ", \"platform\": {\"os\": \"" os "\", \"architecture\": \"" arch                           \
        "\", \"variant\": \"" variant "\"}"

TEST(index_selection)
{
        const char *index = "{\"schemaVersion\": 2, \"manifests\": ["
            /* 0 */ ENTRY(MEDIA_TYPE_OCI_MANIFEST, L0, PLATFORM("linux", "amd64")) ","
            /* 1 */ ENTRY(MEDIA_TYPE_OCI_MANIFEST, L1, PLATFORM("linux", "arm64")) ","
            /* 2 */ ENTRY(MEDIA_TYPE_OCI_MANIFEST, L2, PLATFORM_V("linux", "arm64", "v8")) ","
            /* 3 */ ENTRY(MEDIA_TYPE_OCI_MANIFEST, L0, PLATFORM_V("linux", "arm", "v6")) ","
            /* 4 */ ENTRY(MEDIA_TYPE_OCI_MANIFEST, L1, PLATFORM_V("linux", "arm", "v7")) ","
            /* 5 */ ENTRY(MEDIA_TYPE_OCI_MANIFEST, L2, PLATFORM("linux", "amd64")) ","
            /* 6: not a manifest, ignored */
            ENTRY("application/vnd.example+json", L0, PLATFORM("linux", "s390x")) ","
            /* 7 */ ENTRY(MEDIA_TYPE_OCI_MANIFEST, L1, PLATFORM("windows", "amd64")) "]}";
        _cleanup_error_ struct error *err = NULL;
        CHECK_INT_EQ(select_from(index, "linux/amd64", &err), 0);    /* the first of two */
        CHECK_INT_EQ(select_from(index, "linux/arm64", &err), 1);    /* first, no variant wanted */
        CHECK_INT_EQ(select_from(index, "linux/arm64/v8", &err), 2); /* exact variant preferred */
        CHECK_INT_EQ(select_from(index, "linux/arm/v7", &err), 4);   /* exact over compatible */
        CHECK_INT_EQ(select_from(index, "linux/arm/v6", &err), 3);
        CHECK_INT_EQ(select_from(index, "windows/amd64", &err), 7);
        CHECK_INT_EQ(select_from(index, "linux/x86_64", &err), 0);
        CHECK(err == NULL);

        CHECK_INT_EQ(select_from(index, "linux/s390x", &err), -1);
        REQUIRE(err != NULL);
        CHECK_STR_EQ(err->msg, "no image for linux/s390x in the index (has linux/amd64, "
                               "linux/arm64, linux/arm64/v8, linux/arm/v6, linux/arm/v7, "
                               "linux/amd64, linux/s390x, windows/amd64)");
        error_free(&err);
        CHECK_INT_EQ(select_from(index, "linux/arm/v5", &err), -1);
        error_free(&err);

        const char *only_v7 = "{\"schemaVersion\": 2, \"manifests\": [" ENTRY(
            MEDIA_TYPE_DOCKER_MANIFEST, L0, PLATFORM_V("linux", "arm", "v6")) "]}";
        CHECK_INT_EQ(select_from(only_v7, "linux/arm/v7", &err), 0); /* v7 runs v6 */

        /* Entries without a platform are taken when nothing names the platform. */
        const char *bare = "{\"schemaVersion\": 2, \"manifests\": [" ENTRY(
            MEDIA_TYPE_OCI_INDEX, L0, "") "," ENTRY(MEDIA_TYPE_OCI_MANIFEST, L1, "") "]}";
        CHECK_INT_EQ(select_from(bare, "linux/riscv64", &err), 1);

        const char *empty = "{\"schemaVersion\": 2, \"manifests\": []}";
        CHECK_INT_EQ(select_from(empty, "linux/amd64", &err), -1);
        CHECK(err && strstr(err->msg, "(has no platforms)"));
}

TEST(descriptor_json_round_trip)
{
        const char *text =
            ENTRY(MEDIA_TYPE_OCI_MANIFEST, L0,
                  PLATFORM_V("linux", "arm", "v7") ", \"urls\": [\"https://x/y\"], "
                                                   "\"annotations\": {\"a\": \"b\"}, "
                                                   "\"artifactType\": \"t/x\"");
        json_t *in = json_loads(text, 0, NULL);
        REQUIRE(in);
        struct oci_descriptor d;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(oci_descriptor_from_json(in, "manifests[0]", &d, &err) == 0);
        json_t *out = oci_descriptor_to_json(&d);
        CHECK(json_equal(in, out));
        oci_descriptor_release(&d);
        json_decref(out);

        /* The field names where an error is. */
        json_object_set_new(in, "size", json_integer(-1));
        CHECK(oci_descriptor_from_json(in, "manifests[3]", &d, &err) < 0);
        CHECK(err && strstr(err->msg, "manifests[3].size: must be an integer between 0 and"));
        json_decref(in);
}

/* Documents written by umoci and skopeo (kept byte for byte): the manifest's config descriptor
 * names the config blob by its real digest and size. */
TEST(real_tool_documents)
{
        size_t manifest_len, config_len;
        _cleanup_free_ char *manifest_text = read_case("manifest-ok-umoci.json", &manifest_len);
        _cleanup_free_ char *config_text = read_case("config-ok-umoci.json", &config_len);
        REQUIRE(manifest_text && config_text);
        struct oci_manifest m;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(oci_manifest_parse(manifest_text, manifest_len, MEDIA_TYPE_OCI_MANIFEST, &m,
                                   &err) == 0);
        struct digest config_digest;
        digest_buffer(DIGEST_SHA256, config_text, config_len, &config_digest);
        CHECK(digest_equal(&config_digest, &m.config.digest));
        CHECK_INT_EQ(m.config.size, config_len);
        CHECK_INT_EQ(m.n_layers, 0);
        oci_manifest_release(&m);

        struct oci_image_config c;
        REQUIRE(oci_image_config_parse(config_text, config_len, &c, &err) == 0);
        CHECK_STR_EQ(c.architecture, "arm64");
        CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(c.config, "Cmd"), 0)), "sh");
        oci_image_config_release(&c);

        _cleanup_free_ char *index_text = read_case("index-ok-umoci-layout.json", &manifest_len);
        REQUIRE(index_text);
        struct oci_index ix;
        REQUIRE(oci_index_parse(index_text, manifest_len, NULL, &ix, &err) == 0);
        CHECK_STR_EQ(ix.media_type, MEDIA_TYPE_OCI_INDEX);
        REQUIRE(ix.n_manifests == 1);
        CHECK_STR_EQ(ix.manifests[0].digest.text,
                     "sha256:46bfead475efffdc47cb8bf3d6e77670992b9805981610d74434095f3ffcb2f6");
        oci_index_release(&ix);
}
