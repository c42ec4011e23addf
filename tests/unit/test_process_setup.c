/* src/runtime/process_setup: finding process.args[0] in the container's PATH, as the init
 * does after pivot_root (so PATH holds absolute paths; here, of a temporary tree). Also
 * runc's container id rule (src/runtime/state.c), which guards every path built from an id. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "container.h"
#include "error.h"
#include "fs.h"
#include "init.h"
#include "test.h"

/* The tree every test resolves in, made once:
 *   bin1/tool      0755         bin2/tool   0755
 *   bin1/plain     0644         bin2/plain  0755
 *   bin1/dir/      directory    bin2/dir    0755
 *   bin1/link      -> tool      bin3/dir    0644
 *   bin1/linkdir   -> dir
 *   bin1/dangling  -> missing
 *   bin1/fifo      a fifo
 *   bin1/only1     0755
 */
static char *tree;

static void write_mode(const char *dir, const char *name, mode_t mode)
{
        _cleanup_free_ char *path = xasprintf("%s/%s/%s", tree, dir, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
                return;
        static const char script[] = "#!/bin/sh\nexit 0\n";
        if (write(fd, script, sizeof(script) - 1) < 0)
                test_note("write %s failed", path);
        close(fd);
        chmod(path, mode);
}

static void at_tree(const char *name, char *out, size_t size)
{
        snprintf(out, size, "%s/%s", tree, name);
}

static bool make_tree(void)
{
        if (tree)
                return true;
        char *dir = xstrdup("/tmp/berth-unit-XXXXXX");
        if (mkdtemp(dir) == NULL) {
                free(dir);
                return false;
        }
        tree = dir;
        char path[4096], target[4096];
        static const char *const dirs[] = {"bin1", "bin2", "bin3", "bin1/dir"};
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                at_tree(dirs[i], path, sizeof(path));
                if (mkdir(path, 0755) < 0)
                        return false;
        }
        write_mode("bin1", "tool", 0755);
        write_mode("bin1", "plain", 0644);
        write_mode("bin1", "only1", 0755);
        write_mode("bin2", "tool", 0755);
        write_mode("bin2", "plain", 0755);
        write_mode("bin2", "dir", 0755);
        write_mode("bin3", "dir", 0644);
        static const char *const links[][2] = {
            {"bin1/link", "tool"},
            {"bin1/linkdir", "dir"},
            {"bin1/dangling", "missing"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
                at_tree(links[i][0], path, sizeof(path));
                snprintf(target, sizeof(target), "%s", links[i][1]);
                if (symlink(target, path) < 0)
                        return false;
        }
        at_tree("bin1/fifo", path, sizeof(path));
        return mkfifo(path, 0755) == 0;
}

__attribute__((destructor)) static void remove_tree(void)
{
        if (tree)
                fs_remove_tree(tree, NULL);
        free(tree);
}

/* "bin1:bin2" → "<tree>/bin1:<tree>/bin2"; names starting with "/" stay as they are, and
 * empty entries stay empty. */
static char *path_env(const char *dirs)
{
        char *out = xstrdup("PATH=");
        const char *p = dirs;
        for (bool first = true;; first = false) {
                size_t len = strcspn(p, ":");
                char *prev = out;
                if (len == 0)
                        out = xasprintf("%s%s", prev, first ? "" : ":");
                else if (p[0] == '/')
                        out = xasprintf("%s%s%.*s", prev, first ? "" : ":", (int)len, p);
                else
                        out = xasprintf("%s%s%s/%.*s", prev, first ? "" : ":", tree, (int)len, p);
                free(prev);
                if (p[len] == '\0')
                        break;
                p += len + 1;
        }
        return out;
}

/* Resolves arg0 with this env; returns the path or NULL with *err. */
static char *resolve(const char *arg0, char **env, size_t n_env, struct error **err)
{
        char *args[] = {(char *)arg0, NULL};
        struct oci_process process = {.args = args, .n_args = 1, .env = env, .n_env = n_env};
        return process_resolve_executable(&process, err);
}

struct resolve_case {
        const char *path; /* PATH, directories relative to the tree */
        const char *arg0;
        const char *found;   /* relative to the tree; NULL when it must fail */
        int errnum;          /* when it fails */
        const char *message; /* when it fails: the whole message */
};

static const struct resolve_case resolve_cases[] = {
    /* PATH order is respected. */
    {"bin1:bin2", "tool", "bin1/tool"},
    {"bin2:bin1", "tool", "bin2/tool"},
    {"bin2:bin1", "only1", "bin1/only1"},
    /* Missing directories and empty entries are passed over. */
    {"nowhere:bin2", "tool", "bin2/tool"},
    {"::bin2:", "tool", "bin2/tool"},
    /* A symlink to an executable is found under its own name. */
    {"bin1", "link", "bin1/link"},
    /* Not found anywhere. */
    {"bin1:bin2", "missing", NULL, 0, "exec missing: executable file not found in $PATH"},
    {"bin1", "dangling", NULL, 0, "exec dangling: executable file not found in $PATH"},
    {"", "tool", NULL, 0, "exec tool: executable file not found in $PATH"},
    /* Found but not executable: the first such error is reported... */
    {"bin1", "plain", NULL, EACCES, "exec plain: Permission denied"},
    {"bin1:nowhere", "plain", NULL, EACCES, "exec plain: Permission denied"},
    {"bin1", "fifo", NULL, EACCES, "exec fifo: Permission denied"},
    {"bin1", "dir", NULL, EISDIR, "exec dir: Is a directory"},
    {"bin1", "linkdir", NULL, EISDIR, "exec linkdir: Is a directory"},
    {"bin1:bin3", "dir", NULL, EISDIR, "exec dir: Is a directory"},
    {"bin3:bin1", "dir", NULL, EACCES, "exec dir: Permission denied"},
    /* ...unless a later directory has an executable one, as execvp(3) does. */
    {"bin1:bin2", "plain", "bin2/plain"},
    {"bin1:bin2", "dir", "bin2/dir"},
    {"bin3:bin1:bin2", "dir", "bin2/dir"},
};

static void check_resolve(const struct resolve_case *c)
{
        _cleanup_free_ char *env_path = path_env(c->path);
        char *env[] = {"HOME=/root", env_path, "TERM=xterm"};
        _cleanup_error_ struct error *err = NULL;
        _cleanup_free_ char *found = resolve(c->arg0, env, ARRAY_SIZE(env), &err);
        bool ok;
        if (c->found) {
                _cleanup_free_ char *want = xasprintf("%s/%s", tree, c->found);
                ok = found && strcmp(found, want) == 0;
                if (!ok)
                        test_note("got %s", found ? found : err ? err->msg : "(null)");
        } else {
                ok = found == NULL && err && err->errnum == c->errnum &&
                     strcmp(err->msg, c->message) == 0;
                if (!ok)
                        test_note("got %s (errno %d)",
                                  found ? found
                                  : err ? err->msg
                                        : "(null)",
                                  err ? err->errnum : 0);
        }
        test_case(ok, "PATH=\"%s\": %s %s %s", c->path, c->arg0,
                  c->found ? "is" : "fails:", c->found ? c->found : c->message);
}

TEST(resolve_in_path)
{
        REQUIRE(make_tree());
        for (size_t i = 0; i < ARRAY_SIZE(resolve_cases); i++)
                check_resolve(&resolve_cases[i]);
}

TEST(resolve_path_as_given)
{
        /* With a slash, args[0] is taken as it is and PATH is not searched. */
        REQUIRE(make_tree());
        _cleanup_free_ char *env_path = path_env("bin2");
        char *env[] = {env_path};
        char path[4096];

        at_tree("bin1/tool", path, sizeof(path));
        _cleanup_error_ struct error *e1 = NULL;
        _cleanup_free_ char *tool = resolve(path, env, 1, &e1);
        CHECK_STR_EQ(tool, path);

        at_tree("bin1/plain", path, sizeof(path));
        _cleanup_error_ struct error *e2 = NULL;
        _cleanup_free_ char *plain = resolve(path, env, 1, &e2);
        CHECK(plain == NULL);
        REQUIRE(e2 != NULL);
        CHECK_INT_EQ(e2->errnum, EACCES);
        _cleanup_free_ char *want2 = xasprintf("exec %s: Permission denied", path);
        CHECK_STR_EQ(e2->msg, want2);

        at_tree("bin1/dir", path, sizeof(path));
        _cleanup_error_ struct error *e3 = NULL;
        _cleanup_free_ char *dir = resolve(path, env, 1, &e3);
        CHECK(dir == NULL);
        REQUIRE(e3 != NULL);
        CHECK_INT_EQ(e3->errnum, EISDIR);

        at_tree("bin1/missing", path, sizeof(path));
        _cleanup_error_ struct error *e4 = NULL;
        _cleanup_free_ char *missing = resolve(path, env, 1, &e4);
        CHECK(missing == NULL);
        REQUIRE(e4 != NULL);
        CHECK_INT_EQ(e4->errnum, ENOENT);
        _cleanup_free_ char *want4 = xasprintf("exec %s: No such file or directory", path);
        CHECK_STR_EQ(e4->msg, want4);
}

TEST(resolve_relative_with_slash_is_from_cwd)
{
        /* "bin1/tool" names a file from the working directory (process.cwd, in the
         * container), not from PATH. */
        REQUIRE(make_tree());
        int saved = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        REQUIRE(saved >= 0);
        REQUIRE(chdir(tree) == 0);
        _cleanup_free_ char *env_path = path_env("bin2");
        char *env[] = {env_path};
        _cleanup_error_ struct error *e1 = NULL, *e2 = NULL;
        _cleanup_free_ char *tool = resolve("bin1/tool", env, 1, &e1);
        _cleanup_free_ char *plain = resolve("./bin1/plain", env, 1, &e2);
        CHECK(fchdir(saved) == 0);
        close(saved);
        CHECK_STR_EQ(tool, "bin1/tool");
        CHECK(plain == NULL);
        CHECK(e2 != NULL && e2->errnum == EACCES);
}

TEST(resolve_reads_path_only)
{
        /* Names that merely start with PATH, and PATH without "=", are not PATH; the first
         * PATH= entry wins, as getenv(3) has it. */
        REQUIRE(make_tree());
        _cleanup_free_ char *bin1 = path_env("bin1");
        _cleanup_free_ char *bin2 = path_env("bin2");
        _cleanup_free_ char *pathx = xasprintf("PATHX=%s/bin2", tree);
        char *env[] = {"PATH", pathx, bin1, bin2};
        _cleanup_error_ struct error *err = NULL;
        _cleanup_free_ char *tool = resolve("tool", env, ARRAY_SIZE(env), &err);
        _cleanup_free_ char *want = xasprintf("%s/bin1/tool", tree);
        CHECK_STR_EQ(tool, want);
}

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* Where the default PATH would find name on this host, worked out here; or NULL. */
static char *default_lookup(const char *name)
{
        _cleanup_free_ char *copy = xstrdup(default_path);
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *candidate = xasprintf("%s/%s", dir, name);
                struct stat st;
                if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
                        return steal_pointer(&candidate);
        }
        return NULL;
}

