/*
 * -v/--volume, --mount and --tmpfs as docker reads them (volume/mounts/linux_parser.go, the
 * CLI's opts/mount.go), and the config.json mounts they become.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "container_config.h"
#include "container_config_internal.h"
#include "volumes.h"
#include "error.h"

static const char *const propagation_modes[] = {"private", "rprivate", "shared",
                                                "rshared", "slave",    "rslave"};

/* Flags that tmpfs takes, each with its opposite: giving one removes the other. */
static const char *const tmpfs_flag_pairs[][2] = {
    {"ro", "rw"},
    {"exec", "noexec"},
    {"suid", "nosuid"},
    {"dev", "nodev"},
    {"atime", "noatime"},
    {"diratime", "nodiratime"},
    {"relatime", "norelatime"},
    {"strictatime", "nostrictatime"},
    {"sync", "async"},
    {"dirsync", ""},
    {"mand", "nomand"},
    {"tmpcopyup", "notmpcopyup"},
};
static const char *const tmpfs_keys[] = {"size",      "mode",      "uid", "gid",
                                         "nr_inodes", "nr_blocks", "mpol"};

void engine_mount_release(struct engine_mount *mount)
{
        free(mount->source);
        free(mount->volume_path);
        free(mount->destination);
        free(mount->propagation);
        for (size_t i = 0; i < mount->n_options; i++)
                free(mount->options[i]);
        free(mount->options);
        *mount = (struct engine_mount){0};
}

static bool is_one_of(const char *s, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, list[i]) == 0)
                        return true;
        return false;
}

/* Lexical clean of an absolute path (Go's filepath.Clean): no "//", ".", "..", trailing "/". */
static char *path_clean(const char *path)
{
        size_t len = strlen(path);
        char *out = xmalloc(len + 2);
        size_t n = 0;
        out[n++] = '/';
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t part = (size_t)(end - p);
                if (part == 0 || (part == 1 && p[0] == '.')) {
                } else if (part == 2 && p[0] == '.' && p[1] == '.') {
                        while (n > 1 && out[n - 1] != '/')
                                n--;
                        if (n > 1)
                                n--;
                } else {
                        if (n > 1)
                                out[n++] = '/';
                        memcpy(out + n, p, part);
                        n += part;
                }
                p = end;
        }
        out[n] = '\0';
        return out;
}

static const char *type_name(enum engine_mount_type type)
{
        return type == ENGINE_MOUNT_BIND     ? "bind"
               : type == ENGINE_MOUNT_VOLUME ? "volume"
                                             : "tmpfs";
}

/* docker's destination checks; on success the destination is cleaned. */
static int check_destination(struct engine_mount *m, struct error **err)
{
        if (m->destination == NULL || *m->destination == '\0')
                return error_set(
                    err, 0, "invalid mount config for type \"%s\": field Target must not be empty",
                    type_name(m->type));
        if (m->destination[0] != '/')
                return error_set(err, 0,
                                 "invalid mount config for type \"%s\": invalid mount path: '%s' "
                                 "mount path must be absolute",
                                 type_name(m->type), m->destination);
        char *clean = path_clean(m->destination);
        free(m->destination);
        m->destination = clean;
        if (strcmp(clean, "/") == 0)
                return error_set(err, 0, "invalid specification: destination can't be '/'");
        return 0;
}

/* A -v mode list ("ro,z"); false when docker's ValidMountMode would refuse it. */
static bool apply_volume_modes(const char *modes, struct engine_mount *m)
{
        int rw = 0, label = 0, propagation = 0, copy = 0, consistency = 0;
        _cleanup_free_ char *copy_text = xstrdup(modes);
        char *save = NULL;
        for (char *mode = strtok_r(copy_text, ",", &save); mode;
             mode = strtok_r(NULL, ",", &save)) {
                if (strcmp(mode, "ro") == 0 || strcmp(mode, "rw") == 0) {
                        rw++;
                        m->readonly = mode[1] == 'o';
                } else if (strcmp(mode, "z") == 0 || strcmp(mode, "Z") == 0) {
                        label++;
                        m->relabel = mode[0];
                } else if (is_one_of(mode, propagation_modes, ARRAY_SIZE(propagation_modes))) {
                        propagation++;
                        free(m->propagation);
                        m->propagation = xstrdup(mode);
                } else if (strcmp(mode, "nocopy") == 0) {
                        copy++;
                        m->nocopy = true;
                } else if (strcmp(mode, "consistent") == 0 || strcmp(mode, "cached") == 0 ||
                           strcmp(mode, "delegated") == 0) {
                        consistency++;
                } else {
                        return false;
                }
        }
        return rw <= 1 && label <= 1 && propagation <= 1 && copy <= 1 && consistency <= 1;
}

