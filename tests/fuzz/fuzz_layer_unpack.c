/*
 * layer_unpack: a layer tar (uncompressed) unpacked into a fresh directory per run, which is
 * removed afterwards. Rootless mode: the harness runs as root on the host's /tmp and must not
 * create device nodes a later entry could write through. After the unpack, nothing may have
 * appeared beside the destination (the sentinel directory holds only what the harness put there).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "fuzz.h"
#include "layer_unpack.h"

static char *top;     /* the process's temp dir */
static char *outside; /* top/outside: one file, "sentinel" */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        top = fuzz_temp_dir();
        outside = xasprintf("%s/outside", top);
        if (mkdir(outside, 0755) < 0)
                abort();
        _cleanup_free_ char *sentinel = xasprintf("%s/sentinel", outside);
        fuzz_write_file(sentinel, (const uint8_t *)"x", 1);
        return 0;
}

static size_t count_entries(const char *path)
{
        DIR *d = opendir(path);
        if (d == NULL)
                abort();
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *dest = xasprintf("%s/layer", top);
        if (mkdir(dest, 0755) < 0)
                abort();
        int dirfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = fuzz_memfd(data, size);
        if (dirfd < 0)
                abort();

        struct layer_unpack_options options = {.rootless = true};
        struct layer_unpack_result result;
        struct error *err = NULL;
        int ret = layer_unpack(fd, LAYER_COMPRESSION_NONE, dirfd, &options, &result, &err);
        fuzz_check_error("layer_unpack", ret, &err);
        if (ret == 0 && result.uncompressed_size != size) {
                fprintf(stderr, "layer of %zu bytes read as %llu\n", size,
                        (unsigned long long)result.uncompressed_size);
                abort();
        }
        close(fd);
        close(dirfd);

        if (count_entries(top) != 2 || count_entries(outside) != 1) {
                fprintf(stderr, "the layer wrote outside its directory (%s)\n", top);
                abort();
        }
        if (fs_remove_tree(dest, &err) < 0) {
                fprintf(stderr, "remove %s: %s\n", dest, err->msg);
                abort();
        }
        return 0;
}
