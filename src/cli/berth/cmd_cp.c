/* berth cp: files between the host and a container, with docker's rules (container_copy.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/container_copy.h"
#include "engine/engine.h"

static const char cp_help[] =
    "usage: berth cp [options] CONTAINER:SRC_PATH DEST_PATH|-\n"
    "       berth cp [options] SRC_PATH|- CONTAINER:DEST_PATH\n"
    "\n"
    "Copy files between a container (running or not) and the host. \"-\" is a tar stream on\n"
    "stdin or stdout. A SRC_PATH ending in \"/.\" copies a directory's contents.\n"
    "\n"
    "  -a, --archive       keep the files' uid and gid (else root's in a container, yours\n"
    "                      on the host)\n"
    "  -L, --follow-link   copy what a symlink SRC_PATH points to\n";

/* docker's splitCpArg: "CTR:PATH", unless the text is an absolute path or what precedes
 * the colon has a "/" in it (./a:b is a local file). */
static bool split_arg(const char *arg, char **container, const char **path)
{
        *container = NULL;
        *path = arg;
        if (arg[0] == '/')
                return false;
        const char *colon = strchr(arg, ':');
        if (!colon || memchr(arg, '/', (size_t)(colon - arg)))
                return false;
        *container = xstrndup(arg, (size_t)(colon - arg));
        *path = colon + 1;
        return true;
}

/* The container's side: its running root (/proc/PID/root: its mounts too), or its rootfs
 * with its volumes and binds mounted on it in a mount namespace of this process's own. */
static int open_container_root(struct engine *e, const struct container_row *row, int *fd,
                               struct error **err)
{
        struct container_state st = {0};
        if (engine_container_state(e, row, &st, err) < 0)
                return -1;
        _cleanup_free_ char *path = NULL;
        if ((st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED) && st.pid > 0)
                path = xasprintf("/proc/%d/root", (int)st.pid);
        else {
                const char *rootfs = json_string_value(json_object_get(row->data, "rootfs"));
                if (!rootfs) {
                        container_state_release(&st);
                        return error_set(err, 0, "container %s has no root filesystem", row->name);
                }
                path = xstrdup(rootfs);
                if (engine_container_restore_rootfs(e, row, err) < 0 ||
                    engine_container_mount_binds_private(e, row, path, err) < 0) {
                        container_state_release(&st);
                        return -1;
                }
        }
        container_state_release(&st);
        *fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (*fd < 0)
                return error_set(err, errno, "open the root of container %s", row->name);
        return 0;
}

int cmd_cp(const struct berth_globals *g, int argc, char **argv)
{
        static const struct option options[] = {
            {"archive", no_argument, NULL, 'a'},
            {"follow-link", no_argument, NULL, 'L'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        struct copy_options o = {.uid = 0, .gid = 0};
        int opt;
        while ((opt = getopt_long(argc, argv, "aLh", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        o.keep_owner = true;
                        break;
                case 'L':
                        o.follow_link = true;
                        break;
                case 'h':
                        return cli_help(cp_help);
                default:
                        return cli_bad_flag("cp", argv);
                }
        }
        if (argc - optind != 2)
                return cli_usage_error("cp", "requires exactly 2 arguments");
        _cleanup_free_ char *src_ctr = NULL;
        _cleanup_free_ char *dest_ctr = NULL;
        const char *src, *dest;
        bool from_ctr = split_arg(argv[optind], &src_ctr, &src);
        bool to_ctr = split_arg(argv[optind + 1], &dest_ctr, &dest);
        struct error *err = NULL;
        /* docker's exit status for cp's failures is 1 */
        if (from_ctr && to_ctr)
                return cli_fail((error_set(&err, 0,
                                           "copying between containers is not "
                                           "supported"),
                                 &err)),
                       1;
        if (!from_ctr && !to_ctr)
                return cli_fail((error_set(&err, 0,
                                           "must specify at least one container "
                                           "source"),
                                 &err)),
                       1;
        if (*src == '\0' || *dest == '\0')
                return cli_fail((error_set(&err, 0, "filepath cannot be empty"), &err)), 1;

        struct engine *e = NULL;
        struct container_row row = {0};
        _cleanup_close_ int root = -1;
        int ret = 1;
        if (cli_open_engine(g, &e, &err) < 0 ||
            cli_find_container(e, from_ctr ? src_ctr : dest_ctr, &row, &err) < 0 ||
            open_container_root(e, &row, &root, &err) < 0) {
                cli_fail(&err);
                goto out;
        }
        const struct copy_root host = {.fd = AT_FDCWD};
        /* Named as the user named it, for docker's "Could not find the file X in container Y" */
        const struct copy_root container = {
            .fd = root, .in_root = true, .container_name = from_ctr ? src_ctr : dest_ctr};
        int rc;
        if (from_ctr) {
                /* Out of the container: the user's own uid and gid, unless -a. */
                o.uid = getuid();
                o.gid = getgid();
                rc = strcmp(dest, "-") == 0 ? copy_to_tar(&container, src, &o, STDOUT_FILENO, &err)
                                            : copy_path(&container, src, &host, dest, &o, &err);
        } else {
                rc = strcmp(src, "-") == 0 ? copy_from_tar(STDIN_FILENO, &container, dest, &o, &err)
                                           : copy_path(&host, src, &container, dest, &o, &err);
        }
        if (rc < 0)
                cli_fail(&err);
        else
                ret = 0;
out:
        container_row_release(&row);
        engine_free(e);
        return ret;
}
