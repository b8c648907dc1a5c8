/* Brings the loopback interface up: a fresh network namespace starts with it down.
 *
 * usage: loopback_up   (needs CAP_NET_ADMIN in the namespace, as `unshare --map-root-user --net` gives) */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int main(void)
{
	struct ifreq request;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&request, 0, sizeof request);
	strcpy(request.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &request) < 0) {
		perror("loopback_up: SIOCGIFFLAGS");
		return 1;
	}
	request.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &request) < 0) {
		perror("loopback_up: SIOCSIFFLAGS");
		return 1;
	}
	return 0;
}
