/*
 * The pure parsing of the registry server, kept apart from libmicrohttpd so that unit tests reach
 * it: routes (distribution-spec "Endpoints"), repository names and tags ("Pulling manifests"),
 * Range and Content-Range, Accept negotiation, pagination and its Link header.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum route_kind {
        ROUTE_NOT_FOUND,    /* no endpoint has this shape */
        ROUTE_BASE,         /* /v2/ */
        ROUTE_CATALOG,      /* /v2/_catalog */
        ROUTE_TAGS,         /* /v2/<name>/tags/list */
        ROUTE_MANIFEST,     /* /v2/<name>/manifests/<reference> */
        ROUTE_BLOB,         /* /v2/<name>/blobs/<digest> */
        ROUTE_UPLOAD_START, /* /v2/<name>/blobs/uploads/ */
        ROUTE_UPLOAD,       /* /v2/<name>/blobs/uploads/<session> */
        ROUTE_REFERRERS,    /* /v2/<name>/referrers/<digest> */
        ROUTE_TOKEN,        /* /token: the built-in token issuer (not a /v2 route) */
        ROUTE_METRICS,      /* /metrics (not a /v2 route) */
        ROUTE_KIND_COUNT,
};

/* NAME and REFERENCE are newly allocated (NULL where the route has none). NAME is not checked
 * against the grammar here: an endpoint with a bad name answers NAME_INVALID, not 404. */
struct route {
        enum route_kind kind;
        char *name;
        char *reference; /* tag or digest, digest, or upload session id */
};

/* Matches PATH (the URL path, without the query) from its end, since a name may contain any
 * of the endpoints' words as components ("a/blobs/b" is a valid name). */
enum route_kind route_parse(const char *path, struct route *out);
void route_release(struct route *r);
const char *route_kind_name(enum route_kind kind); /* "blob", "manifest", ... for logs */

/* spec.md "Pulling manifests":
 * [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)* and at most 255
 * characters (the limit many clients put on host/name). */
bool registry_name_valid(const char *name);
/* [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} */
bool registry_tag_valid(const char *tag);

enum range_result {
        RANGE_NONE,          /* no header, or one the server may ignore: send the whole body */
        RANGE_SATISFIABLE,   /* *start and *length */
        RANGE_UNSATISFIABLE, /* 416, with a Content-Range of the whole size */
};
/* A Range request header (RFC 9110 section 14.2) for a body of SIZE bytes. Only one range is
 * served; several ranges, other units and bad syntax fall back to the whole body, which RFC
 * 9110 allows ("a server MAY ignore the Range header field"). */
enum range_result http_range_parse(const char *header, uint64_t size, uint64_t *start,
                                   uint64_t *length);

/* A chunk's Content-Range of a blob upload: "<start>-<end>", inclusive (spec.md "Pushing a blob
 * in chunks"); "bytes " / "bytes=" before and "/TOTAL" (or an asterisk) after are tolerated since
 * clients send RFC 9110's form too. Returns false on anything else or end < start. */
bool upload_content_range_parse(const char *header, uint64_t *start, uint64_t *end);

/* Whether an Accept header value (a comma-separated list, several headers joined by commas)
 * allows MEDIA_TYPE: no header, * / *, type / *, or the type itself with q > 0. Parameters of
 * the media types are ignored; types compare case-insensitively. */
bool http_accept_allows(const char *accept, const char *media_type);

/* A page size ("n"): decimal digits only, clamped to MAX. */
bool page_size_parse(const char *text, uint64_t max, uint64_t *out);
/* The Link header of the next page (RFC 5988): "</v2/NAME/tags/list?n=N&last=LAST>; rel=\"next\""
 * for PATH "/v2/NAME/tags/list". LAST is percent-encoded. Newly allocated. */
char *page_link_next(const char *path, uint64_t n, const char *last);
/* Percent-encodes everything but RFC 3986's unreserved characters. Newly allocated. */
char *url_query_escape(const char *text);
