/*
 * Published ports: docker's -p syntax, the CNI portMappings entries that the portmap plugin
 * takes (CONVENTIONS.md, "port mappings"), and docker's way of printing them.
 */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct error;

struct port_mapping {
        char host_ip[64];        /* "" means every address (docker's 0.0.0.0) */
        uint16_t host_port;      /* 0: a free port chosen when the container starts */
        uint16_t container_port; /* never 0 */
        char protocol[8];        /* "tcp", "udp" or "sctp" */
};

/* Parses one -p/--publish value, [hostIP:][hostPort[-end]:]containerPort[-end][/proto],
 * appending one mapping per port of its range to *LIST (grown with xrealloc, *N updated).
 * A host IP may be IPv6 in brackets ("[::1]:8080:80"). Errors are docker's words
 * ("invalid containerPort: x", "invalid proto: sctpx", ...). */
int port_mapping_parse(const char *text, struct port_mapping **list, size_t *n, struct error **err);

/* An image's ExposedPorts key ("80/tcp", "53/udp", "8080") as a mapping to a random port. */
int port_mapping_exposed(const char *key, struct port_mapping *out, struct error **err);

/* CNI's entry {"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"127.0.0.1"}
 * (hostIP only when set). A new reference. */
json_t *port_mapping_to_json(const struct port_mapping *m);
/* The reverse; -1 when OBJ is not such an entry. */
int port_mapping_from_json(json_t *obj, struct port_mapping *out);

/* docker's ps column entry: "127.0.0.1:8080->80/tcp", "0.0.0.0:8080->80/tcp". Newly
 * allocated. */
char *port_mapping_format(const struct port_mapping *m);

/* A host port for M that nothing listens on now: M's own when it is not 0 (EADDRINUSE is the
 * error "port is already allocated"), else one the kernel picks for a bind to port 0. */
int port_mapping_reserve(const struct port_mapping *m, uint16_t *port, struct error **err);
