/* berth-runtime: an OCI runtime with runc's command line. */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "alloc.h"
#include "cloned_binary.h"
#include "commands.h"
#include "container.h"
#include "error.h"
#include "log.h"

static const char usage_text[] =
    "usage: berth-runtime [global options] COMMAND [options] ARGS...\n"
    "\n"
    "An OCI runtime (runtime-spec " OCI_RUNTIME_SPEC_VERSION "), a drop-in for runc.\n"
    "\n"
    "Commands:\n"
    "  spec      write a default config.json into the bundle\n"
    "  create    create a container from a bundle (waits for start)\n"
    "  start     run the user process of a created container\n"
    "  exec      run a new process in a running container\n"
    "  run       create and start a container, wait for it, delete it\n"
    "  state     print the state of a container as JSON\n"
    "  list      list containers\n"
    "  kill      send a signal to a container's init process\n"
    "  delete    delete a container and everything create made\n"
    "  update    change the cgroup limits of a container\n"
    "  pause     freeze every process of a container\n"
    "  resume    thaw a paused container\n"
    "  ps        list the processes of a container\n"
    "  events    print a container's usage statistics and OOM events\n"
    "  features  print what this runtime implements as JSON\n"
    "\n"
    "Global options:\n"
    "  --root DIR          state directory (default /run/berth-runtime)\n"
    "  --log FILE          also write log messages to FILE\n"
    "  --log-format FMT    text or json (runc's JSON lines)\n"
    "  --debug             log debug messages\n"
    "  --systemd-cgroup    use the systemd cgroup driver (needs systemd)\n"
    "  -v, --version       print the version\n"
    "  -h, --help          print this help\n";

static const struct {
        const char *name;
        int (*run)(const struct runtime_options *, int, char **);
} commands[] = {
    {"spec", cmd_spec},     {"create", cmd_create}, {"run", cmd_run},
    {"start", cmd_start},   {"exec", cmd_exec},     {"state", cmd_state},
    {"list", cmd_list},     {"kill", cmd_kill},     {"delete", cmd_delete},
    {"update", cmd_update}, {"pause", cmd_pause},   {"resume", cmd_resume},
    {"ps", cmd_ps},         {"events", cmd_events}, {"features", cmd_features},
};

int cli_fail(struct error **err)
{
        log_error("%s", (*err)->msg);
        error_free(err);
        return 1;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        if (command)
                log_error("%s: %s (see berth-runtime %s --help)", command, msg, command);
        else
                log_error("%s (see berth-runtime --help)", msg);
        return 1;
}

int cli_expect_args(const char *command, int argc, char **argv, int first, int want,
                    const char *what)
{
        int have = argc - first;
        if (have < want)
                return cli_usage_error(command, "missing %s", what);
        if (have > want)
                return cli_usage_error(command, "unexpected argument %s", argv[first + want]);
        return 0;
}

int cli_bad_flag(const char *command, char **argv)
{
        const char *flag = argv[optind - 1];
        if (optopt && optopt < 256)
                return cli_usage_error(command, "unknown or incomplete flag -%c", optopt);
        return cli_usage_error(command, "unknown or incomplete flag %s", flag);
}

/* /run/berth-runtime for root; an unprivileged user gets a directory of its own, as runc
 * does ($XDG_RUNTIME_DIR/berth-runtime). */
static const char *default_root(void)
{
        if (geteuid() == 0)
                return "/run/berth-runtime";
        static char path[4096];
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && *xdg)
                snprintf(path, sizeof(path), "%s/berth-runtime", xdg);
        else
                snprintf(path, sizeof(path), "/tmp/berth-runtime-%u", (unsigned)geteuid());
        return path;
}

int main(int argc, char **argv)
{
        enum {
                OPT_ROOT = 256,
                OPT_LOG,
                OPT_LOG_FORMAT,
                OPT_DEBUG,
                OPT_SYSTEMD,
                OPT_CRIU,
                OPT_ROOTLESS
        };
        static const struct option options[] = {
            {"root", required_argument, NULL, OPT_ROOT},
            {"log", required_argument, NULL, OPT_LOG},
            {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
            {"debug", no_argument, NULL, OPT_DEBUG},
            {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
            {"criu", required_argument, NULL, OPT_CRIU},
            {"rootless", required_argument, NULL, OPT_ROOTLESS},
            {"version", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        log_set_program("berth-runtime");
        struct runtime_options rt = {.root = default_root()};
        const char *log_path = NULL;
        enum log_format format = LOG_FORMAT_TEXT;
        bool debug = false;
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "+vh", options, NULL)) != -1) {
                switch (opt) {
                case OPT_ROOT:
                        rt.root = optarg;
                        break;
                case OPT_LOG:
                        log_path = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        if (strcmp(optarg, "json") == 0)
                                format = LOG_FORMAT_JSON;
                        else if (strcmp(optarg, "text") == 0)
                                format = LOG_FORMAT_TEXT;
                        else
                                return cli_usage_error(NULL,
                                                       "--log-format: unknown format %s "
                                                       "(text or json)",
                                                       optarg);
                        break;
                case OPT_DEBUG:
                        debug = true;
                        break;
                case OPT_SYSTEMD:
                        rt.systemd_cgroup = true;
                        break;
                case OPT_CRIU:
                case OPT_ROOTLESS:
                        break; /* accepted for runc compatibility */
                case 'v':
                        printf("berth-runtime version %s\nspec: %s\n", BERTH_VERSION,
                               OCI_RUNTIME_SPEC_VERSION);
                        return 0;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        return cli_usage_error(NULL, "unknown global flag %s", argv[optind - 1]);
                }
        }
        struct error *err = NULL;
        if (log_open(log_path, format, debug, &err) < 0)
                return cli_fail(&err);
        if (optind >= argc) {
                fputs(usage_text, stderr);
                return 1;
        }
        int first = optind;
        const char *name = argv[first];
        /* Only these put the runtime's code inside a container (CVE-2019-5736). */
        if (strcmp(name, "create") == 0 || strcmp(name, "run") == 0 || strcmp(name, "exec") == 0) {
                if (cloned_binary_ensure(argv, &err) < 0)
                        return cli_fail(&err);
        }
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
                if (strcmp(name, commands[i].name) != 0)
                        continue;
                optind = 0; /* GNU getopt: start over on the command's own argv */
                int status = commands[i].run(&rt, argc - first, argv + first);
                log_close();
                return status;
        }
        return cli_usage_error(NULL, "unknown command %s", name);
}
