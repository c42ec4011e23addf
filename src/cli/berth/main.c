/* berth: the engine's command line, with docker's and podman's verbs. */
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "base/alloc.h"
#include "base/log.h"
#include "commands.h"

static const char usage_text[] =
    "usage: berth [global options] COMMAND [options] ARGS...\n"
    "\n"
    "A daemonless container engine with docker's and podman's command line.\n"
    "\n"
    "Container commands:\n"
    "  run       create a container from an image and start it\n"
    "  create    create a container\n"
    "  start     start containers\n"
    "  stop      stop containers (stop signal, then SIGKILL)\n"
    "  kill      send a signal to containers\n"
    "  restart   stop and start containers\n"
    "  rm        remove containers\n"
    "  ps        list containers\n"
    "  logs      print a container's output\n"
    "  exec      run a command in a running container\n"
    "  wait      wait for containers to exit, print their exit codes\n"
    "  container manage containers (ls, inspect, rm, start, stop, ...)\n"
    "  inspect   print containers' or images' details as JSON\n"
    "  rename    rename a container\n"
    "  pause     freeze containers' processes\n"
    "  unpause   thaw paused containers\n"
    "  top       show a container's processes\n"
    "  port      list a container's published ports\n"
    "  volume    manage volumes (create, ls, inspect, rm, prune)\n"
    "  network   manage networks (create, ls, inspect, rm, connect, disconnect, prune)\n"
    "  info      show a summary of the engine and the host\n"
    "  attach    attach to a running container (detach: ctrl-p,ctrl-q)\n"
    "  cp        copy files between a container and the host\n"
    "  stats     show containers' CPU, memory, network and block I/O use\n"
    "  system    disk usage (df), prune, info\n"
    "  healthcheck run CONTAINER   run a container's healthcheck once\n"
    "\n"
    "Image commands:\n"
    "  pull      fetch an image from a registry\n"
    "  push      send an image to a registry\n"
    "  images    list images\n"
    "  image     manage images (ls, inspect, history, prune, mount, umount, rm, tag, ...)\n"
    "  history   show the layers an image was built from\n"
    "  tag       give an image another name\n"
    "  rmi       remove images\n"
    "  save      write images to an OCI layout or docker-archive tar\n"
    "  load      read images from an OCI layout or docker-archive tar\n"
    "  import    make an image from a root filesystem tar\n"
    "  login     store credentials for a registry\n"
    "  logout    remove stored credentials\n"
    "  registry  run a registry server (serve) and collect its garbage (gc)\n"
    "  version   print the version\n"
    "\n"
    "Global options:\n"
    "  --root DIR        image and container storage (default /var/lib/berth)\n"
    "  --runroot DIR     runtime state (default /run/berth)\n"
    "  --log-level LVL   error, warn, info or debug (default warn)\n"
    "  --debug           same as --log-level debug\n"
    "  -v, --version     print the version\n"
    "  -h, --help        print this help\n";

static const struct {
        const char *name;
        int (*run)(const struct berth_globals *, int, char **);
} commands[] = {
    {"pull", cmd_pull},
    {"push", cmd_push},
    {"images", cmd_images},
    {"image", cmd_image},
    {"inspect", cmd_inspect},
    {"history", cmd_image_history},
    {"run", cmd_run},
    {"create", cmd_create},
    {"start", cmd_start},
    {"stop", cmd_stop},
    {"kill", cmd_kill},
    {"restart", cmd_restart},
    {"rm", cmd_rm},
    {"wait", cmd_wait},
    {"ps", cmd_ps},
    {"logs", cmd_logs},
    {"exec", cmd_exec},
    {"container", cmd_container},
    {"tag", cmd_tag},
    {"rmi", cmd_rmi},
    {"save", cmd_save},
    {"load", cmd_load},
    {"import", cmd_import},
    {"login", cmd_login},
    {"logout", cmd_logout},
    {"version", cmd_version},
    {"volume", cmd_volume},
    {"rename", cmd_rename},
    {"pause", cmd_pause},
    {"unpause", cmd_unpause},
    {"top", cmd_top},
    {"port", cmd_port},
    {"info", cmd_info},
    {"network", cmd_network},
    {"registry", cmd_registry},
    {"attach", cmd_attach},
    {"cp", cmd_cp},
    {"stats", cmd_stats},
    {"system", cmd_system},
    {"healthcheck", cmd_healthcheck},
};

/* `berth image SUBCOMMAND`: podman's names, with docker's aliases. */
static const struct {
        const char *name;
        int (*run)(const struct berth_globals *, int, char **);
} image_commands[] = {
    {"ls", cmd_images},
    {"list", cmd_images},
    {"pull", cmd_pull},
    {"push", cmd_push},
    {"inspect", cmd_inspect},
    {"history", cmd_image_history},
    {"run", cmd_run},
    {"create", cmd_create},
    {"start", cmd_start},
    {"stop", cmd_stop},
    {"kill", cmd_kill},
    {"restart", cmd_restart},
    {"rm", cmd_rm},
    {"wait", cmd_wait},
    {"ps", cmd_ps},
    {"logs", cmd_logs},
    {"exec", cmd_exec},
    {"container", cmd_container},
    {"prune", cmd_image_prune},
    {"mount", cmd_image_mount},
    {"umount", cmd_image_umount},
    {"unmount", cmd_image_umount},
    {"rm", cmd_rmi},
    {"remove", cmd_rmi},
    {"tag", cmd_tag},
    {"save", cmd_save},
    {"load", cmd_load},
    {"import", cmd_import},
};

