/* berth container cleanup ID: the exit command a container's monitor runs (podman has the
 * same command). Not in the main help: users have no need to type it. */
#include <getopt.h>
#include <stdio.h>

#include "cli_image.h"
#include "commands.h"
#include "engine/engine.h"

static const char cleanup_help[] =
    "usage: berth container cleanup CONTAINER...\n"
    "\n"
    "What happens after a container exited: its network is torn down, then it is restarted by\n"
    "its restart policy or, with --rm, removed. The monitor runs it; a container removed\n"
    "meanwhile is not an error.\n";

int cmd_container_cleanup(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                if (opt == 'h')
                        return cli_help(cleanup_help);
                return cli_bad_flag("container cleanup", argv);
        }
        if (optind >= argc)
                return cli_usage_error("container cleanup", "requires at least 1 argument");
        struct error *err = NULL;
        struct engine *e = NULL;
        if (cli_open_engine(g, &e, &err) < 0)
                return cli_fail(&err);
        int ret = 0;
        for (int i = optind; i < argc; i++)
                if (engine_container_cleanup(e, argv[i], &err) < 0)
                        ret = cli_fail(&err);
        engine_free(e);
        return ret;
}
