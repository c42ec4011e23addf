/* The container process's identity and limits: user and groups, capabilities, rlimits,
 * oom_score_adj, the session keyring; and finding args[0] in the container's PATH. */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fs.h"
#include "init.h"
#include "sync.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static void warn_parent(struct init_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn_parent(struct init_context *ctx, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        sync_send(ctx->sync_fd, SYNC_WARN, msg);
}

/* Names to capability numbers. Unknown names are skipped with a warning (as runc 1.1 does),
 * so a config written for a newer kernel still runs. */
static size_t cap_list(struct init_context *ctx, char *const *names, size_t n, cap_value_t *out)
{
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
                cap_value_t v;
                if (cap_from_name(names[i], &v) < 0 || v > cap_max_bits() - 1) {
                        warn_parent(ctx, "ignoring unknown or unsupported capability %s", names[i]);
                        continue;
                }
                out[count++] = v;
        }
        return count;
}

static int set_capabilities(struct init_context *ctx, const struct oci_capabilities *caps,
                            struct error **err)
{
        cap_value_t list[CAP_LAST_CAP + 64];
        cap_t state = cap_init();
        if (state == NULL)
                return error_set(err, errno, "cap_init");
        struct {
                char *const *names;
                size_t n;
                cap_flag_t flag;
        } sets[] = {
            {caps->effective, caps->n_effective, CAP_EFFECTIVE},
            {caps->permitted, caps->n_permitted, CAP_PERMITTED},
            {caps->inheritable, caps->n_inheritable, CAP_INHERITABLE},
        };
        for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
                size_t n = cap_list(ctx, sets[s].names, sets[s].n, list);
                if (n && cap_set_flag(state, sets[s].flag, (int)n, list, CAP_SET) < 0) {
                        cap_free(state);
                        return error_set(err, errno, "cap_set_flag");
                }
        }
        int r = cap_set_proc(state);
        int saved = errno;
        cap_free(state);
        if (r < 0)
                return error_set(err, saved, "set capabilities");
        if (cap_reset_ambient() < 0 && errno != EINVAL)
                return error_set(err, errno, "clear ambient capabilities");
        size_t n = cap_list(ctx, caps->ambient, caps->n_ambient, list);
        /* The kernel raises an ambient capability only when it is permitted and inheritable;
         * runc's default config lists ambient ones without inheritable, and runc skips those
         * quietly. So do we. */
        for (size_t i = 0; i < n; i++)
                if (cap_set_ambient(list[i], CAP_SET) < 0 && errno != EPERM)
                        return error_set(err, errno, "raise ambient capability %s",
                                         caps->ambient[i]);
        return 0;
}

static int drop_bounding(struct init_context *ctx, const struct oci_capabilities *caps,
                         struct error **err)
{
        cap_value_t keep[CAP_LAST_CAP + 64];
        size_t n = cap_list(ctx, caps->bounding, caps->n_bounding, keep);
        for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
                bool wanted = false;
                for (size_t i = 0; i < n; i++)
                        if (keep[i] == c)
                                wanted = true;
                if (!wanted && cap_drop_bound(c) < 0 && errno != EINVAL)
                        return error_set(err, errno, "drop capability %d from the bounding set", c);
        }
        return 0;
}

/* A user namespace made by an unprivileged runtime denies setgroups(2) for good. */
static bool setgroups_allowed(void)
{
        _cleanup_free_ char *state = fs_read_file("/proc/self/setgroups", NULL, NULL);
        return state == NULL || strncmp(state, "deny", 4) != 0;
}

