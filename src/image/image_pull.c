/* `berth pull` (see image_pull.h). */
#include "image_pull.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "image_install.h"
#include "layer_unpack.h"
#include "oci/media_type.h"

#define CONFIG_MAX (32u << 20)
#define PIPE_SIZE  (1u << 20)

struct pull;

/* One layer to bring in. */
struct pull_job {
        struct pull *pull;
        int slot;
        const struct oci_descriptor *layer;
        enum layer_compression compression;
        const struct digest *diff_id;
        const struct digest *chain_id;
        const struct digest *parent_chain_id; /* or NULL */
        struct error *err;
};

struct pull {
        struct image_store *store;
        const struct image_reference *ref;
        const struct image_pull_options *options;
        pthread_mutex_t lock; /* the job queue and the event callbacks */
        struct pull_job *jobs;
        size_t n_jobs;
        size_t next_job;
        atomic_bool failed;
};

/* The events of a pull, serialised (callers may be worker threads). */
static void event_start(struct pull *p, int slot, const char *kind, const struct digest *d,
                        int64_t size, bool skipped)
{
        const struct image_pull_events *ev = &p->options->events;
        if (!ev->blob_start)
                return;
        pthread_mutex_lock(&p->lock);
        ev->blob_start(ev->ctx, slot, kind, d, size, skipped);
        pthread_mutex_unlock(&p->lock);
}

static void event_progress(struct pull *p, int slot, uint64_t done)
{
        const struct image_pull_events *ev = &p->options->events;
        if (!ev->blob_progress)
                return;
        pthread_mutex_lock(&p->lock);
        ev->blob_progress(ev->ctx, slot, done);
        pthread_mutex_unlock(&p->lock);
}

static void event_done(struct pull *p, int slot)
{
        const struct image_pull_events *ev = &p->options->events;
        if (!ev->blob_done)
                return;
        pthread_mutex_lock(&p->lock);
        ev->blob_done(ev->ctx, slot);
        pthread_mutex_unlock(&p->lock);
}

/* The unpacking half of a layer's pipeline: reads the blob's bytes from a pipe. */
struct unpack_thread {
        pthread_t thread;
        int input_fd;
        int dirfd;
        struct layer_unpack_result result;
        struct error *err;
        int ret;
};

static void *unpack_main(void *arg)
{
        struct unpack_thread *u = arg;
        struct layer_unpack_options options = {.rootless = geteuid() != 0};
        /* layer_unpack reads to the end of its input: the download never blocks on a full pipe
         * after the tar's end. The compression is the job's; set by the starter. */
        u->ret = layer_unpack(u->input_fd, (enum layer_compression)u->ret, u->dirfd, &options,
                              &u->result, &u->err);
        return NULL;
}

/* The downloading half: every body byte goes to the ingest, and to the unpacker while the
 * pipeline streams. */
struct download {
        struct pull *pull;
        int slot;
        struct content_ingest *ingest;
        int pipe_fd;    /* write end, or -1 once streaming stopped */
        bool streaming; /* false: unpack from the blob after the download */
        uint64_t done;
};

static void download_stop_streaming(struct download *d)
{
        if (d->pipe_fd >= 0)
                close(d->pipe_fd);
        d->pipe_fd = -1;
        d->streaming = false;
}

static int download_sink(void *ctx, const void *data, size_t len, struct error **err)
{
        struct download *d = ctx;
        if (content_ingest_write(d->ingest, data, len, err) < 0)
                return -1;
        const char *p = data;
        size_t left = len;
        while (d->pipe_fd >= 0 && left > 0) {
                ssize_t n = write(d->pipe_fd, p, left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        /* The unpacker stopped early (its error is reported after join). */
                        return error_set(err, errno, "unpacking stopped");
                }
                p += n;
                left -= (size_t)n;
        }
        d->done += len;
        event_progress(d->pull, d->slot, d->done);
        return 0;
}

/* The server ignored our Range: the ingest starts over, and the unpacker, which already saw
 * bytes that are now being sent again, is stopped; the layer is unpacked from the blob. */
