/* Image archives: reading a tar into the content store, and what save and load share. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "compression.h"
#include "image_archive_internal.h"

/* index.json and manifest.json list images; anything larger is not a real archive. */
#define ARCHIVE_DOCUMENT_MAX (16 << 20)
#define ARCHIVE_BUFFER_SIZE  (1 << 20)

int image_archive_format_parse(const char *text, enum image_archive_format *out, struct error **err)
{
        if (strcmp(text, "docker-archive") == 0)
                *out = IMAGE_ARCHIVE_DOCKER;
        else if (strcmp(text, "oci-archive") == 0)
                *out = IMAGE_ARCHIVE_OCI;
        else
                return error_set(
                    err, 0, "unknown archive format \"%s\" (oci-archive or docker-archive)", text);
        return 0;
}

char *image_archive_clean_path(const char *name, struct error **err)
{
        if (name[0] == '/') {
                error_set(err, 0, "archive entry \"%s\": absolute path", name);
                return NULL;
        }
        size_t len = strlen(name);
        _cleanup_free_ char *out = xmalloc(len + 1);
        size_t o = 0;
        const char *p = name;
        while (*p) {
                const char *slash = strchrnul(p, '/');
                size_t n = (size_t)(slash - p);
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        /* "a//b", "./a": nothing */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        /* Lexically, as a link target in the archive is resolved; the name
                         * must stay inside the archive's top. */
                        if (o == 0) {
                                error_set(err, 0, "archive entry \"%s\": path outside the archive",
                                          name);
                                return NULL;
                        }
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--;
                } else {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = *slash ? slash + 1 : slash;
        }
        out[o] = '\0';
        if (o == 0) {
                error_set(err, 0, "archive entry \"%s\": empty path", name);
                return NULL;
        }
        return steal_pointer(&out);
}

const struct archive_file *archive_contents_find(const struct archive_contents *c, const char *path)
{
        _cleanup_free_ char *current = xstrdup(path);
        for (int depth = 0; depth < 8; depth++) {
                const struct archive_file *found = NULL;
                /* A later entry of the same name replaces an earlier one, as tar extracts. */
                for (size_t i = c->n_files; i > 0; i--)
                        if (strcmp(c->files[i - 1].path, current) == 0) {
                                found = &c->files[i - 1];
                                break;
                        }
                if (!found || !found->link_target)
                        return found;
                free(current);
                current = xstrdup(found->link_target);
        }
        return NULL;
}

bool archive_contents_has_digest(const struct archive_contents *c, const struct digest *digest)
{
        for (size_t i = 0; i < c->n_files; i++)
                if (!c->files[i].link_target && digest_equal(&c->files[i].digest, digest))
                        return true;
        return false;
}

static void archive_contents_release(struct archive_contents *c)
{
        for (size_t i = 0; i < c->n_files; i++) {
                free(c->files[i].path);
                free(c->files[i].link_target);
        }
        free(c->files);
        free(c->index_json);
        free(c->manifest_json);
}

static struct archive_file *archive_contents_add(struct archive_contents *c, char *path)
{
        c->files = xrealloc(c->files, (c->n_files + 1) * sizeof(*c->files));
        struct archive_file *f = &c->files[c->n_files++];
        *f = (struct archive_file){.path = path};
        return f;
}

static int read_error(struct archive *a, const char *what, struct error **err)
{
        int e = archive_errno(a);
        return error_set(err, 0, "%s: %s", what,
                         archive_error_string(a) ? archive_error_string(a)
                                                 : (e > 0 ? strerror(e) : "read error"));
}

/* A small document kept in memory. */
static int read_document(struct archive *a, const char *path, char **out, size_t *len,
                         struct error **err)
{
        size_t cap = 4096, used = 0;
        _cleanup_free_ char *buf = xmalloc(cap);
        for (;;) {
                if (used + 1 >= cap) {
                        if (cap >= ARCHIVE_DOCUMENT_MAX)
                                return error_set(err, 0, "archive entry %s: larger than %d bytes",
                                                 path, ARCHIVE_DOCUMENT_MAX);
                        cap *= 2;
                        buf = xrealloc(buf, cap);
                }
                la_ssize_t r = archive_read_data(a, buf + used, cap - used - 1);
                if (r < 0)
                        return read_error(a, path, err);
                if (r == 0)
                        break;
                used += (size_t)r;
        }
        buf[used] = '\0';
        free(*out);
        *out = steal_pointer(&buf);
        *len = used;
        return 0;
}

