/* docker's -p syntax and CNI portMappings entries (port_mapping.h). */
#include "port_mapping.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"

/* "80" or "8000-8010" into [*first, *last]; 0 when TEXT is not a port or range. */
static int parse_range(const char *text, size_t len, unsigned *first, unsigned *last)
{
        char buf[32];
        if (len == 0 || len >= sizeof(buf))
                return -1;
        memcpy(buf, text, len);
        buf[len] = '\0';
        char *dash = strchr(buf, '-');
        if (dash)
                *dash = '\0';
        char *end;
        for (char *p = buf; *p; p++)
                if (*p < '0' || *p > '9')
                        return -1;
        unsigned long a = strtoul(buf, &end, 10);
        unsigned long b = a;
        if (buf[0] == '\0' || a > 65535)
                return -1;
        if (dash) {
                for (char *p = dash + 1; *p; p++)
                        if (*p < '0' || *p > '9')
                                return -1;
                b = strtoul(dash + 1, &end, 10);
                if (dash[1] == '\0' || b > 65535 || b < a)
                        return -1;
        }
        *first = (unsigned)a;
        *last = (unsigned)b;
        return 0;
}

static bool protocol_valid(const char *p)
{
        return strcmp(p, "tcp") == 0 || strcmp(p, "udp") == 0 || strcmp(p, "sctp") == 0;
}

int port_mapping_parse(const char *text, struct port_mapping **list, size_t *n, struct error **err)
{
        _cleanup_free_ char *spec = xstrdup(text);
        const char *protocol = "tcp";
        char *slash = strrchr(spec, '/');
        if (slash) {
                *slash = '\0';
                protocol = slash + 1;
                if (!protocol_valid(protocol))
                        return error_set(err, 0, "invalid proto: %s", protocol);
        }
        char host_ip[64] = "";
        char *rest = spec;
        if (*rest == '[') {
                char *close = strchr(rest, ']');
                if (!close || close[1] != ':' || (size_t)(close - rest - 1) >= sizeof(host_ip))
                        return error_set(err, 0, "invalid IP address: %s", text);
                memcpy(host_ip, rest + 1, (size_t)(close - rest - 1));
                host_ip[close - rest - 1] = '\0';
                rest = close + 2;
                if (!strchr(rest, ':'))
                        return error_set(err, 0, "invalid port format: %s", text);
        }
        /* From the right: containerPort, then hostPort, then the host IP (an IPv6 one
         * without brackets has colons of its own: all that is left is the address). */
        char *container = strrchr(rest, ':');
        const char *host_port = NULL;
        if (container) {
                *container++ = '\0';
                char *colon = host_ip[0] ? NULL : strrchr(rest, ':');
                if (colon) {
                        *colon = '\0';
                        if (strlen(rest) >= sizeof(host_ip))
                                return error_set(err, 0, "invalid IP address: %s", rest);
                        strcpy(host_ip, rest);
                        host_port = colon + 1;
                } else {
                        host_port = rest;
                }
        } else {
                container = rest;
        }
        if (host_ip[0]) {
                unsigned char addr[16];
                if (inet_pton(AF_INET, host_ip, addr) != 1 &&
                    inet_pton(AF_INET6, host_ip, addr) != 1)
                        return error_set(err, 0, "invalid IP address: %s", host_ip);
                if (strcmp(host_ip, "0.0.0.0") == 0)
                        host_ip[0] = '\0';
        }
        unsigned c_first, c_last, h_first = 0, h_last = 0;
        if (parse_range(container, strlen(container), &c_first, &c_last) < 0 || c_first == 0)
                return error_set(err, 0, "invalid containerPort: %s", container);
        if (host_port && *host_port) {
                if (parse_range(host_port, strlen(host_port), &h_first, &h_last) < 0 ||
                    h_first == 0)
                        return error_set(err, 0, "invalid hostPort: %s", host_port);
                if (h_last - h_first != c_last - c_first)
                        return error_set(err, 0,
                                         "invalid ranges specified for container and host "
                                         "ports: %s",
                                         text);
        }
        size_t count = c_last - c_first + 1;
        *list = xrealloc(*list, (*n + count) * sizeof(**list));
        for (size_t i = 0; i < count; i++) {
                struct port_mapping *m = &(*list)[*n + i];
                memset(m, 0, sizeof(*m));
                strcpy(m->host_ip, host_ip);
                strcpy(m->protocol, protocol);
                m->container_port = (uint16_t)(c_first + i);
                m->host_port = h_first ? (uint16_t)(h_first + i) : 0;
        }
        *n += count;
        return 0;
}

