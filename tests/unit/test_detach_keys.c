/* Detach keys: docker's syntax and the escape matcher of attach, run -it and start -ai. */
#include <string.h>

#include "detach_keys.h"
#include "error.h"
#include "test.h"

static bool parse(const char *text, struct detach_keys *k)
{
        struct error *err = NULL;
        int rc = detach_keys_parse(text, k, &err);
        error_free(&err);
        return rc == 0;
}

TEST(default_is_ctrl_p_ctrl_q)
{
        struct detach_keys k;
        REQUIRE(parse(DETACH_KEYS_DEFAULT, &k));
        CHECK_INT_EQ(k.n, 2);
        CHECK_INT_EQ(k.keys[0], 16);
        CHECK_INT_EQ(k.keys[1], 17);
}

TEST(syntax)
{
        struct detach_keys k;
        REQUIRE(parse("ctrl-a,x", &k));
        CHECK_INT_EQ(k.n, 2);
        CHECK_INT_EQ(k.keys[0], 1);
        CHECK_INT_EQ(k.keys[1], 'x');
        REQUIRE(parse("CTRL-Z,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", &k));
        CHECK_INT_EQ(k.n, 7);
        CHECK_INT_EQ(k.keys[0], 26);
        CHECK_INT_EQ(k.keys[1], 0);
        CHECK_INT_EQ(k.keys[2], 27);
        CHECK_INT_EQ(k.keys[3], 28);
        CHECK_INT_EQ(k.keys[4], 29);
        CHECK_INT_EQ(k.keys[5], 30);
        CHECK_INT_EQ(k.keys[6], 31);
        REQUIRE(parse("", &k));
        CHECK_INT_EQ(k.n, 0);
        CHECK(!parse("ctrl-1", &k));
        CHECK(!parse("ab", &k));
        CHECK(!parse("ctrl-", &k));
        CHECK(!parse(",", &k));
}

static bool feed(struct detach_keys *k, const char *in, char *out)
{
        size_t len = 0;
        bool detach =
            detach_keys_feed(k, (const unsigned char *)in, strlen(in), (unsigned char *)out, &len);
        out[len] = '\0';
        return detach;
}

TEST(matching)
{
        struct detach_keys k;
        char out[64];
        REQUIRE(parse("ctrl-p,ctrl-q", &k));
        CHECK(!feed(&k, "ls\r", out));
        CHECK_STR_EQ(out, "ls\r");
        /* a lone ctrl-p is held back, then released with what follows */
        CHECK(!feed(&k, "a\x10", out));
        CHECK_STR_EQ(out, "a");
        CHECK(!feed(&k, "b", out));
        CHECK_STR_EQ(out, "\x10"
                          "b");
        /* ctrl-p ctrl-p ctrl-q: the first goes out, the pair detaches */
        CHECK(feed(&k, "x\x10\x10\x11tail", out));
        CHECK_STR_EQ(out, "x\x10");
        /* across reads */
        REQUIRE(parse("ctrl-a,x", &k));
        CHECK(!feed(&k, "\x01", out));
        CHECK_STR_EQ(out, "");
        CHECK(feed(&k, "x", out));
        /* disabled */
        REQUIRE(parse("", &k));
        CHECK(!feed(&k, "\x10\x11", out));
        CHECK_STR_EQ(out, "\x10\x11");
}