/* "blobs/sha256/<hex>" names its digest (image-layout.md#blobs). */
static bool blob_path_digest(const char *path, struct digest *out)
{
        if (strncmp(path, "blobs/", 6) != 0)
                return false;
        const char *alg = path + 6, *slash = strchr(alg, '/');
        if (!slash || strchr(slash + 1, '/'))
                return false;
        _cleanup_free_ char *text = xasprintf("%.*s:%s", (int)(slash - alg), alg, slash + 1);
        struct error *ignored = NULL;
        if (digest_parse(text, out, &ignored) < 0) {
                error_free(&ignored);
                return false;
        }
        return true;
}

/* Streams the entry's data into the content store. With EXPECTED, the content must have that
 * digest (an OCI blob); else the digest is whatever it is (a docker-archive file). */
static int ingest_entry(struct archive *a, struct image_store *store, struct archive_file *f,
                        const struct digest *expected, int64_t size, unsigned char *buf,
                        struct error **err)
{
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        if (content_ingest_begin(store->content, expected, size, &ingest, &status, err) < 0)
                return error_wrap(err, "archive entry %s", f->path);
        if (status == CONTENT_INGEST_RESUME && content_ingest_restart(ingest, err) < 0) {
                content_ingest_abort(ingest, false);
                return error_wrap(err, "archive entry %s", f->path);
        }
        bool first = true;
        for (;;) {
                la_ssize_t r = archive_read_data(a, buf, ARCHIVE_BUFFER_SIZE);
                if (r < 0) {
                        if (ingest)
                                content_ingest_abort(ingest, false);
                        return read_error(a, f->path, err);
                }
                if (r == 0)
                        break;
                if (first) {
                        f->compression = compression_detect(buf, (size_t)r);
                        first = false;
                }
                /* With EXISTS there is nothing to write; the data is still read to sniff it. */
                if (ingest && content_ingest_write(ingest, buf, (size_t)r, err) < 0) {
                        content_ingest_abort(ingest, false);
                        return error_wrap(err, "archive entry %s", f->path);
                }
                if (!ingest)
                        break;
        }
        f->size = size;
        if (!ingest) {
                f->digest = *expected;
                return 0;
        }
        if (content_ingest_commit(ingest, &f->digest, err) < 0)
                return error_wrap(err, "archive entry %s", f->path);
        return 0;
}

/* Legacy docker-archive files nobody reads when manifest.json is there (<id>/json, VERSION). */
static bool legacy_file(const char *path)
{
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        return strcmp(base, "json") == 0 || strcmp(base, "VERSION") == 0;
}

static int read_entries(struct archive *a, struct image_store *store, struct archive_contents *c,
                        struct error **err)
{
        _cleanup_free_ unsigned char *buf = xmalloc(ARCHIVE_BUFFER_SIZE);
        for (;;) {
                struct archive_entry *entry;
                int r = archive_read_next_header(a, &entry);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)
                        return read_error(a, "reading archive", err);
                const char *name = archive_entry_pathname(entry);
                if (!name)
                        return error_set(err, 0, "reading archive: an entry without a name");
                mode_t type = archive_entry_filetype(entry);
                if (type == AE_IFDIR)
                        continue;
                _cleanup_free_ char *path = image_archive_clean_path(name, err);
                if (!path)
                        return -1;
                if (type == AE_IFLNK) {
                        const char *target = archive_entry_symlink(entry);
                        if (!target || target[0] == '/')
                                return error_set(err, 0, "archive entry %s: symlink to \"%s\"",
                                                 path, target ? target : "");
                        const char *slash = strrchr(path, '/');
                        _cleanup_free_ char *joined =
                            xasprintf("%.*s%s%s", slash ? (int)(slash - path) : 0, path,
                                      slash ? "/" : "", target);
                        char *resolved = image_archive_clean_path(joined, err);
                        if (!resolved)
                                return error_wrap(err, "archive entry %s", path);
                        archive_contents_add(c, steal_pointer(&path))->link_target = resolved;
                        continue;
                }
                if (type == AE_IFREG && archive_entry_hardlink(entry)) {
                        /* A hard link repeats an earlier file's content. */
                        _cleanup_free_ char *target =
                            image_archive_clean_path(archive_entry_hardlink(entry), err);
                        if (!target)
                                return -1;
                        archive_contents_add(c, steal_pointer(&path))->link_target =
                            steal_pointer(&target);
                        continue;
                }
                if (type != AE_IFREG)
                        return error_set(err, 0, "archive entry %s: not a regular file", path);

