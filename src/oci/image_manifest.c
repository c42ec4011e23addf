/* Not written yet: see image_manifest.h. */
#include "image_manifest.h"
