// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_pool DEVICE [CASE...]: the fast paths of issue 9 (docs/design.md, "The zero
 * pool", "Block-around", "Reclaim without the reaper"), as KTAP subtests:
 *
 *   pool-fill     after load the background zeroer fills the pool (perf/zeroed_free
 *                 reaches its target, perf/zeroed_background counts it); fresh blocks
 *                 taken from it read all zero word by word and are not zeroed inline;
 *                 the pool refills after they were taken
 *   pool-race     threads in 2 processes write patterns into their own blocks, check
 *                 every fresh block all zero word by word, punch and truncate, refault,
 *                 ALLOCATE in parallel, while the zeroer refills behind them; the pool
 *                 counters moved (background zeroing happened during the race)
 *   around        one read fault in an owned block maps the rest of the block inside
 *                 the VMA (/proc/self/pagemap), pte_faults grows by at most 2 per block
 *                 over a read of every page; a write fault maps only its page; a read
 *                 fault then maps the rest around pages mapped already (their data kept);
 *                 in a VMA over part of a block it maps exactly the VMA's pages
 *   around-zap    after block-around, truncate leaves nothing mapped (every page SIGBUS
 *                 past EOF, pagemap empty) and punch + refault reads zeros
 *   unpin-sync    own UNPIN of the last reference to a block left awaiting reclaim by a
 *                 NOWAIT truncate frees it before UNPIN returns: the event is there at
 *                 once (poll timeout 0), perf/unpin_freed counts it; a blocking truncate
 *                 waiting on a pin returns after the UNPIN (figure printed); while a
 *                 block waits the reaper polls on its fine schedule (a round at least
 *                 every 20 ms), and with nothing waiting it stops (at most one round in
 *                 300 ms)
 *   waiter-free   a block kept awaiting by a vmspliced page: a thread closes the pipe
 *                 while this one sleeps in poll() or a blocking read(); the waiter the
 *                 reaper's poll wakes frees the block itself (perf/waiter_freed); a
 *                 poll() after the close frees it on entry; events read nothing awaiting
 *   alloc-free    every block in use, one kept awaiting by a vmspliced page; the pipe
 *                 closed, then at once (before the reaper's next poll) a write fault into
 *                 a hole, or an ALLOCATE of it, finds no free block: it frees the idle
 *                 one itself (perf/alloc_freed) instead of SIGBUS / ENOSPC; the block
 *                 it gets reads all zero
 *
 * Every case ends with xt_conserved().  Figures are printed, never asserted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xdax_test.h"

#define PG	4096UL

static int fd;
static struct xdax_info info;
static size_t blk;

/* perf/NAME of the device, or -1 (with a failure) if it cannot be read. */
static long long perf(const char *name)
{
	const char *base = strrchr(xt_dev, '/');
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/xdax/%s/perf/%s", base ? base + 1 : xt_dev,
		 name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lld", &v) != 1) {
		xt_fail("cannot read %s: %s", path, strerror(errno));
		v = -1;
	}
	if (f)
		fclose(f);
	return v;
}

static void setup(void)
{
	fd = xt_open(xt_dev);
	info = xt_info(fd);
	blk = info.align;
	if (xt_set_size(fd, 0, 0, 0, NULL) || xt_set_size(fd, info.capacity, 0, 0, NULL))
		xt_die("reset the file: %s", strerror(errno));
}

static void reset(const char *where)
{
	xt_expect(!xt_set_size(fd, 0, 0, 0, NULL), "%s: truncate to 0", where);
	xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "%s: grow back", where);
	xt_conserved(fd, where);
}

static char *map(uint64_t off, size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		xt_die("mmap %#llx+%#zx: %s", (unsigned long long)off, len, strerror(errno));
	return p;
}

