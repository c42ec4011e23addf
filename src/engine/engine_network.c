/* Container networks (engine_network.h). Only none and host exist so far: nothing to set up. */
#include "engine_network.h"

int engine_network_setup(struct engine *e, struct container_row *row, struct error **err)
{
        (void)e;
        (void)row;
        (void)err;
        return 0;
}

int engine_network_teardown(struct engine *e, const struct container_row *row, struct error **err)
{
        (void)e;
        (void)row;
        (void)err;
        return 0;
}
