/*
 * The OCI runtime configuration (config.json), runtime-spec config.md and config-linux.md.
 * oci_config_parse() checks types and the spec's rules as it reads, so a config that the
 * schema or the spec rejects never reaches the runtime; errors name the field, e.g.
 * "process.args: must be a non-empty array of strings".
 *
 * Invariants after a successful parse: every char ** list is NULL-terminated and its length
 * is in the matching n_ field; strings are never NULL unless documented as optional.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct error;
typedef struct json_t json_t;

struct oci_key_value {
        char *key;
        char *value;
};

struct oci_hook {
        char *path;  /* absolute, required */
        char **args; /* may be empty (n_args == 0); args[0] is argv[0] when present */
        size_t n_args;
        char **env;
        size_t n_env;
        int timeout; /* seconds; 0 means none (the spec forbids <= 0 when present) */
};

struct oci_hook_list {
        struct oci_hook *items;
        size_t len;
};

struct oci_hooks {
        struct oci_hook_list prestart; /* deprecated by the spec, still run as runc does */
        struct oci_hook_list create_runtime;
        struct oci_hook_list create_container;
        struct oci_hook_list start_container;
        struct oci_hook_list poststart;
        struct oci_hook_list poststop;
};

struct oci_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct oci_mount {
        char *destination; /* required */
        char *type;        /* optional (NULL) */
        char *source;      /* optional (NULL) */
        char **options;
        size_t n_options;
        /* Idmapped mount (options "idmap"/"ridmap"); empty when absent. */
        struct oci_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct oci_id_mapping *gid_mappings;
        size_t n_gid_mappings;
};

struct oci_rlimit {
        char *type;   /* "RLIMIT_NOFILE" ... */
        int resource; /* RLIMIT_* number, checked at parse time */
        uint64_t soft;
        uint64_t hard;
};

/* Capability names as written ("CAP_NET_ADMIN"); each list is NULL-terminated. */
struct oci_capabilities {
        char **bounding;
        size_t n_bounding;
        char **effective;
        size_t n_effective;
        char **inheritable;
        size_t n_inheritable;
        char **permitted;
        size_t n_permitted;
        char **ambient;
        size_t n_ambient;
};

struct oci_user {
        uid_t uid;
        gid_t gid;
        bool has_umask;
        mode_t umask;
        gid_t *additional_gids;
        size_t n_additional_gids;
        char *username; /* optional */
};

struct oci_process {
        bool terminal;
        unsigned console_height; /* 0 when absent */
        unsigned console_width;
        struct oci_user user;
        char **args; /* non-empty */
        size_t n_args;
        char **env;
        size_t n_env;
        char *cwd; /* absolute */
        bool has_capabilities;
        struct oci_capabilities capabilities;
        struct oci_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile; /* optional */
        bool has_oom_score_adj;
        int oom_score_adj;
        char *selinux_label; /* optional */
};

enum oci_namespace_type {
        OCI_NS_PID,
        OCI_NS_NETWORK,
        OCI_NS_MOUNT,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_USER,
        OCI_NS_CGROUP,
        OCI_NS_TIME,
        OCI_NS_COUNT
};

struct oci_namespace {
        enum oci_namespace_type type;
        char *path; /* optional: join this namespace instead of creating one */
};

struct oci_device {
        char *path; /* absolute */
        char type;  /* 'c', 'b', 'u' or 'p' */
        int64_t major;
        int64_t minor;
        bool has_file_mode;
        mode_t file_mode;
        bool has_uid;
        uid_t uid;
        bool has_gid;
        gid_t gid;
};

struct oci_linux {
        struct oci_namespace *namespaces; /* no type appears twice */
        size_t n_namespaces;
        struct oci_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct oci_id_mapping *gid_mappings;
        size_t n_gid_mappings;
        struct oci_device *devices;
        size_t n_devices;
        char *cgroups_path; /* optional */
        char **masked_paths;
        size_t n_masked_paths;
        char **readonly_paths;
        size_t n_readonly_paths;
        char *rootfs_propagation; /* optional: "private", "rslave", ... (checked) */
        char *mount_label;        /* optional */
        struct oci_key_value *sysctl;
        size_t n_sysctl;
        /* Parsed by the modules that apply them (cgroups, seccomp), borrowed from json. */
        json_t *resources;
        json_t *seccomp;
        json_t *personality;
        json_t *intel_rdt;
        json_t *time_offsets; /* {"monotonic": {"secs": .., "nanosecs": ..}, ...} */
};

struct oci_config {
        char *oci_version;
        char *root_path; /* may be relative to the bundle */
        bool root_readonly;
        char *hostname;   /* optional */
        char *domainname; /* optional */
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_process *process; /* NULL when absent */
        struct oci_hooks hooks;
        struct oci_key_value *annotations;
        size_t n_annotations;
        bool has_linux;
        struct oci_linux linux_config;
        json_t *json; /* the whole document, owned */
};

/* Parses and validates config.json text. Returns a config to free with oci_config_free(),
 * or NULL with *err naming the offending field. */
struct oci_config *oci_config_parse(const char *text, size_t len, struct error **err);
/* Reads and parses a file; errors are prefixed with the path. */
struct oci_config *oci_config_load(const char *path, struct error **err);
void oci_config_free(struct oci_config *config);

/* Parses a process object on its own (the --process file of `exec`), with the same rules
 * as config.json's "process". Returns a process to free with oci_process_free(), or NULL
 * with *err. */
struct oci_process *oci_process_parse(const char *text, size_t len, struct error **err);
void oci_process_free(struct oci_process *process);

/* Returns the namespace entry of that type, or NULL when the config does not ask for it. */
const struct oci_namespace *oci_config_namespace(const struct oci_config *config,
                                                 enum oci_namespace_type type);
/* "pid", "network", ... and back; -1 for an unknown name. */
const char *oci_namespace_type_name(enum oci_namespace_type type);
int oci_namespace_type_parse(const char *name);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 for an unknown name. */
int oci_rlimit_parse(const char *name);
/* Looks up an annotation; NULL when absent. */
const char *oci_config_annotation(const struct oci_config *config, const char *key);

static inline void cleanup_oci_processp(struct oci_process **process)
{
        oci_process_free(*process);
}
#define _cleanup_oci_process_ __attribute__((cleanup(cleanup_oci_processp)))

static inline void cleanup_oci_configp(struct oci_config **config)
{
        oci_config_free(*config);
}
#define _cleanup_oci_config_ __attribute__((cleanup(cleanup_oci_configp)))
