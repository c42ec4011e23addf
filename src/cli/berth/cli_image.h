/* What the image commands share: opening the store named by the global flags, finding an
 * image as users name it, and the registry flags of pull, push and login. */
#pragma once
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "commands.h"
#include "image/image_store.h"
#include "registry/client.h"

int cli_open_store(const struct berth_globals *g, struct image_store **out, struct error **err);

/* Finds TEXT as an image ID or unique prefix, a full name, a repo digest, or a short name
 * normalised as docker does ("busybox" → docker.io/library/busybox:latest). Not found:
 * "NAME: image not known" (podman's words). */
int cli_find_image(struct image_store *store, const char *text, struct image_record *out,
                   struct error **err);

/* The registry flags pull and push share: --tls-verify[=BOOL], --authfile FILE,
 * --creds USER[:PASS]; CLI_REGISTRY_OPTIONS is their getopt_long entries. */
enum { CLI_OPT_TLS_VERIFY = 1000, CLI_OPT_AUTHFILE, CLI_OPT_CREDS };
/* clang-format off */
#define CLI_REGISTRY_OPTIONS                                                                       \
        {"tls-verify", optional_argument, NULL, CLI_OPT_TLS_VERIFY},                               \
        {"authfile", required_argument, NULL, CLI_OPT_AUTHFILE},                                   \
        {"creds", required_argument, NULL, CLI_OPT_CREDS}
/* clang-format on */
/* Applies registry flag OPT (with ARG) to O. Returns 1 when OPT was one, 0 when not, -1 on a bad
 * value. *creds holds the copy of --creds that O points into (the caller frees it). */
int cli_registry_flag(int opt, const char *arg, struct registry_options *o, char **creds,
                      struct error **err);

/* Parses a podman boolean flag value ("--tls-verify", "--tls-verify=false"). */
int cli_parse_bool(const char *flag, const char *value, bool *out, struct error **err);

/* Splits a stored name "host/path:tag" into newly allocated repository and tag. */
void cli_split_name(const char *name, char **repository, char **tag);

/* "3 hours ago", as podman and docker print durations (go-units HumanDuration). */
char *cli_human_age(int64_t then);
/* "4.26 MB" (go-units HumanSizeWithPrecision, decimal units, 3 significant digits). */
char *cli_human_size(int64_t bytes);
/* docker's go-units HumanSize: DIGITS significant digits, no space ("1.24MB"): 3 in ps, 4 in
 * system df. */
char *cli_docker_size(int64_t bytes, int digits);
/* RFC 3339 UTC with seconds: "2024-01-02T03:04:05Z". */
char *cli_rfc3339(int64_t seconds);

/* Go-template-like --format for one object: "{{.Id}}", "{{.Config.Cmd}}", "{{json .Config}}",
 * and "\t" "\n" escapes, as the subset scripts use with docker and podman. Strings print raw,
 * string arrays as Go does ("[sh -c]"), other values as JSON; a missing field is
 * "<no value>". Returns newly allocated text, or NULL with *err for a malformed template. */
char *cli_format_template(const char *format, json_t *object, struct error **err);

/* Removes image R with all its names and its mount (blobs and layers go in the GC that
 * follows), printing podman's "Untagged:"/"Deleted:" lines. */
int cli_remove_image(struct image_store *store, const struct image_record *r, struct error **err);
/* Refuses (an error naming the container) when containers use R, unless FORCE. */
int cli_check_image_unused(struct image_store *store, const struct image_record *r, bool force,
                           struct error **err);

/* The engine for the container commands (opens the image store too). */
struct engine;
struct container_row;
int cli_open_engine(const struct berth_globals *g, struct engine **out, struct error **err);
/* The engine and every container record (newest first), for the commands that go over all of
 * them; -1 with *err and nothing open. The rows go with cli_container_rows_free. */
int cli_open_engine_with_containers(const struct berth_globals *g, struct engine **e,
                                    struct container_row **rows, size_t *n, struct error **err);
void cli_container_rows_free(struct container_row *rows, size_t n);
/* A command family whose subcommands work on the engine (`network ls`, `volume rm`): ARGV[1]
 * names one of TABLE, which runs with the engine open and ARGV from the subcommand's name on.
 * No subcommand prints HELP and fails; an unknown one is "unknown FAMILY command". */
struct cli_engine_subcommand {
        const char *name;
        int (*run)(struct engine *e, int argc, char **argv);
};
int cli_run_engine_subcommand(const struct berth_globals *g, const char *family, const char *help,
                              const struct cli_engine_subcommand *table, size_t n, int argc,
                              char **argv);
/* Finds a container by name, ID or unique ID prefix and points the engine at its runtime. Not
 * found: "no container with name or ID \"X\" found: no such container" (podman's words). */
int cli_find_container(struct engine *e, const char *text, struct container_row *out,
                       struct error **err);
/* Whether ROW's container is stopped (created or exited): 1, 0 (running or paused), or -1 with
 * *err when its state cannot be read. Points the engine at its runtime. */
int cli_container_stopped(struct engine *e, const struct container_row *row, struct error **err);

/* The JSON `inspect` prints for an image (podman's shape) and for a container (docker's). */
json_t *cli_image_inspect_json(struct image_store *store, const struct image_record *r,
                               struct error **err);
json_t *cli_container_inspect_json(struct engine *e, const struct container_row *row,
                                   struct error **err);

/* The exit status of `run`/`start -a` when the container's process could not start: docker's
 * 127 (not found), 126 (cannot be invoked), else 125. */
int cli_start_failure_code(const struct error *err);
/* Attached mode (run without -d, start -a): starts the process once attached to the monitor's
 * socket ATTACH_FD, streams stdio, forwards signals; returns the container's exit code. */
int cli_attach_and_wait(struct engine *e, struct container_row *row, int attach_fd);
/* The attached session itself, for run, start -a and attach. Returns the container's exit
 * code, or 0 when the user typed the detach keys (the container goes on running). */
struct cli_attach_options {
        bool start_process;      /* run, start -a: start the process once attached */
        bool no_stdin;           /* attach --no-stdin */
        bool sig_proxy;          /* forward SIGINT, SIGTERM, SIGHUP, SIGQUIT to the container */
        bool close_stdin_at_eof; /* the end of our stdin closes the container's */
        const char *detach_keys; /* docker's syntax; NULL: ctrl-p,ctrl-q; "": none */
};
int cli_attach_session(struct engine *e, struct container_row *row, int attach_fd,
                       const struct cli_attach_options *o);
/* Connects to the attach socket of running container ROW; the fd, or -1 with *err. */
int cli_attach_connect(struct engine *e, const struct container_row *row, struct error **err);
