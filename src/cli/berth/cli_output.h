/* How the list and inspect commands print what they found: indented JSON, a Go-like template
 * per object (cli_format_template), or a table, as docker's --format picks. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

/* VALUE as docker prints JSON (indented by 4, keys in their order); "[]" if it cannot be
 * dumped. */
void cli_print_json(json_t *value);

/* Each object of array LIST through template FORMAT, one line each. 0, or cli_fail's status at
 * the first malformed template (the error is printed). */
int cli_print_templates(const char *format, json_t *list);

/* An `ls` command's rows (array ROWS of objects): with QUIET each row's QUIET_FIELD only;
 * else FORMAT "json" (the array), "table" (PRINT_TABLE), or a template per row. 0, or
 * cli_fail's status. */
int cli_print_listing(json_t *rows, bool quiet, const char *quiet_field, const char *format,
                      void (*print_table)(json_t *rows));

/* A table as docker and podman print theirs (Go's tabwriter): each column as wide as its widest
 * cell, at least CLI_TABLE_MIN_WIDTH with the padding, then two spaces (podman's layout, which
 * berth's tables have followed); the last column is not padded. */
struct cli_table {
        size_t columns, rows, capacity;
        char **cells; /* rows * columns, copies */
};
void cli_table_init(struct cli_table *t, size_t columns);
/* One row of T's number of cells; a NULL cell prints empty. */
void cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t);
void cli_table_release(struct cli_table *t);

/* A label filter's SPEC ("KEY" or "KEY=VALUE", as docker's `--filter label=`) against object
 * LABELS (may be NULL). */
bool cli_labels_match(json_t *labels, const char *spec);
