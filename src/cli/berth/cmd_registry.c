/* berth registry serve: the distribution-spec registry server (docs/registry.md). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "commands.h"
#include "registry_server/registry_server.h"

static const char registry_help[] =
    "usage: berth registry serve [--addr HOST:PORT] [--storage DIR] [--config FILE] [options]\n"
    "       berth registry gc --storage DIR [--config FILE] [--grace-period DURATION] [--dry-run]\n"
    "\n"
    "Serve an OCI distribution-spec registry (docker, podman, skopeo, containerd and berth\n"
    "push to it and pull from it); stops on SIGINT or SIGTERM. gc removes blobs no manifest\n"
    "references (safe while the registry serves; younger than the grace period are kept).\n"
    "\n"
    "Options (they override the config file):\n"
    "  --addr HOST:PORT     listen address (default 127.0.0.1:5000; :PORT for every address)\n"
    "  --storage DIR        blobs and records (default /var/lib/berth-registry)\n"
    "  --config FILE        YAML settings (see docs/registry.md)\n"
    "  --read-only          refuse pushes and deletes\n"
    "  --delete-enabled     allow DELETE of blobs, manifests and tags\n"
    "  --access-log FILE    one line per request (- stderr, the default; \"\" none)\n"
    "  --log-format FMT     json (default) or logfmt\n"
    "  --threads N          worker threads (default 8)\n"
    "  --tls-cert FILE      serve https with this PEM certificate chain\n"
    "  --tls-key FILE       and this PEM key\n"
    "  --htpasswd FILE      basic auth with the bcrypt users of FILE (htpasswd -B)\n"
    "  --grace-period D     gc: keep blobs and links younger than D (default 1h; 90s, 15m, 2h)\n"
    "  --dry-run            gc: count what would go, remove nothing\n";

/* A flag's VALUE, when given, in place of the config file's *SETTING. */
static void override_setting(char **setting, const char *value)
{
        if (!value)
                return;
        free(*setting);
        *setting = xstrdup(value);
}

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
                OPT_THREADS,
                OPT_TLS_CERT,
                OPT_TLS_KEY,
                OPT_HTPASSWD
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
            {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
            {"tls-key", required_argument, NULL, OPT_TLS_KEY},
            {"htpasswd", required_argument, NULL, OPT_HTPASSWD},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        /* Flags override the file: read them first, apply them after loading it. */
        const char *addr = NULL, *storage = NULL, *config = NULL, *log = NULL, *format = NULL;
        const char *threads = NULL, *tls_cert = NULL, *tls_key = NULL, *htpasswd = NULL;
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
                case OPT_TLS_CERT:
                        tls_cert = optarg;
                        break;
                case OPT_TLS_KEY:
                        tls_key = optarg;
                        break;
                case OPT_HTPASSWD:
                        htpasswd = optarg;
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
        override_setting(&c.addr, addr);
        override_setting(&c.storage, storage);
        override_setting(&c.access_log, log);
        override_setting(&c.tls_certificate, tls_cert);
        override_setting(&c.tls_key, tls_key);
        override_setting(&c.htpasswd_path, htpasswd);
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

/* "90", "90s", "15m", "2h", "1d" into seconds. */
static bool duration_parse(const char *text, unsigned *out)
{
        char *end = NULL;
        unsigned long long v = strtoull(text, &end, 10);
        unsigned long long mult = 1;
        if (end == text || text[0] == '-')
                return false;
        if (*end == 'm')
                mult = 60;
        else if (*end == 'h')
                mult = 3600;
        else if (*end == 'd')
                mult = 86400;
        else if (*end != 's' && *end != '\0')
                return false;
        if (*end != '\0' && end[1] != '\0')
                return false;
        if (v > UINT32_MAX / mult)
                return false;
        *out = (unsigned)(v * mult);
        return true;
}

static int registry_gc(int argc, char **argv)
{
        enum { OPT_STORAGE = 256, OPT_CONFIG, OPT_GRACE, OPT_DRY_RUN };
        static const struct option options[] = {
            {"storage", required_argument, NULL, OPT_STORAGE},
            {"config", required_argument, NULL, OPT_CONFIG},
            {"grace-period", required_argument, NULL, OPT_GRACE},
            {"dry-run", no_argument, NULL, OPT_DRY_RUN},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        const char *storage = NULL, *config = NULL, *grace = NULL;
        bool dry_run = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                switch (opt) {
                case OPT_STORAGE:
                        storage = optarg;
                        break;
                case OPT_CONFIG:
                        config = optarg;
                        break;
                case OPT_GRACE:
                        grace = optarg;
                        break;
                case OPT_DRY_RUN:
                        dry_run = true;
                        break;
                case 'h':
                        return cli_help(registry_help);
                default:
                        return cli_bad_flag("registry gc", argv);
                }
        }
        if (optind != argc)
                return cli_usage_error("registry gc", "unexpected argument \"%s\"", argv[optind]);
        struct registry_server_config c;
        registry_server_config_init(&c);
        struct error *err = NULL;
        struct registry_gc_report report;
        int rc = 0;
        if (config && registry_server_config_load(&c, config, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
        }
        override_setting(&c.storage, storage);
        if (grace && !duration_parse(grace, &c.gc_grace_period)) {
                rc = cli_usage_error("registry gc", "--grace-period: \"%s\" is not a duration",
                                     grace);
                goto out;
        }
        if (registry_gc_storage(c.storage, c.gc_grace_period, dry_run, &report, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
        }
        printf("%s%" PRIu64 " blobs (%" PRIu64 " bytes) and %" PRIu64
               " repository links removed, %" PRIu64 " blobs kept, %" PRIu64
               " upload leftovers removed\n",
               dry_run ? "dry run: would be " : "", report.blobs_removed, report.bytes_removed,
               report.links_removed, report.blobs_kept, report.partials_removed);
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
        if (strcmp(argv[1], "gc") == 0)
                return registry_gc(argc - 1, argv + 1);
        return cli_usage_error("registry", "unknown registry command \"%s\"", argv[1]);
}