int process_setup_identity(struct init_context *ctx, struct error **err)
{
        const struct oci_process *p = ctx->config->process;
        if (p->has_capabilities && drop_bounding(ctx, &p->capabilities, err) < 0)
                return -1;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return error_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
        if (setgroups_allowed()) {
                if (setgroups(p->user.n_additional_gids, p->user.additional_gids) < 0)
                        return error_set(err, errno, "setgroups");
        } else if (p->user.n_additional_gids) {
                return error_set(err, EPERM,
                                 "process.user.additionalGids: setgroups is denied "
                                 "in this (rootless) user namespace");
        }
        if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
                return error_set(err, errno, "setgid %u", (unsigned)p->user.gid);
        if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
                return error_set(err, errno, "setuid %u", (unsigned)p->user.uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return error_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
        if (p->has_capabilities && set_capabilities(ctx, &p->capabilities, err) < 0)
                return -1;
        return 0;
}

/* setrlimit, except that a hard limit above the host's cannot be had without
 * CAP_SYS_RESOURCE: then the container gets the host's hard limit (and a soft one no higher)
 * with a warning, instead of failing to start. */
static int set_rlimit(struct init_context *ctx, const struct oci_rlimit *rl, struct error **err)
{
        struct rlimit want = {.rlim_cur = rl->soft, .rlim_max = rl->hard};
        if (setrlimit(rl->resource, &want) == 0)
                return 0;
        if (errno != EPERM)
                return error_set(err, errno, "setrlimit %s", rl->type);
        struct rlimit now;
        if (getrlimit(rl->resource, &now) < 0 || want.rlim_max <= now.rlim_max)
                return error_set(err, EPERM, "setrlimit %s", rl->type);
        struct rlimit clamped = {.rlim_max = now.rlim_max,
                                 .rlim_cur =
                                     want.rlim_cur < now.rlim_max ? want.rlim_cur : now.rlim_max};
        if (setrlimit(rl->resource, &clamped) < 0)
                return error_set(err, errno, "setrlimit %s", rl->type);
        warn_parent(ctx,
                    "%s: hard limit %llu is above the host's %llu and cannot be raised here; "
                    "using soft %llu, hard %llu",
                    rl->type, (unsigned long long)rl->hard, (unsigned long long)now.rlim_max,
                    (unsigned long long)clamped.rlim_cur, (unsigned long long)clamped.rlim_max);
        return 0;
}

int process_setup_limits(struct init_context *ctx, struct error **err)
{
        const struct oci_process *p = ctx->config->process;
        for (size_t i = 0; i < p->n_rlimits; i++)
                if (set_rlimit(ctx, &p->rlimits[i], err) < 0)
                        return -1;
        if (p->has_oom_score_adj) {
                char buf[16];
                snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
                if (fs_write_string("/proc/self/oom_score_adj", buf, err) < 0)
                        return error_wrap(err, "process.oomScoreAdj %d", p->oom_score_adj);
        }
        if (!ctx->opts->no_new_keyring) {
                _cleanup_free_ char *name = xasprintf("_ses.%s", ctx->id);
                if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS)
                        return error_set(err, errno, "join session keyring");
        }
        return 0;
}

static const char *env_value(const struct oci_process *p, const char *key)
{
        size_t len = strlen(key);
        for (size_t i = 0; i < p->n_env; i++)
                if (strncmp(p->env[i], key, len) == 0 && p->env[i][len] == '=')
                        return p->env[i] + len + 1;
        return NULL;
}

static int check_executable(const char *path, const char *arg0, struct error **err)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return error_set(err, errno, "exec %s", arg0);
        if (S_ISDIR(st.st_mode))
                return error_set(err, EISDIR, "exec %s", arg0);
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return error_set(err, EACCES, "exec %s", arg0);
        return 0;
}

char *process_resolve_executable(const struct oci_process *p, struct error **err)
{
        const char *arg0 = p->args[0];
        if (strchr(arg0, '/'))
                return check_executable(arg0, arg0, err) < 0 ? NULL : xstrdup(arg0);
        const char *path = env_value(p, "PATH");
        if (path == NULL)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        _cleanup_free_ char *copy = xstrdup(path);
        int first_error = 0;
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *candidate = xasprintf("%s/%s", *dir ? dir : ".", arg0);
                struct error *e = NULL;
                if (check_executable(candidate, arg0, &e) == 0)
                        return steal_pointer(&candidate);
                if (e->errnum != ENOENT && first_error == 0)
                        first_error = e->errnum;
                error_free(&e);
        }
        if (first_error)
                error_set(err, first_error, "exec %s", arg0);
        else
                error_set(err, 0, "exec %s: executable file not found in $PATH", arg0);
        return NULL;
}
