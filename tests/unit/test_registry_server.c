/* The registry server's parsing (routes, names, tags, ranges, Accept, paging) and its storage
 * (repository records, uploads closed with sha256 and sha512 digests). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "content_store.h"
#include "registry_store.h"
#include "server_http_parse.h"
#include "test.h"
#include "test_fs.h"

static void check_route(const char *path, enum route_kind kind, const char *name,
                        const char *reference)
{
        struct route r;
        enum route_kind got = route_parse(path, &r);
        if (got != kind)
                test_note("%s: kind %d, expected %d", path, got, kind);
        CHECK(got == kind);
        if (name)
                CHECK_STR_EQ(r.name, name);
        else
                CHECK(r.name == NULL);
        if (reference)
                CHECK_STR_EQ(r.reference, reference);
        else
                CHECK(r.reference == NULL);
        route_release(&r);
}

TEST(routes)
{
        check_route("/v2/", ROUTE_BASE, NULL, NULL);
        check_route("/v2", ROUTE_BASE, NULL, NULL);
        check_route("/v2/_catalog", ROUTE_CATALOG, NULL, NULL);
        check_route("/v2/a/b/tags/list", ROUTE_TAGS, "a/b", NULL);
        check_route("/v2/a/manifests/latest", ROUTE_MANIFEST, "a", "latest");
        check_route("/v2/a/b/c/manifests/sha256:ab", ROUTE_MANIFEST, "a/b/c", "sha256:ab");
        check_route("/v2/a/blobs/sha256:ab", ROUTE_BLOB, "a", "sha256:ab");
        check_route("/v2/a/blobs/uploads/", ROUTE_UPLOAD_START, "a", NULL);
        check_route("/v2/a/blobs/uploads", ROUTE_UPLOAD_START, "a", NULL);
        check_route("/v2/a/blobs/uploads/1234-5", ROUTE_UPLOAD, "a", "1234-5");
        check_route("/v2/a/referrers/sha256:ab", ROUTE_REFERRERS, "a", "sha256:ab");
        /* The endpoints' words are valid name components: matched from the end. */
        check_route("/v2/blobs/manifests/blobs/manifests/x", ROUTE_MANIFEST,
                    "blobs/manifests/blobs", "x");
        check_route("/v2/x/blobs/uploads/blobs/sha256:ab", ROUTE_BLOB, "x/blobs/uploads",
                    "sha256:ab");
        check_route("/v2/tags/list/tags/list", ROUTE_TAGS, "tags/list", NULL);
        check_route("/v2/a/manifests/", ROUTE_NOT_FOUND, NULL, NULL);
        check_route("/v2/manifests/x", ROUTE_NOT_FOUND, NULL, NULL);
        check_route("/v2/a/unknown/x", ROUTE_NOT_FOUND, NULL, NULL);
        check_route("/v1/a/manifests/x", ROUTE_NOT_FOUND, NULL, NULL);
        check_route("/", ROUTE_NOT_FOUND, NULL, NULL);
}

TEST(repository_names)
{
        static const char *const valid[] = {
            "a",        "library/busybox",         "a.b", "a_b", "a__b", "a-b", "a---b",
            "a0/b1/c2", "my-org/my.repo/sub_path", "0",
        };
        static const char *const invalid[] = {
            "",   "A",  "a/", "/a",  "a//b", "a..b", "a___b", "a.-b", "-a",
            "a-", "a_", "a.", "a b", "a:b",  "a/B",  "_a",    "a/.b", "a@b",
        };
        for (size_t i = 0; i < ARRAY_SIZE(valid); i++) {
                if (!registry_name_valid(valid[i]))
                        test_note("should be valid: \"%s\"", valid[i]);
                CHECK(registry_name_valid(valid[i]));
        }
        for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
                if (registry_name_valid(invalid[i]))
                        test_note("should be invalid: \"%s\"", invalid[i]);
                CHECK(!registry_name_valid(invalid[i]));
        }
        char long_name[300];
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        CHECK(!registry_name_valid(long_name));
        long_name[255] = '\0';
        CHECK(registry_name_valid(long_name));
}

