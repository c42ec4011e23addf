/* create and run. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "container.h"
#include "error.h"
#include "foreground.h"
#include "log.h"

enum {
        OPT_BUNDLE = 'b',
        OPT_PID_FILE = 256,
        OPT_CONSOLE,
        OPT_NO_PIVOT,
        OPT_NO_KEYRING,
        OPT_PRESERVE,
        OPT_DETACH = 'd',
        OPT_KEEP,
        OPT_NO_SUBREAPER,
        OPT_HELP = 'h'
};

static const struct option create_flags[] = {
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
    {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"detach", no_argument, NULL, OPT_DETACH},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
    {"help", no_argument, NULL, OPT_HELP},
    {0},
};

static const char create_usage[] =
    "usage: berth-runtime create [options] CONTAINER-ID\n"
    "       berth-runtime run [options] CONTAINER-ID\n"
    "\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  --pid-file FILE          write the container's init pid to FILE\n"
    "  --console-socket PATH    unix socket that receives the pty master (terminal: true)\n"
    "  --no-pivot               use MS_MOVE and chroot instead of pivot_root\n"
    "  --no-new-keyring         keep the caller's session keyring\n"
    "  --preserve-fds N         pass N more fds (3, 4, ...) to the process\n"
    "  -d, --detach             run: return once started\n"
    "  --keep                   run: do not delete the container when it exits\n";

/* Parses the flags shared by create and run; returns 0, or the exit status to return. */
static int parse(const char *command, bool is_run, int argc, char **argv,
                 struct create_options *opts, bool *keep, int *done)
{
        int opt;
        *done = -1;
        while ((opt = getopt_long(argc, argv, "+b:dh", create_flags, NULL)) != -1) {
                switch (opt) {
                case OPT_BUNDLE:
                        opts->bundle = optarg;
                        break;
                case OPT_PID_FILE:
                        opts->pid_file = optarg;
                        break;
                case OPT_CONSOLE:
                        opts->console_socket = optarg;
                        break;
                case OPT_NO_PIVOT:
                        opts->no_pivot = true;
                        break;
                case OPT_NO_KEYRING:
                        opts->no_new_keyring = true;
                        break;
                case OPT_PRESERVE: {
                        char *end;
                        long n = strtol(optarg, &end, 10);
                        if (*end || n < 0 || n > 65536) {
                                *done = cli_usage_error(command, "--preserve-fds: not a count: %s",
                                                        optarg);
                                return 0;
                        }
                        opts->preserve_fds = (int)n;
                        break;
                }
                case OPT_DETACH:
                case OPT_KEEP:
                        if (!is_run) {
                                *done = cli_bad_flag(command, argv);
                                return 0;
                        }
                        if (opt == OPT_DETACH)
                                opts->foreground = false;
                        else
                                *keep = true;
                        break;
                case OPT_NO_SUBREAPER:
                        break;
                case OPT_HELP:
                        fputs(create_usage, stdout);
                        *done = 0;
                        return 0;
                default:
                        *done = cli_bad_flag(command, argv);
                        return 0;
                }
        }
        if (cli_expect_args(command, argc, argv, optind, 1, "container id")) {
                *done = 1;
                return 0;
        }
        opts->id = argv[optind];
        /* systemd socket activation (sd_listen_fds(3)): fds 3.. are meant for us when
         * LISTEN_PID is our pid; they go first, then --preserve-fds ones, as with runc. */
        const char *listen = getenv("LISTEN_FDS"), *listen_pid = getenv("LISTEN_PID");
        if (listen && listen_pid && atoi(listen_pid) == (int)getpid() && atoi(listen) > 0) {
                opts->listen_fds = atoi(listen);
                opts->preserve_fds += opts->listen_fds;
        }
        return 0;
}

int cmd_create(const struct runtime_options *rt, int argc, char **argv)
{
        struct create_options opts = {0};
        bool keep = false;
        int done;
        parse("create", false, argc, argv, &opts, &keep, &done);
        if (done >= 0)
                return done;
        struct error *err = NULL;
        if (container_create(rt, &opts, NULL, &err) < 0)
                return cli_fail(&err);
        return 0;
}

int cmd_run(const struct runtime_options *rt, int argc, char **argv)
{
        struct create_options opts = {.start_now = true, .foreground = true};
        bool keep = false;
        int done;
        parse("run", true, argc, argv, &opts, &keep, &done);
        if (done >= 0)
                return done;
        struct error *err = NULL;
        sigset_t forward, old;
        foreground_signal_set(&forward);
        if (opts.foreground)
                sigprocmask(SIG_BLOCK, &forward, &old);
        struct created_container created;
        if (container_create(rt, &opts, &created, &err) < 0)
                return cli_fail(&err);
        _cleanup_container_record_ struct container_record *rec = created.record;
        if (container_poststart(rt, rec, &err) < 0) {
                cli_fail(&err);
                if (!opts.foreground)
                        return 1;
        }
        if (!opts.foreground) {
                if (created.sync_fd >= 0)
                        close(created.sync_fd);
                return 0;
        }
        int status = foreground_wait(&created, &err);
        if (status < 0) {
                log_error("%s", err->msg);
                error_free(&err);
                status = 127;
        }
        if (created.sync_fd >= 0)
                close(created.sync_fd);
        if (created.pty_master >= 0)
                close(created.pty_master);
        if (!keep && container_destroy(rt, rec, &err) < 0)
                cli_fail(&err);
        return status;
}
