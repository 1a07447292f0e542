// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_finit MODULE.ko [PARAMS]: exactly one finit_module(2) call, nothing else.
 *
 * insmod and modprobe (busybox, kmod 30) retry a refused finit_module with init_module, so a
 * module whose init fails runs that init twice per command.  The bad-parameter tests need
 * one load attempt to see one errno and one kernel log line.  Prints the errno text on
 * failure ("Invalid argument"), like insmod, and exits 1; exits 0 if the module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s MODULE.ko [PARAMS]\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (syscall(SYS_finit_module, fd, argc == 3 ? argv[2] : "", 0)) {
		fprintf(stderr, "xdax_finit: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
