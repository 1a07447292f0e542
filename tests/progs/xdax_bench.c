// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_bench TARGET TEST [MIB [TRIALS]]: figures, never assertions on speed.
 *
 * TARGET is what is measured, the same code for each:
 *   /dev/xdaxN       xdax
 *   /dev/daxX.Y      a device-dax (its align, 2M or 4K, read from sysfs)
 *   PATH             a file on a DAX file system (ext4 -o dax), created and sized here
 *   anon             anonymous memory (MADV_HUGEPAGE for "PMD", MADV_NOHUGEPAGE for "PTE")
 * TEST:
 *   fault     first touch of fresh memory (alloc + zero + map) with PMD and with PTE faults,
 *             for xdax with the pre-zeroed pool warm and beyond it (when sysfs has
 *             perf/zeroed_free); faults on owned blocks (PMD, PTE); MAP_POPULATE (PMD, PTE)
 *   fault-pmd, fault-pte   the PMD or the PTE half of fault alone
 *   pair-pmd, pair-pte, pair-populate   (xdax_bench /dev/xdaxN pair-HOW MIB PAIRS PEER) owned
 *             PMD faults, PTE faults or MAP_POPULATE of a PTE-only view, timed on xdax and
 *             the device-dax PEER alternately, one timing each per pair: the ratio per pair
 *   bw        sequential write / read / non-temporal write through a populated map
 *   truncate  truncate and punch of MIB, PMD-mapped, PTE-mapped and unmapped (xdax, file)
 *   reclaim   TRIALS trials per reference: reference dropped -> NOWAIT reclaim event (to a
 *             waiter asleep in poll() when it drops) and -> blocking truncate's return (xdax: own pin, vmspliced pipe, O_DIRECT on a slow
 *             null_blk, io_uring fixed buffer; file: the vmspliced pipe, blocking ftruncate)
 *             and first the guest's own wake-up latency (a pipe, a timerfd; no xdax)
 *   cpu       system CPU while one block waits for reclaim, and idle (xdax)
 *   time CMD...   wall time of a command (module load, namespace creation)
 * Output: one line per figure, "@bench METRIC VALUE UNIT" (VALUE "n/a" where the target has
 * no such thing), for scripts/bench.sh.  What is checked, so that a broken device cannot
 * produce figures: fresh memory reads zero, data written through one mapping reads back
 * through the next, xdax's fault counters and block accounting (xt_conserved), truncate and
 * punch free every block, every reclaim trial ends with its event or its return.  Exit 0
 * only if all of that held.
 */
#define _GNU_SOURCE
#include <emmintrin.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/falloc.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "xdax_test.h"
#include "xt_uring.h"

#define BLK	(2UL << 20)
#define PG	4096UL

enum kind { K_XDAX, K_DEVDAX, K_FILE, K_ANON };

static enum kind kind;
static const char *target;
static int tfd = -1;
static uint64_t dev_align = BLK;	/* device-dax's align */
static uint64_t cap;			/* bytes usable at target */

static void sleep_us(double us)
{
	struct timespec ts = { (time_t)(us / 1e6), (long)((us - (time_t)(us / 1e6) * 1e6) * 1e3) };

	nanosleep(&ts, NULL);
}

static void fig(const char *metric, double v, const char *unit)
{
	printf("@bench %s %.3f %s\n", metric, v, unit);
	fflush(stdout);
}

