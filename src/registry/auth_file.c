/* Not written yet: see auth_file.h. */
#include "auth_file.h"
