/*
 * The engine: containers made from images and run by an OCI runtime, each watched by its own
 * berth-monitor (conmon's job), with their records in SQLite. No daemon: every berth command
 * opens the engine, does its work and exits; a container outlives the command that started it.
 *
 * Where a container's things are (ID is 64 hex):
 *   ROOT/containers/ID/       upper/ work/ (the overlay's writable layer), merged/ (its rootfs),
 *                             ctr.log (its output, k8s-file format)
 *   RUNROOT/containers/ID/    config.json (the bundle), exit (the monitor's exit file),
 *                             attach (the monitor's socket), pidfile, monitor.log
 *   RUNROOT/runtime/          the OCI runtime's --root
 */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "container_db.h"
#include "image/image_store.h"

struct engine {
        struct image_store *images;
        struct container_db *containers;
        char *root;
        char *runroot;
        char *runtime;         /* the OCI runtime's path */
        char *runtime_root;    /* its --root */
        char *monitor;         /* berth-monitor's path */
        char *builtin_runtime; /* berth-runtime beside berth: its cheap verbs run in-process */
        bool trash_pending;    /* a container directory went to ROOT/trash (engine_trash.h) */
};

/* RUNTIME NULL: berth-runtime next to this executable (or on PATH). */
int engine_open(const char *root, const char *runroot, const char *runtime, struct engine **out,
                struct error **err);
void engine_free(struct engine *e);
/* Makes E drive ROW's container with the runtime it was created with (`run --runtime`). */
void engine_use_runtime_of(struct engine *e, const struct container_row *row);

/* Newly allocated paths of a container's things. */
char *engine_container_dir(const struct engine *e, const char *id);     /* ROOT/containers/ID */
char *engine_container_run_dir(const struct engine *e, const char *id); /* RUNROOT/... */
/* A stopped container's rootfs mounted, and its bundle files back in RUNROOT, after a reboot
 * cleared them (what a start does first); nothing when they are there. A --rm container's are
 * not kept: an error says so. Under the container's lock. */
int engine_container_restore_rootfs(struct engine *e, const struct container_row *row,
                                    struct error **err);
/* For `cp` with a stopped container: its volumes and bind mounts mounted on ROOTFS (its root
 * filesystem, mounted) as the runtime would mount them, in a mount namespace the calling
 * process makes for itself (private: the host sees none of it, and it ends with the process).
 * Paths under a mount then reach the volume, as in a running container. Missing mount points
 * are made, as the runtime makes them at start. Call engine_container_restore_rootfs first. */
int engine_container_mount_binds_private(struct engine *e, const struct container_row *row,
                                         const char *rootfs, struct error **err);

enum container_status {
        CONTAINER_CREATED,
        CONTAINER_RUNNING,
        CONTAINER_PAUSED,
        CONTAINER_EXITED,
};

struct container_state {
        enum container_status status;
        pid_t pid;         /* the init's, when running */
        int exit_code;     /* when exited */
        char *started_at;  /* RFC 3339, or NULL */
        char *finished_at; /* RFC 3339, or NULL */
        char *error;       /* why it could not start, or NULL */
};
void container_state_release(struct container_state *s);
const char *container_status_name(enum container_status s); /* docker's: created, running, ... */

struct engine_create_options;
struct engine_health_flags;
struct image_record;

/* What `berth create`/`run` asks for besides the config.json options. */
struct engine_create_request {
        const struct image_record *image;      /* in the store (the CLI pulled it if needed) */
        const char *image_name;                /* as the user typed it, for `ps` */
        const char *name;                      /* or NULL: a generated adjective_noun */
        struct engine_create_options *options; /* mounts' volume paths are filled in here */
        const char *runtime;                   /* or NULL: the engine's */
        bool remove_on_exit;                   /* --rm with -d: the monitor removes it */
        bool removed_when_done;                /* --rm: nothing is kept for a reboot */
        char **dns;                            /* --dns servers, or NULL: the host's resolv.conf */
        char **add_hosts;                      /* --add-host HOST:IP entries */
        int stop_timeout;                      /* --stop-timeout, -1: 10 */
        char **labels;                         /* KEY=VAL */
        int64_t log_max_size;   /* --log-opt max-size: the monitor rotates ctr.log; 0: never */
        char **publish;         /* -p values, docker's syntax (engine_network.h) */
        bool publish_all;       /* -P: the image's ExposedPorts on random host ports */
        char **network_aliases; /* --network-alias names */
        const char *restart;    /* --restart POLICY, or NULL: no */
        /* --health-cmd and friends, --no-healthcheck (health.h), or NULL */
        const struct engine_health_flags *health;
};

