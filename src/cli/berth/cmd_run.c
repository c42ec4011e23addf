/* berth run and berth create: docker's flags and semantics. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/duration.h"
#include "base/fs.h"
#include "cli_image.h"
#include "commands.h"
#include "engine/container_config.h"
#include "engine/detach_keys.h"
#include "engine/engine.h"
#include "engine/health.h"
#include "engine/restart_policy.h"
#include "image/image_pull.h"
#include "oci/image_reference.h"
#include "progress.h"

static const char run_help[] =
    "usage: berth run [options] IMAGE [COMMAND [ARG...]]\n"
    "       berth create [options] IMAGE [COMMAND [ARG...]]\n"
    "\n"
    "Create a container from an image and (run) start it. Attached (without -d), berth prints its\n"
    "output and exits with its exit code; 125 when berth fails, 126 when the command cannot be\n"
    "invoked, 127 when it is not found.\n"
    "\n"
    "  -d, --detach              run in the background, print the ID\n"
    "      --detach-keys KEYS    keys that detach from -it (default ctrl-p,ctrl-q)\n"
    "      --log-opt max-size=N  rotate the log to ctr.log.1 when it would exceed N bytes\n"
    "  -i, --interactive         keep stdin open\n"
    "  -t, --tty                 allocate a terminal\n"
    "      --rm                  remove the container when it exits\n"
    "      --name NAME           the container's name\n"
    "  -e, --env KEY[=VAL]       set (or pass through) an environment variable\n"
    "      --env-file FILE       KEY=VAL lines\n"
    "  -w, --workdir DIR         working directory\n"
    "  -u, --user USER[:GROUP]   names resolved in the image's /etc/passwd and /etc/group\n"
    "      --entrypoint CMD      replace the image's entrypoint\n"
    "  -h, --hostname NAME       the container's host name\n"
    "  -v, --volume SPEC         bind HOST:CTR[:ro], named NAME:CTR or anonymous CTR volume\n"
    "      --mount SPEC          type=bind|volume|tmpfs,source=..,target=..[,readonly]\n"
    "      --tmpfs DIR[:OPTS]    a tmpfs\n"
    "      --read-only           read-only root filesystem\n"
    "      --network MODE        bridge (default; containers.conf's netns), none, host or a\n"
    "                            network's name\n"
    "      --network-alias NAME  another name of the container on a user network\n"
    "  -p, --publish [IP:][HOSTPORT:]PORT[/PROTO]  publish a port (ranges: 8000-8010)\n"
    "  -P, --publish-all         publish the image's exposed ports on random host ports\n"
    "      --dns IP, --add-host HOST:IP\n"
    "  -m, --memory BYTES, --memory-swap BYTES, --cpus N, -c/--cpu-shares N, --pids-limit N\n"
    "      --cap-add CAP, --cap-drop CAP, --privileged\n"
    "      --security-opt seccomp=PROFILE|unconfined, no-new-privileges\n"
    "      --ulimit NAME=SOFT[:HARD], --sysctl KEY=VAL\n"
    "      --init                run an init as pid 1 that reaps and forwards signals\n"
    "  -l, --label KEY=VAL, --annotation KEY=VAL\n"
    "      --stop-signal SIG, --stop-timeout SECONDS\n"
    "      --pull always|missing|never   (default missing)\n"
    "      --runtime PATH        another OCI runtime (runc, crun, ...)\n"
    "      --restart POLICY      no, on-failure[:N], always or unless-stopped\n"
    "      --health-cmd CMD      a shell command that tells whether it is healthy\n"
    "      --health-interval D, --health-timeout D, --health-start-period D  (1m30s, 500ms)\n"
    "      --health-retries N, --no-healthcheck\n";

/* A growing NULL-terminated list. */
struct list {
        char **items;
        size_t n;
};

static void list_add(struct list *l, char *item)
{
        l->items = xrealloc(l->items, (l->n + 2) * sizeof(char *));
        l->items[l->n++] = item;
        l->items[l->n] = NULL;
}

static void list_free(struct list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i]);
        free(l->items);
}

