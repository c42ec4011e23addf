/* The container's init, from clone3 to execve. The order follows runc, which clients and
 * hooks have come to rely on: namespaces, mounts, (prestart/createRuntime hooks in the
 * parent), createContainer hooks, pivot_root, the last mount touches, the terminal, the
 * identity, then wait for start, startContainer hooks, exec. */
#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "alloc.h"
#include "apparmor.h"
#include "cgroup.h"
#include "error.h"
#include "fs.h"
#include "hooks.h"
#include "init.h"
#include "runtime_state.h"
#include "seccomp_setup.h"
#include "exec_trampoline.h"
#include "sync.h"
#include "terminal.h"

static const int namespace_flags[OCI_NS_COUNT] = {
    [OCI_NS_PID] = CLONE_NEWPID,       [OCI_NS_NETWORK] = CLONE_NEWNET,
    [OCI_NS_MOUNT] = CLONE_NEWNS,      [OCI_NS_IPC] = CLONE_NEWIPC,
    [OCI_NS_UTS] = CLONE_NEWUTS,       [OCI_NS_USER] = CLONE_NEWUSER,
    [OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = CLONE_NEWTIME,
};

/* A new time namespace takes its clock offsets (linux.timeOffsets) before any process is
 * in it: we unshare it for our children-to-be, write them, and execve moves us in. */
static int setup_time_namespace(struct init_context *ctx, struct error **err)
{
        if (unshare(CLONE_NEWTIME) < 0)
                return error_set(err, errno, "unshare time namespace");
        json_t *offsets = ctx->config->linux_config.time_offsets;
        const char *clock;
        json_t *value;
        json_object_foreach(offsets, clock, value)
        {
                json_int_t secs = json_integer_value(json_object_get(value, "secs"));
                json_int_t nanosecs = json_integer_value(json_object_get(value, "nanosecs"));
                char line[128];
                snprintf(line, sizeof(line), "%s %lld %lld", clock, (long long)secs,
                         (long long)nanosecs);
                if (fs_write_string("/proc/self/timens_offsets", line, err) < 0)
                        return error_wrap(err, "linux.timeOffsets %s", clock);
        }
        return 0;
}

/* In a user namespace we start as the overflow uid until we take its root, which the id
 * maps must map (runc's rule too). */
static int become_namespace_root(struct error **err)
{
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return error_set(err, errno, "become root of the user namespace (is 0 mapped?)");
        return 0;
}

/* Namespaces given by path are joined here; pid (in the parent) and user come elsewhere.
 * The mount namespace goes last so the other paths are looked up on the host. */
static int join_namespaces(struct init_context *ctx, struct error **err)
{
        static const enum oci_namespace_type order[] = {OCI_NS_USER,    OCI_NS_IPC,    OCI_NS_UTS,
                                                        OCI_NS_NETWORK, OCI_NS_CGROUP, OCI_NS_TIME,
                                                        OCI_NS_MOUNT};
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                const struct oci_namespace *ns = oci_config_namespace(ctx->config, order[i]);
                if (ns == NULL || ns->path == NULL)
                        continue;
                _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return error_set(err, errno, "open %s namespace %s",
                                         oci_namespace_type_name(order[i]), ns->path);
                if (setns(fd, namespace_flags[order[i]]) < 0)
                        return error_set(err, errno, "join %s namespace %s",
                                         oci_namespace_type_name(order[i]), ns->path);
                if (order[i] == OCI_NS_USER && become_namespace_root(err) < 0)
                        return -1;
        }
        /* The new network namespace that create made ahead (create.c, netns_ahead). */
        if (ctx->has_netns_fd) {
                int rc = setns(ctx->netns_fd, CLONE_NEWNET);
                close(ctx->netns_fd);
                ctx->has_netns_fd = false;
                if (rc < 0)
                        return error_set(err, errno, "enter the new network namespace");
        }
        /* Unshared only now, once we are in our cgroup, so that the cgroup namespace is
         * rooted at the container's cgroup. */
        if (ctx->new_ns[OCI_NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0)
                return error_set(err, errno, "unshare cgroup namespace");
        if (ctx->new_ns[OCI_NS_TIME] && setup_time_namespace(ctx, err) < 0)
                return -1;
        return 0;
}

static char *hook_state(struct init_context *ctx, const char *status)
{
        struct oci_state state = {
            .oci_version = OCI_RUNTIME_SPEC_VERSION,
            .id = ctx->id,
            .status = status,
            .pid = getpid(), /* as the container sees it (runtime.md "State") */
            .bundle = ctx->bundle,
            .annotations = ctx->config->annotations,
            .n_annotations = ctx->config->n_annotations,
        };
        return oci_state_to_json(&state, 0);
}

/* process.env, plus HOME when it lacks one (from the container's /etc/passwd, as runc
 * does) and the socket-activation variables when fds were passed that way. */
static char **build_env(const struct oci_process *p, int listen_fds)
{
        size_t n = p->n_env;
        char **env = xcalloc(n + 4, sizeof(char *));
        memcpy(env, p->env, n * sizeof(char *));
        if (listen_fds > 0) {
                env[n++] = xasprintf("LISTEN_FDS=%d", listen_fds);
                env[n++] = xstrdup("LISTEN_PID=1");
        }
        for (size_t i = 0; i < p->n_env; i++)
                if (strncmp(p->env[i], "HOME=", 5) == 0)
                        return env;
        const char *home = "/";
        _cleanup_free_ char *passwd = fs_read_file("/etc/passwd", NULL, NULL);
        char *save = NULL;
        for (char *line = passwd ? strtok_r(passwd, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                char *fields[7] = {0};
                int n = 0;
                for (char *f = line; n < 7 && f; n++) {
                        fields[n] = f;
                        f = strchr(f, ':');
                        if (f)
                                *f++ = '\0';
                }
                if (n >= 6 && fields[2] && (uid_t)strtoul(fields[2], NULL, 10) == p->user.uid &&
                    fields[5] && *fields[5]) {
                        home = fields[5];
                        break;
                }
        }
        env[n] = xasprintf("HOME=%s", home);
        return env;
}

static int wait_for_parent(struct init_context *ctx, struct error **err);

int init_wait_placed(struct init_context *ctx, struct error **err)
{
        if (ctx->placed)
                return 0;
        if (wait_for_parent(ctx, err) < 0)
                return -1;
        ctx->placed = true;
        return 0;
}

static int wait_for_parent(struct init_context *ctx, struct error **err)
{
        return init_wait_go(ctx, err);
}

/* One message from the runtime. SYNC_LIMITS (the cgroup limits are in place) may come at
 * any time and is only noted. */
static int receive_from_parent(struct init_context *ctx, struct error **err)
{
        for (;;) {
                char buf[1024];
                int type = sync_recv(ctx->sync_fd, buf, sizeof(buf), NULL, err);
                if (type == SYNC_LIMITS) {
                        ctx->limits_applied = true;
                        continue;
                }
                if (type == SYNC_GO)
                        return type;
                if (type < 0)
                        return -1;
                return error_set(err, 0, "%s", type == SYNC_ERROR ? buf : "runtime went away");
        }
}

int init_wait_go(struct init_context *ctx, struct error **err)
{
        return receive_from_parent(ctx, err) < 0 ? -1 : 0;
}

/* The runtime writes the cgroup limits while we set up; the program may not start before. */
static int wait_for_limits(struct init_context *ctx, struct error **err)
{
        while (ctx->wait_limits && !ctx->limits_applied) {
                char buf[1024];
                int type = sync_recv(ctx->sync_fd, buf, sizeof(buf), NULL, err);
                if (type == SYNC_LIMITS)
                        ctx->limits_applied = true;
                else if (type < 0)
                        return -1;
                else
                        return error_set(err, 0, "%s",
                                         type == SYNC_ERROR ? buf : "runtime went away");
        }
        return 0;
}

/* Until start: wait on the exec fifo. The byte comes from `start`; EOF cannot happen while
 * we hold a writer ourselves. The fifo stays open (close-on-exec) until execve: `start`
 * waits for our read end to close, so it returns only once the program runs, or after we
 * wrote why it could not to exec.error. */
static int wait_for_start(struct init_context *ctx, struct error **err)
{
        if (ctx->fifo_fd < 0)
                return 0;
        int flags = fcntl(ctx->fifo_fd, F_GETFL);
        fcntl(ctx->fifo_fd, F_SETFL, flags & ~O_NONBLOCK);
        char byte;
        ssize_t n;
        do
                n = read(ctx->fifo_fd, &byte, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1)
                return error_set(err, n < 0 ? errno : 0, "wait for start on exec fifo");
        return 0;
}

static int setup_container(struct init_context *ctx, struct error **err)
{
        const struct oci_config *c = ctx->config;
        const struct oci_process *p = c->process;
        bool userns = oci_config_namespace(c, OCI_NS_USER) != NULL;
        /* Into our cgroup first: we must be there before a cgroup namespace is made (it
         * is rooted where we are) and before any hook or exec. */
        if (ctx->n_cgroup_join_fds &&
            cgroup_join_self(ctx->cgroup, ctx->cgroup_join_fds, ctx->n_cgroup_join_fds, err) < 0)
                return -1;
        /* A new user namespace is of no use until the parent has written its id maps. */
        if (userns && init_wait_placed(ctx, err) < 0)
                return -1;
        /* From here on no other process may open our /proc files (exe above all): they are
         * the host runtime's until exec (CVE-2019-5736). Not before the id maps are
         * written, which an unprivileged runtime does through /proc/PID. */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (ctx->new_ns[OCI_NS_USER] && become_namespace_root(err) < 0)
                return -1;
        if (join_namespaces(ctx, err) < 0)
                return -1;
        if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
                return error_set(err, errno, "sethostname %s", c->hostname);
        if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
                return error_set(err, errno, "setdomainname %s", c->domainname);
        if (init_close_fds(ctx, err) < 0)
                return -1;

        if (rootfs_prepare(ctx, err) < 0)
                return -1;
        _cleanup_close_ int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return error_set(err, errno, "open rootfs %s", ctx->rootfs);
        if (rootfs_mount_all(ctx, rootfd, err) < 0 || devices_setup(ctx, rootfd, err) < 0)
                return -1;
        if (init_wait_placed(ctx, err) < 0)
                return -1;
        if (p) {
                /* A missing cwd is created, as runc does. */
                _cleanup_close_ int cwd = fs_open_in_root(rootfd, p->cwd, true, false, err);
                if (cwd < 0)
                        return error_wrap(err, "process.cwd");
        }
        if (c->hooks.prestart.len || c->hooks.create_runtime.len) {
                sync_send(ctx->sync_fd, SYNC_HOOKS, NULL);
                if (wait_for_parent(ctx, err) < 0)
                        return -1;
        }
        if (c->hooks.create_container.len) {
                _cleanup_free_ char *state = hook_state(ctx, "creating");
                if (hooks_run(&c->hooks.create_container, "createContainer", state, err) < 0)
                        return -1;
        }
        if (p && process_setup_limits(ctx, err) < 0)
                return -1;
        if (rootfs_pivot(ctx, err) < 0)
                return -1;
        /* The pty comes from the container's devpts, and /dev/console is bound over before
         * the root may turn read-only. */
        if (p && p->terminal && terminal_setup(ctx, err) < 0)
                return -1;
        return rootfs_finalize(ctx, err);
}

int init_prepare_process(struct init_context *ctx, char **exe, struct error **err)
{
        const struct oci_process *p = ctx->config->process;
        *exe = process_resolve_executable(p, err);
        if (*exe == NULL)
                return -1;
        /* Loading a filter without no_new_privs is privileged: then before the identity
         * drops capabilities; with it as late as can be, so that few syscalls follow
         * (runc's order; either way before READY, while the runtime can still take a
         * listener fd). */
        bool nnp = p->no_new_privileges;
        if (!nnp && seccomp_setup(ctx, err) < 0)
                return -1;
        if (process_setup_identity(ctx, err) < 0)
                return -1;
        if (chdir(p->cwd) < 0)
                return error_set(err, errno, "chdir to process.cwd %s", p->cwd);
        /* A cwd reached through a leaked fd (/proc/self/fd/N) would lie outside the root:
         * the kernel then reports it unreachable (CVE-2024-21626). */
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) == NULL || cwd[0] != '/')
                return error_set(err, 0, "process.cwd %s is outside the container", p->cwd);
        if (apparmor_exec_profile(p->apparmor_profile, err) < 0)
                return -1;
        if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
        if (nnp && seccomp_setup(ctx, err) < 0)
                return -1;
        return 0;
}

