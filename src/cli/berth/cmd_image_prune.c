/* Not written yet. */
#include "commands.h"

int cmd_image_prune(const struct berth_globals *g, int argc, char **argv)
{
        (void)g;
        (void)argc;
        return cli_usage_error(argv[0], "not implemented yet");
}

