/* berth images (image ls): podman's columns, flags and JSON. */
#include <fnmatch.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "oci/image_reference.h"

static const char images_help[] =
    "usage: berth images [options] [REPOSITORY[:TAG]]\n"
    "\n"
    "List images: one line per name, dangling images as <none>.\n"
    "\n"
    "  -q, --quiet            only image IDs\n"
    "  -a, --all              all images (berth keeps no intermediate images)\n"
    "      --no-trunc         full image IDs\n"
    "      --digests          show the repo digests\n"
    "  -f, --filter F         dangling=true|false, reference=PATTERN, label=KEY[=VALUE]\n"
    "      --format FMT       table (default), json, or a template such as {{.Repository}}\n"
    "  -n, --noheading        no header line\n";

struct filters {
        int dangling; /* -1 any, 0 named only, 1 dangling only */
        char **references;
        size_t n_references;
};

/* One output row: an image under one of its names (or none). */
struct row {
        const struct image_record *image;
        char *repository;
        char *tag;
        const char *name; /* or NULL */
};

static bool reference_matches(const struct filters *f, const char *name)
{
        if (f->n_references == 0)
                return true;
        if (!name)
                return false;
        for (size_t i = 0; i < f->n_references; i++) {
                const char *pattern = f->references[i];
                _cleanup_free_ char *repo = NULL, *tag = NULL;
                cli_split_name(name, &repo, &tag);
                const char *short_repo = strchr(repo, '/') ? strchr(repo, '/') + 1 : repo;
                if (strncmp(short_repo, "library/", 8) == 0 && !strchr(pattern, '/'))
                        short_repo += 8;
                _cleanup_free_ char *short_name = xasprintf("%s:%s", short_repo, tag);
                if (fnmatch(pattern, name, 0) == 0 || fnmatch(pattern, repo, 0) == 0 ||
                    fnmatch(pattern, short_repo, 0) == 0 || fnmatch(pattern, short_name, 0) == 0)
                        return true;
                /* A plain name is normalised as docker does ("busybox" -> docker.io/library/...).
                 */
                struct image_reference ref = {0};
                struct error *e = NULL;
                if (image_reference_parse(pattern, &ref, &e) == 0) {
                        _cleanup_free_ char *full = image_reference_format(&ref);
                        _cleanup_free_ char *full_repo = image_reference_repository(&ref);
                        bool tagged = strchr(pattern + (strrchr(pattern, '/')
                                                            ? strrchr(pattern, '/') - pattern
                                                            : 0),
                                             ':') != NULL;
                        image_reference_release(&ref);
                        if (strcmp(full, name) == 0 || (!tagged && strcmp(full_repo, repo) == 0))
                                return true;
                }
                error_free(&e);
        }
        return false;
}

static json_t *string_array(char **list)
{
        json_t *a = json_array();
        for (char **p = list; p && *p; p++)
                json_array_append_new(a, json_string(*p));
        return a;
}

static json_t *image_json(const struct image_record *r)
{
        _cleanup_free_ char *created = cli_rfc3339(r->created);
        json_t *o = json_object();
        json_object_set_new(o, "Id", json_string(digest_hex(&r->id)));
        json_object_set_new(o, "ParentId", json_string(""));
        json_object_set_new(o, "RepoTags", string_array(r->names));
        json_object_set_new(o, "RepoDigests", string_array(r->repo_digests));
        json_object_set_new(o, "Size", json_integer(r->size));
        json_object_set_new(o, "SharedSize", json_integer(0));
        json_object_set_new(o, "VirtualSize", json_integer(r->size));
        json_object_set_new(o, "Labels", json_object());
        json_object_set_new(o, "Containers", json_integer(0));
        json_object_set_new(o, "Names", string_array(r->names));
        json_object_set_new(o, "Digest", json_string(r->manifest_digest.text));
        json_object_set_new(o, "Created", json_integer(r->created));
        json_object_set_new(o, "CreatedAt", json_string(created));
        json_object_set_new(o, "Dangling", json_boolean(!r->names || !r->names[0]));
        json_object_set_new(o, "Arch", json_string(r->architecture ? r->architecture : ""));
        json_object_set_new(o, "Os", json_string(r->os ? r->os : ""));
        return o;
}

