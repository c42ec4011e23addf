/* registries_conf_load: a hand-written TOML subset read from /etc/containers/registries.conf.
 * What loads is matched against a few repositories as pull does. */
#include "fuzz.h"
#include "registry/registries_conf.h"

static char *conf_dir, *conf_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        conf_dir = fuzz_temp_dir();
        conf_path = xasprintf("%s/registries.conf", conf_dir);
        return 0;
}

static const char *const repositories[] = {
    "docker.io/library/busybox", "127.0.0.1:5000/a/b", "quay.io", "", "example.com/ns/repo",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fuzz_write_file(conf_path, data, size);
        struct registries_conf conf;
        struct error *err = NULL;
        int ret = registries_conf_load(conf_path, &conf, &err);
        fuzz_check_error("registries_conf_load", ret, &err);
        if (ret < 0)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(repositories); i++) {
                const struct registries_entry *e = registries_conf_match(&conf, repositories[i]);
                if (e && (e->prefix == NULL || (e->n_mirrors > 0 && e->mirrors == NULL)))
                        abort();
        }
        for (size_t i = 0; i < conf.n_entries; i++)
                registries_conf_match(&conf, conf.entries[i].prefix);
        for (char **p = conf.unqualified_search; p && *p; p++)
                if (**p == '\0')
                        registries_conf_match(&conf, *p);
        registries_conf_release(&conf);
        return 0;
}
