/* Not written yet: see image_store.h. */
#include "image_store.h"