/* A mapping of [off, off + len) one page off the 2 MiB congruence: PTEs only. */
static char *map_pte(uint64_t off, size_t len)
{
	char *r = mmap(NULL, len + 2 * blk, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (r == MAP_FAILED)
		xt_die("reserve: %s", strerror(errno));
	p = (char *)(((uintptr_t)r + blk - 1) & ~(uintptr_t)(blk - 1)) + PG;
	p = mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		xt_die("mmap skewed: %s", strerror(errno));
	return p;
}

/* Word by word: the first nonzero word's index, or -1. */
static long first_nonzero(const void *p, size_t len)
{
	const volatile uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return i;
	return -1;
}

static size_t pool_target(void)
{
	long long z;
	int i;

	/* The pool fills in the background: wait (up to 60 s) until it stops growing. */
	for (i = 0, z = -2; i < 600; i++) {
		long long now = perf("zeroed_free");

		if (now < 0)
			return 0;
		if (now == z && now > 0)
			break;
		z = now;
		usleep(100000);
	}
	return z > 0 ? z : 0;
}

/* --- pool-fill ------------------------------------------------------------------- */

static void c_pool_fill(void)
{
	long long bg0, in0, in1, zf;
	struct xdax_stats s0, s1;
	size_t n, i, pool;
	char *p;
	long nz;

	setup();
	pool = pool_target();
	bg0 = perf("zeroed_background");
	xt_note("figure: pool-fill: %zu blocks zeroed in the background (%lld zeroings so far)", pool, bg0);
	xt_expect(pool > 0 && pool <= info.capacity / blk / 4,
		  "pool-fill: zeroed_free %zu, expected 1..%llu (a quarter of the range at most)",
		  pool, (unsigned long long)(info.capacity / blk / 4));
	xt_expect(bg0 >= (long long)pool, "pool-fill: zeroed_background %lld < zeroed_free %zu",
		  bg0, pool);
	n = pool < 8 ? pool : 8;
	in0 = perf("zeroed_inline");
	s0 = xt_stats(fd);
	p = map(0, n * blk, PROT_READ | PROT_WRITE);
	for (i = 0; i < n; i++) {
		nz = first_nonzero(p + i * blk, blk);
		xt_expect(nz < 0, "pool-fill: fresh block %zu: word %ld is not zero", i, nz);
		xt_fill(p + i * blk, blk, 0x5eed0000 + i);
	}
	s1 = xt_stats(fd);
	in1 = perf("zeroed_inline");
	xt_expect(s1.zeroed - s0.zeroed == n, "pool-fill: zeroed +%llu for %zu fresh blocks",
		  (unsigned long long)(s1.zeroed - s0.zeroed), n);
	xt_expect(in1 == in0, "pool-fill: %lld blocks zeroed inline with a full pool",
		  in1 - in0);
	munmap(p, n * blk);
	/* Truncate: the dirty blocks are free again, and the pool refills. */
	reset("pool-fill: truncate");
	zf = pool_target();
	xt_expect(zf >= (long long)pool, "pool-fill: the pool refilled to %lld of %zu", zf, pool);
	xt_expect(perf("zeroed_background") >= bg0 + (long long)n,
		  "pool-fill: zeroed_background %lld, expected >= %lld", perf("zeroed_background"),
		  bg0 + (long long)n);
	xt_conserved(fd, "pool-fill");
}

/* --- pool-race ------------------------------------------------------------------- */

#define RACE_THREADS	2	/* per process */
#define RACE_BLOCKS	6	/* per thread: its own file blocks */

static double race_end;
static int race_proc;

struct race_arg {
	int id;			/* 0 .. 2 * RACE_THREADS - 1 */
	unsigned long rounds, fresh, allocs;
	int bad;
};

static void *race_worker(void *v)
{
	struct race_arg *a = v;
	uint64_t off = (uint64_t)a->id * RACE_BLOCKS * blk;
	size_t len = RACE_BLOCKS * blk, i;
	unsigned int seed = a->id * 7919 + 1;
	char *p = map(off, len, PROT_READ | PROT_WRITE);
	long nz;
	int r;

	while (xt_now_us() < race_end && !a->bad) {
		for (i = 0; i < RACE_BLOCKS; i++) {
			char *b = p + i * blk;

			/* Every block is fresh here: punched (or never touched). */
			if (rand_r(&seed) % 3 == 0) {
				struct xdax_allocate al = {
					.size = sizeof(al), .offset = off + i * blk, .length = blk,
				};

				r = ioctl(fd, XDAX_IOC_ALLOCATE, &al);
				if (r && errno != ENOSPC) {
					xt_fail("pool-race: ALLOCATE: %s", strerror(errno));
					a->bad = 1;
				}
				a->allocs += !r;
			}
			nz = first_nonzero(b, blk);
			if (nz >= 0) {
				xt_fail("pool-race: worker %d: fresh block at %#llx: word %ld = %#llx",
					a->id, (unsigned long long)(off + i * blk), nz,
					(unsigned long long)((uint64_t *)b)[nz]);
				a->bad = 1;
			}
			a->fresh++;
			xt_fill(b, blk, ((uint64_t)a->id << 32) | a->rounds);
		}
		for (i = 0; i < RACE_BLOCKS; i++)
			if (xt_verify(p + i * blk, blk, ((uint64_t)a->id << 32) | a->rounds) !=
			    (size_t)-1) {
				xt_fail("pool-race: worker %d: pattern lost in block %zu", a->id, i);
				a->bad = 1;
			}
		/* Give the blocks back: a punch, or (one round in 4) punch in halves. */
		if (rand_r(&seed) % 4) {
			r = xt_punch(fd, off, len, 0, 0, NULL);
		} else {
			r = xt_punch(fd, off, len / 2, 0, 0, NULL);
			if (!r)
				r = xt_punch(fd, off + len / 2, len / 2, 0, 0, NULL);
		}
		if (r) {
			xt_fail("pool-race: punch: %s", strerror(-r));
			a->bad = 1;
		}
		a->rounds++;
	}
	munmap(p, len);
	return NULL;
}

/* The truncater: repeatedly truncates past the workers' blocks and grows back. */
static void *race_truncater(void *v)
{
	uint64_t keep = 2ULL * RACE_THREADS * RACE_BLOCKS * blk;
	unsigned long *n = v;
	char *p = map(keep, 4 * blk, PROT_READ | PROT_WRITE);
	size_t i;

	while (xt_now_us() < race_end) {
		for (i = 0; i < 4; i++) {
			long nz = first_nonzero(p + i * blk, blk);

			if (nz >= 0)
				xt_fail("pool-race: truncater: fresh block %zu word %ld not zero", i, nz);
			memset(p + i * blk, 0xa5, blk);
		}
		if (xt_set_size(fd, keep, 0, 0, NULL) ||
		    xt_set_size(fd, info.capacity, 0, 0, NULL))
			xt_fail("pool-race: truncate/grow: %s", strerror(errno));
		(*n)++;
	}
	munmap(p, 4 * blk);
	return NULL;
}

static int race_process(void)
{
	struct race_arg a[RACE_THREADS];
	pthread_t t[RACE_THREADS + 1];
	unsigned long truncs = 0, rounds = 0, fresh = 0, allocs = 0;
	int i, bad = 0;

	for (i = 0; i < RACE_THREADS; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].id = race_proc * RACE_THREADS + i;
		if (pthread_create(&t[i], NULL, race_worker, &a[i]))
			xt_die("pthread_create");
	}
	if (race_proc == 0 && pthread_create(&t[RACE_THREADS], NULL, race_truncater, &truncs))
		xt_die("pthread_create");
	for (i = 0; i < RACE_THREADS; i++) {
		pthread_join(t[i], NULL);
		rounds += a[i].rounds;
		fresh += a[i].fresh;
		allocs += a[i].allocs;
		bad |= a[i].bad;
	}
	if (race_proc == 0)
		pthread_join(t[RACE_THREADS], NULL);
	xt_note("figure: pool-race: process %d: %lu rounds, %lu fresh blocks checked, %lu ALLOCATEs, %lu truncates",
		race_proc, rounds, fresh, allocs, truncs);
	xt_expect(fresh > 0, "pool-race: process %d checked no block", race_proc);
	return bad || xt_failures;
}

