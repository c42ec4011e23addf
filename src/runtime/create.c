/* create: the runtime side. Checks the config against what Linux and this runtime can do,
 * makes the state directory and the cgroup, clones the init into its new namespaces, runs
 * the runtime-namespace hooks when the init asks, and records the container once the init
 * says it is ready. Any failure undoes all of it (runtime.md "Errors"). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "alloc.h"
#include "apparmor.h"
#include "cgroup.h"
#include "container.h"
#include "error.h"
#include "exec_trampoline.h"
#include "fs.h"
#include "hooks.h"
#include "idmap_mounts.h"
#include "init.h"
#include "log.h"
#include "process.h"
#include "runtime_state.h"
#include "seccomp_setup.h"
#include "sync.h"
#include "unix_socket.h"
#include "userns.h"
#include "rfc3339.h"

/* The kernel's struct clone_args (include/uapi/linux/sched.h), declared here because
 * <linux/sched.h> clashes with glibc's <sched.h>. */
struct clone3_args {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
            set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP_FLAG 0x200000000ULL

static const uint64_t clone_flags[OCI_NS_COUNT] = {
    [OCI_NS_PID] = CLONE_NEWPID, [OCI_NS_NETWORK] = CLONE_NEWNET, [OCI_NS_MOUNT] = CLONE_NEWNS,
    [OCI_NS_IPC] = CLONE_NEWIPC, [OCI_NS_UTS] = CLONE_NEWUTS,     [OCI_NS_USER] = CLONE_NEWUSER,
    /* cgroup: unshared by the init once it is in its cgroup; time: unshared by the init,
     * which sets its offsets before exec moves it in */
};

/* sysctls live in namespaces; one whose namespace the container does not own would change
 * the host (config-linux.md "Sysctl"). */
static int check_sysctl(const struct oci_config *c, const char *key, struct error **err)
{
        static const struct {
                const char *prefix;
                enum oci_namespace_type ns;
        } owners[] = {
            {"net.", OCI_NS_NETWORK},          {"kernel.msg", OCI_NS_IPC},
            {"kernel.sem", OCI_NS_IPC},        {"kernel.shm", OCI_NS_IPC},
            {"fs.mqueue.", OCI_NS_IPC},        {"kernel.hostname", OCI_NS_UTS},
            {"kernel.domainname", OCI_NS_UTS},
        };
        for (size_t i = 0; i < ARRAY_SIZE(owners); i++) {
                if (strncmp(key, owners[i].prefix, strlen(owners[i].prefix)) != 0)
                        continue;
                if (oci_config_namespace(c, owners[i].ns) == NULL)
                        return error_set(err, 0,
                                         "linux.sysctl %s: needs its own %s namespace, or it "
                                         "would change the host",
                                         key, oci_namespace_type_name(owners[i].ns));
                return 0;
        }
        return error_set(err, 0, "linux.sysctl %s: not namespaced, so not allowed in a container",
                         key);
}

static int check_config(const struct oci_config *c, const struct create_options *opts,
                        struct error **err)
{
        if (c->process == NULL)
                return error_set(err, 0, "config.json: process: required to create a container");
        const struct oci_namespace *user = oci_config_namespace(c, OCI_NS_USER);
        const struct oci_linux *lc = &c->linux_config;
        if (user && user->path == NULL && (lc->n_uid_mappings == 0 || lc->n_gid_mappings == 0))
                return error_set(err, 0,
                                 "config.json: a new user namespace needs "
                                 "linux.uidMappings and linux.gidMappings");
        if (!user && (lc->n_uid_mappings || lc->n_gid_mappings))
                return error_set(err, 0,
                                 "config.json: linux.uidMappings and gidMappings need a "
                                 "user namespace");
        const struct oci_namespace *uts = oci_config_namespace(c, OCI_NS_UTS);
        if ((c->hostname || c->domainname) && (uts == NULL || uts->path))
                return error_set(err, 0,
                                 "config.json: hostname and domainname need a new uts "
                                 "namespace");
        if (oci_config_namespace(c, OCI_NS_MOUNT) == NULL)
                return error_set(err, 0,
                                 "config.json: linux.namespaces: a mount namespace is "
                                 "required");
        for (size_t i = 0; i < c->linux_config.n_sysctl; i++)
                if (check_sysctl(c, c->linux_config.sysctl[i].key, err) < 0)
                        return -1;
        if (apparmor_check(c->process->apparmor_profile, err) < 0)
                return error_wrap(err, "config.json");
        if (c->process->terminal && opts->console_socket == NULL && !opts->foreground)
                return error_set(err, 0,
                                 "process.terminal is true: --console-socket is required "
                                 "when the runtime does not stay in the foreground");
        if (!c->process->terminal && opts->console_socket)
                return error_set(err, 0, "--console-socket given but process.terminal is false");
        return 0;
}

static char *hook_state(const char *id, const char *status, pid_t pid, const char *bundle,
                        const struct oci_config *c)
{
        struct oci_state state = {
            .oci_version = OCI_RUNTIME_SPEC_VERSION,
            .id = id,
            .status = status,
            .pid = pid,
            .bundle = bundle,
            .annotations = c->annotations,
            .n_annotations = c->n_annotations,
        };
        return oci_state_to_json(&state, 0);
}

/*
 * The container's new network namespace, made by a thread while create does the rest of its
 * work before the clone: creating a network namespace costs the kernel ~0.7 ms (every network
 * subsystem's per-namespace setup), most of clone3's time. The init enters it with setns. Not
 * with a user namespace, which must own the container's network namespace.
 */
struct netns_ahead {
        pthread_t thread;
        bool started;
        int fd; /* the namespace, or -1: clone3 makes it as before */
};

static void *netns_ahead_run(void *arg)
{
        struct netns_ahead *ahead = arg;
        if (unshare(CLONE_NEWNET) == 0)
                ahead->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        return NULL;
}

static void netns_ahead_start(struct netns_ahead *ahead, const struct oci_config *config)
{
        ahead->fd = -1;
        ahead->started = false;
        const struct oci_namespace *net = oci_config_namespace(config, OCI_NS_NETWORK);
        if (net == NULL || net->path != NULL || oci_config_namespace(config, OCI_NS_USER))
                return;
        ahead->started = pthread_create(&ahead->thread, NULL, netns_ahead_run, ahead) == 0;
}

/* The namespace's fd, or -1; the thread is gone after this. */
static int netns_ahead_take(struct netns_ahead *ahead)
{
        if (!ahead->started)
                return -1;
        pthread_join(ahead->thread, NULL);
        ahead->started = false;
        return ahead->fd;
}

struct create_job {
        const struct runtime_options *rt;
        const struct create_options *opts;
        struct oci_config *config;
        char *config_text;
        char *bundle;
        char *rootfs;
        char *dir;
        bool dir_made;
        struct cgroup *cgroup;
        int sync_fd;
        pid_t pid;
        bool reaped;    /* the init died during setup and was waited for */
        int *idmap_fds; /* n_idmap_fds entries, or NULL */
        size_t n_idmap_fds;
        struct seccomp_program seccomp;
        struct netns_ahead netns;
};

static void create_job_undo(struct create_job *job)
{
        bool spawned = job->pid > 0 || job->reaped;
        if (job->pid > 0) {
                kill(job->pid, SIGKILL);
                while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        if (job->cgroup && job->cgroup->created)
                cgroup_destroy(job->cgroup, NULL);
        /* runtime.md steps 3-5: a failed create continues at step 12, destroy, and so at 13,
         * the poststop hooks (runc runs them for any failed create, as we do). */
        if (spawned && job->config->hooks.poststop.len) {
                _cleanup_free_ char *state =
                    hook_state(job->opts->id, "stopped", 0, job->bundle, job->config);
                hooks_run_all(&job->config->hooks.poststop, "poststop", state);
        }
        if (job->dir_made)
                fs_remove_tree(job->dir, NULL);
}

static void create_job_release(struct create_job *job)
{
        int netns = netns_ahead_take(&job->netns);
        if (netns >= 0)
                close(netns);
        idmap_mounts_release(job->idmap_fds, job->n_idmap_fds);
        if (job->sync_fd >= 0)
                close(job->sync_fd);
        seccomp_program_release(&job->seccomp);
        oci_config_free(job->config);
        cgroup_free(job->cgroup);
        free(job->config_text);
        free(job->bundle);
        free(job->rootfs);
        free(job->dir);
}

static int load_bundle(struct create_job *job, struct error **err)
{
        const char *bundle = job->opts->bundle ? job->opts->bundle : ".";
        char resolved[PATH_MAX];
        if (realpath(bundle, resolved) == NULL)
                return error_set(err, errno, "bundle %s", bundle);
        job->bundle = xstrdup(resolved);
        _cleanup_free_ char *config_path = xasprintf("%s/config.json", job->bundle);
        size_t len = 0;
        job->config_text = fs_read_file(config_path, &len, err);
        if (job->config_text == NULL)
                return error_wrap(err, "bundle %s", job->bundle);
        job->config = oci_config_parse(job->config_text, len, err);
        if (job->config == NULL)
                return error_wrap(err, "%s", config_path);
        if (check_config(job->config, job->opts, err) < 0)
                return -1;
        const char *root = job->config->root_path;
        _cleanup_free_ char *rootfs =
            root[0] == '/' ? xstrdup(root) : xasprintf("%s/%s", job->bundle, root);
        if (realpath(rootfs, resolved) == NULL)
                return error_set(err, errno, "root.path %s", rootfs);
        struct stat st;
        if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode))
                return error_set(err, ENOTDIR, "root.path %s", rootfs);
        job->rootfs = xstrdup(resolved);
        return 0;
}

