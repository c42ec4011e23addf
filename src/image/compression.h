/*
 * Streaming (de)compression of layers: gzip with isa-l's igzip (several times zlib's speed),
 * zstd with libzstd, and a pass-through for uncompressed tars. A backend is a small table of
 * function pointers chosen once by layer_compression.
 *
 * Readers pull: decompress_reader_read() fills the caller's buffer with decompressed bytes read
 * from an fd (a blob file, or a pipe fed by a download), which is what libarchive's read
 * callback wants. Writers push: compress_writer_write() compresses into an fd.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci/media_type.h"

struct decompress_reader;
/* Reads compressed data from FD (not owned; not closed). */
struct decompress_reader *decompress_reader_new(int fd, enum layer_compression compression);
/* Returns the number of bytes stored in BUF (0 at the end of the stream: the compressed input
 * ended cleanly — a truncated or corrupt stream is an error, as is trailing garbage other than
 * zero padding), or -1 with *err set ("gzip: unexpected end of stream"). Concatenated gzip
 * members are one stream (as gzip -d reads them). */
ssize_t decompress_reader_read(struct decompress_reader *r, void *buf, size_t cap,
                               struct error **err);
/* Bytes of compressed input consumed so far. */
uint64_t decompress_reader_input_bytes(const struct decompress_reader *r);
void decompress_reader_free(struct decompress_reader *r);

struct compress_writer;
/* Writes compressed data to FD (not owned). LEVEL: 0 = the backend's fast default. */
struct compress_writer *compress_writer_new(int fd, enum layer_compression compression, int level);
int compress_writer_write(struct compress_writer *w, const void *data, size_t len,
                          struct error **err);
/* Flushes the end of the stream. */
int compress_writer_finish(struct compress_writer *w, struct error **err);
void compress_writer_free(struct compress_writer *w);

/* Sniffs the compression from the first bytes of a blob (gzip 1f 8b, zstd 28 b5 2f fd, else
 * none): used by `berth load`/`import` where the media type may lie or be absent. */
enum layer_compression compression_detect(const void *head, size_t len);
