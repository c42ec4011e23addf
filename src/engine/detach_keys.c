/* docker's detach keys (moby/term ToBytes and the escape proxy), see detach_keys.h. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "detach_keys.h"

/* The control code of "ctrl-X", or -1. */
static int control_code(char x)
{
        x = (char)tolower((unsigned char)x);
        if (x >= 'a' && x <= 'z')
                return x - 'a' + 1;
        static const char others[] = "@[\\]^_"; /* 0, 27, 28, 29, 30, 31 */
        const char *p = strchr(others, x);
        if (!p || !*p)
                return -1;
        return p == others ? 0 : 27 + (int)(p - others - 1);
}

int detach_keys_parse(const char *text, struct detach_keys *out, struct error **err)
{
        memset(out, 0, sizeof(*out));
        if (*text == '\0')
                return 0;
        _cleanup_free_ char *copy = xstrdup(text);
        char *save = NULL;
        for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
                int code = -1;
                if (strlen(key) == 1)
                        code = (unsigned char)key[0];
                else if (strlen(key) == 6 && strncasecmp(key, "ctrl-", 5) == 0)
                        code = control_code(key[5]);
                if (code < 0)
                        return error_set(err, 0, "invalid detach keys (%s): unknown character '%s'",
                                         text, key);
                if (out->n == DETACH_KEYS_MAX)
                        return error_set(err, 0, "invalid detach keys (%s): more than %d keys",
                                         text, DETACH_KEYS_MAX);
                out->keys[out->n++] = (unsigned char)code;
        }
        if (out->n == 0)
                return error_set(err, 0, "invalid detach keys (%s)", text);
        return 0;
}

bool detach_keys_feed(struct detach_keys *k, const unsigned char *in, size_t n, unsigned char *out,
                      size_t *out_len)
{
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                if (k->n == 0) {
                        out[len++] = in[i];
                        continue;
                }
                if (in[i] == k->keys[k->matched]) {
                        if (++k->matched == k->n) {
                                k->matched = 0;
                                *out_len = len;
                                return true;
                        }
                        continue;
                }
                /* Not the sequence after all: what was held back goes out, then this byte,
                 * which may itself start the sequence again. */
                memcpy(out + len, k->keys, k->matched);
                len += k->matched;
                k->matched = 0;
                if (in[i] == k->keys[0])
                        k->matched = 1;
                else
                        out[len++] = in[i];
        }
        *out_len = len;
        return false;
}