static void c_pool_race(void)
{
	unsigned int secs = getenv("XDAX_POOL_SECONDS") ? atoi(getenv("XDAX_POOL_SECONDS")) : 6;
	long long bg0, in0, bg1, in1;
	int status, i, failed = 0;
	pid_t pid[2];

	setup();
	if ((2ULL * RACE_THREADS * RACE_BLOCKS + 4) * blk > info.capacity)
		xt_skip("pool-race: needs %llu MiB", (unsigned long long)
			((2ULL * RACE_THREADS * RACE_BLOCKS + 4) * blk >> 20));
	pool_target();
	bg0 = perf("zeroed_background");
	in0 = perf("zeroed_inline");
	race_end = xt_now_us() + secs * 1e6;
	for (i = 0; i < 2; i++) {
		fflush(NULL);
		pid[i] = fork();
		if (pid[i] < 0)
			xt_die("fork: %s", strerror(errno));
		if (!pid[i]) {
			race_proc = i;
			fd = xt_open(xt_dev);	/* its own open file */
			exit(race_process());
		}
	}
	for (i = 0; i < 2; i++) {
		while (waitpid(pid[i], &status, 0) < 0 && errno == EINTR)
			;
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	}
	xt_expect(!failed, "pool-race: a process failed (see above)");
	bg1 = perf("zeroed_background");
	in1 = perf("zeroed_inline");
	xt_note("figure: pool-race: %lld blocks zeroed in the background, %lld inline during the race",
		bg1 - bg0, in1 - in0);
	xt_expect(bg1 > bg0, "pool-race: the zeroer did not run during the race");
	reset("pool-race");
}

