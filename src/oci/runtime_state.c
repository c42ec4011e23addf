/* The state document (runtime-spec runtime.md "State"), with runc's extra fields. */
#include "runtime_state.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "runtime_config.h"

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlongs, no surrogates). */
static size_t utf8_sequence_length(const unsigned char *s)
{
        if (s[0] < 0x80)
                return 1;
        size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
        if (len == 0 || s[0] > 0xf4)
                return 0;
        for (size_t i = 1; i < len; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
            (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
                return 0;
        return len;
}

/* A JSON string of value; bytes that are not UTF-8 become U+FFFD, as Go's encoder (and so
 * runc) writes them, rather than dropping the field. */
static json_t *string_value(const char *value)
{
        json_t *str = json_string(value);
        if (str)
                return str;
        size_t len = strlen(value);
        _cleanup_free_ char *clean = xmalloc(len * 3 + 1);
        char *out = clean;
        for (const unsigned char *s = (const unsigned char *)value; *s;) {
                size_t n = utf8_sequence_length(s);
                if (n == 0) {
                        memcpy(out, "\xef\xbf\xbd", 3);
                        out += 3;
                        s++;
                        continue;
                }
                memcpy(out, s, n);
                out += n;
                s += n;
        }
        *out = '\0';
        return json_string(clean);
}

static void set_string(json_t *obj, const char *key, const char *value)
{
        if (value)
                json_object_set_new(obj, key, string_value(value));
}

char *oci_state_to_json(const struct oci_state *state, int pretty)
{
        /* jansson keeps insertion order, which is the order runc prints. */
        json_t *obj = json_object();
        set_string(obj, "ociVersion", state->oci_version);
        set_string(obj, "id", state->id);
        if (state->pid >= 0)
                json_object_set_new(obj, "pid", json_integer(state->pid));
        set_string(obj, "status", state->status);
        set_string(obj, "bundle", state->bundle);
        set_string(obj, "rootfs", state->rootfs);
        set_string(obj, "created", state->created);
        set_string(obj, "owner", state->owner);
        if (state->n_annotations > 0) {
                json_t *annotations = json_object();
                for (size_t i = 0; i < state->n_annotations; i++)
                        set_string(annotations, state->annotations[i].key,
                                   state->annotations[i].value);
                json_object_set_new(obj, "annotations", annotations);
        }
        size_t flags = pretty ? JSON_INDENT(2) : JSON_COMPACT;
        char *text = json_dumps(obj, flags);
        json_decref(obj);
        if (text == NULL)
                text = xstrdup("{}"); /* only on out-of-memory inside jansson */
        /* json_dumps allocates with malloc, so the caller's free() matches. */
        return text;
}