                if (strcmp(path, "index.json") == 0) {
                        if (read_document(a, path, &c->index_json, &c->index_len, err) < 0)
                                return -1;
                } else if (strcmp(path, "manifest.json") == 0) {
                        if (read_document(a, path, &c->manifest_json, &c->manifest_len, err) < 0)
                                return -1;
                } else if (strcmp(path, "oci-layout") == 0) {
                        c->oci_layout = true;
                } else if (strcmp(path, "repositories") == 0 || legacy_file(path)) {
                        /* Skipped: the data is passed over by the next header. */
                } else {
                        struct digest named;
                        bool is_blob = blob_path_digest(path, &named);
                        struct archive_file *f = archive_contents_add(c, steal_pointer(&path));
                        int64_t size =
                            archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
                        if (ingest_entry(a, store, f, is_blob ? &named : NULL, size, buf, err) < 0)
                                return -1;
                }
        }
}

int image_archive_load(struct image_store *store, int fd, struct image_archive_loaded **out,
                       size_t *n, struct error **err)
{
        *out = NULL;
        *n = 0;
        struct archive *a = archive_read_new();
        /* Podman and docker write plain tars; a compressed one (docker load accepts gzip) is
         * read too. */
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_bzip2(a);
        struct archive_contents c = {0};
        int ret = -1;
        if (archive_read_open_fd(a, fd, ARCHIVE_BUFFER_SIZE) != ARCHIVE_OK) {
                read_error(a, "reading archive", err);
                goto out;
        }
        if (read_entries(a, store, &c, err) < 0)
                goto out;
        if (c.index_json)
                ret = image_archive_oci_load(store, &c, out, n, err);
        else if (c.manifest_json)
                ret = image_archive_docker_load(store, &c, out, n, err);
        else
                ret = error_set(err, 0,
                                "not an image archive: neither index.json (OCI layout) nor "
                                "manifest.json (docker-archive)");
out:
        archive_read_free(a);
        archive_contents_release(&c);
        if (ret < 0) {
                image_archive_loaded_free(*out, *n);
                *out = NULL;
                *n = 0;
        }
        return ret;
}

void image_archive_loaded_add(struct image_archive_loaded **out, size_t *n, const struct digest *id,
                              const char *name)
{
        struct image_archive_loaded *l = NULL;
        for (size_t i = 0; i < *n; i++)
                if (digest_equal(&(*out)[i].id, id))
                        l = &(*out)[i];
        if (!l) {
                *out = xrealloc(*out, (*n + 1) * sizeof(**out));
                l = &(*out)[(*n)++];
                l->id = *id;
                l->names = xcalloc(1, sizeof(char *));
        }
        if (!name)
                return;
        size_t k = 0;
        for (; l->names[k]; k++)
                if (strcmp(l->names[k], name) == 0)
                        return;
        l->names = xrealloc(l->names, (k + 2) * sizeof(char *));
        l->names[k] = xstrdup(name);
        l->names[k + 1] = NULL;
}

void image_archive_loaded_free(struct image_archive_loaded *loaded, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                for (char **p = loaded[i].names; p && *p; p++)
                        free(*p);
                free(loaded[i].names);
        }
        free(loaded);
}

static int write_error(struct archive *a, const char *path, struct error **err)
{
        int e = archive_errno(a);
        const char *msg = archive_error_string(a);
        return error_set(err, e > 0 && !msg ? e : 0, "writing %s%s%s", path, msg ? ": " : "",
                         msg ? msg : "");
}

