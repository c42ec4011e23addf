#include "json_text.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

char *json_text_quote(const char *s)
{
        size_t len = strlen(s);
        char *out = xmalloc(len * 6 + 3);
        char *p = out;
        *p++ = '"';
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                switch (*c) {
                case '"':
                        *p++ = '\\';
                        *p++ = '"';
                        break;
                case '\\':
                        *p++ = '\\';
                        *p++ = '\\';
                        break;
                case '\n':
                        *p++ = '\\';
                        *p++ = 'n';
                        break;
                case '\r':
                        *p++ = '\\';
                        *p++ = 'r';
                        break;
                case '\t':
                        *p++ = '\\';
                        *p++ = 't';
                        break;
                default:
                        if (*c < 0x20)
                                p += sprintf(p, "\\u%04x", *c);
                        else
                                *p++ = (char)*c;
                }
        }
        *p++ = '"';
        *p = '\0';
        return out;
}
