/*
 * The device rules of a container's cgroup: linux.resources.devices in order, then allow
 * rules for the devices every container gets (config-linux.md "Default Devices", /dev/pts,
 * /dev/ptmx, tun, and mknod of any device), as runc adds them. The list starts from "deny
 * everything". A linux.devices entry gets no rule of its own: config-linux.md leaves its
 * access to linux.resources.devices, and runc adds none either.
 * Where two rules match an access, the later one decides.
 */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

struct cgroup_device_rule {
        bool allow;
        char type;      /* 'a' (all), 'c' or 'b' */
        int64_t major;  /* -1: any */
        int64_t minor;  /* -1: any */
        char access[4]; /* a subset of "rwm", in that order */
};

/* Builds the rules; resources may be NULL. Returns the count and *out (free()), or -1
 * with *err naming the bad linux.resources.devices entry. */
int cgroup_device_rules_build(json_t *resources, struct cgroup_device_rule **out,
                              struct error **err);
/* v1's text for devices.allow/devices.deny: "c 1:3 rwm", "a *:* rwm". Returns a new
 * string. */
char *cgroup_device_rule_text(const struct cgroup_device_rule *rule);

/* v2: loads an eBPF program that enforces the rules and attaches it to the cgroup
 * directory dirfd. Fails with errno EPERM (and the like) when the kernel refuses. */
int cgroup_v2_devices_attach(int dirfd, const struct cgroup_device_rule *rules, size_t n,
                             struct error **err);
