/* src/base helpers: signals, JSON quoting, files and trees, exit codes, errors, and lookups
 * that must stay inside a container root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "json_text.h"
#include "process.h"
#include "test.h"
#include "test_fs.h"

/* A fresh directory under /tmp, removed by the test (with fs_remove_tree). */
static char *make_temp_dir(void)
{
        char *dir = xstrdup("/tmp/berth-unit-XXXXXX");
        if (mkdtemp(dir) == NULL) {
                free(dir);
                return NULL;
        }
        return dir;
}

static bool same_file(int fd, const char *path)
{
        struct stat a, b;
        return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

TEST(signal_parse_names_and_numbers)
{
        CHECK_INT_EQ(signal_parse("KILL"), SIGKILL);
        CHECK_INT_EQ(signal_parse("SIGKILL"), SIGKILL);
        CHECK_INT_EQ(signal_parse("kill"), SIGKILL);
        CHECK_INT_EQ(signal_parse("sigterm"), SIGTERM);
        CHECK_INT_EQ(signal_parse("9"), 9);
        CHECK_INT_EQ(signal_parse("15"), SIGTERM);
        CHECK_INT_EQ(signal_parse("HUP"), SIGHUP);
        CHECK_INT_EQ(signal_parse("WINCH"), SIGWINCH);
        CHECK_INT_EQ(signal_parse("RTMIN"), SIGRTMIN);
        CHECK_INT_EQ(signal_parse("RTMIN+2"), SIGRTMIN + 2);
        CHECK_INT_EQ(signal_parse("SIGRTMIN+2"), SIGRTMIN + 2);
        CHECK_INT_EQ(signal_parse("RTMAX-1"), SIGRTMAX - 1);
        CHECK_INT_EQ(signal_parse("RTMAX"), SIGRTMAX);
}

TEST(signal_parse_rejects_bad_names)
{
        CHECK_INT_EQ(signal_parse(""), -1);
        CHECK_INT_EQ(signal_parse(NULL), -1);
        CHECK_INT_EQ(signal_parse("FOO"), -1);
        CHECK_INT_EQ(signal_parse("SIG"), -1);
        CHECK_INT_EQ(signal_parse("SIGFOO"), -1);
        CHECK_INT_EQ(signal_parse("0"), -1);
        CHECK_INT_EQ(signal_parse("-9"), -1);
        CHECK_INT_EQ(signal_parse("9x"), -1);
        CHECK_INT_EQ(signal_parse("65"), -1);
        CHECK_INT_EQ(signal_parse("KILLL"), -1);
        CHECK_INT_EQ(signal_parse("RTMIN+100"), -1);
        CHECK_INT_EQ(signal_parse("RTMIN-1"), -1);
        CHECK_INT_EQ(signal_parse("RTMAX+1"), -1);
        CHECK_INT_EQ(signal_parse("RTMIN+x"), -1);
}

TEST(json_text_quote_escapes)
{
        _cleanup_free_ char *plain = json_text_quote("hello");
        CHECK_STR_EQ(plain, "\"hello\"");
        _cleanup_free_ char *empty = json_text_quote("");
        CHECK_STR_EQ(empty, "\"\"");
        _cleanup_free_ char *special = json_text_quote("a\"b\\c\nd\re\tf");
        CHECK_STR_EQ(special, "\"a\\\"b\\\\c\\nd\\re\\tf\"");
        _cleanup_free_ char *control = json_text_quote("\x01\x1f");
        CHECK_STR_EQ(control, "\"\\u0001\\u001f\"");
        /* UTF-8 and '/' pass through unchanged. */
        _cleanup_free_ char *utf8 = json_text_quote("caf\xc3\xa9/x");
        CHECK_STR_EQ(utf8, "\"caf\xc3\xa9/x\"");
}

TEST(write_file_atomic)
{
        _cleanup_free_ char *dir = make_temp_dir();
        REQUIRE(dir != NULL);
        _cleanup_free_ char *path = xasprintf("%s/state.json", dir);
        _cleanup_error_ struct error *err = NULL;
        mode_t old_umask = umask(022);
        CHECK(fs_write_file_atomic(path, "{\"a\":1}", 7, 0640, &err) == 0);
        umask(old_umask);
        CHECK(err == NULL);
        size_t len = 0;
        _cleanup_free_ char *text = fs_read_file(path, &len, &err);
        REQUIRE(text != NULL);
        CHECK_STR_EQ(text, "{\"a\":1}");
        CHECK_INT_EQ(len, 7);
        struct stat st;
        REQUIRE(stat(path, &st) == 0);
        CHECK_INT_EQ(st.st_mode & 07777, 0640);
        /* Replacing keeps one file: no temp file is left beside it. */
        CHECK(fs_write_file_atomic(path, "x", 1, 0600, &err) == 0);
        _cleanup_free_ char *again = fs_read_file(path, NULL, &err);
        CHECK_STR_EQ(again, "x");
        CHECK_INT_EQ(test_count_entries(dir, NULL), 1);
        /* A missing directory is an error that names the file. */
        _cleanup_free_ char *bad = xasprintf("%s/missing/state.json", dir);
        CHECK(fs_write_file_atomic(bad, "x", 1, 0600, &err) < 0);
        REQUIRE(err != NULL);
        CHECK(strstr(err->msg, "missing/state.json") != NULL);
        CHECK_INT_EQ(err->errnum, ENOENT);
        CHECK(fs_remove_tree(dir, NULL) == 0);
}

TEST(mkdir_p)
{
        _cleanup_free_ char *dir = make_temp_dir();
        REQUIRE(dir != NULL);
        _cleanup_free_ char *deep = xasprintf("%s/a/b/c", dir);
        _cleanup_error_ struct error *err = NULL;
        CHECK(fs_mkdir_p(deep, 0755, &err) == 0);
        struct stat st;
        CHECK(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
        /* Existing directories are fine; a trailing slash too. */
        CHECK(fs_mkdir_p(deep, 0755, &err) == 0);
        _cleanup_free_ char *slash = xasprintf("%s/a/b/d/", dir);
        CHECK(fs_mkdir_p(slash, 0755, &err) == 0);
        CHECK(err == NULL);
        /* A file in the way fails and says where. */
        _cleanup_free_ char *file = xasprintf("%s/file", dir);
        write_file(file, "x");
        _cleanup_free_ char *under_file = xasprintf("%s/file/sub/dir", dir);
        CHECK(fs_mkdir_p(under_file, 0755, &err) < 0);
        REQUIRE(err != NULL);
        CHECK(strstr(err->msg, "mkdir ") == err->msg);
        CHECK(fs_remove_tree(dir, NULL) == 0);
}

TEST(remove_tree)
{
        _cleanup_free_ char *dir = make_temp_dir();
        _cleanup_free_ char *outside = make_temp_dir();
        REQUIRE(dir != NULL && outside != NULL);
        _cleanup_free_ char *deep = xasprintf("%s/tree/a/b", dir);
        REQUIRE(fs_mkdir_p(deep, 0755, NULL) == 0);
        _cleanup_free_ char *f1 = xasprintf("%s/tree/file", dir);
        _cleanup_free_ char *f2 = xasprintf("%s/tree/a/b/file", dir);
        _cleanup_free_ char *keep = xasprintf("%s/keep", outside);
        write_file(f1, "1");
        write_file(f2, "2");
        write_file(keep, "keep");
        /* A symlink to a directory outside is removed, not followed. */
        _cleanup_free_ char *link = xasprintf("%s/tree/a/out", dir);
        REQUIRE(symlink(outside, link) == 0);
        _cleanup_free_ char *tree = xasprintf("%s/tree", dir);
        _cleanup_error_ struct error *err = NULL;
        CHECK(fs_remove_tree(tree, &err) == 0);
        if (err)
                test_note("%s", err->msg);
        CHECK(!fs_exists(tree));
        CHECK(fs_exists(keep));
        /* Removing what is not there is not an error. */
        CHECK(fs_remove_tree(tree, &err) == 0);
        /* A plain file is removed too. */
        write_file(f1, "1");
        CHECK(fs_remove_tree(f1, &err) == 0);
        CHECK(!fs_exists(f1));
        CHECK(fs_remove_tree(dir, NULL) == 0);
        CHECK(fs_remove_tree(outside, NULL) == 0);
        CHECK(!fs_exists(dir));
}

TEST(process_exit_code_from_wait_status)
{
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0)
                _exit(3);
        int status;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        CHECK_INT_EQ(process_exit_code(status), 3);

        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
                raise(SIGKILL);
                _exit(0);
        }
        REQUIRE(waitpid(pid, &status, 0) == pid);
        CHECK_INT_EQ(process_exit_code(status), 128 + SIGKILL);

        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0)
                _exit(0);
        REQUIRE(waitpid(pid, &status, 0) == pid);
        CHECK_INT_EQ(process_exit_code(status), 0);
}

