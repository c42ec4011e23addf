/* Host interfaces (network_link.h): bridges go with the ioctls brctl used, no netlink needed. */
#include "network_link.h"

#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"

bool network_link_exists(const char *name)
{
        return if_nametoindex(name) != 0;
}

int network_link_delete_bridge(const char *name, struct error **err)
{
        if (strlen(name) >= IFNAMSIZ)
                return error_set(err, 0, "bridge %s: name too long", name);
        if (!network_link_exists(name))
                return 0;
        _cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return error_set(err, errno, "socket");
        struct ifreq ifr = {0};
        strcpy(ifr.ifr_name, name);
        if (ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP)) {
                ifr.ifr_flags &= ~IFF_UP;
                if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0 && errno != ENODEV)
                        return error_set(err, errno, "bring bridge %s down", name);
        }
        if (ioctl(sock, SIOCBRDELBR, name) < 0 && errno != ENXIO && errno != ENODEV)
                return error_set(err, errno, "delete bridge %s", name);
        return 0;
}
