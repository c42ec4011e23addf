/* Not written yet: see image_db.h. */
#include "image_db.h"
