/* Not written yet: see layer_unpack.h. */
#include "layer_unpack.h"
