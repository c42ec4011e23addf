/*
 * The last step into a container's program, as a tiny static executable that the runtime
 * keeps in a sealed memfd (x86_64 Linux; no libc).
 *
 * Why: the container's init is a clone of berth-runtime, so /proc/self/exe names the host's
 * binary until the program is exec'd. A script whose interpreter is /proc/self/exe would
 * run that binary as a container process, and a container process could then reopen it for
 * writing once it stops running (CVE-2019-5736). Exec'ing this sealed copy first makes
 * /proc/self/exe harmless at the moment the container's program is exec'd; it costs one
 * tiny exec instead of re-executing the whole runtime from a copy.
 *
 * argv: [name, "status-fd[,fd...]", prefix, path, program argv...]. On exec failure it
 * writes "<prefix>exec <path>: errno <n>" to status-fd (the runtime's sync socket or
 * exec.error) and exits 127. The listed fds are made close-on-exec, so the program never sees
 * them and they close exactly when it starts (`start` waits for that on the exec fifo).
 */
#define SYS_write      1
#define SYS_fcntl      72
#define SYS_execve     59
#define SYS_exit_group 231
#define F_SETFD        2
#define FD_CLOEXEC     1

static long sys3(long n, long a, long b, long c)
{
        long r;
        __asm__ volatile("syscall"
                         : "=a"(r)
                         : "a"(n), "D"(a), "S"(b), "d"(c)
                         : "rcx", "r11", "memory");
        return r;
}

static long length(const char *s)
{
        long n = 0;
        while (s[n])
                n++;
        return n;
}

/* Reads a decimal fd at *s and steps past it and a following comma. */
static long next_fd(const char **s)
{
        long n = 0;
        while (**s >= '0' && **s <= '9')
                n = n * 10 + (*(*s)++ - '0');
        if (**s == ',')
                (*s)++;
        return n;
}

__attribute__((used)) void trampoline_main(long *sp)
{
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        char **envp = argv + argc + 1;
        if (argc < 5)
                sys3(SYS_exit_group, 127, 0, 0);
        const char *fds = argv[1];
        long status_fd = next_fd(&fds);
        sys3(SYS_fcntl, status_fd, F_SETFD, FD_CLOEXEC);
        while (*fds)
                sys3(SYS_fcntl, next_fd(&fds), F_SETFD, FD_CLOEXEC);
        long err = -sys3(SYS_execve, (long)argv[3], (long)(argv + 4), (long)envp);
        char msg[512];
        long used = 0;
        const char *parts[] = {argv[2], "exec ", argv[4], ": errno "};
        for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
                for (long j = 0, n = length(parts[i]); j < n && used < 480; j++)
                        msg[used++] = parts[i][j];
        char digits[20];
        long d = 0;
        do
                digits[d++] = (char)('0' + err % 10);
        while ((err /= 10) > 0 && d < 20);
        while (d > 0)
                msg[used++] = digits[--d];
        sys3(SYS_write, status_fd, (long)msg, used);
        sys3(SYS_exit_group, 127, 0, 0);
}

__asm__(".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call trampoline_main\n"
        "  hlt\n");
