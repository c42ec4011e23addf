/*
 * Credentials in podman's auth.json (containers-auth.json(5)): {"auths": {"<registry>":
 * {"auth": base64("user:password")}}}. The default file is $REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/<uid>/auth.json; when it has no
 * entry, $HOME/.docker/config.json is read too (docker's file has the same shape). Keys may be a
 * registry ("127.0.0.1:5000") or a repository prefix ("127.0.0.1:5000/team"); the longest match
 * wins. Writes are atomic and the file is mode 0600.
 */
#pragma once
#include "base/error.h"

/* Newly allocated path of the default auth file. */
char *auth_file_default_path(void);
/* Finds credentials for REPOSITORY ("host:port/path"). Returns 1 found, 0 none, -1 error (a
 * malformed file). *username and *password are newly allocated. PATH NULL: the default. */
int auth_file_lookup(const char *path, const char *repository, char **username, char **password,
                     struct error **err);
int auth_file_store(const char *path, const char *registry, const char *username,
                    const char *password, struct error **err);
/* Returns 1 removed, 0 not logged in. */
int auth_file_remove(const char *path, const char *registry, struct error **err);
int auth_file_remove_all(const char *path, struct error **err);
