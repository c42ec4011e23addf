/* berth image prune: podman's behaviour (dangling images, or with -a every unused image). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "cli_prune.h"
#include "commands.h"
#include "image/image_gc.h"

static const char prune_help[] =
    "usage: berth image prune [options]\n"
    "\n"
    "Remove dangling images (without a name), then layers and blobs no image uses.\n"
    "\n"
    "  -a, --all     remove every image no container uses\n"
    "  -f, --force   do not ask for confirmation\n";

int cmd_image_prune(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"all", no_argument, NULL, 'a'},
            {"force", no_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool all = false, force = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "afh", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        all = true;
                        break;
                case 'f':
                        force = true;
                        break;
                case 'h':
                        return cli_help(prune_help);
                default:
                        return cli_bad_flag("image prune", argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("image prune", "unexpected argument %s", argv[optind]);
        if (!force && !cli_confirm("WARNING! This command removes all %s images.\n",
                                   all ? "unused" : "dangling"))
                return 0;
        struct error *err = NULL;
        struct image_store *store = NULL;
        struct image_record *images = NULL;
        size_t n = 0;
        if (cli_open_store(g, &store, &err) < 0 ||
            image_db_list(store->db, &images, &n, &err) < 0) {
                if (store)
                        image_store_free(store);
                return cli_fail(&err);
        }
        int ret = 0;
        for (size_t i = 0; i < n; i++) {
                struct image_record *r = &images[i];
                bool dangling = !r->names || !r->names[0];
                char **users = NULL;
                if (ret == 0 && (all || dangling) &&
                    image_db_image_users(store->db, &r->id, &users, &err) == 0 &&
                    !(users && users[0])) {
                        if (cli_remove_image(store, r, &err) < 0)
                                ret = cli_fail(&err);
                } else if (err) {
                        ret = cli_fail(&err);
                }
                for (char **u = users; u && *u; u++)
                        free(*u);
                free(users);
                image_record_release(r);
        }
        free(images);
        struct image_gc_stats stats;
        if (image_gc(store, &stats, &err) < 0)
                ret = cli_fail(&err);
        image_store_free(store);
        return ret;
}
