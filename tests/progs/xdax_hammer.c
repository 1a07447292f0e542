// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_hammer DEVICE: open DEVICE, issue XDAX_IOC_INFO, read its sysfs size, close; in a
 * tight loop until SIGTERM, while the module is loaded and unloaded underneath.
 *
 * An open may fail only the ways a device that is going away fails: ENOENT (node gone),
 * ENXIO or ENODEV (driver gone).  Once open, the fd pins the module, so the ioctl must
 * succeed.  Prints its counts on SIGTERM; exits 1 on any other outcome.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/xdax.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned long opened = 0, gone = 0, bad = 0;
	struct xdax_info info;
	char buf[64];
	int fd, sfd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/xdaxN\n", argv[0]);
		return 2;
	}
	signal(SIGTERM, on_term);
	while (!stop) {
		fd = open(argv[1], O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT || errno == ENXIO || errno == ENODEV) {
				gone++;
			} else {
				fprintf(stderr, "open: unexpected %s\n", strerror(errno));
				bad++;
			}
			continue;
		}
		opened++;
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (ioctl(fd, XDAX_IOC_INFO, &info) || !info.capacity) {
			fprintf(stderr, "XDAX_IOC_INFO on an open fd: %s\n", strerror(errno));
			bad++;
		}
		sfd = open("/sys/class/xdax/xdax0/size", O_RDONLY | O_CLOEXEC);
		if (sfd >= 0) {
			if (read(sfd, buf, sizeof(buf)) < 0 && errno != ENODEV && errno != ENOENT)
				bad++;
			close(sfd);
		}
		close(fd);
	}
	printf("opened %lu, gone %lu, unexpected %lu\n", opened, gone, bad);
	return bad ? 1 : 0;
}
