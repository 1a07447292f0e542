// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_bench DEV [MIB]: figures, not assertions on speed.  Prints
 *   - first-touch fault cost with 2 MiB PMDs and with 4 KiB PTEs (allocation
 *     and zeroing included), and re-touch after the blocks exist;
 *   - SET_SIZE 0 (zap + freeze of every block) time per block;
 *   - reclaim latency: pinned block, NOWAIT truncate, unpin -> poll event.
 * It does check that the data and the block accounting are right, so a
 * broken device cannot produce figures.
 */
#include <poll.h>
#include <sys/mman.h>
#include <time.h>

#include "xdax_test.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Touch one byte per page of [p, p + len); returns microseconds. */
static double touch(char *p, size_t len)
{
	double t0 = now_us();
	size_t i;

	for (i = 0; i < len; i += 4096)
		p[i] = (char)i;
	return now_us() - t0;
}

static void reset(int fd, uint64_t cap)
{
	if (xt_set_size(fd, 0, 0, 0, NULL) || xt_set_size(fd, cap, 0, 0, NULL))
		xt_die("resetting the size");
}

int main(int argc, char **argv)
{
	int fd = xt_open(argc > 1 ? argv[1] : "/dev/xdax0");
	struct xdax_info info = xt_info(fd);
	size_t len = (argc > 2 ? strtoull(argv[2], NULL, 0) : 64) * XT_MB;
	size_t blocks = len / info.align;
	struct xdax_stats s0, s1;
	struct xdax_event ev;
	struct pollfd pfd;
	double t, t0, lat[5];
	uint64_t pin;
	char *p;
	int i;

	if (len > info.capacity)
		len = info.capacity;
	reset(fd, info.capacity);

	/* 2 MiB: aligned mapping. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	s0 = xt_stats(fd);
	t = touch(p, len);
	s1 = xt_stats(fd);
	xt_expect(s1.pmd_faults - s0.pmd_faults == blocks, "PMD faults %llu, want %zu",
		  (unsigned long long)(s1.pmd_faults - s0.pmd_faults), blocks);
	printf("# bench: first touch, 2 MiB PMDs: %zu MiB in %.0f us: %.1f us per block (alloc+zero+map), %.0f MiB/s\n",
	       len >> 20, t, t / blocks, len / t);
	munmap(p, len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	t = touch(p, len);
	printf("# bench: re-touch, 2 MiB PMDs (blocks exist): %.1f us per block\n", t / blocks);
	munmap(p, len);

	t0 = now_us();
	reset(fd, info.capacity);
	t = now_us() - t0;
	printf("# bench: SET_SIZE 0 of %zu unmapped blocks + grow back: %.1f us per block\n",
	       blocks, t / blocks);

	/*
	 * 4 KiB: a mapping whose address is one page off the file offset's
	 * 2 MiB congruence can never hold a PMD.
	 */
	p = mmap(NULL, len + 2 * info.align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		xt_die("reserve: %s", strerror(errno));
	p = (char *)(((uintptr_t)p + info.align - 1) & ~(uintptr_t)(info.align - 1)) + 4096;
	p = mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	s0 = xt_stats(fd);
	t = touch(p, len);
	s1 = xt_stats(fd);
	xt_expect(s1.pmd_faults == s0.pmd_faults, "no PMD at a skewed offset");
	printf("# bench: first touch, 4 KiB PTEs: %zu MiB in %.0f us: %.2f us per page, %.0f MiB/s\n",
	       len >> 20, t, t / (len / 4096), len / t);
	t0 = now_us();
	xt_expect(!xt_set_size(fd, 0, 0, 0, NULL), "truncate mapped");
	t = now_us() - t0;
	printf("# bench: SET_SIZE 0 with %zu PTE-mapped blocks: %.1f us per block (zap + freeze)\n",
	       blocks, t / blocks);
	munmap(p, len);
	reset(fd, info.capacity);

	/* Reclaim latency: unpin -> event, through the reaper. */
	p = mmap(NULL, info.align, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (i = 0; i < 5; i++) {
		xt_fill(p, info.align, i);
		pin = xt_pin(fd, p, 4096, 0);
		xt_expect(!xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, NULL), "NOWAIT truncate");
		xt_expect(xt_stats(fd).awaiting_reclaim == 1, "one block awaiting reclaim");
		t0 = now_us();
		xt_unpin(fd, pin);
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		xt_expect(poll(&pfd, 1, 10000) == 1, "reclaim event");
		lat[i] = now_us() - t0;
		if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
			xt_die("read event");
		xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "grow");
		xt_expect(xt_all_zero(p, info.align), "fresh block is zero");
	}
	printf("# bench: reclaim latency unpin -> poll event (reaper): %.0f %.0f %.0f %.0f %.0f us\n",
	       lat[0], lat[1], lat[2], lat[3], lat[4]);
	munmap(p, info.align);
	reset(fd, info.capacity);
	xt_conserved(fd, "bench end");
	return xt_exit("xdax_bench");
}
