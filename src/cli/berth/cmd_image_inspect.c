/* berth image inspect and berth history: podman's JSON and columns. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "image/image_install.h"
#include "oci/image_manifest.h"

#define DOCUMENT_MAX (32u << 20)

static const char history_help[] =
    "usage: berth history [options] IMAGE\n"
    "\n"
    "Show the steps an image was built with, newest first.\n"
    "\n"
    "  -q, --quiet       only the IDs\n"
    "      --no-trunc    do not shorten IDs and commands\n"
    "  -H, --human=BOOL  human-readable sizes and dates (default true)\n"
    "      --format FMT  json, or a template such as {{.CreatedBy}}\n";

static json_t *string_array(char **list)
{
        json_t *a = json_array();
        for (char **p = list; p && *p; p++)
                json_array_append_new(a, json_string(*p));
        return a;
}

/* The image's config document (parsed), read from the store. */
static int load_config(struct image_store *store, const struct image_record *r,
                       struct oci_image_config *config, json_t **manifest, struct error **err)
{
        size_t len;
        _cleanup_free_ char *text =
            content_store_read_blob(store->content, &r->id, DOCUMENT_MAX, &len, err);
        if (!text || oci_image_config_parse(text, len, config, err) < 0)
                return error_wrap(err, "image %s config", r->id.text);
        if (manifest) {
                _cleanup_free_ char *m = content_store_read_blob(
                    store->content, &r->manifest_digest, DOCUMENT_MAX, &len, err);
                if (!m)
                        return error_wrap(err, "image %s manifest", r->id.text);
                *manifest = json_loadb(m, len, 0, NULL);
        }
        return 0;
}

json_t *cli_image_inspect_json(struct image_store *store, const struct image_record *r,
                               struct error **err)
{
        struct oci_image_config config = {0};
        json_t *manifest = NULL;
        if (load_config(store, r, &config, &manifest, err) < 0)
                return NULL;
        json_t *o = json_object();
        json_t *cfg = config.config ? json_incref(config.config) : json_object();
        json_object_set_new(o, "Id", json_string(digest_hex(&r->id)));
        json_object_set_new(o, "Digest", json_string(r->manifest_digest.text));
        json_object_set_new(o, "RepoTags", string_array(r->names));
        json_object_set_new(o, "RepoDigests", string_array(r->repo_digests));
        json_object_set_new(o, "Parent", json_string(""));
        json_t *comment = json_object_get(config.json, "comment");
        json_object_set_new(o, "Comment", comment ? json_incref(comment) : json_string(""));
        json_object_set_new(o, "Created", json_string(config.created ? config.created : ""));
        json_object_set_new(o, "Config", cfg);
        json_object_set_new(o, "Version", json_string(""));
        json_object_set_new(o, "Author", json_string(config.author ? config.author : ""));
        json_object_set_new(o, "Architecture",
                            json_string(config.architecture ? config.architecture : ""));
        json_object_set_new(o, "Os", json_string(config.os ? config.os : ""));
        if (config.variant)
                json_object_set_new(o, "Variant", json_string(config.variant));
        json_object_set_new(o, "Size", json_integer(r->size));
        json_object_set_new(o, "VirtualSize", json_integer(r->size));

        json_t *lower = json_array();
        for (size_t i = r->n_layers; i-- > 0;) {
                _cleanup_free_ char *dir = layer_store_path(store->layers, &r->chain_ids[i]);
                json_array_append_new(lower, json_string(dir));
        }
        json_t *data = json_object();
        json_object_set_new(data, "LowerDirs", lower);
        json_t *graph = json_object();
        json_object_set_new(graph, "Name", json_string("overlay"));
        json_object_set_new(graph, "Data", data);
        json_object_set_new(o, "GraphDriver", graph);

        json_t *layers = json_array();
        for (size_t i = 0; i < config.n_diff_ids; i++)
                json_array_append_new(layers, json_string(config.diff_ids[i].text));
        json_t *rootfs = json_object();
        json_object_set_new(rootfs, "Type", json_string("layers"));
        json_object_set_new(rootfs, "Layers", layers);
        json_object_set_new(o, "RootFS", rootfs);

        json_t *labels = json_object_get(cfg, "Labels");
        json_object_set(o, "Labels", labels ? labels : json_null());
        json_t *annotations = manifest ? json_object_get(manifest, "annotations") : NULL;
        json_object_set_new(o, "Annotations",
                            annotations ? json_incref(annotations) : json_object());
        json_object_set_new(o, "ManifestType",
                            json_string(r->manifest_media_type ? r->manifest_media_type : ""));
        json_t *user = json_object_get(cfg, "User");
        json_object_set_new(o, "User", user ? json_incref(user) : json_string(""));
        json_object_set_new(o, "History",
                            config.history ? json_incref(config.history) : json_array());
        json_object_set_new(o, "NamesHistory", json_array());
        json_decref(manifest);
        oci_image_config_release(&config);
        return o;
}

