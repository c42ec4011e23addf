/* Platforms (image-index.md#image-index-property-descriptions, platform) and choosing an index
 * entry for one. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "alloc.h"
#include "image_manifest.h"
#include "image_manifest_internal.h"
#include "json_field.h"
#include "media_type.h"

/* Names other tools use for a GOARCH value (uname, docker's platform normalisation). */
static const char *architecture_normalise(const char *arch)
{
        static const struct {
                const char *alias, *goarch;
        } aliases[] = {
            {"x86_64", "amd64"}, {"x86-64", "amd64"}, {"aarch64", "arm64"},
            {"i386", "386"},     {"i486", "386"},     {"i586", "386"},
            {"i686", "386"},     {"armhf", "arm"},    {"armel", "arm"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
                if (strcmp(arch, aliases[i].alias) == 0)
                        return aliases[i].goarch;
        return arch;
}

void oci_platform_release(struct oci_platform *p)
{
        if (p == NULL)
                return;
        free(p->architecture);
        free(p->os);
        free(p->variant);
        free(p->os_version);
        *p = (struct oci_platform){0};
}

int image_platform_read(json_t *obj, const char *parent, struct oci_platform **out,
                        struct error **err)
{
        *out = NULL;
        json_t *member;
        int r = json_field_object(obj, parent, "platform", false, &member, err);
        if (r <= 0)
                return r;
        _cleanup_free_ char *path = json_field_path(parent, "platform");
        struct oci_platform p = {0};
        char **features = NULL;
        size_t n;
        /* image-index.md: architecture and os are REQUIRED; os.features and features are
         * arrays of strings. */
        if (json_field_string(member, path, "architecture", true, &p.architecture, err) < 0 ||
            json_field_string(member, path, "os", true, &p.os, err) < 0 ||
            json_field_string(member, path, "variant", false, &p.variant, err) < 0 ||
            json_field_string(member, path, "os.version", false, &p.os_version, err) < 0)
                goto fail;
        if (json_field_string_array(member, path, "os.features", &features, &n, err) < 0)
                goto fail;
        json_field_free_strings(steal_pointer(&features));
        if (json_field_string_array(member, path, "features", &features, &n, err) < 0)
                goto fail;
        json_field_free_strings(steal_pointer(&features));
        if (*p.architecture == '\0') {
                json_field_error(err, path, "architecture", "must not be empty");
                goto fail;
        }
        if (*p.os == '\0') {
                json_field_error(err, path, "os", "must not be empty");
                goto fail;
        }
        *out = xmalloc(sizeof(**out));
        **out = p;
        return 1;
fail:
        json_field_free_strings(features);
        oci_platform_release(&p);
        return -1;
}

json_t *image_platform_to_json(const struct oci_platform *p)
{
        json_t *obj = json_object();
        json_object_set_new(obj, "architecture", json_string(p->architecture));
        json_object_set_new(obj, "os", json_string(p->os));
        if (p->os_version)
                json_object_set_new(obj, "os.version", json_string(p->os_version));
        if (p->variant)
                json_object_set_new(obj, "variant", json_string(p->variant));
        return obj;
}

int oci_platform_parse(const char *text, struct oci_platform *out, struct error **err)
{
        *out = (struct oci_platform){0};
        const char *first = strchr(text, '/');
        const char *second = first ? strchr(first + 1, '/') : NULL;
        if (first == NULL || first == text || first[1] == '\0' || first + 1 == second ||
            (second && (second[1] == '\0' || strchr(second + 1, '/'))))
                return error_set(err, 0, "invalid platform \"%s\": want os/arch[/variant]", text);
        _cleanup_free_ char *arch =
            second ? xstrndup(first + 1, (size_t)(second - first - 1)) : xstrdup(first + 1);
        out->os = xstrndup(text, (size_t)(first - text));
        out->architecture = xstrdup(architecture_normalise(arch));
        out->variant = second ? xstrdup(second + 1) : NULL;
        return 0;
}

void oci_platform_host(struct oci_platform *out)
{
        *out = (struct oci_platform){0};
        struct utsname u;
        const char *machine = uname(&u) == 0 ? u.machine : "unknown";
        const char *arch = architecture_normalise(machine);
        const char *variant = NULL;
        if (strcmp(arch, "arm64") == 0) {
                variant = "v8";
        } else if (strncmp(machine, "armv", 4) == 0) {
                /* armv7l, armv6l, armv5tel: the variant is the ISA version. */
                arch = "arm";
                if (machine[4] >= '5' && machine[4] <= '8')
                        variant = machine[4] == '8'   ? "v8"
                                  : machine[4] == '7' ? "v7"
                                  : machine[4] == '6' ? "v6"
                                                      : "v5";
        }
        out->os = xstrdup("linux");
        out->architecture = xstrdup(arch);
        out->variant = variant ? xstrdup(variant) : NULL;
}

char *oci_platform_format(const struct oci_platform *p)
{
        return xasprintf("%s/%s%s%s", p->os ? p->os : "unknown",
                         p->architecture ? p->architecture : "unknown", p->variant ? "/" : "",
                         p->variant ? p->variant : "");
}

/* The variant an entry means when it names none (docker's platforms package): arm64 is v8,
 * arm is v7. */
static const char *variant_or_default(const char *arch, const char *variant)
{
        if (variant && *variant)
                return variant;
        if (strcmp(arch, "arm64") == 0)
                return "v8";
        if (strcmp(arch, "arm") == 0)
                return "v7";
        return NULL;
}

bool oci_platform_matches(const struct oci_platform *want, const struct oci_platform *have)
{
        if (have->os == NULL || have->architecture == NULL || want->os == NULL ||
            want->architecture == NULL)
                return false;
        if (strcmp(want->os, have->os) != 0)
                return false;
        const char *arch = architecture_normalise(want->architecture);
        if (strcmp(arch, architecture_normalise(have->architecture)) != 0)
                return false;
        /* image-index.md#platform-variants: the variant matters only when one is wanted, and
         * amd64's micro-architecture levels (v2, v3) are not told apart, as docker does. */
        if (want->variant == NULL || *want->variant == '\0' || strcmp(arch, "amd64") == 0)
                return true;
        const char *have_variant = variant_or_default(arch, have->variant);
        if (have_variant == NULL)
                return false;
        if (strcmp(want->variant, have_variant) == 0)
                return true;
        /* An arm v7 machine runs v6 and v5 code too. */
        if (strcmp(arch, "arm") == 0 && want->variant[0] == 'v' && have_variant[0] == 'v' &&
            strlen(want->variant) == 2 && strlen(have_variant) == 2)
                return have_variant[1] < want->variant[1];
        return false;
}

static bool variant_is_exact(const struct oci_platform *want, const struct oci_platform *have)
{
        return want->variant && have->variant && strcmp(want->variant, have->variant) == 0;
}

int oci_index_select(const struct oci_index *ix, const struct oci_platform *want,
                     struct error **err)
{
        int first = -1, exact = -1, unplatformed = -1;
        for (size_t i = 0; i < ix->n_manifests; i++) {
                const struct oci_descriptor *d = &ix->manifests[i];
                /* image-index.md: an entry of an unknown media type must be ignored (nested
                 * indexes are not followed). */
                if (media_type_kind(d->media_type) != MEDIA_KIND_MANIFEST)
                        continue;
                if (d->platform == NULL) {
                        if (unplatformed < 0)
                                unplatformed = (int)i;
                        continue;
                }
                if (!oci_platform_matches(want, d->platform))
                        continue;
                if (first < 0)
                        first = (int)i;
                if (exact < 0 && variant_is_exact(want, d->platform))
                        exact = (int)i;
        }
        if (exact >= 0)
                return exact;
        if (first >= 0)
                return first;
        /* An index whose entries name no platform (as some OCI layouts are made) is taken to
         * hold images for any platform. */
        if (unplatformed >= 0)
                return unplatformed;

        _cleanup_free_ char *wanted = oci_platform_format(want);
        size_t cap = 64, len = 0;
        _cleanup_free_ char *offered = xmalloc(cap);
        offered[0] = '\0';
        for (size_t i = 0; i < ix->n_manifests; i++) {
                if (ix->manifests[i].platform == NULL)
                        continue;
                _cleanup_free_ char *one = oci_platform_format(ix->manifests[i].platform);
                size_t need = len + strlen(one) + 3;
                if (need > cap) {
                        cap = need * 2;
                        offered = xrealloc(offered, cap);
                }
                len += (size_t)sprintf(offered + len, "%s%s", len ? ", " : "", one);
        }
        return error_set(err, 0, "no image for %s in the index (has %s)", wanted,
                         len ? offered : "no platforms");
}
