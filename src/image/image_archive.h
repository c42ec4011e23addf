/*
 * Images in and out of single tar files: `berth save`, `berth load` and `berth import`.
 *
 * Two archive formats, both read by podman and docker:
 *   - OCI: an image layout (image-spec image-layout.md) as a tar: oci-layout, index.json,
 *     blobs/sha256/<hex>. The blobs are copied as stored (compressed layers stay compressed).
 *     Each index.json entry carries the image's name as org.opencontainers.image.ref.name (as
 *     podman writes it: the full name) and io.containerd.image.name (as containerd reads it).
 *   - docker-archive: what `podman save` writes (and `docker load` reads): manifest.json
 *     ([{Config, RepoTags, Layers}]), repositories, <config hex>.json and one uncompressed
 *     <diff_id hex>.tar per layer (docker-archive layers are plain tars: their digest is their
 *     diff_id).
 *
 * Loading reads the tar as a stream (stdin works): every blob-like entry is ingested into the
 * content store as it goes by (an OCI blob against the digest its path names, so a mismatch is
 * an error), then the index or manifest.json says which images the archive holds. Layers of a
 * docker-archive are stored as they are, uncompressed, under the OCI media type
 * application/vnd.oci.image.layer.v1.tar (a compressed one keeps its compression), in an OCI
 * manifest berth builds (the config is docker's, which is a superset of OCI's). Entry names are
 * never used as file system paths; a name that is absolute or goes up with ".." is refused. A
 * failed load records no image; blobs it ingested stay until garbage collection.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/digest.h"
#include "base/error.h"
#include "image_store.h"

enum image_archive_format {
        IMAGE_ARCHIVE_DOCKER, /* "docker-archive" (podman's default) */
        IMAGE_ARCHIVE_OCI,    /* "oci-archive" */
};

/* "docker-archive" / "oci-archive" (podman's --format names). */
int image_archive_format_parse(const char *text, enum image_archive_format *out,
                               struct error **err);

/* One image to save: its ID and the names to write for it (may be none: the archive then
 * carries the image without a name, as docker does when saving by ID). */
struct image_archive_image {
        struct digest id;
        const char *const *names;
        size_t n_names;
};

/* Writes the images as one archive to FD (not closed). The caller holds the store lock shared. */
int image_archive_save(struct image_store *store, enum image_archive_format format,
                       const struct image_archive_image *images, size_t n_images, int fd,
                       struct error **err);

/* One image found in a loaded archive. */
struct image_archive_loaded {
        struct digest id;
        char **names; /* normalised, NULL-terminated (empty when the archive names none) */
};
void image_archive_loaded_free(struct image_archive_loaded *loaded, size_t n);

/* Reads an archive (either format, told apart by its content) from FD to its end and installs
 * every image in it. *out is a new array of *n entries. The caller holds the store lock shared. */
int image_archive_load(struct image_store *store, int fd, struct image_archive_loaded **out,
                       size_t *n, struct error **err);

/* `berth import`: a root filesystem tar (uncompressed, gzip, zstd, xz or bzip2: detected) made
 * into a one-layer image. */
struct image_import_options {
        const char *const *changes; /* "CMD [\"sh\"]", "ENV=A=b", ... (podman's --change) */
        size_t n_changes;
        const char *message; /* the history comment, or NULL */
        const char *name;    /* normalised name to give the image, or NULL */
};
/* Reads FD to its end; *image_id gets the config digest. The caller holds the store lock shared. */
int image_import(struct image_store *store, int fd, const struct image_import_options *options,
                 struct digest *image_id, struct error **err);

/* Applies one Dockerfile-style instruction to an image config's "config" object, as podman's
 * --change does: CMD, ENTRYPOINT (JSON array or shell form, run with /bin/sh -c), ENV (K=V or
 * K V), EXPOSE (PORT[/PROTO]...), LABEL (K=V...), USER, VOLUME, WORKDIR, STOPSIGNAL. The
 * instruction and its argument are separated by a space or by '=': "CMD=/bin/sh". Errors name
 * the change: "change \"FOO x\": unknown instruction FOO". */
int image_config_apply_change(json_t *config, const char *change, struct error **err);

/* The parsed manifest.json of a docker-archive (pure, for the loader and for tests). */
struct docker_archive_entry {
        char *config;     /* path in the archive */
        char **repo_tags; /* as written, NULL-terminated */
        char **layers;    /* paths, n_layers of them */
        size_t n_layers;
};
int docker_archive_manifest_parse(const char *data, size_t len, struct docker_archive_entry **out,
                                  size_t *n, struct error **err);
void docker_archive_entries_free(struct docker_archive_entry *entries, size_t n);

/* An archive entry name made canonical: leading "./" and repeated or trailing slashes dropped.
 * NULL (with *err) for an absolute name or one with a ".." component. Newly allocated. */
char *image_archive_clean_path(const char *name, struct error **err);
