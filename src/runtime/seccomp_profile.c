#include "seccomp_profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json_field.h"

#define PROFILE_PATH "linux.seccomp"

/* The kernel caps an errno return at MAX_ERRNO; SECCOMP_RET_DATA (TRACE's message) has 16
 * bits. */
#define MAX_ERRNO_RET 4095
#define MAX_TRACE_RET 0xffff

enum action_data { ACTION_NO_DATA, ACTION_ERRNO, ACTION_TRACE };

static const struct {
        const char *name;
        uint32_t action; /* with data 0 for ERRNO and TRACE */
        enum action_data data;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, ACTION_NO_DATA},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACTION_NO_DATA},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACTION_NO_DATA},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACTION_NO_DATA},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACTION_ERRNO},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACTION_TRACE},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACTION_NO_DATA},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ACTION_NO_DATA},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACTION_NO_DATA},
};

static const struct {
        const char *name;
        enum scmp_compare op;
} operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* The architectures libseccomp knows in this build; newer ones are compiled in when the
 * installed seccomp.h defines them. */
static const struct {
        const char *name;
        uint32_t token;
} arches[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

/* Named by config-linux.md (libseccomp 2.6) but perhaps not in the table above. A profile
 * naming one of these still loads here: a host that runs this build cannot run such
 * binaries, so leaving the arch out changes nothing. A name nobody knows is an error. */
static const char *const spec_arch_names[] = {
    "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH",
    "SCMP_ARCH_SHEB",
};

static const struct {
        const char *name;
        unsigned bit;
} flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_PROFILE_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_PROFILE_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_PROFILE_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_PROFILE_FLAG_WAIT_KILLABLE_RECV},
};

const char *seccomp_action_name(size_t i)
{
        return i < ARRAY_SIZE(actions) ? actions[i].name : NULL;
}

const char *seccomp_operator_name(size_t i)
{
        return i < ARRAY_SIZE(operators) ? operators[i].name : NULL;
}

const char *seccomp_arch_name(size_t i)
{
        return i < ARRAY_SIZE(arches) ? arches[i].name : NULL;
}

const char *seccomp_flag_name(size_t i)
{
        return i < ARRAY_SIZE(flags) ? flags[i].name : NULL;
}

unsigned seccomp_flag_bit(size_t i)
{
        return i < ARRAY_SIZE(flags) ? flags[i].bit : 0;
}

const char *seccomp_flag_name_of(unsigned bit)
{
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if (flags[i].bit == bit)
                        return flags[i].name;
        return "?";
}

const char *seccomp_arch_name_of(uint32_t token)
{
        for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
                if (arches[i].token == token)
                        return arches[i].name;
        return "?";
}

/* Reads action (and errnoRet, under the key errno_key) of obj at path into *out.
 * config-linux.md: the errno defaults to EPERM, and an errno on an action that takes none is
 * an error. */
static int parse_action(json_t *obj, const char *path, const char *action_key,
                        const char *errno_key, uint32_t *out, struct error **err)
{
        _cleanup_free_ char *name = NULL;
        if (json_field_string(obj, path, action_key, true, &name, err) < 0)
                return -1;
        size_t i = 0;
        while (i < ARRAY_SIZE(actions) && strcmp(actions[i].name, name) != 0)
                i++;
        if (i == ARRAY_SIZE(actions))
                return json_field_error(err, path, action_key, "unknown action %s", name);
        int64_t data = EPERM;
        int64_t max = actions[i].data == ACTION_TRACE ? MAX_TRACE_RET : MAX_ERRNO_RET;
        int has = json_field_integer(obj, path, errno_key, false, 0, max, &data, err);
        if (has < 0)
                return -1;
        if (has && actions[i].data == ACTION_NO_DATA)
                return json_field_error(err, path, errno_key, "%s takes no errno", name);
        *out = actions[i].action;
        if (actions[i].data == ACTION_ERRNO)
                *out = SCMP_ACT_ERRNO((uint32_t)data);
        else if (actions[i].data == ACTION_TRACE)
                *out = SCMP_ACT_TRACE((uint32_t)data);
        return 0;
}

