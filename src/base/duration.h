/* Durations written as Go's time.ParseDuration reads them, the syntax of docker's flags and of
 * Dockerfile options: "1m30s", "500ms", "2h", "1.5s", "0". */
#pragma once
#include <stdint.h>

#include "error.h"

/* TEXT in nanoseconds; negative, unitless (but "0") or overflowing durations are refused. */
int duration_parse(const char *text, int64_t *ns, struct error **err);