static int download_restart(void *ctx, struct error **err)
{
        struct download *d = ctx;
        download_stop_streaming(d);
        d->done = 0;
        return content_ingest_restart(d->ingest, err);
}

static int start_unpacker(struct unpack_thread *u, int *pipe_write, int dirfd,
                          enum layer_compression compression, struct error **err)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return error_set(err, errno, "pipe");
        (void)fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE); /* fewer wake-ups; best effort */
        u->input_fd = fds[0];
        u->dirfd = dirfd;
        u->ret = (int)compression;
        u->err = NULL;
        int rc = pthread_create(&u->thread, NULL, unpack_main, u);
        if (rc != 0) {
                close(fds[0]);
                close(fds[1]);
                return error_set(err, rc, "start an unpacking thread");
        }
        *pipe_write = fds[1];
        return 0;
}

/* Downloads the rest of a blob into INGEST (which it commits or aborts), streaming into a
 * layer write W when W is not NULL and the ingest starts from zero. */
static int fetch_layer(struct pull_job *job, struct registry_client *client,
                       struct content_ingest *ingest, enum content_ingest_status status,
                       struct layer_write *w, bool *unpacked, struct error **err)
{
        struct pull *p = job->pull;
        struct download d = {.pull = p, .slot = job->slot, .ingest = ingest, .pipe_fd = -1};
        struct unpack_thread u = {0};
        bool thread_started = false;
        *unpacked = false;
        if (w && status == CONTENT_INGEST_NEW) {
                if (start_unpacker(&u, &d.pipe_fd, layer_write_dirfd(w), job->compression, err) <
                    0) {
                        content_ingest_abort(ingest, true);
                        return -1;
                }
                thread_started = true;
                d.streaming = true;
        }
        d.done = content_ingest_offset(ingest);
        /* A partial file that already holds every byte (a pull killed between its last write
         * and its commit) needs no request: a Range from the end would only get a 416. */
        int rc = 0;
        if (d.done < (uint64_t)job->layer->size)
                rc = registry_fetch_blob(client, &job->layer->digest, d.done, download_sink,
                                         download_restart, &d, err);
        if (d.pipe_fd >= 0)
                close(d.pipe_fd);
        if (thread_started) {
                pthread_join(u.thread, NULL);
                close(u.input_fd);
        }
        if (thread_started && d.streaming && u.ret < 0) {
                /* The unpacker's error is the cause (a hostile entry, a corrupt stream); a
                 * download error that followed ("unpacking stopped") is only its echo. */
                error_free(err);
                *err = steal_pointer(&u.err);
                content_ingest_abort(ingest, rc == 0 ? false : true);
                return error_wrap(err, "unpack layer %s", job->layer->digest.text);
        }
        error_free(&u.err);
        if (rc < 0) {
                content_ingest_abort(ingest, true); /* keep the bytes: the next pull resumes */
                return -1;
        }
        if (content_ingest_commit(ingest, NULL, err) < 0)
                return -1;
        if (thread_started && d.streaming) {
                if (!digest_equal(&u.result.diff_id, job->diff_id))
                        return error_set(err, 0,
                                         "layer %s: uncompressed digest %s does not match the "
                                         "image config's diff_id %s",
                                         job->layer->digest.text, u.result.diff_id.text,
                                         job->diff_id->text);
                if (layer_write_commit(w, job->diff_id, job->parent_chain_id,
                                       u.result.uncompressed_size, err) < 0)
                        return -1;
                *unpacked = true;
        }
        return 0;
}