/* --- around, around-zap ---------------------------------------------------------- */

static sigjmp_buf probe_jb;
static volatile sig_atomic_t probe_sig;

static void on_signal(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_jb, 1);
}

/* Read (or write, if @write) one byte at @p: 0, or the signal it raised. */
static int probe_rw(volatile char *p, int write)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	probe_sig = 0;
	if (sigsetjmp(probe_jb, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
	}
	return probe_sig;
}

static int probe(const volatile char *p)
{
	return probe_rw((volatile char *)p, 0);
}

/* How many of the @n pages from @p the page tables map (pagemap bit 63). */
static size_t mapped_pages(const char *p, size_t n)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e;
	size_t i, got = 0;

	if (pm < 0)
		xt_die("open /proc/self/pagemap: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if (pread(pm, &e, 8, ((uintptr_t)p / PG + i) * 8) != 8)
			xt_die("pread pagemap: %s", strerror(errno));
		got += !!(e >> 63);
	}
	close(pm);
	return got;
}

#define AROUND_BLOCKS	4

static void c_around(void)
{
	struct xdax_allocate al = { .size = sizeof(al), .offset = 0, .length = 0 };
	size_t ppb, i, b, n, len;
	struct xdax_stats s0, s1;
	volatile char sink;
	char *p;

	setup();
	ppb = blk / PG;
	len = AROUND_BLOCKS * blk;
	al.length = len;
	if (ioctl(fd, XDAX_IOC_ALLOCATE, &al))
		xt_die("ALLOCATE: %s", strerror(errno));
	p = map_pte(0, len);
	xt_expect(mapped_pages(p, len / PG) == 0, "around: pages mapped before any fault");
	for (b = 0; b < AROUND_BLOCKS; b++) {
		s0 = xt_stats(fd);
		sink = p[b * blk + (b * 37 % ppb) * PG];	/* one read, somewhere in the block */
		s1 = xt_stats(fd);
		n = mapped_pages(p + b * blk, ppb);
		xt_note("figure: around: block %zu: one read fault mapped %zu of %zu pages (%llu pte_faults)",
			b, n, ppb, (unsigned long long)(s1.pte_faults - s0.pte_faults));
		xt_expect(n == ppb, "around: block %zu: %zu of %zu pages mapped after one read fault",
			  b, n, ppb);
		for (i = 0; i < ppb; i++)
			sink = p[b * blk + i * PG];
		s1 = xt_stats(fd);
		xt_expect(s1.pte_faults - s0.pte_faults <= 2 && s1.pmd_faults == s0.pmd_faults,
			  "around: block %zu: reading every page took %llu pte_faults, %llu pmd_faults",
			  b, (unsigned long long)(s1.pte_faults - s0.pte_faults),
			  (unsigned long long)(s1.pmd_faults - s0.pmd_faults));
	}
	(void)sink;
	munmap(p, len);

	/* A write fault maps only its own page. */
	p = map_pte(0, blk);
	p[5 * PG] = 1;
	n = mapped_pages(p, ppb);
	xt_expect(n == 1, "around: a write fault mapped %zu pages, expected 1", n);

	/* A read fault then maps the rest around the pages mapped already. */
	p[6 * PG] = 2;
	p[200 * PG] = 3;
	p[(ppb - 1) * PG] = 4;
	sink = p[0];
	n = mapped_pages(p, ppb);
	xt_expect(n == ppb, "around: a read fault after 4 writes mapped %zu of %zu pages", n, ppb);
	xt_expect(p[5 * PG] == 1 && p[6 * PG] == 2 && p[200 * PG] == 3 &&
		  p[(ppb - 1) * PG] == 4, "around: the written pages lost their data");
	munmap(p, blk);

	/* A VMA over part of a block: block-around stays inside it. */
	p = map_pte(100 * PG, 200 * PG);
	sink = p[50 * PG];
	n = mapped_pages(p, 200);
	xt_expect(n == 200, "around: a VMA over pages 100-299: %zu of 200 mapped", n);
	xt_expect(p[(200 - 100) * PG] == 3, "around: page 200 through the partial VMA");
	munmap(p, 200 * PG);
	(void)sink;
	reset("around");
}