TEST(resolve_default_path_without_env)
{
        REQUIRE(make_tree());
        _cleanup_free_ char *want = default_lookup("sh");
        if (want == NULL) {
                test_skip("no sh in the default PATH on this host");
                return;
        }
        /* No env at all, and an env without PATH. */
        _cleanup_error_ struct error *e1 = NULL, *e2 = NULL, *e3 = NULL;
        _cleanup_free_ char *none = resolve("sh", NULL, 0, &e1);
        char *env[] = {"HOME=/root", "TERM=xterm"};
        _cleanup_free_ char *no_path = resolve("sh", env, ARRAY_SIZE(env), &e2);
        CHECK_STR_EQ(none, want);
        CHECK_STR_EQ(no_path, want);
        /* The tree is not on the default PATH. */
        _cleanup_free_ char *only1 = resolve("berth-unit-no-such-tool", env, 2, &e3);
        CHECK(only1 == NULL);
        REQUIRE(e3 != NULL);
        CHECK_STR_EQ(e3->msg, "exec berth-unit-no-such-tool: executable file not found in $PATH");
}

/* runc's container id rule. */

static const char *const good_ids[] = {
    "a", "abc", "ABC123", "my_container",     "a+b", "a-b", "a.b", "...", ".a", "a.", "-",
    "_", "+",   "1",      "0123456789abcdef",
};