TEST(tags)
{
        CHECK(registry_tag_valid("latest"));
        CHECK(registry_tag_valid("_x"));
        CHECK(registry_tag_valid("v1.2.3-rc_1"));
        CHECK(registry_tag_valid("A"));
        CHECK(!registry_tag_valid(""));
        CHECK(!registry_tag_valid(".x"));
        CHECK(!registry_tag_valid("-x"));
        CHECK(!registry_tag_valid("a:b"));
        CHECK(!registry_tag_valid("a/b"));
        char tag[130];
        memset(tag, 'a', sizeof(tag) - 1);
        tag[129] = '\0';
        CHECK(!registry_tag_valid(tag));
        tag[128] = '\0';
        CHECK(registry_tag_valid(tag));
}

TEST(range_requests)
{
        uint64_t start = 99, len = 99;
        CHECK(http_range_parse(NULL, 10, &start, &len) == RANGE_NONE);
        CHECK(http_range_parse("bytes=0-4", 10, &start, &len) == RANGE_SATISFIABLE);
        CHECK(start == 0 && len == 5);
        CHECK(http_range_parse("bytes=5-", 10, &start, &len) == RANGE_SATISFIABLE);
        CHECK(start == 5 && len == 5);
        CHECK(http_range_parse("bytes=5-100", 10, &start, &len) == RANGE_SATISFIABLE);
        CHECK(start == 5 && len == 5);
        CHECK(http_range_parse("bytes=-3", 10, &start, &len) == RANGE_SATISFIABLE);
        CHECK(start == 7 && len == 3);
        CHECK(http_range_parse("bytes=-30", 10, &start, &len) == RANGE_SATISFIABLE);
        CHECK(start == 0 && len == 10);
        CHECK(http_range_parse("bytes = 9-9", 10, &start, &len) == RANGE_SATISFIABLE);
        CHECK(start == 9 && len == 1);
        CHECK(http_range_parse("bytes=10-", 10, &start, &len) == RANGE_UNSATISFIABLE);
        CHECK(http_range_parse("bytes=10-20", 10, &start, &len) == RANGE_UNSATISFIABLE);
        CHECK(http_range_parse("bytes=-0", 10, &start, &len) == RANGE_UNSATISFIABLE);
        CHECK(http_range_parse("bytes=0-", 0, &start, &len) == RANGE_UNSATISFIABLE);
        /* Ignored: the whole body is sent. */
        CHECK(http_range_parse("bytes=0-1,3-4", 10, &start, &len) == RANGE_NONE);
        CHECK(http_range_parse("items=0-1", 10, &start, &len) == RANGE_NONE);
        CHECK(http_range_parse("bytes=4-2", 10, &start, &len) == RANGE_NONE);
        CHECK(http_range_parse("bytes=x-2", 10, &start, &len) == RANGE_NONE);
        CHECK(http_range_parse("bytes=99999999999999999999-", 10, &start, &len) == RANGE_NONE);
}

TEST(upload_content_ranges)
{
        uint64_t a = 0, b = 0;
        CHECK(upload_content_range_parse("0-99", &a, &b) && a == 0 && b == 99);
        CHECK(upload_content_range_parse("100-199", &a, &b) && a == 100 && b == 199);
        CHECK(upload_content_range_parse("bytes 5-9/10", &a, &b) && a == 5 && b == 9);
        CHECK(upload_content_range_parse("bytes=5-9/*", &a, &b) && a == 5 && b == 9);
        CHECK(!upload_content_range_parse("", &a, &b));
        CHECK(!upload_content_range_parse("5-", &a, &b));
        CHECK(!upload_content_range_parse("-5", &a, &b));
        CHECK(!upload_content_range_parse("9-5", &a, &b));
        CHECK(!upload_content_range_parse("1-2x", &a, &b));
}

