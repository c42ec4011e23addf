/* Not written yet: see content_store.h. */
#include "content_store.h"
