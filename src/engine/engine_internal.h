/* What the engine's files share and nobody else needs. */
#pragma once
#include "engine.h"

/* Runs `RUNTIME --root RUNTIME_ROOT ARGS...` (ARGS NULL-terminated) and waits for it. Its stdout
 * in *output and stderr in *errors when those are not NULL (newly allocated). A non-zero exit is
 * an error carrying the runtime's last line of stderr. */
int engine_runtime(struct engine *e, const char *const *args, char **output, char **errors,
                   struct error **err);
