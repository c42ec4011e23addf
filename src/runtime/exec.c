/* exec: a new process in a running container (runc's `exec`). It joins every namespace of
 * the container's init through a pidfd (setns(2) takes them all at once), its cgroup, and
 * then takes on the process's identity exactly as the container's own process did. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "apparmor.h"
#include "cgroup.h"
#include "container.h"
#include "error.h"
#include "exec_trampoline.h"
#include "fs.h"
#include "init.h"
#include "log.h"
#include "process.h"
#include "seccomp_setup.h"
#include "sync.h"
#include "terminal.h"
#include "unix_socket.h"

struct clone3_args {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
            set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP_FLAG 0x200000000ULL

static const int join_flags[OCI_NS_COUNT] = {
    [OCI_NS_NETWORK] = CLONE_NEWNET, [OCI_NS_MOUNT] = CLONE_NEWNS,
    [OCI_NS_IPC] = CLONE_NEWIPC,     [OCI_NS_UTS] = CLONE_NEWUTS,
    [OCI_NS_USER] = CLONE_NEWUSER,   [OCI_NS_CGROUP] = CLONE_NEWCGROUP,
    [OCI_NS_TIME] = CLONE_NEWTIME,
};

_Noreturn void exec_init(struct init_context *ctx)
{
        struct error *err = NULL;
        char *exe = NULL;
        init_begin();
        /* Into the container's cgroup by ourselves (cgroup_join_self: no RCU grace period),
         * before anything else. */
        if (ctx->n_cgroup_join_fds &&
            cgroup_join_self(ctx->cgroup, ctx->cgroup_join_fds, ctx->n_cgroup_join_fds, &err) < 0)
                goto fail;
        char buf[64];
        int type = sync_recv(ctx->sync_fd, buf, sizeof(buf), NULL, &err);
        if (type != SYNC_GO) {
                if (err == NULL)
                        error_set(&err, 0, "runtime went away");
                goto fail;
        }
        /* Not reachable through /proc by the container's processes (CVE-2019-5736). */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        int flags = 0;
        for (size_t i = 0; i < ctx->config->linux_config.n_namespaces; i++)
                flags |= join_flags[ctx->config->linux_config.namespaces[i].type];
        /* One call joins them all, in the kernel's own safe order, mount last. */
        if (flags && setns(ctx->pidfd, flags) < 0) {
                error_set(&err, errno, "join the namespaces of container %s", ctx->id);
                goto fail;
        }
        if (init_close_fds(ctx, &err) < 0)
                goto fail;
        if (process_setup_limits(ctx, &err) < 0)
                goto fail;
        if (ctx->config->process->terminal && terminal_setup(ctx, &err) < 0)
                goto fail;
        if (init_prepare_process(ctx, &exe, &err) < 0)
                goto fail;
        init_run_process(ctx, exe);
fail:
        sync_send(ctx->sync_fd, SYNC_ERROR, err->msg);
        _exit(1);
}

/* A view of the container's config with the exec'd process in place of its own. */
static struct oci_config config_with_process(const struct oci_config *c, struct oci_process *p)
{
        struct oci_config view = *c;
        view.process = p;
        return view;
}

int container_exec(const struct runtime_options *rt, const struct exec_options *opts,
                   struct created_container *out, struct error **err)
{
        *out = (struct created_container){.pid = -1, .pty_master = -1, .sync_fd = -1};
        _cleanup_container_record_ struct container_record *rec =
            container_record_load(rt, opts->id, err);
        if (rec == NULL)
                return -1;
        enum container_status status = container_status(rt, rec);
        if (status != CONTAINER_RUNNING && status != CONTAINER_CREATED)
                return error_set(err, 0, "cannot exec in container %s: it is %s", opts->id,
                                 runtime_status_name(status));
        struct oci_process *process = opts->process;
        _cleanup_oci_process_ struct oci_process *made = NULL;
        if (process == NULL) {
                made = exec_process_from_flags(rec->config, opts->flags, err);
                if (made == NULL)
                        return -1;
                process = made;
        }
        if (apparmor_check(process->apparmor_profile, err) < 0)
                return -1;
        if (process->terminal && opts->console_socket == NULL && opts->detach)
                return error_set(err, 0,
                                 "exec with a terminal and --detach needs "
                                 "--console-socket");
        if (!process->terminal && opts->console_socket)
                return error_set(err, 0,
                                 "--console-socket given but the process has no "
                                 "terminal");
        _cleanup_close_ int pidfd = process_pidfd_open(rec->pid);
        if (pidfd < 0 || !process_alive(rec->pid, rec->start_time))
                return error_set(err, 0, "cannot exec in container %s: its init is gone", opts->id);

