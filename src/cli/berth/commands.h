/* berth's commands, with docker's and podman's command line. Each takes argc/argv starting at
 * the command name and returns the process exit status (docker's: 125 when berth fails). */
#pragma once
#include <stdbool.h>

#include "base/error.h"

/* Global options, before the command: --root, --runroot, --log-level, --debug. */
struct berth_globals {
        const char *root;
        const char *runroot;
        bool debug;
};

#define BERTH_EXIT_FAILURE 125

int cmd_pull(const struct berth_globals *g, int argc, char **argv);
int cmd_push(const struct berth_globals *g, int argc, char **argv);
int cmd_images(const struct berth_globals *g, int argc, char **argv);
int cmd_image(const struct berth_globals *g, int argc, char **argv); /* image SUBCOMMAND */
int cmd_image_inspect(const struct berth_globals *g, int argc, char **argv);
int cmd_image_history(const struct berth_globals *g, int argc, char **argv);
int cmd_image_prune(const struct berth_globals *g, int argc, char **argv);
int cmd_image_mount(const struct berth_globals *g, int argc, char **argv);
int cmd_image_umount(const struct berth_globals *g, int argc, char **argv);
int cmd_tag(const struct berth_globals *g, int argc, char **argv);
int cmd_rmi(const struct berth_globals *g, int argc, char **argv);
int cmd_save(const struct berth_globals *g, int argc, char **argv);
int cmd_load(const struct berth_globals *g, int argc, char **argv);
int cmd_import(const struct berth_globals *g, int argc, char **argv);
int cmd_login(const struct berth_globals *g, int argc, char **argv);
int cmd_logout(const struct berth_globals *g, int argc, char **argv);
int cmd_run(const struct berth_globals *g, int argc, char **argv);
int cmd_create(const struct berth_globals *g, int argc, char **argv);
int cmd_start(const struct berth_globals *g, int argc, char **argv);
int cmd_stop(const struct berth_globals *g, int argc, char **argv);
int cmd_kill(const struct berth_globals *g, int argc, char **argv);
int cmd_restart(const struct berth_globals *g, int argc, char **argv);
int cmd_rm(const struct berth_globals *g, int argc, char **argv);
int cmd_wait(const struct berth_globals *g, int argc, char **argv);
int cmd_logs(const struct berth_globals *g, int argc, char **argv);
int cmd_exec(const struct berth_globals *g, int argc, char **argv);
int cmd_inspect(const struct berth_globals *g, int argc, char **argv);
int cmd_container_inspect(const struct berth_globals *g, int argc, char **argv);
int cmd_container(const struct berth_globals *g, int argc, char **argv);
int cmd_ps(const struct berth_globals *g, int argc, char **argv);
int cmd_volume(const struct berth_globals *g, int argc, char **argv);  /* volume SUBCOMMAND */
int cmd_network(const struct berth_globals *g, int argc, char **argv); /* network SUBCOMMAND */
int cmd_rename(const struct berth_globals *g, int argc, char **argv);
int cmd_pause(const struct berth_globals *g, int argc, char **argv);
int cmd_unpause(const struct berth_globals *g, int argc, char **argv);
int cmd_top(const struct berth_globals *g, int argc, char **argv);
int cmd_port(const struct berth_globals *g, int argc, char **argv);
int cmd_container_prune(const struct berth_globals *g, int argc, char **argv);
int cmd_container_cleanup(const struct berth_globals *g, int argc, char **argv);
int cmd_healthcheck(const struct berth_globals *g, int argc, char **argv); /* healthcheck run */
int cmd_info(const struct berth_globals *g, int argc, char **argv);
int cmd_registry(const struct berth_globals *g, int argc, char **argv); /* registry serve */
int cmd_version(const struct berth_globals *g, int argc, char **argv);  /* argc 0: -v */
int cmd_attach(const struct berth_globals *g, int argc, char **argv);
int cmd_cp(const struct berth_globals *g, int argc, char **argv);
int cmd_stats(const struct berth_globals *g, int argc, char **argv);
int cmd_system(const struct berth_globals *g, int argc, char **argv); /* system SUBCOMMAND */

/* Prints "berth: <message>" once, frees the error, returns 125. */
int cli_fail(struct error **err);
/* "berth COMMAND: <message> (see berth COMMAND --help)"; returns 125. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The error for getopt's '?' and ':' results, docker's wording: "unknown flag: --foo". */
int cli_bad_flag(const char *command, char **argv);
/* Prints the usage text of a command (its --help) to stdout; returns 0. */
int cli_help(const char *text);
