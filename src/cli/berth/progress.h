/*
 * What pull and push show while they work, on stderr: on a terminal, one line per blob redrawn
 * in place with its progress; otherwise plain lines ("Copying blob sha256:... done"), which is
 * what scripts and logs get; nothing with -q.
 */
#pragma once
#include <stdbool.h>

#include "image/image_pull.h"

struct progress;
struct progress *progress_new(bool quiet);
/* Fills EVENTS with callbacks that draw on P. */
void progress_attach(struct progress *p, struct image_pull_events *events);
/* Prints a line (not on -q), e.g. "Writing manifest to image destination". */
void progress_say(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void progress_free(struct progress *p);
