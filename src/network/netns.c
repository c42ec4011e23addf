/* Network namespaces bound onto files (netns.h). */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/fs.h"

/* Brings up the loopback of the calling thread's network namespace, which a new namespace has
 * down; docker and podman bring it up (CNI's loopback plugin does this with a netlink call; one
 * ioctl is enough here). Returns an errno value, 0 on success. */
static int loopback_up(void)
{
        int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return errno;
        struct ifreq ifr = {0};
        strcpy(ifr.ifr_name, "lo");
        int rc = 0;
        if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
                rc = errno;
        else if (!(ifr.ifr_flags & IFF_UP)) {
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
                        rc = errno;
        }
        close(sock);
        return rc;
}

/* In the child: a new namespace, lo up, bound onto PATH. Returns an errno value, 0 on
 * success, so the parent can report what failed. */
static int child_make(const char *path, int *step)
{
        *step = 0;
        if (unshare(CLONE_NEWNET) < 0)
                return errno;
        *step = 1;
        int rc = loopback_up();
        if (rc)
                return rc;
        *step = 2;
        if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
                return errno;
        return 0;
}

int netns_loopback_up_of(pid_t pid, struct error **err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        _cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (target < 0 || self < 0)
                return error_set(err, errno, "open the network namespace of process %d", (int)pid);
        if (setns(target, CLONE_NEWNET) < 0)
                return error_set(err, errno, "enter the network namespace of process %d", (int)pid);
        int rc = loopback_up();
        /* Back home; a failure here would leave this process in the container's namespace. */
        if (setns(self, CLONE_NEWNET) < 0)
                return error_set(err, errno, "return to our own network namespace");
        if (rc)
                return error_set(err, rc, "bring up the loopback of process %d", (int)pid);
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
