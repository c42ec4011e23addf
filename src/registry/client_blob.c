/* Not written yet: see client.h. */
#include "client.h"
