/* The seccomp filter of a container: checked at create, loaded by the init. */
#include "seccomp_setup.h"

#include <errno.h>
#include <seccomp.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "init.h"
#include "log.h"
#include "seccomp_filter.h"
#include "seccomp_profile.h"
#include "sync.h"
#include "unix_socket.h"

static void cleanup_profilep(struct seccomp_profile *profile)
{
        seccomp_profile_release(profile);
}
#define _cleanup_profile_ __attribute__((cleanup(cleanup_profilep)))

int seccomp_check(const struct oci_config *config, struct error **err)
{
        json_t *json = config->linux_config.seccomp;
        if (json == NULL)
                return 0;
        _cleanup_profile_ struct seccomp_profile profile = {0};
        if (seccomp_profile_parse(json, &profile, err) < 0)
                return error_wrap(err, "config.json");
        /* runc skips names libseccomp does not know (newer syscalls, other arches' names)
         * with a debug note; profiles such as Docker's rely on that. */
        for (size_t i = 0; i < profile.n_unknown_syscalls; i++)
                log_debug("linux.seccomp: unknown syscall %s skipped", profile.unknown_syscalls[i]);
        for (size_t i = 0; i < profile.n_skipped_arches; i++)
                log_warn("linux.seccomp.architectures: %s is unknown to libseccomp %u.%u.%u, left "
                         "out",
                         profile.skipped_arches[i], seccomp_version()->major,
                         seccomp_version()->minor, seccomp_version()->micro);
        _cleanup_seccomp_filter_ scmp_filter_ctx filter = seccomp_filter_build(&profile, err);
        if (filter == NULL)
                return error_wrap(err, "config.json");
        return 0;
}

/* Sends the notify fd to the runtime and waits until it reached the listener. */
static int hand_over_notify_fd(struct init_context *ctx, scmp_filter_ctx filter, struct error **err)
{
        int fd = seccomp_notify_fd(filter);
        if (fd < 0)
                return error_set(err, -fd, "seccomp: get the notify fd");
        char type[2] = {SYNC_SECCOMP, '\0'};
        int r = unix_socket_send_fd(ctx->sync_fd, fd, type, err);
        /* The listener holds it now (or nobody will); the container must not inherit it. */
        close(fd);
        if (r < 0)
                return error_wrap(err, "seccomp: hand the notify fd to the runtime");
        if (init_wait_go(ctx, err) < 0)
                return error_wrap(err, "seccomp: the runtime could not reach the listener");
        return 0;
}

int seccomp_setup(struct init_context *ctx, struct error **err)
{
        json_t *json = ctx->config->linux_config.seccomp;
        if (json == NULL)
                return 0;
        _cleanup_profile_ struct seccomp_profile profile = {0};
        if (seccomp_profile_parse(json, &profile, err) < 0)
                return -1;
        _cleanup_seccomp_filter_ scmp_filter_ctx filter = seccomp_filter_build(&profile, err);
        if (filter == NULL)
                return -1;
        int r = seccomp_load(filter);
        if (r < 0)
                return error_set(err, -r, "load the seccomp filter");
        if (profile.uses_notify)
                return hand_over_notify_fd(ctx, filter, err);
        return 0;
}
