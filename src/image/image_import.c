/*
 * `berth import`: a root filesystem tar becomes a one-layer image. The input (maybe compressed:
 * libarchive's filters detect gzip, zstd, xz, bzip2) is hashed as it is read, which gives the
 * layer's diff_id, and compressed with gzip into the content store; a config (the host's
 * platform, created now, one history entry, --change applied) and an OCI manifest follow, and
 * image_install unpacks and records it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/duration.h"
#include "compression.h"
#include "image_archive.h"
#include "image_install.h"
#include "oci/image_manifest.h"
#include "oci/media_type.h"
#include "base/rfc3339.h"

#define IMPORT_BUFFER_SIZE (1 << 20)

/* --- --change --- */

/* The argument as a JSON array of strings when it is one (exec form), else NULL. */
static json_t *json_string_array(const char *arg)
{
        if (arg[0] != '[')
                return NULL;
        json_t *v = json_loads(arg, 0, NULL);
        if (!json_is_array(v)) {
                json_decref(v);
                return NULL;
        }
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
                if (!json_is_string(item)) {
                        json_decref(v);
                        return NULL;
                }
        }
        return v;
}

/* CMD and ENTRYPOINT: the exec form as it is, the shell form run by /bin/sh -c. */
static json_t *command_value(const char *arg)
{
        json_t *v = json_string_array(arg);
        if (v)
                return v;
        return json_pack("[s, s, s]", "/bin/sh", "-c", arg);
}

/* Removes one pair of surrounding double quotes: LABEL a="b c". */
static char *unquote(const char *s, size_t n)
{
        if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
                return xstrndup(s + 1, n - 2);
        return xstrndup(s, n);
}

/* Splits "K=V K2=\"V 2\"" into pairs, calling FN for each. */
static int for_each_pair(const char *arg, const char *change, json_t *target,
                         int (*fn)(json_t *target, const char *key, const char *value),
                         struct error **err)
{
        const char *p = arg;
        while (*p) {
                while (isspace((unsigned char)*p))
                        p++;
                if (!*p)
                        break;
                const char *eq = p;
                while (*eq && *eq != '=' && !isspace((unsigned char)*eq))
                        eq++;
                if (*eq != '=' || eq == p)
                        return error_set(err, 0, "change \"%s\": expected KEY=VALUE", change);
                const char *v = eq + 1, *end = v;
                bool quoted = false;
                while (*end && (quoted || !isspace((unsigned char)*end))) {
                        if (*end == '"')
                                quoted = !quoted;
                        end++;
                }
                _cleanup_free_ char *key = xstrndup(p, (size_t)(eq - p));
                _cleanup_free_ char *value = unquote(v, (size_t)(end - v));
                fn(target, key, value);
                p = end;
        }
        return 0;
}

static int set_env(json_t *config, const char *key, const char *value)
{
        json_t *env = json_object_get(config, "Env");
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(config, "Env", env);
        }
        _cleanup_free_ char *entry = xasprintf("%s=%s", key, value);
        size_t klen = strlen(key), i;
        json_t *item;
        json_array_foreach(env, i, item)
        {
                const char *s = json_string_value(item);
                if (s && strncmp(s, key, klen) == 0 && s[klen] == '=')
                        return json_array_set_new(env, i, json_string(entry));
        }
        return json_array_append_new(env, json_string(entry));
}

static int set_label(json_t *config, const char *key, const char *value)
{
        json_t *labels = json_object_get(config, "Labels");
        if (!json_is_object(labels)) {
                labels = json_object();
                json_object_set_new(config, "Labels", labels);
        }
        return json_object_set_new(labels, key, json_string(value));
}

/* Adds every whitespace-separated word of ARG (or each item of a JSON array) as a key of the
 * object FIELD, with SUFFIX when the word has no '/' (EXPOSE 80 → "80/tcp"). */
static void add_set_keys(json_t *config, const char *field, const char *arg, const char *suffix)
{
        json_t *set = json_object_get(config, field);
        if (!json_is_object(set)) {
                set = json_object();
                json_object_set_new(config, field, set);
        }
        json_t *array = json_string_array(arg);
        if (array) {
                size_t i;
                json_t *item;
                json_array_foreach(array, i, item)
                    json_object_set_new(set, json_string_value(item), json_object());
                json_decref(array);
                return;
        }
        const char *p = arg;
        while (*p) {
                while (isspace((unsigned char)*p))
                        p++;
                const char *end = p;
                while (*end && !isspace((unsigned char)*end))
                        end++;
                if (end > p) {
                        _cleanup_free_ char *word = xstrndup(p, (size_t)(end - p));
                        _cleanup_free_ char *key = suffix && !strchr(word, '/')
                                                       ? xasprintf("%s%s", word, suffix)
                                                       : xstrdup(word);
                        json_object_set_new(set, key, json_object());
                }
                p = end;
        }
}

