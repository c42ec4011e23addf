/* Not written yet: see registries_conf.h. */
#include "registries_conf.h"
