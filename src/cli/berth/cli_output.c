/* Printing found objects as JSON, templates or tables (see cli_output.h). */
#include "cli_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"

void cli_print_json(json_t *value)
{
        char *text = json_dumps(value, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "[]");
        free(text);
}

int cli_print_templates(const char *format, json_t *list)
{
        struct error *err = NULL;
        size_t i;
        json_t *o;
        json_array_foreach(list, i, o)
        {
                char *line = cli_format_template(format, o, &err);
                if (!line)
                        return cli_fail(&err);
                printf("%s\n", line);
                free(line);
        }
        return 0;
}

int cli_print_listing(json_t *rows, bool quiet, const char *quiet_field, const char *format,
                      void (*print_table)(json_t *rows))
{
        if (quiet) {
                size_t i;
                json_t *o;
                json_array_foreach(rows, i, o)
                    printf("%s\n", json_string_value(json_object_get(o, quiet_field)));
                return 0;
        }
        if (strcmp(format, "json") == 0) {
                cli_print_json(rows);
                return 0;
        }
        if (strcmp(format, "table") == 0) {
                print_table(rows);
                return 0;
        }
        return cli_print_templates(format, rows);
}

#define CLI_TABLE_PADDING   2
#define CLI_TABLE_MIN_WIDTH 12

void cli_table_init(struct cli_table *t, size_t columns)
{
        *t = (struct cli_table){.columns = columns};
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
        if (t->rows == t->capacity) {
                t->capacity = t->capacity ? t->capacity * 2 : 16;
                t->cells = xrealloc(t->cells, t->capacity * t->columns * sizeof(char *));
        }
        for (size_t c = 0; c < t->columns; c++)
                t->cells[t->rows * t->columns + c] = xstrdup(cells[c] ? cells[c] : "");
        t->rows++;
}

/* Characters on the terminal, not bytes: UTF-8 continuation bytes do not count. */
static size_t display_width(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                if (((unsigned char)*s & 0xc0) != 0x80)
                        n++;
        return n;
}

void cli_table_print(const struct cli_table *t)
{
        size_t width[t->columns];
        for (size_t c = 0; c < t->columns; c++) {
                width[c] = CLI_TABLE_MIN_WIDTH - CLI_TABLE_PADDING;
                for (size_t r = 0; r < t->rows; r++) {
                        size_t w = display_width(t->cells[r * t->columns + c]);
                        if (w > width[c])
                                width[c] = w;
                }
        }
        for (size_t r = 0; r < t->rows; r++) {
                for (size_t c = 0; c < t->columns; c++) {
                        const char *cell = t->cells[r * t->columns + c];
                        fputs(cell, stdout);
                        if (c + 1 < t->columns)
                                printf("%*s",
                                       (int)(width[c] - display_width(cell) + CLI_TABLE_PADDING),
                                       "");
                }
                putchar('\n');
        }
}

void cli_table_release(struct cli_table *t)
{
        for (size_t i = 0; i < t->rows * t->columns; i++)
                free(t->cells[i]);
        free(t->cells);
        *t = (struct cli_table){0};
}

bool cli_labels_match(json_t *labels, const char *spec)
{
        const char *eq = strchr(spec, '=');
        _cleanup_free_ char *key = eq ? xstrndup(spec, (size_t)(eq - spec)) : xstrdup(spec);
        json_t *have = json_object_get(labels, key);
        return have &&
               (!eq || (json_is_string(have) && strcmp(json_string_value(have), eq + 1) == 0));
}
