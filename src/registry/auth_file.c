/* auth.json: podman's credential file (containers-auth.json(5)), read and written with jansson. */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_file.h"
#include "base/alloc.h"
#include "base/fs.h"

static void cleanup_jsonp(json_t **j)
{
        json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

char *auth_file_default_path(void)
{
        const char *env = getenv("REGISTRY_AUTH_FILE");
        if (env && env[0])
                return xstrdup(env);
        const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
        if (runtime_dir && runtime_dir[0])
                return xasprintf("%s/containers/auth.json", runtime_dir);
        return xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
}

/* Reads the file at PATH: its JSON object in *out, or NULL when it does not exist. */
static int read_auth_json(const char *path, json_t **out, struct error **err)
{
        *out = NULL;
        size_t len = 0;
        struct error *read_err = NULL;
        _cleanup_free_ char *text = fs_read_file(path, &len, &read_err);
        if (!text) {
                if (read_err->errnum == ENOENT) {
                        error_free(&read_err);
                        return 0;
                }
                *err = read_err;
                return -1;
        }
        if (len == 0) /* an empty file is as good as none (podman writes "{}" but users touch) */
                return 0;
        json_error_t jerr;
        json_t *doc = json_loadb(text, len, 0, &jerr);
        if (!doc)
                return error_set(err, 0, "%s: invalid JSON at line %d: %s", path, jerr.line,
                                 jerr.text);
        if (!json_is_object(doc)) {
                json_decref(doc);
                return error_set(err, 0, "%s: not a JSON object", path);
        }
        json_t *auths = json_object_get(doc, "auths");
        if (auths && !json_is_object(auths)) {
                json_decref(doc);
                return error_set(err, 0, "%s: \"auths\" is not an object", path);
        }
        *out = doc;
        return 0;
}

/* The registry part of a key as docker writes them ("https://index.docker.io/v1/" is
 * docker.io; a URL's scheme and a trailing slash are dropped), newly allocated. */
static char *normalize_key(const char *key)
{
        bool url = false;
        if (strncmp(key, "https://", 8) == 0) {
                key += 8;
                url = true;
        } else if (strncmp(key, "http://", 7) == 0) {
                key += 7;
                url = true;
        }
        /* A URL key names a registry: its path ("/v1/", "/v2/") is the API, not a namespace. */
        size_t n = url ? strcspn(key, "/") : strlen(key);
        while (n > 0 && key[n - 1] == '/')
                n--;
        _cleanup_free_ char *k = xstrndup(key, n);
        if (strcmp(k, "index.docker.io") == 0 || strcmp(k, "registry-1.docker.io") == 0)
                return xstrdup("docker.io");
        if (strncmp(k, "index.docker.io/", 16) == 0)
                return xasprintf("docker.io/%s", k + 16);
        return steal_pointer(&k);
}

static int decode_auth(const char *path, const char *key, const char *b64, char **username,
                       char **password, struct error **err)
{
        size_t len = strlen(b64);
        if (len == 0 || len % 4 != 0 || len > 65536)
                return error_set(err, 0, "%s: the credentials of \"%s\" are not base64", path, key);
        _cleanup_free_ unsigned char *raw = xmalloc(len / 4 * 3 + 1);
        int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
        if (n < 0)
                return error_set(err, 0, "%s: the credentials of \"%s\" are not base64", path, key);
        /* EVP_DecodeBlock counts the padding as data: drop one byte per '='. */
        if (b64[len - 1] == '=')
                n--;
        if (b64[len - 2] == '=')
                n--;
        raw[n] = '\0';
        char *colon = memchr(raw, ':', (size_t)n);
        if (!colon || memchr(raw, '\0', (size_t)n))
                return error_set(err, 0, "%s: the credentials of \"%s\" are not user:password",
                                 path, key);
        *username = xstrndup((char *)raw, (size_t)(colon - (char *)raw));
        *password = xstrdup(colon + 1);
        return 0;
}

/* How much of REPOSITORY the normalised KEY covers: the registry or a repository prefix at a
 * path boundary; 0 when it does not match. */
static size_t key_match(const char *key, const char *repository)
{
        size_t n = strlen(key);
        if (n == 0 || strncmp(key, repository, n) != 0)
                return 0;
        return repository[n] == '\0' || repository[n] == '/' ? n : 0;
}

static int lookup_in(const char *path, const char *repository, char **username, char **password,
                     struct error **err)
{
        _cleanup_json_ json_t *doc = NULL;
        if (read_auth_json(path, &doc, err) < 0)
                return -1;
        json_t *auths = doc ? json_object_get(doc, "auths") : NULL;
        if (!auths)
                return 0;
        const char *best_key = NULL;
        json_t *best = NULL;
        size_t best_len = 0;
        const char *key;
        json_t *value;
        json_object_foreach(auths, key, value)
        {
                _cleanup_free_ char *k = normalize_key(key);
                size_t n = key_match(k, repository);
                if (n > best_len) {
                        best_len = n;
                        best = value;
                        best_key = key;
                }
        }
        if (!best)
                return 0;
        json_t *auth = json_object_get(best, "auth");
        if (!json_is_string(auth) || json_string_length(auth) == 0)
                return 0; /* e.g. an entry for a credential helper berth does not run */
        if (decode_auth(path, best_key, json_string_value(auth), username, password, err) < 0)
                return -1;
        return 1;
}

int auth_file_lookup(const char *path, const char *repository, char **username, char **password,
                     struct error **err)
{
        *username = NULL;
        *password = NULL;
        _cleanup_free_ char *normalized = normalize_key(repository);
        if (path)
                return lookup_in(path, normalized, username, password, err);
        _cleanup_free_ char *default_path = auth_file_default_path();
        int found = lookup_in(default_path, normalized, username, password, err);
        if (found != 0)
                return found;
        const char *home = getenv("HOME");
        if (!home || !home[0])
                return 0;
        _cleanup_free_ char *docker_path = xasprintf("%s/.docker/config.json", home);
        return lookup_in(docker_path, normalized, username, password, err);
}

static int write_auth_json(const char *path, json_t *doc, struct error **err)
{
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (fs_mkdir_p(dir, 0700, err) < 0)
                        return -1;
        }
        _cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(8) | JSON_SORT_KEYS);
        if (!text)
                return error_set(err, ENOMEM, "serialise %s", path);
        size_t len = strlen(text);
        text = xrealloc(text, len + 2);
        text[len++] = '\n';
        text[len] = '\0';
        return fs_write_file_atomic(path, text, len, 0600, err);
}