int port_mapping_exposed(const char *key, struct port_mapping *out, struct error **err)
{
        memset(out, 0, sizeof(*out));
        const char *slash = strchr(key, '/');
        size_t len = slash ? (size_t)(slash - key) : strlen(key);
        unsigned first, last;
        if (parse_range(key, len, &first, &last) < 0 || first == 0 || first != last)
                return error_set(err, 0, "image ExposedPorts: invalid port \"%s\"", key);
        const char *protocol = slash ? slash + 1 : "tcp";
        if (!protocol_valid(protocol))
                return error_set(err, 0, "image ExposedPorts: invalid proto: %s", protocol);
        strcpy(out->protocol, protocol);
        out->container_port = (uint16_t)first;
        return 0;
}

json_t *port_mapping_to_json(const struct port_mapping *m)
{
        json_t *o = json_pack("{s:i, s:i, s:s}", "hostPort", (int)m->host_port, "containerPort",
                              (int)m->container_port, "protocol", m->protocol);
        if (m->host_ip[0])
                json_object_set_new(o, "hostIP", json_string(m->host_ip));
        return o;
}

int port_mapping_from_json(json_t *obj, struct port_mapping *out)
{
        memset(out, 0, sizeof(*out));
        json_t *host = json_object_get(obj, "hostPort");
        json_t *container = json_object_get(obj, "containerPort");
        const char *protocol = json_string_value(json_object_get(obj, "protocol"));
        const char *ip = json_string_value(json_object_get(obj, "hostIP"));
        if (!json_is_integer(host) || !json_is_integer(container) || json_integer_value(host) < 0 ||
            json_integer_value(host) > 65535 || json_integer_value(container) < 1 ||
            json_integer_value(container) > 65535)
                return -1;
        if (!protocol || !protocol_valid(protocol))
                protocol = "tcp";
        if (ip && strlen(ip) >= sizeof(out->host_ip))
                return -1;
        out->host_port = (uint16_t)json_integer_value(host);
        out->container_port = (uint16_t)json_integer_value(container);
        strcpy(out->protocol, protocol);
        strcpy(out->host_ip, ip ? ip : "");
        return 0;
}

char *port_mapping_format(const struct port_mapping *m)
{
        const char *ip = m->host_ip[0] ? m->host_ip : "0.0.0.0";
        bool v6 = strchr(ip, ':') != NULL;
        return xasprintf("%s%s%s:%u->%u/%s", v6 ? "[" : "", ip, v6 ? "]" : "",
                         (unsigned)m->host_port, (unsigned)m->container_port, m->protocol);
}

int port_mapping_reserve(const struct port_mapping *m, uint16_t *port, struct error **err)
{
        struct sockaddr_storage ss = {0};
        socklen_t len;
        bool v6 = strchr(m->host_ip, ':') != NULL;
        if (v6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
                a->sin6_family = AF_INET6;
                a->sin6_port = htons(m->host_port);
                inet_pton(AF_INET6, m->host_ip, &a->sin6_addr);
                len = sizeof(*a);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *)&ss;
                a->sin_family = AF_INET;
                a->sin_port = htons(m->host_port);
                a->sin_addr.s_addr = htonl(INADDR_ANY);
                if (m->host_ip[0])
                        inet_pton(AF_INET, m->host_ip, &a->sin_addr);
                len = sizeof(*a);
        }
        int type = strcmp(m->protocol, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
        int proto = strcmp(m->protocol, "sctp") == 0 ? IPPROTO_SCTP : 0;
        int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, proto);
        if (fd < 0)
                return error_set(err, errno, "socket for port %u/%s", (unsigned)m->host_port,
                                 m->protocol);
        int one = 1;
        if (type == SOCK_STREAM) /* a connection in TIME_WAIT does not hold the port */
                (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
                int saved = errno;
                close(fd);
                const char *ip = m->host_ip[0] ? m->host_ip : "0.0.0.0";
                if (saved == EADDRINUSE) /* docker's words */
                        return error_set(err, 0,
                                         "bind for %s:%u/%s failed: port is already allocated", ip,
                                         (unsigned)m->host_port, m->protocol);
                return error_set(err, saved, "bind for %s:%u/%s", ip, (unsigned)m->host_port,
                                 m->protocol);
        }
        getsockname(fd, (struct sockaddr *)&ss, &len);
        *port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                         : ((struct sockaddr_in *)&ss)->sin_port);
        close(fd);
        return 0;
}
