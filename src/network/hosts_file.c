/* /etc/hosts and /etc/resolv.conf texts, and hosts files edited in place (hosts_file.h). */
#include "hosts_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"

/* Whether LINE (up to its newline) starts with the field IP. */
static bool line_has_ip(const char *line, const char *ip)
{
        size_t len = strlen(ip);
        return strncmp(line, ip, len) == 0 &&
               (line[len] == ' ' || line[len] == '\t' || line[len] == '\n' || line[len] == '\0');
}

/* Appends TEXT's lines except those for IP to OUT (a growing buffer of *LEN bytes). */
static char *copy_without(const char *text, const char *ip, size_t *len)
{
        size_t size = strlen(text) + 1;
        char *out = xmalloc(size);
        *len = 0;
        for (const char *line = text; *line;) {
                const char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
                if (!line_has_ip(line, ip)) {
                        memcpy(out + *len, line, n);
                        *len += n;
                }
                line += n;
        }
        out[*len] = '\0';
        return out;
}

char *hosts_text_drop(const char *text, const char *ip)
{
        size_t len;
        return copy_without(text, ip, &len);
}

char *hosts_text_put(const char *text, const char *ip, const char *const *names)
{
        /* The line, with each name once. */
        size_t cap = strlen(ip) + 2;
        for (const char *const *n = names; *n; n++)
                cap += strlen(*n) + 1;
        _cleanup_free_ char *entry = xmalloc(cap + 1);
        size_t len = (size_t)sprintf(entry, "%s\t", ip);
        size_t first = len;
        for (const char *const *n = names; *n; n++) {
                if (!**n)
                        continue;
                bool seen = false;
                for (const char *const *m = names; m < n; m++)
                        seen = seen || strcmp(*m, *n) == 0;
                if (seen)
                        continue;
                len += (size_t)sprintf(entry + len, "%s%s", len > first ? " " : "", *n);
        }
        entry[len++] = '\n';
        entry[len] = '\0';

        size_t n = strlen(text);
        char *out = xmalloc(n + len + 2);
        size_t out_len = 0;
        bool replaced = false;
        for (const char *line = text; *line;) {
                const char *nl = strchr(line, '\n');
                size_t l = nl ? (size_t)(nl - line) + 1 : strlen(line);
                if (line_has_ip(line, ip)) {
                        if (!replaced) {
                                memcpy(out + out_len, entry, len);
                                out_len += len;
                                replaced = true;
                        }
                } else {
                        memcpy(out + out_len, line, l);
                        out_len += l;
                        if (!nl)
                                out[out_len++] = '\n';
                }
                line += l;
        }
        if (!replaced) {
                memcpy(out + out_len, entry, len);
                out_len += len;
        }
        out[out_len] = '\0';
        return out;
}

/* Whether a resolv.conf line names a nameserver on the loopback. */
static bool loopback_nameserver(const char *line, size_t n)
{
        if (strncmp(line, "nameserver", 10) != 0 || (line[10] != ' ' && line[10] != '\t'))
                return false;
        const char *addr = line + 10;
        while (*addr == ' ' || *addr == '\t')
                addr++;
        size_t rest = n - (size_t)(addr - line);
        return (rest >= 4 && strncmp(addr, "127.", 4) == 0) ||
               (rest >= 3 && strncmp(addr, "::1", 3) == 0 &&
                (rest == 3 || addr[3] == '\n' || addr[3] == ' ' || addr[3] == '\t'));
}

char *resolv_conf_for_bridge(const char *host_text)
{
        size_t n = strlen(host_text);
        char *out = xmalloc(n + 64);
        size_t len = 0;
        bool any = false;
        for (const char *line = host_text; *line;) {
                const char *nl = strchr(line, '\n');
                size_t l = nl ? (size_t)(nl - line) + 1 : strlen(line);
                if (!loopback_nameserver(line, l)) {
                        memcpy(out + len, line, l);
                        len += l;
                        if (!nl)
                                out[len++] = '\n';
                        if (strncmp(line, "nameserver", 10) == 0)
                                any = true;
                }
                line += l;
        }
        out[len] = '\0';
        if (!any)
                strcat(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        return out;
}

int hosts_file_edit(const char *path, char *(*edit)(const char *text, void *arg), void *arg,
                    struct error **err)
{
        /* The file is bind-mounted into the container: a new file renamed over it would not be
         * seen there (the mount holds the old inode), so it is rewritten in place. */
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : error_set(err, errno, "open %s", path);
        if (flock(fd, LOCK_EX) < 0)
                return error_set(err, errno, "lock %s", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set(err, errno, "stat %s", path);
        _cleanup_free_ char *text = xmalloc((size_t)st.st_size + 1);
        size_t len = 0;
        while (len < (size_t)st.st_size) {
                ssize_t r = pread(fd, text + len, (size_t)st.st_size - len, (off_t)len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return error_set(err, errno, "read %s", path);
                if (r == 0)
                        break;
                len += (size_t)r;
        }
        text[len] = '\0';
        _cleanup_free_ char *next = edit(text, arg);
        if (!next || strcmp(next, text) == 0)
                return 0;
        size_t n = strlen(next);
        for (size_t done = 0; done < n;) {
                ssize_t w = pwrite(fd, next + done, n - done, (off_t)done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return error_set(err, errno, "write %s", path);
                done += (size_t)w;
        }
        if (ftruncate(fd, (off_t)n) < 0)
                return error_set(err, errno, "truncate %s", path);
        return 0;
}
