/* Helpers shared by the image commands (see cli_image.h). */
#include "cli_image.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "oci/image_reference.h"

int cli_open_store(const struct berth_globals *g, struct image_store **out, struct error **err)
{
        return image_store_open(g->root, g->runroot, out, err);
}

int cli_find_image(struct image_store *store, const char *text, struct image_record *out,
                   struct error **err)
{
        int found = image_db_find(store->db, text, out, err);
        if (found != 0)
                return found < 0 ? -1 : 0;
        struct image_reference ref = {0};
        struct error *parse_err = NULL;
        if (image_reference_parse(text, &ref, &parse_err) == 0) {
                _cleanup_free_ char *full = image_reference_format(&ref);
                image_reference_release(&ref);
                found = image_db_find(store->db, full, out, err);
                if (found != 0)
                        return found < 0 ? -1 : 0;
        }
        error_free(&parse_err);
        return error_set(err, 0, "%s: image not known", text);
}

int cli_parse_bool(const char *flag, const char *value, bool *out, struct error **err)
{
        if (!value || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
                *out = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
                *out = false;
        else
                return error_set(err, 0, "invalid value \"%s\" for %s: true or false", value, flag);
        return 0;
}

int cli_registry_flag(int opt, const char *arg, struct registry_options *o, char **creds,
                      struct error **err)
{
        switch (opt) {
        case CLI_OPT_TLS_VERIFY: {
                bool verify = true;
                if (cli_parse_bool("--tls-verify", arg, &verify, err) < 0)
                        return -1;
                o->tls_verify = verify;
                return 1;
        }
        case CLI_OPT_AUTHFILE:
                o->auth_file = arg;
                return 1;
        case CLI_OPT_CREDS: {
                free(*creds);
                *creds = xstrdup(arg);
                char *colon = strchr(*creds, ':');
                if (colon)
                        *colon = '\0';
                o->username = *creds;
                o->password = colon ? colon + 1 : "";
                return 1;
        }
        default:
                return 0;
        }
}

void cli_split_name(const char *name, char **repository, char **tag)
{
        const char *at = strchr(name, '@');
        const char *slash = strrchr(name, '/');
        const char *colon = strrchr(name, ':');
        if (at) {
                *repository = xstrndup(name, (size_t)(at - name));
                *tag = xstrdup("<none>");
        } else if (colon && (!slash || colon > slash)) {
                *repository = xstrndup(name, (size_t)(colon - name));
                *tag = xstrdup(colon + 1);
        } else {
                *repository = xstrdup(name);
                *tag = xstrdup("<none>");
        }
}

char *cli_human_age(int64_t then)
{
        int64_t s = (int64_t)time(NULL) - then;
        if (then <= 0)
                return xstrdup("N/A");
        if (s < 1)
                return xstrdup("Less than a second ago");
        if (s == 1)
                return xstrdup("1 second ago");
        if (s < 60)
                return xasprintf("%lld seconds ago", (long long)s);
        int64_t m = s / 60, h = s / 3600, d = h / 24;
        if (m == 1)
                return xstrdup("About a minute ago");
        if (m < 60)
                return xasprintf("%lld minutes ago", (long long)m);
        if (h == 1)
                return xstrdup("About an hour ago");
        if (h < 48)
                return xasprintf("%lld hours ago", (long long)h);
        if (h < 24 * 7 * 2)
                return xasprintf("%lld days ago", (long long)d);
        if (h < 24 * 30 * 2)
                return xasprintf("%lld weeks ago", (long long)(d / 7));
        if (h < 24 * 365 * 2)
                return xasprintf("%lld months ago", (long long)(d / 30));
        return xasprintf("%lld years ago", (long long)(d / 365));
}

/* BYTES in decimal units with DIGITS significant digits, SEPARATOR between number and unit. */
static char *human_size(int64_t bytes, int digits, const char *separator)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double size = (double)bytes;
        size_t unit = 0;
        while (size >= 1000 && unit + 1 < sizeof(units) / sizeof(units[0])) {
                size /= 1000;
                unit++;
        }
        return xasprintf("%.*g%s%s", digits, size, separator, units[unit]);
}

char *cli_human_size(int64_t bytes)
{
        return human_size(bytes, 3, " ");
}

char *cli_docker_size(int64_t bytes, int digits)
{
        return human_size(bytes, digits, "");
}

char *cli_rfc3339(int64_t seconds)
{
        time_t t = (time_t)seconds;
        struct tm tm;
        gmtime_r(&t, &tm);
        char buf[64];
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return xstrdup(buf);
}

static json_t *lookup_path(json_t *object, const char *path, size_t len)
{
        json_t *cur = object;
        while (len > 0 && cur) {
                if (*path == '.') {
                        path++;
                        len--;
                }
                size_t n = 0;
                while (n < len && path[n] != '.')
                        n++;
                if (n == 0)
                        break;
                _cleanup_free_ char *key = xstrndup(path, n);
                cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
                path += n;
                len -= n;
        }
        return cur;
}

