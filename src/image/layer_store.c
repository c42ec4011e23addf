/* Not written yet: see layer_store.h. */
#include "layer_store.h"
