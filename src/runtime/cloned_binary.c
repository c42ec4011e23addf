#include "cloned_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "exec_trampoline.h"

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

int cloned_binary_ensure(char **argv, struct error **err)
{
        /* With the exec trampoline no runtime code is ever exec'd in a container, and the
         * runtime's own processes there are not dumpable: no need to copy ourselves. */
        if (exec_trampoline_available())
                return 0;
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return error_set(err, errno, "open /proc/self/exe");
        int seals = fcntl(self, F_GET_SEALS);
        if (seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS)
                return 0;
        struct stat st;
        if (fstat(self, &st) < 0)
                return error_set(err, errno, "stat /proc/self/exe");
        _cleanup_close_ int copy =
            (int)syscall(SYS_memfd_create, "berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (copy < 0)
                return error_set(err, errno, "memfd_create for a copy of the runtime");
        for (off_t left = st.st_size; left > 0;) {
                ssize_t n = sendfile(copy, self, NULL, (size_t)left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return error_set(err, n < 0 ? errno : EIO, "copy the runtime binary");
                left -= n;
        }
        if (fcntl(copy, F_ADD_SEALS, REQUIRED_SEALS) < 0)
                return error_set(err, errno, "seal the runtime's copy");
        syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
        return error_set(err, errno, "exec the runtime's sealed copy");
}
