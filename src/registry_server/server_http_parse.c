/* Routes, names, ranges, Accept and pagination of the registry server (server_http_parse.h). */
#include "server_http_parse.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether S (LEN bytes) ends with SUFFIX; then *stem is the length before it. */
static bool ends_with(const char *s, size_t len, const char *suffix, size_t *stem)
{
        size_t n = strlen(suffix);
        if (len < n || memcmp(s + len - n, suffix, n) != 0)
                return false;
        *stem = len - n;
        return true;
}

static enum route_kind route_set(struct route *out, enum route_kind kind, const char *name,
                                 size_t name_len, const char *reference)
{
        out->kind = kind;
        out->name = name ? xstrndup(name, name_len) : NULL;
        out->reference = reference ? xstrdup(reference) : NULL;
        return kind;
}

enum route_kind route_parse(const char *path, struct route *out)
{
        *out = (struct route){0};
        if (strcmp(path, "/v2/") == 0 || strcmp(path, "/v2") == 0)
                return route_set(out, ROUTE_BASE, NULL, 0, NULL);
        if (!has_prefix(path, "/v2/"))
                return ROUTE_NOT_FOUND;
        const char *rest = path + 4;
        size_t len = strlen(rest);
        if (strcmp(rest, "_catalog") == 0)
                return route_set(out, ROUTE_CATALOG, NULL, 0, NULL);

        size_t stem;
        if (ends_with(rest, len, "/tags/list", &stem) && stem > 0)
                return route_set(out, ROUTE_TAGS, rest, stem, NULL);
        if ((ends_with(rest, len, "/blobs/uploads/", &stem) ||
             ends_with(rest, len, "/blobs/uploads", &stem)) &&
            stem > 0)
                return route_set(out, ROUTE_UPLOAD_START, rest, stem, NULL);

        /* Everything else is NAME/<word>/<last>, <last> being one non-empty component. */
        const char *slash = strrchr(rest, '/');
        if (slash == NULL || slash[1] == '\0')
                return ROUTE_NOT_FOUND;
        const char *last = slash + 1;
        size_t before = (size_t)(slash - rest);
        static const struct {
                const char *word;
                enum route_kind kind;
        } words[] = {
            {"/blobs/uploads", ROUTE_UPLOAD},
            {"/blobs", ROUTE_BLOB},
            {"/manifests", ROUTE_MANIFEST},
            {"/referrers", ROUTE_REFERRERS},
        };
        for (size_t i = 0; i < ARRAY_SIZE(words); i++)
                if (ends_with(rest, before, words[i].word, &stem) && stem > 0)
                        return route_set(out, words[i].kind, rest, stem, last);
        return ROUTE_NOT_FOUND;
}

void route_release(struct route *r)
{
        free(r->name);
        free(r->reference);
        *r = (struct route){0};
}

const char *route_kind_name(enum route_kind kind)
{
        switch (kind) {
        case ROUTE_BASE:
                return "base";
        case ROUTE_CATALOG:
                return "catalog";
        case ROUTE_TAGS:
                return "tags";
        case ROUTE_MANIFEST:
                return "manifest";
        case ROUTE_BLOB:
                return "blob";
        case ROUTE_UPLOAD_START:
        case ROUTE_UPLOAD:
                return "upload";
        case ROUTE_REFERRERS:
                return "referrers";
        case ROUTE_TOKEN:
                return "token";
        case ROUTE_METRICS:
                return "metrics";
        case ROUTE_NOT_FOUND:
        case ROUTE_KIND_COUNT:
                break;
        }
        return "none";
}

