/* berth registry serve: the distribution-spec registry server (docs/registry.md). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "commands.h"
#include "registry_server/registry_server.h"

static const char registry_help[] =
    "usage: berth registry serve [--addr HOST:PORT] [--storage DIR] [--config FILE] [options]\n"
    "\n"
    "Serve an OCI distribution-spec registry (docker, podman, skopeo, containerd and berth\n"
    "push to it and pull from it). Plain HTTP; stops on SIGINT or SIGTERM.\n"
    "\n"
    "Options (they override the config file):\n"
    "  --addr HOST:PORT     listen address (default 127.0.0.1:5000; :PORT for every address)\n"
    "  --storage DIR        blobs and records (default /var/lib/berth-registry)\n"
    "  --config FILE        YAML settings (see docs/registry.md)\n"
    "  --read-only          refuse pushes and deletes\n"
    "  --delete-enabled     allow DELETE of blobs, manifests and tags\n"
    "  --access-log FILE    one line per request (- stderr, the default; \"\" none)\n"
    "  --log-format FMT     json (default) or logfmt\n"
    "  --threads N          worker threads (default 8)\n";

static int registry_serve(int argc, char **argv)
{
        enum {
                OPT_ADDR = 256,
                OPT_STORAGE,
                OPT_CONFIG,
                OPT_READ_ONLY,
                OPT_DELETE,
                OPT_LOG,
                OPT_LOG_FORMAT,
                OPT_THREADS
        };
        static const struct option options[] = {
            {"addr", required_argument, NULL, OPT_ADDR},
            {"storage", required_argument, NULL, OPT_STORAGE},
            {"config", required_argument, NULL, OPT_CONFIG},
            {"read-only", no_argument, NULL, OPT_READ_ONLY},
            {"delete-enabled", no_argument, NULL, OPT_DELETE},
            {"access-log", required_argument, NULL, OPT_LOG},
            {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
            {"threads", required_argument, NULL, OPT_THREADS},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        /* Flags override the file: read them first, apply them after loading it. */
        const char *addr = NULL, *storage = NULL, *config = NULL, *log = NULL, *format = NULL;
        const char *threads = NULL;
        bool read_only = false, delete_enabled = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                switch (opt) {
                case OPT_ADDR:
                        addr = optarg;
                        break;
                case OPT_STORAGE:
                        storage = optarg;
                        break;
                case OPT_CONFIG:
                        config = optarg;
                        break;
                case OPT_READ_ONLY:
                        read_only = true;
                        break;
                case OPT_DELETE:
                        delete_enabled = true;
                        break;
                case OPT_LOG:
                        log = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        format = optarg;
                        break;
                case OPT_THREADS:
                        threads = optarg;
                        break;
                case 'h':
                        return cli_help(registry_help);
                default:
                        return cli_bad_flag("registry serve", argv);
                }
        }
        if (optind != argc)
                return cli_usage_error("registry serve", "unexpected argument \"%s\"",
                                       argv[optind]);
        struct registry_server_config c;
        registry_server_config_init(&c);
        struct error *err = NULL;
        int rc = 0;
        if (config && registry_server_config_load(&c, config, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
        }
        if (addr) {
                free(c.addr);
                c.addr = xstrdup(addr);
        }
        if (storage) {
                free(c.storage);
                c.storage = xstrdup(storage);
        }
        if (log) {
                free(c.access_log);
                c.access_log = xstrdup(log);
        }
        if (format && strcmp(format, "json") == 0) {
                c.access_log_format = ACCESS_LOG_JSON;
        } else if (format && strcmp(format, "logfmt") == 0) {
                c.access_log_format = ACCESS_LOG_LOGFMT;
        } else if (format) {
                rc = cli_usage_error("registry serve", "--log-format: \"%s\" is not json or logfmt",
                                     format);
                goto out;
        }
        if (threads) {
                char *end = NULL;
                unsigned long n = strtoul(threads, &end, 10);
                if (end == threads || *end || n == 0 || n > 1024) {
                        rc = cli_usage_error("registry serve",
                                             "--threads: \"%s\" is not a number from 1 to 1024",
                                             threads);
                        goto out;
                }
                c.threads = (unsigned)n;
        }
        c.read_only = c.read_only || read_only;
        c.delete_enabled = c.delete_enabled || delete_enabled;
        if (registry_server_serve(&c, &err) < 0)
                rc = cli_fail(&err);
out:
        registry_server_config_release(&c);
        return rc;
}

int cmd_registry(const struct berth_globals *g, int argc, char **argv)
{
        (void)g;
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(registry_help, argc < 2 ? stderr : stdout);
                return argc < 2 ? BERTH_EXIT_FAILURE : 0;
        }
        if (strcmp(argv[1], "serve") == 0)
                return registry_serve(argc - 1, argv + 1);
        return cli_usage_error("registry", "unknown registry command \"%s\"", argv[1]);
}
