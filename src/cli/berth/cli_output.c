/* Printing found objects as JSON, templates or tables (see cli_output.h). */
#include "cli_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