static bool is_alnum_lower(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*; *p moves past it. */
static bool name_component(const char **p)
{
        const char *s = *p;
        if (!is_alnum_lower(*s))
                return false;
        while (is_alnum_lower(*s))
                s++;
        for (;;) {
                const char *sep = s;
                if (*s == '.')
                        s++;
                else if (*s == '_')
                        s += s[1] == '_' ? 2 : 1;
                else if (*s == '-')
                        while (*s == '-')
                                s++;
                if (s == sep)
                        break;
                if (!is_alnum_lower(*s))
                        return false; /* a separator must be followed by [a-z0-9] */
                while (is_alnum_lower(*s))
                        s++;
        }
        *p = s;
        return true;
}

bool registry_name_valid(const char *name)
{
        if (strlen(name) > 255)
                return false;
        const char *p = name;
        for (;;) {
                if (!name_component(&p))
                        return false;
                if (*p == '\0')
                        return true;
                if (*p != '/')
                        return false;
                p++;
        }
}

bool registry_tag_valid(const char *tag)
{
        size_t n = strlen(tag);
        if (n == 0 || n > 128)
                return false;
        if (!isalnum((unsigned char)tag[0]) && tag[0] != '_')
                return false;
        for (size_t i = 1; i < n; i++)
                if (!isalnum((unsigned char)tag[i]) && !strchr("._-", tag[i]))
                        return false;
        return true;
}

/* Decimal digits at *p (at least one) into *out; false on none or overflow. */
static bool parse_u64(const char **p, uint64_t *out)
{
        const char *s = *p;
        uint64_t v = 0;
        if (!isdigit((unsigned char)*s))
                return false;
        while (isdigit((unsigned char)*s)) {
                uint64_t d = (uint64_t)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
                s++;
        }
        *p = s;
        *out = v;
        return true;
}

static const char *skip_spaces(const char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

enum range_result http_range_parse(const char *header, uint64_t size, uint64_t *start,
                                   uint64_t *length)
{
        if (header == NULL)
                return RANGE_NONE;
        const char *p = skip_spaces(header);
        if (strncasecmp(p, "bytes", 5) != 0)
                return RANGE_NONE;
        p = skip_spaces(p + 5);
        if (*p != '=')
                return RANGE_NONE;
        p = skip_spaces(p + 1);
        if (strchr(p, ','))
                return RANGE_NONE; /* several ranges: the whole body */
        uint64_t first = 0, last = 0;
        if (*p == '-') {
                /* bytes=-N: the last N bytes */
                p++;
                if (!parse_u64(&p, &last) || *skip_spaces(p) != '\0')
                        return RANGE_NONE;
                if (last == 0 || size == 0)
                        return RANGE_UNSATISFIABLE;
                uint64_t n = last < size ? last : size;
                *start = size - n;
                *length = n;
                return RANGE_SATISFIABLE;
        }
        if (!parse_u64(&p, &first) || *p != '-')
                return RANGE_NONE;
        p++;
        bool open_ended = *skip_spaces(p) == '\0';
        if (!open_ended && (!parse_u64(&p, &last) || *skip_spaces(p) != '\0' || last < first))
                return RANGE_NONE; /* RFC 9110 14.1.1: last < first makes the range invalid */
        if (first >= size)
                return RANGE_UNSATISFIABLE;
        if (open_ended || last >= size)
                last = size - 1;
        *start = first;
        *length = last - first + 1;
        return RANGE_SATISFIABLE;
}

bool upload_content_range_parse(const char *header, uint64_t *start, uint64_t *end)
{
        const char *p = skip_spaces(header);
        if (strncasecmp(p, "bytes", 5) == 0) {
                p = skip_spaces(p + 5);
                if (*p == '=')
                        p++;
                p = skip_spaces(p);
        }
        uint64_t a, b;
        if (!parse_u64(&p, &a) || *p != '-')
                return false;
        p++;
        if (!parse_u64(&p, &b) || b < a)
                return false;
        if (*p == '/') {
                p++;
                uint64_t total;
                if (*p == '*')
                        p++;
                else if (!parse_u64(&p, &total))
                        return false;
        }
        if (*skip_spaces(p) != '\0')
                return false;
        *start = a;
        *end = b;
        return true;
}

/* Compares the type/subtype at S (LEN bytes, parameters excluded) with TYPE. */
static bool media_range_matches(const char *s, size_t len, const char *type)
{
        size_t tlen = strcspn(type, "; \t");
        if (len == 3 && memcmp(s, "*/*", 3) == 0)
                return true;
        if (len >= 2 && memcmp(s + len - 2, "/*", 2) == 0) {
                size_t major = len - 1; /* "type/" */
                return tlen >= major && strncasecmp(s, type, major) == 0;
        }
        return len == tlen && strncasecmp(s, type, len) == 0;
}

/* Whether the parameters of one Accept element (from P to END) hold q=0. */
static bool quality_is_zero(const char *p, const char *end)
{
        while (p < end) {
                const char *semi = memchr(p, ';', (size_t)(end - p));
                if (semi == NULL)
                        return false;
                p = skip_spaces(semi + 1);
                if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
                        p += 2;
                        /* q=0, q=0., q=0.0, q=0.000: all zero */
                        if (*p != '0')
                                return false;
                        p++;
                        if (*p == '.')
                                for (p++; p < end && *p == '0'; p++)
                                        ;
                        p = skip_spaces(p);
                        return p >= end || *p == ';';
                }
        }
        return false;
}

bool http_accept_allows(const char *accept, const char *media_type)
{
        if (accept == NULL || *skip_spaces(accept) == '\0')
                return true;
        const char *p = accept;
        while (*p) {
                p = skip_spaces(p);
                const char *end = strchr(p, ',');
                if (end == NULL)
                        end = p + strlen(p);
                size_t type_len = strcspn(p, ";, \t");
                if (type_len > (size_t)(end - p))
                        type_len = (size_t)(end - p);
                if (type_len > 0 && media_range_matches(p, type_len, media_type) &&
                    !quality_is_zero(p + type_len, end))
                        return true;
                p = *end ? end + 1 : end;
        }
        return false;
}

bool page_size_parse(const char *text, uint64_t max, uint64_t *out)
{
        uint64_t v;
        const char *p = text;
        if (!parse_u64(&p, &v) || *p != '\0') {
                /* Too many digits is still a number: the most the server gives. */
                for (p = text; isdigit((unsigned char)*p); p++)
                        ;
                if (p == text || *p != '\0')
                        return false;
                v = max;
        }
        *out = v < max ? v : max;
        return true;
}

char *url_query_escape(const char *text)
{
        size_t n = strlen(text);
        char *out = xmalloc(3 * n + 1);
        char *o = out;
        for (const char *s = text; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
                        *o++ = (char)c;
                } else {
                        static const char hex[] = "0123456789ABCDEF";
                        *o++ = '%';
                        *o++ = hex[c >> 4];
                        *o++ = hex[c & 15];
                }
        }
        *o = '\0';
        return out;
}

char *page_link_next(const char *path, uint64_t n, const char *last)
{
        _cleanup_free_ char *escaped = url_query_escape(last);
        return xasprintf("<%s?n=%" PRIu64 "&last=%s>; rel=\"next\"", path, n, escaped);
}