TEST(accept_negotiation)
{
        const char *oci = "application/vnd.oci.image.manifest.v1+json";
        const char *docker = "application/vnd.docker.distribution.manifest.v2+json";
        CHECK(http_accept_allows(NULL, oci));
        CHECK(http_accept_allows("", oci));
        CHECK(http_accept_allows("*/*", oci));
        CHECK(http_accept_allows("application/*", oci));
        CHECK(http_accept_allows(docker, docker));
        CHECK(!http_accept_allows(docker, oci));
        CHECK(http_accept_allows("application/json, application/vnd.oci.image.manifest.v1+json",
                                 oci));
        CHECK(http_accept_allows("application/vnd.docker.distribution.manifest.v2+json;q=0.9,"
                                 "application/vnd.oci.image.manifest.v1+json",
                                 oci));
        CHECK(http_accept_allows("APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON", oci));
        CHECK(!http_accept_allows("application/vnd.oci.image.manifest.v1+json;q=0", oci));
        CHECK(!http_accept_allows("application/vnd.oci.image.manifest.v1+json; q=0.000", oci));
        CHECK(http_accept_allows("application/vnd.oci.image.manifest.v1+json; q=0.5", oci));
        CHECK(!http_accept_allows("application/json", oci));
        CHECK(!http_accept_allows("text/*", oci));
}

TEST(pagination)
{
        uint64_t n = 0;
        CHECK(page_size_parse("0", 100, &n) && n == 0);
        CHECK(page_size_parse("42", 100, &n) && n == 42);
        CHECK(page_size_parse("1000", 100, &n) && n == 100);
        CHECK(page_size_parse("99999999999999999999999", 100, &n) && n == 100);
        CHECK(!page_size_parse("", 100, &n));
        CHECK(!page_size_parse("-1", 100, &n));
        CHECK(!page_size_parse("1x", 100, &n));
        _cleanup_free_ char *link = page_link_next("/v2/a/b/tags/list", 2, "v1.0");
        CHECK_STR_EQ(link, "</v2/a/b/tags/list?n=2&last=v1.0>; rel=\"next\"");
        _cleanup_free_ char *catalog = page_link_next("/v2/_catalog", 1, "a/b");
        CHECK_STR_EQ(catalog, "</v2/_catalog?n=1&last=a%2Fb>; rel=\"next\"");
}

struct fixture {
        char *dir;
        struct registry_store *store;
};

static bool fixture_open(struct fixture *f)
{
        f->dir = xstrdup("/tmp/berth-unit-registry-XXXXXX");
        f->store = NULL;
        if (mkdtemp(f->dir) == NULL)
                return false;
        _cleanup_error_ struct error *err = NULL;
        if (registry_store_open(f->dir, &f->store, &err) < 0) {
                test_note("%s", err->msg);
                return false;
        }
        return true;
}

static void fixture_close(struct fixture *f)
{
        registry_store_free(f->store);
        _cleanup_error_ struct error *err = NULL;
        (void)fs_remove_tree(f->dir, &err);
        free(f->dir);
}

/* An upload of DATA closed with EXPECTED: 0 published, -1 refused. */
static int upload(struct content_store *cs, enum digest_algorithm hashed_as, const char *data,
                  const struct digest *expected)
{
        struct content_ingest *ingest = NULL;
        _cleanup_error_ struct error *err = NULL;
        if (content_ingest_begin_unnamed(cs, hashed_as, &ingest, &err) < 0 ||
            content_ingest_write(ingest, data, strlen(data), &err) < 0)
                return -1;
        return content_ingest_commit_expected(ingest, expected, &err);
}

TEST(uploads_close_with_sha256_and_sha512)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct content_store *cs = registry_store_content(f.store);
        struct digest d256, d512, other;
        digest_buffer(DIGEST_SHA256, "blob", 4, &d256);
        digest_buffer(DIGEST_SHA512, "blob", 4, &d512);
        digest_buffer(DIGEST_SHA256, "else", 4, &other);
        CHECK(upload(cs, DIGEST_SHA256, "blob", &d256) == 0);
        CHECK(content_store_has(cs, &d256, NULL));
        /* Hashed as sha256 while written, closed with a sha512 digest: re-read and checked. */
        CHECK(upload(cs, DIGEST_SHA256, "blob", &d512) == 0);
        CHECK(content_store_has(cs, &d512, NULL));
        CHECK(upload(cs, DIGEST_SHA512, "blob", &d512) == 0);
        /* A mismatch publishes nothing and leaves no partial file. */
        CHECK(upload(cs, DIGEST_SHA256, "blob", &other) < 0);
        CHECK(!content_store_has(cs, &other, NULL));
        CHECK(test_count_entries(f.dir, "ingest") == 0);
        fixture_close(&f);
}