static const char *string_field(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);
        return json_is_string(v) ? json_string_value(v) : "";
}

static int64_t parse_time(const char *text)
{
        struct tm tm = {0};
        if (!text || !strptime(text, "%Y-%m-%dT%H:%M:%S", &tm))
                return 0;
        return timegm(&tm);
}

int cmd_image_history(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_NO_TRUNC = 256, OPT_FORMAT, OPT_HUMAN };
        static const struct option options[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
            {"format", required_argument, NULL, OPT_FORMAT},
            {"human", optional_argument, NULL, 'H'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool quiet = false, no_trunc = false, human = true;
        const char *format = NULL;
        struct error *err = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "qHh", options, NULL)) != -1) {
                switch (opt) {
                case 'q':
                        quiet = true;
                        break;
                case OPT_NO_TRUNC:
                        no_trunc = true;
                        break;
                case OPT_FORMAT:
                        format = optarg;
                        break;
                case 'H':
                        if (cli_parse_bool("--human", optarg, &human, &err) < 0)
                                return cli_fail(&err);
                        break;
                case 'h':
                        return cli_help(history_help);
                default:
                        return cli_bad_flag("history", argv);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("history", argc - optind < 1 ? "missing image name"
                                                                    : "too many arguments");
        struct image_store *store = NULL;
        struct image_record r = {0};
        struct oci_image_config config = {0};
        if (cli_open_store(g, &store, &err) < 0 ||
            cli_find_image(store, argv[optind], &r, &err) < 0 ||
            load_config(store, &r, &config, NULL, &err) < 0) {
                image_record_release(&r);
                if (store)
                        image_store_free(store);
                return cli_fail(&err);
        }
        /* History entries, oldest first; those without empty_layer map to layers in order. */
        size_t n = json_array_size(config.history);
        json_t *entries = json_array();
        size_t layer = 0;
        for (size_t i = 0; i < n; i++) {
                json_t *h = json_array_get(config.history, i);
                bool empty = json_is_true(json_object_get(h, "empty_layer"));
                int64_t size = 0;
                if (!empty && layer < r.n_layers)
                        size = image_layer_size(store, &r.chain_ids[layer++]);
                json_t *e = json_object();
                json_object_set_new(e, "id",
                                    json_string(i + 1 == n ? digest_hex(&r.id) : "<missing>"));
                json_object_set_new(e, "created", json_string(string_field(h, "created")));
                json_object_set_new(e, "CreatedBy", json_string(string_field(h, "created_by")));
                json_object_set_new(e, "size", json_integer(size));
                json_object_set_new(e, "comment", json_string(string_field(h, "comment")));
                json_object_set_new(e, "tags", i + 1 == n ? string_array(r.names) : json_null());
                json_array_insert_new(entries, 0, e);
        }
        int ret = 0;
        if (format && strcmp(format, "json") == 0) {
                char *text = json_dumps(entries, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
                free(text);
        } else {
                if (!quiet && !format)
                        printf("%-12s  %-16s  %-45s  %-10s  %s\n", "ID", "CREATED", "CREATED BY",
                               "SIZE", "COMMENT");
                size_t i;
                json_t *e;
                json_array_foreach(entries, i, e)
                {
                        const char *id = string_field(e, "id");
                        _cleanup_free_ char *shown_id = strcmp(id, "<missing>") == 0 || no_trunc
                                                            ? xstrdup(id)
                                                            : xstrndup(id, 12);
                        if (quiet) {
                                printf("%s\n", shown_id);
                                continue;
                        }
                        if (format) {
                                json_object_set_new(e, "ID", json_string(shown_id));
                                json_object_set(e, "Comment", json_object_get(e, "comment"));
                                char *line = cli_format_template(format, e, &err);
                                if (!line) {
                                        ret = cli_fail(&err);
                                        break;
                                }
                                printf("%s\n", line);
                                free(line);
                                continue;
                        }
                        int64_t created = parse_time(string_field(e, "created"));
                        _cleanup_free_ char *age =
                            human ? cli_human_age(created) : cli_rfc3339(created);
                        int64_t bytes = json_integer_value(json_object_get(e, "size"));
                        _cleanup_free_ char *size =
                            human ? cli_human_size(bytes) : xasprintf("%lld", (long long)bytes);
                        const char *by = string_field(e, "CreatedBy");
                        _cleanup_free_ char *shown_by =
                            !no_trunc && strlen(by) > 45 ? xasprintf("%.42s...", by) : xstrdup(by);
                        printf("%-12s  %-16s  %-45s  %-10s  %s\n", shown_id, age, shown_by, size,
                               string_field(e, "comment"));
                }
        }
        json_decref(entries);
        oci_image_config_release(&config);
        image_record_release(&r);
        image_store_free(store);
        return ret;
}
