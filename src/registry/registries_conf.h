/*
 * /etc/containers/registries.conf (containers-registries.conf(5), version 2, TOML): the subset
 * berth honours — unqualified-search-registries, and [[registry]] tables with prefix, location,
 * insecure, blocked and [[registry.mirror]] (location, insecure). The longest matching prefix
 * wins, as in containers/image. A hand-written parser for this subset of TOML (tables, arrays of
 * tables, strings, booleans, string arrays, comments): berth needs nothing more and Debian has no
 * C TOML library package.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct registries_endpoint {
        char *location; /* host[:port][/path] */
        bool insecure;
};

struct registries_entry {
        char *prefix;
        struct registries_endpoint endpoint;
        bool blocked;
        struct registries_endpoint *mirrors;
        size_t n_mirrors;
};

struct registries_conf {
        char **unqualified_search; /* NULL-terminated */
        struct registries_entry *entries;
        size_t n_entries;
};

/* Loads PATH; a missing file is an empty configuration, a malformed one an error naming the file
 * and line: "registries.conf:12: expected '=' after key". */
int registries_conf_load(const char *path, struct registries_conf *out, struct error **err);
void registries_conf_release(struct registries_conf *conf);
/* The entry whose prefix best matches REPOSITORY ("127.0.0.1:5000/a/b"), or NULL. */
const struct registries_entry *registries_conf_match(const struct registries_conf *conf,
                                                     const char *repository);
