/* berth import: podman's command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "image/image_archive.h"
#include "oci/image_reference.h"

static const char import_help[] =
    "usage: berth import [options] FILE|- [NAME[:TAG]]\n"
    "\n"
    "Make a one-layer image from a root filesystem tar (plain, gzip, zstd, xz or bzip2).\n"
    "Prints the image ID.\n"
    "\n"
    "  -c, --change INSTRUCTION   apply a Dockerfile instruction to the config: CMD,\n"
    "                             ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER,\n"
    "                             VOLUME, WORKDIR (\"CMD [\\\"sh\\\"]\" or \"CMD=sh\")\n"
    "  -m, --message TEXT         the history comment\n"
    "  -q, --quiet                no progress output\n";

int cmd_import(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"change", required_argument, NULL, 'c'},
            {"message", required_argument, NULL, 'm'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        _cleanup_free_ const char **changes = NULL;
        size_t n_changes = 0;
        const char *message = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "c:m:qh", options, NULL)) != -1) {
                switch (opt) {
                case 'c':
                        changes = xrealloc(changes, (n_changes + 1) * sizeof(*changes));
                        changes[n_changes++] = optarg;
                        break;
                case 'm':
                        message = optarg;
                        break;
                case 'q':
                        break;
                case 'h':
                        return cli_help(import_help);
                default:
                        return cli_bad_flag("import", argv);
                }
        }
        if (argc - optind < 1)
                return cli_usage_error("import", "need a file to import (or - for stdin)");
        if (argc - optind > 2)
                return cli_usage_error("import", "too many arguments");
        const char *source = argv[optind];
        _cleanup_free_ char *name = NULL;
        if (argc - optind == 2) {
                struct image_reference ref = {0};
                if (image_reference_parse(argv[optind + 1], &ref, &err) < 0)
                        return cli_fail(&err);
                if (ref.digest) {
                        image_reference_release(&ref);
                        return cli_usage_error("import", "%s: a name cannot have a digest",
                                               argv[optind + 1]);
                }
                name = image_reference_format(&ref);
                image_reference_release(&ref);
        }
        _cleanup_close_ int fd = -1;
        if (strcmp(source, "-") != 0) {
                fd = open(source, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        error_set(&err, errno, "open %s", source);
                        return cli_fail(&err);
                }
        }
        struct image_import_options import = {
            .changes = changes,
            .n_changes = n_changes,
            .message = message,
            .name = name,
        };
        struct image_store *store = NULL;
        struct digest id;
        int ret = BERTH_EXIT_FAILURE;
        if (cli_open_store(g, &store, &err) == 0 && image_store_lock(store, false, &err) == 0 &&
            image_import(store, fd >= 0 ? fd : STDIN_FILENO, &import, &id, &err) == 0) {
                /* podman prints the ID with its algorithm */
                printf("%s\n", id.text);
                ret = 0;
        }
        if (ret != 0)
                cli_fail(&err);
        if (store)
                image_store_free(store);
        return ret;
}
