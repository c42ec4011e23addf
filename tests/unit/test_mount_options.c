/* src/runtime/mount_options: config.md mount options (mount(8) names) turned into the flags,
 * propagation and data of mount(2). One table of cases, each its own TAP line. */
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>

#include "alloc.h"
#include "mount_options.h"
#include "test.h"

struct mount_case {
        const char *options; /* space-separated, as the elements of the "options" array */
        unsigned long flags;
        unsigned long propagation;
        bool bind;
        bool recursive;
        const char *data; /* NULL: no data at all */
};

static const struct mount_case mount_cases[] = {
    /* Nothing at all. */
    {"", 0, 0, false, false, NULL},
    /* ro and rw override each other, the last one wins. */
    {"ro", MS_RDONLY, 0, false, false, NULL},
    {"rw", 0, 0, false, false, NULL},
    {"ro rw", 0, 0, false, false, NULL},
    {"rw ro", MS_RDONLY, 0, false, false, NULL},
    {"ro rw ro", MS_RDONLY, 0, false, false, NULL},
    /* Each flag and its opposite. */
    {"nosuid", MS_NOSUID, 0, false, false, NULL},
    {"nosuid suid", 0, 0, false, false, NULL},
    {"suid nosuid", MS_NOSUID, 0, false, false, NULL},
    {"nodev", MS_NODEV, 0, false, false, NULL},
    {"nodev dev", 0, 0, false, false, NULL},
    {"noexec", MS_NOEXEC, 0, false, false, NULL},
    {"noexec exec", 0, 0, false, false, NULL},
    {"nosuid nodev noexec", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, false, false, NULL},
    {"sync", MS_SYNCHRONOUS, 0, false, false, NULL},
    {"sync async", 0, 0, false, false, NULL},
    {"dirsync", MS_DIRSYNC, 0, false, false, NULL},
    {"mand", MS_MANDLOCK, 0, false, false, NULL},
    {"mand nomand", 0, 0, false, false, NULL},
    {"lazytime", MS_LAZYTIME, 0, false, false, NULL},
    {"silent", MS_SILENT, 0, false, false, NULL},
    {"silent loud", 0, 0, false, false, NULL},
    {"remount", MS_REMOUNT, 0, false, false, NULL},
    /* Access times. */
    {"relatime", MS_RELATIME, 0, false, false, NULL},
    {"relatime norelatime", 0, 0, false, false, NULL},
    {"strictatime", MS_STRICTATIME, 0, false, false, NULL},
    {"strictatime nostrictatime", 0, 0, false, false, NULL},
    {"noatime", MS_NOATIME, 0, false, false, NULL},
    {"noatime atime", 0, 0, false, false, NULL},
    {"nodiratime", MS_NODIRATIME, 0, false, false, NULL},
    {"nodiratime diratime", 0, 0, false, false, NULL},
    {"relatime strictatime", MS_RELATIME | MS_STRICTATIME, 0, false, false, NULL},
    /* Bind mounts: bind is not recursive, rbind is; the last one wins. */
    {"bind", 0, 0, true, false, NULL},
    {"rbind", 0, 0, true, true, NULL},
    {"bind rbind", 0, 0, true, true, NULL},
    {"rbind bind", 0, 0, true, false, NULL},
    {"rbind ro", MS_RDONLY, 0, true, true, NULL},
    /* Propagation goes apart from the flags; the last one wins. */
    {"private", 0, MS_PRIVATE, false, false, NULL},
    {"rprivate", 0, MS_PRIVATE | MS_REC, false, false, NULL},
    {"shared", 0, MS_SHARED, false, false, NULL},
    {"rshared", 0, MS_SHARED | MS_REC, false, false, NULL},
    {"slave", 0, MS_SLAVE, false, false, NULL},
    {"rslave", 0, MS_SLAVE | MS_REC, false, false, NULL},
    {"unbindable", 0, MS_UNBINDABLE, false, false, NULL},
    {"runbindable", 0, MS_UNBINDABLE | MS_REC, false, false, NULL},
    {"rprivate slave", 0, MS_SLAVE, false, false, NULL},
    {"rshared private", 0, MS_PRIVATE, false, false, NULL},
    /* What the filesystem gets, in the order given. */
    {"size=64k mode=1777", 0, 0, false, false, "size=64k,mode=1777"},
    {"uid=5", 0, 0, false, false, "uid=5"},
    {"mode=755 size=65536k", 0, 0, false, false, "mode=755,size=65536k"},
    {"newinstance ptmxmode=0666 mode=0620 gid=5", 0, 0, false, false,
     "newinstance,ptmxmode=0666,mode=0620,gid=5"},
    /* Mount names are case-sensitive, as in mount(8): these reach the filesystem. */
    {"RO", 0, 0, false, false, "RO"},
    {"rbind2", 0, 0, false, false, "rbind2"},
    /* Accepted and ignored. */
    {"defaults", 0, 0, false, false, NULL},
    {"tmpcopyup", 0, 0, false, false, NULL},
    {"defaults _netdev nofail auto noauto user nouser", 0, 0, false, false, NULL},
    {"defaults size=1m tmpcopyup", 0, 0, false, false, "size=1m"},
    /* As config.json's default mounts have them. */
    {"nosuid strictatime mode=755 size=65536k", MS_NOSUID | MS_STRICTATIME, 0, false, false,
     "mode=755,size=65536k"},
    {"nosuid noexec newinstance ptmxmode=0666 mode=0620 gid=5", MS_NOSUID | MS_NOEXEC, 0, false,
     false, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
    {"nosuid noexec nodev mode=1777 size=65536k", MS_NOSUID | MS_NOEXEC | MS_NODEV, 0, false, false,
     "mode=1777,size=65536k"},
    {"nosuid noexec nodev relatime ro", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY,
     0, false, false, NULL},
    {"rbind rprivate ro nosuid nodev", MS_RDONLY | MS_NOSUID | MS_NODEV, MS_PRIVATE | MS_REC, true,
     true, NULL},
    {"rw rbind rslave tmpcopyup uid=1000 nosuid", MS_NOSUID, MS_SLAVE | MS_REC, true, true,
     "uid=1000"},
};

/* Splits "a b c" into a NULL-terminated array of new strings. */
static char **split_words(const char *text, size_t *n)
{
        char **words = xcalloc(strlen(text) / 2 + 2, sizeof(char *));
        *n = 0;
        for (const char *p = text; *p;) {
                while (*p == ' ')
                        p++;
                size_t len = strcspn(p, " ");
                if (len)
                        words[(*n)++] = xstrndup(p, len);
                p += len;
        }
        return words;
}

static void free_words(char **words, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(words[i]);
        free(words);
}

static bool same_data(const char *a, const char *b)
{
        if (a == NULL || b == NULL)
                return a == b;
        return strcmp(a, b) == 0;
}

static void check_case(const struct mount_case *c)
{
        size_t n;
        char **words = split_words(c->options, &n);
        struct mount_options opts;
        mount_options_parse(&opts, words, n);
        bool ok = opts.flags == c->flags && opts.propagation == c->propagation &&
                  opts.bind == c->bind && opts.recursive == c->recursive &&
                  same_data(opts.data, c->data);
        if (!ok)
                test_note("\"%s\": flags %#lx propagation %#lx bind %d recursive %d data \"%s\"; "
                          "want %#lx %#lx %d %d \"%s\"",
                          c->options, opts.flags, opts.propagation, opts.bind, opts.recursive,
                          opts.data ? opts.data : "(null)", c->flags, c->propagation, c->bind,
                          c->recursive, c->data ? c->data : "(null)");
        test_case(ok, "mount options \"%s\"", c->options);
        mount_options_release(&opts);
        free_words(words, n);
}

TEST(mount_options_table)
{
        for (size_t i = 0; i < ARRAY_SIZE(mount_cases); i++)
                check_case(&mount_cases[i]);
}

TEST(mount_options_parse_resets_output)
{
        /* Whatever was in the struct before is not kept (nor freed: it is not ours). */
        char stale[] = "stale";
        struct mount_options opts = {.flags = MS_RDONLY,
                                     .propagation = MS_SHARED,
                                     .bind = true,
                                     .recursive = true,
                                     .data = stale};
        char *none[] = {NULL};
        mount_options_parse(&opts, none, 0);
        CHECK_INT_EQ(opts.flags, 0);
        CHECK_INT_EQ(opts.propagation, 0);
        CHECK(!opts.bind);
        CHECK(!opts.recursive);
        CHECK(opts.data == NULL);
}

TEST(mount_options_release_twice)
{
        char *words[] = {"size=1k", "mode=700"};
        struct mount_options opts;
        mount_options_parse(&opts, words, ARRAY_SIZE(words));
        CHECK_STR_EQ(opts.data, "size=1k,mode=700");
        mount_options_release(&opts);
        CHECK(opts.data == NULL);
        mount_options_release(&opts);
        CHECK(opts.data == NULL);
}

TEST(mount_options_long_data)
{
        /* Many unknown options: the data buffer grows and keeps every one, in order. */
        enum { COUNT = 200 };
        char *words[COUNT];
        for (size_t i = 0; i < COUNT; i++)
                words[i] = xasprintf("opt%zu=%zu", i, i * 7);
        struct mount_options opts;
        mount_options_parse(&opts, words, COUNT);
        REQUIRE(opts.data != NULL);
        const char *p = opts.data;
        bool ok = true;
        for (size_t i = 0; i < COUNT && ok; i++) {
                size_t len = strlen(words[i]);
                ok = strncmp(p, words[i], len) == 0 && p[len] == (i + 1 < COUNT ? ',' : '\0');
                p += len + 1;
        }
        CHECK(ok);
        mount_options_release(&opts);
        for (size_t i = 0; i < COUNT; i++)
                free(words[i]);
}

static const struct {
        const char *name;
        unsigned long flags;
} propagation_cases[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static const char *const bad_propagations[] = {
    "",   "RPRIVATE",  "rprivate ", " private", "rbind",   "bind",
    "ro", "recursive", "r",         "privat",   "sharedx",
};

TEST(mount_propagation_parse_names)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagation_cases); i++) {
                unsigned long flags = 0;
                int rc = mount_propagation_parse(propagation_cases[i].name, &flags);
                bool ok = rc == 0 && flags == propagation_cases[i].flags;
                if (!ok)
                        test_note("%s: rc %d flags %#lx", propagation_cases[i].name, rc, flags);
                test_case(ok, "propagation \"%s\"", propagation_cases[i].name);
        }
}

TEST(mount_propagation_parse_rejects)
{
        for (size_t i = 0; i < ARRAY_SIZE(bad_propagations); i++) {
                unsigned long flags = 0xdead;
                int rc = mount_propagation_parse(bad_propagations[i], &flags);
                /* A refused name leaves flags as they were. */
                test_case(rc == -1 && flags == 0xdead, "propagation \"%s\" is refused",
                          bad_propagations[i]);
        }
}
