/*
 * The settings berth takes from containers.conf(5), the file podman users already have, as it
 * takes registries.conf, auth.json and seccomp.json from them: only [containers] netns so far,
 * the network of a container run without --network.
 */
#pragma once

/* The network mode for a container run without --network: containers.conf's [containers]
 * netns when set ("none", "host", "bridge"; "private" is bridge, as for podman run as root;
 * anything else is bridge too), else "bridge", docker's default. Read from $CONTAINERS_CONF
 * alone when that is set (podman's rule), else /usr/share/containers/containers.conf, then
 * /etc/containers/containers.conf, then /etc/containers/containers.conf.d/ (*.conf, in
 * order), a later file overriding an earlier one. A file that cannot be read is skipped.
 * Returns a static string. */
const char *containers_conf_default_network(void);

/* The value of [containers] netns in TEXT, or NULL (newly allocated). For tests. */
char *containers_conf_netns(const char *text);