int init_close_fds(struct init_context *ctx, struct error **err)
{
        /* No host fd may reach the container (CVE-2024-21626): all but stdio and the
         * preserved ones close on exec. */
        if (syscall(SYS_close_range, 3 + ctx->opts->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return error_set(err, errno, "close_range");
        for (int fd = 3; fd < 3 + ctx->opts->preserve_fds; fd++) {
                int flags = fcntl(fd, F_GETFD);
                if (flags >= 0)
                        fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
        }
        return 0;
}

void init_begin(void)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* If the runtime dies while we set up, so do we (cleared by setuid or at exec). */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        umask(0); /* device nodes get exactly the modes asked for */
        /* A session of its own: the container must not share the caller's controlling tty,
         * and TIOCSCTTY on the pty needs a session leader. */
        setsid();
}

_Noreturn void container_init(struct init_context *ctx)
{
        struct error *err = NULL;
        char *exe = NULL;
        init_begin();
        if (setup_container(ctx, &err) < 0 || init_prepare_process(ctx, &exe, &err) < 0) {
                sync_send(ctx->sync_fd, SYNC_ERROR, err->msg);
                _exit(1);
        }
        init_run_process(ctx, exe);
}

_Noreturn void init_run_process(struct init_context *ctx, const char *exe)
{
        struct error *err = NULL;
        const struct oci_process *p = ctx->config->process;
        char **env = build_env(p, ctx->opts->listen_fds);
        umask(p->user.has_umask ? p->user.umask : 022);
        prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        if (wait_for_limits(ctx, &err) < 0)
                goto fail;
        sync_send(ctx->sync_fd, SYNC_READY, NULL);
        if (!ctx->opts->start_now)
                close(ctx->sync_fd);
        if (wait_for_start(ctx, &err) < 0)
                goto fail;
        if (!ctx->is_exec && ctx->config->hooks.start_container.len) {
                _cleanup_free_ char *state = hook_state(ctx, "created");
                if (hooks_run(&ctx->config->hooks.start_container, "startContainer", state, &err) <
                    0)
                        goto fail;
        }
        if (ctx->trampoline_fd >= 0) {
                /* The host binary must not be /proc/self/exe when the program is exec'd
                 * (CVE-2019-5736): the sealed trampoline makes that exec for us. */
                int status_fd = ctx->opts->start_now ? ctx->sync_fd : ctx->error_fd;
                exec_trampoline_run(ctx->trampoline_fd, status_fd, ctx->fifo_fd,
                                    ctx->opts->start_now ? "E" : "", exe, p->args, env);
                error_set(&err, errno, "exec trampoline for %s", p->args[0]);
                goto fail;
        }
        execve(exe, p->args, env);
        error_set(&err, errno, "exec %s", p->args[0]);
fail:
        /* After create returned, a foreground run still listens on sync_fd; `start` reads
         * exec.error. */
        if (ctx->opts->start_now) {
                sync_send(ctx->sync_fd, SYNC_ERROR, err->msg);
        } else {
                dprintf(STDERR_FILENO, "berth-runtime: %s\n", err->msg);
                if (ctx->error_fd >= 0)
                        (void)!write(ctx->error_fd, err->msg, strlen(err->msg));
        }
        _exit(127);
}
