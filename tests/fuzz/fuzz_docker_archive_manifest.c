/* docker_archive_manifest_parse: manifest.json of a tar given to `berth load`, and the entry
 * names it lists, cleaned as the loader cleans them. */
#include "fuzz.h"
#include "image_archive.h"

static void clean(const char *name)
{
        struct error *err = NULL;
        char *path = image_archive_clean_path(name, &err);
        fuzz_check_error("image_archive_clean_path", path ? 0 : -1, &err);
        if (path && (path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
                     strstr(path, "/../") ||
                     (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))) {
                fprintf(stderr, "\"%s\" cleaned to \"%s\"\n", name, path);
                abort();
        }
        free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct docker_archive_entry *entries = NULL;
        size_t n = 0;
        struct error *err = NULL;
        int ret = docker_archive_manifest_parse((const char *)data, size, &entries, &n, &err);
        fuzz_check_error("docker_archive_manifest_parse", ret, &err);
        if (ret < 0) {
                if (entries != NULL || n != 0)
                        abort();
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                clean(entries[i].config);
                for (size_t k = 0; k < entries[i].n_layers; k++)
                        clean(entries[i].layers[k]);
        }
        docker_archive_entries_free(entries, n);
        return 0;
}
