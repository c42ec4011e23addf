/*
 * layer_unpack on a corpus of hostile layers written at test time by
 * tests/lib/make-hostile-layers.py: every case is either contained (the checks in its .expect
 * file hold inside the layer, and nothing appears or changes outside it) or refused with an
 * error naming the entry. The diff_id is compared with Python's hashlib of the uncompressed
 * tar.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"
#include "layer_unpack.h"
#include "layer_unpack_internal.h"
#include "test.h"
#include "test_fs.h"

#define SENTINEL_TEXT "sentinel\n"

struct corpus {
        char *tmp;     /* mkdtemp */
        char *dir;     /* tmp/corpus: the tars and .expect files */
        char *outside; /* tmp/outside: holds only "sentinel" */
        char *work;    /* tmp/case: holds only "layer" */
};

static bool corpus_make(struct corpus *c)
{
        const char *src = getenv("BERTH_TEST_CORPUS");
        if (src == NULL)
                return false;
        c->tmp = xstrdup("/tmp/berth-unit-unpack-XXXXXX");
        if (mkdtemp(c->tmp) == NULL)
                return false;
        c->dir = xasprintf("%s/corpus", c->tmp);
        c->outside = xasprintf("%s/outside", c->tmp);
        c->work = xasprintf("%s/case", c->tmp);
        _cleanup_free_ char *sentinel = xasprintf("%s/sentinel", c->outside);
        _cleanup_error_ struct error *err = NULL;
        if (mkdir(c->outside, 0755) < 0 ||
            fs_write_file_atomic(sentinel, SENTINEL_TEXT, strlen(SENTINEL_TEXT), 0644, &err) < 0)
                return false;
        _cleanup_free_ char *cmd =
            xasprintf("python3 %s/../../lib/make-hostile-layers.py %s %s", src, c->dir, c->outside);
        return system(cmd) == 0;
}

static void corpus_free(struct corpus *c)
{
        _cleanup_error_ struct error *err = NULL;
        if (c->tmp)
                (void)fs_remove_tree(c->tmp, &err);
        free(c->tmp);
        free(c->dir);
        free(c->outside);
        free(c->work);
}

static bool is_root(void)
{
        return geteuid() == 0;
}

