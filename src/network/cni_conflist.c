/* Network configuration lists run as attachments (cni_conflist.h). */
#include "cni_conflist.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"

json_t *cni_conflist_request(json_t *conflist, size_t index, json_t *capability_args,
                             json_t *prev_result)
{
        json_t *plugin = json_array_get(json_object_get(conflist, "plugins"), index);
        if (!json_is_object(plugin))
                return NULL;
        json_t *request = json_deep_copy(plugin);
        json_object_set(request, "cniVersion", json_object_get(conflist, "cniVersion"));
        json_object_set(request, "name", json_object_get(conflist, "name"));
        json_t *capabilities = json_object_get(plugin, "capabilities");
        json_t *runtime_config = json_object();
        const char *key;
        json_t *value;
        json_object_foreach(capabilities, key, value)
        {
                json_t *arg = json_object_get(capability_args, key);
                if (json_is_true(value) && arg)
                        json_object_set(runtime_config, key, arg);
        }
        json_object_del(request, "capabilities");
        if (json_object_size(runtime_config) > 0)
                json_object_set(request, "runtimeConfig", runtime_config);
        json_decref(runtime_config);
        if (prev_result)
                json_object_set(request, "prevResult", prev_result);
        return request;
}

/* The plugin's type at INDEX, or "?" */
static const char *plugin_type(json_t *conflist, size_t index)
{
        const char *type = json_string_value(
            json_object_get(json_array_get(json_object_get(conflist, "plugins"), index), "type"));
        return type ? type : "?";
}

int cni_conflist_add(json_t *conflist, const struct cni_attachment *a, json_t *capability_args,
                     json_t **result, struct error **err)
{
        const char *name = json_string_value(json_object_get(conflist, "name"));
        size_t n = json_array_size(json_object_get(conflist, "plugins"));
        json_t *prev = NULL;
        for (size_t i = 0; i < n; i++) {
                json_t *request = cni_conflist_request(conflist, i, capability_args, prev);
                json_t *next = NULL;
                int rc = cni_exec(a, "ADD", plugin_type(conflist, i), request, &next, err);
                json_decref(request);
                if (rc < 0 || !next) {
                        if (rc == 0)
                                error_set(err, 0, "plugin %s: no result", plugin_type(conflist, i));
                        struct error *ignored = NULL;
                        (void)cni_conflist_del(conflist, a, capability_args, prev, &ignored);
                        error_free(&ignored);
                        json_decref(prev);
                        json_decref(next);
                        return error_wrap(err, "network %s", name ? name : "?");
                }
                json_decref(prev);
                prev = next;
        }
        *result = prev ? prev : json_object();
        return 0;
}

int cni_conflist_del(json_t *conflist, const struct cni_attachment *a, json_t *capability_args,
                     json_t *prev_result, struct error **err)
{
        const char *name = json_string_value(json_object_get(conflist, "name"));
        size_t n = json_array_size(json_object_get(conflist, "plugins"));
        int ret = 0;
        for (size_t i = n; i-- > 0;) {
                json_t *request = cni_conflist_request(conflist, i, capability_args, prev_result);
                struct error *one = NULL;
                if (cni_exec(a, "DEL", plugin_type(conflist, i), request, NULL, &one) < 0) {
                        if (ret == 0) {
                                *err = one;
                                one = NULL;
                                error_wrap(err, "network %s", name ? name : "?");
                                ret = -1;
                        }
                        error_free(&one);
                }
                json_decref(request);
        }
        return ret;
}

void cni_result_summary_release(struct cni_result_summary *s)
{
        free(s->ip);
        free(s->gateway);
        free(s->ipv6);
        free(s->mac);
        memset(s, 0, sizeof(*s));
}

int cni_result_summarize(json_t *result, struct cni_result_summary *out, struct error **err)
{
        memset(out, 0, sizeof(*out));
        json_t *interfaces = json_object_get(result, "interfaces");
        size_t i;
        json_t *ip;
        json_array_foreach(json_object_get(result, "ips"), i, ip)
        {
                const char *address = json_string_value(json_object_get(ip, "address"));
                const char *gateway = json_string_value(json_object_get(ip, "gateway"));
                json_t *index = json_object_get(ip, "interface");
                if (!address || !strchr(address, '/'))
                        continue;
                /* Only the container's side: an interface with a sandbox. */
                json_t *iface = json_is_integer(index)
                                    ? json_array_get(interfaces, (size_t)json_integer_value(index))
                                    : NULL;
                const char *sandbox = json_string_value(json_object_get(iface, "sandbox"));
                if (iface && (!sandbox || !*sandbox))
                        continue;
                const char *slash = strchr(address, '/');
                bool v6 = memchr(address, ':', (size_t)(slash - address)) != NULL;
                char **slot = v6 ? &out->ipv6 : &out->ip;
                if (*slot)
                        continue;
                *slot = xstrndup(address, (size_t)(slash - address));
                int prefix = atoi(slash + 1);
                if (v6) {
                        out->ipv6_prefix_len = prefix;
                } else {
                        out->prefix_len = prefix;
                        out->gateway = gateway ? xstrdup(gateway) : NULL;
                }
                const char *mac = json_string_value(json_object_get(iface, "mac"));
                if (mac && !out->mac)
                        out->mac = xstrdup(mac);
        }
        if (!out->ip) {
                cni_result_summary_release(out);
                return error_set(err, 0, "the network's result has no IPv4 address");
        }
        return 0;
}
