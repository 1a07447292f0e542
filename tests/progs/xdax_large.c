// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_large: the measurements of the large-range guest (tests/guest/x10_large.sh).
 * Figures, never assertions on speed; what it does check is that the work was done.
 *
 *   xdax_large time CMD [ARG...]   run CMD, print "# figure: time_us N", exit with CMD's status
 *   xdax_large populate DEV MIB    map MIB MiB of DEV with MAP_POPULATE, print how long it took;
 *                                  for xdax (/dev/xdaxN) the file is sized to MIB first, every
 *                                  page must read zero, and the blocks must stay conserved; for
 *                                  device-dax (/dev/daxX.Y) the map is only populated
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "xdax_test.h"

static int run_timed(char **argv)
{
	double t0 = xt_now_us();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		xt_die("fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		xt_die("waitpid: %s", strerror(errno));
	printf("# figure: time_us %.0f\n", xt_now_us() - t0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int populate(const char *dev, size_t mib)
{
	size_t len = mib * XT_MB, i;
	int xdax = !strncmp(dev, "/dev/xdax", 9);
	int fd = open(dev, O_RDWR);
	double t0, t;
	char *p;

	if (fd < 0)
		xt_die("open %s: %s", dev, strerror(errno));
	if (xdax && (xt_set_size(fd, 0, 0, 0, NULL) || xt_set_size(fd, len, 0, 0, NULL)))
		xt_die("sizing %s to %zu MiB", dev, mib);
	t0 = xt_now_us();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	t = xt_now_us() - t0;
	if (p == MAP_FAILED)
		xt_die("mmap %s %zu MiB: %s", dev, mib, strerror(errno));
	printf("# figure: populate_us %.0f (%zu MiB of %s, %.1f us per 2 MiB)\n", t, mib, dev,
	       t / (len / (2 * XT_MB)));
	if (xdax) {
		for (i = 0; i < len; i += 4096)
			if (!xt_all_zero(p + i, 64)) {
				xt_fail("%s: page at %#zx not zero after populate", dev, i);
				break;
			}
		if (xt_stats(fd).in_use != len / xt_info(fd).align)
			xt_fail("%s: %llu blocks in use after populating %zu MiB", dev,
				(unsigned long long)xt_stats(fd).in_use, mib);
	}
	munmap(p, len);
	if (xdax) {
		if (xt_set_size(fd, 0, 0, 0, NULL))
			xt_fail("%s: truncate to 0: %s", dev, strerror(errno));
		xt_conserved(fd, "after populate and truncate");
	}
	close(fd);
	return xt_exit("xdax_large populate");
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "time"))
		return run_timed(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "populate"))
		return populate(argv[2], strtoull(argv[3], NULL, 0));
	fprintf(stderr, "usage: xdax_large time CMD [ARG...] | populate DEV MIB\n");
	return 2;
}
