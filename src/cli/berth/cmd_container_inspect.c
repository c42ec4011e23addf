/* berth container inspect (and `berth inspect` of a container): docker's JSON shape. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cli_image.h"
#include "cli_prune.h"
#include "commands.h"
#include "engine/engine.h"
#include "engine/engine_network.h"

/* A new reference to V, or null when V is missing. */
static json_t *or_null(json_t *v)
{
        return v ? json_incref(v) : json_null();
}

static json_t *string_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

/* HostConfig.PortBindings: the published ports of NetworkSettings.Ports ("80/tcp":
 * [{"HostIp", "HostPort"}]), without the exposed-only ones (null there). */
static json_t *port_bindings(json_t *network_settings)
{
        json_t *bindings = json_object();
        const char *port;
        json_t *hosts;
        json_object_foreach(json_object_get(network_settings, "Ports"), port, hosts)
        {
                if (json_is_array(hosts) && json_array_size(hosts) > 0)
                        json_object_set(bindings, port, hosts);
        }
        return bindings;
}

json_t *cli_container_inspect_json(struct engine *e, const struct container_row *row,
                                   struct error **err)
{
        struct container_state st;
        if (engine_container_state(e, row, &st, err) < 0)
                return NULL;
        _cleanup_free_ char *run_dir = engine_container_run_dir(e, row->id);
        _cleanup_free_ char *config_path = xasprintf("%s/config.json", run_dir);
        json_t *config = json_load_file(config_path, 0, NULL);
        json_t *process = json_object_get(config, "process");
        json_t *args = json_object_get(process, "args");
        json_t *options = json_object_get(row->data, "options");
        _cleanup_free_ char *created = cli_rfc3339(row->created);

        json_t *state = json_object();
        json_object_set_new(state, "Status", json_string(container_status_name(st.status)));
        json_object_set_new(
            state, "Running",
            json_boolean(st.status == CONTAINER_RUNNING || st.status == CONTAINER_PAUSED));
        json_object_set_new(state, "Paused", json_boolean(st.status == CONTAINER_PAUSED));
        json_object_set_new(state, "Restarting",
                            json_boolean(st.status == CONTAINER_EXITED &&
                                         json_is_true(json_object_get(row->data, "restarting"))));
        json_object_set_new(state, "OOMKilled", json_false());
        json_object_set_new(state, "Dead", json_false());
        json_object_set_new(state, "Pid", json_integer(st.pid));
        json_object_set_new(state, "ExitCode", json_integer(st.exit_code));
        json_object_set_new(state, "Error", json_string(st.error ? st.error : ""));
        json_object_set_new(state, "StartedAt",
                            json_string(st.started_at ? st.started_at : "0001-01-01T00:00:00Z"));
        json_object_set_new(state, "FinishedAt",
                            json_string(st.finished_at ? st.finished_at : "0001-01-01T00:00:00Z"));
        json_t *health = engine_container_health(e, row);
        if (health)
                json_object_set_new(state, "Health", health);

        json_t *cfg = json_object();
        json_object_set_new(cfg, "Hostname", or_null(json_object_get(options, "hostname")));
        /* -u as typed (or the image's User), as docker; records older than that field: the
         * resolved uid:gid. */
        json_t *user_spec = json_object_get(options, "user");
        json_t *user = json_object_get(process, "user");
        _cleanup_free_ char *uid_gid =
            xasprintf("%lld:%lld", (long long)json_integer_value(json_object_get(user, "uid")),
                      (long long)json_integer_value(json_object_get(user, "gid")));
        json_object_set_new(
            cfg, "User", json_is_string(user_spec) ? json_incref(user_spec) : json_string(uid_gid));
        json_object_set_new(cfg, "Env", or_null(json_object_get(process, "env")));
        json_object_set_new(cfg, "Cmd", or_null(args));
        json_object_set_new(cfg, "Image", or_null(json_object_get(row->data, "image")));
        json_object_set_new(cfg, "WorkingDir", or_null(json_object_get(process, "cwd")));
        json_object_set_new(cfg, "Labels", or_null(json_object_get(options, "labels")));
        json_object_set_new(cfg, "StopSignal", or_null(json_object_get(options, "stopSignal")));
        json_object_set_new(cfg, "StopTimeout", or_null(json_object_get(options, "stopTimeout")));
        json_object_set_new(cfg, "Tty", or_null(json_object_get(options, "tty")));
        json_object_set_new(cfg, "OpenStdin", or_null(json_object_get(options, "interactive")));
        json_t *healthcheck = json_object_get(options, "healthcheck");
        if (healthcheck)
                json_object_set(cfg, "Healthcheck", healthcheck);