/* HEALTHCHECK NONE, or HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D]
 * [--start-interval=D] [--retries=N] CMD command (Dockerfile reference): the image config's
 * Healthcheck, durations in nanoseconds, the shell form as CMD-SHELL. */
static int healthcheck_value(const char *arg, const char *change, json_t **out, struct error **err)
{
        if (strcasecmp(arg, "NONE") == 0) {
                *out = json_pack("{s:[s]}", "Test", "NONE");
                return 0;
        }
        static const struct {
                const char *option;
                const char *key;
        } durations[] = {{"--interval=", "Interval"},
                         {"--timeout=", "Timeout"},
                         {"--start-period=", "StartPeriod"},
                         {"--start-interval=", "StartInterval"}};
        json_t *hc = json_object();
        const char *p = arg;
        while (strncmp(p, "--", 2) == 0) {
                size_t len = strcspn(p, " \t");
                _cleanup_free_ char *option = xstrndup(p, len);
                bool known = false;
                for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
                        size_t n = strlen(durations[i].option);
                        if (strncmp(option, durations[i].option, n) != 0)
                                continue;
                        int64_t ns;
                        if (duration_parse(option + n, &ns, err) < 0) {
                                json_decref(hc);
                                return error_wrap(err, "change \"%s\"", change);
                        }
                        json_object_set_new(hc, durations[i].key, json_integer(ns));
                        known = true;
                }
                if (strncmp(option, "--retries=", 10) == 0) {
                        char *end;
                        long retries = strtol(option + 10, &end, 10);
                        if (*end || end == option + 10 || retries < 0) {
                                json_decref(hc);
                                return error_set(err, 0, "change \"%s\": invalid %s", change,
                                                 option);
                        }
                        json_object_set_new(hc, "Retries", json_integer(retries));
                        known = true;
                }
                if (!known) {
                        json_decref(hc);
                        return error_set(err, 0, "change \"%s\": unknown HEALTHCHECK option %s",
                                         change, option);
                }
                p += len;
                while (isspace((unsigned char)*p))
                        p++;
        }
        if (strncasecmp(p, "CMD", 3) != 0 || (p[3] && !isspace((unsigned char)p[3]))) {
                json_decref(hc);
                return error_set(err, 0, "change \"%s\": HEALTHCHECK needs CMD or NONE", change);
        }
        p += 3;
        while (isspace((unsigned char)*p))
                p++;
        if (!*p) {
                json_decref(hc);
                return error_set(err, 0, "change \"%s\": HEALTHCHECK CMD needs a command", change);
        }
        json_t *test = json_string_array(p);
        if (test)
                json_array_insert_new(test, 0, json_string("CMD"));
        else
                test = json_pack("[s, s]", "CMD-SHELL", p);
        json_object_set_new(hc, "Test", test);
        *out = hc;
        return 0;
}