int archive_put_header(struct archive *a, const char *path, int64_t size, struct error **err)
{
        struct archive_entry *entry = archive_entry_new();
        archive_entry_set_pathname(entry, path);
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0444);
        archive_entry_set_size(entry, size);
        archive_entry_set_mtime(entry, 0, 0);
        int r = archive_write_header(a, entry);
        archive_entry_free(entry);
        if (r != ARCHIVE_OK)
                return write_error(a, path, err);
        return 0;
}

int archive_put_data(struct archive *a, const void *data, size_t len, struct error **err)
{
        const char *p = data;
        while (len > 0) {
                la_ssize_t w = archive_write_data(a, p, len);
                if (w <= 0)
                        return write_error(a, "archive", err);
                p += w;
                len -= (size_t)w;
        }
        return 0;
}

int archive_put_buffer(struct archive *a, const char *path, const void *data, size_t len,
                       struct error **err)
{
        if (archive_put_header(a, path, (int64_t)len, err) < 0)
                return -1;
        return archive_put_data(a, data, len, err);
}

int archive_put_blob(struct archive *a, struct image_store *store, const char *path,
                     const struct digest *digest, struct error **err)
{
        int64_t size;
        if (!content_store_has(store->content, digest, &size))
                return error_set(err, 0, "blob %s not found", digest->text);
        _cleanup_close_ int fd = content_store_open_blob(store->content, digest, err);
        if (fd < 0)
                return -1;
        if (archive_put_header(a, path, size, err) < 0)
                return -1;
        _cleanup_free_ char *buf = xmalloc(ARCHIVE_BUFFER_SIZE);
        int64_t left = size;
        while (left > 0) {
                ssize_t r = read(fd, buf, ARCHIVE_BUFFER_SIZE);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return error_set(err, errno, "reading blob %s", digest->text);
                if (r == 0)
                        return error_set(err, 0, "blob %s: shorter than its %lld bytes",
                                         digest->text, (long long)size);
                if (r > left)
                        r = (ssize_t)left;
                if (archive_put_data(a, buf, (size_t)r, err) < 0)
                        return -1;
                left -= r;
        }
        return 0;
}

int image_archive_read_image(struct image_store *store, const struct digest *id,
                             struct oci_manifest *manifest, struct oci_image_config *config,
                             struct error **err)
{
        struct image_record record = {0};
        int found = image_db_get(store->db, id, &record, err);
        if (found <= 0) {
                if (found == 0)
                        error_set(err, 0, "image %s not known", id->text);
                return -1;
        }
        size_t len;
        _cleanup_free_ char *data = content_store_read_blob(store->content, &record.manifest_digest,
                                                            ARCHIVE_DOCUMENT_MAX, &len, err);
        if (!data) {
                image_record_release(&record);
                return -1;
        }
        int ret = oci_manifest_parse(data, len, record.manifest_media_type, manifest, err);
        image_record_release(&record);
        if (ret < 0)
                return -1;
        _cleanup_free_ char *config_data = content_store_read_blob(
            store->content, &manifest->config.digest, ARCHIVE_DOCUMENT_MAX, &len, err);
        if (!config_data || oci_image_config_parse(config_data, len, config, err) < 0) {
                oci_manifest_release(manifest);
                return error_wrap(err, "image %s", id->text);
        }
        return 0;
}

int image_archive_save(struct image_store *store, enum image_archive_format format,
                       const struct image_archive_image *images, size_t n_images, int fd,
                       struct error **err)
{
        struct archive *a = archive_write_new();
        /* pax where ustar cannot say it (long names, sizes over 8 GiB), ustar otherwise: what
         * every tar reader knows. */
        archive_write_set_format_pax_restricted(a);
        archive_write_set_bytes_in_last_block(a, 1);
        int ret = -1;
        if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
                write_error(a, "archive", err);
                goto out;
        }
        if (format == IMAGE_ARCHIVE_OCI)
                ret = image_archive_oci_save(store, images, n_images, a, err);
        else
                ret = image_archive_docker_save(store, images, n_images, a, err);
        if (ret == 0 && archive_write_close(a) != ARCHIVE_OK)
                ret = write_error(a, "archive", err);
out:
        archive_write_free(a);
        return ret;
}