/* The document at PATH (or a new empty one) with an "auths" object, for editing. */
static int load_for_edit(const char *path, json_t **doc, json_t **auths, struct error **err)
{
        if (read_auth_json(path, doc, err) < 0)
                return -1;
        if (!*doc)
                *doc = json_object();
        *auths = json_object_get(*doc, "auths");
        if (!*auths) {
                *auths = json_object();
                json_object_set_new(*doc, "auths", *auths);
        }
        return 0;
}

int auth_file_store(const char *path, const char *registry, const char *username,
                    const char *password, struct error **err)
{
        _cleanup_free_ char *default_path = path ? NULL : auth_file_default_path();
        if (!path)
                path = default_path;
        if (strchr(username, ':'))
                return error_set(err, 0, "a user name must not contain ':'");
        _cleanup_json_ json_t *doc = NULL;
        json_t *auths = NULL;
        if (load_for_edit(path, &doc, &auths, err) < 0)
                return -1;
        _cleanup_free_ char *plain = xasprintf("%s:%s", username, password);
        size_t len = strlen(plain);
        if (len > 65536)
                return error_set(err, 0, "credentials too long");
        _cleanup_free_ unsigned char *b64 = xmalloc((len + 2) / 3 * 4 + 1);
        EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)len);
        explicit_bzero(plain, len);
        _cleanup_free_ char *key = normalize_key(registry);
        json_object_set_new(auths, key, json_pack("{s:s}", "auth", (const char *)b64));
        return write_auth_json(path, doc, err);
}

int auth_file_remove(const char *path, const char *registry, struct error **err)
{
        _cleanup_free_ char *default_path = path ? NULL : auth_file_default_path();
        if (!path)
                path = default_path;
        _cleanup_json_ json_t *doc = NULL;
        if (read_auth_json(path, &doc, err) < 0)
                return -1;
        json_t *auths = doc ? json_object_get(doc, "auths") : NULL;
        if (!auths)
                return 0;
        _cleanup_free_ char *want = normalize_key(registry);
        /* Every spelling of the registry goes ("docker.io" and "https://index.docker.io/v1/"). */
        int removed = 0;
        const char *key;
        json_t *value;
        void *tmp;
        json_object_foreach_safe(auths, tmp, key, value)
        {
                (void)value;
                _cleanup_free_ char *k = normalize_key(key);
                if (strcmp(k, want) == 0) {
                        json_object_del(auths, key);
                        removed = 1;
                }
        }
        if (!removed)
                return 0;
        if (write_auth_json(path, doc, err) < 0)
                return -1;
        return 1;
}

int auth_file_remove_all(const char *path, struct error **err)
{
        _cleanup_free_ char *default_path = path ? NULL : auth_file_default_path();
        if (!path)
                path = default_path;
        _cleanup_json_ json_t *doc = NULL;
        if (read_auth_json(path, &doc, err) < 0)
                return -1;
        if (!doc)
                return 0;
        json_object_set_new(doc, "auths", json_object());
        return write_auth_json(path, doc, err);
}