static void c_around_zap(void)
{
	size_t ppb, i, n, bad = 0, len;
	volatile char sink;
	char *p;
	int sig;

	setup();
	ppb = blk / PG;
	len = 2 * blk;
	p = map_pte(0, len);
	xt_fill(p, len, 0xfeedULL);		/* write faults allocate, page by page */
	munmap(p, len);
	p = map_pte(0, len);
	sink = p[3 * PG];			/* block-around: block 0 */
	sink = p[blk + 9 * PG];			/* block 1 */
	(void)sink;
	n = mapped_pages(p, len / PG);
	xt_expect(n == len / PG, "around-zap: %zu of %zu pages mapped before the zap", n,
		  len / PG);

	/* Truncate to block 1: block 1's pages are past EOF, all of them. */
	xt_expect(!xt_set_size(fd, blk, 0, 0, NULL), "around-zap: truncate to 1 block");
	n = mapped_pages(p + blk, ppb);
	xt_expect(n == 0, "around-zap: %zu pages of the truncated block still mapped", n);
	for (i = 0; i < ppb; i++) {
		sig = probe(p + blk + i * PG);
		bad += sig != SIGBUS;
	}
	xt_expect(!bad, "around-zap: %zu pages past EOF did not raise SIGBUS", bad);
	xt_expect(xt_verify(p, blk, 0xfeedULL) == (size_t)-1, "around-zap: block 0 lost its data");

	/* Punch block 0: nothing mapped, then a refault reads zeros. */
	xt_expect(!xt_punch(fd, 0, blk, 0, 0, NULL), "around-zap: punch block 0");
	n = mapped_pages(p, ppb);
	xt_expect(n == 0, "around-zap: %zu pages of the punched block still mapped", n);
	xt_expect(first_nonzero(p, blk) < 0, "around-zap: the refaulted block is not zero");
	munmap(p, len);
	reset("around-zap");
}

/* --- unpin-sync ------------------------------------------------------------------ */

struct trunc_arg {
	int fd;
	double t_ret;
	int err;
};

static void *blocking_truncate(void *v)
{
	struct trunc_arg *a = v;

	a->err = xt_set_size(a->fd, 0, 0, 0, NULL);
	a->t_ret = xt_now_us();
	return NULL;
}

