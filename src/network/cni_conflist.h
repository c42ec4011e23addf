/*
 * A network configuration list run as one attachment (CNI SPEC.md, section 3): ADD runs the
 * plugins in order, each getting the previous one's result; DEL runs them in reverse, each
 * getting the final result of the ADD.
 */
#pragma once
#include <jansson.h>
#include <stddef.h>

#include "cni_exec.h"

struct error;

/* The request configuration for the plugin at INDEX of CONFLIST (SPEC.md, "Deriving request
 * configuration from plugin configuration"): the plugin's object with cniVersion and name
 * from the list, capabilities removed, runtimeConfig holding those of CAPABILITY_ARGS (an
 * object, may be NULL) the plugin declares in its capabilities, and prevResult when
 * PREV_RESULT is not NULL. A new reference, or NULL when INDEX is out of range. */
json_t *cni_conflist_request(json_t *conflist, size_t index, json_t *capability_args,
                             json_t *prev_result);

/* ADD: *RESULT gets the last plugin's result (a new reference). When a plugin fails, the
 * plugins are sent DEL (best effort, as the spec wants a DEL after a failed ADD) and the
 * error names the network. */
int cni_conflist_add(json_t *conflist, const struct cni_attachment *a, json_t *capability_args,
                     json_t **result, struct error **err);

/* DEL in reverse order with PREV_RESULT (may be NULL). Every plugin is run even when one
 * fails; the first failure is returned. */
int cni_conflist_del(json_t *conflist, const struct cni_attachment *a, json_t *capability_args,
                     json_t *prev_result, struct error **err);

/* What berth keeps of an ADD result: the first IPv4 (and IPv6) address of the interface in
 * the container's namespace, its gateway and MAC. Strings are newly allocated or NULL. */
struct cni_result_summary {
        char *ip;       /* "10.77.0.2" */
        int prefix_len; /* 24 */
        char *gateway;  /* "10.77.0.1" or NULL */
        char *ipv6;     /* or NULL */
        int ipv6_prefix_len;
        char *mac; /* "aa:bb:..." or NULL */
};
/* Reads RESULT (SPEC.md section 5, "ADD Success"); an error when it has no IPv4 address. */
int cni_result_summarize(json_t *result, struct cni_result_summary *out, struct error **err);
void cni_result_summary_release(struct cni_result_summary *s);
