/*
 * The grammar is distribution/reference's (regexp.go), checked by hand rather than by regex:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host [ ":" port ]
 *   host       := label ( "." label )* | "[" ipv6 "]"
 *   label      := [a-zA-Z0-9] | [a-zA-Z0-9] [a-zA-Z0-9-]* [a-zA-Z0-9]
 *   component  := alnum ( separator alnum )*      alnum := [a-z0-9]+
 *   separator  := "." | "_" | "__" | "-"+
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 */
#include "image_reference.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "base/digest.h"

#define DEFAULT_DOMAIN        "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX  "library/"
#define DEFAULT_TAG           "latest"
#define NAME_TOTAL_LENGTH_MAX 255
#define TAG_LENGTH_MAX        128

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
        return is_alnum(c) || c == '_';
}

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One path component, S[0..LEN): alnum runs joined by ".", "_", "__" or "-"+. */
static bool path_component_is_valid(const char *s, size_t len)
{
        size_t i = 0;
        for (;;) {
                size_t start = i;
                while (i < len && is_lower_alnum(s[i]))
                        i++;
                if (i == start)
                        return false; /* empty, or a separator at the start or doubled */
                if (i == len)
                        return true;
                if (s[i] == '.') {
                        i++;
                } else if (s[i] == '_') {
                        i++;
                        if (i < len && s[i] == '_')
                                i++;
                } else if (s[i] == '-') {
                        while (i < len && s[i] == '-')
                                i++;
                } else {
                        return false;
                }
        }
}

/* A host name label, S[0..LEN): letters, digits and inner hyphens. */
static bool domain_label_is_valid(const char *s, size_t len)
{
        if (len == 0 || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

static bool domain_is_valid(const char *domain)
{
        const char *host_end;
        if (domain[0] == '[') {
                /* An IPv6 address in brackets; what is inside is left to the resolver. */
                host_end = strchr(domain, ']');
                if (host_end == NULL || host_end == domain + 1)
                        return false;
                for (const char *p = domain + 1; p < host_end; p++)
                        if (!is_hex(*p) && *p != ':')
                                return false;
                host_end++;
        } else {
                host_end = domain + strcspn(domain, ":");
                const char *label = domain;
                for (;;) {
                        size_t len = strcspn(label, ".:");
                        if (label + len > host_end)
                                len = (size_t)(host_end - label);
                        if (!domain_label_is_valid(label, len))
                                return false;
                        if (label + len == host_end)
                                break;
                        label += len + 1;
                }
        }
        if (*host_end == '\0')
                return true;
        if (*host_end != ':' || host_end[1] == '\0')
                return false;
        for (const char *p = host_end + 1; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        return true;
}

static bool tag_is_valid(const char *tag)
{
        size_t len = strlen(tag);
        if (len == 0 || len > TAG_LENGTH_MAX || !is_word(tag[0]))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-')
                        return false;
        return true;
}

/* docker refuses a bare 64-hex name: it would be taken for an image ID. */
static bool is_full_id(const char *text)
{
        size_t len = strlen(text);
        if (len != 64)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_lower_alnum(text[i]) || text[i] > 'f')
                        return false;
        return true;
}

/* The first component is a domain when it looks like a host: it has a '.' or a ':' (a port)
 * or is "localhost" (distribution/reference normalize.go splitDockerDomain). */
static bool looks_like_domain(const char *s, size_t len)
{
        return memchr(s, '.', len) || memchr(s, ':', len) ||
               (len == strlen("localhost") && strncmp(s, "localhost", len) == 0);
}

static int invalid(struct error **err, const char *text, const char *why)
{
        return error_set(err, 0, "invalid reference format \"%s\": %s", text, why);
}

int image_reference_parse(const char *text, struct image_reference *out, struct error **err)
{
        *out = (struct image_reference){0};
        if (*text == '\0')
                return invalid(err, text, "repository name must have at least one component");
        if (is_full_id(text))
                return invalid(err, text, "cannot specify a 64-byte hexadecimal string as a name");

        _cleanup_free_ char *name = xstrdup(text);
        _cleanup_free_ char *digest = NULL;
        _cleanup_free_ char *tag = NULL;

        char *at = strchr(name, '@');
        if (at) {
                *at = '\0';
                struct digest d;
                _cleanup_error_ struct error *digest_err = NULL;
                if (digest_parse(at + 1, &d, &digest_err) < 0)
                        return invalid(err, text, digest_err->msg);
                digest = xstrdup(d.text);
        }
        char *last_slash = strrchr(name, '/');
        char *colon = strrchr(last_slash ? last_slash : name, ':');
        if (colon) {
                *colon = '\0';
                if (!tag_is_valid(colon + 1))
                        return invalid(err, text,
                                       "a tag is 1 to 128 of [A-Za-z0-9_.-] and cannot start with "
                                       "'.' or '-'");
                tag = xstrdup(colon + 1);
        }
        if (*name == '\0')
                return invalid(err, text, "repository name must have at least one component");

        _cleanup_free_ char *domain = NULL;
        const char *path = name;
        size_t first_len = strcspn(name, "/");
        if (name[first_len] == '/' && looks_like_domain(name, first_len)) {
                domain = xstrndup(name, first_len);
                path = name + first_len + 1;
                if (!domain_is_valid(domain))
                        return invalid(err, text, "malformed registry host");
        } else {
                domain = xstrdup(DEFAULT_DOMAIN);
        }
        if (strcmp(domain, LEGACY_DEFAULT_DOMAIN) == 0) {
                free(domain);
                domain = xstrdup(DEFAULT_DOMAIN);
        }

        for (const char *p = path; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        return invalid(err, text, "repository name must be lowercase");
        const char *component = path;
        for (;;) {
                size_t len = strcspn(component, "/");
                if (!path_component_is_valid(component, len))
                        return invalid(err, text,
                                       len == 0 ? "empty path component"
                                                : "path components are [a-z0-9] runs joined by "
                                                  "'.', '_', '__' or '-'");
                if (component[len] == '\0')
                        break;
                component += len + 1;
        }

        char *full_path = strcmp(domain, DEFAULT_DOMAIN) == 0 && strchr(path, '/') == NULL
                              ? xasprintf(OFFICIAL_REPO_PREFIX "%s", path)
                              : xstrdup(path);
        if (strlen(domain) + 1 + strlen(full_path) > NAME_TOTAL_LENGTH_MAX) {
                free(full_path);
                return invalid(err, text, "repository name must not be more than 255 characters");
        }
        if (tag == NULL && digest == NULL)
                tag = xstrdup(DEFAULT_TAG);

        out->domain = steal_pointer(&domain);
        out->path = full_path;
        out->tag = steal_pointer(&tag);
        out->digest = steal_pointer(&digest);
        return 0;
}

void image_reference_release(struct image_reference *ref)
{
        free(ref->domain);
        free(ref->path);
        free(ref->tag);
        free(ref->digest);
        *ref = (struct image_reference){0};
}

char *image_reference_repository(const struct image_reference *ref)
{
        return xasprintf("%s/%s", ref->domain, ref->path);
}

char *image_reference_format(const struct image_reference *ref)
{
        return xasprintf("%s/%s%s%s%s%s", ref->domain, ref->path, ref->tag ? ":" : "",
                         ref->tag ? ref->tag : "", ref->digest ? "@" : "",
                         ref->digest ? ref->digest : "");
}

bool image_reference_is_id_prefix(const char *text)
{
        size_t len = strlen(text);
        if (len < 3 || len > 64)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
                        return false;
        return true;
}