        json_t *mounts = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(config, "mounts"), i, m)
        {
                const char *type = json_string_value(json_object_get(m, "type"));
                const char *dest = json_string_value(json_object_get(m, "destination"));
                if (!type || strcmp(type, "bind") != 0 || !dest)
                        continue;
                if (strcmp(dest, "/etc/hosts") == 0 || strcmp(dest, "/etc/resolv.conf") == 0 ||
                    strcmp(dest, "/etc/hostname") == 0)
                        continue;
                json_t *o = json_object();
                json_object_set_new(o, "Type", json_string("bind"));
                json_object_set(o, "Source", json_object_get(m, "source"));
                json_object_set_new(o, "Destination", json_string(dest));
                bool rw = true;
                size_t k;
                json_t *opt;
                json_array_foreach(json_object_get(m, "options"), k,
                                   opt) if (json_is_string(opt) &&
                                            strcmp(json_string_value(opt), "ro") == 0) rw = false;
                json_object_set_new(o, "RW", json_boolean(rw));
                json_array_append_new(mounts, o);
        }

        json_t *o = json_object();
        json_object_set_new(o, "Id", json_string(row->id));
        json_object_set_new(o, "Created", json_string(created));
        json_object_set_new(o, "Path", string_or_null(json_string_value(json_array_get(args, 0))));
        json_t *rest = json_array();
        for (size_t k = 1; k < json_array_size(args); k++)
                json_array_append(rest, json_array_get(args, k));
        json_object_set_new(o, "Args", rest);
        json_object_set_new(o, "State", state);
        json_object_set_new(o, "Image", json_string(row->image_id));
        _cleanup_free_ char *name = xasprintf("/%s", row->name);
        json_object_set_new(o, "Name", json_string(name));
        json_object_set_new(
            o, "RestartCount",
            json_integer(json_integer_value(json_object_get(row->data, "restartCount"))));
        json_object_set_new(o, "Driver", json_string("overlay"));
        json_object_set_new(o, "Platform", json_string("linux"));
        json_object_set_new(o, "Mounts", mounts);
        json_object_set_new(o, "Config", cfg);
        json_t *host = json_object();
        const char *network = json_string_value(json_object_get(options, "network"));
        json_object_set_new(host, "NetworkMode", json_string(network ? network : "none"));
        json_object_set_new(host, "Runtime", or_null(json_object_get(row->data, "runtime")));
        json_object_set_new(host, "AutoRemove", or_null(json_object_get(options, "remove")));
        json_t *policy = json_object_get(options, "restartPolicy");
        json_object_set_new(host, "RestartPolicy",
                            policy ? json_incref(policy)
                                   : json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0));
        /* Limits, mounts, capabilities, ... as recorded at create (records made before that
         * have none of them). */
        json_t *recorded = json_object_get(options, "hostConfig");
        if (json_is_object(recorded))
                json_object_update(host, recorded);
        json_t *network_settings = engine_network_settings(e, row);
        json_object_set_new(host, "PortBindings", port_bindings(network_settings));
        json_object_set_new(o, "HostConfig", host);
        json_object_set_new(o, "NetworkSettings", network_settings);
        _cleanup_free_ char *dir = engine_container_dir(e, row->id);
        _cleanup_free_ char *log = xasprintf("%s/ctr.log", dir);
        json_object_set_new(o, "LogPath", json_string(log));
        /* The files bind-mounted on /etc/{resolv.conf,hostname,hosts}. */
        json_object_set_new(o, "ResolvConfPath", json_sprintf("%s/resolv.conf", run_dir));
        json_object_set_new(o, "HostnamePath", json_sprintf("%s/hostname", run_dir));
        json_object_set_new(o, "HostsPath", json_sprintf("%s/hosts", run_dir));
        json_decref(config);
        container_state_release(&st);
        return o;
}