TEST(error_set_and_wrap)
{
        struct error *err = NULL;
        CHECK(error_set(&err, 0, "open %s", "config.json") == -1);
        REQUIRE(err != NULL);
        CHECK_STR_EQ(err->msg, "open config.json");
        CHECK_INT_EQ(err->errnum, 0);
        CHECK(error_wrap(&err, "loading %s", "bundle") == -1);
        CHECK_STR_EQ(err->msg, "loading bundle: open config.json");
        error_free(&err);
        CHECK(err == NULL);

        error_set(&err, ENOENT, "open %s", "/x");
        REQUIRE(err != NULL);
        CHECK_INT_EQ(err->errnum, ENOENT);
        _cleanup_free_ char *expect = xasprintf("open /x: %s", strerror(ENOENT));
        CHECK_STR_EQ(err->msg, expect);
        error_wrap(&err, "create");
        error_wrap(&err, "run");
        _cleanup_free_ char *wrapped = xasprintf("run: create: open /x: %s", strerror(ENOENT));
        CHECK_STR_EQ(err->msg, wrapped);
        /* Setting over an error replaces it (no leak under ASan). */
        error_set(&err, 0, "second");
        CHECK_STR_EQ(err->msg, "second");
        error_free(&err);

        /* A NULL error pointer is allowed: the caller does not want the message. */
        CHECK(error_set(NULL, 0, "ignored") == -1);
        CHECK(error_wrap(NULL, "ignored") == -1);
        CHECK(error_wrap(&err, "nothing to wrap") == -1);
        CHECK(err == NULL);
        error_free(&err);
}