static json_t *row_json(const struct row *row, bool no_trunc)
{
        const struct image_record *r = row->image;
        _cleanup_free_ char *age = cli_human_age(r->created);
        _cleanup_free_ char *size = cli_human_size(r->size);
        _cleanup_free_ char *created = cli_rfc3339(r->created);
        _cleanup_free_ char *id = no_trunc ? xstrdup(r->id.text) : xstrndup(digest_hex(&r->id), 12);
        json_t *o = json_object();
        json_object_set_new(o, "ID", json_string(id));
        json_object_set_new(o, "Id", json_string(id));
        json_object_set_new(o, "Repository", json_string(row->repository));
        json_object_set_new(o, "Tag", json_string(row->tag));
        json_object_set_new(o, "Digest", json_string(r->manifest_digest.text));
        json_object_set_new(o, "Created", json_string(age));
        json_object_set_new(o, "CreatedSince", json_string(age));
        json_object_set_new(o, "CreatedAt", json_string(created));
        json_object_set_new(o, "Size", json_string(size));
        return o;
}

static int parse_filter(struct filters *f, const char *text)
{
        const char *eq = strchr(text, '=');
        if (!eq)
                return cli_usage_error("images", "invalid filter \"%s\": KEY=VALUE", text);
        if (strncmp(text, "dangling=", 9) == 0) {
                if (strcmp(eq + 1, "true") == 0)
                        f->dangling = 1;
                else if (strcmp(eq + 1, "false") == 0)
                        f->dangling = 0;
                else
                        return cli_usage_error("images", "invalid filter \"%s\": true or false",
                                               text);
        } else if (strncmp(text, "reference=", 10) == 0) {
                f->references = xrealloc(f->references, (f->n_references + 1) * sizeof(char *));
                f->references[f->n_references++] = (char *)(eq + 1);
        } else {
                return cli_usage_error("images", "unsupported filter \"%s\"", text);
        }
        return 0;
}

