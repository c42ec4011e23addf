#include "exec_trampoline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"

#ifdef HAVE_TRAMPOLINE
extern const unsigned char trampoline_elf[];
extern const size_t trampoline_elf_size;
#endif

bool exec_trampoline_available(void)
{
#ifdef HAVE_TRAMPOLINE
        return true;
#else
        return false;
#endif
}

int exec_trampoline_fd(struct error **err)
{
#ifdef HAVE_TRAMPOLINE
        _cleanup_close_ int fd =
            (int)syscall(SYS_memfd_create, "berth-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return error_set(err, errno, "memfd_create for the exec trampoline");
        for (size_t done = 0; done < trampoline_elf_size;) {
                ssize_t n = write(fd, trampoline_elf + done, trampoline_elf_size - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return error_set(err, errno, "write the exec trampoline");
                done += (size_t)n;
        }
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return error_set(err, errno, "seal the exec trampoline");
        return steal_fd(&fd);
#else
        return error_set(err, ENOSYS, "no exec trampoline in this build");
#endif
}

void exec_trampoline_run(int fd, int status_fd, int keep_fd, const char *prefix, const char *path,
                         char *const *argv, char *const *envp)
{
        size_t argc = 0;
        while (argv[argc])
                argc++;
        char status[32];
        if (keep_fd >= 0)
                snprintf(status, sizeof(status), "%d,%d", status_fd, keep_fd);
        else
                snprintf(status, sizeof(status), "%d", status_fd);
        const char **targv = xcalloc(argc + 5, sizeof(char *));
        targv[0] = "berth-exec";
        targv[1] = status;
        targv[2] = prefix;
        targv[3] = path;
        memcpy(targv + 4, argv, argc * sizeof(char *));
        /* The status fd must survive this exec (the trampoline closes it on the next). */
        fcntl(status_fd, F_SETFD, 0);
        if (keep_fd >= 0)
                fcntl(keep_fd, F_SETFD, 0);
        /* execve of the magic link first: seccomp profiles allow execve more often than
         * execveat. */
        char link[32];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        execve(link, (char *const *)targv, envp);
        syscall(SYS_execveat, fd, "", targv, envp, AT_EMPTY_PATH);
        int saved = errno;
        fcntl(status_fd, F_SETFD, FD_CLOEXEC);
        if (keep_fd >= 0)
                fcntl(keep_fd, F_SETFD, FD_CLOEXEC);
        free(targv);
        errno = saved;
}

char *exec_trampoline_explain(const char *message)
{
        const char *tail = strstr(message, ": errno ");
        if (tail == NULL)
                return xstrdup(message);
        char *end;
        long n = strtol(tail + 8, &end, 10);
        if (*end != '\0' || n <= 0)
                return xstrdup(message);
        return xasprintf("%.*s: %s", (int)(tail - message), message, strerror((int)n));
}
