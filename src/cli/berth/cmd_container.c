/* berth start, stop, kill, restart, rm, wait: docker's flags and output (each prints the name
 * or ID it was given, one per line, as docker does). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/process.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/detach_keys.h"
#include "engine/engine.h"
#include "engine/volumes.h"

enum verb { VERB_START, VERB_STOP, VERB_KILL, VERB_RESTART, VERB_RM, VERB_WAIT };

static const char *const verb_names[] = {"start", "stop", "kill", "restart", "rm", "wait"};

static const char *const verb_help[] = {
    "usage: berth start [-a] CONTAINER...\n"
    "       berth start --all [--filter restart-policy=POLICY]...\n\n"
    "Start created or stopped containers.\n\n"
    "  -a, --attach   attach to its output and exit with its exit code (one container)\n"
    "      --detach-keys KEYS   keys that detach from -ai (default ctrl-p,ctrl-q)\n"
    "      --all      every created or stopped container (at boot: see docs/engine.md)\n"
    "      --filter restart-policy=POLICY   with --all, only containers with that policy\n"
    "                 (repeatable; unless-stopped ones the user stopped are left stopped)\n",
    "usage: berth stop [-t SECONDS] [-s SIGNAL] CONTAINER...\n\n"
    "Send the stop signal (the image's StopSignal, or SIGTERM), then SIGKILL after the timeout\n"
    "(default 10 s, or --stop-timeout of run).\n",
    "usage: berth kill [-s SIGNAL] CONTAINER...\n\nSend a signal (default SIGKILL).\n",
    "usage: berth restart [-t SECONDS] CONTAINER...\n\nStop, then start again.\n",
    "usage: berth rm [-f] [-v] CONTAINER...\n\n"
    "Remove containers.\n\n  -f, --force     kill a running container first\n"
    "  -v, --volumes   remove its anonymous volumes too\n",
    "usage: berth wait CONTAINER...\n\nWait for containers to stop; print their exit codes.\n",
};

/* The signal a container stops with: -s, else its own (run --stop-signal or the image's). */
static int stop_signal_of(const struct container_row *row)
{
        const char *name =
            json_string_value(json_object_get(json_object_get(row->data, "options"), "stopSignal"));
        int sig = name ? signal_parse(name) : -1;
        return sig > 0 ? sig : SIGTERM;
}

static int stop_timeout_of(const struct container_row *row)
{
        json_t *t = json_object_get(json_object_get(row->data, "options"), "stopTimeout");
        return json_is_integer(t) ? (int)json_integer_value(t) : 10;
}

/* rm -v: the anonymous volumes ROW created (64-hex names in its record), once it is gone. */
static int remove_anonymous_volumes(struct engine *e, json_t *volumes, struct error **err)
{
        size_t i;
        json_t *v;
        json_array_foreach(volumes, i, v)
        {
                const char *name = json_string_value(v);
                if (name && volume_name_anonymous(name) &&
                    volume_remove(e, name, true, NULL, err) < 0)
                        return -1;
        }
        return 0;
}

/* start --detach-keys (docker's syntax, see engine/detach_keys.h); NULL: the default. */
static const char *start_detach_keys;

static int act(struct engine *e, enum verb verb, struct container_row *row, int sig, int timeout,
               bool force, bool attach, bool volumes, struct error **err)
{
        switch (verb) {
        case VERB_START:
                if (attach) {
                        int fd = -1;
                        if (engine_container_start(e, row, &fd, err) < 0)
                                return -1;
                        const struct cli_attach_options o = {.start_process = true,
                                                             .sig_proxy = true,
                                                             .close_stdin_at_eof = true,
                                                             .detach_keys = start_detach_keys};
                        return cli_attach_session(e, row, fd, &o);
                }
                return engine_container_start(e, row, NULL, err);
        case VERB_STOP:
                return engine_container_stop(e, row, sig > 0 ? sig : stop_signal_of(row),
                                             timeout >= 0 ? timeout : stop_timeout_of(row), err);
        case VERB_KILL:
                return engine_container_kill(e, row, sig > 0 ? sig : SIGKILL, err);
        case VERB_RESTART:
                if (engine_container_stop(e, row, stop_signal_of(row),
                                          timeout >= 0 ? timeout : stop_timeout_of(row), err) < 0)
                        return -1;
                return engine_container_start(e, row, NULL, err);
        case VERB_RM: {
                json_t *used = json_incref(json_object_get(row->data, "volumes"));
                int ret = engine_container_remove(e, row, force, err);
                if (ret == 0 && volumes)
                        ret = remove_anonymous_volumes(e, used, err);
                json_decref(used);
                return ret;
        }
        case VERB_WAIT: {
                int code = 0;
                if (engine_container_wait(e, row, &code, err) < 0)
                        return -1;
                printf("%d\n", code);
                return 0;
        }
        }
        return 0;
}

/* Whether `start --all` with restart-policy filters POLICIES takes ROW (none: every one).
 * docker's boot rule: an unless-stopped container the user stopped stays stopped. */
static bool policy_selected(const struct container_row *row, const char *const *policies, size_t n)
{
        if (n == 0)
                return true;
        json_t *p = json_object_get(json_object_get(row->data, "options"), "restartPolicy");
        const char *have = json_string_value(json_object_get(p, "Name"));
        bool stopped = json_is_true(json_object_get(row->data, "stoppedByUser"));
        for (size_t i = 0; i < n; i++) {
                if (strcmp(policies[i], have ? have : "no") != 0)
                        continue;
                return !(stopped && strcmp(policies[i], "unless-stopped") == 0);
        }
        return false;
}