static int parse_arches(json_t *json, struct seccomp_profile *out, struct error **err)
{
        char **names = NULL;
        size_t n = 0;
        /* The list is allocated even when the member has the wrong type. */
        if (json_field_string_array(json, PROFILE_PATH, "architectures", &names, &n, err) < 0) {
                json_field_free_strings(names);
                return -1;
        }
        out->arches = xcalloc(n ? n : 1, sizeof(*out->arches));
        out->skipped_arches = xcalloc(n + 1, sizeof(char *));
        int ret = 0;
        for (size_t i = 0; i < n && ret == 0; i++) {
                size_t a = 0;
                while (a < ARRAY_SIZE(arches) && strcmp(arches[a].name, names[i]) != 0)
                        a++;
                if (a < ARRAY_SIZE(arches)) {
                        out->arches[out->n_arches++] = arches[a].token;
                        continue;
                }
                size_t s = 0;
                while (s < ARRAY_SIZE(spec_arch_names) && strcmp(spec_arch_names[s], names[i]) != 0)
                        s++;
                if (s < ARRAY_SIZE(spec_arch_names))
                        out->skipped_arches[out->n_skipped_arches++] = xstrdup(names[i]);
                else
                        ret = json_field_error(err, PROFILE_PATH, "architectures",
                                               "unknown architecture %s", names[i]);
        }
        json_field_free_strings(names);
        return ret;
}

static int parse_flags(json_t *json, struct seccomp_profile *out, struct error **err)
{
        char **names = NULL;
        size_t n = 0;
        /* The list is allocated even when the member has the wrong type. */
        if (json_field_string_array(json, PROFILE_PATH, "flags", &names, &n, err) < 0) {
                json_field_free_strings(names);
                return -1;
        }
        int ret = 0;
        for (size_t i = 0; i < n && ret == 0; i++) {
                size_t f = 0;
                while (f < ARRAY_SIZE(flags) && strcmp(flags[f].name, names[i]) != 0)
                        f++;
                if (f < ARRAY_SIZE(flags))
                        out->flags |= flags[f].bit;
                else
                        ret = json_field_error(err, PROFILE_PATH, "flags", "unknown flag %s",
                                               names[i]);
        }
        json_field_free_strings(names);
        return ret;
}

/* One condition of syscalls[].args. */
static int parse_arg(json_t *arg, const char *path, struct scmp_arg_cmp *out, struct error **err)
{
        if (!json_is_object(arg))
                return json_field_error(err, path, NULL, "must be an object");
        int64_t index = 0, value = 0, value_two = 0;
        _cleanup_free_ char *op = NULL;
        /* Syscalls have at most six arguments. */
        if (json_field_integer(arg, path, "index", true, 0, 5, &index, err) < 0 ||
            json_field_integer(arg, path, "value", true, 0, INT64_MAX, &value, err) < 0 ||
            json_field_integer(arg, path, "valueTwo", false, 0, INT64_MAX, &value_two, err) < 0 ||
            json_field_string(arg, path, "op", true, &op, err) < 0)
                return -1;
        size_t i = 0;
        while (i < ARRAY_SIZE(operators) && strcmp(operators[i].name, op) != 0)
                i++;
        if (i == ARRAY_SIZE(operators))
                return json_field_error(err, path, "op", "unknown operator %s", op);
        /* For SCMP_CMP_MASKED_EQ value is the mask and valueTwo the datum, libseccomp's
         * order, which the spec follows. */
        *out = (struct scmp_arg_cmp){.arg = (unsigned)index,
                                     .op = operators[i].op,
                                     .datum_a = (scmp_datum_t)value,
                                     .datum_b = (scmp_datum_t)value_two};
        return 0;
}

static int parse_args(json_t *syscall, const char *path, struct scmp_arg_cmp **out, size_t *n_out,
                      bool *each_alone, struct error **err)
{
        json_t *args = NULL;
        int has = json_field_array(syscall, path, "args", false, &args, err);
        if (has <= 0)
                return has;
        _cleanup_free_ char *args_path = json_field_path(path, "args");
        size_t n = json_array_size(args);
        _cleanup_free_ struct scmp_arg_cmp *list = xcalloc(n ? n : 1, sizeof(*list));
        unsigned seen = 0; /* bit per argument index */
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *arg_path = json_field_index_path(args_path, i);
                if (parse_arg(json_array_get(args, i), arg_path, &list[i], err) < 0)
                        return -1;
                if (seen & (1u << list[i].arg))
                        *each_alone = true;
                seen |= 1u << list[i].arg;
        }
        *out = steal_pointer(&list);
        *n_out = n;
        return 0;
}

static void add_unknown(struct seccomp_profile *out, const char *name)
{
        out->unknown_syscalls =
            xrealloc(out->unknown_syscalls, (out->n_unknown_syscalls + 1) * sizeof(char *));
        out->unknown_syscalls[out->n_unknown_syscalls++] = xstrdup(name);
}