static void na(const char *metric, const char *unit, const char *why)
{
	printf("@bench %s n/a %s\n", metric, unit);
	if (why)
		printf("# %s: n/a: %s\n", metric, why);
	fflush(stdout);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Percentile P (0..100) of n values (sorts them). */
static double pct(double *v, size_t n, double p)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_d);
	i = (size_t)(p / 100.0 * (n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static uint64_t read_u64_file(const char *path, int *ok)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	*ok = 0;
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	*ok = 1;
	return strtoull(buf, NULL, 0);
}

/* --- the target --------------------------------------------------------------------------- */

static void open_target(uint64_t want)
{
	struct statvfs vfs;
	char path[256];
	int ok;

	if (!strcmp(target, "anon")) {
		kind = K_ANON;
		cap = want;
		return;
	}
	if (!strncmp(target, "/dev/xdax", 9)) {
		struct xdax_info info;

		kind = K_XDAX;
		tfd = xt_open(target);
		info = xt_info(tfd);
		xt_expect(info.align == BLK, "xdax block size %llu, the bench expects 2 MiB",
			  (unsigned long long)info.align);
		cap = info.capacity;
		if (xt_set_size(tfd, 0, 0, 0, NULL) || xt_set_size(tfd, cap, 0, 0, NULL))
			xt_die("resetting the size of %s", target);
		return;
	}
	if (!strncmp(target, "/dev/dax", 8)) {
		kind = K_DEVDAX;
		tfd = open(target, O_RDWR | O_CLOEXEC);
		if (tfd < 0)
			xt_die("open %s: %s", target, strerror(errno));
		snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/align", target + 5);
		dev_align = read_u64_file(path, &ok);
		if (!ok)
			dev_align = BLK;
		snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size", target + 5);
		cap = read_u64_file(path, &ok);
		if (!ok)
			xt_die("no size in %s", path);
		return;
	}
	kind = K_FILE;
	tfd = open(target, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (tfd < 0)
		xt_die("open %s: %s", target, strerror(errno));
	cap = want;
	/* A sparse file larger than the free space would SIGBUS on first touch. */
	if (!fstatvfs(tfd, &vfs) && cap > vfs.f_bavail * vfs.f_frsize / 10 * 8)
		cap = (vfs.f_bavail * vfs.f_frsize / 10 * 8) & ~(BLK - 1);
	if (ftruncate(tfd, cap))
		xt_die("ftruncate %s: %s", target, strerror(errno));
}

/* Give the target fresh (never touched since it was freed) memory of len bytes. */
static void fresh(uint64_t len)
{
	if (kind == K_XDAX) {
		if (xt_set_size(tfd, 0, 0, 0, NULL) || xt_set_size(tfd, cap, 0, 0, NULL))
			xt_die("truncate and regrow");
		xt_conserved(tfd, "fresh");
	} else if (kind == K_FILE) {
		if (ftruncate(tfd, 0) || ftruncate(tfd, len))
			xt_die("ftruncate: %s", strerror(errno));
	}
}

/*
 * Map len bytes at offset 0: with pmd, at a 2 MiB-aligned address (huge mappings allowed);
 * without, one page off that congruence so that no PMD can map it.  NULL if the target
 * refuses (device-dax maps only at its own alignment).
 */
static char *map_at(uint64_t len, int pmd, int flags)
{
	char *base, *p;
	int prot = PROT_READ | PROT_WRITE;

	base = mmap(NULL, len + 2 * BLK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		xt_die("reserve: %s", strerror(errno));
	p = (char *)(((uintptr_t)base + BLK - 1) & ~(uintptr_t)(BLK - 1)) + (pmd ? 0 : PG);
	if (kind == K_ANON) {
		p = mmap(p, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | flags, -1, 0);
		if (p != MAP_FAILED && madvise(p, len, pmd ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
			xt_note("madvise: %s", strerror(errno));
		/* MAP_POPULATE came before the madvise: redo it with the advice in force. */
		if (p != MAP_FAILED && (flags & MAP_POPULATE))
			madvise(p, len, MADV_POPULATE_WRITE);
	} else {
		p = mmap(p, len, prot, MAP_SHARED | MAP_FIXED | flags, tfd, 0);
	}
	if (p == MAP_FAILED) {
		int e = errno;

		munmap(base, len + 2 * BLK);
		errno = e;
		return NULL;
	}
	/* Release the reservation around the mapping. */
	if (p > base)
		munmap(base, p - base);
	munmap(p + len, base + len + 2 * BLK - (p + len));
	return p;
}

/* Write one byte in each page of one block; microseconds. */
static double touch_block(char *p, uint64_t len)
{
	double t0 = xt_now_us();
	uint64_t i;

	for (i = 0; i < len; i += PG)
		p[i] = 1;
	return xt_now_us() - t0;
}

/* Read one byte in each page; microseconds. */
static double read_touch(const char *p, uint64_t len)
{
	volatile char sink = 0;
	double t0 = xt_now_us();
	uint64_t i;

	for (i = 0; i < len; i += PG)
		sink += p[i];
	(void)sink;
	return xt_now_us() - t0;
}

/* --- fault -------------------------------------------------------------------------------- */

static int pte_possible(void)
{
	return kind != K_DEVDAX || dev_align == PG;
}

static int pmd_possible(void)
{
	return kind != K_DEVDAX || dev_align >= BLK;
}

/* GROUP/FIELD of the device's sysfs directory (stats/..., perf/...). */
static void sysfs_stat(const char *group, const char *field, uint64_t *v, int *ok)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/xdax/%s/%s/%s", target + 5, group, field);
	*v = read_u64_file(path, ok);
}

/*
 * The pre-zeroed pool (if the module has one): wait until it stops growing (the zeroing
 * runs in the background after a free), at most 10 s.  Returns its size in blocks, -1 if
 * the module has no such counter.
 */
static long pool_settle(void)
{
	uint64_t v, last = ~0ULL;
	int ok, i;

	for (i = 0; i < 100; i++) {
		sysfs_stat("perf", "zeroed_free", &v, &ok);
		if (!ok)
			return -1;
		if (v == last)
			return (long)v;
		last = v;
		sleep_us(100000);
	}
	return (long)last;
}

static void first_touch(uint64_t len, int pmd)
{
	const char *m = pmd ? "first_touch_pmd" : "first_touch_pte";
	uint64_t nb = len / BLK, i;
	struct xdax_stats s0 = { 0 }, s1;
	double *t, all;
	long pool = -1;
	char name[64];
	char *p;

	fresh(len);
	if (kind == K_XDAX)
		pool = pool_settle();
	p = map_at(len, pmd, 0);
	if (!p) {
		na(m, "us/2M", strerror(errno));
		if (pmd || kind != K_DEVDAX) {
			snprintf(name, sizeof(name), "%s_warm", m);
			na(name, "us/2M", NULL);
			snprintf(name, sizeof(name), "%s_beyond_pool", m);
			na(name, "us/2M", NULL);
		}
		return;
	}
	t = calloc(nb, sizeof(*t));
	if (!t)
		xt_die("calloc");
	if (kind == K_XDAX)
		s0 = xt_stats(tfd);
	for (i = 0; i < nb; i++)
		t[i] = touch_block(p + i * BLK, BLK);
	if (kind == K_XDAX) {
		s1 = xt_stats(tfd);
		if (pmd)
			xt_expect(s1.pmd_faults - s0.pmd_faults == nb, "%s: %llu PMD faults, want %llu",
				  m, (unsigned long long)(s1.pmd_faults - s0.pmd_faults),
				  (unsigned long long)nb);
		else
			xt_expect(s1.pmd_faults == s0.pmd_faults,
				  "%s: %llu PMD faults at a skewed address", m,
				  (unsigned long long)(s1.pmd_faults - s0.pmd_faults));
		xt_expect(s1.in_use == nb, "%s: %llu blocks in use, want %llu", m,
			  (unsigned long long)s1.in_use, (unsigned long long)nb);
	}
	/* Fresh memory reads zero (the byte each page got is the only one set). */
	if (kind != K_DEVDAX) {
		for (i = 0; i < len; i += PG)
			p[i] = 0;
		xt_expect(xt_all_zero(p, len), "%s: fresh memory is not zero", m);
	}
	for (all = 0, i = 0; i < nb; i++)
		all += t[i];
	fig(m, all / nb, "us/2M");
	snprintf(name, sizeof(name), "%s_warm", m);
	if (kind != K_XDAX) {
		/* No pool: every first touch is the same. */
		fig(name, all / nb, "us/2M");
	} else if (pool < 0) {
		na(name, "us/2M", "the module has no perf/zeroed_free (no pre-zeroed pool)");
	} else if (pool == 0) {
		na(name, "us/2M", "perf/zeroed_free is 0: the pool is empty");
	} else {
		uint64_t n = (uint64_t)pool < nb ? (uint64_t)pool : nb;

		fig(name, pct(t, n, 50), "us/2M");
		printf("# %s: pool %ld blocks\n", name, pool);
	}
	snprintf(name, sizeof(name), "%s_beyond_pool", m);
	if (kind != K_XDAX)
		fig(name, all / nb, "us/2M");
	else if (pool < 0)
		na(name, "us/2M", NULL);
	else if ((uint64_t)pool >= nb)
		na(name, "us/2M", "the pool covers the whole range");
	else
		fig(name, pct(t + pool, nb - pool, 50), "us/2M");
	free(t);
	munmap(p, len);
}

/*
 * Owned blocks: fill, unmap, fault back in (read), check the data; then MAP_POPULATE.  The
 * faults are timed OWNED_ROUNDS times (a fresh mapping each) and the median is the figure:
 * one round of 512 PMD faults lasts ~25 ms, short enough for one stall of the TCG host to
 * double it (paired runs of one boot spread 0.5-5x).
 */
#define OWNED_ROUNDS	7

static void owned(uint64_t len, int pmd)
{
	const char *m = pmd ? "owned_fault_pmd" : "owned_fault_pte";
	const char *mp = pmd ? "populate_pmd" : "populate_pte";
	uint64_t nb = len / BLK;
	struct xdax_stats s0 = { 0 }, s1;
	double t, tr[OWNED_ROUNDS];
	char *p;
	int k;

	if (kind == K_ANON) {
		na(m, "us/2M", NULL);	/* anonymous memory is gone with its mapping */
	} else {
		p = map_at(len, pmd, 0);
		if (!p) {
			na(m, "us/2M", strerror(errno));
			na(mp, "us/2M", NULL);
			return;
		}
		xt_fill(p, len, 0xbe7c4 + pmd);
		munmap(p, len);
		/*
		 * The first touch drained xdax's pre-zeroed pool: let the zeroer refill it
		 * first, or it competes with the faults for the vCPUs (a probe on 7.2 saw
		 * 63-64 us per fault with it running, 44-49 us without).
		 */
		pool_settle();
		for (k = 0; k < OWNED_ROUNDS; k++) {
			p = map_at(len, pmd, 0);
			if (!p)
				xt_die("mapping again: %s", strerror(errno));
			if (kind == K_XDAX)
				s0 = xt_stats(tfd);
			tr[k] = read_touch(p, len);
			if (kind == K_XDAX) {
				s1 = xt_stats(tfd);
				xt_expect(s1.in_use == s0.in_use,
					  "%s: faults on owned blocks allocated", m);
				if (pmd)
					xt_expect(s1.pmd_faults - s0.pmd_faults == nb,
						  "%s: %llu PMD faults", m,
						  (unsigned long long)(s1.pmd_faults - s0.pmd_faults));
			}
			if (!k)
				xt_expect(xt_verify(p, len, 0xbe7c4 + pmd) == (size_t)-1,
					  "%s: the data written through the first mapping is not there",
					  m);
			munmap(p, len);
		}
		fig(m, pct(tr, OWNED_ROUNDS, 50) / nb, "us/2M");
	}
	t = xt_now_us();
	p = map_at(len, pmd, MAP_POPULATE);
	t = xt_now_us() - t;
	if (!p) {
		na(mp, "us/2M", strerror(errno));
		return;
	}
	if (kind != K_ANON)
		xt_expect(xt_verify(p, len, 0xbe7c4 + pmd) == (size_t)-1,
			  "%s: data not there through the populated map", mp);
	fig(mp, t / nb, "us/2M");
	munmap(p, len);
}

/* want_pmd, want_pte: the halves to run (fault-pmd / fault-pte run one, for make bench's pairs). */
static void test_fault(uint64_t len, int want_pmd, int want_pte)
{
	if (!want_pmd) {
		/* not asked: no figure at all (the other run of the pair has them) */
	} else if (pmd_possible()) {
		first_touch(len, 1);
		owned(len, 1);
	} else {
		na("first_touch_pmd", "us/2M", "device-dax align 4K maps no PMD");
		na("first_touch_pmd_warm", "us/2M", NULL);
		na("first_touch_pmd_beyond_pool", "us/2M", NULL);
		na("owned_fault_pmd", "us/2M", NULL);
		na("populate_pmd", "us/2M", NULL);
	}
	if (!want_pte) {
		/* as above */
	} else if (pte_possible()) {
		first_touch(len, 0);
		owned(len, 0);
	} else {
		na("first_touch_pte", "us/2M", "device-dax align 2M maps no PTE");
		na("first_touch_pte_warm", "us/2M", NULL);
		na("first_touch_pte_beyond_pool", "us/2M", NULL);
		na("owned_fault_pte", "us/2M", NULL);
		na("populate_pte", "us/2M", NULL);
	}
}

/* --- pair: xdax and a peer, timing by timing ---------------------------------------------- */

/*
 * The owned fault rows above pair xdax's runs with the peer's repetition by repetition, a
 * minute apart; a TCG guest drifts more than that in a minute (the same code's ratio spread
 * 0.5-2.5x pair to pair).  Here one process holds both targets and alternates single timings
 * (odd pairs the peer first), so the two halves of a pair are milliseconds apart, and each
 * pair gives one ratio xdax / peer.
 */
struct target {
	enum kind kind;
	const char *name;
	int fd;
	uint64_t align, cap;
};

static void target_save(struct target *t)
{
	*t = (struct target){ kind, target, tfd, dev_align, cap };
}

static void target_use(const struct target *t)
{
	kind = t->kind;
	target = t->name;
	tfd = t->fd;
	dev_align = t->align;
	cap = t->cap;
}

/* One timing of HOW on the current target, in microseconds; xdax's counters checked. */
static double pair_time(const char *how, uint64_t len, const char *m)
{
	int pmd = !strcmp(how, "pmd"), pop = !strcmp(how, "populate");
	struct xdax_stats s0 = { 0 }, s1;
	uint64_t nb = len / BLK;
	double t;
	char *p;

	if (kind == K_XDAX)
		s0 = xt_stats(tfd);
	t = xt_now_us();
	p = map_at(len, pmd, pop ? MAP_POPULATE : 0);
	if (!p)
		xt_die("%s: mapping %s: %s", m, target, strerror(errno));
	t = pop ? xt_now_us() - t : read_touch(p, len);
	if (kind == K_XDAX) {
		s1 = xt_stats(tfd);
		xt_expect(s1.in_use == s0.in_use, "%s: faults on owned blocks allocated", m);
		if (pmd)
			xt_expect(s1.pmd_faults - s0.pmd_faults == nb, "%s: %llu PMD faults, want %llu",
				  m, (unsigned long long)(s1.pmd_faults - s0.pmd_faults),
				  (unsigned long long)nb);
		else
			xt_expect(s1.pmd_faults == s0.pmd_faults, "%s: a PMD in a PTE-only view", m);
	}
	munmap(p, len);
	return t;
}

/*
 * pair-HOW: PAIRS pairs of timings of owned memory, xdax (TARGET) and PEER: "pmd" (PMD read
 * faults), "pte" (PTE read faults, block-around on xdax) or "populate" (MAP_POPULATE of a
 * PTE-only view).  Figures: each pair's ratio (metric paired_..., unit x) and a summary.
 */
static void test_pair(const char *how, uint64_t len, int pairs, const char *peer)
{
	const char *m = !strcmp(how, "pmd") ? "paired_owned_fault_pmd" :
			!strcmp(how, "pte") ? "paired_owned_fault_pte" : "paired_populate_pte";
	int pmd = !strcmp(how, "pmd"), k, j, below = 0;
	struct target t[2];
	double *r, *tx, *tp, v[2];

	if (kind != K_XDAX || !peer || strncmp(peer, "/dev/dax", 8) || pairs < 1)
		xt_die("pair: TARGET must be /dev/xdaxN, PEER a /dev/daxX.Y, PAIRS at least 1");
	if (!pmd && strcmp(how, "pte") && strcmp(how, "populate"))
		xt_die("pair: unknown kind %s", how);
	target_save(&t[0]);
	target = peer;
	tfd = -1;
	open_target(len);
	target_save(&t[1]);
	if (t[1].kind != K_DEVDAX || t[1].cap < len)
		xt_die("pair: the peer %s must be a device-dax of at least %llu MiB", peer,
		       (unsigned long long)(len / XT_MB));
	if (pmd ? !pmd_possible() : !pte_possible())
		xt_die("pair: %s cannot map with %s", peer, pmd ? "PMDs" : "PTEs");
	r = calloc(pairs, sizeof(*r));
	tx = calloc(pairs, sizeof(*tx));
	tp = calloc(pairs, sizeof(*tp));
	if (!r || !tx || !tp)
		xt_die("calloc");
	/* Own the memory: write it through one mapping of each (xdax allocates here). */
	for (j = 0; j < 2; j++) {
		char *p;

		target_use(&t[j]);
		p = map_at(len, pmd_possible(), 0);
		if (!p)
			xt_die("%s: mapping %s: %s", m, target, strerror(errno));
		xt_fill(p, len, 0x9a12 + j);
		munmap(p, len);
	}
	target_use(&t[0]);
	pool_settle();	/* the zeroer refills the pool: not during the timings */
	for (k = 0; k < pairs; k++) {
		for (j = 0; j < 2; j++) {
			int w = (k & 1) ^ j;	/* even pairs xdax first, odd the peer */

			target_use(&t[w]);
			v[w] = pair_time(how, len, m);
		}
		tx[k] = v[0] / (len / BLK);
		tp[k] = v[1] / (len / BLK);
		r[k] = v[0] / v[1];
		below += r[k] <= 1.0;
		fig(m, r[k], "x");
	}
	/* The data is where it was written, through both. */
	for (j = 0; j < 2; j++) {
		char *p;

		target_use(&t[j]);
		p = map_at(len, pmd_possible(), 0);
		xt_expect(p && xt_verify(p, len, 0x9a12 + j) == (size_t)-1,
			  "%s: the data written to %s is not there", m, target);
		if (p)
			munmap(p, len);
	}
	target_use(&t[1]);
	close(tfd);
	target_use(&t[0]);
	printf("# %s: %d pairs of %llu MiB: ratio median %.3f, quartiles %.3f-%.3f, %d of %d at or below 1.0; xdax median %.1f us/2M, %s %.1f us/2M\n",
	       m, pairs, (unsigned long long)(len / XT_MB), pct(r, pairs, 50), pct(r, pairs, 25),
	       pct(r, pairs, 75), below, pairs, pct(tx, pairs, 50), peer, pct(tp, pairs, 50));
	free(r);
	free(tx);
	free(tp);
}

/* --- bandwidth ---------------------------------------------------------------------------- */

static void nt_fill(char *p, uint64_t len, uint64_t v)
{
	__m128i x = _mm_set1_epi64x((long long)v);
	uint64_t i;

	for (i = 0; i < len; i += 64) {
		_mm_stream_si128((__m128i *)(p + i), x);
		_mm_stream_si128((__m128i *)(p + i + 16), x);
		_mm_stream_si128((__m128i *)(p + i + 32), x);
		_mm_stream_si128((__m128i *)(p + i + 48), x);
	}
	_mm_sfence();
}

static uint64_t sum_words(const char *p, uint64_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t s = 0, i;

	for (i = 0; i < len / 8; i++)
		s += w[i];
	return s;
}

static void test_bw(uint64_t len)
{
	double tw = 1e30, tr = 1e30, tn = 1e30, t;
	uint64_t s = 0;
	char *p;
	int pass;

	fresh(len);
	p = map_at(len, pmd_possible(), MAP_POPULATE);
	if (!p)
		xt_die("populated map: %s", strerror(errno));
	for (pass = 0; pass < 3; pass++) {
		t = xt_now_us();
		memset(p, 0x11 + pass, len);
		t = xt_now_us() - t;
		tw = t < tw ? t : tw;
		t = xt_now_us();
		s = sum_words(p, len);
		t = xt_now_us() - t;
		tr = t < tr ? t : tr;
		xt_expect(s == (len / 8) * (0x0101010101010101ULL * (0x11 + pass)),
			  "bw: read back a sum that memset did not write");
		t = xt_now_us();
		nt_fill(p, len, 0x5a5a5a5a00000000ULL + pass);
		t = xt_now_us() - t;
		tn = t < tn ? t : tn;
		s = sum_words(p, len);
		xt_expect(s == (len / 8) * (0x5a5a5a5a00000000ULL + pass),
			  "bw: non-temporal stores did not land");
	}
	fig("bw_write", len / tw, "MB/s");
	fig("bw_read", len / tr, "MB/s");
	fig("bw_write_nt", len / tn, "MB/s");
	munmap(p, len);
}

/* --- truncate / punch --------------------------------------------------------------------- */

static void shrink_or_punch(uint64_t len, int punch)
{
	int r;

	if (kind == K_XDAX) {
		struct xdax_stats st;

		r = punch ? xt_punch(tfd, 0, len, 0, 0, NULL) : xt_set_size(tfd, 0, 0, 0, NULL);
		xt_expect(!r, "%s: %s", punch ? "PUNCH" : "SET_SIZE 0", strerror(-r));
		st = xt_stats(tfd);
		xt_expect(st.in_use == 0 && st.awaiting_reclaim == 0,
			  "%s left %llu in use, %llu awaiting", punch ? "PUNCH" : "SET_SIZE 0",
			  (unsigned long long)st.in_use, (unsigned long long)st.awaiting_reclaim);
	} else {
		struct stat sb;

		r = punch ? fallocate(tfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, len) :
			    ftruncate(tfd, 0);
		xt_expect(!r, "%s: %s", punch ? "fallocate(PUNCH_HOLE)" : "ftruncate", strerror(errno));
		/* At most an extent-tree block may stay. */
		xt_expect(!fstat(tfd, &sb) && sb.st_blocks <= 8, "%s left %lld sectors",
			  punch ? "punch" : "ftruncate", (long long)sb.st_blocks);
	}
}

static void test_truncate(uint64_t len)
{
	static const char *const how[] = { "pmd", "pte", "unmapped" };
	char name[64];
	int h, punch;
	double t;
	char *p;

	if (kind != K_XDAX && kind != K_FILE) {
		for (punch = 0; punch < 2; punch++)
			for (h = 0; h < 3; h++) {
				snprintf(name, sizeof(name), "%s_%s", punch ? "punch" : "truncate",
					 how[h]);
				na(name, "ms", NULL);
			}
		return;
	}
	for (punch = 0; punch < 2; punch++) {
		for (h = 0; h < 3; h++) {
			snprintf(name, sizeof(name), "%s_%s", punch ? "punch" : "truncate", how[h]);
			fresh(len);
			if (kind == K_XDAX && xt_set_size(tfd, len, 0, 0, NULL))
				xt_die("set size");
			p = map_at(len, h == 0, 0);
			if (!p)
				xt_die("map: %s", strerror(errno));
			xt_fill(p, len, h);
			if (h == 2)
				munmap(p, len);
			t = xt_now_us();
			shrink_or_punch(len, punch);
			t = xt_now_us() - t;
			fig(name, t / 1000, "ms");
			if (h != 2)
				munmap(p, len);
			if (kind == K_XDAX && xt_set_size(tfd, cap, 0, 0, NULL))
				xt_die("regrow");
		}
	}
	fresh(len);
}

/* --- reclaim ------------------------------------------------------------------------------ */

static struct xt_ring ring = { .fd = -1 };

/* null_blk disk whose requests complete NULLB_MS after submission (irqmode=2). */
#define NULLB_DIR "/sys/kernel/config/nullb/xdaxbench"
#define NULLB_MS 50
static int nullb_fd = -1;
static char nullb_why[200];

static int nullb_attr(const char *name, const char *val)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), NULLB_DIR "/%s", name);
	fd = open(path, O_WRONLY);
	ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	if (!ok)
		snprintf(nullb_why, sizeof(nullb_why), "null_blk %s=%s: %s", name, val,
			 strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

static void nullb_down(void)
{
	int fd;

	if (nullb_fd >= 0)
		close(nullb_fd);
	nullb_fd = -1;
	fd = open(NULLB_DIR "/power", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "0", 1) != 1)
			xt_note("null_blk power=0: %s", strerror(errno));
		close(fd);
		rmdir(NULLB_DIR);
	}
}

static int nullb_up(void)
{
	char val[32], dev[64];
	int fd, i, idx = -1;
	ssize_t n;

	if (access("/sys/module/null_blk", F_OK) && system("modprobe null_blk nr_devices=0"))
		return snprintf(nullb_why, sizeof(nullb_why), "modprobe null_blk failed"), 0;
	if (access("/sys/kernel/config/nullb", F_OK))
		mount("none", "/sys/kernel/config", "configfs", 0, NULL);
	if (!access(NULLB_DIR, F_OK))
		nullb_down();
	if (mkdir(NULLB_DIR, 0755))
		return snprintf(nullb_why, sizeof(nullb_why), "mkdir %s: %s", NULLB_DIR,
				strerror(errno)), 0;
	snprintf(val, sizeof(val), "%d", NULLB_MS * 1000000);
	if (!nullb_attr("size", "64") || !nullb_attr("blocksize", "4096") ||
	    !nullb_attr("irqmode", "2") || !nullb_attr("completion_nsec", val) ||
	    !nullb_attr("power", "1"))
		return 0;
	atexit(nullb_down);
	fd = open(NULLB_DIR "/index", O_RDONLY);
	n = fd >= 0 ? read(fd, val, sizeof(val) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		val[n] = 0;
		idx = atoi(val);
	}
	for (i = 0; i < 100 && nullb_fd < 0; i++) {
		snprintf(dev, sizeof(dev), "/dev/xdaxbench");
		if (access(dev, F_OK))
			snprintf(dev, sizeof(dev), "/dev/nullb%d", idx);
		nullb_fd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (nullb_fd < 0)
			sleep_us(20000);
	}
	if (nullb_fd < 0)
		return snprintf(nullb_why, sizeof(nullb_why), "open the null_blk disk: %s",
				strerror(errno)), 0;
	return 1;
}

enum ref { R_PIN, R_VMSPLICE, R_ODIRECT, R_URING, R_NREF };
static const char *const ref_name[] = { "unpin", "vmsplice", "odirect", "uring" };

struct trial {
	char *map;
	uint64_t pin;
	int pipe[2];
	pthread_t th;
	atomic_int done;
	double t_end;		/* the thread's syscall returned */
	int ret;
};

static void *odirect_thread(void *arg)
{
	struct trial *t = arg;

	/* One page: one bio, pinned at once (a larger write pins bio by bio, and a truncate
	 * between two of them rightly makes the rest fail with EFAULT). */
	t->ret = pwrite(nullb_fd, t->map, PG, 0) == (ssize_t)PG ? 0 : -errno;
	t->t_end = xt_now_us();
	atomic_store(&t->done, 1);
	return NULL;
}

static void *truncate_thread(void *arg)
{
	struct trial *t = arg;

	if (kind == K_XDAX)
		t->ret = xt_set_size(tfd, 0, 0, 0, NULL);
	else
		t->ret = ftruncate(tfd, 0) ? -errno : 0;
	t->t_end = xt_now_us();
	atomic_store(&t->done, 1);
	return NULL;
}

/* Take the reference; 0, or why not (the kernel refuses: n/a). */
static const char *hold(enum ref r, struct trial *t)
{
	struct iovec iov = { .iov_base = t->map, .iov_len = PG };

	switch (r) {
	case R_PIN:
		t->pin = xt_pin(tfd, t->map, PG, 0);
		return NULL;
	case R_VMSPLICE:
		if (pipe(t->pipe))
			xt_die("pipe: %s", strerror(errno));
		if (vmsplice(t->pipe[1], &iov, 1, 0) != (ssize_t)PG)
			xt_die("vmsplice: %s", strerror(errno));
		return NULL;
	case R_ODIRECT: {
		int32_t r0 = xt_query(tfd, 0).refcount;
		int i;

		atomic_store(&t->done, 0);
		if (pthread_create(&t->th, NULL, odirect_thread, t))
			xt_die("pthread_create");
		/* In flight: the write has pinned the block's pages (or it already completed). */
		for (i = 0; i < 20000 && !atomic_load(&t->done); i++) {
			if (xt_query(tfd, 0).refcount > r0)
				break;
			sleep_us(100);
		}
		/*
		 * gup-fast takes its reference before it re-checks the PMD: give it and the
		 * bio's submission time to finish (the I/O itself takes NULLB_MS).
		 */
		sleep_us(5000);
		return NULL;
	}
	case R_URING:
		iov.iov_len = BLK;
		if (syscall(__NR_io_uring_register, ring.fd, IORING_REGISTER_BUFFERS, &iov, 1)) {
			if (errno == EOPNOTSUPP)
				return "IORING_REGISTER_BUFFERS: EOPNOTSUPP (this kernel's io_uring refuses file-backed buffers other than shmem/hugetlbfs)";
			xt_die("IORING_REGISTER_BUFFERS: %s", strerror(errno));
		}
		return NULL;
	default:
		return "?";
	}
}

/* Drop it; returns when it was dropped (microseconds). */
static double drop(enum ref r, struct trial *t)
{
	double t0 = xt_now_us();

	switch (r) {
	case R_PIN:
		xt_expect(!xt_unpin(tfd, t->pin), "UNPIN");
		break;
	case R_VMSPLICE:
		close(t->pipe[0]);
		close(t->pipe[1]);
		break;
	case R_ODIRECT:
		pthread_join(t->th, NULL);
		/*
		 * EFAULT: the truncate came between gup's reference and its PMD re-check; the
		 * write then faulted past the end, as it must.  trial() does not count it.
		 */
		xt_expect(!t->ret || t->ret == -EFAULT, "O_DIRECT write from the mapping: %s",
			  strerror(-t->ret));
		return t->t_end;	/* the I/O completed (and its pages were released) */
	case R_URING:
		if (syscall(__NR_io_uring_register, ring.fd, IORING_UNREGISTER_BUFFERS, NULL, 0))
			xt_fail("IORING_UNREGISTER_BUFFERS: %s", strerror(errno));
		break;
	default:
		break;
	}
	return t0;
}

/*
 * The NOWAIT trials come in two kinds.  "nowait": the trial's thread drops the reference,
 * then polls (for O_DIRECT, after the I/O completed: a poll() entered after the drop frees
 * an idle block on entry, so that figure is the poll itself).  "asleep": this thread drops
 * it while the trial's thread sleeps in poll(), 20-30 ms in (UNPIN, pipe close, unregister)
 * or when the in-flight I/O completes (O_DIRECT: drop() joins the I/O thread; the NOWAIT
 * truncate comes 0-10 ms after the I/O started): the reaper's poll (or, for UNPIN, xdax's
 * own reap) and a cross-CPU wake-up are in the figure.  The 0-10 ms are random: the reaper
 * polls on a fixed schedule from the truncate on, and a drop at a fixed time after it would
 * always meet the same phase of it (a 20 ms drop against 5 ms polls measured 6.5-7 ms in
 * every trial, against 4 ms polls 2 ms), not the spread a real drop sees.
 */
struct dropper {
	enum ref r;
	struct trial *t;
	unsigned int delay_us;	/* after the thread starts, but O_DIRECT */
	double t0;	/* drop()'s time: the reference goes (see drop()) */
	pthread_t th;
};

static void *drop_thread(void *arg)
{
	struct dropper *d = arg;

	if (d->r != R_ODIRECT)
		sleep_us(d->delay_us);
	d->t0 = drop(d->r, d->t);
	return NULL;
}

/* A random delay in [0, @max_us) (rand_r, seeded once from the clock). */
static unsigned int jitter_us(unsigned int max_us)
{
	static unsigned int seed;

	if (!seed)
		seed = (unsigned int)xt_now_us() | 1;
	return (unsigned int)rand_r(&seed) % max_us;
}

/* One trial: latency in microseconds, or -1e30 if the reference could not be taken. */
enum mode { M_BLOCKING, M_NOWAIT, M_ASLEEP };
static const char *const mode_name[] = { "blocking", "nowait", "asleep" };

static double trial(enum ref r, enum mode mode, struct trial *t, const char **why)
{
	struct xdax_set_size st;
	struct xdax_event ev;
	struct dropper dr;
	struct pollfd pfd;
	unsigned int jit;
	double t0, t1;
	int rc;

	xt_fill(t->map, BLK, 7);
	*why = hold(r, t);
	if (*why)
		return -1e30;
	if (mode != M_BLOCKING) {
		jit = mode == M_ASLEEP ? jitter_us(10000) : 0;
		if (r == R_ODIRECT && jit)
			sleep_us(jit);	/* the I/O stays in flight for 50 ms */
		memset(&st, 0, sizeof(st));
		rc = xt_set_size(tfd, 0, XDAX_WAIT_NOWAIT, 0, &st);
		xt_expect(!rc, "NOWAIT truncate: %s", strerror(-rc));
		if (r == R_ODIRECT && !st.pending) {
			/* The I/O completed before the truncate: no wait to measure. */
			drop(r, t);
			*why = "";
			if (xt_set_size(tfd, BLK, 0, 0, NULL))
				xt_die("regrow");
			return -1e30;
		}
		xt_expect(st.pending == 1, "NOWAIT truncate with a %s reference: %llu pending",
			  ref_name[r], (unsigned long long)st.pending);
		dr = (struct dropper){ .r = r, .t = t, .delay_us = 20000 + jit };
		if (mode == M_ASLEEP && pthread_create(&dr.th, NULL, drop_thread, &dr))
			xt_die("pthread_create");
		if (mode == M_NOWAIT)
			dr.t0 = drop(r, t);
		pfd = (struct pollfd){ .fd = tfd, .events = POLLIN };
		rc = poll(&pfd, 1, 20000);
		t1 = xt_now_us();
		if (mode == M_ASLEEP)
			pthread_join(dr.th, NULL);
		t0 = dr.t0;
		xt_expect(rc == 1, "%s: no reclaim event within 20 s", ref_name[r]);
		if (rc == 1) {
			xt_expect(read(tfd, &ev, sizeof(ev)) == sizeof(ev) &&
				  ev.type == XDAX_EVENT_RECLAIM && ev.awaiting_reclaim == 0,
				  "%s: reclaim event", ref_name[r]);
		}
	} else {
		struct trial tt = { 0 };

		if (r == R_ODIRECT) {
			/* The truncate waits here, in this thread, for the I/O to complete. */
			rc = xt_set_size(tfd, 0, 0, 0, NULL);
			t1 = xt_now_us();
			xt_expect(!rc, "blocking truncate: %s", strerror(-rc));
			t0 = drop(r, t);
		} else {
			if (pthread_create(&tt.th, NULL, truncate_thread, &tt))
				xt_die("pthread_create");
			sleep_us(50000);
			if (atomic_load(&tt.done) && kind == K_XDAX)
				xt_fail("blocking truncate returned while a %s reference was held",
					ref_name[r]);
			else if (atomic_load(&tt.done))
				*why = "ftruncate did not wait for the reference";
			t0 = drop(r, t);
			pthread_join(tt.th, NULL);
			t1 = tt.t_end;
			xt_expect(!tt.ret, "blocking truncate: %s", strerror(-tt.ret));
		}
		if (*why)
			t1 = t0 - 1e30;
	}
	if (kind == K_XDAX) {
		xt_expect(xt_stats(tfd).awaiting_reclaim == 0, "a block still awaits reclaim");
		if (xt_set_size(tfd, BLK, 0, 0, NULL))
			xt_die("regrow");
	} else if (ftruncate(tfd, BLK)) {
		xt_die("regrow: %s", strerror(errno));
	}
	xt_expect(xt_all_zero(t->map, BLK), "the block after reclaim is not zero");
	if (r == R_ODIRECT && t->ret == -EFAULT) {
		printf("# %s: a trial where the truncate overtook the pin (EFAULT): not counted\n",
		       ref_name[r]);
		*why = "";
		return -1e30;
	}
	return t1 - t0;
}

/*
 * The guest's own wake-up latency, no xdax involved, measured like the asleep trials: a
 * thread sleeps in poll() and is woken 20-30 ms in (random) by another thread's write to a
 * pipe ("pipe": the cross-CPU wake-up every asleep trial ends with) or by a timerfd expiring
 * ("timer": the kind of wake-up the reaper's hrtimer poll is).  Under TCG a halted vCPU takes
 * long to wake; these rows say how much of the asleep figures is that.
 */
struct waker {
	int fd;
	unsigned int delay_us;
	double t0;
	pthread_t th;
};

static void *waker_thread(void *arg)
{
	struct waker *w = arg;

	sleep_us(w->delay_us);
	w->t0 = xt_now_us();
	if (write(w->fd, "w", 1) != 1)
		xt_die("pipe write: %s", strerror(errno));
	return NULL;
}

static void wake_floor(int trials)
{
	double *v[2] = { calloc(trials, sizeof(double)), calloc(trials, sizeof(double)) };
	static const char *const kind_name[2] = { "pipe", "timer" };
	struct itimerspec its = { 0 };
	struct pollfd pfd;
	struct waker w;
	int k, i, fds[2];
	double expiry;
	char name[64];
	uint64_t n;

	if (!v[0] || !v[1])
		xt_die("calloc");
	for (i = 0; i < trials; i++) {
		if (pipe(fds))
			xt_die("pipe: %s", strerror(errno));
		w = (struct waker){ .fd = fds[1], .delay_us = 20000 + jitter_us(10000) };
		if (pthread_create(&w.th, NULL, waker_thread, &w))
			xt_die("pthread_create");
		pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
		xt_expect(poll(&pfd, 1, 20000) == 1, "wake floor: the pipe's poll() timed out");
		v[0][i] = xt_now_us();
		pthread_join(w.th, NULL);
		v[0][i] -= w.t0;
		close(fds[0]);
		close(fds[1]);

		fds[0] = timerfd_create(CLOCK_MONOTONIC, 0);
		if (fds[0] < 0)
			xt_die("timerfd_create: %s", strerror(errno));
		expiry = xt_now_us() + 20000 + jitter_us(10000);
		its.it_value.tv_sec = (time_t)(expiry / 1e6);
		its.it_value.tv_nsec = (long)((expiry - its.it_value.tv_sec * 1e6) * 1e3);
		if (timerfd_settime(fds[0], TFD_TIMER_ABSTIME, &its, NULL))
			xt_die("timerfd_settime: %s", strerror(errno));
		pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
		xt_expect(poll(&pfd, 1, 20000) == 1 && read(fds[0], &n, sizeof(n)) == sizeof(n),
			  "wake floor: the timerfd did not expire");
		v[1][i] = xt_now_us() - expiry;
		close(fds[0]);
	}
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "wake_%s_p50", kind_name[k]);
		fig(name, pct(v[k], trials, 50), "us");
		snprintf(name, sizeof(name), "wake_%s_p99", kind_name[k]);
		fig(name, pct(v[k], trials, 99), "us");
		free(v[k]);
	}
}

