/* The on-disk cache of compiled seccomp filters (seccomp_cache.h).
 *
 * An entry, native byte order (the cache lives in the runtime's state directory on this
 * machine, never shared):
 *   "BSCF"  u32 version  u32 key_len  u32 flags  u32 n_insns  key  insns  u64 checksum
 * The checksum is FNV-1a over everything before it. No fsync: the state directory is
 * normally a tmpfs, and a torn entry fails its checksum and is compiled again. */
#include "seccomp_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "log.h"

#define MAGIC         "BSCF"
#define VERSION       1u
#define HEADER_SIZE   20u
#define MAX_INSNS     (1u << 16) /* BPF_MAXINSNS is 4096; leave room, refuse nonsense */
#define MAX_KEY_BYTES (64u << 20)

void seccomp_program_release(struct seccomp_program *p)
{
        free(p->insns);
        memset(p, 0, sizeof(*p));
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
        const unsigned char *b = data;
        for (size_t i = 0; i < len; i++) {
                h ^= b[i];
                h *= 0x100000001b3ull;
        }
        return h;
}
#define FNV_OFFSET 0xcbf29ce484222325ull

static char *entry_path(const char *dir, const char *key, size_t key_len)
{
        return xasprintf("%s/%016llx", dir, (unsigned long long)fnv1a(FNV_OFFSET, key, key_len));
}

int seccomp_cache_lookup(const char *dir, const char *key, size_t key_len,
                         struct seccomp_program *out)
{
        _cleanup_free_ char *path = entry_path(dir, key, key_len);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return 0;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < HEADER_SIZE + 8 ||
            (uint64_t)st.st_size > HEADER_SIZE + MAX_KEY_BYTES + MAX_INSNS * 8ull + 8)
                return 0;
        size_t size = (size_t)st.st_size;
        _cleanup_free_ unsigned char *buf = xmalloc(size);
        size_t got = 0;
        while (got < size) {
                ssize_t r = read(fd, buf + got, size - got);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return 0;
                got += (size_t)r;
        }
        uint32_t version, stored_key_len, flags, n_insns;
        memcpy(&version, buf + 4, 4);
        memcpy(&stored_key_len, buf + 8, 4);
        memcpy(&flags, buf + 12, 4);
        memcpy(&n_insns, buf + 16, 4);
        if (memcmp(buf, MAGIC, 4) != 0 || version != VERSION || stored_key_len != key_len ||
            n_insns == 0 || n_insns > MAX_INSNS ||
            size != HEADER_SIZE + (size_t)key_len + (size_t)n_insns * 8 + 8)
                return 0;
        uint64_t checksum;
        memcpy(&checksum, buf + size - 8, 8);
        if (checksum != fnv1a(FNV_OFFSET, buf, size - 8) ||
            memcmp(buf + HEADER_SIZE, key, key_len) != 0)
                return 0;
        out->n_insns = n_insns;
        out->flags = flags;
        out->insns = xmalloc((size_t)n_insns * sizeof(struct sock_filter));
        memcpy(out->insns, buf + HEADER_SIZE + key_len, (size_t)n_insns * 8);
        return 1;
}

void seccomp_cache_store(const char *dir, const char *key, size_t key_len,
                         const struct seccomp_program *p)
{
        if (key_len > MAX_KEY_BYTES || p->n_insns == 0 || p->n_insns > MAX_INSNS)
                return;
        struct error *err = NULL;
        if (fs_mkdir_p(dir, 0700, &err) < 0) {
                log_debug("seccomp cache: %s", err->msg);
                error_free(&err);
                return;
        }
        size_t size = HEADER_SIZE + key_len + p->n_insns * 8 + 8;
        _cleanup_free_ unsigned char *buf = xmalloc(size);
        uint32_t header[4] = {VERSION, (uint32_t)key_len, p->flags, (uint32_t)p->n_insns};
        memcpy(buf, MAGIC, 4);
        memcpy(buf + 4, header, sizeof(header));
        memcpy(buf + HEADER_SIZE, key, key_len);
        memcpy(buf + HEADER_SIZE + key_len, p->insns, p->n_insns * 8);
        uint64_t checksum = fnv1a(FNV_OFFSET, buf, size - 8);
        memcpy(buf + size - 8, &checksum, 8);

        _cleanup_free_ char *path = entry_path(dir, key, key_len);
        _cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                log_debug("seccomp cache: create %s: %s", tmp, strerror(errno));
                return;
        }
        size_t done = 0;
        while (done < size) {
                ssize_t w = write(fd, buf + done, size - done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        break;
                done += (size_t)w;
        }
        close(fd);
        if (done != size || rename(tmp, path) < 0) {
                log_debug("seccomp cache: write %s: %s", path, strerror(errno));
                unlink(tmp);
        }
}
