/* The device rules of a container's cgroup and their v1 writer (see cgroup_devices.h). */
#include "cgroup_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup.h"
#include "cgroup_resources.h"
#include "error.h"
#include "log.h"

/* What runc allows in every container besides what the config says. */
static const struct cgroup_device_rule default_rules[] = {
    {true, 'c', -1, -1, "m"},    {true, 'b', -1, -1, "m"}, /* mknod of any device */
    {true, 'c', 1, 3, "rwm"},    {true, 'c', 1, 8, "rwm"}, /* null, random */
    {true, 'c', 1, 7, "rwm"},    {true, 'c', 5, 0, "rwm"}, /* full, tty */
    {true, 'c', 1, 5, "rwm"},    {true, 'c', 1, 9, "rwm"}, /* zero, urandom */
    {true, 'c', 136, -1, "rwm"}, {true, 'c', 5, 2, "rwm"}, /* pts, ptmx */
    {true, 'c', 10, 200, "rwm"},                           /* tun */
};

static int rule_from_json(json_t *item, const char *path, struct cgroup_device_rule *rule,
                          struct error **err)
{
        const char *type = "a", *access = "rwm";
        int64_t major = -1, minor = -1;
        int has_allow;
        if (!json_is_object(item))
                return error_set(err, 0, "%s: must be an object", path);
        if ((has_allow = cgroup_json_bool(item, path, "allow", &rule->allow, err)) < 0 ||
            cgroup_json_string(item, path, "type", &type, err) < 0 ||
            cgroup_json_int(item, path, "major", &major, err) < 0 ||
            cgroup_json_int(item, path, "minor", &minor, err) < 0 ||
            cgroup_json_string(item, path, "access", &access, err) < 0)
                return -1;
        if (!has_allow)
                return error_set(err, 0, "%s.allow: is required", path);
        if (strlen(type) != 1 || strchr("acb", type[0]) == NULL)
                return error_set(err, 0, "%s.type: \"%s\" is not a, c or b", path, type);
        if (major < -1 || minor < -1)
                return error_set(err, 0, "%s: a device number must be >= 0 (or absent: any)", path);
        rule->type = type[0];
        rule->major = major;
        rule->minor = minor;
        if (*access == '\0')
                access = "rwm";
        size_t n = 0;
        for (const char *want = "rwm"; *want; want++)
                if (strchr(access, *want))
                        rule->access[n++] = *want;
        rule->access[n] = '\0';
        if (strspn(access, "rwm") != strlen(access))
                return error_set(err, 0, "%s.access: \"%s\" is not made of r, w and m", path,
                                 access);
        return 0;
}

int cgroup_device_rules_build(json_t *resources, struct cgroup_device_rule **out,
                              struct error **err)
{
        json_t *list = NULL;
        if (resources &&
            cgroup_json_container(resources, "linux.resources", "devices", 'a', &list, err) < 0)
                return -1;
        size_t cap = json_array_size(list) + ARRAY_SIZE(default_rules);
        struct cgroup_device_rule *rules = xcalloc(cap + 1, sizeof(*rules));
        size_t n = 0;
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
                _cleanup_free_ char *path = xasprintf("linux.resources.devices[%zu]", i);
                if (rule_from_json(item, path, &rules[n++], err) < 0) {
                        free(rules);
                        return -1;
                }
        }
        for (i = 0; i < ARRAY_SIZE(default_rules); i++)
                rules[n++] = default_rules[i];
        *out = rules;
        return (int)n;
}

char *cgroup_device_rule_text(const struct cgroup_device_rule *rule)
{
        char major[24] = "*", minor[24] = "*";
        if (rule->major >= 0)
                snprintf(major, sizeof(major), "%" PRId64, rule->major);
        if (rule->minor >= 0)
                snprintf(minor, sizeof(minor), "%" PRId64, rule->minor);
        return xasprintf("%c %s:%s %s", rule->type, major, minor, rule->access);
}

static int v1_apply_devices(const struct cgroup *cg, const struct cgroup_device_rule *rules,
                            size_t n, struct error **err)
{
        _cleanup_free_ char *dir = cgroup_v1_controller_dir(cg, "devices");
        if (dir == NULL)
                return error_set(err, 0,
                                 "linux.resources.devices: the devices controller is "
                                 "not available in this cgroup");
        _cleanup_free_ char *allow = xasprintf("%s/devices.allow", dir);
        _cleanup_free_ char *deny = xasprintf("%s/devices.deny", dir);
        /* Each write(2) to these files is one rule, so each file is opened once. */
        _cleanup_close_ int allow_fd = open(allow, O_WRONLY | O_CLOEXEC);
        if (allow_fd < 0)
                return error_set(err, errno, "linux.resources.devices: open %s", allow);
        _cleanup_close_ int deny_fd = open(deny, O_WRONLY | O_CLOEXEC);
        if (deny_fd < 0)
                return error_set(err, errno, "linux.resources.devices: open %s", deny);
        if (write(deny_fd, "a", 1) != 1)
                return error_set(err, errno, "linux.resources.devices: write a to %s", deny);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *text = cgroup_device_rule_text(&rules[i]);
                size_t len = strlen(text);
                if (write(rules[i].allow ? allow_fd : deny_fd, text, len) != (ssize_t)len)
                        return error_set(err, errno, "linux.resources.devices: write %s to %s",
                                         text, rules[i].allow ? allow : deny);
        }
        return 0;
}

int cgroup_apply_devices(const struct cgroup *cg, json_t *resources, struct error **err)
{
        struct cgroup_device_rule *rules = NULL;
        int n = cgroup_device_rules_build(resources, &rules, err);
        if (n < 0)
                return -1;
        int rc;
        if (cg->version == 1) {
                rc = v1_apply_devices(cg, rules, (size_t)n, err);
        } else {
                _cleanup_close_ int dirfd = open(cg->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct error *bpf_err = NULL;
                rc = 0;
                if (dirfd < 0) {
                        rc = error_set(err, errno, "open %s", cg->dirs[0]);
                } else if (cgroup_v2_devices_attach(dirfd, rules, (size_t)n, &bpf_err) < 0) {
                        /* docs/runtime.md: without the program the container still runs, its
                         * devices limited only by what /dev holds and its capabilities. */
                        log_warn("linux.resources.devices: %s; the container's device access "
                                 "is not restricted by its cgroup",
                                 bpf_err->msg);
                        error_free(&bpf_err);
                }
        }
        free(rules);
        return rc;
}