/* -e KEY=VAL, or -e KEY: the caller's value of KEY, if it has one (docker's rule). */
static void add_env(struct list *env, const char *text)
{
        if (strchr(text, '='))
                list_add(env, xstrdup(text));
        else if (getenv(text))
                list_add(env, xasprintf("%s=%s", text, getenv(text)));
}

static int read_env_file(struct list *env, const char *path, struct error **err)
{
        size_t len;
        _cleanup_free_ char *text = fs_read_file(path, &len, err);
        if (!text)
                return error_wrap(err, "--env-file");
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                while (isspace((unsigned char)*line))
                        line++;
                size_t l = strlen(line);
                while (l > 0 && (line[l - 1] == '\r' || isspace((unsigned char)line[l - 1])))
                        line[--l] = '\0';
                if (*line == '\0' || *line == '#')
                        continue;
                add_env(env, line);
        }
        return 0;
}

/* The image: found in the store, or pulled when the policy allows. */
static int resolve_image(struct image_store *store, const char *text, const char *policy,
                         struct image_record *out, struct error **err)
{
        bool always = strcmp(policy, "always") == 0;
        if (!always) {
                struct error *find_err = NULL;
                if (cli_find_image(store, text, out, &find_err) == 0)
                        return 0;
                if (strcmp(policy, "never") == 0) {
                        *err = find_err;
                        return -1;
                }
                error_free(&find_err);
        }
        struct image_reference ref = {0};
        if (image_reference_parse(text, &ref, err) < 0)
                return -1;
        struct image_pull_options pull = {.registry = {.tls_verify = -1}};
        struct progress *progress = progress_new(false);
        progress_attach(progress, &pull.events);
        _cleanup_free_ char *full = image_reference_format(&ref);
        progress_say(progress, "Trying to pull %s...", full);
        struct digest id;
        int rc = image_pull(store, &ref, &pull, &id, err);
        progress_free(progress);
        image_reference_release(&ref);
        if (rc < 0)
                return -1;
        return image_db_get(store->db, &id, out, err) > 0 ? 0 : -1;
}

