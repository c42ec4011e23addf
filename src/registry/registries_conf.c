/* registries.conf: a hand-written reader for the TOML subset of containers-registries.conf(5). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "registries_conf.h"

/* Where the parser stands: the text, the cursor, the line (for errors) and the table that
 * keys belong to. */
enum conf_table {
        TABLE_TOP,
        TABLE_REGISTRY,    /* [[registry]] */
        TABLE_MIRROR,      /* [[registry.mirror]] */
        TABLE_V1_SEARCH,   /* [registries.search] (version 1 of the format) */
        TABLE_V1_INSECURE, /* [registries.insecure] */
        TABLE_V1_BLOCK,    /* [registries.block] */
        TABLE_OTHER,       /* anything else: its keys are read and ignored */
};

struct conf_parser {
        const char *name; /* the file's base name, for messages */
        const char *p;
        const char *end;
        unsigned line;
        enum conf_table table;
        struct registries_conf *conf;
        size_t n_search;
};

/* A parsed value: a string, a boolean or an array of strings (other scalars are skipped). */
enum conf_value_kind { VALUE_STRING, VALUE_BOOL, VALUE_STRING_ARRAY, VALUE_OTHER };

struct conf_value {
        enum conf_value_kind kind;
        char *string;
        bool boolean;
        char **strings; /* NULL-terminated */
};

static void conf_value_release(struct conf_value *v)
{
        free(v->string);
        if (v->strings)
                for (char **s = v->strings; *s; s++)
                        free(*s);
        free(v->strings);
        *v = (struct conf_value){0};
}

static int parse_error(struct conf_parser *ps, struct error **err, const char *what)
{
        return error_set(err, 0, "%s:%u: %s", ps->name, ps->line, what);
}

/* Skips blanks, and with NEWLINES also line ends and comments (inside arrays). */
static void skip_space(struct conf_parser *ps, bool newlines)
{
        while (ps->p < ps->end) {
                char c = *ps->p;
                if (c == ' ' || c == '\t' || c == '\r') {
                        ps->p++;
                } else if (newlines && c == '\n') {
                        ps->line++;
                        ps->p++;
                } else if (newlines && c == '#') {
                        while (ps->p < ps->end && *ps->p != '\n')
                                ps->p++;
                } else {
                        break;
                }
        }
}

/* After a statement: only blanks and a comment may remain on the line. */
static int expect_line_end(struct conf_parser *ps, struct error **err)
{
        skip_space(ps, false);
        if (ps->p < ps->end && *ps->p == '#')
                while (ps->p < ps->end && *ps->p != '\n')
                        ps->p++;
        if (ps->p < ps->end && *ps->p != '\n')
                return parse_error(ps, err, "unexpected text after the value");
        return 0;
}

