#include "seccomp_filter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "log.h"

/* seccomp_api_get() levels (seccomp_api_get(3)): what libseccomp found the kernel to
 * support. */
#define API_TSYNC              2
#define API_LOG                3
#define API_SPEC_ALLOW         4
#define API_WAIT_KILLABLE_RECV 7

static const struct {
        unsigned bit;
        unsigned api;
        int attr; /* -1: this libseccomp cannot set it */
} flag_attrs[] = {
    {SECCOMP_PROFILE_FLAG_TSYNC, API_TSYNC, SCMP_FLTATR_CTL_TSYNC},
    {SECCOMP_PROFILE_FLAG_LOG, API_LOG, SCMP_FLTATR_CTL_LOG},
    {SECCOMP_PROFILE_FLAG_SPEC_ALLOW, API_SPEC_ALLOW, SCMP_FLTATR_CTL_SSB},
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
    {SECCOMP_PROFILE_FLAG_WAIT_KILLABLE_RECV, API_WAIT_KILLABLE_RECV, SCMP_FLTATR_CTL_WAITKILL},
#else
    /* libseccomp 2.6 has the attribute; older ones cannot set the flag. */
    {SECCOMP_PROFILE_FLAG_WAIT_KILLABLE_RECV, API_WAIT_KILLABLE_RECV, -1},
#endif
};

bool seccomp_filter_flag_supported(unsigned flag)
{
        for (size_t i = 0; i < ARRAY_SIZE(flag_attrs); i++)
                if (flag_attrs[i].bit == flag)
                        return flag_attrs[i].attr >= 0 && seccomp_api_get() >= flag_attrs[i].api;
        return false;
}

static int set_flags(scmp_filter_ctx filter, unsigned flags, struct error **err)
{
        for (size_t i = 0; i < ARRAY_SIZE(flag_attrs); i++) {
                if (!(flags & flag_attrs[i].bit))
                        continue;
                if (!seccomp_filter_flag_supported(flag_attrs[i].bit))
                        return error_set(err, 0,
                                         "linux.seccomp.flags: %s is not supported by this "
                                         "kernel or libseccomp %u.%u.%u",
                                         seccomp_flag_name_of(flag_attrs[i].bit),
                                         seccomp_version()->major, seccomp_version()->minor,
                                         seccomp_version()->micro);
                int r = seccomp_attr_set(filter, (enum scmp_filter_attr)flag_attrs[i].attr, 1);
                if (r < 0)
                        return error_set(err, -r, "linux.seccomp.flags: set %s",
                                         seccomp_flag_name_of(flag_attrs[i].bit));
        }
        return 0;
}

static int add_rule(scmp_filter_ctx filter, const struct seccomp_rule *rule, struct error **err)
{
        int r;
        if (!rule->args_each_alone) {
                r = seccomp_rule_add_array(filter, rule->action, rule->syscall,
                                           (unsigned)rule->n_args, rule->args);
                if (r < 0)
                        return error_set(err, -r, "linux.seccomp: add the rule for %s", rule->name);
                return 0;
        }
        for (size_t i = 0; i < rule->n_args; i++) {
                r = seccomp_rule_add_array(filter, rule->action, rule->syscall, 1, &rule->args[i]);
                if (r < 0)
                        return error_set(err, -r, "linux.seccomp: add the rule for %s (args[%zu])",
                                         rule->name, i);
        }
        return 0;
}

scmp_filter_ctx seccomp_filter_build(const struct seccomp_profile *profile, struct error **err)
{
        _cleanup_seccomp_filter_ scmp_filter_ctx filter = seccomp_init(profile->default_action);
        if (filter == NULL)
                return error_set(err, EINVAL, "linux.seccomp: create the filter"), NULL;
        /* libseccomp sets no_new_privs on load by default; process.noNewPrivileges is the
         * config's to decide (runc does the same). */
        int r = seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return error_set(err, -r, "linux.seccomp: clear the no_new_privs attribute"), NULL;
        /* A binary tree of syscall numbers instead of libseccomp's default linear list. The
         * kernel runs the filter at load for each syscall number to fill its action cache
         * (seccomp_cache_prepare): over a linear list of a docker profile's ~350 syscalls that
         * took most of the 0.8 ms the load cost; every filtered syscall is cheaper too. */
        r = seccomp_attr_set(filter, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return error_set(err, -r, "linux.seccomp: ask for a binary tree"), NULL;
        for (size_t i = 0; i < profile->n_arches; i++) {
                r = seccomp_arch_add(filter, profile->arches[i]);
                /* The native arch is in the filter from the start. An arch of the other
                 * endianness cannot share a filter with it (EDOM), nor can this kernel run
                 * its binaries, so leaving it out changes nothing. */
                if (r == -EDOM) {
                        log_debug("linux.seccomp.architectures: %s left out: the other "
                                  "endianness",
                                  seccomp_arch_name_of(profile->arches[i]));
                        continue;
                }
                if (r < 0 && r != -EEXIST)
                        return error_set(err, -r, "linux.seccomp.architectures: add %s",
                                         seccomp_arch_name_of(profile->arches[i])),
                               NULL;
        }
        if (set_flags(filter, profile->flags, err) < 0)
                return NULL;
        for (size_t i = 0; i < profile->n_rules; i++)
                if (add_rule(filter, &profile->rules[i], err) < 0)
                        return NULL;
        return steal_pointer(&filter);
}

/* The kernel's flags for loading a filter with profile FLAGS, as libseccomp's seccomp_load()
 * passes them for the attributes set_flags() sets (notify filters are not exported). */
static unsigned kernel_flags(unsigned flags)
{
        unsigned out = 0;
        if (flags & SECCOMP_PROFILE_FLAG_TSYNC)
                out |= SECCOMP_FILTER_FLAG_TSYNC;
        if (flags & SECCOMP_PROFILE_FLAG_LOG)
                out |= SECCOMP_FILTER_FLAG_LOG;
        if (flags & SECCOMP_PROFILE_FLAG_SPEC_ALLOW)
                out |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        return out;
}

int seccomp_filter_export(scmp_filter_ctx filter, const struct seccomp_profile *profile,
                          struct seccomp_program *out, struct error **err)
{
        /* libseccomp 2.5 exports only to an fd (seccomp_export_bpf_mem came in 2.6). */
        _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return error_set(err, errno, "memfd_create");
        int r = seccomp_export_bpf(filter, fd);
        if (r < 0)
                return error_set(err, -r, "linux.seccomp: export the filter");
        off_t size = lseek(fd, 0, SEEK_END);
        if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0)
                return error_set(err, 0, "linux.seccomp: the exported filter has %lld bytes",
                                 (long long)size);
        struct sock_filter *insns = xmalloc((size_t)size);
        if (pread(fd, insns, (size_t)size, 0) != size) {
                free(insns);
                return error_set(err, errno, "linux.seccomp: read the exported filter");
        }
        out->insns = insns;
        out->n_insns = (size_t)size / sizeof(struct sock_filter);
        out->flags = kernel_flags(profile->flags);
        return 0;
}