static int pull_layer(struct pull_job *job, struct registry_client *client, struct error **err)
{
        struct pull *p = job->pull;
        struct image_store *store = p->store;
        const struct digest *blob = &job->layer->digest;
        bool have_layer = layer_store_has(store->layers, job->chain_id);
        bool have_blob = content_store_has(store->content, blob, NULL);
        if (have_layer && have_blob) {
                event_start(p, job->slot, "blob", blob, job->layer->size, true);
                return 0;
        }
        event_start(p, job->slot, "blob", blob, job->layer->size, false);

        /* Lock order, in every process: the layer, then the blob's ingest. */
        struct layer_write *w = NULL;
        if (!have_layer && layer_write_begin(store->layers, job->chain_id, &w, err) < 0)
                return -1;
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        if (content_ingest_begin(store->content, blob, job->layer->size, &ingest, &status, err) <
            0) {
                if (w)
                        layer_write_abort(w);
                return -1;
        }
        bool unpacked = false;
        if (status != CONTENT_INGEST_EXISTS &&
            fetch_layer(job, client, ingest, status, w, &unpacked, err) < 0) {
                if (w && !unpacked)
                        layer_write_abort(w);
                return error_wrap(err, "layer %s", blob->text);
        }
        if (w && !unpacked) {
                /* Streaming was not possible (a resumed or restarted download, or the blob was
                 * already stored): unpack from the blob. */
                layer_write_abort(w);
                if (image_install_layer(store, blob, job->compression, job->diff_id, job->chain_id,
                                        job->parent_chain_id, err) < 0)
                        return -1;
        }
        event_done(p, job->slot);
        return 0;
}

static void *pull_worker(void *arg)
{
        struct pull *p = arg;
        struct registry_client *client = NULL;
        struct error *client_err = NULL;
        _cleanup_free_ char *repository = xstrdup(p->ref->path);
        if (registry_client_new(p->ref->domain, repository, &p->options->registry, &client,
                                &client_err) < 0) {
                pthread_mutex_lock(&p->lock);
                if (p->next_job < p->n_jobs)
                        p->jobs[p->next_job++].err = client_err;
                else
                        error_free(&client_err);
                pthread_mutex_unlock(&p->lock);
                atomic_store(&p->failed, true);
                return NULL;
        }
        for (;;) {
                pthread_mutex_lock(&p->lock);
                struct pull_job *job = p->next_job < p->n_jobs && !atomic_load(&p->failed)
                                           ? &p->jobs[p->next_job++]
                                           : NULL;
                pthread_mutex_unlock(&p->lock);
                if (!job)
                        break;
                if (pull_layer(job, client, &job->err) < 0)
                        atomic_store(&p->failed, true);
        }
        registry_client_free(client);
        return NULL;
}

/* Runs the layer jobs on up to PARALLEL threads; returns the first job's error. */
static int pull_layers(struct pull *p, int parallel, struct error **err)
{
        if (p->n_jobs == 0)
                return 0;
        size_t n_threads = (size_t)parallel < p->n_jobs ? (size_t)parallel : p->n_jobs;
        pthread_t *threads = xcalloc(n_threads, sizeof(*threads));
        size_t started = 0;
        for (; started < n_threads; started++)
                if (pthread_create(&threads[started], NULL, pull_worker, p) != 0)
                        break;
        if (started == 0)
                pull_worker(p); /* no thread could start: do the work here */
        for (size_t i = 0; i < started; i++)
                pthread_join(threads[i], NULL);
        free(threads);
        int ret = 0;
        for (size_t i = 0; i < p->n_jobs; i++) {
                if (p->jobs[i].err && ret == 0) {
                        *err = steal_pointer(&p->jobs[i].err);
                        ret = -1;
                }
                error_free(&p->jobs[i].err);
        }
        if (ret == 0 && atomic_load(&p->failed))
                ret = error_set(err, 0, "pull failed");
        return ret;
}

struct buffer {
        char *data;
        size_t len;
        size_t max;
};