static int parse_volume(const char *text, struct engine_mount *m, struct error **err)
{
        _cleanup_free_ char *copy = xstrdup(text);
        char *parts[4];
        size_t n = 0;
        parts[n++] = copy;
        for (char *p = copy; *p; p++)
                if (*p == ':') {
                        if (n == ARRAY_SIZE(parts))
                                return error_set(err, 0, "invalid volume specification: '%s'",
                                                 text);
                        *p = '\0';
                        parts[n++] = p + 1;
                }
        if (*parts[0] == '\0')
                return error_set(err, 0, "invalid volume specification: '%s'", text);
        const char *source = NULL, *destination = NULL, *modes = NULL;
        switch (n) {
        case 1:
                destination = parts[0];
                break;
        case 2: {
                /* "DEST:MODE" is an anonymous volume with a mode, else "SOURCE:DEST". */
                struct engine_mount probe = {0};
                bool is_mode = apply_volume_modes(parts[1], &probe) && *parts[1];
                engine_mount_release(&probe);
                if (is_mode) {
                        destination = parts[0];
                        modes = parts[1];
                } else {
                        source = parts[0];
                        destination = parts[1];
                }
                break;
        }
        case 3:
                source = parts[0];
                destination = parts[1];
                modes = parts[2];
                break;
        default:
                return error_set(err, 0, "invalid volume specification: '%s'", text);
        }
        if (*destination == '\0')
                return error_set(err, 0, "invalid volume specification: '%s'", text);
        m->type = source && source[0] == '/' ? ENGINE_MOUNT_BIND : ENGINE_MOUNT_VOLUME;
        if (modes && !apply_volume_modes(modes, m))
                return error_set(err, 0, "invalid mode: %s", modes);
        if (m->type == ENGINE_MOUNT_BIND && m->nocopy)
                return error_set(err, 0, "invalid mode: %s", modes);
        if (m->type == ENGINE_MOUNT_VOLUME && m->propagation)
                return error_set(err, 0, "invalid mode: %s", modes);
        if (source && m->type == ENGINE_MOUNT_VOLUME && !volume_name_valid(source))
                return error_set(err, 0,
                                 "\"%s\" includes invalid characters for a local volume name, only "
                                 "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to "
                                 "pass a host directory, use absolute path",
                                 source);
        if (source)
                m->source = m->type == ENGINE_MOUNT_BIND ? path_clean(source) : xstrdup(source);
        m->destination = xstrdup(destination);
        return check_destination(m, err);
}

int engine_parse_volume_flag(const char *text, struct engine_mount *out, struct error **err)
{
        *out = (struct engine_mount){0};
        if (parse_volume(text, out, err) < 0) {
                engine_mount_release(out);
                return -1;
        }
        return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *text, bool *out)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
        if (is_one_of(text, yes, ARRAY_SIZE(yes)))
                *out = true;
        else if (is_one_of(text, no, ARRAY_SIZE(no)))
                *out = false;
        else
                return -1;
        return 0;
}

static void add_option(struct engine_mount *m, char *option)
{
        m->options = xrealloc(m->options, (m->n_options + 2) * sizeof(char *));
        m->options[m->n_options++] = option;
        m->options[m->n_options] = NULL;
}