struct root_fixture {
        char *dir;  /* temp dir holding the root */
        char *root; /* dir/root */
        int fd;
};

static bool root_fixture_init(struct root_fixture *f)
{
        f->dir = make_temp_dir();
        if (f->dir == NULL)
                return false;
        f->root = xasprintf("%s/root", f->dir);
        _cleanup_free_ char *etc = xasprintf("%s/etc", f->root);
        _cleanup_free_ char *passwd = xasprintf("%s/etc/passwd", f->root);
        _cleanup_free_ char *link_etc = xasprintf("%s/link-etc", f->root);
        _cleanup_free_ char *up = xasprintf("%s/up", f->root);
        _cleanup_free_ char *deep = xasprintf("%s/etc/deep-up", f->root);
        if (fs_mkdir_p(etc, 0755, NULL) < 0)
                return false;
        write_file(passwd, "root:x:0:0::/root:/bin/sh\n");
        /* The hostile links of a container image: absolute and climbing ones. */
        if (symlink("/etc", link_etc) < 0 || symlink("../../..", up) < 0 ||
            symlink("../../../../../../etc", deep) < 0)
                return false;
        f->fd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return f->fd >= 0;
}

static void root_fixture_release(struct root_fixture *f)
{
        if (f->fd >= 0)
                close(f->fd);
        if (f->dir)
                fs_remove_tree(f->dir, NULL);
        free(f->dir);
        free(f->root);
}

