/* berth healthcheck run CONTAINER: podman's command, run by the monitor at the interval. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_image.h"
#include "commands.h"
#include "engine/engine.h"

static const char healthcheck_help[] =
    "usage: berth healthcheck run CONTAINER\n"
    "\n"
    "Run the container's healthcheck once and record the result (inspect's State.Health).\n"
    "Exit status: 0 the check passed, 1 it failed (\"unhealthy\" is printed), 125 it could\n"
    "not run (no healthcheck, container not running).\n";

int cmd_healthcheck(const struct berth_globals *g, int argc, char **argv)
{
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(healthcheck_help, argc < 2 ? stderr : stdout);
                return argc < 2 ? BERTH_EXIT_FAILURE : 0;
        }
        if (strcmp(argv[1], "run") != 0)
                return cli_usage_error("healthcheck", "unknown subcommand \"%s\"", argv[1]);
        argc--;
        argv++;
        static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                if (opt == 'h')
                        return cli_help(healthcheck_help);
                return cli_bad_flag("healthcheck run", argv);
        }
        if (argc - optind != 1)
                return cli_usage_error("healthcheck run", "requires exactly 1 argument");
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row row = {0};
        bool passed = false;
        int ret = 0;
        if (cli_open_engine(g, &e, &err) < 0 || cli_find_container(e, argv[optind], &row, &err) < 0)
                ret = cli_fail(&err);
        else {
                engine_use_runtime_of(e, &row);
                if (engine_container_healthcheck(e, &row, &passed, &err) < 0)
                        ret = cli_fail(&err);
                else if (!passed) {
                        printf("unhealthy\n");
                        ret = 1;
                }
        }
        container_row_release(&row);
        engine_free(e);
        return ret;
}