int cmd_images(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_NO_TRUNC = 256, OPT_DIGESTS, OPT_FORMAT };
        static const struct option options[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"all", no_argument, NULL, 'a'},
            {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
            {"digests", no_argument, NULL, OPT_DIGESTS},
            {"filter", required_argument, NULL, 'f'},
            {"format", required_argument, NULL, OPT_FORMAT},
            {"noheading", no_argument, NULL, 'n'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool quiet = false, no_trunc = false, digests = false, heading = true;
        const char *format = "table";
        struct filters filters = {.dangling = -1};
        int opt;
        while ((opt = getopt_long(argc, argv, "qaf:nh", options, NULL)) != -1) {
                switch (opt) {
                case 'q':
                        quiet = true;
                        break;
                case 'a':
                        break;
                case OPT_NO_TRUNC:
                        no_trunc = true;
                        break;
                case OPT_DIGESTS:
                        digests = true;
                        break;
                case 'f':
                        if (parse_filter(&filters, optarg) != 0) {
                                free(filters.references);
                                return BERTH_EXIT_FAILURE;
                        }
                        break;
                case OPT_FORMAT:
                        format = optarg;
                        break;
                case 'n':
                        heading = false;
                        break;
                case 'h':
                        return cli_help(images_help);
                default:
                        free(filters.references);
                        return cli_bad_flag("images", argv);
                }
        }
        if (argc - optind > 1) {
                free(filters.references);
                return cli_usage_error("images", "too many arguments");
        }
        if (argc - optind == 1) {
                filters.references =
                    xrealloc(filters.references, (filters.n_references + 1) * sizeof(char *));
                filters.references[filters.n_references++] = argv[optind];
        }

        struct error *err = NULL;
        struct image_store *store = NULL;
        struct image_record *images = NULL;
        size_t n_images = 0;
        if (cli_open_store(g, &store, &err) < 0 ||
            image_db_list(store->db, &images, &n_images, &err) < 0) {
                free(filters.references);
                if (store)
                        image_store_free(store);
                return cli_fail(&err);
        }

        /* Rows: one per matching name, one for a dangling image. */
        struct row *rows = xcalloc(1, sizeof(*rows));
        size_t n_rows = 0;
        json_t *selected = json_array();
        for (size_t i = 0; i < n_images; i++) {
                const struct image_record *r = &images[i];
                bool dangling = !r->names || !r->names[0];
                if ((filters.dangling == 1 && !dangling) || (filters.dangling == 0 && dangling))
                        continue;
                bool any = false;
                if (dangling) {
                        if (filters.n_references == 0) {
                                rows = xrealloc(rows, (n_rows + 1) * sizeof(*rows));
                                rows[n_rows++] =
                                    (struct row){r, xstrdup("<none>"), xstrdup("<none>"), NULL};
                                any = true;
                        }
                } else {
                        for (char **name = r->names; *name; name++) {
                                if (!reference_matches(&filters, *name))
                                        continue;
                                rows = xrealloc(rows, (n_rows + 1) * sizeof(*rows));
                                struct row *row = &rows[n_rows++];
                                row->image = r;
                                row->name = *name;
                                cli_split_name(*name, &row->repository, &row->tag);
                                any = true;
                        }
                }
                if (any)
                        json_array_append_new(selected, image_json(r));
        }

        int ret = 0;
        if (strcmp(format, "json") == 0) {
                char *text = json_dumps(selected, JSON_INDENT(4));
                printf("%s\n", text ? text : "[]");
                free(text);
        } else if (quiet) {
                /* Each image once, in list order. */
                for (size_t i = 0; i < n_rows; i++) {
                        bool seen = false;
                        for (size_t j = 0; j < i; j++)
                                seen = seen || rows[j].image == rows[i].image;
                        if (!seen)
                                printf("%.*s\n", no_trunc ? DIGEST_TEXT_MAX : 12,
                                       no_trunc ? rows[i].image->id.text
                                                : digest_hex(&rows[i].image->id));
                }
        } else if (strcmp(format, "table") == 0) {
                size_t w_repo = strlen("REPOSITORY"), w_tag = strlen("TAG");
                size_t w_id = no_trunc ? 71 : 12, w_digest = 71, w_age = strlen("CREATED");
                json_t **objs = xcalloc(n_rows + 1, sizeof(*objs));
                for (size_t i = 0; i < n_rows; i++) {
                        objs[i] = row_json(&rows[i], no_trunc);
                        size_t l = strlen(rows[i].repository);
                        w_repo = l > w_repo ? l : w_repo;
                        l = strlen(rows[i].tag);
                        w_tag = l > w_tag ? l : w_tag;
                        l = strlen(json_string_value(json_object_get(objs[i], "Created")));
                        w_age = l > w_age ? l : w_age;
                }
                if (heading) {
                        printf("%-*s  %-*s  ", (int)w_repo, "REPOSITORY", (int)w_tag, "TAG");
                        if (digests)
                                printf("%-*s  ", (int)w_digest, "DIGEST");
                        printf("%-*s  %-*s  %s\n", (int)w_id, "IMAGE ID", (int)w_age, "CREATED",
                               "SIZE");
                }
                for (size_t i = 0; i < n_rows; i++) {
                        json_t *o = objs[i];
                        printf("%-*s  %-*s  ", (int)w_repo, rows[i].repository, (int)w_tag,
                               rows[i].tag);
                        if (digests)
                                printf("%-*s  ", (int)w_digest,
                                       json_string_value(json_object_get(o, "Digest")));
                        printf("%-*s  %-*s  %s\n", (int)w_id,
                               json_string_value(json_object_get(o, "ID")), (int)w_age,
                               json_string_value(json_object_get(o, "Created")),
                               json_string_value(json_object_get(o, "Size")));
                        json_decref(o);
                }
                free(objs);
        } else {
                for (size_t i = 0; i < n_rows && ret == 0; i++) {
                        json_t *o = row_json(&rows[i], no_trunc);
                        char *line = cli_format_template(format, o, &err);
                        json_decref(o);
                        if (!line) {
                                ret = cli_fail(&err);
                                break;
                        }
                        printf("%s\n", line);
                        free(line);
                }
        }
        json_decref(selected);
        for (size_t i = 0; i < n_rows; i++) {
                free(rows[i].repository);
                free(rows[i].tag);
        }
        free(rows);
        for (size_t i = 0; i < n_images; i++)
                image_record_release(&images[i]);
        free(images);
        free(filters.references);
        image_store_free(store);
        return ret;
}
