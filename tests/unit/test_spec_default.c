/* The default config.json of `spec`. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "runtime_config.h"
#include "spec_default.h"
#include "test.h"

static struct oci_config *parse_default(bool rootless)
{
        char *text = oci_spec_default_json(rootless);
        struct error *err = NULL;
        struct oci_config *config = oci_config_parse(text, strlen(text), &err);
        if (config == NULL)
                test_note("%s", err->msg);
        error_free(&err);
        free(text);
        return config;
}

TEST(default_spec_parses)
{
        _cleanup_oci_config_ struct oci_config *c = parse_default(false);
        REQUIRE(c != NULL);
        CHECK_STR_EQ(c->oci_version, "1.2.0");
        CHECK_STR_EQ(c->root_path, "rootfs");
        CHECK(c->root_readonly);
        CHECK_STR_EQ(c->hostname, "runc");
        REQUIRE(c->process != NULL);
        CHECK(c->process->terminal);
        REQUIRE(c->process->n_args == 1);
        CHECK_STR_EQ(c->process->args[0], "sh");
        CHECK_STR_EQ(c->process->cwd, "/");
        CHECK(c->process->no_new_privileges);
        CHECK_INT_EQ(c->process->capabilities.n_bounding, 3);
        CHECK_INT_EQ(c->process->capabilities.n_inheritable, 0);
        REQUIRE(c->process->n_rlimits == 1);
        CHECK_INT_EQ(c->process->rlimits[0].soft, 1024);
        CHECK_INT_EQ(c->n_mounts, 7);
        CHECK(oci_config_namespace(c, OCI_NS_NETWORK) != NULL);
        CHECK(oci_config_namespace(c, OCI_NS_USER) == NULL);
        CHECK_INT_EQ(c->linux_config.n_uid_mappings, 0);
        CHECK(json_is_object(c->linux_config.resources));
        CHECK_INT_EQ(c->linux_config.n_masked_paths, 10);
        CHECK_INT_EQ(c->linux_config.n_readonly_paths, 5);
}

TEST(rootless_spec_has_user_namespace)
{
        _cleanup_oci_config_ struct oci_config *c = parse_default(true);
        REQUIRE(c != NULL);
        CHECK(oci_config_namespace(c, OCI_NS_USER) != NULL);
        CHECK(oci_config_namespace(c, OCI_NS_NETWORK) == NULL);
        CHECK(oci_config_namespace(c, OCI_NS_PID) != NULL);
        REQUIRE(c->linux_config.n_uid_mappings == 1);
        CHECK_INT_EQ(c->linux_config.uid_mappings[0].container_id, 0);
        CHECK_INT_EQ(c->linux_config.uid_mappings[0].host_id, geteuid());
        CHECK_INT_EQ(c->linux_config.uid_mappings[0].size, 1);
        REQUIRE(c->linux_config.n_gid_mappings == 1);
        CHECK_INT_EQ(c->linux_config.gid_mappings[0].host_id, getegid());
        CHECK(c->linux_config.resources == NULL);
        /* /sys is bind-mounted, and devpts has no gid=5. */
        REQUIRE(c->n_mounts == 7);
        CHECK_STR_EQ(c->mounts[5].destination, "/sys");
        CHECK_STR_EQ(c->mounts[5].source, "/sys");
        CHECK_STR_EQ(c->mounts[5].options[0], "rbind");
        CHECK_STR_EQ(c->mounts[2].destination, "/dev/pts");
        CHECK_INT_EQ(c->mounts[2].n_options, 5);
}

TEST(default_spec_text_is_tab_indented_like_runc)
{
        char *text = oci_spec_default_json(false);
        REQUIRE(text != NULL);
        CHECK(strncmp(text,
                      "{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"terminal\": true,",
                      strlen("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"terminal\": "
                             "true,")) == 0);
        CHECK(strstr(text, "\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n") != NULL);
        CHECK(strstr(text, "\n ") == NULL);
        size_t len = strlen(text);
        CHECK(len > 0 && text[len - 1] == '}');
        /* Field order of runc: process, root, hostname, mounts, linux. */
        const char *order[] = {"\"process\"", "\"root\"", "\"hostname\"", "\"mounts\"",
                               "\"linux\""};
        const char *prev = text;
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
                const char *at = strstr(text, order[i]);
                CHECK(at != NULL && at > prev);
                prev = at ? at : prev;
        }
        free(text);
}

/* Byte for byte what `runc spec` writes, but for the version. Skipped without runc. */
TEST(default_spec_matches_runc)
{
        if (access("/usr/bin/runc", X_OK) != 0 && access("/usr/sbin/runc", X_OK) != 0) {
                test_skip("runc not installed");
                return;
        }
        char dir[] = "/tmp/berth-spec-XXXXXX";
        REQUIRE(mkdtemp(dir) != NULL);
        for (int rootless = 0; rootless <= 1; rootless++) {
                _cleanup_free_ char *cmd = xasprintf("cd %s && rm -f config.json && runc spec %s",
                                                     dir, rootless ? "--rootless" : "");
                REQUIRE(system(cmd) == 0);
                _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
                _cleanup_free_ char *runc = fs_read_file(path, NULL, NULL);
                REQUIRE(runc != NULL);
                /* runc writes its own spec version; ours is 1.2.0. */
                char *version = strstr(runc, "\"ociVersion\": \"");
                REQUIRE(version != NULL);
                version += strlen("\"ociVersion\": \"");
                char *end = strchr(version, '"');
                REQUIRE(end != NULL);
                *version = '\0';
                _cleanup_free_ char *expected = xasprintf("%s1.2.0%s", runc, end);
                _cleanup_free_ char *ours = oci_spec_default_json(rootless);
                CHECK_STR_EQ(ours, expected);
        }
        _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
        unlink(path);
        CHECK(rmdir(dir) == 0);
}
