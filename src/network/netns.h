/*
 * Named network namespaces: a new namespace kept alive by a bind mount of its
 * /proc/PID/ns/net onto a file (as `ip netns add` does), so that CNI plugins can enter it
 * before the container exists and the container's runtime can join it by path.
 */
#pragma once
#include <sys/types.h>

struct error;

/* Creates the file PATH (and its directory) and binds a new network namespace onto it, with
 * its loopback interface up. An existing PATH is an error. */
int netns_create(const char *path, struct error **err);
/* Unmounts and unlinks PATH; a PATH that is not there (or not mounted) is fine. */
int netns_remove(const char *path, struct error **err);
/* Brings up the loopback in the network namespace of process PID (a container whose runtime
 * made it a new one, as `--network none` does), from this thread, which enters it and comes
 * back. */
int netns_loopback_up_of(pid_t pid, struct error **err);