static int buffer_sink(void *ctx, const void *data, size_t len, struct error **err)
{
        struct buffer *b = ctx;
        if (b->len + len > b->max)
                return error_set(err, 0, "larger than %zu bytes", b->max);
        b->data = xrealloc(b->data, b->len + len + 1);
        memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

static int buffer_restart(void *ctx, struct error **err)
{
        (void)err;
        ((struct buffer *)ctx)->len = 0;
        return 0;
}

/* Fetches the config (small) unless stored, and stores it after checking its digest. */
static int pull_config(struct pull *p, struct registry_client *client,
                       const struct oci_descriptor *config, struct error **err)
{
        int slot = (int)p->n_jobs;
        if (content_store_has(p->store->content, &config->digest, NULL)) {
                event_start(p, slot, "config", &config->digest, config->size, true);
                return 0;
        }
        event_start(p, slot, "config", &config->digest, config->size, false);
        struct buffer b = {.max = CONFIG_MAX};
        if (registry_fetch_blob(client, &config->digest, 0, buffer_sink, buffer_restart, &b, err) <
            0) {
                free(b.data);
                return error_wrap(err, "config %s", config->digest.text);
        }
        struct digest got;
        int rc = content_store_put(p->store->content, b.data ? b.data : "", b.len, &got, err);
        free(b.data);
        if (rc < 0)
                return -1;
        if (!digest_equal(&got, &config->digest)) {
                (void)content_store_delete(p->store->content, &got, NULL);
                return error_set(err, 0, "config %s: digest mismatch (got %s)", config->digest.text,
                                 got.text);
        }
        event_done(p, slot);
        return 0;
}

/* Stores a manifest or index whose digest the client computed over the bytes it received. */
static int store_document(struct image_store *store, const char *body, size_t len,
                          const struct digest *expected, struct error **err)
{
        struct digest got;
        if (content_store_put(store->content, body, len, &got, err) < 0)
                return -1;
        if (!digest_equal(&got, expected))
                return error_set(err, 0, "manifest %s: digest mismatch (stored %s)", expected->text,
                                 got.text);
        return 0;
}

/* Fetches REFERENCE's manifest, going through an index to the platform's entry. */
static int resolve_manifest(struct image_store *store, struct registry_client *client,
                            const char *reference, const struct oci_platform *platform,
                            struct oci_manifest *manifest, struct digest *manifest_digest,
                            struct digest *index_digest, bool *from_index, struct error **err)
{
        _cleanup_free_ char *body = NULL;
        _cleanup_free_ char *media_type = NULL;
        size_t len;
        struct digest digest;
        if (registry_get_manifest(client, reference, &body, &len, &media_type, &digest, err) < 0)
                return -1;
        int kind = oci_document_kind(body, len, media_type);
        *from_index = false;
        if (kind == MEDIA_KIND_SCHEMA1)
                return error_set(err, 0, "%s: docker schema 1 manifests are not supported",
                                 reference);
        if (kind == MEDIA_KIND_INDEX) {
                struct oci_index index = {0};
                if (oci_index_parse(body, len, media_type, &index, err) < 0)
                        return error_wrap(err, "%s", digest.text);
                int chosen = oci_index_select(&index, platform, err);
                if (chosen < 0 || store_document(store, body, len, &digest, err) < 0) {
                        oci_index_release(&index);
                        return -1;
                }
                *index_digest = digest;
                *from_index = true;
                struct digest entry = index.manifests[chosen].digest;
                oci_index_release(&index);
                free(steal_pointer(&body));
                free(steal_pointer(&media_type));
                if (registry_get_manifest(client, entry.text, &body, &len, &media_type, &digest,
                                          err) < 0)
                        return -1;
                if (!digest_equal(&digest, &entry))
                        return error_set(err, 0, "manifest %s: digest mismatch (got %s)",
                                         entry.text, digest.text);
                kind = oci_document_kind(body, len, media_type);
        }
        if (kind != MEDIA_KIND_MANIFEST)
                return error_set(err, 0, "%s: not an image manifest (media type %s)", reference,
                                 media_type ? media_type : "unknown");
        if (oci_manifest_parse(body, len, media_type, manifest, err) < 0)
                return error_wrap(err, "%s", digest.text);
        if (store_document(store, body, len, &digest, err) < 0) {
                oci_manifest_release(manifest);
                return -1;
        }
        *manifest_digest = digest;
        return 0;
}

static int pull_locked(struct pull *p, struct registry_client *client, struct digest *image_id,
                       struct error **err)
{
        const struct image_reference *ref = p->ref;
        const char *reference = ref->digest ? ref->digest : ref->tag;
        struct oci_platform host = {0};
        const struct oci_platform *platform = p->options->platform;
        if (!platform) {
                oci_platform_host(&host);
                platform = &host;
        }
        struct oci_manifest manifest = {0};
        struct digest manifest_digest, index_digest;
        bool from_index;
        int rc = resolve_manifest(p->store, client, reference, platform, &manifest,
                                  &manifest_digest, &index_digest, &from_index, err);
        oci_platform_release(&host);
        if (rc < 0)
                return -1;
        const struct image_pull_events *ev = &p->options->events;
        if (ev->resolved)
                ev->resolved(ev->ctx, reference, from_index ? &index_digest : &manifest_digest);

        int ret = -1;
        struct oci_image_config config = {0};
        struct digest *chain_ids = NULL;
        _cleanup_free_ char *repository = NULL;
        _cleanup_free_ char *name = NULL;
        _cleanup_free_ char *repo_digest = NULL;
        p->n_jobs = manifest.n_layers;
        p->jobs = xcalloc(manifest.n_layers + 1, sizeof(*p->jobs));
        if (pull_config(p, client, &manifest.config, err) < 0)
                goto out;
        if (image_load_config(p->store, &manifest, &config, &chain_ids, err) < 0)
                goto out;
        for (size_t i = 0; i < manifest.n_layers; i++) {
                struct pull_job *job = &p->jobs[i];
                job->pull = p;
                job->slot = (int)i;
                job->layer = &manifest.layers[i];
                job->diff_id = &config.diff_ids[i];
                job->chain_id = &chain_ids[i];
                job->parent_chain_id = i ? &chain_ids[i - 1] : NULL;
                if (!media_type_layer_compression(job->layer->media_type, &job->compression)) {
                        error_set(err, 0, "layer %s: unsupported media type %s",
                                  job->layer->digest.text, job->layer->media_type);
                        goto out;
                }
        }
        int parallel = p->options->parallel_layers > 0 ? p->options->parallel_layers : 4;
        if (pull_layers(p, parallel, err) < 0)
                goto out;

        repository = image_reference_repository(ref);
        name = ref->tag ? xasprintf("%s:%s", repository, ref->tag) : NULL;
        repo_digest =
            xasprintf("%s@%s", repository, (from_index ? &index_digest : &manifest_digest)->text);
        struct image_install_request request = {
            .manifest_digest = &manifest_digest,
            .manifest_media_type = manifest.media_type,
            .index_digest = from_index ? &index_digest : NULL,
            .name = name,
            .repo_digest = repo_digest,
        };
        if (image_install(p->store, &request, image_id, err) < 0)
                goto out;
        ret = 0;
out:
        free(chain_ids);
        free(p->jobs);
        p->jobs = NULL;
        oci_image_config_release(&config);
        oci_manifest_release(&manifest);
        return ret;
}

int image_pull(struct image_store *store, const struct image_reference *ref,
               const struct image_pull_options *options, struct digest *image_id,
               struct error **err)
{
        struct registry_client *client = NULL;
        if (registry_client_new(ref->domain, ref->path, &options->registry, &client, err) < 0)
                return -1;
        struct pull p = {.store = store, .ref = ref, .options = options};
        pthread_mutex_init(&p.lock, NULL);
        int ret = -1;
        /* Shared: garbage collection (exclusive) must not delete what this pull publishes
         * before the image record points at it. */
        if (image_store_lock(store, false, err) == 0) {
                ret = pull_locked(&p, client, image_id, err);
                image_store_unlock(store);
        }
        pthread_mutex_destroy(&p.lock);
        registry_client_free(client);
        if (ret < 0) {
                _cleanup_free_ char *text = image_reference_format(ref);
                return error_wrap(err, "pull %s", text);
        }
        return 0;
}
