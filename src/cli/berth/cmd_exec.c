/* berth exec: a new process in a running container, through the runtime's exec (which starts
 * from the container's own process: its env, user, capabilities, seccomp, AppArmor). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/engine.h"

static const char exec_help[] =
    "usage: berth exec [options] CONTAINER COMMAND [ARG...]\n"
    "\n"
    "Run a command in a running container; exits with its exit code (126: cannot be invoked,\n"
    "127: not found).\n"
    "\n"
    "  -i, --interactive   keep stdin open\n"
    "  -t, --tty           allocate a terminal\n"
    "  -d, --detach        run in the background\n"
    "  -e, --env KEY=VAL   set an environment variable\n"
    "  -u, --user USER[:GROUP]  resolved in the container's /etc/passwd and /etc/group\n"
    "  -w, --workdir DIR   working directory\n"
    "      --privileged    all capabilities\n";

int cmd_exec(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_PRIVILEGED = 256 };
        static const struct option options[] = {
            {"interactive", no_argument, NULL, 'i'},
            {"tty", no_argument, NULL, 't'},
            {"detach", no_argument, NULL, 'd'},
            {"env", required_argument, NULL, 'e'},
            {"user", required_argument, NULL, 'u'},
            {"workdir", required_argument, NULL, 'w'},
            {"privileged", no_argument, NULL, OPT_PRIVILEGED},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        const char **args = xcalloc((size_t)argc * 2 + 16, sizeof(char *));
        size_t n = 3; /* runtime, --root, root */
        args[n++] = "exec";
        const char *user = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "+itde:u:w:h", options, NULL)) != -1) {
                switch (opt) {
                case 'i':
                        break; /* stdin is ours, passed on as it is */
                case 't':
                        args[n++] = "--tty";
                        break;
                case 'd':
                        args[n++] = "--detach";
                        break;
                case 'e':
                        args[n++] = "--env";
                        args[n++] = optarg;
                        break;
                case 'u':
                        user = optarg;
                        break;
                case 'w':
                        args[n++] = "--cwd";
                        args[n++] = optarg;
                        break;
                case OPT_PRIVILEGED:
                        args[n++] = "--cap";
                        args[n++] = "ALL";
                        break;
                case 'h':
                        free(args);
                        return cli_help(exec_help);
                default:
                        free(args);
                        return cli_bad_flag("exec", argv);
                }
        }
        if (argc - optind < 2) {
                free(args);
                return cli_usage_error("exec", "requires a container and a command");
        }
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row row = {0};
        int ret = BERTH_EXIT_FAILURE;
        _cleanup_free_ char *uid_gid = NULL;
        _cleanup_free_ gid_t *gids = NULL;
        size_t n_gids = 0;
        char **gid_text = NULL;
        if (cli_open_engine(g, &e, &err) < 0 || cli_find_container(e, argv[optind], &row, &err) < 0)
                goto fail;
        struct container_state st = {0};
        if (engine_container_state(e, &row, &st, &err) < 0)
                goto fail;
        enum container_status status = st.status;
        container_state_release(&st);
        if (status != CONTAINER_RUNNING) {
                error_set(&err, 0, "can only exec into running containers: %s is %s", row.name,
                          container_status_name(status));
                goto fail;
        }
        if (user) {
                if (!(uid_gid = engine_container_user(&row, user, &gids, &n_gids, &err)))
                        goto fail;
                args[n++] = "--user";
                args[n++] = uid_gid;
                /* The user's groups replace the container process's (the runtime keeps those,
                 * as runc does, unless it is given others). */
                args = xrealloc(args, ((size_t)argc * 2 + 16 + n_gids * 2) * sizeof(char *));
                gid_text = xcalloc(n_gids + 1, sizeof(char *));
                for (size_t i = 0; i < n_gids; i++) {
                        gid_text[i] = xasprintf("%u", (unsigned)gids[i]);
                        args[n++] = "--additional-gids";
                        args[n++] = gid_text[i];
                }
        }
        args[0] = e->runtime;
        args[1] = "--root";
        args[2] = e->runtime_root;
        args[n++] = row.id;
        for (int i = optind + 1; i < argc; i++)
                args[n++] = argv[i];
        args[n] = NULL;
        /* The runtime's exit status is the process's (or 126/127 for exec failures, as runc's):
         * becoming it costs nothing and keeps stdio, signals and the terminal as they are. */
        fflush(NULL);
        execvp(args[0], (char *const *)args);
        error_set(&err, errno, "exec %s", args[0]);
fail:
        ret = cli_fail(&err);
        for (size_t i = 0; gid_text && gid_text[i]; i++)
                free(gid_text[i]);
        free(gid_text);
        container_row_release(&row);
        engine_free(e);
        free(args);
        return ret;
}