int image_config_apply_change(json_t *config, const char *change, struct error **err)
{
        const char *p = change;
        while (isspace((unsigned char)*p))
                p++;
        const char *end = p;
        while (*end && *end != '=' && !isspace((unsigned char)*end))
                end++;
        _cleanup_free_ char *instruction = xstrndup(p, (size_t)(end - p));
        for (char *c = instruction; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        const char *arg = *end ? end + 1 : end;
        while (isspace((unsigned char)*arg))
                arg++;
        _cleanup_free_ char *value = xstrdup(arg);
        for (size_t n = strlen(value); n > 0 && isspace((unsigned char)value[n - 1]); n--)
                value[n - 1] = '\0';
        if (!*instruction)
                return error_set(err, 0, "change \"%s\": no instruction", change);
        if (!*value)
                return error_set(err, 0, "change \"%s\": %s needs an argument", change,
                                 instruction);

        if (strcmp(instruction, "CMD") == 0) {
                json_object_set_new(config, "Cmd", command_value(value));
        } else if (strcmp(instruction, "ENTRYPOINT") == 0) {
                json_object_set_new(config, "Entrypoint", command_value(value));
        } else if (strcmp(instruction, "ENV") == 0) {
                /* "ENV K V" (one pair, the rest is the value) or "ENV K=V ...". */
                const char *sp = value + strcspn(value, " \t");
                const char *eq = strchr(value, '=');
                if (!eq || eq > sp) {
                        if (!*sp)
                                return error_set(err, 0, "change \"%s\": ENV needs a value",
                                                 change);
                        _cleanup_free_ char *key = xstrndup(value, (size_t)(sp - value));
                        while (isspace((unsigned char)*sp))
                                sp++;
                        set_env(config, key, sp);
                } else if (for_each_pair(value, change, config, set_env, err) < 0) {
                        return -1;
                }
        } else if (strcmp(instruction, "LABEL") == 0) {
                if (for_each_pair(value, change, config, set_label, err) < 0)
                        return -1;
        } else if (strcmp(instruction, "EXPOSE") == 0) {
                add_set_keys(config, "ExposedPorts", value, "/tcp");
        } else if (strcmp(instruction, "VOLUME") == 0) {
                add_set_keys(config, "Volumes", value, NULL);
        } else if (strcmp(instruction, "USER") == 0) {
                json_object_set_new(config, "User", json_string(value));
        } else if (strcmp(instruction, "WORKDIR") == 0) {
                json_object_set_new(config, "WorkingDir", json_string(value));
        } else if (strcmp(instruction, "STOPSIGNAL") == 0) {
                json_object_set_new(config, "StopSignal", json_string(value));
        } else if (strcmp(instruction, "HEALTHCHECK") == 0) {
                json_t *hc = NULL;
                if (healthcheck_value(value, change, &hc, err) < 0)
                        return -1;
                json_object_set_new(config, "Healthcheck", hc);
        } else if (strcmp(instruction, "ONBUILD") == 0) {
                json_t *onbuild = json_object_get(config, "OnBuild");
                if (!json_is_array(onbuild)) {
                        onbuild = json_array();
                        json_object_set_new(config, "OnBuild", onbuild);
                }
                json_array_append_new(onbuild, json_string(value));
        } else {
                return error_set(err, 0,
                                 "change \"%s\": unknown instruction %s (CMD, ENTRYPOINT, ENV, "
                                 "EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, "
                                 "WORKDIR)",
                                 change, instruction);
        }
        return 0;
}

/* --- the layer --- */

/* Moves the compressed stream from a pipe into the content store, in its own thread, so that
 * the compressor (which writes to an fd) and the ingest (which takes buffers) can meet. */
struct ingest_pump {
        int fd;
        struct content_ingest *ingest;
        int64_t bytes;
        struct error *err;
};

static void *ingest_pump_run(void *arg)
{
        struct ingest_pump *pump = arg;
        _cleanup_free_ char *buf = xmalloc(IMPORT_BUFFER_SIZE);
        for (;;) {
                ssize_t r = read(pump->fd, buf, IMPORT_BUFFER_SIZE);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        if (!pump->err)
                                error_set(&pump->err, errno, "reading the compressed layer");
                        break;
                }
                if (r == 0)
                        break;
                /* After an error the pipe is still drained, so the writer never blocks. */
                if (!pump->err &&
                    content_ingest_write(pump->ingest, buf, (size_t)r, &pump->err) == 0)
                        pump->bytes += r;
        }
        return NULL;
}

static int archive_fail(struct archive *a, const char *what, struct error **err)
{
        const char *msg = archive_error_string(a);
        return error_set(err, 0, "%s: %s", what, msg ? msg : "read error");
}

/* Streams the input through the diff_id hash and gzip into PUMP's pipe. */
static int compress_input(int in_fd, int out_fd, struct digest *diff_id, struct error **err)
{
        struct archive *a = archive_read_new();
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        struct compress_writer *w = compress_writer_new(out_fd, LAYER_COMPRESSION_GZIP, 0);
        struct digester *hash = digester_new(DIGEST_SHA256);
        _cleanup_free_ char *buf = xmalloc(IMPORT_BUFFER_SIZE);
        int ret = -1;
        struct archive_entry *entry;
        if (archive_read_open_fd(a, in_fd, IMPORT_BUFFER_SIZE) != ARCHIVE_OK) {
                archive_fail(a, "reading the input", err);
                goto out;
        }
        int r = archive_read_next_header(a, &entry);
        if (r == ARCHIVE_EOF) {
                error_set(err, 0, "the input is empty");
                goto out;
        }
        if (r < ARCHIVE_WARN) {
                archive_fail(a, "reading the input", err);
                goto out;
        }
        uint64_t total = 0;
        for (;;) {
                la_ssize_t got = archive_read_data(a, buf, IMPORT_BUFFER_SIZE);
                if (got < 0) {
                        archive_fail(a, "reading the input", err);
                        goto out;
                }
                if (got == 0)
                        break;
                digester_update(hash, buf, (size_t)got);
                total += (uint64_t)got;
                if (compress_writer_write(w, buf, (size_t)got, err) < 0)
                        goto out;
        }
        if (total == 0) {
                error_set(err, 0, "the input is empty");
                goto out;
        }
        if (compress_writer_finish(w, err) < 0)
                goto out;
        digester_final(hash, diff_id);
        ret = 0;
out:
        digester_free(hash);
        compress_writer_free(w);
        archive_read_free(a);
        return ret;
}