TEST(repository_records)
{
        struct fixture f;
        REQUIRE(fixture_open(&f));
        struct content_store *cs = registry_store_content(f.store);
        _cleanup_error_ struct error *err = NULL;
        struct digest blob, manifest;
        REQUIRE(content_store_put(cs, "layer", 5, &blob, &err) == 0);
        REQUIRE(content_store_put(cs, "{}", 2, &manifest, &err) == 0);
        int64_t size = 0;
        CHECK(registry_store_blob_get(f.store, "a", &blob, &size, &err) == 0);
        CHECK(registry_store_repo_exists(f.store, "a", &err) == 0);
        CHECK(registry_store_blob_link(f.store, "a", &blob, 5, &err) == 0);
        CHECK(registry_store_blob_get(f.store, "a", &blob, &size, &err) == 1 && size == 5);
        /* Linked to a, not to b: b does not serve it. */
        CHECK(registry_store_blob_get(f.store, "b", &blob, &size, &err) == 0);

        const char *tags[] = {"v2", "v10", "latest", "V1"};
        struct registry_manifest_put put = {
            .record = {.digest = manifest, .size = 2},
            .subject = &blob,
            .artifact_type = "application/x-test",
            .annotations = "{\"k\":\"v\"}",
            .references = &blob,
            .n_references = 1,
            .tags = tags,
            .n_tags = 4,
        };
        strcpy(put.record.media_type, "application/vnd.oci.image.manifest.v1+json");
        REQUIRE(registry_store_manifest_put(f.store, "a", &put, &err) == 0);
        struct registry_manifest_record r;
        CHECK(registry_store_tag_get(f.store, "a", "v10", &r, &err) == 1);
        CHECK(digest_equal(&r.digest, &manifest) && r.size == 2);
        CHECK_STR_EQ(r.media_type, put.record.media_type);
        CHECK(registry_store_manifest_get(f.store, "a", &manifest, &r, &err) == 1);
        CHECK(registry_store_manifest_get(f.store, "b", &manifest, &r, &err) == 0);

        /* Byte order ("ASCIIbetical"), pages with a flag for more. */
        bool more = false;
        json_t *page = registry_store_tags(f.store, "a", NULL, 2, &more, &err);
        REQUIRE(page);
        CHECK(json_array_size(page) == 2 && more);
        CHECK_STR_EQ(json_string_value(json_array_get(page, 0)), "V1");
        CHECK_STR_EQ(json_string_value(json_array_get(page, 1)), "latest");
        json_decref(page);
        page = registry_store_tags(f.store, "a", "latest", 10, &more, &err);
        REQUIRE(page);
        CHECK(json_array_size(page) == 2 && !more);
        CHECK_STR_EQ(json_string_value(json_array_get(page, 0)), "v10");
        CHECK_STR_EQ(json_string_value(json_array_get(page, 1)), "v2");
        json_decref(page);

        json_t *refs = registry_store_referrers(f.store, "a", &blob, NULL, &err);
        REQUIRE(refs);
        CHECK(json_array_size(refs) == 1);
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(refs, 0), "artifactType")),
                     "application/x-test");
        json_decref(refs);
        refs = registry_store_referrers(f.store, "a", &blob, "application/other", &err);
        CHECK(refs && json_array_size(refs) == 0);
        json_decref(refs);

        CHECK(registry_store_tag_delete(f.store, "a", "v2", &err) == 1);
        CHECK(registry_store_tag_delete(f.store, "a", "v2", &err) == 0);
        CHECK(registry_store_manifest_delete(f.store, "a", &manifest, &err) == 1);
        CHECK(registry_store_tag_get(f.store, "a", "v10", &r, &err) == 0);
        CHECK(registry_store_manifest_delete(f.store, "a", &manifest, &err) == 0);
        CHECK(registry_store_blob_unlink(f.store, "a", &blob, &err) == 1);
        CHECK(registry_store_blob_get(f.store, "a", &blob, &size, &err) == 0);
        CHECK(err == NULL);

        json_t *catalog = registry_store_catalog(f.store, NULL, 10, &more, &err);
        CHECK(catalog && json_array_size(catalog) == 1);
        json_decref(catalog);
        fixture_close(&f);
}