/* An unprivileged runtime usually may not make cgroups. Then, as runc does, the container
 * goes without one unless its config asks for limits. */
static int rootless_cgroup_check(struct create_job *job, struct error **err)
{
        if (geteuid() == 0)
                return 0;
        _cleanup_free_ char *parent = xstrdup(job->cgroup->dirs[0]);
        char *slash = strrchr(parent, '/');
        if (slash)
                *slash = '\0';
        if (access(parent, W_OK) == 0)
                return 0;
        if (job->config->linux_config.resources)
                return error_set(err, EACCES,
                                 "linux.resources: cgroup %s is not writable for "
                                 "uid %u",
                                 parent, (unsigned)geteuid());
        log_debug("rootless: no cgroup for the container (%s is not writable)", parent);
        cgroup_free(job->cgroup);
        job->cgroup = NULL;
        return 0;
}

static int make_state_dir(struct create_job *job, struct error **err)
{
        if (fs_mkdir_p(job->rt->root, 0700, err) < 0)
                return error_wrap(err, "state directory");
        job->dir = container_dir(job->rt, job->opts->id);
        if (mkdir(job->dir, 0711) < 0) {
                if (errno == EEXIST)
                        return error_set(err, 0, "container %s already exists", job->opts->id);
                return error_set(err, errno, "mkdir %s", job->dir);
        }
        job->dir_made = true;
        return 0;
}

