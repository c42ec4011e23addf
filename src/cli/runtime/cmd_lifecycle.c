/* start, kill, delete. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "commands.h"
#include "container.h"
#include "error.h"
#include "process.h"

static const struct option help_only[] = {{"help", no_argument, NULL, 'h'}, {0}};

int cmd_start(const struct runtime_options *rt, int argc, char **argv)
{
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", help_only, NULL)) != -1) {
                if (opt == 'h') {
                        puts("usage: berth-runtime start CONTAINER-ID");
                        return 0;
                }
                return cli_bad_flag("start", argv);
        }
        if (cli_expect_args("start", argc, argv, optind, 1, "container id"))
                return 1;
        struct error *err = NULL;
        if (container_start(rt, argv[optind], &err) < 0)
                return cli_fail(&err);
        return 0;
}

int cmd_kill(const struct runtime_options *rt, int argc, char **argv)
{
        static const struct option flags[] = {
            {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool all = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "+ah", flags, NULL)) != -1) {
                if (opt == 'a')
                        all = true;
                else if (opt == 'h') {
                        puts("usage: berth-runtime kill [--all] CONTAINER-ID [SIGNAL]\n"
                             "SIGNAL is a name (KILL, SIGKILL) or a number; default TERM");
                        return 0;
                } else
                        return cli_bad_flag("kill", argv);
        }
        int have = argc - optind;
        if (have < 1 || have > 2)
                return cli_expect_args("kill", argc, argv, optind, have < 1 ? 1 : 2,
                                       "container id");
        int sig = SIGTERM;
        if (have == 2) {
                sig = signal_parse(argv[optind + 1]);
                if (sig < 0)
                        return cli_usage_error("kill", "unknown signal %s", argv[optind + 1]);
        }
        struct error *err = NULL;
        if (container_kill(rt, argv[optind], sig, all, &err) < 0)
                return cli_fail(&err);
        return 0;
}

int cmd_delete(const struct runtime_options *rt, int argc, char **argv)
{
        static const struct option flags[] = {
            {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool force = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "+fh", flags, NULL)) != -1) {
                if (opt == 'f')
                        force = true;
                else if (opt == 'h') {
                        puts("usage: berth-runtime delete [--force] CONTAINER-ID");
                        return 0;
                } else
                        return cli_bad_flag("delete", argv);
        }
        if (cli_expect_args("delete", argc, argv, optind, 1, "container id"))
                return 1;
        struct error *err = NULL;
        if (container_delete(rt, argv[optind], force, &err) < 0)
                return cli_fail(&err);
        return 0;
}
