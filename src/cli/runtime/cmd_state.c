/* state and list. */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "commands.h"
#include "container.h"
#include "error.h"
#include "fs.h"

int cmd_state(const struct runtime_options *rt, int argc, char **argv)
{
        static const struct option flags[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", flags, NULL)) != -1) {
                if (opt == 'h') {
                        puts("usage: berth-runtime state CONTAINER-ID");
                        return 0;
                }
                return cli_bad_flag("state", argv);
        }
        if (cli_expect_args("state", argc, argv, optind, 1, "container id"))
                return 1;
        struct error *err = NULL;
        _cleanup_container_record_ struct container_record *rec =
            container_record_load(rt, argv[optind], &err);
        if (rec == NULL)
                return cli_fail(&err);
        _cleanup_free_ char *json = container_state_json(rt, rec, true);
        fputs(json, stdout);
        return 0;
}

/* The name of DIR's owner from the host's /etc/passwd, or "#UID", as runc prints it. Read
 * directly rather than with getpwuid: berth-runtime is a static binary (meson.build), where
 * glibc's NSS would have to load shared libraries. */
static char *owner_of(const char *dir)
{
        struct stat st;
        if (stat(dir, &st) < 0)
                return xstrdup("");
        _cleanup_free_ char *passwd = fs_read_file("/etc/passwd", NULL, NULL);
        char *save = NULL;
        for (char *line = passwd ? strtok_r(passwd, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                /* name:password:uid:... */
                char *name_end = strchr(line, ':');
                char *uid = name_end ? strchr(name_end + 1, ':') : NULL;
                if (uid == NULL)
                        continue;
                char *end = NULL;
                unsigned long value = strtoul(uid + 1, &end, 10);
                if (end != uid + 1 && *end == ':' && value == (unsigned long)st.st_uid)
                        return xstrndup(line, (size_t)(name_end - line));
        }
        return xasprintf("#%u", (unsigned)st.st_uid);
}

/* Columns as runc prints them (Go's tabwriter: at least 12 wide, 3 of padding). */
static void print_table(char ***rows, size_t n_rows, size_t n_cols)
{
        size_t width[8] = {0};
        for (size_t r = 0; r < n_rows; r++)
                for (size_t c = 0; c < n_cols; c++) {
                        size_t w = strlen(rows[r][c]) + 3;
                        if (w < 12)
                                w = 12;
                        if (w > width[c])
                                width[c] = w;
                }
        for (size_t r = 0; r < n_rows; r++) {
                for (size_t c = 0; c + 1 < n_cols; c++)
                        printf("%-*s", (int)width[c], rows[r][c]);
                printf("%s\n", rows[r][n_cols - 1]);
        }
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(const struct runtime_options *rt, int argc, char **argv)
{
        static const struct option flags[] = {{"format", required_argument, NULL, 'f'},
                                              {"quiet", no_argument, NULL, 'q'},
                                              {"help", no_argument, NULL, 'h'},
                                              {0}};
        bool quiet = false, json = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "+f:qh", flags, NULL)) != -1) {
                switch (opt) {
                case 'q':
                        quiet = true;
                        break;
                case 'f':
                        if (strcmp(optarg, "json") == 0)
                                json = true;
                        else if (strcmp(optarg, "table") != 0)
                                return cli_usage_error("list",
                                                       "--format: unknown format %s "
                                                       "(table or json)",
                                                       optarg);
                        break;
                case 'h':
                        puts("usage: berth-runtime list [--format table|json] [-q]");
                        return 0;
                default:
                        return cli_bad_flag("list", argv);
                }
        }
        if (cli_expect_args("list", argc, argv, optind, 0, ""))
                return 1;
        char **names = NULL;
        size_t n = 0;
        DIR *d = opendir(rt->root);
        for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
                if (de->d_name[0] == '.' || container_id_check(de->d_name, NULL) < 0)
                        continue;
                names = xrealloc(names, (n + 1) * sizeof(char *));
                names[n++] = xstrdup(de->d_name);
        }
        if (d)
                closedir(d);
        if (n)
                qsort(names, n, sizeof(char *), compare_names);
        json_t *array = json_array();
        char ***rows = xcalloc(n + 1, sizeof(char **));
        size_t n_rows = 0;
        static char *header[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
        rows[n_rows++] = header;
        for (size_t i = 0; i < n; i++) {
                struct container_record *rec = container_record_load(rt, names[i], NULL);
                if (rec == NULL)
                        continue;
                _cleanup_free_ char *dir = container_dir(rt, names[i]);
                _cleanup_free_ char *state = container_state_json(rt, rec, false);
                json_t *obj = json_loads(state, 0, NULL);
                char *owner = owner_of(dir);
                json_object_set_new(obj, "owner", json_string(owner));
                if (quiet) {
                        puts(rec->id);
                } else if (json) {
                        json_array_append(array, obj);
                } else {
                        char **row = xcalloc(6, sizeof(char *));
                        row[0] = xstrdup(rec->id);
                        row[1] = xasprintf(
                            "%lld", (long long)json_integer_value(json_object_get(obj, "pid")));
                        row[2] = xstrdup(json_string_value(json_object_get(obj, "status")));
                        row[3] = xstrdup(rec->bundle);
                        row[4] = xstrdup(rec->created);
                        row[5] = xstrdup(owner);
                        rows[n_rows++] = row;
                }
                free(owner);
                json_decref(obj);
                container_record_free(rec);
        }
        if (json) {
                char *text = json_dumps(array, JSON_COMPACT | JSON_PRESERVE_ORDER);
                puts(text);
                free(text);
        } else if (!quiet) {
                print_table(rows, n_rows, 6);
        }
        for (size_t r = 1; r < n_rows; r++) {
                for (int c = 0; c < 6; c++)
                        free(rows[r][c]);
                free(rows[r]);
        }
        free(rows);
        json_decref(array);
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return 0;
}