static int parse_mount(const char *text, struct engine_mount *m, struct error **err)
{
        m->type = ENGINE_MOUNT_VOLUME;
        bool bind_options = false, volume_options = false, tmpfs_options = false;
        _cleanup_free_ char *copy = xstrdup(text);
        char *save = NULL;
        for (char *field = strtok_r(copy, ",", &save); field; field = strtok_r(NULL, ",", &save)) {
                char *value = strchr(field, '=');
                if (value)
                        *value++ = '\0';
                for (char *p = field; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
                const char *key = field;
                if (value == NULL) {
                        if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
                                m->readonly = true;
                                continue;
                        }
                        if (strcmp(key, "volume-nocopy") == 0) {
                                m->nocopy = true;
                                volume_options = true;
                                continue;
                        }
                        if (strcmp(key, "bind-nonrecursive") == 0) {
                                m->non_recursive = true;
                                bind_options = true;
                                continue;
                        }
                        return error_set(err, 0, "invalid field '%s' must be a key=value pair",
                                         key);
                }
                bool flag;
                if (strcmp(key, "type") == 0) {
                        if (strcmp(value, "bind") == 0)
                                m->type = ENGINE_MOUNT_BIND;
                        else if (strcmp(value, "volume") == 0)
                                m->type = ENGINE_MOUNT_VOLUME;
                        else if (strcmp(value, "tmpfs") == 0)
                                m->type = ENGINE_MOUNT_TMPFS;
                        else
                                return error_set(err, 0, "invalid mount type '%s'", value);
                } else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
                        free(m->source);
                        m->source = xstrdup(value);
                } else if (strcmp(key, "target") == 0 || strcmp(key, "destination") == 0 ||
                           strcmp(key, "dst") == 0) {
                        free(m->destination);
                        m->destination = xstrdup(value);
                } else if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
                        if (parse_bool(value, &m->readonly) < 0)
                                return error_set(err, 0, "invalid value for %s: %s", key, value);
                } else if (strcmp(key, "consistency") == 0) {
                        /* Accepted and ignored on Linux, as docker. */
                } else if (strcmp(key, "bind-propagation") == 0) {
                        if (!is_one_of(value, propagation_modes, ARRAY_SIZE(propagation_modes)))
                                return error_set(err, 0, "invalid value for %s: %s", key, value);
                        free(m->propagation);
                        m->propagation = xstrdup(value);
                        bind_options = true;
                } else if (strcmp(key, "bind-nonrecursive") == 0) {
                        if (parse_bool(value, &flag) < 0)
                                return error_set(err, 0, "invalid value for %s: %s", key, value);
                        m->non_recursive = flag;
                        bind_options = true;
                } else if (strcmp(key, "volume-nocopy") == 0) {
                        if (parse_bool(value, &flag) < 0)
                                return error_set(err, 0, "invalid value for %s: %s", key, value);
                        m->nocopy = flag;
                        volume_options = true;
                } else if (strcmp(key, "tmpfs-size") == 0) {
                        int64_t size;
                        struct error *size_err = NULL;
                        if (engine_parse_bytes(value, &size, &size_err) < 0) {
                                error_free(&size_err);
                                return error_set(err, 0, "invalid value for %s: %s", key, value);
                        }
                        add_option(m, xasprintf("size=%lld", (long long)size));
                        tmpfs_options = true;
                } else if (strcmp(key, "tmpfs-mode") == 0) {
                        char *end;
                        errno = 0;
                        unsigned long mode = strtoul(value, &end, 8);
                        if (*value == '\0' || *end || errno || mode > 07777)
                                return error_set(err, 0, "invalid value for %s: %s", key, value);
                        add_option(m, xasprintf("mode=%lo", mode));
                        tmpfs_options = true;
                } else {
                        return error_set(err, 0, "unexpected key '%s' in '%s=%s'", key, key, value);
                }
        }
        if (m->destination == NULL)
                return error_set(err, 0, "target is required");
        if (m->type != ENGINE_MOUNT_BIND && bind_options)
                return error_set(err, 0, "cannot mix 'bind-*' options with mount type '%s'",
                                 type_name(m->type));
        if (m->type != ENGINE_MOUNT_VOLUME && volume_options)
                return error_set(err, 0, "cannot mix 'volume-*' options with mount type '%s'",
                                 type_name(m->type));
        if (m->type != ENGINE_MOUNT_TMPFS && tmpfs_options)
                return error_set(err, 0, "cannot mix 'tmpfs-*' options with mount type '%s'",
                                 type_name(m->type));
        switch (m->type) {
        case ENGINE_MOUNT_BIND:
                if (m->source == NULL || *m->source == '\0')
                        return error_set(err, 0,
                                         "invalid mount config for type \"bind\": field Source "
                                         "must not be empty");
                if (m->source[0] != '/')
                        return error_set(err, 0,
                                         "invalid mount config for type \"bind\": invalid mount "
                                         "path: '%s' mount path must be absolute",
                                         m->source);
                char *clean = path_clean(m->source);
                free(m->source);
                m->source = clean;
                break;
        case ENGINE_MOUNT_VOLUME:
                if (m->source && *m->source == '\0') {
                        free(m->source);
                        m->source = NULL;
                }
                if (m->source && !volume_name_valid(m->source))
                        return error_set(err, 0,
                                         "\"%s\" includes invalid characters for a local volume "
                                         "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                                         m->source);
                break;
        case ENGINE_MOUNT_TMPFS:
                if (m->source)
                        return error_set(err, 0,
                                         "invalid mount config for type \"tmpfs\": field Source "
                                         "must not be specified");
                break;
        }
        return check_destination(m, err);
}

