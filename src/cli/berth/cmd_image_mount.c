/* berth image mount / umount: an image's read-only rootfs, as podman's. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "image/snapshot.h"

static const char mount_help[] =
    "usage: berth image mount [IMAGE...]\n"
    "\n"
    "Mount the root filesystem of images read-only (an overlay of their layers) and print where;\n"
    "without arguments, list the mounted images.\n";

static const char umount_help[] = "usage: berth image umount [-a] IMAGE...\n"
                                  "\n"
                                  "Unmount what `berth image mount` mounted.\n"
                                  "\n"
                                  "  -a, --all   every mounted image\n";

/* Lists RUNROOT/image-mounts/<hex> entries that are mounted. */
static int list_mounts(struct image_store *store, bool unmount_all)
{
        _cleanup_free_ char *dir = xasprintf("%s/image-mounts", store->runroot);
        DIR *d = opendir(dir);
        if (!d)
                return 0;
        int ret = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || strlen(e->d_name) != 64)
                        continue;
                struct image_record r = {0};
                struct error *err = NULL;
                if (image_db_find(store->db, e->d_name, &r, &err) <= 0) {
                        error_free(&err);
                        continue;
                }
                if (unmount_all) {
                        int rc = snapshot_image_umount(store, &r, &err);
                        if (rc < 0)
                                ret = cli_fail(&err);
                        else if (rc > 0)
                                printf("%s\n", digest_hex(&r.id));
                } else {
                        printf("%.12s %s/%s\n", e->d_name, dir, e->d_name);
                }
                image_record_release(&r);
        }
        closedir(d);
        return ret;
}

int cmd_image_mount(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                if (opt == 'h')
                        return cli_help(mount_help);
                return cli_bad_flag("image mount", argv);
        }
        struct error *err = NULL;
        struct image_store *store = NULL;
        if (cli_open_store(g, &store, &err) < 0)
                return cli_fail(&err);
        int ret = 0;
        if (optind == argc)
                ret = list_mounts(store, false);
        for (int i = optind; i < argc; i++) {
                struct image_record r = {0};
                _cleanup_free_ char *path = NULL;
                if (cli_find_image(store, argv[i], &r, &err) < 0 ||
                    snapshot_image_mount(store, &r, &path, &err) < 0)
                        ret = cli_fail(&err);
                else
                        printf("%s\n", path);
                image_record_release(&r);
        }
        image_store_free(store);
        return ret;
}

int cmd_image_umount(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"all", no_argument, NULL, 'a'},
            {"force", no_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool all = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "afh", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        all = true;
                        break;
                case 'f':
                        break;
                case 'h':
                        return cli_help(umount_help);
                default:
                        return cli_bad_flag("image umount", argv);
                }
        }
        if (optind == argc && !all)
                return cli_usage_error("image umount", "missing image name (or --all)");
        struct error *err = NULL;
        struct image_store *store = NULL;
        if (cli_open_store(g, &store, &err) < 0)
                return cli_fail(&err);
        int ret = all ? list_mounts(store, true) : 0;
        for (int i = optind; i < argc; i++) {
                struct image_record r = {0};
                int rc = cli_find_image(store, argv[i], &r, &err);
                if (rc == 0)
                        rc = snapshot_image_umount(store, &r, &err);
                if (rc < 0)
                        ret = cli_fail(&err);
                else if (rc > 0)
                        printf("%s\n", digest_hex(&r.id));
                image_record_release(&r);
        }
        image_store_free(store);
        return ret;
}