        struct oci_config view = config_with_process(rec->config, process);
        struct create_options create_opts = {
            .id = opts->id,
            .console_socket = opts->console_socket,
            .preserve_fds = opts->preserve_fds,
            .start_now = true,
            .foreground = !opts->detach,
            .no_new_keyring = true,
        };
        struct init_context ctx = {
            .config = &view,
            .opts = &create_opts,
            .id = opts->id,
            .bundle = rec->bundle,
            .rootfs = rec->rootfs,
            .cgroup = rec->cgroup,
            .console_fd = -1,
            .fifo_fd = -1,
            .fifo_keep_fd = -1,
            .error_fd = -1,
            .is_exec = true,
            .pidfd = pidfd,
        };
        _cleanup_close_ int console = -1, cgroup_fd = -1, trampoline = -1;
        _cleanup_free_ char *seccomp_cache = seccomp_cache_dir(rt->root);
        _cleanup_seccomp_program_ struct seccomp_program seccomp = {0};
        if (seccomp_prepare(&view, seccomp_cache, &seccomp, err) < 0)
                return -1;
        ctx.seccomp = &seccomp;
        if (exec_trampoline_available()) {
                trampoline = exec_trampoline_fd(err);
                if (trampoline < 0)
                        return -1;
        }
        ctx.trampoline_fd = trampoline;
        if (opts->console_socket) {
                console = unix_socket_connect(opts->console_socket, err);
                if (console < 0)
                        return error_wrap(err, "--console-socket");
        }
        ctx.console_fd = console;
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return error_set(err, errno, "socketpair");
        _cleanup_close_ int sync_fd = pair[0];
        ctx.sync_fd = pair[1];

        /* Only children enter a pid namespace: join the container's before the clone, and
         * go back right after (a process whose children's pid namespace is not its own can
         * no longer make threads). */
        _cleanup_close_ int own_pidns = -1;
        if (oci_config_namespace(rec->config, OCI_NS_PID)) {
                own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                if (own_pidns < 0 || setns(pidfd, CLONE_NEWPID) < 0) {
                        close(pair[1]);
                        return error_set(err, errno, "join the pid namespace of container %s",
                                         opts->id);
                }
        }
        struct clone3_args args = {.exit_signal = SIGCHLD};
        if (rec->cgroup)
                cgroup_fd = cgroup_open_clone_dir(rec->cgroup);
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP_FLAG;
                args.cgroup = (uint64_t)cgroup_fd;
        }
        _cleanup_free_ int *join_fds = NULL;
        int n_join = 0;
        if (rec->cgroup) {
                n_join = cgroup_open_join_fds(rec->cgroup, cgroup_fd >= 0, &join_fds, err);
                if (n_join < 0) {
                        close(pair[1]);
                        return -1;
                }
        }
        ctx.cgroup_join_fds = join_fds;
        ctx.n_cgroup_join_fds = (size_t)n_join;
        pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0) {
                close(sync_fd);
                exec_init(&ctx);
        }
        close(pair[1]);
        for (int i = 0; i < n_join; i++)
                close(join_fds[i]);
        if (own_pidns >= 0)
                setns(own_pidns, CLONE_NEWPID);
        if (pid < 0)
                return error_set(err, errno, "clone3 the exec process");
        sync_send(sync_fd, SYNC_GO, NULL);
        for (;;) {
                char msg[4096];
                int fd = -1;
                int type = sync_recv(sync_fd, msg, sizeof(msg), &fd, err);
                if (type == SYNC_READY)
                        break;
                if (type == SYNC_WARN) {
                        log_warn("%s", msg);
                } else if (type == SYNC_PTY) {
                        out->pty_master = fd;
                } else if (type == SYNC_ERROR) {
                        error_set(err, 0, "%s", msg);
                        goto fail;
                } else if (type == SYNC_SECCOMP) {
                        /* No listener for exec'd processes: the container's has it. */
                        if (fd >= 0)
                                close(fd);
                        sync_send(sync_fd, SYNC_GO, NULL);
                } else {
                        if (type == 0)
                                error_set(err, 0, "exec process exited during setup");
                        goto fail;
                }
        }
        if (opts->pid_file) {
                char buf[32];
                int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
                if (fs_replace_file(opts->pid_file, buf, (size_t)n, 0644, err) < 0) {
                        error_wrap(err, "--pid-file");
                        goto fail;
                }
        }
        out->pid = pid;
        out->sync_fd = steal_fd(&sync_fd);
        return 0;
fail:
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (out->pty_master >= 0)
                close(steal_fd(&out->pty_master));
        return -1;
}
