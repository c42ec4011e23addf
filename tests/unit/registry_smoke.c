/*
 * A manual check of the registry client against a live registry (not a registered unit test:
 * it needs one running). Build and run:
 *   cc -I build -I src -o /tmp/registry_smoke tests/unit/registry_smoke.c \
 *      build/src/registry/libberth-registry.a build/src/oci/libberth-oci.a \
 *      build/src/base/libberth-base.a -lcurl -ljansson -lcrypto
 *   source tests/lib/registry-env.sh; registry_start --token u:p
 *   /tmp/registry_smoke $REGISTRY smoke/test u p
 * It pushes blobs (monolithic and chunked) and a manifest, reads them back (whole and from an
 * offset), mounts a blob into another repository and asks for an unknown tag.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "registry/client.h"

struct buffer {
        char *data;
        size_t len;
        int restarts;
};

static int buffer_sink(void *ctx, const void *data, size_t len, struct error **err)
{
        (void)err;
        struct buffer *b = ctx;
        b->data = xrealloc(b->data, b->len + len + 1);
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return 0;
}

static int buffer_restart(void *ctx, struct error **err)
{
        (void)err;
        struct buffer *b = ctx;
        b->len = 0;
        b->restarts++;
        return 0;
}

static int fail(const char *what, struct error **err)
{
        fprintf(stderr, "FAIL %s: %s\n", what, err && *err ? (*err)->msg : "");
        error_free(err);
        return 1;
}

/* A temporary file holding LEN pseudo-random bytes; *data gets a copy. */
static int make_blob(size_t len, unsigned seed, char **data, struct digest *d)
{
        char path[] = "/tmp/registry-smoke-XXXXXX";
        int fd = mkstemp(path);
        unlink(path);
        *data = xmalloc(len);
        srand(seed);
        for (size_t i = 0; i < len; i++)
                (*data)[i] = (char)rand();
        if (write(fd, *data, len) != (ssize_t)len)
                return -1;
        digest_buffer(DIGEST_SHA256, *data, len, d);
        return fd;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: registry_smoke HOST:PORT REPOSITORY [USER PASS]\n");
                return 2;
        }
        struct registry_options o = {.tls_verify = 0, .auth_file = "/nonexistent/auth.json"};
        if (argc >= 5) {
                o.username = argv[3];
                o.password = argv[4];
        }
        struct error *err = NULL;
        struct registry_client *c = NULL;
        if (registry_client_new(argv[1], argv[2], &o, &c, &err) < 0)
                return fail("new", &err);
        if (registry_ping(c, &err) < 0)
                return fail("ping", &err);
        printf("ok ping\n");

        char *one, *two;
        struct digest d1, d2, dc;
        int fd1 = make_blob(300000, 1, &one, &d1);
        int fd2 = make_blob(250001, 2, &two, &d2);
        int64_t size = -1;
        int rc = registry_blob_exists(c, &d1, &size, &err);
        if (rc < 0)
                return fail("exists", &err);
        printf("ok exists before push: %d\n", rc);
        if (registry_push_blob(c, &d1, fd1, 300000, 0, &err) < 0)
                return fail("push monolithic", &err);
        if (registry_push_blob(c, &d2, fd2, 250001, 100000, &err) < 0)
                return fail("push chunked", &err);
        rc = registry_blob_exists(c, &d2, &size, &err);
        if (rc != 1 || size != 250001)
                return fail("exists after push", &err);
        printf("ok pushed, size %lld\n", (long long)size);
        const char *config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                             "\"layers\",\"diff_ids\":[]}}";
        char cpath[] = "/tmp/registry-smoke-XXXXXX";
        int cfd = mkstemp(cpath);
        unlink(cpath);
        if (write(cfd, config, strlen(config)) < 0)
                return 1;
        digest_buffer(DIGEST_SHA256, config, strlen(config), &dc);
        if (registry_push_blob(c, &dc, cfd, strlen(config), 0, &err) < 0)
                return fail("push config", &err);
        char *manifest = xasprintf(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            "\"digest\":\"%s\",\"size\":%zu},\"layers\":["
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
            "\"size\":300000},"
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
            "\"size\":250001}]}",
            dc.text, strlen(config), d1.text, d2.text);
        if (registry_put_manifest(c, "latest", manifest, strlen(manifest),
                                  "application/vnd.oci.image.manifest.v1+json", &err) < 0)
                return fail("put manifest", &err);
        char *body = NULL, *type = NULL;
        size_t len = 0;
        struct digest md;
        if (registry_get_manifest(c, "latest", &body, &len, &type, &md, &err) < 0)
                return fail("get manifest", &err);
        if (len != strlen(manifest) || memcmp(body, manifest, len) != 0)
                return fail("manifest content", NULL);
        printf("ok manifest %s %s\n", type, md.text);
        free(body);
        free(type);
        if (registry_get_manifest(c, md.text, &body, &len, &type, &md, &err) < 0)
                return fail("get manifest by digest", &err);
        free(body);
        free(type);

        struct buffer b = {0};
        if (registry_fetch_blob(c, &d1, 0, buffer_sink, buffer_restart, &b, &err) < 0)
                return fail("fetch", &err);
        if (b.len != 300000 || memcmp(b.data, one, b.len) != 0)
                return fail("fetch content", NULL);
        b.len = 0;
        if (registry_fetch_blob(c, &d2, 1000, buffer_sink, buffer_restart, &b, &err) < 0)
                return fail("fetch from offset", &err);
        if (b.len != 250001 - 1000 || memcmp(b.data, two + 1000, b.len) != 0)
                return fail("fetch from offset content", NULL);
        printf("ok fetched (restarts %d)\n", b.restarts);

        char *other = xasprintf("%s-mounted", argv[2]);
        struct registry_client *c2 = NULL;
        if (registry_client_new(argv[1], other, &o, &c2, &err) < 0)
                return fail("new 2", &err);
        bool mounted = false;
        if (registry_mount_blob(c2, &d1, argv[2], &mounted, &err) < 0)
                return fail("mount", &err);
        printf("ok mount: %d\n", mounted);
        struct digest nowhere;
        digest_buffer(DIGEST_SHA256, "x", 1, &nowhere);
        if (registry_mount_blob(c2, &nowhere, argv[2], &mounted, &err) < 0)
                return fail("mount of a missing blob", &err);
        printf("ok mount of a missing blob: %d\n", mounted);
        if (registry_get_manifest(c2, "nope", &body, &len, &type, &md, &err) == 0)
                return fail("unknown tag found", NULL);
        printf("ok unknown tag: %s\n", err->msg);
        error_free(&err);
        registry_client_free(c2);
        registry_client_free(c);
        free(other);
        free(manifest);
        free(one);
        free(two);
        free(b.data);
        printf("all ok\n");
        return 0;
}
