/* Timestamps as docker, podman and the OCI state write them. */
#pragma once
#include <stddef.h>

/* Enough for rfc3339_now's text and its NUL. */
#define RFC3339_NOW_SIZE 40

/* The current time in UTC, RFC 3339 with nine fraction digits always, so that entries line up
 * ("2026-11-23T16:10:48.123456789Z"; Go's RFC3339Nano parser takes it). Formatted by hand:
 * strftime() would read the time zone (/etc/localtime) first. */
void rfc3339_now(char *buf, size_t size);
/* The same, newly allocated. */
char *rfc3339_now_string(void);
