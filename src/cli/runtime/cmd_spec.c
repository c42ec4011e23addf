/* spec: a default config.json, as `runc spec` writes it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "commands.h"
#include "error.h"
#include "fs.h"
#include "spec_default.h"

int cmd_spec(const struct runtime_options *rt, int argc, char **argv)
{
        (void)rt;
        static const struct option flags[] = {{"bundle", required_argument, NULL, 'b'},
                                              {"rootless", no_argument, NULL, 'r'},
                                              {"help", no_argument, NULL, 'h'},
                                              {0}};
        const char *bundle = ".";
        bool rootless = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "+b:h", flags, NULL)) != -1) {
                switch (opt) {
                case 'b':
                        bundle = optarg;
                        break;
                case 'r':
                        rootless = true;
                        break;
                case 'h':
                        puts("usage: berth-runtime spec [--bundle DIR] [--rootless]");
                        return 0;
                default:
                        return cli_bad_flag("spec", argv);
                }
        }
        if (cli_expect_args("spec", argc, argv, optind, 0, ""))
                return 1;
        struct error *err = NULL;
        _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
        if (access(path, F_OK) == 0) {
                error_set(&err, 0, "%s exists already: remove it first", path);
                return cli_fail(&err);
        }
        _cleanup_free_ char *json = oci_spec_default_json(rootless);
        if (fs_write_file_atomic(path, json, strlen(json), 0666 & ~0022, &err) < 0)
                return cli_fail(&err);
        return 0;
}