int engine_parse_mount_flag(const char *text, struct engine_mount *out, struct error **err)
{
        *out = (struct engine_mount){0};
        if (parse_mount(text, out, err) < 0) {
                engine_mount_release(out);
                return -1;
        }
        return 0;
}

/* Whether option is a tmpfs option we know; *pair is its flag pair, *key_len its key's. */
static bool tmpfs_option_known(const char *option)
{
        for (size_t i = 0; i < ARRAY_SIZE(tmpfs_flag_pairs); i++)
                if (strcmp(option, tmpfs_flag_pairs[i][0]) == 0 ||
                    (*tmpfs_flag_pairs[i][1] && strcmp(option, tmpfs_flag_pairs[i][1]) == 0))
                        return true;
        const char *eq = strchr(option, '=');
        if (eq == NULL || eq[1] == '\0')
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(tmpfs_keys); i++)
                if (strlen(tmpfs_keys[i]) == (size_t)(eq - option) &&
                    strncmp(option, tmpfs_keys[i], (size_t)(eq - option)) == 0)
                        return true;
        return false;
}

static int parse_tmpfs(const char *text, struct engine_mount *m, struct error **err)
{
        m->type = ENGINE_MOUNT_TMPFS;
        const char *colon = strchr(text, ':');
        m->destination = colon ? xstrndup(text, (size_t)(colon - text)) : xstrdup(text);
        if (colon) {
                _cleanup_free_ char *copy = xstrdup(colon + 1);
                char *save = NULL;
                for (char *option = strtok_r(copy, ",", &save); option;
                     option = strtok_r(NULL, ",", &save)) {
                        if (!tmpfs_option_known(option))
                                return error_set(err, 0, "invalid tmpfs option \"%s\"", option);
                        if (strcmp(option, "ro") == 0 || strcmp(option, "rw") == 0)
                                m->readonly = option[1] == 'o';
                        else
                                add_option(m, xstrdup(option));
                }
        }
        return check_destination(m, err);
}

int engine_parse_tmpfs_flag(const char *text, struct engine_mount *out, struct error **err)
{
        *out = (struct engine_mount){0};
        if (parse_tmpfs(text, out, err) < 0) {
                engine_mount_release(out);
                return -1;
        }
        return 0;
}

/* ---- config.json mounts ---- */

static void list_remove(json_t *list, const char *option, size_t key_len)
{
        for (size_t i = json_array_size(list); i-- > 0;) {
                const char *have = json_string_value(json_array_get(list, i));
                bool same = key_len ? strncmp(have, option, key_len) == 0 && have[key_len] == '='
                                    : strcmp(have, option) == 0;
                if (same)
                        json_array_remove(list, i);
        }
}

/* Adds option to a tmpfs option list, replacing an earlier value of the same key or the
 * opposite flag (docker's MergeTmpfsOptions: the last one wins). */
static void tmpfs_merge(json_t *list, const char *option)
{
        const char *eq = strchr(option, '=');
        if (eq) {
                list_remove(list, option, (size_t)(eq - option));
        } else {
                list_remove(list, option, 0);
                for (size_t i = 0; i < ARRAY_SIZE(tmpfs_flag_pairs); i++)
                        for (int side = 0; side < 2; side++)
                                if (strcmp(option, tmpfs_flag_pairs[i][side]) == 0 &&
                                    *tmpfs_flag_pairs[i][!side])
                                        list_remove(list, tmpfs_flag_pairs[i][!side], 0);
        }
        json_array_append_new(list, json_string(option));
}

static json_t *mount_json(const char *destination, const char *type, const char *source,
                          json_t *options)
{
        json_t *mount = json_object();
        json_object_set_new(mount, "destination", json_string(destination));
        json_object_set_new(mount, "type", json_string(type));
        json_object_set_new(mount, "source", json_string(source));
        json_object_set_new(mount, "options", options);
        return mount;
}