static void test_reclaim(int trials)
{
	struct trial t = { 0 };
	double *v = calloc(trials, sizeof(double));
	char name[64];
	const char *why;
	int r, m, i, n, tries;

	if (!v)
		xt_die("calloc");
	wake_floor(trials);
	if (kind == K_XDAX && xt_set_size(tfd, BLK, 0, 0, NULL))
		xt_die("size");
	if (kind == K_FILE && (ftruncate(tfd, 0) || ftruncate(tfd, BLK)))
		xt_die("size");
	t.map = kind == K_XDAX || kind == K_FILE ? map_at(BLK, 1, 0) : NULL;
	for (r = 0; r < R_NREF; r++) {
		for (m = M_ASLEEP; m >= (int)M_BLOCKING; m--) {
			const char *w = mode_name[m];

			why = NULL;
			n = 0;
			if (!t.map || (kind == K_FILE && (m != M_BLOCKING || r != R_VMSPLICE)))
				why = kind == K_FILE ? "no such reference or NOWAIT truncate here" :
						       "no truncate";
			else if (r == R_ODIRECT && nullb_fd < 0 && !nullb_up())
				why = nullb_why;
			else if (r == R_URING && ring.fd < 0 && xt_ring_init(&ring))
				why = "io_uring_setup failed";
			for (tries = 0; !why && n < trials && tries < 3 * trials; tries++) {
				double l = trial((enum ref)r, (enum mode)m, &t, &why);

				if (why && !*why)	/* a trial that measured nothing */
					why = NULL;
				else if (!why)
					v[n++] = l;
			}
			snprintf(name, sizeof(name), "reclaim_%s_%s_p50", ref_name[r], w);
			if (why || !n) {
				na(name, "us", why ? why : "no trial measured");
				snprintf(name, sizeof(name), "reclaim_%s_%s_p99", ref_name[r], w);
				na(name, "us", NULL);
				continue;
			}
			printf("# %s: %d trials\n", name, n);
			fig(name, pct(v, n, 50), "us");
			snprintf(name, sizeof(name), "reclaim_%s_%s_p99", ref_name[r], w);
			fig(name, pct(v, n, 99), "us");
			for (i = 0; i < n; i++)
				v[i] = 0;
		}
	}
	if (t.map)
		munmap(t.map, BLK);
	if (ring.fd >= 0)
		close(ring.fd);
	free(v);
	if (kind == K_XDAX && xt_set_size(tfd, cap, 0, 0, NULL))
		xt_die("regrow");
}

