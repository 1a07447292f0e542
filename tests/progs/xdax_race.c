// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_race DEV SECONDS: faults, pins (XDAX_IOC_PIN: pin_user_pages_fast
 * with FOLL_LONGTERM) and vmsplice (gup-fast, FOLL_GET) race with truncates
 * and punches of the same blocks.  Every call must return success or one of
 * its documented errnos, every blocking truncate must finish (the pins are
 * short), and at the end every block must be free, the audit clean and no
 * anomaly counted.  The kernel log (KASAN, lockdep, DEBUG_VM on the debug
 * kernel) is checked by the calling script.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>

#include "xdax_test.h"

#define NBLK	4

static int fd;
static char *map;
static size_t blk, len;
static volatile int stop;
static __thread sigjmp_buf jb;
static unsigned long nr_touch, nr_sigbus, nr_pin, nr_pin_fail, nr_splice, nr_trunc, nr_punch;

static void on_sigbus(int sig __attribute__((unused)))
{
	siglongjmp(jb, 1);
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 8;
}

static void *toucher(void *arg __attribute__((unused)))
{
	volatile unsigned int s = 1;

	while (!stop) {
		unsigned int seed = s;
		size_t off = (rnd(&seed) % (len / 4096)) * 4096;

		s = seed;
		if (sigsetjmp(jb, 1)) {
			__atomic_add_fetch(&nr_sigbus, 1, __ATOMIC_RELAXED);
			continue;
		}
		map[off] = 1;
		__atomic_add_fetch(&nr_touch, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *pinner(void *arg __attribute__((unused)))
{
	unsigned int s = 2;
	int pfd[2];
	char buf[4096];

	if (pipe(pfd))
		xt_die("pipe: %s", strerror(errno));
	while (!stop) {
		size_t off = (rnd(&s) % (len / 4096)) * 4096;
		struct xdax_pin p = {
			.size = sizeof(p), .addr = (uintptr_t)(map + off), .length = 4096,
		};
		struct iovec iov = { map + off, 4096 };

		if (ioctl(fd, XDAX_IOC_PIN, &p) == 0) {
			nr_pin++;
			if (xt_unpin(fd, p.id))
				xt_fail("unpin %llu: %s", (unsigned long long)p.id, strerror(errno));
		} else if (errno == EFAULT) {
			nr_pin_fail++;	/* the page was past the size: SIGBUS in GUP */
		} else {
			xt_fail("PIN: unexpected %s", strerror(errno));
		}
		/* vmsplice takes references through gup-fast. */
		if (vmsplice(pfd[1], &iov, 1, 0) == 4096) {
			nr_splice++;
			if (read(pfd[0], buf, sizeof(buf)) != 4096)
				xt_fail("pipe read: %s", strerror(errno));
		} else if (errno != EFAULT) {
			xt_fail("vmsplice: unexpected %s", strerror(errno));
		}
	}
	close(pfd[0]);
	close(pfd[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	struct xdax_info info;
	pthread_t t[2];
	time_t end;
	int r, i = 0;

	fd = xt_open(argc > 1 ? argv[1] : "/dev/xdax0");
	info = xt_info(fd);
	end = time(NULL) + (argc > 2 ? atoi(argv[2]) : 5);
	blk = info.align;
	len = NBLK * blk;
	signal(SIGBUS, on_sigbus);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	pthread_create(&t[0], NULL, toucher, NULL);
	pthread_create(&t[1], NULL, pinner, NULL);
	while (time(NULL) < end && !xt_failures) {
		if (i++ % 3 == 2) {
			/* Punch one block, not waiting: the reaper gets what is pinned. */
			r = xt_punch(fd, (i % NBLK) * blk, blk, XDAX_WAIT_NOWAIT, 0, NULL);
			nr_punch++;
		} else {
			/* Truncate everything, waiting at most 10 s for short pins. */
			r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 10000000000ULL, NULL);
			if (!r)
				r = xt_set_size(fd, info.capacity, 0, 0, NULL);
			nr_trunc++;
		}
		if (r)
			xt_fail("truncate/punch round %d: %s", i, strerror(-r));
	}
	stop = 1;
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	munmap(map, len);

	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 10000000000ULL, NULL);
	xt_expect(!r, "final truncate: %s", strerror(-r));
	xt_expect(xt_stats(fd).free == xt_stats(fd).total, "every block free at the end");
	xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "grow back");
	xt_conserved(fd, "race end");
	printf("# race: %lu truncates, %lu punches; %lu touches (%lu SIGBUS), %lu pins (%lu EFAULT), %lu vmsplices\n",
	       nr_trunc, nr_punch, nr_touch, nr_sigbus, nr_pin, nr_pin_fail, nr_splice);
	xt_expect(nr_trunc > 10 && nr_touch > 100 && nr_pin > 10 && nr_splice > 10,
		  "the race ran (each side made progress)");
	return xt_exit("xdax_race");
}
