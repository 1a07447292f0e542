// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_guard DEV SECONDS: guard regions (MADV_GUARD_INSTALL / MADV_GUARD_REMOVE, file
 * mappings since 6.15) against write faults into holes of the same blocks.
 *
 * Installing a guard allocates page tables and writes a guard marker outside any xdax
 * lock, so while a write fault zeroes a fresh block, a PTE table can land in the PMD slot
 * the fault is about to fill (the PMD view: a guard on the block's second page) or a marker
 * in the very PTE it is about to fill (the PTE view: a guard on the faulting page).  The
 * kernel's insert with the write flag WARNs when it meets either (insert_pmd(),
 * insert_page_into_pte_locked(): "the PFN differs"); the guests boot with panic_on_warn.
 * xdax inserts without the write flag, so the fault returns and the access retries: through
 * the new table (PMD view: the page is mapped with a PTE) or into the marker (PTE view:
 * SIGSEGV, as a guard page must).
 *
 * Load the module with zero_pool_mb=0 first: every hole's first fault then zeroes its block
 * inline, a window of a millisecond or more under TCG.  Checks: every write that completed
 * reads back through the other view, no guard marker outlives its removal, blocks are
 * conserved.  Skips where the kernel refuses guard regions in this mapping (EINVAL).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "xdax_test.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif

#define PG	4096UL
#define SZ_2M	(2UL << 20)
#define NBLK	16

static _Atomic(char *) cur;	/* the page the guard thread guards, NULL: none */
static atomic_int guard_idle, stop;
static unsigned long nr_guard, nr_guard_fail;
static sigjmp_buf jb;

static void on_segv(int sig __attribute__((unused)))
{
	siglongjmp(jb, 1);
}

/* Write @val at @p: 0, or -1 if the access raised SIGSEGV (a guard on the page). */
static int write_one(char *p, uint64_t val)
{
	if (sigsetjmp(jb, 1))
		return -1;
	*(volatile uint64_t *)p = val;
	return 0;
}

/* Read the word at @p into *@val: 0, or -1 on SIGSEGV. */
static int read_one(const char *p, uint64_t *val)
{
	if (sigsetjmp(jb, 1))
		return -1;
	*val = *(const volatile uint64_t *)p;
	return 0;
}

/* Install and remove a guard on the current page, over and over. */
static void *guarder(void *arg __attribute__((unused)))
{
	char *p;

	while (!atomic_load(&stop)) {
		p = atomic_load(&cur);
		if (!p) {
			atomic_store(&guard_idle, 1);
			sched_yield();
			continue;
		}
		if (madvise(p, PG, MADV_GUARD_INSTALL)) {
			nr_guard_fail++;
			continue;
		}
		nr_guard++;
		if (madvise(p, PG, MADV_GUARD_REMOVE))
			xt_die("MADV_GUARD_REMOVE: %s", strerror(errno));
	}
	return NULL;
}

/*
 * Map the file's first @len bytes at @at, or (NULL) at an address @mis past a 2 MiB
 * boundary.  Mapping again over a view frees its page tables: a guard's PTE table outlives
 * MADV_GUARD_REMOVE and truncate, and would keep every later fault there a PTE fault.
 */
