#include "apparmor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"

bool apparmor_enabled(void)
{
        _cleanup_free_ char *on =
            fs_read_file("/sys/module/apparmor/parameters/enabled", NULL, NULL);
        return on && on[0] == 'Y';
}

int apparmor_check(const char *profile, struct error **err)
{
        if (profile == NULL || *profile == '\0' || apparmor_enabled())
                return 0;
        return error_set(err, 0, "process.apparmorProfile %s: AppArmor is not enabled on this host",
                         profile);
}

int apparmor_exec_profile(const char *profile, struct error **err)
{
        if (profile == NULL || *profile == '\0')
                return 0;
        _cleanup_free_ char *value = xasprintf("exec %s", profile);
        /* The LSM-specific file first (stacked LSMs), then the generic one. */
        if (fs_write_string("/proc/self/attr/apparmor/exec", value, NULL) == 0)
                return 0;
        if (fs_write_string("/proc/self/attr/exec", value, err) < 0)
                return error_wrap(err, "process.apparmorProfile %s", profile);
        return 0;
}
