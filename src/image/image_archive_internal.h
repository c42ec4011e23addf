/*
 * What image_archive.c shares with the two formats (image_archive_oci.c,
 * image_archive_docker.c): the entries a load found, and tar writing helpers for save.
 */
#pragma once
#include <archive.h>
#include <stdbool.h>
#include <stdint.h>

#include "image_archive.h"
#include "oci/image_manifest.h"
#include "oci/media_type.h"

/* One entry of a loaded archive: a regular file ingested into the content store, or a symlink
 * (docker-archive's legacy <id>/layer.tar links to the layer file). */
struct archive_file {
        char *path;        /* canonical (image_archive_clean_path) */
        char *link_target; /* canonical path a symlink points at, or NULL for a file */
        struct digest digest;
        int64_t size;
        enum layer_compression compression; /* sniffed from the first bytes */
};

struct archive_contents {
        struct archive_file *files;
        size_t n_files;
        char *index_json; /* the small documents, NUL-terminated, or NULL when absent */
        size_t index_len;
        char *manifest_json;
        size_t manifest_len;
        bool oci_layout;
};

/* The file at PATH, following symlinks (a few levels); NULL when the archive has none. */
const struct archive_file *archive_contents_find(const struct archive_contents *c,
                                                 const char *path);
/* Whether a file with DIGEST came in the archive. */
bool archive_contents_has_digest(const struct archive_contents *c, const struct digest *digest);

/* Adds LOADED's NAME (may be NULL) for image ID to the list *out of *n, merging by ID. */
void image_archive_loaded_add(struct image_archive_loaded **out, size_t *n, const struct digest *id,
                              const char *name);

int image_archive_oci_load(struct image_store *store, const struct archive_contents *c,
                           struct image_archive_loaded **out, size_t *n, struct error **err);
int image_archive_docker_load(struct image_store *store, const struct archive_contents *c,
                              struct image_archive_loaded **out, size_t *n, struct error **err);

int image_archive_oci_save(struct image_store *store, const struct image_archive_image *images,
                           size_t n_images, struct archive *a, struct error **err);
int image_archive_docker_save(struct image_store *store, const struct image_archive_image *images,
                              size_t n_images, struct archive *a, struct error **err);

/* Tar writing: a regular file (mode 0444, owner 0:0, mtime 0, so that saving the same image
 * twice gives the same archive) from a buffer, or from a stored blob copied as it is. */
int archive_put_buffer(struct archive *a, const char *path, const void *data, size_t len,
                       struct error **err);
int archive_put_blob(struct archive *a, struct image_store *store, const char *path,
                     const struct digest *digest, struct error **err);
/* Writes a header for a file of SIZE bytes; the data follows with archive_put_data. */
int archive_put_header(struct archive *a, const char *path, int64_t size, struct error **err);
int archive_put_data(struct archive *a, const void *data, size_t len, struct error **err);

/* Reads the manifest of stored image ID (record, manifest, config); the caller releases them. */
int image_archive_read_image(struct image_store *store, const struct digest *id,
                             struct oci_manifest *manifest, struct oci_image_config *config,
                             struct error **err);
