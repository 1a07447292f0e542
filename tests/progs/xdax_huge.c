// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_huge DEV [CASE...]: 1 GiB blocks (a range loaded as SIZE@START:1G).
 *
 *   align   the device reports 1 GiB blocks (XDAX_IOC_INFO, sysfs align)
 *   pud     a 1 GiB mapping at a 1 GiB congruent address (what mmap(NULL) gives)
 *           is mapped by one PUD fault: every page touched with exactly one
 *           pud fault and no PMD or PTE fault, zeroed; reading its pagemap makes
 *           the kernel split that PUD (vmstat thp_split_pud + 1)
 *   views   the same block through a PMD-able view (2 MiB congruent) and a PTE-only
 *           view: PMDs where the kernel can map 2 MiB of a PUD-order folio
 *           (XT_HUGE_PMD=1: devmap kernels), PTEs where it cannot (XT_HUGE_PMD=0:
 *           vmf_insert_folio_pmd() takes PMD-order folios only); data shared, the
 *           pagemap PFNs of both views those of the block, contiguous
 *   pin     XDAX_IOC_PIN on the block (through the PUD and the PTE view); punch and
 *           truncate with NOWAIT leave it awaiting reclaim, UNPIN frees it (event)
 *   race    threads of two processes write and check their pages through PUD, PMD
 *           and PTE views of one block while it is punched and truncated: every
 *           word read is the writer's current pattern or zero, never stale data
 *   thp-flip  a 1 GiB write fault zeroing a fresh block while PR_SET_THP_DISABLE is set
 *           and five more threads fault the same 1 GiB (a PMD table in its PUD slot):
 *           no kernel warning, every word reads back; how often the faults overlapped
 *           is printed
 *
 * Every case ends with xt_conserved().  Needs CAP_SYS_ADMIN (pagemap PFNs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/xdax.h>

#include "xdax_test.h"

#define PG	4096UL
#define SZ_2M	(2UL << 20)
#define SZ_1G	(1UL << 30)
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

static int fd;
static struct xdax_info info;

static void setup(void)
{
	fd = xt_open(xt_dev);
	info = xt_info(fd);
	if (info.align != SZ_1G)
		xt_skip("%s has %llu-byte blocks: load it with SIZE@START:1G", xt_dev,
			(unsigned long long)info.align);
}

/* A counter of the device from sysfs (stats/NAME), -1 if unreadable. */
static long long sys_stat(const char *name)
{
	char path[128], buf[64];
	long long v = -1;
	int f;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/xdax/xdax%u/%s", info.id, name);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n > 0) {
		buf[n] = 0;
		v = strtoll(buf, NULL, 0);
	}
	return v;
}

struct counts {
	long long pte, pmd, pud;
};

static struct counts counts(void)
{
	struct xdax_stats s = xt_stats(fd);
	struct counts c = { (long long)s.pte_faults, (long long)s.pmd_faults,
			    sys_stat("perf/pud_faults") };

	if (c.pud < 0)
		xt_die("no sysfs perf/pud_faults");
	return c;
}

/* Empty the file: every block back to free (blocking punch of the whole capacity). */
static void empty(void)
{
	int r = xt_set_size(fd, info.capacity, 0, 0, NULL);

	if (!r)
		r = xt_punch(fd, 0, info.capacity, 0, 0, NULL);
	if (r)
		xt_die("emptying the file: %s", strerror(-r));
}

/*
 * Map [off, off + len) of the device at an address congruent to @mis modulo 1 GiB
 * (0: PUD-able; 2 MiB: PMD-able only; 4 KiB: PTEs only), inside a reservation.
 */
