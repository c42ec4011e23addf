/*
 * Image references. Data-driven over tests/unit/corpus/image_reference/cases.txt: one case a
 * line, "INPUT EXPECTED", where EXPECTED is the normalised form or ERROR (optionally followed by
 * a text the error must contain); "" stands for the empty input, # starts a comment.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "image_reference.h"
#include "test.h"

static char *corpus_path(const char *name)
{
        const char *dir = getenv("BERTH_TEST_CORPUS");
        return xasprintf("%s/%s", dir ? dir : "tests/unit/corpus", name);
}

static void run_case(unsigned line_number, const char *input, const char *expected)
{
        struct image_reference ref;
        _cleanup_error_ struct error *err = NULL;
        int r = image_reference_parse(input, &ref, &err);
        bool want_error = strncmp(expected, "ERROR", 5) == 0;
        bool ok;
        if (want_error) {
                const char *substring = expected + 5;
                while (*substring == ' ')
                        substring++;
                ok = r < 0 && err && strstr(err->msg, "invalid reference format") &&
                     strstr(err->msg, substring);
                if (!ok)
                        test_note("line %u: \"%s\": %s", line_number, input,
                                  r == 0 ? "accepted" : err->msg);
        } else {
                _cleanup_free_ char *formatted = r == 0 ? image_reference_format(&ref) : NULL;
                ok = formatted && strcmp(formatted, expected) == 0;
                if (!ok)
                        test_note("line %u: \"%s\": got %s", line_number, input,
                                  formatted ? formatted : err->msg);
        }
        test_case(ok, "\"%s\" -> %s", input, expected);
        if (r == 0)
                image_reference_release(&ref);
}

TEST(corpus)
{
        _cleanup_free_ char *path = corpus_path("image_reference/cases.txt");
        _cleanup_error_ struct error *err = NULL;
        _cleanup_free_ char *text = fs_read_file(path, NULL, &err);
        REQUIRE(text != NULL);
        unsigned line_number = 0, cases = 0;
        char *save = NULL;
        /* strtok_r would merge empty lines; count them by hand. */
        for (char *line = text; line && *line; line = save) {
                line_number++;
                char *end = strchr(line, '\n');
                save = end ? end + 1 : NULL;
                if (end)
                        *end = '\0';
                line += strspn(line, " \t");
                if (*line == '\0' || *line == '#')
                        continue;
                size_t input_len = strcspn(line, " \t");
                char *expected = line + input_len;
                expected += strspn(expected, " \t");
                line[input_len] = '\0';
                const char *input = strcmp(line, "\"\"") == 0 ? "" : line;
                if (*expected == '\0') {
                        test_note("line %u: no expectation", line_number);
                        CHECK(false);
                        continue;
                }
                run_case(line_number, input, expected);
                cases++;
        }
        CHECK(cases >= 60);
}

TEST(fields_of_a_short_name)
{
        struct image_reference ref;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(image_reference_parse("busybox", &ref, &err) == 0);
        CHECK_STR_EQ(ref.domain, "docker.io");
        CHECK_STR_EQ(ref.path, "library/busybox");
        CHECK_STR_EQ(ref.tag, "latest");
        CHECK(ref.digest == NULL);
        _cleanup_free_ char *repository = image_reference_repository(&ref);
        CHECK_STR_EQ(repository, "docker.io/library/busybox");
        image_reference_release(&ref);
        CHECK(ref.domain == NULL && ref.path == NULL);
}

TEST(fields_with_port_tag_and_digest)
{
        const char *digest =
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        _cleanup_free_ char *text = xasprintf("127.0.0.1:5000/a/b:1.0@%s", digest);
        struct image_reference ref;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(image_reference_parse(text, &ref, &err) == 0);
        CHECK_STR_EQ(ref.domain, "127.0.0.1:5000");
        CHECK_STR_EQ(ref.path, "a/b");
        CHECK_STR_EQ(ref.tag, "1.0");
        CHECK_STR_EQ(ref.digest, digest);
        _cleanup_free_ char *repository = image_reference_repository(&ref);
        CHECK_STR_EQ(repository, "127.0.0.1:5000/a/b");
        image_reference_release(&ref);

        /* A digest alone leaves the tag out (no "latest"). */
        _cleanup_free_ char *by_digest = xasprintf("busybox@%s", digest);
        REQUIRE(image_reference_parse(by_digest, &ref, &err) == 0);
        CHECK(ref.tag == NULL);
        CHECK_STR_EQ(ref.digest, digest);
        image_reference_release(&ref);
}

TEST(error_names_the_text)
{
        struct image_reference ref;
        _cleanup_error_ struct error *err = NULL;
        REQUIRE(image_reference_parse("Busybox", &ref, &err) < 0);
        REQUIRE(err != NULL);
        CHECK_STR_EQ(err->msg,
                     "invalid reference format \"Busybox\": repository name must be lowercase");
}

TEST(id_prefixes)
{
        CHECK(image_reference_is_id_prefix("abc"));
        CHECK(image_reference_is_id_prefix("0123456789abcdef"));
        CHECK(image_reference_is_id_prefix(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        CHECK(!image_reference_is_id_prefix("ab"));
        CHECK(!image_reference_is_id_prefix(""));
        CHECK(!image_reference_is_id_prefix("busybox"));
        CHECK(!image_reference_is_id_prefix("ABC123"));
        CHECK(!image_reference_is_id_prefix("abc:latest"));
        CHECK(!image_reference_is_id_prefix(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550"));
}
