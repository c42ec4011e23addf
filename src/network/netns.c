/* Network namespaces bound onto files (netns.h). */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"

/* In the child: a new namespace, lo up, bound onto PATH. Returns an errno value, 0 on
 * success, so the parent can report what failed. */
static int child_make(const char *path, int *step)
{
        *step = 0;
        if (unshare(CLONE_NEWNET) < 0)
                return errno;
        /* The loopback of a new namespace is down; docker and podman bring it up (CNI's
         * loopback plugin does this with a netlink call; one ioctl is enough here). */
        *step = 1;
        int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return errno;
        struct ifreq ifr = {0};
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
                return errno;
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
                return errno;
        close(sock);
        *step = 2;
        if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
                return errno;
        return 0;
}

int netns_create(const char *path, struct error **err)
{
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (fs_mkdir_p(dir, 0755, err) < 0)
                        return -1;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return error_set(err, errno, "create %s", path);
        close(fd);
        /* Through a pipe: the child reports which step failed and its errno. */
        int report[2];
        if (pipe2(report, O_CLOEXEC) < 0) {
                int saved = errno;
                unlink(path);
                return error_set(err, saved, "pipe");
        }
        pid_t pid = fork();
        if (pid < 0) {
                int saved = errno;
                close(report[0]);
                close(report[1]);
                unlink(path);
                return error_set(err, saved, "fork");
        }
        if (pid == 0) {
                int result[2];
                result[1] = child_make(path, &result[0]);
                (void)!write(report[1], result, sizeof(result));
                _exit(result[1] == 0 ? 0 : 1);
        }
        close(report[1]);
        int result[2] = {0, EIO};
        ssize_t r;
        while ((r = read(report[0], result, sizeof(result))) < 0 && errno == EINTR)
                ;
        close(report[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r != (ssize_t)sizeof(result) || result[1] != 0) {
                static const char *const steps[] = {"unshare the network namespace",
                                                    "bring up its loopback",
                                                    "bind it onto the file"};
                unlink(path);
                return error_set(err, result[1], "network namespace %s: %s", path,
                                 steps[result[0] >= 0 && result[0] < 3 ? result[0] : 0]);
        }
        return 0;
}

int netns_remove(const char *path, struct error **err)
{
        if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                return error_set(err, errno, "unmount %s", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return error_set(err, errno, "remove %s", path);
        return 0;
}
