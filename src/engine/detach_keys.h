/*
 * Detach keys of `attach`, `run -it` and `start -ai`: docker's syntax and matching. A sequence
 * such as "ctrl-p,ctrl-q" (docker's default) or "ctrl-a,x" typed on the attached terminal
 * detaches the client and leaves the container running; the keys are not sent to it.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

#define DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define DETACH_KEYS_MAX     16

struct detach_keys {
        unsigned char keys[DETACH_KEYS_MAX];
        size_t n;       /* 0: detaching is disabled (an empty --detach-keys) */
        size_t matched; /* how many of keys the input has matched so far */
};

/* Parses TEXT (docker's ToBytes): a comma list of single characters and "ctrl-X", X one of
 * a-z @ [ \ ] ^ _ (case-insensitive). "" disables detaching. */
int detach_keys_parse(const char *text, struct detach_keys *out, struct error **err);

/*
 * Feeds IN (N bytes typed by the user) through the matcher. What must go to the container is
 * written to OUT (room for N + DETACH_KEYS_MAX bytes), its length in *out_len: a prefix of
 * the sequence is held back until the next byte shows whether it goes on, then released
 * (docker's escape proxy). Returns true when the whole sequence was typed: the caller
 * detaches; bytes after it are dropped.
 */
bool detach_keys_feed(struct detach_keys *k, const unsigned char *in, size_t n, unsigned char *out,
                      size_t *out_len);