static bool openat2_works(int rootfd)
{
        struct error *err = NULL;
        int fd = fs_open_in_root(rootfd, "etc", false, false, &err);
        bool works = fd >= 0 || (err && err->errnum != ENOSYS && err->errnum != EPERM);
        if (fd >= 0)
                close(fd);
        error_free(&err);
        return works;
}

TEST(open_in_root_keeps_symlinks_inside)
{
        struct root_fixture f = {.fd = -1};
        if (!root_fixture_init(&f)) {
                root_fixture_release(&f);
                REQUIRE(!"fixture");
        }
        if (!openat2_works(f.fd)) {
                test_skip("openat2 not available");
                root_fixture_release(&f);
                return;
        }
        _cleanup_free_ char *passwd = xasprintf("%s/etc/passwd", f.root);
        static const char *const paths[] = {
            "etc/passwd",        "/etc/passwd",           "link-etc/passwd",
            "up/etc/passwd",     "up/up/link-etc/passwd", "../../etc/passwd",
            "etc/deep-up/passwd"};
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
                _cleanup_error_ struct error *err = NULL;
                _cleanup_close_ int fd = fs_open_in_root(f.fd, paths[i], false, false, &err);
                if (fd < 0)
                        test_note("%s: %s", paths[i], err ? err->msg : "?");
                CHECK(fd >= 0 && same_file(fd, passwd));
        }
        /* Missing without create: an error naming the path. */
        _cleanup_error_ struct error *err = NULL;
        CHECK(fs_open_in_root(f.fd, "up/nope", false, false, &err) < 0);
        CHECK(err != NULL && strstr(err->msg, "up/nope") != NULL);
        root_fixture_release(&f);
}

TEST(open_in_root_creates_inside)
{
        struct root_fixture f = {.fd = -1};
        if (!root_fixture_init(&f)) {
                root_fixture_release(&f);
                REQUIRE(!"fixture");
        }
        if (!openat2_works(f.fd)) {
                test_skip("openat2 not available");
                root_fixture_release(&f);
                return;
        }
        /* Unique names, so a leak out of the root would show on the host. */
        _cleanup_free_ char *name = xasprintf("berth-unit-escape-%d", (int)getpid());
        _cleanup_free_ char *host_dir = xasprintf("/%s", name);
        _cleanup_free_ char *host_etc_file = xasprintf("/etc/%s", name);
        _cleanup_error_ struct error *err = NULL;

        _cleanup_free_ char *dirs = xasprintf("up/%s/a/b", name);
        _cleanup_close_ int d = fs_open_in_root(f.fd, dirs, true, false, &err);
        if (d < 0)
                test_note("%s", err->msg);
        _cleanup_free_ char *inside_dir = xasprintf("%s/%s/a/b", f.root, name);
        CHECK(d >= 0 && same_file(d, inside_dir));
        CHECK(!fs_exists(host_dir));

        _cleanup_free_ char *file = xasprintf("link-etc/%s", name);
        _cleanup_close_ int fl = fs_open_in_root(f.fd, file, false, true, &err);
        if (fl < 0)
                test_note("%s", err->msg);
        _cleanup_free_ char *inside_file = xasprintf("%s/etc/%s", f.root, name);
        CHECK(fl >= 0 && same_file(fl, inside_file));
        struct stat st;
        CHECK(stat(inside_file, &st) == 0 && S_ISREG(st.st_mode));
        CHECK(!fs_exists(host_etc_file));

        /* Through a climbing link deeper in the tree, still inside. */
        _cleanup_free_ char *climb = xasprintf("etc/deep-up/%s-2/x", name);
        _cleanup_close_ int c = fs_open_in_root(f.fd, climb, true, false, &err);
        _cleanup_free_ char *inside_climb = xasprintf("%s/etc/%s-2/x", f.root, name);
        CHECK(c >= 0 && same_file(c, inside_climb));
        _cleanup_free_ char *host_climb = xasprintf("/etc/%s-2", name);
        CHECK(!fs_exists(host_climb));
        root_fixture_release(&f);
}
