/* The host's network interfaces, as far as the networks need them. */
#pragma once
#include <stdbool.h>

struct error;

/* Whether an interface NAME exists in our network namespace. */
bool network_link_exists(const char *name);
/* Deletes the Linux bridge NAME (down first, as the kernel wants); one that is not there is
 * fine. */
int network_link_delete_bridge(const char *name, struct error **err);