static const char *const bad_ids[] = {
    ".",   "..", "a/b", "/abc", "../x",        "a b", " a",  "a:b",
    "a@b", "a*", "a\n", "a\\b", "caf\xc3\xa9", "a%b", "a,b", "a=b",
};

/* The id as a TAP line can show it: control bytes as \xNN. */
static char *shown(const char *id)
{
        char *out = xmalloc(strlen(id) * 4 + 1), *o = out;
        for (const unsigned char *p = (const unsigned char *)id; *p; p++)
                o += *p < 0x20 ? sprintf(o, "\\x%02x", *p) : sprintf(o, "%c", *p);
        *o = '\0';
        return out;
}

TEST(container_id_good)
{
        for (size_t i = 0; i < ARRAY_SIZE(good_ids); i++) {
                _cleanup_error_ struct error *err = NULL;
                int rc = container_id_check(good_ids[i], &err);
                if (rc != 0)
                        test_note("%s", err ? err->msg : "(no error)");
                test_case(rc == 0 && err == NULL, "id \"%s\" is accepted", good_ids[i]);
        }
}

TEST(container_id_bad)
{
        for (size_t i = 0; i < ARRAY_SIZE(bad_ids); i++) {
                _cleanup_error_ struct error *err = NULL;
                int rc = container_id_check(bad_ids[i], &err);
                _cleanup_free_ char *want = xasprintf("invalid container id %s", bad_ids[i]);
                bool ok = rc == -1 && err && strcmp(err->msg, want) == 0;
                _cleanup_free_ char *label = shown(bad_ids[i]);
                if (!ok)
                        test_note("%s: rc %d", label, rc);
                test_case(ok, "id \"%s\" is refused", label);
        }
}

TEST(container_id_empty)
{
        _cleanup_error_ struct error *e1 = NULL, *e2 = NULL;
        CHECK_INT_EQ(container_id_check("", &e1), -1);
        CHECK_INT_EQ(container_id_check(NULL, &e2), -1);
        REQUIRE(e1 && e2);
        CHECK_STR_EQ(e1->msg, "container id cannot be empty");
        CHECK_STR_EQ(e2->msg, "container id cannot be empty");
}

TEST(container_id_length)
{
        char id[1026];
        memset(id, 'a', sizeof(id) - 1);
        id[1024] = '\0';
        CHECK_INT_EQ(container_id_check(id, NULL), 0);
        id[1024] = 'a';
        id[1025] = '\0';
        CHECK_INT_EQ(container_id_check(id, NULL), -1);
}

TEST(container_id_without_error_out)
{
        /* `state` lists directories with err NULL. */
        CHECK_INT_EQ(container_id_check("a/b", NULL), -1);
        CHECK_INT_EQ(container_id_check("ok", NULL), 0);
}