/* start --all: every created or exited container the filters select, printing each name. */
static int start_all(const struct berth_globals *g, const char *const *policies, size_t n)
{
        struct error *err = NULL;
        struct engine *e = NULL;
        struct container_row *rows = NULL;
        size_t n_rows = 0;
        if (cli_open_engine_with_containers(g, &e, &rows, &n_rows, &err) < 0)
                return cli_fail(&err);
        int ret = 0;
        for (size_t i = n_rows; i-- > 0;) { /* oldest first, as they were created */
                struct container_row *row = &rows[i];
                int stopped = cli_container_stopped(e, row, &err);
                if (stopped < 0) {
                        ret = cli_fail(&err);
                        continue;
                }
                if (!stopped || !policy_selected(row, policies, n))
                        continue;
                if (engine_container_start(e, row, NULL, &err) < 0)
                        ret = cli_fail(&err);
                else
                        printf("%s\n", row->name);
        }
        cli_container_rows_free(rows, n_rows);
        engine_free(e);
        return ret;
}

static int run_verb(const struct berth_globals *g, enum verb verb, int argc, char **argv)
{
        static const struct option options[] = {
            {"attach", no_argument, NULL, 'a'},
            {"time", required_argument, NULL, 't'},
            {"timeout", required_argument, NULL, 't'},
            {"signal", required_argument, NULL, 's'},
            {"force", no_argument, NULL, 'f'},
            {"volumes", no_argument, NULL, 'v'},
            {"all", no_argument, NULL, 'A'},
            {"filter", required_argument, NULL, 'F'},
            {"detach-keys", required_argument, NULL, 'K'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        const char *name = verb_names[verb];
        int sig = -1, timeout = -1;
        bool force = false, attach = false, volumes = false, all = false;
        const char *policies[8];
        size_t n_policies = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "at:s:fvih", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        if (verb != VERB_START)
                                return cli_bad_flag(name, argv);
                        attach = true;
                        break;
                case 'i':
                        break; /* start -i: stdin is attached when the container has one */
                case 'K': {
                        struct detach_keys keys;
                        struct error *key_err = NULL;
                        if (verb != VERB_START)
                                return cli_bad_flag(name, argv);
                        if (detach_keys_parse(optarg, &keys, &key_err) < 0)
                                return cli_fail(&key_err);
                        start_detach_keys = optarg;
                        break;
                }
                case 't':
                        timeout = atoi(optarg);
                        break;
                case 's':
                        sig = signal_parse(optarg);
                        if (sig <= 0)
                                return cli_usage_error(name, "invalid signal: %s", optarg);
                        break;
                case 'f':
                        force = true;
                        break;
                case 'v':
                        volumes = true;
                        break;
                case 'A':
                        if (verb != VERB_START)
                                return cli_bad_flag(name, argv);
                        all = true;
                        break;
                case 'F':
                        if (verb != VERB_START || strncmp(optarg, "restart-policy=", 15) != 0 ||
                            n_policies == 8)
                                return cli_usage_error(name,
                                                       "invalid filter \"%s\" (restart-policy="
                                                       "POLICY)",
                                                       optarg);
                        policies[n_policies++] = optarg + 15;
                        break;
                case 'h':
                        return cli_help(verb_help[verb]);
                default:
                        return cli_bad_flag(name, argv);
                }
        }
        if (all) {
                if (optind < argc || attach)
                        return cli_usage_error(name, "--all takes no container names");
                return start_all(g, policies, n_policies);
        }
        if (n_policies > 0)
                return cli_usage_error(name, "--filter needs --all");
        if (optind >= argc)
                return cli_usage_error(name, "requires at least 1 argument");
        if (attach && argc - optind > 1)
                return cli_usage_error(name, "you cannot start and attach multiple containers "
                                             "at once");
        struct error *err = NULL;
        struct engine *e = NULL;
        if (cli_open_engine(g, &e, &err) < 0)
                return cli_fail(&err);
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                struct container_row row = {0};
                if (cli_find_container(e, argv[i], &row, &err) < 0) {
                        ret = cli_fail(&err);
                        continue;
                }
                int rc = act(e, verb, &row, sig, timeout, force, attach, volumes, &err);
                if (attach)
                        ret = rc;
                else if (rc < 0)
                        ret = cli_fail(&err);
                else if (verb != VERB_WAIT)
                        printf("%s\n", argv[i]);
                container_row_release(&row);
        }
        engine_free(e);
        return ret;
}

int cmd_start(const struct berth_globals *g, int argc, char **argv)
{
        return run_verb(g, VERB_START, argc, argv);
}

int cmd_stop(const struct berth_globals *g, int argc, char **argv)
{
        return run_verb(g, VERB_STOP, argc, argv);
}

int cmd_kill(const struct berth_globals *g, int argc, char **argv)
{
        return run_verb(g, VERB_KILL, argc, argv);
}

int cmd_restart(const struct berth_globals *g, int argc, char **argv)
{
        return run_verb(g, VERB_RESTART, argc, argv);
}

int cmd_rm(const struct berth_globals *g, int argc, char **argv)
{
        return run_verb(g, VERB_RM, argc, argv);
}

int cmd_wait(const struct berth_globals *g, int argc, char **argv)
{
        return run_verb(g, VERB_WAIT, argc, argv);
}
