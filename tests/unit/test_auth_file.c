/* auth.json: store, look up (longest key, docker's spellings), remove; base64; mode 0600. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth_file.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "test.h"

static char *temp_dir(void)
{
        char *dir = xstrdup("/tmp/test-auth-file-XXXXXX");
        if (!mkdtemp(dir))
                abort();
        return dir;
}

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
}

TEST(store_then_lookup)
{
        _cleanup_free_ char *dir = temp_dir();
        /* The directory is created (0700) when missing. */
        _cleanup_free_ char *path = xasprintf("%s/containers/auth.json", dir);
        struct error *err = NULL;
        REQUIRE(auth_file_store(path, "127.0.0.1:5000", "alice", "pa:ss word", &err) == 0);
        struct stat st;
        REQUIRE(stat(path, &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        size_t len;
        _cleanup_free_ char *text = fs_read_file(path, &len, &err);
        REQUIRE(text != NULL);
        /* base64("alice:pa:ss word") */
        CHECK(strstr(text, "\"127.0.0.1:5000\"") != NULL);
        CHECK(strstr(text, "\"YWxpY2U6cGE6c3Mgd29yZA==\"") != NULL);

        _cleanup_free_ char *user = NULL, *pass = NULL;
        CHECK(auth_file_lookup(path, "127.0.0.1:5000/team/app", &user, &pass, &err) == 1);
        CHECK_STR_EQ(user, "alice");
        CHECK_STR_EQ(pass, "pa:ss word");
        free(user);
        free(pass);
        user = pass = NULL;
        CHECK(auth_file_lookup(path, "127.0.0.1:5001/app", &user, &pass, &err) == 0);
        CHECK(user == NULL);
        /* A host that merely starts with the key is another registry. */
        CHECK(auth_file_lookup(path, "127.0.0.1:50000/app", &user, &pass, &err) == 0);
        fs_remove_tree(dir, &err);
}

TEST(longest_key_and_docker_spellings)
{
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *path = xasprintf("%s/auth.json", dir);
        /* a:b, c:d, e:f, g:h */
        write_text(path, "{\"auths\": {"
                         "\"registry.example\": {\"auth\": \"YTpi\"},"
                         "\"registry.example/team\": {\"auth\": \"YzpkCg\"},"
                         "\"https://index.docker.io/v1/\": {\"auth\": \"ZTpm\"},"
                         "\"registry.example/team/app\": {\"auth\": \"Zzpo\"}"
                         "}, \"credHelpers\": {}}");
        struct error *err = NULL;
        char *user = NULL, *pass = NULL;
        REQUIRE(auth_file_lookup(path, "registry.example/team/app", &user, &pass, &err) == 1);
        CHECK_STR_EQ(user, "g");
        free(user);
        free(pass);
        REQUIRE(auth_file_lookup(path, "registry.example/other", &user, &pass, &err) == 1);
        CHECK_STR_EQ(user, "a");
        CHECK_STR_EQ(pass, "b");
        free(user);
        free(pass);
        REQUIRE(auth_file_lookup(path, "docker.io/library/busybox", &user, &pass, &err) == 1);
        CHECK_STR_EQ(user, "e");
        CHECK_STR_EQ(pass, "f");
        free(user);
        free(pass);
        /* "YzpkCg" is not base64 of a valid length: the file is malformed. */
        CHECK(auth_file_lookup(path, "registry.example/team/x", &user, &pass, &err) < 0);
        REQUIRE(err != NULL);
        CHECK(strstr(err->msg, "registry.example/team") != NULL);
        error_free(&err);
        /* Removing docker.io removes docker's spelling of it. */
        CHECK(auth_file_remove(path, "docker.io", &err) == 1);
        CHECK(auth_file_lookup(path, "docker.io/library/busybox", &user, &pass, &err) == 0);
        fs_remove_tree(dir, &err);
}

TEST(remove_and_remove_all_keep_other_fields)
{
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *path = xasprintf("%s/auth.json", dir);
        write_text(path, "{\"auths\": {\"a.example\": {\"auth\": \"YTpi\"}}, \"keep\": 1}");
        struct error *err = NULL;
        REQUIRE(auth_file_store(path, "b.example", "u", "p", &err) == 0);
        CHECK(auth_file_remove(path, "c.example", &err) == 0);
        CHECK(auth_file_remove(path, "a.example", &err) == 1);
        CHECK(auth_file_remove(path, "a.example", &err) == 0);
        char *user = NULL, *pass = NULL;
        CHECK(auth_file_lookup(path, "b.example/x", &user, &pass, &err) == 1);
        free(user);
        free(pass);
        REQUIRE(auth_file_remove_all(path, &err) == 0);
        size_t len;
        _cleanup_free_ char *text = fs_read_file(path, &len, &err);
        REQUIRE(text != NULL);
        CHECK(strstr(text, "\"keep\": 1") != NULL);
        CHECK(strstr(text, "b.example") == NULL);
        fs_remove_tree(dir, &err);
}

TEST(missing_and_malformed_files)
{
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *path = xasprintf("%s/auth.json", dir);
        struct error *err = NULL;
        char *user = NULL, *pass = NULL;
        CHECK(auth_file_lookup(path, "a.example/x", &user, &pass, &err) == 0);
        CHECK(auth_file_remove(path, "a.example", &err) == 0);
        CHECK(!fs_exists(path));
        write_text(path, "{\"auths\": [");
        CHECK(auth_file_lookup(path, "a.example/x", &user, &pass, &err) < 0);
        REQUIRE(err != NULL);
        CHECK(strstr(err->msg, "auth.json") != NULL);
        error_free(&err);
        write_text(path, "{\"auths\": {\"a.example\": {\"auth\": \"bm9jb2xvbg==\"}}}");
        CHECK(auth_file_lookup(path, "a.example/x", &user, &pass, &err) < 0);
        REQUIRE(err != NULL);
        CHECK(strstr(err->msg, "user:password") != NULL);
        error_free(&err);
        CHECK(auth_file_store(path, "a.example", "us:er", "p", &err) < 0);
        error_free(&err);
        fs_remove_tree(dir, &err);
}

TEST(default_path_order)
{
        setenv("REGISTRY_AUTH_FILE", "/x/auth.json", 1);
        _cleanup_free_ char *a = auth_file_default_path();
        CHECK_STR_EQ(a, "/x/auth.json");
        unsetenv("REGISTRY_AUTH_FILE");
        setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
        _cleanup_free_ char *b = auth_file_default_path();
        CHECK_STR_EQ(b, "/run/user/7/containers/auth.json");
        unsetenv("XDG_RUNTIME_DIR");
        _cleanup_free_ char *c = auth_file_default_path();
        _cleanup_free_ char *want = xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
        CHECK_STR_EQ(c, want);
}

/* With no explicit file, docker's config.json is read when the default file has no entry. */
TEST(docker_config_fallback)
{
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *docker_dir = xasprintf("%s/.docker", dir);
        _cleanup_free_ char *docker = xasprintf("%s/config.json", docker_dir);
        _cleanup_free_ char *podman = xasprintf("%s/auth.json", dir);
        struct error *err = NULL;
        REQUIRE(fs_mkdir_p(docker_dir, 0700, &err) == 0);
        write_text(docker, "{\"auths\": {\"d.example\": {\"auth\": \"YTpi\"}}}");
        setenv("HOME", dir, 1);
        setenv("REGISTRY_AUTH_FILE", podman, 1);
        char *user = NULL, *pass = NULL;
        REQUIRE(auth_file_lookup(NULL, "d.example/x", &user, &pass, &err) == 1);
        CHECK_STR_EQ(user, "a");
        free(user);
        free(pass);
        /* An explicit file is the only one read. */
        CHECK(auth_file_lookup(podman, "d.example/x", &user, &pass, &err) == 0);
        unsetenv("REGISTRY_AUTH_FILE");
        fs_remove_tree(dir, &err);
}