/* One entry of syscalls[]: a rule for each of its names. */
static int parse_syscall(json_t *syscall, const char *path, struct seccomp_profile *out,
                         struct error **err)
{
        if (!json_is_object(syscall))
                return json_field_error(err, path, NULL, "must be an object");
        char **names = NULL;
        size_t n_names = 0;
        uint32_t action = 0;
        struct scmp_arg_cmp *args = NULL;
        size_t n_args = 0;
        bool each_alone = false;
        int ret = -1;
        if (json_field_string_array(syscall, path, "names", &names, &n_names, err) < 0)
                goto out;
        if (n_names == 0) {
                json_field_error(err, path, "names", "must name at least one syscall");
                goto out;
        }
        if (parse_action(syscall, path, "action", "errnoRet", &action, err) < 0 ||
            parse_args(syscall, path, &args, &n_args, &each_alone, err) < 0)
                goto out;
        if (action == SCMP_ACT_NOTIFY) {
                for (size_t i = 0; i < n_names; i++)
                        if (strcmp(names[i], "sendmsg") == 0) {
                                json_field_error(err, path, "action",
                                                 "SCMP_ACT_NOTIFY cannot be used for sendmsg: "
                                                 "the container init needs it to hand the "
                                                 "notify fd over");
                                goto out;
                        }
                out->uses_notify = true;
        }
        ret = 0;
        if (action == out->default_action)
                goto out;
        out->rules = xrealloc(out->rules, (out->n_rules + n_names) * sizeof(*out->rules));
        for (size_t i = 0; i < n_names; i++) {
                int nr = seccomp_syscall_resolve_name(names[i]);
                if (nr == __NR_SCMP_ERROR) {
                        add_unknown(out, names[i]);
                        continue;
                }
                struct seccomp_rule *rule = &out->rules[out->n_rules++];
                *rule = (struct seccomp_rule){
                    .name = xstrdup(names[i]),
                    .syscall = nr,
                    .action = action,
                    .n_args = n_args,
                    .args_each_alone = each_alone,
                };
                if (n_args) {
                        rule->args = xcalloc(n_args, sizeof(*args));
                        memcpy(rule->args, args, n_args * sizeof(*args));
                }
        }
out:
        free(args);
        json_field_free_strings(names);
        return ret;
}

static int parse_listener(json_t *json, struct seccomp_profile *out, struct error **err)
{
        if (json_field_string(json, PROFILE_PATH, "listenerPath", false, &out->listener_path, err) <
                0 ||
            json_field_string(json, PROFILE_PATH, "listenerMetadata", false,
                              &out->listener_metadata, err) < 0)
                return -1;
        if (out->listener_path && out->listener_path[0] == '\0') {
                free(out->listener_path);
                out->listener_path = NULL;
        }
        /* config-linux.md: "MUST NOT be set if listenerPath is not set". */
        if (out->listener_metadata && out->listener_path == NULL)
                return json_field_error(err, PROFILE_PATH, "listenerMetadata",
                                        "set without listenerPath");
        if (out->uses_notify && out->listener_path == NULL)
                return json_field_error(err, PROFILE_PATH, "listenerPath",
                                        "required by SCMP_ACT_NOTIFY");
        return 0;
}

int seccomp_profile_parse(json_t *json, struct seccomp_profile *out, struct error **err)
{
        *out = (struct seccomp_profile){0};
        if (!json_is_object(json))
                return json_field_error(err, "linux", "seccomp", "must be an object");
        if (parse_action(json, PROFILE_PATH, "defaultAction", "defaultErrnoRet",
                         &out->default_action, err) < 0)
                goto fail;
        /* The kernel has no one to notify for a syscall nobody matched. */
        if (out->default_action == SCMP_ACT_NOTIFY) {
                json_field_error(err, PROFILE_PATH, "defaultAction",
                                 "SCMP_ACT_NOTIFY cannot be the default action");
                goto fail;
        }
        if (parse_arches(json, out, err) < 0 || parse_flags(json, out, err) < 0)
                goto fail;
        json_t *syscalls = NULL;
        if (json_field_array(json, PROFILE_PATH, "syscalls", false, &syscalls, err) < 0)
                goto fail;
        for (size_t i = 0; i < json_array_size(syscalls); i++) {
                _cleanup_free_ char *path = json_field_index_path(PROFILE_PATH ".syscalls", i);
                if (parse_syscall(json_array_get(syscalls, i), path, out, err) < 0)
                        goto fail;
        }
        if (parse_listener(json, out, err) < 0)
                goto fail;
        return 0;
fail:
        seccomp_profile_release(out);
        return -1;
}

void seccomp_profile_release(struct seccomp_profile *profile)
{
        for (size_t i = 0; i < profile->n_rules; i++) {
                free(profile->rules[i].name);
                free(profile->rules[i].args);
        }
        free(profile->rules);
        free(profile->arches);
        for (size_t i = 0; i < profile->n_unknown_syscalls; i++)
                free(profile->unknown_syscalls[i]);
        free(profile->unknown_syscalls);
        for (size_t i = 0; i < profile->n_skipped_arches; i++)
                free(profile->skipped_arches[i]);
        free(profile->skipped_arches);
        free(profile->listener_path);
        free(profile->listener_metadata);
        *profile = (struct seccomp_profile){0};
}