/* Forks the init. Its fds: the sync socket, the console socket, the exec fifo ends. */
static int spawn_init(struct create_job *job, struct init_context *ctx, struct error **err)
{
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return error_set(err, errno, "socketpair");
        job->sync_fd = pair[0];
        ctx->sync_fd = pair[1];
        _cleanup_close_ int console = -1, fifo_r = -1, fifo_w = -1, cgroup_fd = -1, error_fd = -1,
                            own_pidns = -1, trampoline = -1;
        if (job->opts->console_socket) {
                console = unix_socket_connect(job->opts->console_socket, err);
                if (console < 0) {
                        close(pair[1]);
                        return error_wrap(err, "--console-socket");
                }
        }
        if (!job->opts->start_now) {
                _cleanup_free_ char *fifo = xasprintf("%s/exec.fifo", job->dir);
                if (mkfifo(fifo, 0622) < 0) {
                        close(pair[1]);
                        return error_set(err, errno, "mkfifo %s", fifo);
                }
                fifo_r = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                fifo_w = fifo_r < 0 ? -1 : open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
                if (fifo_w < 0) {
                        close(pair[1]);
                        return error_set(err, errno, "open %s", fifo);
                }
                /* Opened now, while we are root: the init may have become another user by
                 * the time it has something to say. */
                _cleanup_free_ char *error_path = xasprintf("%s/exec.error", job->dir);
                error_fd = open(error_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (error_fd < 0) {
                        close(pair[1]);
                        return error_set(err, errno, "create %s", error_path);
                }
        }
        if (exec_trampoline_available()) {
                trampoline = exec_trampoline_fd(err);
                if (trampoline < 0) {
                        close(pair[1]);
                        return -1;
                }
        }
        ctx->trampoline_fd = trampoline;
        ctx->console_fd = console;
        ctx->wait_limits = true;
        ctx->fifo_fd = fifo_r;
        ctx->fifo_keep_fd = fifo_w;
        ctx->error_fd = error_fd;

        struct clone3_args args = {.exit_signal = SIGCHLD};
        for (size_t i = 0; i < job->config->linux_config.n_namespaces; i++) {
                const struct oci_namespace *ns = &job->config->linux_config.namespaces[i];
                if (ns->path == NULL) {
                        args.flags |= clone_flags[ns->type];
                        ctx->new_ns[ns->type] = true;
                } else if (ns->type == OCI_NS_PID) {
                        /* Only children enter a pid namespace: join it before the clone (and
                         * go back after it, so that we can still make threads). */
                        _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
                        own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                        if (fd < 0 || own_pidns < 0 || setns(fd, CLONE_NEWPID) < 0) {
                                close(pair[1]);
                                return error_set(err, errno, "join pid namespace %s", ns->path);
                        }
                }
        }
        /* The cgroup directories exist before the init does. On v2, and in the unified
         * hierarchy of a hybrid v1 host, it is born in its cgroup (CLONE_INTO_CGROUP); it
         * moves itself into the v1 hierarchies first thing, through files we open here
         * (a move by another process takes the kernel's global threadgroup lock, which
         * can wait for an RCU grace period), and can show them in its /sys/fs/cgroup at
         * once. The limits are written while it sets up; it waits for SYNC_LIMITS before
         * exec. */
        if (job->cgroup && cgroup_create(job->cgroup, err) < 0) {
                close(pair[1]);
                return -1;
        }
        if (job->cgroup)
                cgroup_fd = cgroup_open_clone_dir(job->cgroup);
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP_FLAG;
                args.cgroup = (uint64_t)cgroup_fd;
        }
        _cleanup_free_ int *join_fds = NULL;
        int n_join = 0;
        if (job->cgroup) {
                n_join = cgroup_open_join_fds(job->cgroup, cgroup_fd >= 0, &join_fds, err);
                if (n_join < 0) {
                        close(pair[1]);
                        return -1;
                }
        }
        ctx->cgroup_join_fds = join_fds;
        ctx->n_cgroup_join_fds = (size_t)n_join;
        int netns = netns_ahead_take(&job->netns);
        if (netns >= 0) {
                args.flags &= ~(uint64_t)CLONE_NEWNET;
                ctx->has_netns_fd = true;
                ctx->netns_fd = netns;
        }
        pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0) {
                close(job->sync_fd);
                container_init(ctx);
        }
        if (netns >= 0)
                close(netns);
        close(pair[1]);
        for (int i = 0; i < n_join; i++)
                close(join_fds[i]);
        if (own_pidns >= 0)
                setns(own_pidns, CLONE_NEWPID);
        if (pid < 0)
                return error_set(err, errno, "clone3 the container init");
        job->pid = pid;
        if (userns_write_id_maps(job->pid, job->config, err) < 0)
                return -1;
        /* If the init failed meanwhile, this send fails and await_ready() reads why. */
        sync_send(job->sync_fd, SYNC_GO, NULL);
        /* The limits are written while the init goes on; it waits for SYNC_LIMITS before
         * READY, so none of it is missing when the program starts. */
        if (job->cgroup) {
                json_t *resources = job->config->linux_config.resources;
                if (cgroup_apply_resources(job->cgroup, resources, err) < 0 ||
                    cgroup_apply_devices(job->cgroup, resources, err) < 0) {
                        sync_send(job->sync_fd, SYNC_ERROR, "cgroup limits failed");
                        return -1;
                }
        }
        sync_send(job->sync_fd, SYNC_LIMITS, NULL);
        return 0;
}

