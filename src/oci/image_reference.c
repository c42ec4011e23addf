/* Not written yet: see image_reference.h. */
#include "image_reference.h"