static void c_unpin_sync(void)
{
	struct pollfd pfd = { .events = POLLIN };
	struct xdax_event ev;
	struct trunc_arg ta = { 0 };
	long long uf0, uf1, rn0, rn1;
	int sync_rounds = 0, now_ev;
	double t0, lat[5];
	pthread_t t;
	uint64_t pin;
	char *p;
	int i;

	setup();
	pfd.fd = fd;
	p = map(0, blk, PROT_READ | PROT_WRITE);
	for (i = 0; i < 5; i++) {
		xt_fill(p, blk, i);
		pin = xt_pin(fd, p, PG, 0);
		xt_expect(!xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, NULL), "unpin-sync: NOWAIT truncate");
		xt_expect(xt_stats(fd).awaiting_reclaim == 1, "unpin-sync: one block awaiting");
		usleep(30000);	/* the reaper has looked at it and found it busy */
		xt_expect(xt_stats(fd).awaiting_reclaim == 1, "unpin-sync: freed while pinned");
		uf0 = perf("unpin_freed");
		xt_expect(!xt_unpin(fd, pin), "unpin-sync: UNPIN");
		/*
		 * Synchronous: the block is free and the event there before UNPIN
		 * returned.  (The reaper may win the microseconds between the unpin
		 * and xdax's own reap; then unpin_freed does not move and the event
		 * comes from it.  That cannot happen in every round.)
		 */
		now_ev = poll(&pfd, 1, 0) == 1;
		uf1 = perf("unpin_freed");
		if (uf1 == uf0 + 1 && now_ev)
			sync_rounds++;
		else
			xt_note("unpin-sync: round %d: unpin_freed %lld -> %lld, event at once: %d",
				i, uf0, uf1, now_ev);
		xt_expect(poll(&pfd, 1, 10000) == 1, "unpin-sync: round %d: no reclaim event", i);
		xt_expect(xt_stats(fd).awaiting_reclaim == 0, "unpin-sync: still awaiting");
		if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
			xt_fail("unpin-sync: read event: %s", strerror(errno));
		xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "unpin-sync: grow");
	}
	xt_expect(sync_rounds >= 1, "unpin-sync: no UNPIN freed its block itself (0 of 5 rounds)");
	xt_note("figure: unpin-sync: %d of 5 UNPINs freed the block and posted the event before returning",
		sync_rounds);

	/* The reaper's cost while a block waits (1 s, figure only). */
	xt_fill(p, blk, 9);
	pin = xt_pin(fd, p, PG, 0);
	xt_expect(!xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, NULL), "unpin-sync: NOWAIT truncate");
	usleep(100000);
	uf0 = perf("reaper_rounds");
	rn0 = perf("reaper_ns");
	t0 = xt_now_us();
	usleep(1000000);
	uf1 = perf("reaper_rounds");
	rn1 = perf("reaper_ns");
	t0 = xt_now_us() - t0;
	xt_note("figure: unpin-sync: reaper while a pinned block waits: %lld rounds in %.0f ms, %.1f us each, %.3f%% of a CPU",
		uf1 - uf0, t0 / 1000, uf1 > uf0 ? (rn1 - rn0) / 1000.0 / (uf1 - uf0) : 0,
		(rn1 - rn0) / 10.0 / t0);
	/* Its fine schedule (12 ms with nobody waiting; 40 ms at most here), not the 100 ms backoff. */
	xt_expect((uf1 - uf0) * 40000.0 >= t0,
		  "unpin-sync: the reaper made %lld rounds in %.0f ms while a block waited",
		  uf1 - uf0, t0 / 1000);
	xt_expect(!xt_unpin(fd, pin), "unpin-sync: UNPIN");
	xt_expect(poll(&pfd, 1, 10000) == 1, "unpin-sync: no reclaim event");
	if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
		xt_fail("unpin-sync: read event: %s", strerror(errno));
	/* Nothing waits: the reaper stops (a timer armed before may fire once more). */
	usleep(50000);
	uf0 = perf("reaper_rounds");
	usleep(300000);
	uf1 = perf("reaper_rounds");
	xt_expect(uf1 - uf0 <= 1, "unpin-sync: %lld reaper rounds in 300 ms with nothing waiting",
		  uf1 - uf0);
	xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "unpin-sync: grow");

	/* A blocking truncate waiting for a pin returns once the UNPIN is done. */
	for (i = 0; i < 5; i++) {
		xt_fill(p, blk, i);
		pin = xt_pin(fd, p, PG, 0);
		ta.fd = fd;
		if (pthread_create(&t, NULL, blocking_truncate, &ta))
			xt_die("pthread_create");
		usleep(50000);
		t0 = xt_now_us();
		xt_expect(!xt_unpin(fd, pin), "unpin-sync: UNPIN (blocking)");
		pthread_join(t, NULL);
		lat[i] = ta.t_ret - t0;
		xt_expect(!ta.err, "unpin-sync: blocking truncate: %s", strerror(-ta.err));
		xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "unpin-sync: grow");
	}
	xt_note("figure: unpin-sync: UNPIN -> blocking truncate returns: %.0f %.0f %.0f %.0f %.0f us",
		lat[0], lat[1], lat[2], lat[3], lat[4]);
	munmap(p, blk);
	while (poll(&pfd, 1, 0) == 1 && read(fd, &ev, sizeof(ev)) == sizeof(ev))
		;
	reset("unpin-sync");
}

/*
 * A foreign reference (a vmspliced page in a pipe) keeps a block awaiting reclaim after a
 * NOWAIT truncate.  Rounds 0-3: a thread closes the pipe 20 ms after this thread went to
 * sleep in poll(); rounds 4-7: the same with a blocking read(); the reaper's poll wakes the
 * waiter, which frees the block itself (perf/waiter_freed).  Rounds 8-9: the pipe closed,
 * then poll() with timeout 0 frees it on entry and reports the event at once.  Every event
 * reads consistent (nothing awaiting).  (The round frees it instead if the waiter misses
 * its head start of a millisecond; that cannot happen in every round of a kind.)
 */
