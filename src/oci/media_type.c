/* Not written yet: see media_type.h. */
#include "media_type.h"
