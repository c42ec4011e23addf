/*
 * What the harnesses share: the input as a C string, the error contract every parser keeps
 * (failure: -1 and a non-empty message; success: no error), and a memfd holding the input for
 * the readers that take a file descriptor. A broken contract aborts, which libFuzzer reports
 * as a crash with the input that caused it.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* DATA up to its first NUL, NUL-terminated, newly allocated: what a C string API can be given. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
        return xstrndup((const char *)data, size);
}

/* RET < 0 must come with an error message; RET >= 0 with none. Frees the error. */
static inline void fuzz_check_error(const char *what, int ret, struct error **err)
{
        if (ret < 0 && (*err == NULL || (*err)->msg == NULL || (*err)->msg[0] == '\0')) {
                fprintf(stderr, "%s failed without an error message\n", what);
                abort();
        }
        if (ret >= 0 && *err != NULL) {
                fprintf(stderr, "%s succeeded but left an error: %s\n", what, (*err)->msg);
                abort();
        }
        error_free(err);
}

/* A memfd holding DATA, positioned at its start. */
static inline int fuzz_memfd(const uint8_t *data, size_t size)
{
        int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        size_t done = 0;
        while (done < size) {
                ssize_t n = write(fd, data + done, size - done);
                if (n <= 0)
                        abort();
                done += (size_t)n;
        }
        if (lseek(fd, 0, SEEK_SET) != 0)
                abort();
        return fd;
}

/* Writes DATA to PATH, replacing what it held. */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
        FILE *f = fopen(path, "w");
        if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
                abort();
}

static char *fuzz_temp_dir_path;

static inline void fuzz_temp_dir_remove(void)
{
        struct error *err = NULL;
        fs_remove_tree(fuzz_temp_dir_path, &err);
        error_free(&err);
}

/* A new directory under $TMPDIR (or /tmp) for the whole fuzzing process, removed at its exit
 * (libFuzzer exits through exit(), also after a crash it reports). Call it once. */
static inline char *fuzz_temp_dir(void)
{
        const char *tmp = getenv("TMPDIR");
        fuzz_temp_dir_path = xasprintf("%s/berth-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(fuzz_temp_dir_path) == NULL)
                abort();
        atexit(fuzz_temp_dir_remove);
        return fuzz_temp_dir_path;
}
