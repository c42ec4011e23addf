/* berth tag and berth rmi. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "image/image_gc.h"
#include "image/snapshot.h"
#include "oci/image_reference.h"

static const char tag_help[] = "usage: berth tag IMAGE TARGET_NAME[:TAG]...\n"
                               "\n"
                               "Give an image more names.\n";

static const char rmi_help[] =
    "usage: berth rmi [options] IMAGE...\n"
    "\n"
    "Remove images. A name removes that name, and the image with its last name; an ID removes\n"
    "the image with all its names. Layers and blobs no other image uses are deleted.\n"
    "\n"
    "  -f, --force   remove images that containers use\n"
    "  -a, --all     remove every image\n";

int cmd_tag(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                if (opt == 'h')
                        return cli_help(tag_help);
                return cli_bad_flag("tag", argv);
        }
        if (argc - optind < 2)
                return cli_usage_error("tag", "need an image and at least one new name");
        struct error *err = NULL;
        struct image_store *store = NULL;
        struct image_record r = {0};
        int ret = 0;
        if (cli_open_store(g, &store, &err) < 0 ||
            cli_find_image(store, argv[optind], &r, &err) < 0) {
                ret = cli_fail(&err);
                goto out;
        }
        for (int i = optind + 1; i < argc; i++) {
                struct image_reference ref = {0};
                if (image_reference_parse(argv[i], &ref, &err) < 0) {
                        ret = cli_fail(&err);
                        continue;
                }
                if (ref.digest) {
                        image_reference_release(&ref);
                        ret = cli_usage_error("tag", "%s: a name cannot have a digest", argv[i]);
                        continue;
                }
                _cleanup_free_ char *name = image_reference_format(&ref);
                image_reference_release(&ref);
                if (image_db_add_name(store->db, &r.id, name, &err) < 0)
                        ret = cli_fail(&err);
        }
out:
        image_record_release(&r);
        if (store)
                image_store_free(store);
        return ret;
}

/* The stored name that TEXT designates among R's names, or NULL (TEXT is an ID). */
static const char *matching_name(const struct image_record *r, const char *text)
{
        for (char **n = r->names; n && *n; n++)
                if (strcmp(*n, text) == 0)
                        return *n;
        struct image_reference ref = {0};
        struct error *e = NULL;
        if (image_reference_parse(text, &ref, &e) < 0) {
                error_free(&e);
                return NULL;
        }
        _cleanup_free_ char *full = image_reference_format(&ref);
        image_reference_release(&ref);
        for (char **n = r->names; n && *n; n++)
                if (strcmp(*n, full) == 0)
                        return *n;
        return NULL;
}

/* Removes image R entirely (names, record, its mount); GC follows in the caller. */
int cli_remove_image(struct image_store *store, const struct image_record *r, struct error **err)
{
        if (snapshot_image_umount(store, r, err) < 0)
                return -1;
        for (char **n = r->names; n && *n; n++)
                printf("Untagged: %s\n", *n);
        if (image_db_delete(store->db, &r->id, err) < 0)
                return -1;
        printf("Deleted: %s\n", digest_hex(&r->id));
        return 0;
}

/* Refuses to remove an image containers use unless FORCE. */
int cli_check_image_unused(struct image_store *store, const struct image_record *r, bool force,
                           struct error **err)
{
        char **users = NULL;
        if (image_db_image_users(store->db, &r->id, &users, err) < 0)
                return -1;
        int ret = 0;
        if (users && users[0] && !force)
                ret = error_set(err, 0,
                                "image %.12s is in use by container %s: remove the container "
                                "first, or use --force",
                                digest_hex(&r->id), users[0]);
        for (char **u = users; u && *u; u++)
                free(*u);
        free(users);
        return ret;
}

static int remove_one(struct image_store *store, const char *text, bool force, struct error **err)
{
        struct image_record r = {0};
        if (cli_find_image(store, text, &r, err) < 0)
                return -1;
        int ret = -1;
        const char *name = matching_name(&r, text);
        size_t n_names = 0;
        for (char **n = r.names; n && *n; n++)
                n_names++;
        if (name && n_names > 1) {
                /* One of several names: only the name goes. */
                if (image_db_remove_name(store->db, name, err) < 0)
                        goto out;
                printf("Untagged: %s\n", name);
                ret = 0;
                goto out;
        }
        if (cli_check_image_unused(store, &r, force, err) < 0 ||
            cli_remove_image(store, &r, err) < 0)
                goto out;
        ret = 0;
out:
        image_record_release(&r);
        return ret;
}

int cmd_rmi(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"force", no_argument, NULL, 'f'},
            {"all", no_argument, NULL, 'a'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool force = false, all = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "fah", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        force = true;
                        break;
                case 'a':
                        all = true;
                        break;
                case 'h':
                        return cli_help(rmi_help);
                default:
                        return cli_bad_flag("rmi", argv);
                }
        }
        if (optind >= argc && !all)
                return cli_usage_error("rmi", "missing image name");
        struct error *err = NULL;
        struct image_store *store = NULL;
        if (cli_open_store(g, &store, &err) < 0)
                return cli_fail(&err);
        int ret = 0;
        if (all) {
                struct image_record *images = NULL;
                size_t n = 0;
                if (image_db_list(store->db, &images, &n, &err) < 0)
                        ret = cli_fail(&err);
                for (size_t i = 0; i < n; i++) {
                        if (ret == 0 &&
                            (cli_check_image_unused(store, &images[i], force, &err) < 0 ||
                             cli_remove_image(store, &images[i], &err) < 0))
                                ret = cli_fail(&err);
                        image_record_release(&images[i]);
                }
                free(images);
        }
        for (int i = optind; i < argc; i++)
                if (remove_one(store, argv[i], force, &err) < 0)
                        ret = cli_fail(&err);
        struct image_gc_stats stats;
        if (image_gc(store, &stats, &err) < 0)
                ret = cli_fail(&err);
        image_store_free(store);
        return ret;
}
