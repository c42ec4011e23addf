/* features: what this build of berth-runtime implements, as the Features structure of
 * features.md and features-linux.md (the shape of `runc features`). Every list is read from
 * the tables the runtime itself parses with, so that it cannot drift from what is accepted. */
#include <ctype.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "config.h"
#include "alloc.h"
#include "apparmor.h"
#include "commands.h"
#include "mount_options.h"
#include "runtime_config.h"
#include "seccomp_filter.h"
#include "seccomp_profile.h"

/* The lowest config.json ociVersion berth-runtime reads as meant: 1.0.0 is the first
 * stable spec, and nothing berth reads changed meaning since. */
#define OCI_VERSION_MIN "1.0.0"

static const char *const hook_names[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static json_t *strings_from(const char *(*name)(size_t))
{
        json_t *list = json_array();
        for (size_t i = 0; name(i); i++)
                json_array_append_new(list, json_string(name(i)));
        return list;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, as runc prints them and the spec's example lists them. */
static json_t *mount_options(void)
{
        size_t n = 0;
        while (mount_option_name(n))
                n++;
        _cleanup_free_ const char **names = xcalloc(n ? n : 1, sizeof(*names));
        for (size_t i = 0; i < n; i++)
                names[i] = mount_option_name(i);
        qsort(names, n, sizeof(*names), compare_strings);
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(list, json_string(names[i]));
        return list;
}

static json_t *namespaces(void)
{
        json_t *list = json_array();
        for (int type = 0; type < OCI_NS_COUNT; type++)
                json_array_append_new(list, json_string(oci_namespace_type_name(type)));
        return list;
}

/* Every capability the linked libcap has a name for: process.capabilities is read with
 * cap_from_name(). */
static json_t *capabilities(void)
{
        json_t *list = json_array();
        for (cap_value_t cap = 0; cap < 64; cap++) {
                char *name = cap_to_name(cap);
                if (name == NULL)
                        continue;
                /* libcap spells a capability it has no name for as its number. */
                if (!isdigit((unsigned char)name[0])) {
                        _cleanup_free_ char *upper = xstrdup(name);
                        for (char *c = upper; *c; c++)
                                *c = (char)toupper((unsigned char)*c);
                        json_array_append_new(list, json_string(upper));
                }
                cap_free(name);
        }
        return list;
}

static json_t *seccomp(void)
{
        json_t *known = strings_from(seccomp_flag_name);
        json_t *supported = json_array();
        for (size_t i = 0; seccomp_flag_name(i); i++)
                if (seccomp_filter_flag_supported(seccomp_flag_bit(i)))
                        json_array_append_new(supported, json_string(seccomp_flag_name(i)));
        return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions",
                         strings_from(seccomp_action_name), "operators",
                         strings_from(seccomp_operator_name), "archs",
                         strings_from(seccomp_arch_name), "knownFlags", known, "supportedFlags",
                         supported);
}

static json_t *features(void)
{
        json_t *hooks = json_array();
        for (size_t i = 0; i < ARRAY_SIZE(hook_names); i++)
                json_array_append_new(hooks, json_string(hook_names[i]));
        json_t *linux_features =
            json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, s:{s:b},"
                      " s:{s:{s:b}}}",
                      "namespaces", namespaces(), "capabilities", capabilities(), "cgroup", "v1", 1,
                      "v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp", seccomp(),
                      "apparmor", "enabled", (int)apparmor_enabled(), "selinux", "enabled", 0,
                      "intelRdt", "enabled", 0, "mountExtensions", "idmap", "enabled", 1);
        const struct scmp_version *v = seccomp_version();
        _cleanup_free_ char *libseccomp = xasprintf("%u.%u.%u", v->major, v->minor, v->micro);
        return json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s}}", "ociVersionMin",
                         OCI_VERSION_MIN, "ociVersionMax", OCI_RUNTIME_SPEC_VERSION, "hooks", hooks,
                         "mountOptions", mount_options(), "linux", linux_features, "annotations",
                         "berth.version", BERTH_VERSION, "io.github.seccomp.libseccomp.version",
                         libseccomp);
}

int cmd_features(const struct runtime_options *rt, int argc, char **argv)
{
        (void)rt;
        static const struct option flags[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", flags, NULL)) != -1) {
                switch (opt) {
                case 'h':
                        puts("usage: berth-runtime features\n\n"
                             "Print what this runtime implements as JSON (runtime-spec "
                             "features.md).");
                        return 0;
                default:
                        return cli_bad_flag("features", argv);
                }
        }
        if (cli_expect_args("features", argc, argv, optind, 0, ""))
                return 1;
        json_t *json = features();
        if (json == NULL)
                abort(); /* json_pack fails only on a bad format or without memory */
        char *text = json_dumps(json, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        json_decref(json);
        if (text == NULL)
                abort();
        puts(text);
        free(text);
        return 0;
}