int cli_fail(struct error **err)
{
        /* One line, whatever hostile text (a tar entry name, a registry's message) the
         * error quotes: control characters become '?'. */
        for (char *c = (*err)->msg; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                        *c = '?';
        log_error("%s", (*err)->msg);
        error_free(err);
        return BERTH_EXIT_FAILURE;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        if (command)
                log_error("%s: %s (see berth %s --help)", command, msg, command);
        else
                log_error("%s (see berth --help)", msg);
        return BERTH_EXIT_FAILURE;
}

int cli_bad_flag(const char *command, char **argv)
{
        if (optopt && optopt < 256)
                return cli_usage_error(command, "unknown shorthand flag: '%c'", optopt);
        return cli_usage_error(command, "unknown flag: %s", argv[optind - 1]);
}

int cli_help(const char *text)
{
        fputs(text, stdout);
        return 0;
}

static int run_from(const char *what, const char *name, int argc, char **argv,
                    const struct berth_globals *g, size_t n, const __typeof__(commands[0]) *table)
{
        for (size_t i = 0; i < n; i++) {
                if (strcmp(name, table[i].name) != 0)
                        continue;
                optind = 0; /* GNU getopt: start over on the command's own argv */
                opterr = 0;
                return table[i].run(g, argc, argv);
        }
        return cli_usage_error(NULL, "unknown %s \"%s\"", what, name);
}

int cmd_image(const struct berth_globals *g, int argc, char **argv)
{
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs("usage: berth image SUBCOMMAND [options] ARGS...\n"
                      "Subcommands: ls, pull, push, inspect, history, prune, mount, umount, rm,\n"
                      "tag, save, load, import\n",
                      argc < 2 ? stderr : stdout);
                return argc < 2 ? BERTH_EXIT_FAILURE : 0;
        }
        return run_from("image command", argv[1], argc - 1, argv + 1, g, ARRAY_SIZE(image_commands),
                        (const __typeof__(commands[0]) *)image_commands);
}

/* `berth container SUBCOMMAND`: docker's names. */
static const struct {
        const char *name;
        int (*run)(const struct berth_globals *, int, char **);
} container_commands[] = {
    {"ls", cmd_ps},
    {"list", cmd_ps},
    {"ps", cmd_ps},
    {"run", cmd_run},
    {"create", cmd_create},
    {"start", cmd_start},
    {"stop", cmd_stop},
    {"kill", cmd_kill},
    {"restart", cmd_restart},
    {"rm", cmd_rm},
    {"remove", cmd_rm},
    {"wait", cmd_wait},
    {"logs", cmd_logs},
    {"exec", cmd_exec},
    {"inspect", cmd_container_inspect},
    {"rename", cmd_rename},
    {"pause", cmd_pause},
    {"unpause", cmd_unpause},
    {"top", cmd_top},
    {"port", cmd_port},
    {"prune", cmd_container_prune},
    {"cleanup", cmd_container_cleanup},
    {"attach", cmd_attach},
    {"cp", cmd_cp},
    {"stats", cmd_stats},
};

int cmd_container(const struct berth_globals *g, int argc, char **argv)
{
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs("usage: berth container SUBCOMMAND [options] ARGS...\n"
                      "Subcommands: ls, run, create, start, stop, kill, restart, rm, wait, logs,\n"
                      "exec, inspect, rename, pause, unpause, top, port, prune\n",
                      argc < 2 ? stderr : stdout);
                return argc < 2 ? BERTH_EXIT_FAILURE : 0;
        }
        return run_from("container command", argv[1], argc - 1, argv + 1, g,
                        ARRAY_SIZE(container_commands),
                        (const __typeof__(commands[0]) *)container_commands);
}

int main(int argc, char **argv)
{
        enum { OPT_ROOT = 256, OPT_RUNROOT, OPT_LOG_LEVEL, OPT_DEBUG };
        static const struct option options[] = {
            {"root", required_argument, NULL, OPT_ROOT},
            {"runroot", required_argument, NULL, OPT_RUNROOT},
            {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
            {"debug", no_argument, NULL, OPT_DEBUG},
            {"version", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        log_set_program("berth");
        /* A closed pipe (an unpacker that stopped, a registry that hung up, `berth images | head`)
         * is an error to report where it happens, not a reason to die. */
        signal(SIGPIPE, SIG_IGN);
        /* Layer entry names are bytes, which libarchive converts to the locale's charset: in
         * UTF-8 that conversion is the identity, so no name is refused or mangled. */
        if (!setlocale(LC_CTYPE, "C.UTF-8"))
                setlocale(LC_CTYPE, "");
        struct berth_globals g = {.root = "/var/lib/berth", .runroot = "/run/berth"};
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "+vh", options, NULL)) != -1) {
                switch (opt) {
                case OPT_ROOT:
                        g.root = optarg;
                        break;
                case OPT_RUNROOT:
                        g.runroot = optarg;
                        break;
                case OPT_LOG_LEVEL:
                        if (strcmp(optarg, "debug") == 0)
                                g.debug = true;
                        else if (strcmp(optarg, "error") != 0 && strcmp(optarg, "warn") != 0 &&
                                 strcmp(optarg, "info") != 0)
                                return cli_usage_error(NULL,
                                                       "--log-level: unknown level \"%s\" "
                                                       "(error, warn, info or debug)",
                                                       optarg);
                        break;
                case OPT_DEBUG:
                        g.debug = true;
                        break;
                case 'v':
                        return cmd_version(&g, 0, NULL);
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        return cli_bad_flag(NULL, argv);
                }
        }
        struct error *err = NULL;
        if (log_open(NULL, LOG_FORMAT_TEXT, g.debug, &err) < 0)
                return cli_fail(&err);
        if (optind >= argc) {
                fputs(usage_text, stderr);
                return BERTH_EXIT_FAILURE;
        }
        int first = optind;
        return run_from("command", argv[first], argc - first, argv + first, &g,
                        ARRAY_SIZE(commands), commands);
}