static char *map_view(uint64_t off, size_t len, size_t mis)
{
	size_t res_len = len + 2 * SZ_1G;
	char *res = mmap(NULL, res_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	char *base, *p;

	if (res == MAP_FAILED)
		xt_die("reserve %zu bytes: %s", res_len, strerror(errno));
	base = (char *)(((uintptr_t)res + SZ_1G - 1) & ~(SZ_1G - 1)) + mis;
	p = mmap(base, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		xt_die("mmap %zu bytes at %p offset %#llx: %s", len, base,
		       (unsigned long long)off, strerror(errno));
	return p;
}

static uint64_t block_pfn(uint64_t off)
{
	struct xdax_query q = xt_query(fd, off);

	if (q.state != XDAX_BLOCK_IN_USE)
		xt_die("offset %#llx: block state %u, expected in use", (unsigned long long)off,
		       q.state);
	return (info.phys_start + q.block * SZ_1G + (off & (SZ_1G - 1))) / PG;
}

/* Pages [0, n) of view p (file offset off) present in pagemap with the block's PFNs. */
static void check_pfns(const char *what, const char *p, uint64_t off, size_t n, size_t step)
{
	uint64_t pfn0 = block_pfn(off), e;
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	size_t i, bad = 0;

	if (pm < 0)
		xt_die("open /proc/self/pagemap: %s", strerror(errno));
	for (i = 0; i < n; i += step) {
		if (pread(pm, &e, sizeof(e), (off_t)((uintptr_t)(p + i * PG) / PG) * 8) != 8)
			xt_die("pread pagemap: %s", strerror(errno));
		if (!(e & PM_PRESENT) || (e & PM_PFN_MASK) != pfn0 + i) {
			if (!bad++)
				xt_fail("%s: page %zu: pagemap %#llx, expected pfn %#llx present",
					what, i, (unsigned long long)e,
					(unsigned long long)(pfn0 + i));
		}
	}
	close(pm);
	xt_expect(!bad, "%s: %zu of %zu pages not at the block's contiguous PFNs", what, bad,
		  n / step);
	if (!bad)
		xt_note("%s: pagemap: %zu pages at PFNs %#llx + i, contiguous", what, n / step,
			(unsigned long long)pfn0);
}

/* --- align --------------------------------------------------------------------------- */

static void case_align(void)
{
	struct xdax_stats s;
	int r;

	setup();
	s = xt_stats(fd);
	xt_expect(info.align == SZ_1G, "XDAX_IOC_INFO align %llu", (unsigned long long)info.align);
	xt_expect(sys_stat("align") == (long long)SZ_1G, "sysfs align %lld, expected %lu",
		  sys_stat("align"), SZ_1G);
	xt_expect(s.total == info.capacity / SZ_1G, "total %llu blocks for %llu bytes",
		  (unsigned long long)s.total, (unsigned long long)info.capacity);
	/* Granularity: 2 MiB punches and sizes are refused on a 1 GiB device. */
	r = xt_punch(fd, 0, SZ_2M, 0, 0, NULL);
	xt_expect(r == -EINVAL, "punch of 2 MiB: %d, expected -EINVAL", r);
	r = xt_set_size(fd, SZ_1G + SZ_2M, 0, 0, NULL);
	xt_expect(r == -EINVAL, "size 1 GiB + 2 MiB: %d, expected -EINVAL", r);
	xt_conserved(fd, "align");
}

/* --- pud ----------------------------------------------------------------------------- */

static void case_pud(void)
{
	struct counts c0, c1;
	long long split0, split1;
	char *p;
	size_t i;

	setup();
	empty();
	p = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		xt_die("mmap 1 GiB: %s", strerror(errno));
	xt_expect(!((uintptr_t)p & (SZ_1G - 1)), "mmap(NULL, 1 GiB) gave %p: not 1 GiB aligned",
		  p);
	if ((uintptr_t)p & (SZ_1G - 1)) {
		munmap(p, SZ_1G);
		p = map_view(0, SZ_1G, 0);
	}
	c0 = counts();
	p[0] = 1;	/* the fault: allocates, zeroes and maps the block */
	p[0] = 0;
	xt_expect(xt_all_zero(p, SZ_1G), "fresh 1 GiB block not all zero");
	for (i = 0; i < SZ_1G; i += PG)
		*(volatile uint64_t *)(p + i) = 0x5a5a000000000000ULL | i;
	c1 = counts();
	xt_note("pud: touching all %lu pages: pud_faults +%lld pmd_faults +%lld pte_faults +%lld",
		SZ_1G / PG, c1.pud - c0.pud, c1.pmd - c0.pmd, c1.pte - c0.pte);
	xt_expect(c1.pud - c0.pud == 1 && c1.pmd == c0.pmd && c1.pte == c0.pte,
		  "1 GiB not mapped by one PUD fault: pud +%lld pmd +%lld pte +%lld",
		  c1.pud - c0.pud, c1.pmd - c0.pmd, c1.pte - c0.pte);
	/* pagemap has no PUD walker: reading it splits (zaps) the PUD, counted as such. */
	split0 = xt_vmstat("thp_split_pud");
	{
		int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		uint64_t e = 0;

		if (pm < 0 || pread(pm, &e, 8, (off_t)((uintptr_t)p / PG) * 8) != 8)
			xt_fail("pagemap read: %s", strerror(errno));
		if (pm >= 0)
			close(pm);
	}
	split1 = xt_vmstat("thp_split_pud");
	xt_note("pud: reading pagemap: vmstat thp_split_pud %lld -> %lld", split0, split1);
	if (split0 < 0)	/* (no such counter without CONFIG_VM_EVENT_COUNTERS: the refault shows it) */
		xt_note("pud: no thp_split_pud in /proc/vmstat on this kernel");
	else
		xt_expect(split1 == split0 + 1,
			  "reading pagemap split %lld PUDs, expected 1 (the mapping was no PUD?)",
			  split1 - split0);
	/* Refault: a PUD again, the data kept. */
	c0 = counts();
	for (i = 0; i < SZ_1G; i += PG)
		if (*(volatile uint64_t *)(p + i) != (0x5a5a000000000000ULL | i)) {
			xt_fail("data lost at %#zx after the split", i);
			break;
		}
	c1 = counts();
	xt_expect(c1.pud - c0.pud == 1 && c1.pmd == c0.pmd && c1.pte == c0.pte,
		  "refault after the split: pud +%lld pmd +%lld pte +%lld, expected 1 PUD",
		  c1.pud - c0.pud, c1.pmd - c0.pmd, c1.pte - c0.pte);
	munmap(p, SZ_1G);
	xt_conserved(fd, "pud");
}

/* --- views --------------------------------------------------------------------------- */

static int expect_pmd(void)
{
	const char *e = getenv("XT_HUGE_PMD");

	return e ? atoi(e) : -1;
}

static void case_views(void)
{
	char *pud, *pmd, *pte;
	struct counts c0, c1;
	int want = expect_pmd();
	size_t i, chunks = 8;

	setup();
	empty();
	pud = map_view(0, SZ_1G, 0);
	pmd = map_view(0, SZ_1G, SZ_2M);
	pte = map_view(0, SZ_1G, PG);
	xt_fill(pud, 64 * SZ_2M, 0x1111);	/* the block is allocated through the PUD view */

	/* PMD-able view: one access per 2 MiB of the first chunks. */
	c0 = counts();
	for (i = 0; i < chunks; i++)
		xt_expect(xt_verify(pmd + i * SZ_2M, SZ_2M, 0x1111 ^ (i * SZ_2M)) == (size_t)-1,
			  "PMD view: chunk %zu differs from the PUD view", i);
	c1 = counts();
	xt_note("views: PMD-able view, %zu chunks of 2 MiB read: pmd_faults +%lld pte_faults +%lld",
		chunks, c1.pmd - c0.pmd, c1.pte - c0.pte);
	if (c1.pmd - c0.pmd == (long long)chunks && c1.pte == c0.pte) {
		xt_note("views: this kernel maps 2 MiB of a 1 GiB block with a PMD");
		xt_expect(want != 0, "PMDs mapped part of a PUD-order folio where XT_HUGE_PMD=0");
	} else if (c1.pmd == c0.pmd && c1.pte > c0.pte &&
		   c1.pte - c0.pte <= (long long)(chunks * SZ_2M / PG)) {
		/* (fewer PTE faults than pages where read faults map around) */
		xt_note("views: this kernel maps a 1 GiB block only with a PUD or PTEs (vmf_insert_folio_pmd takes PMD-order folios only)");
		xt_expect(want != 1, "PTEs where XT_HUGE_PMD=1 expects PMDs");
	} else {
		xt_fail("PMD-able view: pmd +%lld pte +%lld for %zu chunks: neither one PMD each nor PTEs",
			c1.pmd - c0.pmd, c1.pte - c0.pte, chunks);
	}
	c1.pud = counts().pud;
	xt_expect(c1.pud == c0.pud, "a PUD fault through a view that cannot hold one");
	check_pfns("views: PMD-able view", pmd, 0, chunks * SZ_2M / PG, 1);

	/* PTE view: written there, seen through the PUD view. */
	c0 = counts();
	for (i = 0; i < 64; i++)
		xt_fill(pte + 100 * SZ_2M + i * PG, PG, 0x2222 + i);
	c1 = counts();
	xt_expect(c1.pte - c0.pte == 64 && c1.pmd == c0.pmd && c1.pud == c0.pud,
		  "PTE view: 64 pages: pte +%lld pmd +%lld pud +%lld", c1.pte - c0.pte,
		  c1.pmd - c0.pmd, c1.pud - c0.pud);
	for (i = 0; i < 64; i++)
		xt_expect(xt_verify(pud + 100 * SZ_2M + i * PG, PG, 0x2222 + i) == (size_t)-1,
			  "PUD view does not see page %zu written through the PTE view", i);
	check_pfns("views: PTE view", pte + 100 * SZ_2M, 100 * SZ_2M, 64, 1);
	munmap(pud, SZ_1G);
	munmap(pmd, SZ_1G);
	munmap(pte, SZ_1G);
	xt_conserved(fd, "views");
}

/* --- write-protected PUD ------------------------------------------------------------- */

/*
 * Soft-dirty tracking (clear_refs 4) turns on write-notify: the PUD a read faults back is
 * read-only, and the first write to it is a write-protect fault on xdax's own leaf.  xdax
 * inserts no PUD as a write (a write insert WARNs if a PMD table took the slot meanwhile),
 * so it falls back: the kernel splits the PUD (thp_split_pud) and the write maps its page
 * with a PMD (devmap kernels) or a PTE (refcounted ones).  The write lands, the rest of the
 * block stays.
 */
static void case_wp(void)
{
	struct counts c0, c1, c2;
	long long split0, split1;
	char *p, *q;

	setup();
	empty();
	p = map_view(0, SZ_1G, 0);
	xt_fill(p, 4 * SZ_2M, 0x3333);	/* allocated and mapped by a PUD write fault */
	if (!xt_vma_has_flag(p, " sd"))
		xt_skip("wp: the mapping has no VM_SOFTDIRTY (no CONFIG_MEM_SOFT_DIRTY): no write-notify to test");
	xt_clear_soft_dirty();
	xt_expect(!xt_vma_has_flag(p, " sd"), "clear_refs 4 left VM_SOFTDIRTY set");
	c0 = counts();
	xt_expect(xt_verify(p, 4 * SZ_2M, 0x3333) == (size_t)-1, "wp: data lost by clear_refs");
	c1 = counts();
	xt_expect(c1.pud - c0.pud == 1 && c1.pmd == c0.pmd && c1.pte == c0.pte,
		  "wp: the read after clear_refs: pud +%lld pmd +%lld pte +%lld, expected one PUD",
		  c1.pud - c0.pud, c1.pmd - c0.pmd, c1.pte - c0.pte);
	split0 = xt_vmstat("thp_split_pud");
	*(volatile uint64_t *)(p + SZ_2M + 5 * PG) = 0x77aa;
	c2 = counts();
	split1 = xt_vmstat("thp_split_pud");
	if (split0 >= 0)
		xt_expect(split1 == split0 + 1, "wp: the write split %lld PUDs, expected 1",
			  split1 - split0);
	xt_note("wp: the write to the read-only PUD: pud +%lld pmd +%lld pte +%lld",
		c2.pud - c1.pud, c2.pmd - c1.pmd, c2.pte - c1.pte);
	xt_expect(c2.pud == c1.pud && c2.pmd + c2.pte - c1.pmd - c1.pte >= 1,
		  "wp: the write to the read-only PUD was not served by a PMD or PTE after a split (pud +%lld pmd +%lld pte +%lld): the leaf was upgraded by a write insert",
		  c2.pud - c1.pud, c2.pmd - c1.pmd, c2.pte - c1.pte);
	q = map_view(0, SZ_1G, PG);
	xt_expect(*(volatile uint64_t *)(q + SZ_2M + 5 * PG) == 0x77aa,
		  "wp: the write is not seen through another view");
	*(volatile uint64_t *)(q + SZ_2M + 5 * PG) = 0x3333 ^ (SZ_2M + 5 * PG);
	xt_expect(xt_verify(q, 4 * SZ_2M, 0x3333) == (size_t)-1,
		  "wp: the rest of the block changed");
	munmap(q, SZ_1G);
	munmap(p, SZ_1G);
	xt_conserved(fd, "wp");
}

/* --- pin ----------------------------------------------------------------------------- */

static int readable(int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

/* After an UNPIN: the event arrives and the block is free again. */
static void expect_event(const char *what, uint64_t free_before)
{
	struct xdax_event ev;
	struct xdax_stats s;

	if (!readable(10000)) {
		xt_fail("%s: no reclaim event 10 s after the unpin", what);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	if (read(fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
		xt_fail("%s: read event: %s", what, strerror(errno));
	xt_expect(ev.type == XDAX_EVENT_RECLAIM && ev.reclaimed >= 1 && !ev.awaiting_reclaim,
		  "%s: event type %u reclaimed %llu awaiting %llu", what, ev.type,
		  (unsigned long long)ev.reclaimed, (unsigned long long)ev.awaiting_reclaim);
	s = xt_stats(fd);
	xt_expect(!s.awaiting_reclaim && s.free == free_before,
		  "%s: awaiting %llu free %llu, expected 0 and %llu", what,
		  (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.free,
		  (unsigned long long)free_before);
}

static void pinned_removal(const char *what, char *view, size_t pin_off, int truncate)
{
	struct xdax_set_size ss;
	struct xdax_punch pu;
	struct xdax_stats s0, s;
	uint64_t id, old;
	int r;

	xt_fill(view, SZ_2M, 0x3333);
	old = xt_query(fd, 0).block;
	s0 = xt_stats(fd);
	id = xt_pin(fd, view + pin_off, SZ_2M, 0);
	xt_expect(xt_query(fd, 0).refcount > 1, "%s: pinned block refcount %d", what,
		  xt_query(fd, 0).refcount);
	if (truncate) {
		r = xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, &ss);
		xt_expect(!r && ss.pending == 1, "%s: NOWAIT truncate: %s, pending %llu", what,
			  strerror(-r), (unsigned long long)ss.pending);
	} else {
		r = xt_punch(fd, 0, SZ_1G, XDAX_WAIT_NOWAIT, 0, &pu);
		xt_expect(!r && pu.pending == 1, "%s: NOWAIT punch: %s, pending %llu", what,
			  strerror(-r), (unsigned long long)pu.pending);
	}
	s = xt_stats(fd);
	xt_expect(s.awaiting_reclaim == 1, "%s: awaiting %llu, expected 1", what,
		  (unsigned long long)s.awaiting_reclaim);
	xt_expect(!readable(300), "%s: event while the pin holds the block", what);
	xt_conserved(fd, what);
	if (truncate) {
		r = xt_set_size(fd, info.capacity, 0, 0, NULL);
		xt_expect(!r, "%s: grow back: %s", what, strerror(-r));
	}
	/* The hole refaults with the other block, zeroed. */
	xt_expect(xt_all_zero(view, SZ_2M), "%s: the refaulted block is not zero", what);
	xt_expect(xt_query(fd, 0).block != old, "%s: the hole got the pinned block back", what);
	xt_expect(!xt_unpin(fd, id), "%s: unpin", what);
	expect_event(what, s0.free);
	xt_conserved(fd, what);
}

static void case_pin(void)
{
	char *pud, *pte;

	setup();
	if (info.capacity < 2 * SZ_1G)
		xt_skip("needs two 1 GiB blocks, the range has %llu bytes",
			(unsigned long long)info.capacity);
	empty();
	pud = map_view(0, SZ_1G, 0);
	pte = map_view(0, SZ_1G, PG);
	pinned_removal("pin via PUD, punch", pud, 5 * SZ_2M, 0);
	pinned_removal("pin via PTE view, truncate", pte, 7 * PG, 1);
	pinned_removal("pin via PUD, truncate", pud, SZ_1G - SZ_2M, 1);
	munmap(pud, SZ_1G);
	munmap(pte, SZ_1G);
	empty();
	xt_conserved(fd, "pin");
}

/* --- race ---------------------------------------------------------------------------- */

#define RACE_THREADS	3	/* per process: PUD, PMD-able and PTE view */
#define RACE_PAGES	8

struct race_shared {
	atomic_int stop;
	atomic_long iters, zeros, sigbus, bad;
};

static struct race_shared *rs;
static char *race_view[RACE_THREADS];
static __thread sigjmp_buf race_jb;
static __thread volatile int race_armed;

static void race_sigbus(int sig)
{
	if (!race_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	siglongjmp(race_jb, 1);
}

struct race_arg {
	int proc, view;
};

static void *race_worker(void *a)
{
	const struct race_arg *ra = a;
	int k = ra->proc * RACE_THREADS + ra->view;
	/* Each thread its own pages, in its own 2 MiB, spread over the block. */
	char *base = race_view[ra->view] + (size_t)(k * 83 + 1) * SZ_2M;
	uint64_t iter = 0, seed;
	size_t i, w;

	while (!atomic_load(&rs->stop)) {
		iter++;
		seed = ((uint64_t)(k + 1) << 56) | (iter << 20);
		race_armed = 1;
		if (sigsetjmp(race_jb, 1)) {
			race_armed = 0;
			atomic_fetch_add(&rs->sigbus, 1);
			usleep(1000);
			continue;
		}
		for (i = 0; i < RACE_PAGES; i++)
			xt_fill(base + i * PG, PG, seed ^ (i * PG));
		for (i = 0; i < RACE_PAGES; i++) {
			const uint64_t *p = (const uint64_t *)(base + i * PG);
			int zero = 0;

			for (w = 0; w < PG / 8; w++) {
				uint64_t want = seed ^ (i * PG) ^ (w * 8);

				if (!p[w]) {
					zero = 1;
				} else if (p[w] != want) {
					race_armed = 0;
					if (atomic_fetch_add(&rs->bad, 1) < 3)
						xt_fail("race: proc %d view %d page %zu word %zu: %#llx, expected %#llx or 0",
							ra->proc, ra->view, i, w,
							(unsigned long long)p[w],
							(unsigned long long)want);
					break;
				}
			}
			if (zero)
				atomic_fetch_add(&rs->zeros, 1);
		}
		race_armed = 0;
		atomic_fetch_add(&rs->iters, 1);
	}
	return NULL;
}

static void race_process(int proc)
{
	struct race_arg args[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	struct sigaction sa = { .sa_handler = race_sigbus, .sa_flags = SA_NODEFER };
	int v;

	sigaction(SIGBUS, &sa, NULL);
	race_view[0] = map_view(0, SZ_1G, 0);
	race_view[1] = map_view(0, SZ_1G, SZ_2M);
	race_view[2] = map_view(0, SZ_1G, PG);
	for (v = 0; v < RACE_THREADS; v++) {
		args[v] = (struct race_arg){ proc, v };
		if (pthread_create(&t[v], NULL, race_worker, &args[v]))
			xt_die("pthread_create");
	}
	for (v = 0; v < RACE_THREADS; v++)
		pthread_join(t[v], NULL);
}

static void case_race(void)
{
	int rounds = getenv("XT_HUGE_ROUNDS") ? atoi(getenv("XT_HUGE_ROUNDS")) : 6;
	long punches = 0, truncs = 0;
	pid_t child;
	int r, i, status;

	setup();
	empty();
	/* One file block: the other block is what a punched hole refaults into. */
	r = xt_set_size(fd, SZ_1G, 0, 0, NULL);
	if (r)
		xt_die("set size 1 GiB: %s", strerror(-r));
	rs = mmap(NULL, sizeof(*rs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rs == MAP_FAILED)
		xt_die("mmap shared: %s", strerror(errno));
	memset(rs, 0, sizeof(*rs));
	fflush(NULL);
	child = fork();
	if (child < 0)
		xt_die("fork: %s", strerror(errno));
	if (!child) {
		race_process(1);
		_exit(xt_failures ? 1 : 0);
	}
	if (fork() == 0) {
		race_process(0);
		_exit(xt_failures ? 1 : 0);
	}
	for (i = 0; i < rounds; i++) {
		long it = atomic_load(&rs->iters);

		/* Let the workers get through the refault (a 1 GiB zeroing) first. */
		while (atomic_load(&rs->iters) < it + 20 && !atomic_load(&rs->bad))
			usleep(20000);
		if (i % 3 == 2) {
			r = xt_set_size(fd, 0, 0, 0, NULL);
			xt_expect(!r, "race: truncate to 0: %s", strerror(-r));
			usleep(50000);
			r = xt_set_size(fd, SZ_1G, 0, 0, NULL);
			xt_expect(!r, "race: grow back: %s", strerror(-r));
			truncs++;
		} else {
			r = xt_punch(fd, 0, SZ_1G, 0, 0, NULL);
			xt_expect(!r, "race: punch: %s", strerror(-r));
			punches++;
		}
		xt_conserved(fd, "race round");
	}
	atomic_store(&rs->stop, 1);
	while ((r = wait(&status)) > 0)
		xt_expect(WIFEXITED(status) && !WEXITSTATUS(status),
			  "race: a worker process failed (status %#x)", status);
	xt_note("race: %ld punches %ld truncates; %ld worker iterations, %ld pages seen zeroed, %ld SIGBUS, %ld bad",
		punches, truncs, atomic_load(&rs->iters), atomic_load(&rs->zeros),
		atomic_load(&rs->sigbus), atomic_load(&rs->bad));
	xt_expect(!atomic_load(&rs->bad), "race: %ld pages with stale or foreign data",
		  atomic_load(&rs->bad));
	xt_expect(atomic_load(&rs->iters) > rounds * 20, "race: the workers made no progress");
	empty();
	xt_conserved(fd, "race");
}

/* --- thp-flip ------------------------------------------------------------------------ */

/*
 * A PMD table in the PUD slot of a 1 GiB fault that is zeroing its block.  Each round the
 * block is punched (the device keeps no pool of 1 GiB blocks: the next fault zeroes it
 * inline), the view remapped (its PUD slot empty), and one thread write-faults it with
 * PUDs allowed; 30 ms into its zeroing PR_SET_THP_DISABLE is set and five more threads
 * write-fault the same 1 GiB: with PUDs disallowed the kernel puts a PMD table into the
 * slot (outside any xdax lock; under the per-VMA lock nothing waits for the first fault)
 * and they wait on the block's fault lock.  The first fault then meets the table: a write
 * PUD insert WARNs there (panic_on_warn: the guest dies).  Every word reads back.
 */
#define FLIP_WRITERS	6
#define FLIP_ROUNDS	12

struct flip_writer {
	pthread_t th;
	char *p;
	uint64_t val;
	double t0, t1;
};

static double flip_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *flip_write(void *a)
{
	struct flip_writer *w = a;

	w->t0 = flip_now();
	*(volatile uint64_t *)w->p = w->val;
	w->t1 = flip_now();
	return NULL;
}

static void case_thp_flip(void)
{
	struct flip_writer w[FLIP_WRITERS];
	int r, t, overlap = 0, r_err;
	struct counts c0, c1;
	double prctl_ms = 0, t0;
	char *base, *keep;
	long bad = 0;

	setup();
	empty();
	if (info.capacity < 2 * SZ_1G)
		xt_skip("needs 2 blocks");
	/* Block 1 stays in the file: the punched block 0 is the one free block to fault. */
	keep = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE, MAP_SHARED, fd, SZ_1G);
	if (keep == MAP_FAILED)
		xt_die("mmap block 1: %s", strerror(errno));
	keep[0] = 1;
	base = map_view(0, SZ_1G, 0);
	c0 = counts();
	for (r = 0; r < FLIP_ROUNDS; r++) {
		r_err = xt_punch(fd, 0, SZ_1G, 0, 0, NULL);
		if (r_err)
			xt_die("punch round %d: %s", r, strerror(-r_err));
		if (munmap(base, SZ_1G) ||
		    mmap(base, SZ_1G, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != base)
			xt_die("remap round %d: %s", r, strerror(errno));
		if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0))
			xt_die("PR_SET_THP_DISABLE 0: %s", strerror(errno));
		for (t = 0; t < FLIP_WRITERS; t++) {
			w[t].p = base + ((uint64_t)(r * 7 + t * 83) % (SZ_1G / SZ_2M)) * SZ_2M + t * 64;
			w[t].val = ((uint64_t)r << 16) | (uint64_t)t | 0x5a00000000000000ULL;
		}
		if (pthread_create(&w[0].th, NULL, flip_write, &w[0]))
			xt_die("pthread_create");
		usleep(30000);
		t0 = flip_now();
		if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			xt_die("PR_SET_THP_DISABLE 1: %s", strerror(errno));
		prctl_ms += flip_now() - t0;
		for (t = 1; t < FLIP_WRITERS; t++)
			if (pthread_create(&w[t].th, NULL, flip_write, &w[t]))
				xt_die("pthread_create");
		for (t = 0; t < FLIP_WRITERS; t++)
			pthread_join(w[t].th, NULL);
		/* The window was open if a later writer started before the first one's fault ended. */
		for (t = 1; t < FLIP_WRITERS && w[t].t0 >= w[0].t1; t++)
			;
		overlap += t < FLIP_WRITERS;
		if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0))
			xt_die("PR_SET_THP_DISABLE 0: %s", strerror(errno));
		for (t = 0; t < FLIP_WRITERS; t++)
			if (*(volatile uint64_t *)w[t].p != w[t].val)
				bad++;
	}
	c1 = counts();
	xt_note("figure: thp-flip: %d rounds: later writers faulted during the first one's zeroing in %d; prctl took %.1f ms a round on average; pud_faults +%lld pmd_faults +%lld pte_faults +%lld",
		FLIP_ROUNDS, overlap, prctl_ms / FLIP_ROUNDS, c1.pud - c0.pud, c1.pmd - c0.pmd,
		c1.pte - c0.pte);
	xt_expect(!bad, "thp-flip: %ld written words did not read back", bad);
	munmap(base, SZ_1G);
	munmap(keep, SZ_1G);
	empty();
	xt_conserved(fd, "thp-flip");
	/*
	 * No round overlapped: prctl waited for the first fault to finish (a kernel whose
	 * faults hold mmap_lock, not the per-VMA lock: 6.1), so the race cannot happen here
	 * and was not exercised.  Data and conservation were checked above.
	 */
	if (!overlap)
		xt_skip("thp-flip: no later fault ran during the first one's zeroing (prctl waited %.0f ms a round for mmap_lock): the race cannot happen on this kernel",
			prctl_ms / FLIP_ROUNDS);
}

static const struct xt_case cases[] = {
	{ "align", case_align, "the device has 1 GiB blocks (XDAX_IOC_INFO, sysfs align, granularity)" },
	{ "pud", case_pud, "a 1 GiB congruent mapping: one PUD fault maps all of the block" },
	{ "views", case_views, "PMD-able and PTE views of the same block" },
	{ "wp", case_wp, "a write to a read-only PUD (soft-dirty write-notify) splits it" },
	{ "pin", case_pin, "pins on a 1 GiB block across NOWAIT punch and truncate" },
	{ "race", case_race, "PUD/PMD/PTE views in two processes vs punch and truncate" },
	{ "thp-flip", case_thp_flip, "1 GiB write faults while PR_SET_THP_DISABLE flips" },
	{ 0 }
};

int main(int argc, char **argv)
{
	return xt_run(argc, argv, cases);
}