static void append(char **out, size_t *len, const char *s, size_t n)
{
        *out = xrealloc(*out, *len + n + 1);
        memcpy(*out + *len, s, n);
        *len += n;
        (*out)[*len] = '\0';
}

static void append_value(char **out, size_t *len, json_t *v, bool as_json)
{
        if (!v) {
                append(out, len, "<no value>", 10);
                return;
        }
        if (!as_json && json_is_string(v)) {
                append(out, len, json_string_value(v), json_string_length(v));
                return;
        }
        if (!as_json && json_is_array(v)) {
                bool strings = true;
                size_t i;
                json_t *e;
                json_array_foreach(v, i, e) strings = strings && json_is_string(e);
                if (strings) {
                        append(out, len, "[", 1);
                        json_array_foreach(v, i, e)
                        {
                                if (i)
                                        append(out, len, " ", 1);
                                append(out, len, json_string_value(e), json_string_length(e));
                        }
                        append(out, len, "]", 1);
                        return;
                }
        }
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text) {
                append(out, len, text, strlen(text));
                free(text);
        }
}

char *cli_format_template(const char *format, json_t *object, struct error **err)
{
        char *out = xstrdup("");
        size_t len = 0;
        const char *p = format;
        while (*p) {
                if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
                        append(&out, &len, p[1] == 't' ? "\t" : "\n", 1);
                        p += 2;
                        continue;
                }
                if (p[0] != '{' || p[1] != '{') {
                        append(&out, &len, p, 1);
                        p++;
                        continue;
                }
                const char *end = strstr(p, "}}");
                if (!end) {
                        free(out);
                        error_set(err, 0, "template: unclosed action in \"%s\"", format);
                        return NULL;
                }
                const char *a = p + 2, *b = end;
                while (a < b && *a == ' ')
                        a++;
                while (b > a && b[-1] == ' ')
                        b--;
                bool as_json = false;
                if ((size_t)(b - a) > 5 && strncmp(a, "json ", 5) == 0) {
                        as_json = true;
                        a += 5;
                        while (a < b && *a == ' ')
                                a++;
                }
                if (a >= b || *a != '.') {
                        _cleanup_free_ char *action = xstrndup(p, (size_t)(end + 2 - p));
                        free(out);
                        error_set(err, 0, "template: unsupported action %s", action);
                        return NULL;
                }
                json_t *v = (b - a == 1) ? object : lookup_path(object, a, (size_t)(b - a));
                append_value(&out, &len, v, as_json);
                p = end + 2;
        }
        return out;
}

#include "engine/engine.h"

int cli_open_engine(const struct berth_globals *g, struct engine **out, struct error **err)
{
        return engine_open(g->root, g->runroot, NULL, out, err);
}

int cli_open_engine_with_containers(const struct berth_globals *g, struct engine **e,
                                    struct container_row **rows, size_t *n, struct error **err)
{
        *e = NULL;
        if (cli_open_engine(g, e, err) < 0 ||
            container_db_list((*e)->containers, rows, n, err) < 0) {
                engine_free(*e);
                *e = NULL;
                return -1;
        }
        return 0;
}

void cli_container_rows_free(struct container_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                container_row_release(&rows[i]);
        free(rows);
}

int cli_run_engine_subcommand(const struct berth_globals *g, const char *family, const char *help,
                              const struct cli_engine_subcommand *table, size_t n, int argc,
                              char **argv)
{
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(help, argc < 2 ? stderr : stdout);
                return argc < 2 ? BERTH_EXIT_FAILURE : 0;
        }
        for (size_t i = 0; i < n; i++) {
                if (strcmp(argv[1], table[i].name) != 0)
                        continue;
                struct error *err = NULL;
                struct engine *e = NULL;
                if (cli_open_engine(g, &e, &err) < 0)
                        return cli_fail(&err);
                optind = 0;
                opterr = 0;
                int ret = table[i].run(e, argc - 1, argv + 1);
                engine_free(e);
                return ret;
        }
        return cli_usage_error(NULL, "unknown %s command \"%s\"", family, argv[1]);
}

int cli_find_container(struct engine *e, const char *text, struct container_row *out,
                       struct error **err)
{
        int found = container_db_find(e->containers, text, out, err);
        if (found < 0)
                return -1;
        if (found == 0)
                return error_set(
                    err, 0, "no container with name or ID \"%s\" found: no such container", text);
        engine_use_runtime_of(e, out);
        return 0;
}

int cli_container_stopped(struct engine *e, const struct container_row *row, struct error **err)
{
        struct container_state st = {0};
        engine_use_runtime_of(e, row);
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        bool stopped = st.status == CONTAINER_CREATED || st.status == CONTAINER_EXITED;
        container_state_release(&st);
        return stopped ? 1 : 0;
}
