/* berth push: podman's command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "image/image_push.h"
#include "oci/image_reference.h"
#include "progress.h"

static const char push_help[] =
    "usage: berth push [options] IMAGE [DESTINATION]\n"
    "\n"
    "Send an image to a registry, by its name or to DESTINATION (host[:port]/path[:tag]).\n"
    "\n"
    "  -q, --quiet                    no progress output\n"
    "      --compression-format FMT   gzip or zstd: recompress layers stored otherwise\n"
    "      --chunk-size BYTES         upload blobs in chunks of BYTES (default: one request)\n"
    "      --digestfile FILE          write the pushed manifest's digest to FILE\n"
    "      --tls-verify[=BOOL]        verify TLS certificates (default: true)\n"
    "      --authfile FILE            credentials file (default: podman's auth.json)\n"
    "      --creds USER[:PASS]        credentials for this push\n";

int cmd_push(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_COMPRESSION = 256, OPT_CHUNK, OPT_DIGESTFILE };
        static const struct option options[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"compression-format", required_argument, NULL, OPT_COMPRESSION},
            {"chunk-size", required_argument, NULL, OPT_CHUNK},
            {"digestfile", required_argument, NULL, OPT_DIGESTFILE},
            CLI_REGISTRY_OPTIONS,
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        bool quiet = false;
        const char *digest_file = NULL;
        _cleanup_free_ char *user = NULL;
        struct image_push_options push = {.registry = {.tls_verify = -1}};
        int opt;
        while ((opt = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                int registry_flag = cli_registry_flag(opt, optarg, &push.registry, &user, &err);
                if (registry_flag < 0)
                        return cli_fail(&err);
                if (registry_flag > 0)
                        continue;
                switch (opt) {
                case 'q':
                        quiet = true;
                        break;
                case OPT_COMPRESSION:
                        push.recompress = true;
                        if (strcmp(optarg, "gzip") == 0)
                                push.compression = LAYER_COMPRESSION_GZIP;
                        else if (strcmp(optarg, "zstd") == 0)
                                push.compression = LAYER_COMPRESSION_ZSTD;
                        else
                                return cli_usage_error("push",
                                                       "--compression-format: unknown format "
                                                       "\"%s\" (gzip or zstd)",
                                                       optarg);
                        break;
                case OPT_CHUNK: {
                        char *end;
                        unsigned long long n = strtoull(optarg, &end, 10);
                        if (*end || n == 0)
                                return cli_usage_error("push", "--chunk-size: not a size: %s",
                                                       optarg);
                        push.chunk_size = n;
                        break;
                }
                case OPT_DIGESTFILE:
                        digest_file = optarg;
                        break;
                case 'h':
                        return cli_help(push_help);
                default:
                        return cli_bad_flag("push", argv);
                }
        }
        int n = argc - optind;
        if (n < 1 || n > 2)
                return cli_usage_error("push", n < 1 ? "missing image name" : "too many arguments");
        const char *source = argv[optind];
        const char *target = n == 2 ? argv[optind + 1] : NULL;
        if (target && strncmp(target, "docker://", 9) == 0)
                target += 9;

        struct image_store *store = NULL;
        struct image_record record = {0};
        struct image_reference dest = {0};
        struct progress *progress = progress_new(quiet);
        progress_attach(progress, &push.events);
        int ret = BERTH_EXIT_FAILURE;
        struct digest pushed;
        if (cli_open_store(g, &store, &err) < 0 || cli_find_image(store, source, &record, &err) < 0)
                goto out;
        if (!target) {
                /* The name the user gave, or the image's own first name when given an ID. */
                if (image_reference_is_id_prefix(source) && record.names && record.names[0])
                        target = record.names[0];
                else
                        target = source;
        }
        if (image_reference_parse(target, &dest, &err) < 0)
                goto out;
        progress_say(progress, "Getting image source signatures");
        if (image_push(store, &record, &dest, &push, &pushed, &err) < 0)
                goto out;
        progress_say(progress, "Writing manifest to image destination");
        if (digest_file) {
                FILE *f = fopen(digest_file, "w");
                if (!f || fprintf(f, "%s", pushed.text) < 0 || fclose(f) != 0) {
                        error_set(&err, errno, "write %s", digest_file);
                        goto out;
                }
        }
        ret = 0;
out:
        if (ret != 0)
                cli_fail(&err);
        progress_free(progress);
        image_reference_release(&dest);
        image_record_release(&record);
        if (store)
                image_store_free(store);
        return ret;
}
