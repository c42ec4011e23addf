/* berth attach: a terminal (or pipes) on a running container, docker's flags and detach keys. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/detach_keys.h"
#include "engine/engine.h"

static const char attach_help[] =
    "usage: berth attach [options] CONTAINER\n"
    "\n"
    "Attach the local stdin, stdout and stderr to a running container. Typing the detach\n"
    "keys (ctrl-p,ctrl-q unless told otherwise) leaves it running.\n"
    "\n"
    "      --detach-keys KEYS   the detach sequence: \"ctrl-X\" and single characters, by\n"
    "                           commas (\"ctrl-a,x\"); \"\" disables it\n"
    "      --no-stdin           do not attach stdin\n"
    "      --sig-proxy[=BOOL]   forward the signals berth gets to the container (default\n"
    "                           true; never with a terminal, where ^C is a key)\n";

int cli_attach_connect(struct engine *e, const struct container_row *row, struct error **err)
{
        /* Through the directory's fd: the socket's path may exceed sun_path's 108 bytes. */
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        _cleanup_close_ int dirfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return error_set(err, errno, "attach to container %s", row->name);
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set(err, errno, "socket");
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach", dirfd);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
                int saved = errno;
                close(fd);
                return error_set(err, saved, "attach to container %s", row->name);
        }
        return fd;
}

int cmd_attach(const struct berth_globals *g, int argc, char **argv)
{
        enum { OPT_DETACH_KEYS = 256, OPT_NO_STDIN, OPT_SIG_PROXY };
        static const struct option options[] = {
            {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
            {"no-stdin", no_argument, NULL, OPT_NO_STDIN},
            {"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct cli_attach_options o = {.sig_proxy = true};
        struct error *err = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                switch (opt) {
                case OPT_DETACH_KEYS: {
                        struct detach_keys keys;
                        if (detach_keys_parse(optarg, &keys, &err) < 0)
                                return cli_fail(&err);
                        o.detach_keys = optarg;
                        break;
                }
                case OPT_NO_STDIN:
                        o.no_stdin = true;
                        break;
                case OPT_SIG_PROXY:
                        if (optarg && cli_parse_bool("--sig-proxy", optarg, &o.sig_proxy, &err) < 0)
                                return cli_fail(&err);
                        if (!optarg)
                                o.sig_proxy = true;
                        break;
                case 'h':
                        return cli_help(attach_help);
                default:
                        return cli_bad_flag("attach", argv);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("attach", "requires exactly 1 argument");
        struct engine *e = NULL;
        struct container_row row = {0};
        struct container_state st = {0};
        int ret = 1;
        if (cli_open_engine(g, &e, &err) < 0 ||
            cli_find_container(e, argv[optind], &row, &err) < 0 ||
            engine_container_state(e, &row, &st, &err) < 0) {
                cli_fail(&err);
                goto out;
        }
        /* docker's words and exit status 1 for a container that is not running. */
        if (st.status == CONTAINER_PAUSED) {
                error_set(&err, 0, "You cannot attach to a paused container, unpause it first");
                cli_fail(&err);
                goto out;
        }
        if (st.status != CONTAINER_RUNNING) {
                error_set(&err, 0, "You cannot attach to a stopped container, start it first");
                cli_fail(&err);
                goto out;
        }
        bool tty = json_is_true(json_object_get(json_object_get(row.data, "options"), "tty"));
        if (tty)
                o.sig_proxy = false; /* docker proxies signals only without a terminal */
        int fd = cli_attach_connect(e, &row, &err);
        if (fd < 0) {
                cli_fail(&err);
                goto out;
        }
        ret = cli_attach_session(e, &row, fd, &o);
out:
        container_state_release(&st);
        container_row_release(&row);
        engine_free(e);
        return ret;
}