/* Creates a container: its rootfs (an overlay on the image's layers), volumes, /etc/hosts,
 * /etc/resolv.conf and /etc/hostname, config.json, and its record. *out gets the record. */
int engine_container_create(struct engine *e, const struct engine_create_request *request,
                            struct container_row *out, struct error **err);

/* `exec -u SPEC` for ROW: SPEC (name|uid[:group|gid]) resolved in the container's own
 * /etc/passwd and /etc/group, as "uid:gid" (newly allocated). *GIDS (newly allocated, *N_GIDS
 * of them) gets the additional gids, as `run -u` gives them: the exec'd process must not keep
 * the container process's groups. */
char *engine_container_user(const struct container_row *row, const char *spec, gid_t **gids,
                            size_t *n_gids, struct error **err);

/* The state as the runtime, the monitor's exit file and the record tell it. */
int engine_container_state(struct engine *e, const struct container_row *row,
                           struct container_state *out, struct error **err);

/* Starts the monitor (which runs `runtime create`), then, unless ATTACH_FD_OUT is not NULL,
 * `runtime start`. With ATTACH_FD_OUT, the monitor's attach socket is connected first and
 * returned, and the caller runs engine_container_start_process() once attached (no output is
 * lost before it). */
int engine_container_start(struct engine *e, struct container_row *row, int *attach_fd_out,
                           struct error **err);
/* The monitor's first frame to an attach client (docs/monitor.md, "The attach socket"). */
#define ENGINE_ATTACH_FRAME_ATTACHED 5
int engine_container_start_process(struct engine *e, struct container_row *row, struct error **err);
/* Sends SIGNAL to the container's init. */
int engine_container_kill(struct engine *e, const struct container_row *row, int signal,
                          struct error **err);
/* STOP_SIGNAL, then SIGKILL after TIMEOUT seconds; waits for the exit. */
int engine_container_stop(struct engine *e, const struct container_row *row, int stop_signal,
                          int timeout, struct error **err);
/* Freezes (runtime `pause`) and thaws (runtime `resume`) a running container. */
int engine_container_pause(struct engine *e, const struct container_row *row, struct error **err);
int engine_container_unpause(struct engine *e, const struct container_row *row, struct error **err);
/* Waits until the container has exited; its exit code in *code. */
int engine_container_wait(struct engine *e, const struct container_row *row, int *code,
                          struct error **err);
/* Removes a container that is not running (FORCE: kill it first): runtime state, monitor,
 * rootfs mount, directories, record. */
int engine_container_remove(struct engine *e, const struct container_row *row, bool force,
                            struct error **err);

/* `berth container cleanup ID` (engine_cleanup.c), the exit command of a container that needs
 * work after it exits: its network torn down, then the restart policy applied (after the
 * back-off) or, with --rm, the container removed. A container removed meanwhile is success. */
int engine_container_cleanup(struct engine *e, const char *id, struct error **err);

/* Runs ROW's healthcheck once in the running container (engine_health.c), within its timeout,
 * and records the result in RUNROOT/containers/ID/health.json. *PASSED: the test's verdict. */
int engine_container_healthcheck(struct engine *e, const struct container_row *row, bool *passed,
                                 struct error **err);
/* docker's State.Health of ROW (a new object), or NULL when it has no healthcheck. */
json_t *engine_container_health(struct engine *e, const struct container_row *row);