static int waiter_pipe[2];

static void *waiter_closer(void *arg)
{
	(void)arg;
	usleep(20000);
	close(waiter_pipe[0]);
	close(waiter_pipe[1]);
	return NULL;
}

static void c_waiter_free(void)
{
	static const char *const kind[] = { "poll asleep", "read asleep", "poll on entry" };
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	int i, k, got, by_waiter[3] = { 0, 0, 0 };
	struct xdax_event ev;
	long long wf0, wf1;
	struct iovec iov;
	pthread_t t;
	char *p;

	setup();
	pfd.fd = fd;
	p = map(0, blk, PROT_READ | PROT_WRITE);
	iov = (struct iovec){ .iov_base = p, .iov_len = PG };
	for (i = 0; i < 10; i++) {
		k = i < 4 ? 0 : i < 8 ? 1 : 2;
		xt_fill(p, blk, i);
		if (pipe(waiter_pipe))
			xt_die("pipe: %s", strerror(errno));
		if (vmsplice(waiter_pipe[1], &iov, 1, 0) != (ssize_t)PG)
			xt_die("vmsplice: %s", strerror(errno));
		xt_expect(!xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, NULL), "waiter-free: NOWAIT truncate");
		xt_expect(xt_stats(fd).awaiting_reclaim == 1, "waiter-free: one block awaiting");
		usleep(20000);	/* the reaper has polled it and found it busy */
		xt_expect(xt_stats(fd).awaiting_reclaim == 1, "waiter-free: freed while in the pipe");
		wf0 = perf("waiter_freed");
		if (k < 2) {
			if (pthread_create(&t, NULL, waiter_closer, NULL))
				xt_die("pthread_create");
		} else {
			close(waiter_pipe[0]);
			close(waiter_pipe[1]);
		}
		got = 1;
		if (k == 0)
			xt_expect(poll(&pfd, 1, 10000) == 1, "waiter-free: round %d: no reclaim event", i);
		else if (k == 2)
			got = poll(&pfd, 1, 0) == 1;
		if (got && read(fd, &ev, sizeof(ev)) != sizeof(ev))
			xt_fail("waiter-free: round %d: read event: %s", i, strerror(errno));
		else if (got)
			xt_expect(ev.type == XDAX_EVENT_RECLAIM && ev.reclaimed == 1 &&
				  ev.awaiting_reclaim == 0,
				  "waiter-free: round %d: event type %u reclaimed %llu awaiting %llu", i,
				  ev.type, (unsigned long long)ev.reclaimed,
				  (unsigned long long)ev.awaiting_reclaim);
		if (k < 2)
			pthread_join(t, NULL);
		wf1 = perf("waiter_freed");
		if (got && wf1 == wf0 + 1)
			by_waiter[k]++;
		else
			xt_note("waiter-free: round %d (%s): event %d, waiter_freed %lld -> %lld", i,
				kind[k], got, wf0, wf1);
		if (!got) {	/* the round's event, later */
			xt_expect(poll(&pfd, 1, 10000) == 1, "waiter-free: round %d: no event", i);
			if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
				xt_fail("waiter-free: round %d: read event: %s", i, strerror(errno));
		}
		xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "waiter-free: grow");
	}
	for (k = 0; k < 3; k++)
		xt_expect(by_waiter[k] >= 1, "waiter-free: %s: no waiter freed its block (0 of %d)",
			  kind[k], k < 2 ? 4 : 2);
	xt_note("figure: waiter-free: the waiter freed the block in %d of 4 (poll asleep), %d of 4 (read asleep), %d of 2 (poll on entry) rounds",
		by_waiter[0], by_waiter[1], by_waiter[2]);
	munmap(p, blk);
	reset("waiter-free");
}

/*
 * Every block in the file, the last one kept awaiting reclaim by a vmspliced page after a
 * NOWAIT truncate; the file grown back, so the last block is a hole and no block is free.
 * Rounds 0-3 close the pipe and at once write into the hole (a fault), rounds 4-7 ALLOCATE
 * it: the allocation must free the idle block itself rather than fail (SIGBUS, ENOSPC)
 * until the reaper's next poll, up to 12 ms later.  The block it gets reads all zero
 * (it held a pattern).
 */
