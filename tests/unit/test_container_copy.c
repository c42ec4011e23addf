/* berth cp: docker's rules for where SRC lands at DEST. */
#include <string.h>

#include "container_copy.h"
#include "error.h"
#include "test.h"

/* "PARENT|NAME" (NAME "*" for contents), or "error". */
static char *plan(const char *src, bool dir, const char *dest, enum copy_dest_kind kind)
{
        static char out[256];
        struct copy_target t;
        struct error *err = NULL;
        if (copy_plan(src, dir, dest, kind, &t, &err) < 0) {
                error_free(&err);
                return strcpy(out, "error");
        }
        snprintf(out, sizeof(out), "%s|%s", t.parent, t.name ? t.name : "*");
        copy_target_release(&t);
        return out;
}

TEST(file_source)
{
        CHECK_STR_EQ(plan("/etc/hosts", false, "/tmp", COPY_DEST_DIR), "/tmp|hosts");
        CHECK_STR_EQ(plan("/etc/hosts", false, "/tmp/", COPY_DEST_DIR), "/tmp/|hosts");
        CHECK_STR_EQ(plan("/etc/hosts", false, "/tmp/x", COPY_DEST_MISSING), "/tmp|x");
        CHECK_STR_EQ(plan("/etc/hosts", false, "x", COPY_DEST_MISSING), ".|x");
        CHECK_STR_EQ(plan("/etc/hosts", false, "/tmp/f", COPY_DEST_OTHER), "/tmp|f");
        /* a missing DEST ending in / must be a directory that exists */
        CHECK_STR_EQ(plan("/etc/hosts", false, "/tmp/x/", COPY_DEST_MISSING), "error");
        CHECK_STR_EQ(plan("/etc/hosts", false, "/tmp/f/", COPY_DEST_OTHER), "error");
}

TEST(directory_source)
{
        CHECK_STR_EQ(plan("/etc", true, "/tmp", COPY_DEST_DIR), "/tmp|etc");
        CHECK_STR_EQ(plan("/etc/", true, "/tmp", COPY_DEST_DIR), "/tmp|etc");
        /* "/." copies the contents */
        CHECK_STR_EQ(plan("/etc/.", true, "/tmp", COPY_DEST_DIR), "/tmp|*");
        CHECK_STR_EQ(plan("/", true, "/tmp", COPY_DEST_DIR), "/tmp|*");
        /* a missing DEST is created with the contents, with or without "/." */
        CHECK_STR_EQ(plan("/etc", true, "/tmp/new", COPY_DEST_MISSING), "/tmp|new");
        CHECK_STR_EQ(plan("/etc/.", true, "/tmp/new/", COPY_DEST_MISSING), "/tmp|new");
        /* never onto a file */
        CHECK_STR_EQ(plan("/etc", true, "/tmp/f", COPY_DEST_OTHER), "error");
        CHECK_STR_EQ(plan("/etc", true, "/", COPY_DEST_MISSING), "error");
}
