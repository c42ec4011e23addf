/* The container's init: the child of clone3 that sets up the container and execs
 * process.args. Everything here runs in the child; errors go back over sync_fd. */
#pragma once
#include <stdbool.h>

#include "container.h"
#include "runtime_config.h"

struct cgroup;

struct init_context {
        const struct oci_config *config;
        const struct create_options *opts;
        const char *id;
        const char *bundle;  /* absolute */
        const char *rootfs;  /* absolute host path */
        const struct cgroup *cgroup;
        int sync_fd;
        int console_fd;      /* connected --console-socket, or -1 */
        int fifo_fd;         /* exec.fifo opened for reading, or -1 (start_now) */
        int fifo_keep_fd;    /* our own writer, so that read() blocks until start writes */
        int error_fd;        /* <state dir>/exec.error: why we failed after create, or -1 */
        bool new_ns[OCI_NS_COUNT]; /* created by us (not joined by path) */
        bool placed;               /* the parent has put us in our cgroup */
};

/* Never returns: execs the process or exits non-zero after reporting the error. */
_Noreturn void container_init(struct init_context *ctx);

/* Waits (once) until the parent has made our cgroup and put us in it. */
int init_wait_placed(struct init_context *ctx, struct error **err);

/* Steps, one file each. All return 0 or -1 with *err. */
int rootfs_prepare(struct init_context *ctx, struct error **err);
int rootfs_mount_all(struct init_context *ctx, int rootfd, struct error **err);
int rootfs_pivot(struct init_context *ctx, struct error **err);
int rootfs_finalize(struct init_context *ctx, struct error **err);
int devices_setup(struct init_context *ctx, int rootfd, struct error **err);
int process_setup_identity(struct init_context *ctx, struct error **err);
int process_setup_limits(struct init_context *ctx, struct error **err);
/* Finds args[0] in the container's PATH (process.env); returns a new string. */
char *process_resolve_executable(const struct oci_process *process, struct error **err);