static int run_runtime_hooks(struct create_job *job, struct error **err)
{
        const struct oci_hooks *hooks = &job->config->hooks;
        _cleanup_free_ char *state =
            hook_state(job->opts->id, "creating", job->pid, job->bundle, job->config);
        if (hooks_run(&hooks->prestart, "prestart", state, err) < 0 ||
            hooks_run(&hooks->create_runtime, "createRuntime", state, err) < 0) {
                sync_send(job->sync_fd, SYNC_ERROR, "hook failed");
                return -1;
        }
        sync_send(job->sync_fd, SYNC_GO, NULL);
        return 0;
}

/* Serves the init until it is ready or fails. */
static int await_ready(struct create_job *job, struct created_container *out, struct error **err)
{
        for (;;) {
                char msg[4096];
                int fd = -1;
                int type = sync_recv(job->sync_fd, msg, sizeof(msg), &fd, err);
                switch (type) {
                case SYNC_READY:
                        return 0;
                case SYNC_WARN:
                        log_warn("%s", msg);
                        break;
                case SYNC_HOOKS:
                        if (run_runtime_hooks(job, err) < 0)
                                return -1;
                        break;
                case SYNC_SECCOMP: {
                        _cleanup_free_ char *state = hook_state(job->opts->id, "creating", job->pid,
                                                                job->bundle, job->config);
                        if (fd < 0)
                                return error_set(err, 0, "seccomp: no notify fd from the init");
                        if (seccomp_forward_listener(job->config, state, fd, err) < 0) {
                                sync_send(job->sync_fd, SYNC_ERROR, "seccomp listener failed");
                                return -1;
                        }
                        sync_send(job->sync_fd, SYNC_GO, NULL);
                        break;
                }
                case SYNC_PTY:
                        if (out)
                                out->pty_master = fd;
                        else if (fd >= 0)
                                close(fd);
                        break;
                case SYNC_ERROR:
                        return error_set(err, 0, "%s", msg);
                case 0: {
                        int status = 0;
                        waitpid(job->pid, &status, 0);
                        job->pid = 0;
                        job->reaped = true;
                        return error_set(err, 0, "container init exited during setup (status %d)",
                                         process_exit_code(status));
                }
                default:
                        return -1;
                }
        }
}