static int run_or_create(const struct berth_globals *g, bool run, int argc, char **argv)
{
        enum {
                OPT_RM = 256,
                OPT_NAME,
                OPT_ENV_FILE,
                OPT_ENTRYPOINT,
                OPT_MOUNT,
                OPT_TMPFS,
                OPT_READ_ONLY,
                OPT_NETWORK,
                OPT_DNS,
                OPT_ADD_HOST,
                OPT_MEMORY_SWAP,
                OPT_CPUS,
                OPT_PIDS,
                OPT_CAP_ADD,
                OPT_CAP_DROP,
                OPT_PRIVILEGED,
                OPT_SECURITY_OPT,
                OPT_ULIMIT,
                OPT_SYSCTL,
                OPT_INIT,
                OPT_ANNOTATION,
                OPT_STOP_SIGNAL,
                OPT_STOP_TIMEOUT,
                OPT_PULL,
                OPT_RUNTIME,
                OPT_RESTART,
                OPT_HEALTH_CMD,
                OPT_HEALTH_INTERVAL,
                OPT_HEALTH_TIMEOUT,
                OPT_HEALTH_START_PERIOD,
                OPT_HEALTH_RETRIES,
                OPT_NO_HEALTHCHECK,
                OPT_PUBLISH,
                OPT_NETWORK_ALIAS,
                OPT_DETACH_KEYS,
                OPT_LOG_OPT,
                OPT_IGNORED
        };
        static const struct option options[] = {
            {"detach", no_argument, NULL, 'd'},
            {"interactive", no_argument, NULL, 'i'},
            {"tty", no_argument, NULL, 't'},
            {"rm", no_argument, NULL, OPT_RM},
            {"name", required_argument, NULL, OPT_NAME},
            {"env", required_argument, NULL, 'e'},
            {"env-file", required_argument, NULL, OPT_ENV_FILE},
            {"workdir", required_argument, NULL, 'w'},
            {"user", required_argument, NULL, 'u'},
            {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
            {"hostname", required_argument, NULL, 'h'},
            {"volume", required_argument, NULL, 'v'},
            {"mount", required_argument, NULL, OPT_MOUNT},
            {"tmpfs", required_argument, NULL, OPT_TMPFS},
            {"read-only", no_argument, NULL, OPT_READ_ONLY},
            {"network", required_argument, NULL, OPT_NETWORK},
            {"net", required_argument, NULL, OPT_NETWORK},
            {"dns", required_argument, NULL, OPT_DNS},
            {"add-host", required_argument, NULL, OPT_ADD_HOST},
            {"memory", required_argument, NULL, 'm'},
            {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
            {"cpus", required_argument, NULL, OPT_CPUS},
            {"cpu-shares", required_argument, NULL, 'c'},
            {"pids-limit", required_argument, NULL, OPT_PIDS},
            {"cap-add", required_argument, NULL, OPT_CAP_ADD},
            {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
            {"privileged", no_argument, NULL, OPT_PRIVILEGED},
            {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
            {"ulimit", required_argument, NULL, OPT_ULIMIT},
            {"sysctl", required_argument, NULL, OPT_SYSCTL},
            {"init", no_argument, NULL, OPT_INIT},
            {"label", required_argument, NULL, 'l'},
            {"annotation", required_argument, NULL, OPT_ANNOTATION},
            {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
            {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
            {"pull", required_argument, NULL, OPT_PULL},
            {"runtime", required_argument, NULL, OPT_RUNTIME},
            {"restart", required_argument, NULL, OPT_RESTART},
            {"health-cmd", required_argument, NULL, OPT_HEALTH_CMD},
            {"health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL},
            {"health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT},
            {"health-start-period", required_argument, NULL, OPT_HEALTH_START_PERIOD},
            {"health-retries", required_argument, NULL, OPT_HEALTH_RETRIES},
            {"no-healthcheck", no_argument, NULL, OPT_NO_HEALTHCHECK},
            {"publish", required_argument, NULL, 'p'},
            {"publish-all", no_argument, NULL, 'P'},
            {"network-alias", required_argument, NULL, OPT_NETWORK_ALIAS},
            {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
            {"log-opt", required_argument, NULL, OPT_LOG_OPT},
            {"help", no_argument, NULL, OPT_IGNORED + 1},
            {0},
        };
        const char *command = run ? "run" : "create";
        struct error *err = NULL;
        struct engine_create_options o = {0};
        struct engine_create_request r = {.options = &o, .stop_timeout = -1};
        struct engine_health_flags health = {0};
        struct restart_policy restart = {RESTART_NO, 0};
        struct list env = {0}, env_files = {0}, cap_add = {0}, cap_drop = {0}, labels = {0},
                    annotations = {0}, sysctls = {0}, dns = {0}, add_hosts = {0}, entrypoint = {0};
        struct engine_mount *mounts = NULL;
        struct engine_ulimit *ulimits = NULL;
        struct list publish = {0}, network_aliases = {0};
        bool detach = false, entrypoint_set = false, remove = false;
        const char *pull_policy = "missing";
        const char *detach_keys = NULL;
        int ret = BERTH_EXIT_FAILURE;
        struct engine *e = NULL;
        struct image_record image = {0};
        struct container_row row = {0};
        _cleanup_free_ char *init_path = NULL;
        int opt;
        while ((opt = getopt_long(argc, argv, "+ditPw:u:h:v:m:c:l:e:p:", options, NULL)) != -1) {
                switch (opt) {
                case 'd':
                        detach = true;
                        break;
                case 'i':
                        o.interactive = true;
                        break;
                case 't':
                        o.tty = true;
                        break;
                case OPT_RM:
                        remove = true;
                        break;
                case OPT_NAME:
                        r.name = optarg;
                        break;
                case 'e':
                        add_env(&env, optarg);
                        break;
                case OPT_ENV_FILE:
                        if (read_env_file(&env_files, optarg, &err) < 0)
                                goto fail;
                        break;
                case 'w':
                        o.workdir = optarg;
                        break;
                case 'u':
                        o.user = optarg;
                        break;
                case OPT_ENTRYPOINT:
                        entrypoint_set = true;
                        if (*optarg)
                                list_add(&entrypoint, xstrdup(optarg));
                        break;
                case 'h':
                        o.hostname = optarg;
                        break;
                case 'v':
                case OPT_MOUNT:
                case OPT_TMPFS: {
                        mounts = xrealloc(mounts, (o.n_mounts + 1) * sizeof(*mounts));
                        struct engine_mount *m = &mounts[o.n_mounts];
                        memset(m, 0, sizeof(*m));
                        int rc = opt == 'v'         ? engine_parse_volume_flag(optarg, m, &err)
                                 : opt == OPT_MOUNT ? engine_parse_mount_flag(optarg, m, &err)
                                                    : engine_parse_tmpfs_flag(optarg, m, &err);
                        if (rc < 0)
                                goto fail;
                        o.n_mounts++;
                        break;
                }
                case OPT_READ_ONLY:
                        o.read_only = true;
                        break;
                case OPT_NETWORK:
                        o.network = optarg;
                        break;
                case OPT_DNS:
                        list_add(&dns, xstrdup(optarg));
                        break;
                case OPT_ADD_HOST:
                        list_add(&add_hosts, xstrdup(optarg));
                        break;
                case 'm':
                        if (engine_parse_bytes(optarg, &o.memory, &err) < 0) {
                                error_wrap(&err, "--memory");
                                goto fail;
                        }
                        break;
                case OPT_MEMORY_SWAP:
                        if (strcmp(optarg, "-1") == 0)
                                o.memory_swap = -1;
                        else if (engine_parse_bytes(optarg, &o.memory_swap, &err) < 0) {
                                error_wrap(&err, "--memory-swap");
                                goto fail;
                        }
                        break;
                case OPT_CPUS: {
                        char *end;
                        o.cpus = strtod(optarg, &end);
                        if (*end || o.cpus <= 0) {
                                error_set(&err, 0, "--cpus: invalid value \"%s\"", optarg);
                                goto fail;
                        }
                        break;
                }
                case 'c':
                        o.cpu_shares = strtoull(optarg, NULL, 10);
                        break;
                case OPT_PIDS:
                        o.pids_limit = strtoll(optarg, NULL, 10);
                        break;
                case OPT_CAP_ADD:
                        list_add(&cap_add, xstrdup(optarg));
                        break;
                case OPT_CAP_DROP:
                        list_add(&cap_drop, xstrdup(optarg));
                        break;
                case OPT_PRIVILEGED:
                        o.privileged = true;
                        break;
                case OPT_SECURITY_OPT:
                        if (strncmp(optarg, "seccomp=", 8) == 0 ||
                            strncmp(optarg, "seccomp:", 8) == 0)
                                o.seccomp_profile = optarg + 8;
                        else if (strncmp(optarg, "no-new-privileges", 17) == 0)
                                o.no_new_privileges = strcmp(optarg + 17, ":false") != 0 &&
                                                      strcmp(optarg + 17, "=false") != 0;
                        else if (strncmp(optarg, "label", 5) != 0 &&
                                 strncmp(optarg, "apparmor", 8) != 0) {
                                error_set(&err, 0, "--security-opt: unknown option \"%s\"", optarg);
                                goto fail;
                        }
                        break;
                case OPT_ULIMIT:
                        ulimits = xrealloc(ulimits, (o.n_ulimits + 1) * sizeof(*ulimits));
                        if (engine_parse_ulimit(optarg, &ulimits[o.n_ulimits], &err) < 0)
                                goto fail;
                        o.n_ulimits++;
                        break;
                case OPT_SYSCTL:
                        list_add(&sysctls, xstrdup(optarg));
                        break;
                case OPT_INIT:
                        o.init_path = "berth-init"; /* its path is found below */
                        break;
                case 'l':
                        list_add(&labels, xstrdup(optarg));
                        break;
                case OPT_ANNOTATION:
                        list_add(&annotations, xstrdup(optarg));
                        break;
                case OPT_STOP_SIGNAL:
                        o.stop_signal = optarg;
                        break;
                case OPT_STOP_TIMEOUT:
                        r.stop_timeout = atoi(optarg);
                        break;
                case OPT_PULL:
                        if (strcmp(optarg, "always") != 0 && strcmp(optarg, "missing") != 0 &&
                            strcmp(optarg, "never") != 0) {
                                error_set(&err, 0,
                                          "--pull: invalid policy \"%s\" (always, missing or "
                                          "never)",
                                          optarg);
                                goto fail;
                        }
                        pull_policy = optarg;
                        break;
                case OPT_RUNTIME:
                        r.runtime = optarg;
                        break;
                case OPT_RESTART:
                        if (restart_policy_parse(optarg, &restart, &err) < 0)
                                goto fail;
                        r.restart = optarg;
                        break;
                case OPT_HEALTH_CMD:
                        health.cmd = optarg;
                        break;
                case OPT_HEALTH_INTERVAL:
                case OPT_HEALTH_TIMEOUT:
                case OPT_HEALTH_START_PERIOD: {
                        int64_t *ns = opt == OPT_HEALTH_INTERVAL  ? &health.interval_ns
                                      : opt == OPT_HEALTH_TIMEOUT ? &health.timeout_ns
                                                                  : &health.start_period_ns;
                        if (duration_parse(optarg, ns, &err) < 0) {
                                error_wrap(&err, "%s",
                                           opt == OPT_HEALTH_INTERVAL  ? "--health-interval"
                                           : opt == OPT_HEALTH_TIMEOUT ? "--health-timeout"
                                                                       : "--health-start-period");
                                goto fail;
                        }
                        break;
                }
                case OPT_HEALTH_RETRIES: {
                        char *end;
                        long n = strtol(optarg, &end, 10);
                        if (*end || end == optarg || n < 0 || n > 1000000) {
                                error_set(&err, 0, "--health-retries: invalid value \"%s\"",
                                          optarg);
                                goto fail;
                        }
                        health.retries = (int)n;
                        break;
                }
                case OPT_NO_HEALTHCHECK:
                        health.disabled = true;
                        break;
                case 'p':
                        list_add(&publish, xstrdup(optarg));
                        break;
                case 'P':
                        r.publish_all = true;
                        break;
                case OPT_NETWORK_ALIAS:
                        list_add(&network_aliases, xstrdup(optarg));
                        break;
                case OPT_LOG_OPT:
                        /* docker's json-file option that the k8s-file log has too */
                        if (strncmp(optarg, "max-size=", 9) != 0) {
                                error_set(&err, 0, "--log-opt %s: only max-size=SIZE is known",
                                          optarg);
                                goto fail;
                        }
                        if (engine_parse_bytes(optarg + 9, &r.log_max_size, &err) < 0) {
                                error_wrap(&err, "--log-opt");
                                goto fail;
                        }
                        break;
                case OPT_DETACH_KEYS: {
                        struct detach_keys keys;
                        if (detach_keys_parse(optarg, &keys, &err) < 0)
                                goto fail;
                        detach_keys = optarg;
                        break;
                }
                case OPT_IGNORED + 1:
                        list_free(&env);
                        return cli_help(run_help);
                default:
                        list_free(&env);
                        return cli_bad_flag(command, argv);
                }
        }
        if (optind >= argc) {
                error_set(&err, 0, "%s: requires at least 1 argument (the image)", command);
                goto fail;
        }
        if (o.init_path) {
                /* berth-init, installed beside berth (build/ or $PREFIX/bin). */
                char self[4096];
                ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
                self[len > 0 ? len : 0] = '\0';
                char *slash = strrchr(self, '/');
                if (slash)
                        *slash = '\0';
                init_path = xasprintf("%s/berth-init", self);
                if (access(init_path, X_OK) != 0) {
                        error_set(&err, errno, "--init: %s", init_path);
                        goto fail;
                }
                o.init_path = init_path;
        }
        /* docker: the --env-file entries first, then -e, which wins whatever the order. */
        for (size_t i = 0; i < env.n; i++)
                list_add(&env_files, env.items[i]);
        free(env.items);
        env = env_files;
        env_files = (struct list){0};
        o.env = env.items;
        o.cap_add = cap_add.items;
        o.cap_drop = cap_drop.items;
        o.annotations = annotations.items;
        o.sysctls = sysctls.items;
        o.mounts = mounts;
        o.ulimits = ulimits;
        if (entrypoint_set) {
                if (!entrypoint.items)
                        list_add(&entrypoint, xstrdup(""));
                o.entrypoint = entrypoint.items;
        }
        o.command = argc - optind > 1 ? argv + optind + 1 : NULL;
        r.dns = dns.items;
        r.add_hosts = add_hosts.items;
        r.labels = labels.items;
        r.publish = publish.items;
        r.network_aliases = network_aliases.items;
        r.image_name = argv[optind];
        /* Detached, the monitor removes the container when it exits (its exit command);
         * attached, berth does, after reading the exit code: both would race. */
        r.remove_on_exit = remove && detach;
        r.removed_when_done = remove;
        r.health = &health;
        if (remove && restart.name != RESTART_NO) {
                error_set(&err, 0, "Conflicting options: --restart and --rm");
                goto fail;
        }

        if (cli_open_engine(g, &e, &err) < 0)
                goto fail;
        if (resolve_image(e->images, argv[optind], pull_policy, &image, &err) < 0)
                goto fail;
        r.image = &image;
        if (engine_container_create(e, &r, &row, &err) < 0)
                goto fail;
        engine_use_runtime_of(e, &row);
        if (!run) {
                printf("%s\n", row.id);
                ret = 0;
                goto out;
        }
        if (detach) {
                if (engine_container_start(e, &row, NULL, &err) < 0) {
                        ret = cli_start_failure_code(err);
                        goto fail;
                }
                printf("%s\n", row.id);
                ret = 0;
                goto out;
        }
        int attach_fd = -1;
        if (engine_container_start(e, &row, &attach_fd, &err) < 0) {
                ret = cli_start_failure_code(err);
                goto fail;
        }
        const struct cli_attach_options attach = {.start_process = true,
                                                  .sig_proxy = true,
                                                  .close_stdin_at_eof = true,
                                                  .detach_keys = detach_keys};
        ret = cli_attach_session(e, &row, attach_fd, &attach);
        struct container_state after = {0};
        struct error *ignored = NULL;
        /* Detached with the keys: it runs on (and --rm cannot apply). */
        bool running = engine_container_state(e, &row, &after, &ignored) == 0 &&
                       (after.status == CONTAINER_RUNNING || after.status == CONTAINER_PAUSED);
        error_free(&ignored);
        container_state_release(&after);
        if (remove && !running) {
                if (engine_container_remove(e, &row, true, &err) < 0)
                        cli_fail(&err);
        }
        goto out;
fail:
        if (err)
                (void)cli_fail(&err); /* prints; RET keeps 125, 126 or 127 */
        if (row.id && remove && e) {
                struct error *ignored = NULL;
                (void)engine_container_remove(e, &row, true, &ignored);
                error_free(&ignored);
        }
out:
        container_row_release(&row);
        image_record_release(&image);
        engine_free(e);
        for (size_t i = 0; i < o.n_mounts; i++)
                engine_mount_release(&mounts[i]);
        free(mounts);
        for (size_t i = 0; i < o.n_ulimits; i++)
                free(ulimits[i].type);
        free(ulimits);
        list_free(&env);
        list_free(&env_files);
        list_free(&cap_add);
        list_free(&cap_drop);
        list_free(&labels);
        list_free(&publish);
        list_free(&network_aliases);
        list_free(&annotations);
        list_free(&sysctls);
        list_free(&dns);
        list_free(&add_hosts);
        list_free(&entrypoint);
        return ret;
}

int cmd_run(const struct berth_globals *g, int argc, char **argv)
{
        return run_or_create(g, true, argc, argv);
}

int cmd_create(const struct berth_globals *g, int argc, char **argv)
{
        return run_or_create(g, false, argc, argv);
}
