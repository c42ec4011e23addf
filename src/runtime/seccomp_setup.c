/* The seccomp filter of a container: checked at create, loaded by the init. */
#include "seccomp_setup.h"

#include <errno.h>
#include <link.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"
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

/* JSON parsed into *profile and built into a filter, or NULL with *err naming the member. */
static scmp_filter_ctx compile_profile(json_t *json, struct seccomp_profile *profile,
                                       struct error **err)
{
        if (seccomp_profile_parse(json, profile, err) < 0)
                return error_wrap(err, "config.json"), NULL;
        /* runc skips names libseccomp does not know (newer syscalls, other arches' names)
         * with a debug note; profiles such as Docker's rely on that. */
        for (size_t i = 0; i < profile->n_unknown_syscalls; i++)
                log_debug("linux.seccomp: unknown syscall %s skipped",
                          profile->unknown_syscalls[i]);
        for (size_t i = 0; i < profile->n_skipped_arches; i++)
                log_warn("linux.seccomp.architectures: %s is unknown to libseccomp %u.%u.%u, left "
                         "out",
                         profile->skipped_arches[i], seccomp_version()->major,
                         seccomp_version()->minor, seccomp_version()->micro);
        scmp_filter_ctx filter = seccomp_filter_build(profile, err);
        if (filter == NULL)
                error_wrap(err, "config.json");
        return filter;
}

/* The GNU build id of this executable in hex (empty when it has none): a rebuilt runtime
 * may translate profiles differently, so it never reuses an older build's filters. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
        (void)size;
        char *hex = data;
        for (int i = 0; i < info->dlpi_phnum; i++) {
                const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
                if (ph->p_type != PT_NOTE)
                        continue;
                const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
                const char *end = p + ph->p_memsz;
                while (p + sizeof(ElfW(Nhdr)) <= end) {
                        const ElfW(Nhdr) *note = (const ElfW(Nhdr) *)p;
                        const char *name = p + sizeof(*note);
                        const unsigned char *desc =
                            (const unsigned char *)name + ((note->n_namesz + 3) & ~3u);
                        if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                            memcmp(name, "GNU", 4) == 0 && note->n_descsz <= 64) {
                                for (unsigned j = 0; j < note->n_descsz; j++)
                                        sprintf(hex + 2 * j, "%02x", desc[j]);
                                return 1;
                        }
                        p = (const char *)desc + ((note->n_descsz + 3) & ~3u);
                }
        }
        return 1; /* the first object is the executable: stop there */
}

/* What a compiled filter depends on besides the profile: this runtime's build, libseccomp's
 * version, the kernel features it found (API level) and the kernel. */
static char *cache_key(json_t *seccomp, size_t *len)
{
        static char build_id[129];
        if (!build_id[0])
                dl_iterate_phdr(find_build_id, build_id);
        struct utsname u;
        if (uname(&u) < 0)
                memset(&u, 0, sizeof(u));
        const struct scmp_version *v = seccomp_version();
        _cleanup_free_ char *profile = json_dumps(seccomp, JSON_COMPACT | JSON_SORT_KEYS);
        char *key =
            xasprintf("berth-runtime %s build %s\nlibseccomp %u.%u.%u api %u\n"
                      "kernel %s %s %s\n%s",
                      BERTH_VERSION, build_id, v->major, v->minor, v->micro, seccomp_api_get(),
                      u.release, u.version, u.machine, profile ? profile : "");
        *len = strlen(key);
        return key;
}

char *seccomp_cache_dir(const char *runtime_root)
{
        return xasprintf("%s/seccomp@cache", runtime_root);
}

int seccomp_prepare(const struct oci_config *config, const char *cache_dir,
                    struct seccomp_program *out, struct error **err)
{
        memset(out, 0, sizeof(*out));
        json_t *json = config->linux_config.seccomp;
        if (json == NULL)
                return 0;
        /* A notify profile is only checked here: the init builds it, for the notify fd. */
        bool notify = json_object_get(json, "listenerPath") != NULL;
        size_t key_len = 0;
        _cleanup_free_ char *key = notify ? NULL : cache_key(json, &key_len);
        if (!notify && seccomp_cache_lookup(cache_dir, key, key_len, out))
                return 0;
        _cleanup_profile_ struct seccomp_profile profile = {0};
        _cleanup_seccomp_filter_ scmp_filter_ctx filter = compile_profile(json, &profile, err);
        if (filter == NULL)
                return -1;
        if (notify || profile.uses_notify) /* uses_notify needs a listenerPath: never here */
                return 0;
        if (seccomp_filter_export(filter, &profile, out, err) < 0)
                return -1;
        seccomp_cache_store(cache_dir, key, key_len, out);
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
        if (ctx->seccomp && ctx->seccomp->n_insns) {
                struct sock_fprog prog = {.len = (unsigned short)ctx->seccomp->n_insns,
                                          .filter = ctx->seccomp->insns};
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, ctx->seccomp->flags, &prog) < 0)
                        return error_set(err, errno, "load the seccomp filter");
                return 0;
        }
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
