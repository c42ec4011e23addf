/*
 * One container's lifecycle (runtime-spec runtime.md): create, start, kill, delete, state.
 * The state of each container lives in <root>/<id>/ (state.json and, while it is
 * "created", the exec.fifo that start opens), so it survives the runtime process.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct error;
struct cgroup;
struct oci_config;
struct oci_key_value;

struct runtime_options {
        const char *root;    /* state directory, e.g. /run/berth-runtime */
        bool systemd_cgroup; /* --systemd-cgroup */
};

struct create_options {
        const char *id;
        const char *bundle;         /* default: the current directory */
        const char *pid_file;       /* optional */
        const char *console_socket; /* optional */
        bool no_pivot;
        bool no_new_keyring;
        int preserve_fds; /* fds 3.. passed on, the listen_fds ones included */
        int listen_fds;   /* of them, socket activation's: LISTEN_FDS=n LISTEN_PID=1 are set */
        /* run: start at once instead of waiting on the exec fifo */
        bool start_now;
        /* run in the foreground: keep the init as our child to wait for */
        bool foreground;
};

/* What state.json records. */
struct container_record {
        char *id;
        pid_t pid;
        uint64_t start_time; /* of pid, to tell it from a reused pid */
        char *bundle;
        char *rootfs;
        char *created; /* RFC 3339 */
        char *owner;
        struct cgroup *cgroup;
        struct oci_config *config; /* the config as it was at create, or NULL: not loaded */
        /* The config has poststart or poststop hooks (or state.json predates this field):
         * start and delete load the config only then. */
        bool has_hooks;
};

enum container_status {
        CONTAINER_CREATING,
        CONTAINER_CREATED,
        CONTAINER_RUNNING,
        CONTAINER_STOPPED,
        CONTAINER_PAUSED, /* created or running, with its cgroup frozen (pause) */
};

/* Result of a foreground create: the init's pid and, with a terminal and no console
 * socket, the pty master to proxy. */
struct created_container {
        pid_t pid;
        int pty_master; /* -1 when none */
        int sync_fd;    /* start_now: reports exec failures until EOF; -1 otherwise */
        struct container_record *record; /* owned by the caller */
};

struct oci_process;

/* runc's exec flags, for a process made from the container's own. */
struct exec_flags {
        char **args;
        size_t n_args;
        char **env; /* KEY=VALUE, replacing the same key or added */
        size_t n_env;
        const char *cwd;
        const char *user; /* "UID[:GID]" */
        long long *additional_gids;
        size_t n_additional_gids;
        char **caps; /* added to the bounding, effective and permitted sets */
        size_t n_caps;
        bool tty;
        bool no_new_privs;
};

struct exec_options {
        const char *id;
        struct oci_process *process; /* borrowed; NULL: made from flags */
        const struct exec_flags *flags;
        const char *console_socket;
        const char *pid_file;
        bool detach;
        int preserve_fds;
};

int container_id_check(const char *id, struct error **err);
/* Starts opts->process in the running container; out->pid is the new process (our child),
 * with a pty master when it has a terminal and no console socket. */
int container_exec(const struct runtime_options *rt, const struct exec_options *opts,
                   struct created_container *out, struct error **err);
/* The exec process for flags, from the container's config. Free with oci_process_free(). */
struct oci_process *exec_process_from_flags(const struct oci_config *config,
                                            const struct exec_flags *flags, struct error **err);
int container_create(const struct runtime_options *rt, const struct create_options *opts,
                     struct created_container *out, struct error **err);
int container_start(const struct runtime_options *rt, const char *id, struct error **err);
/* Runs the poststart hooks; on failure the container is killed (start includes this; run
 * calls it itself). */
int container_poststart(const struct runtime_options *rt, struct container_record *rec,
                        struct error **err);
int container_kill(const struct runtime_options *rt, const char *id, int sig, bool all,
                   struct error **err);
int container_delete(const struct runtime_options *rt, const char *id, bool force,
                     struct error **err);

/* Loads <root>/<id>/state.json and config.json. Fails with "container ID does not exist" when
 * absent. */
struct container_record *container_record_load(const struct runtime_options *rt, const char *id,
                                               struct error **err);
/* The same without config.json (rec->config NULL): what kill, start and delete need, without
 * parsing the whole config (20 KB of JSON with a seccomp profile) at each. */
struct container_record *container_record_load_state(const struct runtime_options *rt,
                                                     const char *id, struct error **err);
/* REC's config, loaded now if it was not. */
const struct oci_config *container_record_config(const struct runtime_options *rt,
                                                 struct container_record *rec, struct error **err);
int container_record_save(const struct runtime_options *rt, const struct container_record *rec,
                          const char *config_text, struct error **err);
void container_record_free(struct container_record *rec);
enum container_status container_status(const struct runtime_options *rt,
                                       const struct container_record *rec);
const char *runtime_status_name(enum container_status status);
/* State JSON (the spec's, plus runc's rootfs/created/owner) of the container. */
char *container_state_json(const struct runtime_options *rt, const struct container_record *rec,
                           bool pretty);
/* Undoes create: kills what is left, runs poststop hooks, removes the cgroup and state dir. */
int container_destroy(const struct runtime_options *rt, struct container_record *rec,
                      struct error **err);
/* <root>/<id> */
char *container_dir(const struct runtime_options *rt, const char *id);

static inline void cleanup_container_recordp(struct container_record **rec)
{
        container_record_free(*rec);
}
#define _cleanup_container_record_ __attribute__((cleanup(cleanup_container_recordp)))
