/* Not written yet: see compression.h. */
#include "compression.h"
