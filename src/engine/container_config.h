/*
 * A container's config.json made from its image's config and `berth run`/`create` flags, as
 * docker and podman make theirs. Pure logic: nothing here mounts, creates or starts anything;
 * the only files read are the rootfs's /etc/passwd and /etc/group (inside the rootfs) and a
 * seccomp profile. The rules chosen are written down in docs/engine.md ("config.json from
 * an image and flags").
 *
 * The flag parsers (engine_parse_*) are here too so the CLI reports syntax errors with
 * docker's wording before anything is created.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

enum engine_mount_type {
        ENGINE_MOUNT_BIND,
        ENGINE_MOUNT_VOLUME,
        ENGINE_MOUNT_TMPFS,
};

/* One -v, --mount or --tmpfs. Every string is owned by the mount (engine_mount_release). */
struct engine_mount {
        enum engine_mount_type type;
        /* bind: the host path (absolute); volume: the volume's name, NULL for an anonymous
         * volume; tmpfs: NULL. */
        char *source;
        /* volume: the host directory the engine resolved the volume to (set by the engine
         * before engine_container_config, which refuses a volume without it). */
        char *volume_path;
        char *destination; /* absolute, never "/" */
        bool readonly;
        char *propagation;  /* "rprivate", "rshared", ...; NULL: rprivate */
        char relabel;       /* 'z', 'Z' or 0 (SELinux; accepted, recorded, not acted on) */
        bool nocopy;        /* volume: do not copy the image's content into a new volume */
        bool non_recursive; /* bind: "bind" instead of "rbind" */
        /* tmpfs: mount options besides ro/rw ("size=65536k", "mode=1777", "exec"...). */
        char **options;
        size_t n_options;
};

void engine_mount_release(struct engine_mount *mount);

/* Parses `-v/--volume` text: [SOURCE:]DEST[:OPTIONS], OPTIONS a comma list of ro, rw, z, Z,
 * nocopy, a propagation mode, consistent/cached/delegated (ignored, as docker on Linux).
 * SOURCE absolute: a bind; otherwise a volume name; absent: an anonymous volume. */
int engine_parse_volume_flag(const char *text, struct engine_mount *out, struct error **err);
/* Parses `--mount` text: type=bind|volume|tmpfs (default volume), source/src,
 * destination/dst/target, readonly/ro[=BOOL], bind-propagation, bind-nonrecursive,
 * volume-nocopy, tmpfs-size, tmpfs-mode, consistency. */
int engine_parse_mount_flag(const char *text, struct engine_mount *out, struct error **err);
/* Parses `--tmpfs` text: DEST[:OPTIONS], OPTIONS tmpfs mount options (comma list). */
int engine_parse_tmpfs_flag(const char *text, struct engine_mount *out, struct error **err);

struct engine_ulimit {
        int resource; /* RLIMIT_* */
        char *type;   /* "RLIMIT_NOFILE" (owned) */
        int64_t soft; /* -1: unlimited */
        int64_t hard;
};

/* Parses `--ulimit NAME=SOFT[:HARD]` (docker's names: nofile, nproc, core, ...); HARD
 * defaults to SOFT; -1 means unlimited (not for nofile: the kernel caps it). */
int engine_parse_ulimit(const char *text, struct engine_ulimit *out, struct error **err);

/* Parses docker's byte sizes: "1024", "64k", "512m", "1g", "1.5GB" (binary multiples,
 * case-insensitive, an optional trailing "b"). Returns 0 with *out, or -1. */
int engine_parse_bytes(const char *text, int64_t *out, struct error **err);

/* A file the engine prepares (/etc/hosts, /etc/resolv.conf, /etc/hostname) bind-mounted in. */
struct engine_file_bind {
        const char *host_path;
        const char *container_path;
        bool readonly;
};

/*
 * Everything `berth run`/`create` takes that shapes config.json. Zero-initialise it and set
 * what the user gave; NULL/0/false means "not given". Lists are NULL-terminated arrays the
 * caller owns; nothing here is modified or kept.
 */
struct engine_create_options {
        char **env;          /* KEY=VAL, merged from -e/--env-file by the CLI; "KEY" alone unsets */
        const char *workdir; /* -w */
        const char *user;    /* -u name|uid[:group|gid] */
        /* --entrypoint: NULL keeps the image's; a list (even empty, or [""]) replaces it and
         * then the image's Cmd is dropped unless a command is given (docker's rule). */
        char **entrypoint;
        char **command;       /* the arguments after the image; NULL or empty: the image's Cmd */
        const char *hostname; /* NULL: the id's first 12 characters (host network: the host's) */
        struct engine_mount *mounts;
        size_t n_mounts;
        struct engine_file_bind *file_binds;
        size_t n_file_binds;
        bool read_only;
        /* "none", "host", "bridge" or a network's name; NULL is "bridge". Every mode but host
         * gets a new network namespace; network_namespace_path (optional) joins one the
         * engine made instead. */
        const char *network;
        const char *network_namespace_path;
        int64_t memory;      /* bytes; 0: no limit */
        int64_t memory_swap; /* memory+swap bytes; 0: twice memory; -1: unlimited swap */
        double cpus;         /* 0: no limit */
        uint64_t cpu_shares; /* 0: default */
        int64_t pids_limit;  /* 0: none; -1: unlimited */
        char **cap_add;      /* "NET_ADMIN", "CAP_NET_ADMIN", "ALL" (case-insensitive) */
        char **cap_drop;
        bool privileged;
        bool no_new_privileges;
        /* NULL: /usr/share/containers/seccomp.json when it exists (else none);
         * "unconfined": none; else the path of a profile in that format or OCI's. */
        const char *seccomp_profile;
        struct engine_ulimit *ulimits;
        size_t n_ulimits;
        /* --init: this host binary is bind-mounted at /run/berth-init and runs the command. */
        const char *init_path;
        char **annotations;      /* KEY=VAL */
        const char *stop_signal; /* NULL: the image's StopSignal, else SIGTERM */
        bool tty;
        bool interactive; /* accepted; stdin is the monitor's business */
        char **sysctls;   /* KEY=VAL */
};

/* Where --init's binary appears in the container. */
#define ENGINE_INIT_PATH "/run/berth-init"
/* containers-common's default seccomp profile, as podman reads it. */
#define ENGINE_DEFAULT_SECCOMP_PROFILE "/usr/share/containers/seccomp.json"
/* The annotation that carries the resolved stop signal (as containerd and podman do). */
#define ENGINE_STOP_SIGNAL_ANNOTATION "org.opencontainers.image.stopSignal"

/*
 * Builds the container's config.json. image_config is the image config's "config" object
 * (Env, Entrypoint, Cmd, WorkingDir, User, StopSignal; may be NULL); rootfs is the mounted
 * root, read for /etc/passwd and /etc/group (inside it, symlinks cannot leave it); id names
 * the cgroup ("berth-<id>") and the default hostname. root.path is rootfs.
 * Returns a new reference, or NULL with *err naming the flag ("--user: unable to find user
 * bob: no matching entries in passwd file").
 */
json_t *engine_container_config(const struct engine_create_options *o, json_t *image_config,
                                const char *rootfs, const char *id, struct error **err);

/* The image's VOLUME paths that no mount of o covers, for the engine to make anonymous
 * volumes of (docker's rule). Returns a NULL-terminated list the caller frees (each string
 * and the array), never NULL. */
char **engine_image_volumes_uncovered(const struct engine_create_options *o, json_t *image_config);