static json_t *user_mount_json(const struct engine_mount *m, struct error **err)
{
        json_t *options = json_array();
        const char *source = m->source;
        if (m->type == ENGINE_MOUNT_TMPFS) {
                /* docker's base for tmpfs mounts (daemon/oci_linux.go). */
                const char *const base[] = {"noexec", "nosuid", "nodev"};
                for (size_t i = 0; i < ARRAY_SIZE(base); i++)
                        json_array_append_new(options, json_string(base[i]));
                for (size_t i = 0; i < m->n_options; i++)
                        tmpfs_merge(options, m->options[i]);
                tmpfs_merge(options, m->readonly ? "ro" : "rw");
                json_array_append_new(options,
                                      json_string(m->propagation ? m->propagation : "rprivate"));
                return mount_json(m->destination, "tmpfs", "tmpfs", options);
        }
        if (m->type == ENGINE_MOUNT_VOLUME) {
                if (m->volume_path == NULL) {
                        json_decref(options);
                        error_set(err, 0, "volume %s for %s: not resolved to a directory",
                                  m->source ? m->source : "(anonymous)", m->destination);
                        return NULL;
                }
                source = m->volume_path;
        }
        json_array_append_new(options, json_string(m->non_recursive ? "bind" : "rbind"));
        json_array_append_new(options, json_string(m->readonly ? "ro" : "rw"));
        json_array_append_new(options, json_string(m->propagation ? m->propagation : "rprivate"));
        return mount_json(m->destination, "bind", source, options);
}

static size_t path_depth(const char *path)
{
        size_t depth = 0;
        for (; *path; path++)
                depth += *path == '/';
        return depth;
}

/* Removes the mount of mounts (from index from on) at that destination, if any. */
static void remove_destination(json_t *mounts, size_t from, const char *destination)
{
        for (size_t i = json_array_size(mounts); i-- > from;) {
                const char *have =
                    json_string_value(json_object_get(json_array_get(mounts, i), "destination"));
                if (have && strcmp(have, destination) == 0)
                        json_array_remove(mounts, i);
        }
}

static int compare_depth(const void *a, const void *b)
{
        const struct engine_mount *const *x = a, *const *y = b;
        size_t dx = path_depth((*x)->destination), dy = path_depth((*y)->destination);
        if (dx != dy)
                return dx < dy ? -1 : 1;
        return *x < *y ? -1 : *x > *y; /* stable: the order given */
}

int engine_mounts_apply(const struct engine_create_options *o, json_t *mounts, struct error **err)
{
        /* Parents before children (docker sorts by depth), so /a is mounted before /a/b. */
        _cleanup_free_ const struct engine_mount **sorted =
            xcalloc(o->n_mounts + 1, sizeof(*sorted));
        for (size_t i = 0; i < o->n_mounts; i++) {
                for (size_t j = 0; j < i; j++)
                        if (strcmp(o->mounts[i].destination, o->mounts[j].destination) == 0)
                                return error_set(err, 0, "duplicate mount point: %s",
                                                 o->mounts[i].destination);
                sorted[i] = &o->mounts[i];
        }
        qsort(sorted, o->n_mounts, sizeof(*sorted), compare_depth);

        for (size_t i = 0; i < o->n_mounts; i++) {
                json_t *mount = user_mount_json(sorted[i], err);
                if (mount == NULL)
                        return -1;
                /* A user mount over a default one (/dev/shm) replaces it. */
                remove_destination(mounts, 0, sorted[i]->destination);
                json_array_append_new(mounts, mount);
        }
        for (size_t i = 0; i < o->n_file_binds; i++) {
                const struct engine_file_bind *b = &o->file_binds[i];
                bool user_has_it = false;
                for (size_t j = 0; j < o->n_mounts; j++)
                        if (strcmp(o->mounts[j].destination, b->container_path) == 0)
                                user_has_it = true;
                /* The user's own -v /x:/etc/hosts wins over the engine's file. */
                if (user_has_it)
                        continue;
                json_t *options = json_array();
                json_array_append_new(options, json_string("rbind"));
                json_array_append_new(options, json_string(b->readonly ? "ro" : "rw"));
                json_array_append_new(options, json_string("rprivate"));
                remove_destination(mounts, 0, b->container_path);
                json_array_append_new(mounts,
                                      mount_json(b->container_path, "bind", b->host_path, options));
        }
        if (o->init_path) {
                json_t *options = json_array();
                json_array_append_new(options, json_string("bind"));
                json_array_append_new(options, json_string("ro"));
                json_array_append_new(options, json_string("rprivate"));
                json_array_append_new(mounts,
                                      mount_json(ENGINE_INIT_PATH, "bind", o->init_path, options));
        }
        return 0;
}