static int import_layer(struct image_store *store, int fd, struct oci_descriptor *layer,
                        struct digest *diff_id, struct error **err)
{
        struct content_ingest *ingest = NULL;
        enum content_ingest_status status;
        if (content_ingest_begin(store->content, NULL, -1, &ingest, &status, err) < 0)
                return -1;
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                content_ingest_abort(ingest, false);
                return error_set(err, errno, "pipe");
        }
        struct ingest_pump pump = {.fd = pipefd[0], .ingest = ingest};
        pthread_t thread;
        int e = pthread_create(&thread, NULL, ingest_pump_run, &pump);
        if (e != 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                content_ingest_abort(ingest, false);
                return error_set(err, e, "starting the layer writer");
        }
        int ret = compress_input(fd, pipefd[1], diff_id, err);
        close(pipefd[1]);
        pthread_join(thread, NULL);
        close(pipefd[0]);
        if (ret == 0 && pump.err) {
                *err = steal_pointer(&pump.err);
                ret = -1;
        }
        error_free(&pump.err);
        if (ret < 0) {
                content_ingest_abort(ingest, false);
                return -1;
        }
        if (content_ingest_commit(ingest, &layer->digest, err) < 0)
                return -1;
        layer->size = pump.bytes;
        return 0;
}

/* --- the image --- */

int image_import(struct image_store *store, int fd, const struct image_import_options *options,
                 struct digest *image_id, struct error **err)
{
        json_t *container_config = json_object();
        for (size_t i = 0; i < options->n_changes; i++)
                if (image_config_apply_change(container_config, options->changes[i], err) < 0) {
                        json_decref(container_config);
                        return -1;
                }
        struct oci_descriptor layer = {0};
        struct digest diff_id;
        if (import_layer(store, fd, &layer, &diff_id, err) < 0) {
                json_decref(container_config);
                return error_wrap(err, "importing");
        }

        struct oci_platform host = {0};
        oci_platform_host(&host);
        _cleanup_free_ char *created = rfc3339_now_string();
        json_t *history = json_pack("{s:s, s:s}", "created", created, "created_by", "berth import");
        if (options->message)
                json_object_set_new(history, "comment", json_string(options->message));
        json_t *config =
            json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:[s]}, s:[o]}", "created", created,
                      "architecture", host.architecture, "os", host.os, "config", container_config,
                      "rootfs", "type", "layers", "diff_ids", diff_id.text, "history", history);
        if (host.variant)
                json_object_set_new(config, "variant", json_string(host.variant));
        oci_platform_release(&host);
        _cleanup_free_ char *config_text = json_dumps(config, JSON_COMPACT);
        json_decref(config);
        struct digest config_digest;
        if (content_store_put(store->content, config_text, strlen(config_text), &config_digest,
                              err) < 0)
                return error_wrap(err, "importing");

        json_t *manifest = json_pack(
            "{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2, "mediaType",
            MEDIA_TYPE_OCI_MANIFEST, "config", "mediaType", MEDIA_TYPE_OCI_CONFIG, "digest",
            config_digest.text, "size", (json_int_t)strlen(config_text), "layers", "mediaType",
            MEDIA_TYPE_OCI_LAYER_GZIP, "digest", layer.digest.text, "size", (json_int_t)layer.size);
        _cleanup_free_ char *manifest_text = json_dumps(manifest, JSON_COMPACT);
        json_decref(manifest);
        struct digest manifest_digest;
        if (content_store_put(store->content, manifest_text, strlen(manifest_text),
                              &manifest_digest, err) < 0)
                return error_wrap(err, "importing");
        struct image_install_request request = {
            .manifest_digest = &manifest_digest,
            .manifest_media_type = MEDIA_TYPE_OCI_MANIFEST,
            .name = options->name,
        };
        if (image_install(store, &request, image_id, err) < 0)
                return error_wrap(err, "importing");
        return 0;
}
