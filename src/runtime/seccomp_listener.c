/* The seccomp agent protocol: the notify fd and the container process state to
 * linux.seccomp.listenerPath (config-linux.md "listenerPath"). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "alloc.h"
#include "error.h"
#include "runtime_config.h"
#include "seccomp_setup.h"
#include "unix_socket.h"

static void cleanup_jsonp(json_t **json)
{
        json_decref(*json);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

/* {"ociVersion", "fds": ["seccompFd"], "pid", "metadata"?, "state"}: the fd names are in
 * the order of the SCM_RIGHTS array. */
static char *process_state(json_t *seccomp, const char *state_json, struct error **err)
{
        json_error_t parse_error;
        json_t *state = json_loads(state_json, 0, &parse_error);
        if (state == NULL)
                return error_set(err, 0, "container state: %s", parse_error.text), NULL;
        _cleanup_json_ json_t *msg = json_object();
        json_object_set_new(msg, "ociVersion", json_string(OCI_RUNTIME_SPEC_VERSION));
        json_object_set_new(msg, "fds", json_pack("[s]", "seccompFd"));
        json_object_set(msg, "pid", json_object_get(state, "pid"));
        json_t *metadata = json_object_get(seccomp, "listenerMetadata");
        if (json_is_string(metadata))
                json_object_set(msg, "metadata", metadata);
        json_object_set_new(msg, "state", state);
        char *text = json_dumps(msg, JSON_COMPACT);
        if (text == NULL)
                abort(); /* jansson fails here only without memory */
        return text;
}

int seccomp_forward_listener(const struct oci_config *config, const char *state_json, int fd,
                             struct error **err)
{
        _cleanup_close_ int notify_fd = fd;
        json_t *seccomp = config->linux_config.seccomp;
        const char *path = json_string_value(json_object_get(seccomp, "listenerPath"));
        if (path == NULL || *path == '\0')
                return error_set(err, 0, "linux.seccomp.listenerPath: not set");
        _cleanup_free_ char *text = process_state(seccomp, state_json, err);
        if (text == NULL)
                return -1;
        /* One connection, one message, then close: the spec forbids reusing it. */
        _cleanup_close_ int sock = unix_socket_connect(path, err);
        if (sock < 0)
                return error_wrap(err, "linux.seccomp.listenerPath");
        if (unix_socket_send_fd(sock, notify_fd, text, err) < 0)
                return error_wrap(err, "linux.seccomp.listenerPath %s", path);
        return 0;
}
