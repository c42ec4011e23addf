/* Container networks (engine_network.h). Only none and host exist so far: nothing to set up. */
#include <string.h>

#include "engine_network.h"

bool engine_network_needs_teardown(const struct container_row *row)
{
        const char *network =
            json_string_value(json_object_get(json_object_get(row->data, "options"), "network"));
        return network && strcmp(network, "none") != 0 && strcmp(network, "host") != 0;
}

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
