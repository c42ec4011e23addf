/*
 * Image references in docker's grammar (distribution/reference): [domain/]path[:tag][@digest].
 * Normalisation as docker and podman do it: a first component is a domain when it contains '.'
 * or ':' or is "localhost"; otherwise the domain is docker.io, and a one-component path on
 * docker.io gets "library/"; index.docker.io is docker.io; with neither tag nor digest the tag
 * is "latest". Path components are lower-case [a-z0-9] with separators (., _, __, -+); a tag is
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; the whole name is at most 255 characters.
 */
#pragma once
#include <stdbool.h>

#include "base/error.h"

struct image_reference {
        char *domain; /* "docker.io", "127.0.0.1:5000", "localhost" (never NULL) */
        char *path;   /* "library/busybox" (never NULL) */
        char *tag;    /* "latest"; NULL only when a digest is given without a tag */
        char *digest; /* "sha256:..." validated, or NULL */
};

/* Parses and normalises TEXT into OUT (owned by OUT, freed by image_reference_release).
 * Errors: "invalid reference format \"TEXT\": <why>" (docker says "invalid reference format"). */
int image_reference_parse(const char *text, struct image_reference *out, struct error **err);
void image_reference_release(struct image_reference *ref);

/* Newly allocated strings: "docker.io/library/busybox" */
char *image_reference_repository(const struct image_reference *ref);
/* "docker.io/library/busybox:latest", "...@sha256:..", or "...:tag@sha256:.." */
char *image_reference_format(const struct image_reference *ref);
/* Whether TEXT looks like an image ID or a unique prefix of one (hex, 3..64 chars) rather than a
 * name; used by commands that accept either. */
bool image_reference_is_id_prefix(const char *text);