static int hex_value(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One check line of an .expect file against the unpacked LAYER; false with a note on failure. */
static bool check_line(const char *layer, char **f, size_t n, const struct layer_unpack_result *r,
                       const char *case_name)
{
        const char *kind = f[0];
        _cleanup_free_ char *path = n > 1 ? xasprintf("%s/%s", layer, f[1]) : NULL;
        struct stat st;
        bool have = path && lstat(path, &st) == 0;
        bool ok = true;
        if (strcmp(kind, "compression") == 0 || strcmp(kind, "refuse") == 0) {
                return true; /* used by the caller */
        } else if (strcmp(kind, "diffid") == 0) {
                ok = strcmp(r->diff_id.text, f[1]) == 0;
        } else if (strcmp(kind, "size") == 0) {
                ok = r->uncompressed_size == strtoull(f[1], NULL, 10);
        } else if (strcmp(kind, "rootfile") == 0 && !is_root()) {
                ok = true;
        } else if (strcmp(kind, "file") == 0 || strcmp(kind, "rootfile") == 0) {
                _cleanup_error_ struct error *err = NULL;
                size_t len = 0;
                _cleanup_free_ char *text =
                    have && S_ISREG(st.st_mode) ? fs_read_file(path, &len, &err) : NULL;
                ok = text && strcmp(text, n > 2 ? f[2] : "") == 0;
        } else if (strcmp(kind, "dir") == 0) {
                ok = have && S_ISDIR(st.st_mode);
        } else if (strcmp(kind, "symlink") == 0) {
                char target[8192];
                ssize_t len = have ? readlink(path, target, sizeof(target) - 1) : -1;
                if (len >= 0)
                        target[len] = '\0';
                ok = len >= 0 && strcmp(target, f[2]) == 0;
        } else if (strcmp(kind, "absent") == 0) {
                ok = !have && errno == ENOENT;
        } else if (strcmp(kind, "mode") == 0) {
                ok = have && (st.st_mode & 07777) == strtoul(f[2], NULL, 8);
        } else if (strcmp(kind, "owner") == 0) {
                ok = !is_root() || (have && st.st_uid == strtoul(f[2], NULL, 10) &&
                                    st.st_gid == strtoul(f[3], NULL, 10));
        } else if (strcmp(kind, "chardev") == 0 || strcmp(kind, "blockdev") == 0) {
                bool chr = kind[0] == 'c';
                dev_t want = makedev(strtoul(f[2], NULL, 10), strtoul(f[3], NULL, 10));
                ok = !is_root() || (have && (chr ? S_ISCHR(st.st_mode) : S_ISBLK(st.st_mode)) &&
                                    st.st_rdev == want);
        } else if (strcmp(kind, "fifo") == 0) {
                ok = have && S_ISFIFO(st.st_mode);
        } else if (strcmp(kind, "xattr") == 0 || strcmp(kind, "noxattr") == 0) {
                char value[512];
                ssize_t len = lgetxattr(path, f[2], value, sizeof(value));
                if (kind[0] == 'n') {
                        ok = len < 0 && (errno == ENODATA || errno == ENOTSUP);
                } else if (!is_root() && strncmp(f[2], "trusted.overlay.", 16) == 0) {
                        /* the unprivileged form overlay reads with "userxattr" */
                        _cleanup_free_ char *user_name = xasprintf("user.%s", f[2] + 8);
                        ok = lgetxattr(path, user_name, value, sizeof(value)) == 1;
                } else if (!is_root() || (len < 0 && errno == ENOTSUP)) {
                        ok = true;
                } else {
                        size_t hex_len = strlen(f[3]);
                        ok = len >= 0 && (size_t)len * 2 == hex_len;
                        for (size_t i = 0; ok && i < (size_t)len; i++)
                                ok = (uint8_t)value[i] == (uint8_t)(hex_value(f[3][2 * i]) * 16 +
                                                                    hex_value(f[3][2 * i + 1]));
                }
        } else if (strcmp(kind, "samefile") == 0) {
                _cleanup_free_ char *other = xasprintf("%s/%s", layer, f[2]);
                struct stat st2;
                ok = have && lstat(other, &st2) == 0 && st.st_ino == st2.st_ino &&
                     st.st_dev == st2.st_dev;
        } else if (strcmp(kind, "mtime") == 0) {
                ok = have && st.st_mtim.tv_sec == strtoll(f[2], NULL, 10);
        } else {
                test_note("%s: unknown check %s", case_name, kind);
                return false;
        }
        if (!ok)
                test_note("%s: check failed: %s %s%s%s", case_name, kind, n > 1 ? f[1] : "",
                          n > 2 ? " " : "", n > 2 ? f[2] : "");
        return ok;
}

static enum layer_compression compression_named(const char *name)
{
        if (strcmp(name, "gzip") == 0)
                return LAYER_COMPRESSION_GZIP;
        if (strcmp(name, "zstd") == 0)
                return LAYER_COMPRESSION_ZSTD;
        return LAYER_COMPRESSION_NONE;
}

struct expect {
        char *lines[64][5];
        size_t fields[64];
        size_t count;
        char *text;
};

static bool expect_read(const char *path, struct expect *e)
{
        _cleanup_error_ struct error *err = NULL;
        *e = (struct expect){0};
        e->text = fs_read_file(path, NULL, &err);
        if (e->text == NULL)
                return false;
        char *save = NULL;
        for (char *line = strtok_r(e->text, "\n", &save); line && e->count < 64;
             line = strtok_r(NULL, "\n", &save)) {
                size_t k = 0;
                char *p = line;
                while (p && k < 5) {
                        e->lines[e->count][k++] = p;
                        p = strchr(p, '\t');
                        if (p)
                                *p++ = '\0';
                }
                e->fields[e->count++] = k;
        }
        return true;
}

static const char *expect_get(const struct expect *e, const char *kind)
{
        for (size_t i = 0; i < e->count; i++)
                if (strcmp(e->lines[i][0], kind) == 0 && e->fields[i] > 1)
                        return e->lines[i][1];
        return NULL;
}

/* Nothing outside the layer: the case directory holds only the layer, OUTSIDE only its
 * untouched sentinel, and /etc/passwd (a hardlink target in the corpus) gained no link. */
static bool outside_untouched(const struct corpus *c, const struct stat *passwd_before,
                              const char *case_name)
{
        bool ok = true;
        _cleanup_free_ char *sentinel = xasprintf("%s/sentinel", c->outside);
        _cleanup_error_ struct error *err = NULL;
        _cleanup_free_ char *text = fs_read_file(sentinel, NULL, &err);
        struct stat st;
        if (test_count_entries(c->work, NULL) != 1 || test_count_entries(c->outside, NULL) != 1 ||
            text == NULL || strcmp(text, SENTINEL_TEXT) != 0 || lstat(sentinel, &st) < 0 ||
            !S_ISREG(st.st_mode) || st.st_nlink != 1) {
                test_note("%s: something changed outside the layer", case_name);
                ok = false;
        }
        struct stat passwd;
        if (stat("/etc/passwd", &passwd) == 0 && (passwd.st_nlink != passwd_before->st_nlink ||
                                                  passwd.st_mtime != passwd_before->st_mtime)) {
                test_note("%s: /etc/passwd changed", case_name);
                ok = false;
        }
        return ok;
}

static bool run_case(const struct corpus *c, const char *tar_name)
{
        _cleanup_free_ char *case_name = xstrndup(tar_name, strcspn(tar_name, "."));
        _cleanup_free_ char *expect_path = xasprintf("%s/%s.expect", c->dir, case_name);
        struct expect e;
        if (!expect_read(expect_path, &e)) {
                test_note("%s: no .expect file", case_name);
                return false;
        }
        _cleanup_free_ char *tar_path = xasprintf("%s/%s", c->dir, tar_name);
        _cleanup_free_ char *layer = xasprintf("%s/layer", c->work);
        _cleanup_error_ struct error *err = NULL;
        struct stat passwd_before = {0};
        (void)stat("/etc/passwd", &passwd_before);
        bool ok = mkdir(c->work, 0755) == 0 && mkdir(layer, 0755) == 0;
        _cleanup_close_ int in = open(tar_path, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int dest = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const char *comp = expect_get(&e, "compression");
        const char *refuse = expect_get(&e, "refuse");
        struct layer_unpack_options options = {.rootless = !is_root()};
        struct layer_unpack_result result = {0};
        int ret = ok && in >= 0 && dest >= 0
                      ? layer_unpack(in, compression_named(comp ? comp : "none"), dest, &options,
                                     &result, &err)
                      : -1;
        if (refuse) {
                _cleanup_free_ char *want = xasprintf("layer entry \"%s\"", refuse);
                if (ret == 0) {
                        test_note("%s: unpacked, expected a refusal of %s", case_name, refuse);
                        ok = false;
                } else if (err == NULL || strstr(err->msg, want) == NULL) {
                        test_note("%s: error does not name the entry: %s", case_name,
                                  err ? err->msg : "(none)");
                        ok = false;
                } else {
                        test_note("%s: refused: %.200s", case_name, err->msg);
                }
        } else if (ret < 0) {
                test_note("%s: %s", case_name, err ? err->msg : "failed");
                ok = false;
        }
        for (size_t i = 0; ok && ret == 0 && i < e.count; i++)
                ok = check_line(layer, e.lines[i], e.fields[i], &result, case_name);
        /* Contained, whether refused or not. */
        if (!outside_untouched(c, &passwd_before, case_name))
                ok = false;
        free(e.text);
        _cleanup_error_ struct error *rm_err = NULL;
        if (fs_remove_tree(c->work, &rm_err) < 0) {
                /* Locked directories: make them removable. */
                _cleanup_free_ char *cmd =
                    xasprintf("chmod -R u+rwx %s; rm -rf %s", c->work, c->work);
                (void)system(cmd);
        }
        return ok;
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(hostile_layer_corpus)
{
        struct corpus c = {0};
        if (!corpus_make(&c)) {
                corpus_free(&c);
                test_skip("python3 or the corpus script is missing");
                return;
        }
        DIR *d = opendir(c.dir);
        REQUIRE(d != NULL);
        char *names[256];
        size_t count = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL && count < 256)
                if (strstr(de->d_name, ".tar"))
                        names[count++] = xstrdup(de->d_name);
        closedir(d);
        qsort(names, count, sizeof(names[0]), compare_names);
        CHECK(count >= 15);
        for (size_t i = 0; i < count; i++) {
                test_case(run_case(&c, names[i]), "layer %s", names[i]);
                free(names[i]);
        }
        corpus_free(&c);
}

TEST(clean_path)
{
        static const char *cases[][2] = {
            {"a/b", "a/b"},
            {"/a/b/", "a/b"},
            {"../../etc/passwd", "etc/passwd"},
            {"a/../../b", "b"},
            {"./a/./b", "a/b"},
            {"/", ""},
            {"..", ""},
            {".", ""},
            {"a//b", "a/b"},
            {"a/b/..", "a"},
            {"...", "..."},
            {"a/..b", "a/..b"},
            {"/../a/../../b/c", "b/c"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *got = layer_unpack_clean_path(cases[i][0]);
                CHECK_STR_EQ(got, cases[i][1]);
        }
}

/* A gzip layer truncated in the middle of an entry fails with the decompressor's message. */
TEST(truncated_layer_fails)
{
        struct corpus c = {0};
        if (!corpus_make(&c)) {
                corpus_free(&c);
                test_skip("python3 or the corpus script is missing");
                return;
        }
        _cleanup_free_ char *path = xasprintf("%s/gzip-layer.tar.gz", c.dir);
        struct stat st;
        REQUIRE(stat(path, &st) == 0);
        REQUIRE(truncate(path, st.st_size / 2) == 0);
        _cleanup_free_ char *layer = xasprintf("%s/layer", c.tmp);
        REQUIRE(mkdir(layer, 0755) == 0);
        _cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int dest = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_error_ struct error *err = NULL;
        struct layer_unpack_options options = {.rootless = !is_root()};
        struct layer_unpack_result result;
        CHECK(layer_unpack(in, LAYER_COMPRESSION_GZIP, dest, &options, &result, &err) < 0);
        CHECK(err && strstr(err->msg, "unexpected end of stream"));
        if (err)
                test_note("%s", err->msg);
        corpus_free(&c);
}

/* A bad CRC32 in the last gzip trailer comes after the tar's end: the unpack still fails. */
TEST(corrupt_gzip_trailer_fails)
{
        struct corpus c = {0};
        if (!corpus_make(&c)) {
                corpus_free(&c);
                test_skip("python3 or the corpus script is missing");
                return;
        }
        _cleanup_free_ char *path = xasprintf("%s/gzip-layer.tar.gz", c.dir);
        struct stat st;
        REQUIRE(stat(path, &st) == 0);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        REQUIRE(fd >= 0);
        uint8_t byte;
        REQUIRE(pread(fd, &byte, 1, st.st_size - 8) == 1);
        byte ^= 0xff;
        REQUIRE(pwrite(fd, &byte, 1, st.st_size - 8) == 1);
        close(fd);
        _cleanup_free_ char *layer = xasprintf("%s/layer", c.tmp);
        REQUIRE(mkdir(layer, 0755) == 0);
        _cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int dest = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_error_ struct error *err = NULL;
        struct layer_unpack_options options = {.rootless = !is_root()};
        struct layer_unpack_result result;
        CHECK(layer_unpack(in, LAYER_COMPRESSION_GZIP, dest, &options, &result, &err) < 0);
        CHECK(err && strstr(err->msg, "checksum"));
        if (err)
                test_note("%s", err->msg);
        corpus_free(&c);
}

/* Through a pipe, as a pull streams a download: the whole input is read. */
TEST(unpack_from_a_pipe)
{
        struct corpus c = {0};
        if (!corpus_make(&c)) {
                corpus_free(&c);
                test_skip("python3 or the corpus script is missing");
                return;
        }
        _cleanup_free_ char *path = xasprintf("%s/data-after-end-of-archive.tar", c.dir);
        _cleanup_free_ char *expect_path = xasprintf("%s/data-after-end-of-archive.expect", c.dir);
        struct expect e;
        REQUIRE(expect_read(expect_path, &e));
        int p[2];
        REQUIRE(pipe(p) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                int in = open(path, O_RDONLY);
                char buf[4096];
                ssize_t n;
                while ((n = read(in, buf, sizeof(buf))) > 0)
                        if (write(p[1], buf, (size_t)n) != n)
                                _exit(1);
                _exit(0);
        }
        close(p[1]);
        _cleanup_free_ char *layer = xasprintf("%s/layer", c.tmp);
        REQUIRE(mkdir(layer, 0755) == 0);
        _cleanup_close_ int dest = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_error_ struct error *err = NULL;
        struct layer_unpack_options options = {.rootless = !is_root()};
        struct layer_unpack_result result = {0};
        CHECK(layer_unpack(p[0], LAYER_COMPRESSION_NONE, dest, &options, &result, &err) == 0);
        int status = -1;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK_STR_EQ(result.diff_id.text, expect_get(&e, "diffid"));
        close(p[0]);
        free(e.text);
        corpus_free(&c);
}
