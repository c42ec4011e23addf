/* The monitor's k8s-file log writer: F and P entries, timestamps, rotation to .1. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "k8s_log.h"
#include "test.h"

static char *temp_log_path(void)
{
        char *dir = xstrdup("/tmp/berth-unit-XXXXXX");
        if (mkdtemp(dir) == NULL) {
                free(dir);
                return NULL;
        }
        char *path = xasprintf("%s/ctr.log", dir);
        free(dir);
        return path;
}

static void remove_log(char *path)
{
        char *rotated = xasprintf("%s.1", path);
        unlink(rotated);
        unlink(path);
        *strrchr(path, '/') = '\0';
        rmdir(path);
        free(rotated);
        free(path);
}

/* The file without the timestamps: "stdout F text\n" per entry. Checks each timestamp. */
static char *entries_of(const char *path)
{
        size_t len;
        char *text = fs_read_file(path, &len, NULL);
        if (text == NULL)
                return xstrdup("<missing>");
        regex_t stamp;
        regcomp(&stamp, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z $",
                REG_EXTENDED | REG_NOSUB);
        char *out = xcalloc(len + 1, 1), *o = out;
        for (char *line = text; *line;) {
                char *end = strchr(line, '\n');
                char *space = strchr(line, ' ');
                if (end == NULL || space == NULL || space > end) {
                        strcpy(o, "<bad entry>");
                        break;
                }
                char saved = space[1];
                space[1] = '\0';
                if (regexec(&stamp, line, 0, NULL, 0) != 0) {
                        strcpy(o, "<bad time>");
                        break;
                }
                space[1] = saved;
                memcpy(o, space + 1, (size_t)(end - space));
                o += end - space;
                line = end + 1;
        }
        regfree(&stamp);
        free(text);
        return out;
}

static long long size_of(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? st.st_size : -1;
}

TEST(k8s_log_full_and_partial_lines)
{
        char *path = temp_log_path();
        REQUIRE(path != NULL);
        struct k8s_log log;
        struct error *err = NULL;
        REQUIRE(k8s_log_open(&log, path, 0, &err) == 0);
        CHECK(k8s_log_write(&log, "stdout", "one\npart", 8, &err) == 0);
        CHECK(k8s_log_write(&log, "stdout", "ial\n\n", 5, &err) == 0);
        CHECK(k8s_log_write(&log, "stderr", "err\n", 4, &err) == 0);
        k8s_log_release(&log);
        char *entries = entries_of(path);
        CHECK_STR_EQ(entries,
                     "stdout F one\nstdout P part\nstdout F ial\nstdout F \nstderr F err\n");
        free(entries);
        remove_log(path);
}

TEST(k8s_log_appends_to_an_existing_file)
{
        char *path = temp_log_path();
        REQUIRE(path != NULL);
        struct k8s_log log;
        struct error *err = NULL;
        REQUIRE(k8s_log_open(&log, path, 0, &err) == 0);
        CHECK(k8s_log_write(&log, "stdout", "first\n", 6, &err) == 0);
        k8s_log_release(&log);
        REQUIRE(k8s_log_open(&log, path, 0, &err) == 0);
        CHECK(k8s_log_write(&log, "stdout", "second\n", 7, &err) == 0);
        k8s_log_release(&log);
        char *entries = entries_of(path);
        CHECK_STR_EQ(entries, "stdout F first\nstdout F second\n");
        free(entries);
        remove_log(path);
}

TEST(k8s_log_rotates_before_an_entry_would_pass_the_limit)
{
        char *path = temp_log_path();
        REQUIRE(path != NULL);
        char *rotated = xasprintf("%s.1", path);
        struct k8s_log log;
        struct error *err = NULL;
        /* An entry is 31 (time and space) + 9 ("stdout F ") + 6 + 1 = 47 bytes: two fit. */
        REQUIRE(k8s_log_open(&log, path, 100, &err) == 0);
        CHECK(k8s_log_write(&log, "stdout", "line 1\nline 2\nline 3\n", 21, &err) == 0);
        CHECK(size_of(path) == 47);
        CHECK(size_of(rotated) == 94);
        CHECK(k8s_log_write(&log, "stdout", "line 4\nline 5\n", 14, &err) == 0);
        char *older = entries_of(rotated), *newer = entries_of(path);
        CHECK_STR_EQ(older, "stdout F line 3\nstdout F line 4\n");
        CHECK_STR_EQ(newer, "stdout F line 5\n");
        free(older);
        free(newer);
        k8s_log_release(&log);
        free(rotated);
        remove_log(path);
}

TEST(k8s_log_writes_an_entry_longer_than_its_buffer_and_the_limit_whole)
{
        char *path = temp_log_path();
        REQUIRE(path != NULL);
        size_t n = K8S_LOG_BUFFER * 2 + 10;
        char *text = xmalloc(n + 1);
        memset(text, 'x', n);
        text[n] = '\n';
        struct k8s_log log;
        struct error *err = NULL;
        REQUIRE(k8s_log_open(&log, path, 1000, &err) == 0);
        CHECK(k8s_log_write(&log, "stdout", "a\n", 2, &err) == 0);
        CHECK(k8s_log_write(&log, "stdout", text, n + 1, &err) == 0);
        k8s_log_release(&log);
        CHECK(size_of(path) == (long long)(31 + 9 + n + 1));
        free(text);
        remove_log(path);
}
