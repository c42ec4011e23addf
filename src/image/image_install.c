/* Not written yet: see image_install.h. */
#include "image_install.h"
