/*
 * cgroup v2 has no devices.allow: device access is decided by an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This file compiles the rules into
 * such a program (no helpers, no maps: a straight run of compares) and attaches it.
 *
 * The program sees struct bpf_cgroup_dev_ctx {access_type = access << 16 | type, major,
 * minor}. Rules are tested last to first, so the first match in the program is the rule
 * that comes last in the list and decides; no match denies.
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "cgroup_devices.h"
#include "error.h"

struct program {
        struct bpf_insn *insns;
        size_t n;
};

static void emit(struct program *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                 int32_t imm)
{
        p->insns = xrealloc(p->insns, (p->n + 1) * sizeof(*p->insns));
        p->insns[p->n++] =
            (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* Registers: r2 device type, r3 requested access, r4 major, r5 minor, r6 scratch. */
enum { R0, R1, R2, R3, R4, R5, R6 };

static int access_bits(const char *access)
{
        int bits = 0;
        if (strchr(access, 'm'))
                bits |= BPF_DEVCG_ACC_MKNOD;
        if (strchr(access, 'r'))
                bits |= BPF_DEVCG_ACC_READ;
        if (strchr(access, 'w'))
                bits |= BPF_DEVCG_ACC_WRITE;
        return bits;
}

/* One rule: a block of compares that each jump past the block when the rule does not
 * match, then "return allow". Jumps get their offsets once the block's end is known.
 * Returns true when the rule matches every access (no compares): nothing after it can
 * run, and the verifier refuses unreachable instructions. */
static bool emit_rule(struct program *p, const struct cgroup_device_rule *rule)
{
        size_t start = p->n;
        const int16_t next = -1; /* patched below */
        if (rule->type != 'a')
                emit(p, BPF_JMP | BPF_JNE | BPF_K, R2, 0, next,
                     rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        if (rule->major >= 0)
                emit(p, BPF_JMP | BPF_JNE | BPF_K, R4, 0, next, (int32_t)rule->major);
        if (rule->minor >= 0)
                emit(p, BPF_JMP | BPF_JNE | BPF_K, R5, 0, next, (int32_t)rule->minor);
        int bits = access_bits(rule->access);
        int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
        if (bits != all) {
                /* An allow rule covers a request made only of its accesses; a deny rule
                 * catches a request with any of its accesses. */
                emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R6, R3, 0, 0);
                emit(p, BPF_ALU64 | BPF_AND | BPF_K, R6, 0, 0, rule->allow ? (all & ~bits) : bits);
                emit(p, BPF_JMP | (rule->allow ? BPF_JNE : BPF_JEQ) | BPF_K, R6, 0, next, 0);
        }
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, rule->allow ? 1 : 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        bool matches_all = p->n - start == 2;
        for (size_t i = start; i < p->n; i++)
                if (BPF_CLASS(p->insns[i].code) == BPF_JMP && p->insns[i].off == next)
                        p->insns[i].off = (int16_t)(p->n - (i + 1));
        return matches_all;
}

static void compile(struct program *p, const struct cgroup_device_rule *rules, size_t n)
{
        /* r2 = access_type & 0xffff, r3 = access_type >> 16, r4 = major, r5 = minor */
        emit(p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type),
             0);
        emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R3, R2, 0, 0);
        emit(p, BPF_ALU64 | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
        emit(p, BPF_ALU64 | BPF_RSH | BPF_K, R3, 0, 0, 16);
        emit(p, BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
        emit(p, BPF_LDX | BPF_MEM | BPF_W, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
        for (size_t i = n; i-- > 0;)
                if (emit_rule(p, &rules[i]))
                        return;
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int bpf_call(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct program *p, char *log, size_t log_size)
{
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t)(uintptr_t)p->insns;
        attr.insn_cnt = (uint32_t)p->n;
        attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = (uint32_t)log_size;
        attr.log_level = log ? 1 : 0;
        return bpf_call(BPF_PROG_LOAD, &attr);
}

int cgroup_v2_devices_attach(int dirfd, const struct cgroup_device_rule *rules, size_t n,
                             struct error **err)
{
        struct program p = {0};
        compile(&p, rules, n);
        int prog = load(&p, NULL, 0);
        if (prog < 0 && errno == EPERM) {
                /* Older kernels charge programs to RLIMIT_MEMLOCK: a soft limit may be
                 * raised to the hard one without privilege. */
                struct rlimit rl;
                if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                        rl.rlim_cur = rl.rlim_max;
                        setrlimit(RLIMIT_MEMLOCK, &rl);
                        prog = load(&p, NULL, 0);
                }
        }
        if (prog < 0 && errno == EINVAL) {
                /* The verifier's log says which instruction it refused. */
                char log[4096] = "";
                prog = load(&p, log, sizeof(log));
                if (prog < 0) {
                        free(p.insns);
                        return error_set(err, EINVAL, "load the eBPF device program: %.200s", log);
                }
        }
        free(p.insns);
        if (prog < 0)
                return error_set(err, errno, "load the eBPF device program");
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)dirfd;
        attr.attach_bpf_fd = (uint32_t)prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        int rc = bpf_call(BPF_PROG_ATTACH, &attr);
        int saved = errno;
        close(prog);
        if (rc < 0)
                return error_set(err, saved, "attach the eBPF device program");
        return 0;
}