/* --- CPU while a block waits -------------------------------------------------------------- */

/* Busy share of all CPUs (user + nice + system + irq + softirq) over secs seconds, percent. */
static double cpu_busy(int secs)
{
	unsigned long long a[2][8];
	double busy, total = 0;
	int k, i;
	FILE *f;

	for (k = 0; k < 2; k++) {
		f = fopen("/proc/stat", "r");
		if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &a[k][0],
				 &a[k][1], &a[k][2], &a[k][3], &a[k][4], &a[k][5], &a[k][6],
				 &a[k][7]) != 8)
			xt_die("/proc/stat");
		fclose(f);
		if (!k)
			sleep(secs);
	}
	for (i = 0; i < 8; i++)
		total += a[1][i] - a[0][i];
	busy = (a[1][0] - a[0][0]) + (a[1][1] - a[0][1]) + (a[1][2] - a[0][2]) +
	       (a[1][5] - a[0][5]) + (a[1][6] - a[0][6]);
	return total ? 100.0 * busy / total : 0;
}

/*
 * CPU time, in ns, of each of the kernel's workqueue threads (kworker/..., where the reaper
 * runs): the first field of /proc/PID/schedstat, exact to the nanosecond (unlike
 * /proc/stat's tick sampling, which never sees a round that starts after a tick and ends
 * before the next).
 */
