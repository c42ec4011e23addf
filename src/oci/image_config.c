/* Image configs (config.md) and layer chain IDs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "image_manifest.h"
#include "image_manifest_internal.h"
#include "json_field.h"
#include "json_shape.h"

static const struct json_shape string_shape = {.kind = JSON_SHAPE_STRING};
static const struct json_shape no_members[] = {{0}};
/* ExposedPorts and Volumes map names to empty objects (Go's map[string]struct{}). */
static const struct json_shape empty_object_shape = {.kind = JSON_SHAPE_OBJECT,
                                                     .members = no_members};

/* config.md#properties, "config": the members the engine reads must have the types the spec
 * gives them; others are kept as they are. */
static const struct json_shape execution_members[] = {
    {.key = "User", .kind = JSON_SHAPE_STRING},
    {.key = "ExposedPorts", .kind = JSON_SHAPE_MAP, .item = &empty_object_shape},
    {.key = "Env", .kind = JSON_SHAPE_ARRAY, .item = &string_shape},
    {.key = "Entrypoint", .kind = JSON_SHAPE_ARRAY, .item = &string_shape},
    {.key = "Cmd", .kind = JSON_SHAPE_ARRAY, .item = &string_shape},
    {.key = "Volumes", .kind = JSON_SHAPE_MAP, .item = &empty_object_shape},
    {.key = "WorkingDir", .kind = JSON_SHAPE_STRING},
    {.key = "Labels", .kind = JSON_SHAPE_MAP, .item = &string_shape},
    {.key = "StopSignal", .kind = JSON_SHAPE_STRING},
    {.key = "ArgsEscaped", .kind = JSON_SHAPE_BOOL},
    {.key = "Memory", .kind = JSON_SHAPE_INTEGER, .min = INT64_MIN, .max = INT64_MAX},
    {.key = "MemorySwap", .kind = JSON_SHAPE_INTEGER, .min = INT64_MIN, .max = INT64_MAX},
    {.key = "CpuShares", .kind = JSON_SHAPE_INTEGER, .min = INT64_MIN, .max = INT64_MAX},
    {.key = "Healthcheck", .kind = JSON_SHAPE_OBJECT, .members = no_members},
    {0},
};
static const struct json_shape execution_shape = {.kind = JSON_SHAPE_OBJECT,
                                                  .members = execution_members};

static const struct json_shape history_members[] = {
    {.key = "created", .kind = JSON_SHAPE_STRING},    {.key = "author", .kind = JSON_SHAPE_STRING},
    {.key = "created_by", .kind = JSON_SHAPE_STRING}, {.key = "comment", .kind = JSON_SHAPE_STRING},
    {.key = "empty_layer", .kind = JSON_SHAPE_BOOL},  {0},
};
static const struct json_shape history_item_shape = {.kind = JSON_SHAPE_OBJECT,
                                                     .members = history_members};
static const struct json_shape history_shape = {.kind = JSON_SHAPE_ARRAY,
                                                .item = &history_item_shape};

static int rootfs_read(json_t *doc, struct oci_image_config *c, struct error **err)
{
        json_t *rootfs, *diff_ids;
        _cleanup_free_ char *type = NULL;
        if (json_field_object(doc, "", "rootfs", true, &rootfs, err) < 0 ||
            json_field_string(rootfs, "rootfs", "type", true, &type, err) < 0)
                return -1;
        /* config.md: "MUST be set to layers". */
        if (strcmp(type, "layers") != 0)
                return json_field_error(err, "rootfs", "type", "must be \"layers\", not \"%s\"",
                                        type);
        if (json_field_array(rootfs, "rootfs", "diff_ids", true, &diff_ids, err) < 0)
                return -1;
        size_t n = json_array_size(diff_ids);
        c->diff_ids = xcalloc(n ? n : 1, sizeof(*c->diff_ids));
        size_t i;
        json_t *item;
        json_array_foreach(diff_ids, i, item)
        {
                _cleanup_free_ char *path = json_field_index_path("rootfs.diff_ids", i);
                if (!json_is_string(item))
                        return json_field_error(err, path, NULL, "must be a string");
                _cleanup_error_ struct error *digest_err = NULL;
                if (digest_parse(json_string_value(item), &c->diff_ids[i], &digest_err) < 0)
                        return json_field_error(err, path, NULL, "%s", digest_err->msg);
        }
        c->n_diff_ids = n;
        return 0;
}

static int config_read(json_t *doc, struct oci_image_config *c, struct error **err)
{
        /* config.md: architecture and os are REQUIRED. */
        if (json_field_string(doc, "", "architecture", true, &c->architecture, err) < 0 ||
            json_field_string(doc, "", "os", true, &c->os, err) < 0 ||
            json_field_string(doc, "", "variant", false, &c->variant, err) < 0 ||
            json_field_string(doc, "", "created", false, &c->created, err) < 0 ||
            json_field_string(doc, "", "author", false, &c->author, err) < 0)
                return -1;
        _cleanup_free_ char *os_version = NULL;
        if (json_field_string(doc, "", "os.version", false, &os_version, err) < 0)
                return -1;
        char **features = NULL;
        size_t n;
        int r = json_field_string_array(doc, "", "os.features", &features, &n, err);
        json_field_free_strings(features);
        if (r < 0)
                return -1;
        json_t *execution;
        r = json_field_object(doc, "", "config", false, &execution, err);
        if (r < 0)
                return -1;
        if (r > 0) {
                if (json_shape_check(&execution_shape, execution, "config", err) < 0)
                        return -1;
                c->config = json_incref(execution);
        }
        if (rootfs_read(doc, c, err) < 0)
                return -1;
        json_t *history;
        r = json_field_array(doc, "", "history", false, &history, err);
        if (r < 0)
                return -1;
        if (r > 0) {
                if (json_shape_check(&history_shape, history, "history", err) < 0)
                        return -1;
                c->history = json_incref(history);
        }
        return 0;
}

int oci_image_config_parse(const char *data, size_t len, struct oci_image_config *out,
                           struct error **err)
{
        *out = (struct oci_image_config){0};
        json_t *doc = image_json_load(data, len, err);
        if (doc == NULL)
                return error_wrap(err, "image config");
        out->json = doc;
        if (config_read(doc, out, err) < 0) {
                oci_image_config_release(out);
                return error_wrap(err, "image config");
        }
        return 0;
}

void oci_image_config_release(struct oci_image_config *c)
{
        if (c == NULL)
                return;
        free(c->architecture);
        free(c->os);
        free(c->variant);
        free(c->created);
        free(c->author);
        json_decref(c->config);
        free(c->diff_ids);
        json_decref(c->history);
        json_decref(c->json);
        *c = (struct oci_image_config){0};
}

void oci_chain_ids(const struct digest *diff_ids, size_t n, struct digest *out)
{
        /* config.md#layer-chainid: ChainID(L0) = DiffID(L0);
         * ChainID(L0|...|Ln) = Digest(ChainID(L0|...|Ln-1) + " " + DiffID(Ln)). */
        for (size_t i = 0; i < n; i++) {
                if (i == 0) {
                        out[0] = diff_ids[0];
                        continue;
                }
                _cleanup_free_ char *text = xasprintf("%s %s", out[i - 1].text, diff_ids[i].text);
                digest_buffer(DIGEST_SHA256, text, strlen(text), &out[i]);
        }
}