static void c_alloc_free(void)
{
	static const char *const kind[] = { "write fault", "ALLOCATE" };
	struct xdax_allocate al = { .size = sizeof(al), .offset = 0, .length = 0 };
	int i, k, sig, pfd[2], failed[2] = { 0, 0 }, by_alloc[2] = { 0, 0 };
	long long af0, af1;
	uint64_t last;
	struct iovec iov;
	char *p, *b;

	setup();
	al.length = info.capacity;
	if (ioctl(fd, XDAX_IOC_ALLOCATE, &al))
		xt_die("alloc-free: ALLOCATE the whole file: %s", strerror(errno));
	xt_expect(xt_stats(fd).free == 0, "alloc-free: %llu blocks free after ALLOCATE of all",
		  (unsigned long long)xt_stats(fd).free);
	p = map(0, info.capacity, PROT_READ | PROT_WRITE);
	last = info.capacity - blk;
	b = p + last;
	iov = (struct iovec){ .iov_base = b, .iov_len = PG };
	for (i = 0; i < 8; i++) {
		k = i < 4 ? 0 : 1;
		xt_fill(b, blk, i + 1);
		if (pipe(pfd))
			xt_die("pipe: %s", strerror(errno));
		if (vmsplice(pfd[1], &iov, 1, 0) != (ssize_t)PG)
			xt_die("vmsplice: %s", strerror(errno));
		xt_expect(!xt_set_size(fd, last, XDAX_WAIT_NOWAIT, 0, NULL),
			  "alloc-free: NOWAIT truncate");
		xt_expect(!xt_set_size(fd, info.capacity, 0, 0, NULL), "alloc-free: grow");
		usleep(20000);	/* the reaper has polled it and found it busy */
		xt_expect(xt_stats(fd).awaiting_reclaim == 1 && xt_stats(fd).free == 0,
			  "alloc-free: round %d: not one block awaiting and none free", i);
		af0 = perf("alloc_freed");
		close(pfd[0]);
		close(pfd[1]);
		if (k == 0) {
			sig = probe_rw(b, 1);
			if (sig) {
				failed[k]++;
				xt_fail("alloc-free: round %d: the write into the hole raised signal %d with an idle block awaiting reclaim",
					i, sig);
			}
		} else {
			al = (struct xdax_allocate){ .size = sizeof(al), .offset = last,
						     .length = blk };
			if (ioctl(fd, XDAX_IOC_ALLOCATE, &al)) {
				failed[k]++;
				xt_fail("alloc-free: round %d: ALLOCATE of the hole: %s with an idle block awaiting reclaim",
					i, strerror(errno));
			}
		}
		af1 = perf("alloc_freed");
		by_alloc[k] += af1 == af0 + 1;
		if (!probe_rw(b, 1)) {
			b[0] = 0;
			xt_expect(xt_all_zero(b, blk), "alloc-free: round %d: the new block is not zero",
				  i);
		}
	}
	for (k = 0; k < 2; k++)
		xt_expect(by_alloc[k] >= 1, "alloc-free: %s: no allocation freed a block (0 of 4)",
			  kind[k]);
	xt_note("figure: alloc-free: the allocation freed the block itself in %d of 4 (write fault), %d of 4 (ALLOCATE) rounds; failed %d, %d",
		by_alloc[0], by_alloc[1], failed[0], failed[1]);
	munmap(p, info.capacity);
	reset("alloc-free");
}

static const struct xt_case cases[] = {
	{ "pool-fill", c_pool_fill, "the zeroer fills the pool; fresh blocks come zeroed from it" },
	{ "pool-race", c_pool_race,
	  "2 processes write, punch, truncate, ALLOCATE, refault: every fresh block is zero" },
	{ "around", c_around, "one read fault maps the whole block inside the VMA" },
	{ "around-zap", c_around_zap, "truncate and punch zap what block-around mapped" },
	{ "unpin-sync", c_unpin_sync, "UNPIN frees an awaiting block at once, wakes waiters" },
	{ "waiter-free", c_waiter_free, "the event waiter the reaper wakes frees the block itself" },
	{ "alloc-free", c_alloc_free, "an allocation that finds none free frees an idle awaiting block" },
	{ 0 },
};

int main(int argc, char **argv)
{
	return xt_run(argc, argv, cases);
}