#define KW_MAX 4096
struct kw_snap {
	int n;
	int pid[KW_MAX];
	uint64_t ns[KW_MAX];
};

/* Returns 0 if the kernel has no /proc/PID/schedstat (no CONFIG_SCHED_INFO). */
static int kw_snap(struct kw_snap *k)
{
	char path[64], comm[32];
	unsigned long long ns;
	glob_t g;
	size_t i;
	FILE *f;

	k->n = 0;
	if (glob("/proc/[0-9]*/schedstat", 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc && k->n < KW_MAX; i++) {
		snprintf(path, sizeof(path), "%.*s/comm",
			 (int)(strlen(g.gl_pathv[i]) - strlen("/schedstat")), g.gl_pathv[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strncmp(comm, "kworker/", 8))
			continue;
		f = fopen(g.gl_pathv[i], "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1) {
			k->pid[k->n] = atoi(g.gl_pathv[i] + strlen("/proc/"));
			k->ns[k->n++] = ns;
		}
		fclose(f);
	}
	globfree(&g);
	return 1;
}

/*
 * The kworkers' CPU between two snapshots, in % of one CPU over @us microseconds: per
 * thread, so one that exits in the window loses its share instead of making the sum wrap
 * (one born in it counts whole).
 */
static double kw_busy(const struct kw_snap *a, const struct kw_snap *b, double us)
{
	uint64_t sum = 0, base;
	int i, j;

	for (j = 0; j < b->n; j++) {
		base = 0;
		for (i = 0; i < a->n; i++)
			if (a->pid[i] == b->pid[j]) {
				base = a->ns[i];
				break;
			}
		if (b->ns[j] >= base)
			sum += b->ns[j] - base;
	}
	return sum / (us * 10.0);
}

static struct kw_snap kw0, kw1;

/*
 * One 3 s window: /proc/stat's busy share and the kworkers' CPU (schedstat); returns the
 * latter, or -1 if the kernel has no schedstat.
 */
static double cpu_window(const char *busy_metric)
{
	double t0;
	int have;

	have = kw_snap(&kw0);
	t0 = xt_now_us();
	fig(busy_metric, cpu_busy(3), "%");
	if (!kw_snap(&kw1) || !have)
		return -1;
	return kw_busy(&kw0, &kw1, xt_now_us() - t0);
}

/* A thread asleep in poll() for the reclaim event, as an event loop would be. */
static void *event_waiter(void *arg)
{
	struct pollfd pfd = { .fd = tfd, .events = POLLIN };

	*(int *)arg = poll(&pfd, 1, 30000);
	return NULL;
}

/*
 * The reaper's CPU over one window: the kworker difference to idle (the rounds, their
 * wake-ups and switches) plus the time inside polls and rounds (perf/reaper_ns; a round
 * counts twice).  @sfx names the figures.
 */
static void reaper_window(const char *sfx, double kw_idle)
{
	uint64_t ns0, ns1, r0, r1;
	int ok0, ok1, ok2, ok3;
	double kw_wait, reaper = -1;
	char busy[64], name[64];

	snprintf(busy, sizeof(busy), "cpu_one_block_waiting%s", sfx);
	sysfs_stat("perf", "reaper_ns", &ns0, &ok0);
	sysfs_stat("perf", "reaper_rounds", &r0, &ok1);
	kw_wait = cpu_window(busy);
	sysfs_stat("perf", "reaper_ns", &ns1, &ok2);
	sysfs_stat("perf", "reaper_rounds", &r1, &ok3);
	snprintf(name, sizeof(name), "reaper_time_one_block_waiting%s", sfx);
	if (ok0 && ok1 && ok2 && ok3) {
		reaper = (double)(ns1 - ns0) / 3e7;
		fig(name, reaper, "%");
		snprintf(name, sizeof(name), "reaper_rounds_per_s%s", sfx);
		fig(name, (double)(r1 - r0) / 3, "/s");
	} else {
		na(name, "%", "the module has no perf/reaper_ns");
		snprintf(name, sizeof(name), "reaper_rounds_per_s%s", sfx);
		na(name, "/s", "the module has no perf/reaper_rounds");
	}
	snprintf(name, sizeof(name), "kworker_cpu_one_block_waiting%s", sfx);
	if (kw_idle >= 0 && kw_wait >= 0 && reaper >= 0)
		fig(name, kw_wait, "%");
	else
		na(name, "%", "no /proc/PID/schedstat");
	snprintf(name, sizeof(name), "reaper_cpu_one_block_waiting%s", sfx);
	if (kw_idle >= 0 && kw_wait >= 0 && reaper >= 0)
		fig(name, (kw_wait > kw_idle ? kw_wait - kw_idle : 0) + reaper, "%");
	else
		na(name, "%", "no /proc/PID/schedstat (CONFIG_SCHED_INFO)");
}

static void test_cpu(void)
{
	static const char *const sfx[] = { "", "_waiter" };
	struct xdax_set_size st = { 0 };
	struct xdax_event ev;
	struct pollfd pfd;
	double kw_idle;
	pthread_t th;
	int i, woke = -2;
	uint64_t pin;
	char *p;

	if (kind != K_XDAX) {
		na("cpu_idle", "%", NULL);
		na("kworker_cpu_idle", "%", NULL);
		for (i = 0; i < 2; i++) {
			char name[64];

			snprintf(name, sizeof(name), "cpu_one_block_waiting%s", sfx[i]);
			na(name, "%", NULL);
			snprintf(name, sizeof(name), "reaper_time_one_block_waiting%s", sfx[i]);
			na(name, "%", NULL);
			snprintf(name, sizeof(name), "reaper_rounds_per_s%s", sfx[i]);
			na(name, "/s", NULL);
			snprintf(name, sizeof(name), "kworker_cpu_one_block_waiting%s", sfx[i]);
			na(name, "%", NULL);
			snprintf(name, sizeof(name), "reaper_cpu_one_block_waiting%s", sfx[i]);
			na(name, "%", NULL);
		}
		return;
	}
	pool_settle();		/* no background zeroing in any window */
	kw_idle = cpu_window("cpu_idle");
	if (kw_idle >= 0)
		fig("kworker_cpu_idle", kw_idle, "%");
	else
		na("kworker_cpu_idle", "%", "no /proc/PID/schedstat (CONFIG_SCHED_INFO)");
	/*
	 * One pinned block awaiting reclaim, freshly left by a NOWAIT truncate (so the reaper
	 * starts over: each window sits well inside its fine schedule of 1000 polls), with
	 * nobody waiting for the event (12 ms polls), then with a thread asleep in poll() for it
	 * (5 ms polls).
	 */
	for (i = 0; i < 2; i++) {
		if (xt_set_size(tfd, BLK, 0, 0, NULL))
			xt_die("size");
		p = map_at(BLK, 1, 0);
		if (!p)
			xt_die("map");
		p[0] = 1;
		pin = xt_pin(tfd, p, PG, 0);
		xt_expect(!xt_set_size(tfd, 0, XDAX_WAIT_NOWAIT, 0, &st) && st.pending == 1,
			  "NOWAIT truncate of a pinned block");
		munmap(p, BLK);
		if (i && pthread_create(&th, NULL, event_waiter, &woke))
			xt_die("pthread_create");
		if (i)
			sleep_us(100000);
		reaper_window(sfx[i], kw_idle);
		xt_expect(!xt_unpin(tfd, pin), "unpin");
		if (i) {
			pthread_join(th, NULL);
			xt_expect(woke == 1, "the event waiter's poll() returned %d, expected the event",
				  woke);
		}
		pfd = (struct pollfd){ .fd = tfd, .events = POLLIN };
		xt_expect(poll(&pfd, 1, 20000) == 1 && read(tfd, &ev, sizeof(ev)) == sizeof(ev),
			  "reclaim event after the CPU measurement");
	}
	if (xt_set_size(tfd, cap, 0, 0, NULL))
		xt_die("regrow");
}

/* --- time CMD ----------------------------------------------------------------------------- */

static int test_time(char **argv)
{
	double t0 = xt_now_us();
	int st;
	pid_t pid = fork();

	if (!pid) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		xt_die("fork/wait");
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "%s failed (status %#x)\n", argv[0], st);
		return 1;
	}
	fig("elapsed", (xt_now_us() - t0) / 1000, "ms");
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t mib;
	const char *test;

	if (argc >= 3 && !strcmp(argv[1], "time"))
		return test_time(argv + 2);
	if (argc < 3) {
		fprintf(stderr, "usage: xdax_bench TARGET fault[-pmd|-pte]|bw|truncate|reclaim|cpu [MIB [TRIALS]]\n"
				"       xdax_bench /dev/xdaxN pair-pmd|pair-pte|pair-populate MIB PAIRS PEER\n"
				"       xdax_bench time CMD...\n");
		return 2;
	}
	target = argv[1];
	test = argv[2];
	mib = argc > 3 ? strtoull(argv[3], NULL, 0) : 64;
	open_target(mib * XT_MB);
	if (mib * XT_MB > cap)
		mib = cap / XT_MB;
	mib &= ~1ULL;
	if (!mib)
		xt_die("no room at %s", target);
	if (!strcmp(test, "fault"))
		test_fault(mib * XT_MB, 1, 1);
	else if (!strcmp(test, "fault-pmd"))
		test_fault(mib * XT_MB, 1, 0);
	else if (!strcmp(test, "fault-pte"))
		test_fault(mib * XT_MB, 0, 1);
	else if (!strncmp(test, "pair-", 5))
		test_pair(test + 5, mib * XT_MB, argc > 4 ? atoi(argv[4]) : 11,
			  argc > 5 ? argv[5] : NULL);
	else if (!strcmp(test, "bw"))
		test_bw(mib * XT_MB);
	else if (!strcmp(test, "truncate"))
		test_truncate(mib * XT_MB);
	else if (!strcmp(test, "reclaim"))
		test_reclaim(argc > 4 ? atoi(argv[4]) : 50);
	else if (!strcmp(test, "cpu"))
		test_cpu();
	else
		xt_die("unknown test %s", test);
	if (kind == K_XDAX)
		xt_conserved(tfd, "bench end");
	if (kind == K_FILE)
		unlink(target);
	return xt_exit("xdax_bench");
}
