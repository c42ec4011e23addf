/* linux.seccomp with libseccomp. (Being written: until then the profile is not loaded.) */
#include "seccomp.h"

#include <unistd.h>

int seccomp_setup(struct init_context *ctx, struct error **err)
{
        (void)ctx;
        (void)err;
        return 0;
}

int seccomp_forward_listener(const struct oci_config *config, const char *state_json, int fd,
                             struct error **err)
{
        (void)config;
        (void)state_json;
        (void)err;
        close(fd);
        return 0;
}
