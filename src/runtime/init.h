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
        const char *bundle; /* absolute */
        const char *rootfs; /* absolute host path */
        const struct cgroup *cgroup;
        int sync_fd;
        int console_fd;            /* connected --console-socket, or -1 */
        int fifo_fd;               /* exec.fifo opened for reading, or -1 (start_now) */
        int fifo_keep_fd;          /* our own writer, so that read() blocks until start writes */
        int error_fd;              /* <state dir>/exec.error: why we failed after create, or -1 */
        bool new_ns[OCI_NS_COUNT]; /* created by us (not joined by path) */
        bool placed;               /* the runtime's first SYNC_GO came (see init_wait_placed) */
        bool is_exec;              /* an exec'd process joining a running container */
        bool wait_limits;          /* the runtime sends SYNC_LIMITS once limits are written */
        bool limits_applied;
        int pidfd;            /* exec: the container's init, whose namespaces we join */
        int trampoline_fd;    /* the sealed exec trampoline, or -1 (exec_trampoline.h) */
        int *idmap_fds;       /* per config mount: a prepared idmapped tree, or -1; NULL */
        int *cgroup_join_fds; /* create: cgroup_open_join_fds() of ctx->cgroup, or NULL */
        size_t n_cgroup_join_fds;
        const struct seccomp_program *seccomp; /* seccomp_prepare()'s, or NULL */
        bool has_netns_fd; /* create: the new network namespace was made ahead, netns_fd */
        int netns_fd;
};

/* Never returns: execs the process or exits non-zero after reporting the error. */
_Noreturn void container_init(struct init_context *ctx);
/* The same for `exec`: joins the container of ctx->pidfd and runs ctx->config->process. */
_Noreturn void exec_init(struct init_context *ctx);

/* Shared by both. The first thing a fresh child does: signals, session, umask. */
void init_begin(void);
/* Marks every fd but 0-2 and the preserved ones close-on-exec. */
int init_close_fds(struct init_context *ctx, struct error **err);
/* Finds the executable and takes on the process's identity: seccomp, user, caps, cwd, NNP. */
int init_prepare_process(struct init_context *ctx, char **exe, struct error **err);
/* Tells the runtime READY, waits for start (create), runs startContainer hooks (not for
 * exec) and execs; reports a failure the way the runtime can still hear it. */
_Noreturn void init_run_process(struct init_context *ctx, const char *exe);

/* Waits for the runtime's SYNC_GO (noting a SYNC_LIMITS on the way). */
int init_wait_go(struct init_context *ctx, struct error **err);
/* Waits (once) for the runtime's first SYNC_GO: our user namespace's id maps are written.
 * (We are in our cgroup already: the init moves itself there first thing.) */
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