/* Writes state.json (and the --pid-file); hands the record to *out when asked, so that run
 * does not read back what it just wrote. */
static int record_container(struct create_job *job, struct container_record **out,
                            struct error **err)
{
        struct container_record *rec = xcalloc(1, sizeof(*rec));
        *rec = (struct container_record){
            .id = xstrdup(job->opts->id),
            .pid = job->pid,
            .start_time = process_start_time(job->pid),
            .bundle = xstrdup(job->bundle),
            .rootfs = xstrdup(job->rootfs),
            .created = rfc3339_now_string(),
            .owner = xstrdup(""),
            .cgroup = job->cgroup,
            .config = job->config,
            .has_hooks = job->config->hooks.poststart.len || job->config->hooks.poststop.len,
        };
        int r = container_record_save(job->rt, rec, job->config_text, err);
        if (r == 0 && job->opts->pid_file) {
                char buf[32];
                int n = snprintf(buf, sizeof(buf), "%d", (int)job->pid);
                r = fs_replace_file(job->opts->pid_file, buf, (size_t)n, 0644, err);
                if (r < 0)
                        error_wrap(err, "--pid-file");
        }
        if (r < 0 || out == NULL) {
                rec->cgroup = NULL;
                rec->config = NULL;
                container_record_free(rec);
                return r;
        }
        /* The record owns the cgroup and the config from now on. */
        job->cgroup = NULL;
        job->config = NULL;
        *out = rec;
        return 0;
}

int container_create(const struct runtime_options *rt, const struct create_options *opts,
                     struct created_container *out, struct error **err)
{
        struct create_job job = {.rt = rt, .opts = opts, .sync_fd = -1};
        struct init_context ctx = {.opts = opts,
                                   .id = opts->id,
                                   .console_fd = -1,
                                   .fifo_fd = -1,
                                   .fifo_keep_fd = -1,
                                   .error_fd = -1};
        if (out)
                *out = (struct created_container){
                    .pid = -1, .pty_master = -1, .sync_fd = -1, .record = NULL};
        if (container_id_check(opts->id, err) < 0)
                return -1;
        if (rt->systemd_cgroup)
                return error_set(err, 0,
                                 "--systemd-cgroup: the systemd cgroup driver needs "
                                 "systemd, which is not running on this host");
        _cleanup_free_ char *seccomp_cache = seccomp_cache_dir(rt->root);
        if (load_bundle(&job, err) < 0)
                goto fail;
        netns_ahead_start(&job.netns, job.config);
        if (seccomp_prepare(job.config, seccomp_cache, &job.seccomp, err) < 0 ||
            make_state_dir(&job, err) < 0)
                goto fail;
        job.cgroup = cgroup_new(job.config->linux_config.cgroups_path, opts->id, err);
        if (job.cgroup == NULL || rootless_cgroup_check(&job, err) < 0)
                goto fail;
        if (idmap_mounts_prepare(job.config, job.bundle, &job.idmap_fds, err) < 0)
                goto fail;
        job.n_idmap_fds = job.config->n_mounts;
        ctx.idmap_fds = job.idmap_fds;
        ctx.config = job.config;
        ctx.bundle = job.bundle;
        ctx.rootfs = job.rootfs;
        ctx.cgroup = job.cgroup;
        ctx.seccomp = &job.seccomp;
        if (spawn_init(&job, &ctx, err) < 0 || await_ready(&job, out, err) < 0 ||
            record_container(&job, out ? &out->record : NULL, err) < 0)
                goto fail;
        if (out) {
                out->pid = job.pid;
                if (opts->start_now)
                        out->sync_fd = steal_fd(&job.sync_fd);
        }
        create_job_release(&job);
        return 0;
fail:
        if (out && out->pty_master >= 0)
                close(steal_fd(&out->pty_master));
        create_job_undo(&job);
        create_job_release(&job);
        return -1;
}
