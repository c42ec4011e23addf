/* The state document: parsed back with jansson, field by field. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_config.h"
#include "runtime_state.h"
#include "test.h"

static json_t *parse(const char *text)
{
        json_error_t err;
        json_t *json = json_loads(text, 0, &err);
        if (json == NULL)
                test_note("invalid json: %s: %s", err.text, text);
        return json;
}

static const char *member(json_t *obj, const char *key)
{
        return json_string_value(json_object_get(obj, key));
}

TEST(running_state_fields)
{
        static const struct oci_key_value annotations[] = {
            {"org.example.a", "1"},
            {"org.example.b", "two"},
        };
        struct oci_state state = {
            .oci_version = "1.2.0",
            .id = "web",
            .status = "running",
            .pid = 4242,
            .bundle = "/srv/bundles/web",
            .rootfs = "/srv/bundles/web/rootfs",
            .created = "2024-05-01T10:00:00.123456789Z",
            .owner = "",
            .annotations = annotations,
            .n_annotations = 2,
        };
        char *text = oci_state_to_json(&state, 0);
        REQUIRE(text != NULL);
        json_t *json = parse(text);
        free(text);
        REQUIRE(json_is_object(json));
        CHECK_STR_EQ(member(json, "ociVersion"), "1.2.0");
        CHECK_STR_EQ(member(json, "id"), "web");
        CHECK_STR_EQ(member(json, "status"), "running");
        CHECK_INT_EQ(json_integer_value(json_object_get(json, "pid")), 4242);
        CHECK_STR_EQ(member(json, "bundle"), "/srv/bundles/web");
        CHECK_STR_EQ(member(json, "rootfs"), "/srv/bundles/web/rootfs");
        CHECK_STR_EQ(member(json, "created"), "2024-05-01T10:00:00.123456789Z");
        CHECK_STR_EQ(member(json, "owner"), "");
        json_t *a = json_object_get(json, "annotations");
        REQUIRE(json_is_object(a));
        CHECK_INT_EQ(json_object_size(a), 2);
        CHECK_STR_EQ(member(a, "org.example.b"), "two");
        json_decref(json);
}

TEST(key_order_is_runc_order)
{
        struct oci_state state = {
            .oci_version = "1.2.0",
            .id = "x",
            .status = "created",
            .pid = 7,
            .bundle = "/b",
            .rootfs = "/b/rootfs",
            .created = "2024-01-01T00:00:00Z",
            .owner = "root",
        };
        char *text = oci_state_to_json(&state, 0);
        REQUIRE(text != NULL);
        CHECK_STR_EQ(text, "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"pid\":7,"
                           "\"status\":\"created\",\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\","
                           "\"created\":\"2024-01-01T00:00:00Z\",\"owner\":\"root\"}");
        free(text);
}

TEST(negative_pid_and_empty_fields_are_omitted)
{
        struct oci_state state = {
            .oci_version = "1.2.0",
            .id = "gone",
            .status = "stopped",
            .pid = -1,
            .bundle = "/b",
        };
        char *text = oci_state_to_json(&state, 0);
        REQUIRE(text != NULL);
        json_t *json = parse(text);
        free(text);
        REQUIRE(json != NULL);
        CHECK(json_object_get(json, "pid") == NULL);
        CHECK(json_object_get(json, "annotations") == NULL);
        CHECK(json_object_get(json, "rootfs") == NULL);
        CHECK(json_object_get(json, "owner") == NULL);
        CHECK_STR_EQ(member(json, "status"), "stopped");
        json_decref(json);
}

TEST(pretty_is_two_space_indented)
{
        struct oci_state state = {
            .oci_version = "1.2.0",
            .id = "p",
            .status = "running",
            .pid = 1,
            .bundle = "/b",
        };
        char *text = oci_state_to_json(&state, 1);
        REQUIRE(text != NULL);
        CHECK_STR_EQ(text, "{\n  \"ociVersion\": \"1.2.0\",\n  \"id\": \"p\",\n  \"pid\": 1,\n"
                           "  \"status\": \"running\",\n  \"bundle\": \"/b\"\n}");
        free(text);
}

TEST(strings_are_escaped_and_utf8_is_kept_valid)
{
        struct oci_state state = {
            .oci_version = "1.2.0",
            .id = "q\"uote\\",
            .status = "running",
            .pid = 1,
            .bundle = "/b\xff\xfe/caf\xc3\xa9",
        };
        char *text = oci_state_to_json(&state, 0);
        REQUIRE(text != NULL);
        json_t *json = parse(text);
        free(text);
        REQUIRE(json != NULL);
        CHECK_STR_EQ(member(json, "id"), "q\"uote\\");
        /* Bytes that are not UTF-8 become U+FFFD instead of losing the field. */
        CHECK_STR_EQ(member(json, "bundle"), "/b\xef\xbf\xbd\xef\xbf\xbd/caf\xc3\xa9");
        json_decref(json);
}
