/* Not written yet: see digest.h. */
#include "digest.h"
