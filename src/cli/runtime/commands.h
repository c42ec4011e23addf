/* berth-runtime's commands, runc's command line. Each takes argc/argv starting at the
 * command name and returns the process exit status. */
#pragma once

struct runtime_options;

int cmd_spec(const struct runtime_options *rt, int argc, char **argv);
int cmd_create(const struct runtime_options *rt, int argc, char **argv);
int cmd_run(const struct runtime_options *rt, int argc, char **argv);
int cmd_exec(const struct runtime_options *rt, int argc, char **argv);
int cmd_start(const struct runtime_options *rt, int argc, char **argv);
int cmd_state(const struct runtime_options *rt, int argc, char **argv);
int cmd_list(const struct runtime_options *rt, int argc, char **argv);
int cmd_kill(const struct runtime_options *rt, int argc, char **argv);
int cmd_delete(const struct runtime_options *rt, int argc, char **argv);
int cmd_features(const struct runtime_options *rt, int argc, char **argv);
int cmd_update(const struct runtime_options *rt, int argc, char **argv);
int cmd_pause(const struct runtime_options *rt, int argc, char **argv);
int cmd_resume(const struct runtime_options *rt, int argc, char **argv);
int cmd_ps(const struct runtime_options *rt, int argc, char **argv);
int cmd_events(const struct runtime_options *rt, int argc, char **argv);

/* Logs the error (stderr and --log), frees it, and returns 1. */
struct error;
int cli_fail(struct error **err);
/* Prints "unknown flag" / usage problems for a command; returns 1. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Checks that exactly `want` positional arguments remain from argv[first]; else prints a
 * usage error and returns 1. */
int cli_expect_args(const char *command, int argc, char **argv, int first, int want,
                    const char *what);
/* The "unknown flag" error for getopt's '?' and ':' results; returns 1. */
int cli_bad_flag(const char *command, char **argv);
