/* berth pull: podman's command line. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "image/image_pull.h"
#include "oci/image_reference.h"
#include "progress.h"

static const char pull_help[] =
    "usage: berth pull [options] IMAGE\n"
    "\n"
    "Fetch an image from a registry (docker reference grammar: busybox, library/busybox:1,\n"
    "host:port/a/b:tag, name@sha256:...). Prints the image ID on stdout.\n"
    "\n"
    "  -q, --quiet               no progress output\n"
    "      --platform OS/ARCH[/VARIANT]  the platform to choose from an index (default: host)\n"
    "      --arch ARCH, --os OS, --variant V  the same, one part at a time\n"
    "      --tls-verify[=BOOL]   verify TLS certificates (default: from registries.conf, true)\n"
    "      --authfile FILE       credentials file (default: podman's auth.json)\n"
    "      --creds USER[:PASS]   credentials for this pull\n";

int cmd_pull(const struct berth_globals *g, int argc, char **argv)
{
        enum {
                OPT_PLATFORM = 256,
                OPT_ARCH,
                OPT_OS,
                OPT_VARIANT,
                OPT_TLS,
                OPT_AUTHFILE,
                OPT_CREDS
        };
        static const struct option options[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"platform", required_argument, NULL, OPT_PLATFORM},
            {"arch", required_argument, NULL, OPT_ARCH},
            {"os", required_argument, NULL, OPT_OS},
            {"variant", required_argument, NULL, OPT_VARIANT},
            CLI_REGISTRY_OPTIONS,
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct error *err = NULL;
        bool quiet = false;
        const char *platform_text = NULL, *arch = NULL, *os = NULL, *variant = NULL;
        _cleanup_free_ char *user = NULL;
        struct image_pull_options pull = {.registry = {.tls_verify = -1}};
        int opt;
        while ((opt = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                int registry_flag = cli_registry_flag(opt, optarg, &pull.registry, &user, &err);
                if (registry_flag < 0)
                        return cli_fail(&err);
                if (registry_flag > 0)
                        continue;
                switch (opt) {
                case 'q':
                        quiet = true;
                        break;
                case OPT_PLATFORM:
                        platform_text = optarg;
                        break;
                case OPT_ARCH:
                        arch = optarg;
                        break;
                case OPT_OS:
                        os = optarg;
                        break;
                case OPT_VARIANT:
                        variant = optarg;
                        break;
                case 'h':
                        return cli_help(pull_help);
                default:
                        return cli_bad_flag("pull", argv);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("pull", argc - optind < 1 ? "missing image name"
                                                                 : "too many arguments");
        const char *text = argv[optind];
        if (strncmp(text, "docker://", 9) == 0)
                text += 9;

        struct oci_platform platform = {0};
        if (platform_text) {
                if (oci_platform_parse(platform_text, &platform, &err) < 0)
                        return cli_fail(&err);
        } else if (arch || os || variant) {
                oci_platform_host(&platform);
                if (arch) {
                        free(platform.architecture);
                        platform.architecture = xstrdup(arch);
                        free(platform.variant);
                        platform.variant = NULL;
                }
                if (os) {
                        free(platform.os);
                        platform.os = xstrdup(os);
                }
                if (variant) {
                        free(platform.variant);
                        platform.variant = xstrdup(variant);
                }
        }
        if (platform.architecture)
                pull.platform = &platform;

        struct image_reference ref = {0};
        if (image_reference_parse(text, &ref, &err) < 0) {
                oci_platform_release(&platform);
                return cli_fail(&err);
        }
        struct image_store *store = NULL;
        struct progress *progress = progress_new(quiet);
        progress_attach(progress, &pull.events);
        int ret = BERTH_EXIT_FAILURE;
        struct digest id;
        if (cli_open_store(g, &store, &err) == 0) {
                _cleanup_free_ char *full = image_reference_format(&ref);
                progress_say(progress, "Trying to pull %s...", full);
                if (image_pull(store, &ref, &pull, &id, &err) == 0) {
                        progress_say(progress, "Writing manifest to image destination");
                        printf("%s\n", digest_hex(&id));
                        ret = 0;
                }
        }
        if (ret != 0)
                cli_fail(&err);
        progress_free(progress);
        if (store)
                image_store_free(store);
        image_reference_release(&ref);
        oci_platform_release(&platform);
        return ret;
}
