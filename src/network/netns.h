/*
 * Named network namespaces: a new namespace kept alive by a bind mount of its
 * /proc/PID/ns/net onto a file (as `ip netns add` does), so that CNI plugins can enter it
 * before the container exists and the container's runtime can join it by path.
 */
#pragma once

struct error;

/* Creates the file PATH (and its directory) and binds a new network namespace onto it, with
 * its loopback interface up. An existing PATH is an error. */
int netns_create(const char *path, struct error **err);
/* Unmounts and unlinks PATH; a PATH that is not there (or not mounted) is fine. */
int netns_remove(const char *path, struct error **err);