static void append_utf8(char **buf, size_t *len, unsigned long cp)
{
        char out[4];
        size_t n;
        if (cp < 0x80) {
                out[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                out[0] = (char)(0xc0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                out[0] = (char)(0xe0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
        } else {
                out[0] = (char)(0xf0 | (cp >> 18));
                out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
        }
        memcpy(*buf + *len, out, n);
        *len += n;
}

/* A basic ("...", with escapes) or literal ('...') single-line string at the cursor. */
static int parse_string(struct conf_parser *ps, char **out, struct error **err)
{
        char quote = *ps->p++;
        const char *start = ps->p;
        /* The decoded text is never longer than the source (escapes shrink or keep length). */
        size_t cap = (size_t)(ps->end - start) + 1;
        _cleanup_free_ char *buf = xmalloc(cap);
        size_t len = 0;
        while (ps->p < ps->end && *ps->p != quote) {
                char c = *ps->p++;
                if (c == '\n')
                        return parse_error(ps, err, "unterminated string");
                if (c != '\\' || quote == '\'') {
                        buf[len++] = c;
                        continue;
                }
                if (ps->p >= ps->end)
                        break;
                char e = *ps->p++;
                switch (e) {
                case 'n':
                        buf[len++] = '\n';
                        break;
                case 't':
                        buf[len++] = '\t';
                        break;
                case 'r':
                        buf[len++] = '\r';
                        break;
                case 'b':
                        buf[len++] = '\b';
                        break;
                case 'f':
                        buf[len++] = '\f';
                        break;
                case '"':
                        buf[len++] = '"';
                        break;
                case '\\':
                        buf[len++] = '\\';
                        break;
                case 'u':
                case 'U': {
                        int digits = e == 'u' ? 4 : 8;
                        if (ps->end - ps->p < digits)
                                return parse_error(ps, err, "bad unicode escape in string");
                        unsigned long cp = 0;
                        for (int i = 0; i < digits; i++) {
                                char h = *ps->p++;
                                int v = h >= '0' && h <= '9'   ? h - '0'
                                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                               : -1;
                                if (v < 0)
                                        return parse_error(ps, err, "bad unicode escape in string");
                                cp = cp * 16 + (unsigned long)v;
                        }
                        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                                return parse_error(ps, err, "bad unicode escape in string");
                        /* \uXXXX takes 6 source bytes for at most 3 UTF-8 bytes, \U 10 for 4. */
                        append_utf8(&buf, &len, cp);
                        break;
                }
                default:
                        return parse_error(ps, err, "unknown escape in string");
                }
        }
        if (ps->p >= ps->end)
                return parse_error(ps, err, "unterminated string");
        ps->p++; /* the closing quote */
        buf[len] = '\0';
        if (memchr(buf, '\0', len))
                return parse_error(ps, err, "NUL in string");
        *out = steal_pointer(&buf);
        return 0;
}

static bool is_bare_key_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
}

/* A dotted key (bare or quoted parts), returned joined with '.'. */
static int parse_key(struct conf_parser *ps, char **out, struct error **err)
{
        _cleanup_free_ char *key = NULL;
        for (;;) {
                skip_space(ps, false);
                _cleanup_free_ char *part = NULL;
                if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
                        if (parse_string(ps, &part, err) < 0)
                                return -1;
                } else {
                        const char *start = ps->p;
                        while (ps->p < ps->end && is_bare_key_char(*ps->p))
                                ps->p++;
                        if (ps->p == start)
                                return parse_error(ps, err, "expected a key");
                        part = xstrndup(start, (size_t)(ps->p - start));
                }
                char *joined = key ? xasprintf("%s.%s", key, part) : xstrdup(part);
                free(key);
                key = joined;
                skip_space(ps, false);
                if (ps->p < ps->end && *ps->p == '.') {
                        ps->p++;
                        continue;
                }
                break;
        }
        *out = steal_pointer(&key);
        return 0;
}

static bool starts_with_word(const struct conf_parser *ps, const char *word)
{
        size_t n = strlen(word);
        return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0 &&
               ((size_t)(ps->end - ps->p) == n || !is_bare_key_char(ps->p[n]));
}

static int parse_value(struct conf_parser *ps, struct conf_value *v, struct error **err)
{
        skip_space(ps, false);
        if (ps->p >= ps->end || *ps->p == '\n')
                return parse_error(ps, err, "expected a value");
        char c = *ps->p;
        if (c == '"' || c == '\'') {
                if ((size_t)(ps->end - ps->p) >= 3 && ps->p[1] == c && ps->p[2] == c)
                        return parse_error(ps, err, "multi-line strings are not supported");
                v->kind = VALUE_STRING;
                return parse_string(ps, &v->string, err);
        }
        if (starts_with_word(ps, "true") || starts_with_word(ps, "false")) {
                v->kind = VALUE_BOOL;
                v->boolean = *ps->p == 't';
                ps->p += v->boolean ? 4 : 5;
                return 0;
        }
        if (c == '[') {
                ps->p++;
                v->kind = VALUE_STRING_ARRAY;
                size_t n = 0;
                v->strings = xcalloc(1, sizeof(char *));
                for (;;) {
                        skip_space(ps, true);
                        if (ps->p >= ps->end)
                                return parse_error(ps, err, "unterminated array");
                        if (*ps->p == ']') {
                                ps->p++;
                                return 0;
                        }
                        if (*ps->p != '"' && *ps->p != '\'')
                                return parse_error(ps, err, "expected a string in the array");
                        char *s = NULL;
                        if (parse_string(ps, &s, err) < 0)
                                return -1;
                        v->strings = xrealloc(v->strings, (n + 2) * sizeof(char *));
                        v->strings[n++] = s;
                        v->strings[n] = NULL;
                        skip_space(ps, true);
                        if (ps->p < ps->end && *ps->p == ',')
                                ps->p++;
                        else if (ps->p < ps->end && *ps->p != ']')
                                return parse_error(ps, err, "expected ',' or ']' in the array");
                }
        }
        if (c == '{')
                return parse_error(ps, err, "inline tables are not supported");
        /* Numbers and dates: berth reads none of them, so they are skipped to the line end. */
        v->kind = VALUE_OTHER;
        while (ps->p < ps->end && *ps->p != '\n' && *ps->p != '#')
                ps->p++;
        return 0;
}

static struct registries_entry *current_entry(struct conf_parser *ps)
{
        return &ps->conf->entries[ps->conf->n_entries - 1];
}

static struct registries_entry *add_entry(struct registries_conf *conf)
{
        conf->entries = xrealloc(conf->entries, (conf->n_entries + 1) * sizeof(*conf->entries));
        struct registries_entry *e = &conf->entries[conf->n_entries++];
        *e = (struct registries_entry){0};
        return e;
}

static int expect_kind(struct conf_parser *ps, const struct conf_value *v,
                       enum conf_value_kind kind, const char *key, struct error **err)
{
        if (v->kind == kind)
                return 0;
        _cleanup_free_ char *msg = xasprintf("\"%s\" must be %s", key,
                                             kind == VALUE_STRING ? "a string"
                                             : kind == VALUE_BOOL ? "a boolean"
                                                                  : "an array");
        return parse_error(ps, err, msg);
}

/* Adds version 1 lists ([registries.insecure] registries = [...]) as entries. */
static void add_v1_entries(struct registries_conf *conf, char **hosts, bool insecure, bool blocked)
{
        for (char **h = hosts; *h; h++) {
                struct registries_entry *e = NULL;
                for (size_t i = 0; i < conf->n_entries; i++)
                        if (strcmp(conf->entries[i].prefix, *h) == 0)
                                e = &conf->entries[i];
                if (!e) {
                        e = add_entry(conf);
                        e->prefix = xstrdup(*h);
                        e->endpoint.location = xstrdup(*h);
                }
                e->endpoint.insecure |= insecure;
                e->blocked |= blocked;
        }
}

static int apply_key(struct conf_parser *ps, const char *key, struct conf_value *v,
                     struct error **err)
{
        struct registries_conf *conf = ps->conf;
        switch (ps->table) {
        case TABLE_TOP:
                if (strcmp(key, "unqualified-search-registries") == 0) {
                        if (expect_kind(ps, v, VALUE_STRING_ARRAY, key, err) < 0)
                                return -1;
                        if (conf->unqualified_search) {
                                for (char **s = conf->unqualified_search; *s; s++)
                                        free(*s);
                                free(conf->unqualified_search);
                        }
                        conf->unqualified_search = steal_pointer(&v->strings);
                }
                return 0;
        case TABLE_REGISTRY: {
                struct registries_entry *e = current_entry(ps);
                if (strcmp(key, "prefix") == 0 || strcmp(key, "location") == 0) {
                        if (expect_kind(ps, v, VALUE_STRING, key, err) < 0)
                                return -1;
                        char **slot = key[0] == 'p' ? &e->prefix : &e->endpoint.location;
                        free(*slot);
                        *slot = steal_pointer(&v->string);
                } else if (strcmp(key, "insecure") == 0 || strcmp(key, "blocked") == 0) {
                        if (expect_kind(ps, v, VALUE_BOOL, key, err) < 0)
                                return -1;
                        *(key[0] == 'i' ? &e->endpoint.insecure : &e->blocked) = v->boolean;
                }
                return 0;
        }
        case TABLE_MIRROR: {
                struct registries_entry *e = current_entry(ps);
                struct registries_endpoint *m = &e->mirrors[e->n_mirrors - 1];
                if (strcmp(key, "location") == 0) {
                        if (expect_kind(ps, v, VALUE_STRING, key, err) < 0)
                                return -1;
                        free(m->location);
                        m->location = steal_pointer(&v->string);
                } else if (strcmp(key, "insecure") == 0) {
                        if (expect_kind(ps, v, VALUE_BOOL, key, err) < 0)
                                return -1;
                        m->insecure = v->boolean;
                }
                return 0;
        }
        case TABLE_V1_SEARCH:
        case TABLE_V1_INSECURE:
        case TABLE_V1_BLOCK:
                if (strcmp(key, "registries") != 0)
                        return 0;
                if (expect_kind(ps, v, VALUE_STRING_ARRAY, key, err) < 0)
                        return -1;
                if (ps->table == TABLE_V1_SEARCH) {
                        if (!conf->unqualified_search) {
                                conf->unqualified_search = steal_pointer(&v->strings);
                        }
                } else {
                        add_v1_entries(conf, v->strings, ps->table == TABLE_V1_INSECURE,
                                       ps->table == TABLE_V1_BLOCK);
                }
                return 0;
        case TABLE_OTHER:
                return 0;
        }
        return 0;
}

static int parse_table_header(struct conf_parser *ps, struct error **err)
{
        bool array = ps->end - ps->p >= 2 && ps->p[1] == '[';
        ps->p += array ? 2 : 1;
        _cleanup_free_ char *name = NULL;
        if (parse_key(ps, &name, err) < 0)
                return -1;
        if (ps->p >= ps->end || *ps->p != ']' ||
            (array && (ps->end - ps->p < 2 || ps->p[1] != ']')))
                return parse_error(ps, err,
                                   array ? "expected ']]' after the table name"
                                         : "expected ']' after the table name");
        ps->p += array ? 2 : 1;
        if (array && strcmp(name, "registry") == 0) {
                add_entry(ps->conf);
                ps->table = TABLE_REGISTRY;
        } else if (array && strcmp(name, "registry.mirror") == 0) {
                if (ps->conf->n_entries == 0)
                        return parse_error(ps, err, "[[registry.mirror]] before any [[registry]]");
                struct registries_entry *e = current_entry(ps);
                e->mirrors = xrealloc(e->mirrors, (e->n_mirrors + 1) * sizeof(*e->mirrors));
                e->mirrors[e->n_mirrors++] = (struct registries_endpoint){0};
                ps->table = TABLE_MIRROR;
        } else if (!array && strcmp(name, "registries.search") == 0) {
                ps->table = TABLE_V1_SEARCH;
        } else if (!array && strcmp(name, "registries.insecure") == 0) {
                ps->table = TABLE_V1_INSECURE;
        } else if (!array && strcmp(name, "registries.block") == 0) {
                ps->table = TABLE_V1_BLOCK;
        } else {
                ps->table = TABLE_OTHER;
        }
        return expect_line_end(ps, err);
}

static int parse_key_value(struct conf_parser *ps, struct error **err)
{
        _cleanup_free_ char *key = NULL;
        if (parse_key(ps, &key, err) < 0)
                return -1;
        skip_space(ps, false);
        if (ps->p >= ps->end || *ps->p != '=')
                return parse_error(ps, err, "expected '=' after key");
        ps->p++;
        struct conf_value v = {0};
        int rc = parse_value(ps, &v, err);
        if (rc == 0)
                rc = apply_key(ps, key, &v, err);
        conf_value_release(&v);
        if (rc < 0)
                return -1;
        return expect_line_end(ps, err);
}

/* Checks the entries once the file is read: a missing prefix is the location, a missing
 * location the prefix (containers-registries.conf(5)); mirrors need a location. */
static int finish_entries(struct conf_parser *ps, struct error **err)
{
        for (size_t i = 0; i < ps->conf->n_entries; i++) {
                struct registries_entry *e = &ps->conf->entries[i];
                if (!e->prefix && !e->endpoint.location)
                        return error_set(
                            err, 0, "%s: a [[registry]] has neither prefix nor location", ps->name);
                if (!e->prefix)
                        e->prefix = xstrdup(e->endpoint.location);
                if (!e->endpoint.location && strncmp(e->prefix, "*.", 2) != 0)
                        e->endpoint.location = xstrdup(e->prefix);
                for (size_t j = 0; j < e->n_mirrors; j++)
                        if (!e->mirrors[j].location || !e->mirrors[j].location[0])
                                return error_set(err, 0, "%s: a mirror of \"%s\" has no location",
                                                 ps->name, e->prefix);
        }
        return 0;
}

static int parse_text(struct conf_parser *ps, struct error **err)
{
        while (ps->p < ps->end) {
                skip_space(ps, false);
                if (ps->p >= ps->end)
                        break;
                char c = *ps->p;
                int rc = 0;
                if (c == '\n') {
                        ps->p++;
                        ps->line++;
                        continue;
                }
                if (c == '#')
                        rc = expect_line_end(ps, err);
                else if (c == '[')
                        rc = parse_table_header(ps, err);
                else
                        rc = parse_key_value(ps, err);
                if (rc < 0)
                        return -1;
        }
        return finish_entries(ps, err);
}

int registries_conf_load(const char *path, struct registries_conf *out, struct error **err)
{
        *out = (struct registries_conf){0};
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
        const char *slash = strrchr(path, '/');
        struct conf_parser ps = {
            .name = slash ? slash + 1 : path,
            .p = text,
            .end = text + len,
            .line = 1,
            .table = TABLE_TOP,
            .conf = out,
        };
        if (parse_text(&ps, err) < 0) {
                registries_conf_release(out);
                return -1;
        }
        return 0;
}

static void endpoint_release(struct registries_endpoint *e)
{
        free(e->location);
        e->location = NULL;
}

void registries_conf_release(struct registries_conf *conf)
{
        if (conf->unqualified_search)
                for (char **s = conf->unqualified_search; *s; s++)
                        free(*s);
        free(conf->unqualified_search);
        for (size_t i = 0; i < conf->n_entries; i++) {
                struct registries_entry *e = &conf->entries[i];
                free(e->prefix);
                endpoint_release(&e->endpoint);
                for (size_t j = 0; j < e->n_mirrors; j++)
                        endpoint_release(&e->mirrors[j]);
                free(e->mirrors);
        }
        free(conf->entries);
        *conf = (struct registries_conf){0};
}

/* How many characters of REPOSITORY PREFIX covers, or 0 when it does not match. A plain prefix
 * matches at a path boundary ("a.io/x" covers "a.io/x" and "a.io/x/y", not "a.io/xy"), as in
 * containers/image; "*.example.com" matches any host under example.com. */
static size_t prefix_match(const char *prefix, const char *repository)
{
        if (strncmp(prefix, "*.", 2) == 0) {
                size_t host_len = strcspn(repository, "/");
                size_t suffix_len = strlen(prefix + 1); /* ".example.com" */
                if (host_len <= suffix_len ||
                    strncmp(repository + host_len - suffix_len, prefix + 1, suffix_len) != 0)
                        return 0;
                return suffix_len + 1; /* a wildcard counts as long as its text, like the others */
        }
        size_t n = strlen(prefix);
        if (n == 0 || strncmp(prefix, repository, n) != 0)
                return 0;
        char next = repository[n];
        if (next == '\0' || next == '/' || next == ':' || next == '@' || prefix[n - 1] == '/')
                return n;
        return 0;
}

const struct registries_entry *registries_conf_match(const struct registries_conf *conf,
                                                     const char *repository)
{
        const struct registries_entry *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < conf->n_entries; i++) {
                size_t n = prefix_match(conf->entries[i].prefix, repository);
                if (n > best_len) {
                        best = &conf->entries[i];
                        best_len = n;
                }
        }
        return best;
}