static char *map_view(int fd, char *at, size_t len, size_t mis)
{
	char *res, *p = at;

	if (!p) {
		res = mmap(NULL, len + 4 * SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (res == MAP_FAILED)
			xt_die("reserve: %s", strerror(errno));
		p = (char *)(((uintptr_t)res + SZ_2M - 1) & ~(SZ_2M - 1)) + mis;
	}
	if (mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != p)
		xt_die("mmap at %p: %s", p, strerror(errno));
	return p;
}

int main(int argc, char **argv)
{
	unsigned long nr_write = 0, nr_segv = 0, rounds = 0, written;
	char *views[2], *view, *other;
	struct xdax_info info;
	struct sigaction sa;
	uint64_t pmd0;
	size_t blk, len, b;
	pthread_t th;
	time_t end;
	int fd, v, r;

	fd = xt_open(argc > 1 ? argv[1] : "/dev/xdax0");
	info = xt_info(fd);
	end = time(NULL) + (argc > 2 ? atoi(argv[2]) : 5);
	blk = info.align;
	if (blk != SZ_2M)
		xt_skip("guard: %s has %zu-byte blocks; this test wants 2 MiB", argv[1], blk);
	len = (info.capacity / blk < NBLK ? info.capacity / blk : NBLK) * blk;
	views[0] = map_view(fd, NULL, len, 0);	/* PMD-able */
	views[1] = map_view(fd, NULL, len, PG);	/* PTEs only */
	if (madvise(views[0] + PG, PG, MADV_GUARD_INSTALL)) {
		if (errno == EINVAL)
			xt_skip("guard: MADV_GUARD_INSTALL on an xdax mapping: EINVAL (no guard regions in file mappings before 6.15)");
		xt_die("MADV_GUARD_INSTALL: %s", strerror(errno));
	}
	if (madvise(views[0] + PG, PG, MADV_GUARD_REMOVE))
		xt_die("MADV_GUARD_REMOVE: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	alarm(end - time(NULL) + 120);	/* a hang fails the test, not the guest run */
	if (pthread_create(&th, NULL, guarder, NULL))
		xt_die("pthread_create");
	pmd0 = xt_stats(fd).pmd_faults;
	while ((time(NULL) < end || rounds < 2) && !xt_failures) {
		/* Every block a hole again (a blocking truncate: nothing pins them). */
		r = xt_set_size(fd, 0, 0, 0, NULL);
		if (!r)
			r = xt_set_size(fd, info.capacity, 0, 0, NULL);
		if (r)
			xt_die("truncate and regrow: %s", strerror(-r));
		v = rounds & 1;
		if (!v)	/* empty PMD slots again (see map_view) */
			map_view(fd, views[0], len, 0);
		view = views[v];
		other = views[!v];
		written = 0;
		for (b = 0; b < len / blk; b++) {
			char *page = view + b * blk;

			/* PMD view: a table in the slot; PTE view: a marker in the PTE. */
			atomic_store(&cur, v ? page : page + PG);
			if (!write_one(page, 0x9a5d000000000000ULL | rounds << 16 | b)) {
				written |= 1UL << b;
				nr_write++;
			} else if (v) {
				nr_segv++;
			} else {
				xt_fail("round %lu block %zu: SIGSEGV writing the first page through the PMD view (the guard was on the second)",
					rounds, b);
			}
		}
		atomic_store(&guard_idle, 0);
		atomic_store(&cur, NULL);
		while (!atomic_load(&guard_idle))
			sched_yield();
		for (b = 0; b < len / blk; b++) {
			uint64_t got, want = 0x9a5d000000000000ULL | rounds << 16 | b;

			if (!(written & 1UL << b))
				continue;
			if (!read_one(other + b * blk, &got))
				xt_expect(got == want,
					  "round %lu block %zu: the write through the %s view is not seen through the other",
					  rounds, b, v ? "PTE" : "PMD");
			else
				xt_fail("round %lu block %zu: SIGSEGV reading through the %s view after every guard was removed",
					rounds, b, v ? "PMD" : "PTE");
		}
		rounds++;
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	signal(SIGSEGV, SIG_DFL);
	printf("# figure: guard: %lu rounds, %lu writes into holes, %lu SIGSEGV (a guard on the page, PTE view), %lu guards installed (%lu refused), pmd_faults +%llu\n",
	       rounds, nr_write, nr_segv, nr_guard, nr_guard_fail,
	       (unsigned long long)(xt_stats(fd).pmd_faults - pmd0));
	xt_expect(nr_guard > rounds, "guard: only %lu guards installed in %lu rounds", nr_guard,
		  rounds);
	munmap(views[0], len);
	munmap(views[1], len);
	r = xt_set_size(fd, 0, 0, 0, NULL);
	xt_expect(!r, "final truncate: %s", strerror(-r));
	xt_conserved(fd, "guard");
	return xt_exit("xdax_guard");
}