static const char inspect_help[] =
    "usage: berth inspect [options] NAME|ID...\n"
    "\n"
    "Print containers' or images' details as a JSON array (containers first, as docker).\n"
    "\n"
    "  -f, --format FMT     a template such as {{.State.Status}}, or json\n"
    "  -t, --type TYPE      container, image or all (default)\n"
    "  -s, --size           containers: SizeRw and SizeRootFs\n";

/* `berth inspect` and `berth container inspect` (TYPE_DEFAULT "all" or "container"). */
static int inspect(const struct berth_globals *g, const char *type_default, int argc, char **argv)
{
        static const struct option options[] = {
            {"format", required_argument, NULL, 'f'},
            {"type", required_argument, NULL, 't'},
            {"size", no_argument, NULL, 's'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        const char *format = NULL, *type = type_default;
        bool size = false;
        int opt;
        while ((opt = getopt_long(argc, argv, "f:t:sh", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        format = strcmp(optarg, "json") == 0 ? NULL : optarg;
                        break;
                case 't':
                        type = optarg;
                        if (strcmp(type, "container") != 0 && strcmp(type, "image") != 0 &&
                            strcmp(type, "all") != 0)
                                return cli_usage_error(
                                    "inspect", "--type %s: container, image or all", optarg);
                        break;
                case 's':
                        size = true;
                        break;
                case 'h':
                        return cli_help(inspect_help);
                default:
                        return cli_bad_flag("inspect", argv);
                }
        }
        if (optind >= argc)
                return cli_usage_error("inspect", "requires at least 1 argument");
        struct error *err = NULL;
        struct engine *e = NULL;
        if (cli_open_engine(g, &e, &err) < 0)
                return cli_fail(&err);
        bool containers = strcmp(type, "image") != 0, images = strcmp(type, "container") != 0;
        json_t *all = json_array();
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                json_t *o = NULL;
                struct container_row row = {0};
                if (containers && container_db_find(e->containers, argv[i], &row, &err) > 0) {
                        engine_use_runtime_of(e, &row);
                        o = cli_container_inspect_json(e, &row, &err);
                        if (o && size)
                                cli_add_container_sizes(e, &row, o);
                        container_row_release(&row);
                } else if (images) {
                        error_free(&err);
                        struct image_record r = {0};
                        if (cli_find_image(e->images, argv[i], &r, &err) == 0)
                                o = cli_image_inspect_json(e->images, &r, &err);
                        image_record_release(&r);
                }
                if (!o) {
                        if (!err)
                                error_set(&err, 0, "no such object: %s", argv[i]);
                        else if (!images)
                                error_wrap(&err, "%s", argv[i]);
                        ret = cli_fail(&err);
                        continue;
                }
                if (format) {
                        char *line = cli_format_template(format, o, &err);
                        json_decref(o);
                        if (!line) {
                                ret = cli_fail(&err);
                                break;
                        }
                        printf("%s\n", line);
                        free(line);
                } else {
                        json_array_append_new(all, o);
                }
        }
        if (!format) {
                char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
                free(text);
        }
        json_decref(all);
        engine_free(e);
        return ret;
}

int cmd_inspect(const struct berth_globals *g, int argc, char **argv)
{
        return inspect(g, "all", argc, argv);
}

int cmd_image_inspect(const struct berth_globals *g, int argc, char **argv)
{
        return inspect(g, "image", argc, argv);
}

int cmd_container_inspect(const struct berth_globals *g, int argc, char **argv)
{
        return inspect(g, "container", argc, argv);
}
