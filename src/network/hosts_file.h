/*
 * A container's /etc/hosts and /etc/resolv.conf as text (pure functions), and the in-place
 * edit of a hosts file that is bind-mounted into a running container.
 */
#pragma once
#include <stdbool.h>

struct error;

/* TEXT with the line for IP (first field equal to IP) replaced by "IP\tNAMES..." (names
 * de-duplicated, empty ones skipped), or that line appended when there is none. Newly
 * allocated. */
char *hosts_text_put(const char *text, const char *ip, const char *const *names);
/* TEXT without the lines whose first field is IP. Newly allocated. */
char *hosts_text_drop(const char *text, const char *ip);

/* The host's resolv.conf for a container on a bridge network (docker's rule): nameservers on
 * the loopback (127.0.0.0/8, ::1, such as systemd-resolved's 127.0.0.53) are unreachable
 * from the container's namespace and are left out; when none is left, 8.8.8.8 and 8.8.4.4
 * are used, as docker does. Other lines (search, options) are kept. Newly allocated. */
char *resolv_conf_for_bridge(const char *host_text);

/* Edits the file at PATH in place: EDIT(text, ARG) returns the new text (newly allocated) or
 * NULL to leave the file alone. The file is locked (flock) while read and rewritten, so
 * concurrent editors do not lose each other's lines. A missing file is not an error. */
int hosts_file_edit(const char *path, char *(*edit)(const char *text, void *arg), void *arg,
                    struct error **err);
