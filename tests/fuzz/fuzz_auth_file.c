/*
 * auth_file_lookup: auth.json (or docker's config.json) as a user or a tool left it. The input's
 * first line is the repository looked up, the rest the file. After the lookup the file is
 * edited as `berth login` and `logout` edit it (on the same hostile content).
 */
#include "fuzz.h"
#include "registry/auth_file.h"

static char *auth_dir, *auth_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        auth_dir = fuzz_temp_dir();
        auth_path = xasprintf("%s/auth.json", auth_dir);
        /* Only PATH is read when it is given; HOME is set so no user file is ever touched. */
        setenv("HOME", auth_dir, 1);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *newline = memchr(data, '\n', size);
        size_t first_len = newline ? (size_t)(newline - data) : size;
        _cleanup_free_ char *repository = fuzz_string(data, first_len);
        const uint8_t *file = newline ? newline + 1 : data + size;
        fuzz_write_file(auth_path, file, (size_t)(data + size - file));

        struct error *err = NULL;
        char *username = NULL, *password = NULL;
        int ret = auth_file_lookup(auth_path, repository, &username, &password, &err);
        fuzz_check_error("auth_file_lookup", ret, &err);
        if (ret == 1 && (username == NULL || password == NULL))
                abort();
        if (ret != 1 && (username != NULL || password != NULL))
                abort();
        free(username);
        free(password);
        if (ret < 0)
                return 0;

        ret = auth_file_store(auth_path, "fuzz.example:5000", "user", "pass:word", &err);
        fuzz_check_error("auth_file_store", ret, &err);
        ret = auth_file_remove(auth_path, repository, &err);
        fuzz_check_error("auth_file_remove", ret, &err);
        return 0;
}
