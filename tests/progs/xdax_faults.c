// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_faults DEVICE TEST: the fault path of an xdax device, one subtest per TEST, or
 * every subtest in order for TEST "all":
 *
 *   4k      PTE faults where the address, the file offset or the length rule out a PMD;
 *           data written through one mapping reads back through others and other opens
 *   2m      PMD faults: 512 pages of a 2 MiB region cost one pmd_fault; proof of the huge
 *           mapping from smaps FilePmdMapped or from pagemap PFNs; block refcounts
 *           through allocate, 4K map, 2M map, pin, unpin, unmap (printed as
 *           "# refcount <state>: N" for the notes)
 *   zero    a fresh block reads all zeros, even where a freed block held data
 *   einval  MAP_PRIVATE and mappings past the capacity fail with EINVAL; a read-only
 *           open maps read-only
 *   sigbus  access past a shrunk size is SIGBUS, below it keeps its data; growing back
 *           brings holes that read zeros
 *   fork    a child shares the mapping both ways and faults new blocks
 *   mremap  a PMD-mapped region moves intact, the old address is gone; a mapping grows
 *   munmap  partial munmap splits a PMD without leaking a reference: a blocking
 *           SET_SIZE 0 frees every block promptly
 *   enospc  with no free block, a fault on a hole is SIGBUS and ALLOCATE is ENOSPC; the
 *           fault works once the reaper has freed a block
 *   softdirty  under soft-dirty tracking, a write and a writable pin on a read-only PMD
 *           split it and map a PTE (no write insert over the leaf); data kept
 *   uffd-wp a write and a read into holes under asynchronous userfaultfd write-protection
 *           (6.7+): the kernel's markers in the empty PTEs reach xdax's fault, which
 *           cannot map over them: SIGBUS, not a WARN or an endless fault loop
 *   cpus    a thread on each CPU faults its own blocks (PMD) and pages (PTE, writes):
 *           STATS, read on one CPU, counts every CPU's faults (the counters are per CPU),
 *           and still does with one of them offline (where the guest can offline CPUs)
 *
 * After each subtest the audit must be clean, the counts must add up, and the file is
 * shrunk to 0 and grown back to its capacity (so that every subtest starts with every
 * block free).  Diagnostics go to stderr; the exit status is 0 only if every assertion
 * held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xdax_test.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PG	4096UL
#define BLK	(2UL << 20)	/* the UAPI's align; checked against XDAX_IOC_INFO */
#define PAGES_PER_BLK	(BLK / PG)

static const char *dev;
static int fd;
static struct xdax_info info;
static int mapping_refs;	/* XDAX_FEATURE_MAPPING_REFS */

/* --- signals -------------------------------------------------------------------------- */

static sigjmp_buf probe_jb;
static volatile sig_atomic_t probe_armed, probe_sig;
static volatile char probe_sink;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[128];
	int n;

	(void)uc;
	if (probe_armed) {
		probe_sig = sig;
		siglongjmp(probe_jb, 1);
	}
	n = snprintf(msg, sizeof(msg), "FAIL: unexpected signal %d at %p\n", sig, si->si_addr);
	if (write(2, msg, n) < 0)
		_exit(3);
	_exit(3);
}

/*
 * SIGALRM: a soft alarm only interrupts a blocking ioctl (EINTR); otherwise it is the
 * subtest's watchdog, and a hang fails the test instead of the whole guest run.
 */
static volatile sig_atomic_t alarm_soft;

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL: watchdog: subtest still running after 300 s\n";

	(void)sig;
	if (alarm_soft)
		return;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(4);
}

#define WATCHDOG_S	300

static void signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: an interrupted ioctl returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

/* probe(p, write): touch one byte; returns 0, or the signal the access raised. */
static int probe(volatile char *p, int write)
{
	probe_sig = 0;
	if (sigsetjmp(probe_jb, 1) == 0) {
		probe_armed = 1;
		if (write)
			*p = 0x5a;
		else
			probe_sink = *p;
	}
	probe_armed = 0;
	return probe_sig;
}

static const char *signame(int sig)
{
	return sig == 0 ? "no signal" : sig == SIGBUS ? "SIGBUS" :
	       sig == SIGSEGV ? "SIGSEGV" : "other signal";
}

/* --- mappings ------------------------------------------------------------------------- */

/*
 * A free address range of len bytes at `skew` past a 2 MiB boundary (found by mapping and
 * unmapping an anonymous reservation: this program has one thread).
 */
static char *free_va(size_t len, size_t skew)
{
	size_t rlen = len + 2 * BLK;
	char *r = mmap(NULL, rlen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a;

	if (r == MAP_FAILED)
		xt_die("reserve %zu bytes: %s", rlen, strerror(errno));
	a = ((uintptr_t)r + BLK - 1) & ~(BLK - 1);
	munmap(r, rlen);
	return (char *)(a + skew);
}

static char *map_fd_at(int f, char *addr, size_t len, int prot, off_t off)
{
	int flags = MAP_SHARED | (addr ? MAP_FIXED_NOREPLACE : 0);
	char *p = mmap(addr, len, prot, flags, f, off);

	if (p == MAP_FAILED)
		xt_die("mmap(%p, %#zx, offset %#llx) of %s: %s", (void *)addr, len,
		       (unsigned long long)off, dev, strerror(errno));
	if (addr && p != addr)
		xt_die("mmap at %p returned %p", (void *)addr, (void *)p);
	return p;
}

/* A read-write shared mapping where the kernel puts it: 2 MiB aligned when len >= 2 MiB. */
static char *map_any(int f, size_t len, off_t off)
{
	char *p = map_fd_at(f, NULL, len, PROT_READ | PROT_WRITE, off);

	xt_expect(len < BLK || !((uintptr_t)p & (BLK - 1)),
		  "mmap of %#zx bytes got %p, not 2 MiB aligned", len, (void *)p);
	return p;
}

/* A read-write mapping at 4 KiB past a 2 MiB boundary: no PMD can map it. */
static char *map_skewed(int f, size_t len, off_t off)
{
	return map_fd_at(f, free_va(len, PG), len, PROT_READ | PROT_WRITE, off);
}

static void unmap(void *p, size_t len)
{
	if (munmap(p, len))
		xt_fail("munmap(%p, %#zx): %s", p, len, strerror(errno));
}

/* Write one byte into every page (faults each page for writing once). */
static void touch_pages_write(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PG)
		((volatile char *)p)[i] = 1;
}

static int verify(const char *what, const void *p, size_t len, uint64_t seed)
{
	size_t bad = xt_verify(p, len, seed);

	if (bad != (size_t)-1) {
		xt_fail("%s: pattern %#llx wrong at +%#zx: %#llx", what,
			(unsigned long long)seed, bad,
			(unsigned long long)*(const uint64_t *)((const char *)p + bad));
		return 0;
	}
	return 1;
}

static int verify_zero(const char *what, const void *p, size_t len)
{
	if (!xt_all_zero(p, len)) {
		const uint64_t *w = p;
		size_t i;

		for (i = 0; i < len / 8 && !w[i]; i++)
			;
		xt_fail("%s: not zero at +%#zx: %#llx", what, i * 8, (unsigned long long)w[i]);
		return 0;
	}
	return 1;
}

/* --- kernel views: smaps and pagemap --------------------------------------------------- */

/* FilePmdMapped of the VMA holding addr, in kB; -1 if smaps has no such field or VMA. */
static long smaps_file_pmd_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	long kb = -1;

	if (!f) {
		xt_note("open /proc/self/smaps: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = (uintptr_t)addr >= s && (uintptr_t)addr < e;
			continue;
		}
		if (in && sscanf(line, "FilePmdMapped: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

/* The pagemap entry of one virtual page (needs CAP_SYS_ADMIN for the PFN). */
static uint64_t pagemap_entry(int pm, const void *addr)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)addr / PG) * 8;

	if (pread(pm, &e, sizeof(e), off) != sizeof(e))
		xt_fail("pread /proc/self/pagemap at %p: %s", addr, strerror(errno));
	return e;
}

/*
 * The block mapped at p (file offset off) is one 2 MiB mapping: smaps counts it in
 * FilePmdMapped where the kernel does; else every one of its 512 pages is present in
 * pagemap with the PFNs of the block, contiguous.  expect_kb: FilePmdMapped of the whole
 * VMA if the kernel reports it.
 */
static void prove_huge(const char *what, char *p, uint64_t off, long expect_kb)
{
	struct xdax_query q = xt_query(fd, off);
	uint64_t pfn0 = (info.phys_start + q.block * BLK) / PG;
	long kb = smaps_file_pmd_kb(p);
	size_t i;
	int pm;

	if (kb > 0) {
		xt_note("%s: huge mapping proof: smaps FilePmdMapped %ld kB", what, kb);
		xt_expect(kb == expect_kb, "%s: smaps FilePmdMapped %ld kB, expected %ld kB",
			  what, kb, expect_kb);
		return;
	}
	xt_note("%s: huge mapping proof: pagemap PFNs + fault counters (smaps FilePmdMapped %s)",
		what, kb == 0 ? "0 kB" : "absent");
	xt_expect(q.state == XDAX_BLOCK_IN_USE, "%s: block state %u", what, q.state);
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0) {
		xt_fail("%s: open /proc/self/pagemap: %s", what, strerror(errno));
		return;
	}
	for (i = 0; i < PAGES_PER_BLK; i++) {
		uint64_t e = pagemap_entry(pm, p + i * PG);

		if (!(e & PM_PRESENT) || (e & PM_PFN_MASK) != pfn0 + i) {
			xt_fail("%s: page %zu: pagemap %#llx, expected present pfn %#llx", what, i,
				(unsigned long long)e, (unsigned long long)(pfn0 + i));
			break;
		}
	}
	close(pm);
}

/* --- state ------------------------------------------------------------------------------ */

static struct xdax_stats stats_before;

static void delta_begin(void)
{
	stats_before = xt_stats(fd);
}

/* Both deltas from one snapshot. */
static void deltas(long long *pte, long long *pmd)
{
	struct xdax_stats s = xt_stats(fd);

	*pte = (long long)(s.pte_faults - stats_before.pte_faults);
	*pmd = (long long)(s.pmd_faults - stats_before.pmd_faults);
}

/* XDAX_IOC_PIN without dying: 0 (and *id) or -errno. */
static int try_pin(void *addr, size_t len, uint32_t flags, uint64_t *id)
{
	struct xdax_pin p = {
		.size = sizeof(p), .flags = flags, .addr = (uintptr_t)addr, .length = len,
	};

	if (ioctl(fd, XDAX_IOC_PIN, &p))
		return -errno;
	*id = p.id;
	return 0;
}

/*
 * A pin failed: say which pins of the same block work, so that the report can say
 * where the module (or the kernel's GUP) draws the line.
 */
static void pin_diagnose(const char *what, char *pmd_mapped, uint64_t off)
{
	static const struct { const char *name; uint32_t flags; size_t len; int pte; } v[] = {
		{ "PMD-mapped, 1 page, writable", 0, PG, 0 },
		{ "PMD-mapped, 1 page, XDAX_PIN_READONLY", XDAX_PIN_READONLY, PG, 0 },
		{ "PTE-mapped, 1 page, writable", 0, PG, 1 },
		{ "PTE-mapped, 1 page, XDAX_PIN_READONLY", XDAX_PIN_READONLY, PG, 1 },
	};
	char *sk = map_skewed(fd, BLK, off);
	uint64_t id = 0;
	size_t i;
	int r;

	((volatile char *)sk)[PG] = 1;	/* fault the page in, writable */
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		r = try_pin(v[i].pte ? sk + PG : pmd_mapped + PG, v[i].len, v[i].flags, &id);
		xt_note("%s: pin diagnosis: %s: %s", what, v[i].name, r ? strerror(-r) : "pinned");
		if (!r && xt_unpin(fd, id))
			xt_fail("%s: unpin of a diagnosis pin: %s", what, strerror(errno));
	}
	unmap(sk, BLK);
}

/* Expected refcount of an in-use block with `maps` PTE/PMD mappings and `pins` pinned pages. */
static int want_ref(int maps, int pins)
{
	return 1 + (mapping_refs ? maps : 0) + pins;
}

static void expect_block(const char *what, uint64_t off, uint32_t state, int ref)
{
	struct xdax_query q = xt_query(fd, off);

	xt_expect(q.state == state, "%s: offset %#llx state %u, expected %u", what,
		  (unsigned long long)off, q.state, state);
	if (ref >= 0)
		xt_expect(q.refcount == ref, "%s: offset %#llx refcount %d, expected %d", what,
			  (unsigned long long)off, q.refcount, ref);
}

/* Print the block's refcount for the notes, and check it. */
static void report_ref(const char *state_name, uint64_t off, uint32_t state, int ref)
{
	struct xdax_query q = xt_query(fd, off);

	xt_note("refcount %s: %d", state_name, q.refcount);
	xt_note("mapcount %s: %d", state_name, q.mapcount);
	expect_block(state_name, off, state, ref);
}

/* Shrink to 0 (blocking) and grow back: every block free again. */
static void reset(const char *where)
{
	struct xdax_stats s;
	int r;

	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 30000000000ULL, NULL);
	if (r)
		xt_fail("%s: SET_SIZE 0: %s", where, strerror(-r));
	r = xt_set_size(fd, info.capacity, 0, 0, NULL);
	if (r)
		xt_fail("%s: SET_SIZE capacity: %s", where, strerror(-r));
	s = xt_stats(fd);
	xt_expect(s.file_size == info.capacity, "%s: file size %#llx after reset, capacity %#llx",
		  where, (unsigned long long)s.file_size, (unsigned long long)info.capacity);
	xt_expect(s.free == s.total && !s.in_use && !s.awaiting_reclaim,
		  "%s: after reset free %llu in use %llu awaiting %llu of %llu", where,
		  (unsigned long long)s.free, (unsigned long long)s.in_use,
		  (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.total);
}

/* --- subtests ----------------------------------------------------------------------------- */

/* 1. 4 KiB mappings: PTE faults only; data coherent across mappings and opens. */
static void t_4k(void)
{
	long long pte, pmd;
	char *a, *b, *c, *s;
	int fd2;

	/* 4 MiB at 4 KiB past a 2 MiB boundary, offset 0: aligned VA, never an aligned offset. */
	delta_begin();
	a = map_skewed(fd, 2 * BLK, 0);
	xt_fill(a, 2 * BLK, 0x4b4b000000000001ULL);
	deltas(&pte, &pmd);
	xt_note("4k: skewed 4 MiB mapping, 1024 pages written: %lld pte_faults, %lld pmd_faults",
		pte, pmd);
	xt_expect(pte >= 1, "4k: skewed mapping: pte_faults did not rise");
	xt_expect(pmd == 0, "4k: skewed mapping: %lld pmd_faults", pmd);

	/* A second independent mapping of the same offsets, this one 2 MiB aligned. */
	b = map_any(fd, 2 * BLK, 0);
	verify("4k: second mapping", b, 2 * BLK, 0x4b4b000000000001ULL);

	/* A second open of the device, mapped (read-write) and read back, then written. */
	fd2 = xt_open(dev);
	c = map_any(fd2, 2 * BLK, 0);
	verify("4k: mapping of a second open", c, 2 * BLK, 0x4b4b000000000001ULL);
	xt_fill(c + BLK, BLK, 0x4b4b000000000002ULL);
	verify("4k: skewed mapping sees the second open's write", a + BLK, BLK,
	       0x4b4b000000000002ULL);
	unmap(c, 2 * BLK);
	close(fd2);
	unmap(b, 2 * BLK);
	unmap(a, 2 * BLK);

	/* Shorter than 2 MiB, aligned address and offset: still PTEs. */
	delta_begin();
	s = map_any(fd, BLK / 2, 2 * BLK);
	if ((uintptr_t)s & (BLK - 1)) {
		unmap(s, BLK / 2);
		s = map_fd_at(fd, free_va(BLK / 2, 0), BLK / 2, PROT_READ | PROT_WRITE, 2 * BLK);
	}
	xt_fill(s, BLK / 2, 0x4b4b000000000003ULL);
	deltas(&pte, &pmd);
	xt_note("4k: 1 MiB mapping at %p, 256 pages written: %lld pte_faults, %lld pmd_faults",
		(void *)s, pte, pmd);
	xt_expect(pte >= 1, "4k: 1 MiB mapping: pte_faults did not rise");
	xt_expect(pmd == 0, "4k: 1 MiB mapping: %lld pmd_faults", pmd);
	fd2 = xt_open(dev);
	c = map_any(fd2, BLK, 2 * BLK);
	verify("4k: 1 MiB mapping read through a second open", c, BLK / 2, 0x4b4b000000000003ULL);
	verify_zero("4k: rest of the block", c + BLK / 2, BLK / 2);
	unmap(c, BLK);
	close(fd2);
	unmap(s, BLK / 2);
}

/* 2. 2 MiB mappings: one PMD fault per block; refcounts through the block's life. */
static void t_2m(void)
{
	long long pte, pmd;
	struct xdax_allocate al = { .size = sizeof(al), .offset = 0, .length = BLK };
	struct xdax_stats s0;
	uint64_t pin = 0;
	char *m, *q;
	int r;

	xt_note("2m: features %#x: mapping refs %s", info.features, mapping_refs ? "yes" : "no");

	/* A hole (and, looked at by block index, a free block: refcount frozen at 0). */
	report_ref("hole", 0, XDAX_BLOCK_HOLE, -1);
	xt_expect(xt_query(fd, 0).block == ~0ULL, "2m: a hole's block is %#llx, expected ~0",
		  (unsigned long long)xt_query(fd, 0).block);
#ifdef XDAX_QUERY_BLOCK
	{
		struct xdax_query fq = {
			.size = sizeof(fq), .flags = XDAX_QUERY_BLOCK, .block = 0,
		};

		if (ioctl(fd, XDAX_IOC_QUERY, &fq)) {
			xt_fail("2m: XDAX_IOC_QUERY of block 0 by index: %s", strerror(errno));
		} else {
			xt_note("refcount free: %d", fq.refcount);
			xt_note("mapcount free: %d", fq.mapcount);
			xt_expect(fq.state == XDAX_BLOCK_FREE && fq.refcount == 0,
				  "2m: free block 0: state %u refcount %d, expected free and 0",
				  fq.state, fq.refcount);
		}
	}
#endif

	/* Allocated, not mapped. */
	if (ioctl(fd, XDAX_IOC_ALLOCATE, &al))
		xt_die("2m: XDAX_IOC_ALLOCATE [0, 2M): %s", strerror(errno));
	xt_expect(al.allocated == 1, "2m: ALLOCATE allocated %llu, expected 1",
		  (unsigned long long)al.allocated);
	report_ref("allocated", 0, XDAX_BLOCK_IN_USE, want_ref(0, 0));

	/* One 4 KiB PTE. */
	delta_begin();
	q = map_skewed(fd, PG, 0);
	q[0] = 1;
	deltas(&pte, &pmd);
	xt_expect(pte >= 1 && pmd == 0, "2m: 4 KiB mapping: %lld pte_faults %lld pmd_faults",
		  pte, pmd);
	report_ref("mapped 4K", 0, XDAX_BLOCK_IN_USE, want_ref(1, 0));
	unmap(q, PG);
	expect_block("2m: 4 KiB mapping unmapped", 0, XDAX_BLOCK_IN_USE, want_ref(0, 0));

	/* A 4 MiB mapping: the allocated block, then a hole, each written at all 512 pages. */
	m = map_any(fd, 2 * BLK, 0);
	delta_begin();
	touch_pages_write(m, BLK);
	deltas(&pte, &pmd);
	xt_note("2m: block 0 (allocated), 512 pages written: %lld pmd_faults, %lld pte_faults",
		pmd, pte);
	xt_expect(pmd == 1 && pte == 0,
		  "2m: block 0: %lld pmd_faults %lld pte_faults, expected 1 and 0", pmd, pte);
	report_ref("mapped 2M", 0, XDAX_BLOCK_IN_USE, want_ref(1, 0));
	prove_huge("2m: block 0", m, 0, 2048);

	delta_begin();
	touch_pages_write(m + BLK, BLK);
	deltas(&pte, &pmd);
	xt_note("2m: block 1 (hole), 512 pages written: %lld pmd_faults, %lld pte_faults",
		pmd, pte);
	xt_expect(pmd == 1 && pte == 0,
		  "2m: block 1: %lld pmd_faults %lld pte_faults, expected 1 and 0", pmd, pte);
	expect_block("2m: block 1 after its faults", BLK, XDAX_BLOCK_IN_USE, want_ref(1, 0));
	prove_huge("2m: block 1", m + BLK, BLK, 4096);

	/* Pin 16 pages of block 0 through its PMD mapping. */
	s0 = xt_stats(fd);
	r = try_pin(m + 64 * PG, 16 * PG, 0, &pin);
	if (r) {
		xt_fail("2m: XDAX_IOC_PIN of 16 PMD-mapped pages: %s", strerror(-r));
		pin_diagnose("2m", m, 0);
		unmap(m, 2 * BLK);
		return;
	}
	report_ref("pinned", 0, XDAX_BLOCK_IN_USE, want_ref(1, 16));
	xt_expect(xt_stats(fd).pinned_pages == s0.pinned_pages + 16,
		  "2m: pinned_pages %llu after pinning 16, was %llu",
		  (unsigned long long)xt_stats(fd).pinned_pages,
		  (unsigned long long)s0.pinned_pages);
	xt_expect(!xt_unpin(fd, pin), "2m: XDAX_IOC_UNPIN: %s", strerror(errno));
	report_ref("unpinned", 0, XDAX_BLOCK_IN_USE, want_ref(1, 0));
	xt_expect(xt_stats(fd).pinned_pages == s0.pinned_pages,
		  "2m: pinned_pages %llu after unpin, was %llu",
		  (unsigned long long)xt_stats(fd).pinned_pages,
		  (unsigned long long)s0.pinned_pages);
	xt_expect(xt_unpin(fd, pin) == -ENOENT, "2m: second unpin of id %llu did not fail ENOENT",
		  (unsigned long long)pin);

	unmap(m, 2 * BLK);
	report_ref("unmapped", 0, XDAX_BLOCK_IN_USE, want_ref(0, 0));
	expect_block("2m: block 1 unmapped", BLK, XDAX_BLOCK_IN_USE, want_ref(0, 0));
}

/* 3. Fresh blocks are zero, even when the free block behind them held data. */
static void t_zero(void)
{
	char *m;
	size_t i;

	/* Dirty every block the next allocations may get, then free them all. */
	m = map_any(fd, 4 * BLK, 0);
	for (i = 0; i < 4; i++)
		xt_fill(m + i * BLK, BLK, 0x2e2e000000000000ULL | i);
	unmap(m, 4 * BLK);
	reset("zero: freeing the dirtied blocks");

	/* First touch is a read, through a PMD-capable mapping. */
	m = map_any(fd, 2 * BLK, 0);
	verify_zero("zero: first read of a hole (2 MiB mapping)", m, BLK);
	expect_block("zero: block after a read fault", 0, XDAX_BLOCK_IN_USE, -1);
	xt_fill(m, BLK, 0x2e2e0000000000ffULL);
	verify("zero: written after the zero read", m, BLK, 0x2e2e0000000000ffULL);

	/* Through 4 KiB PTEs (skewed mapping), another hole: zero over the whole block. */
	{
		char *s = map_skewed(fd, BLK, 2 * BLK);

		verify_zero("zero: first read of a hole (4 KiB PTEs)", s, BLK);
		unmap(s, BLK);
	}
	/* And a hole never touched reads zero through the old mapping too. */
	verify_zero("zero: second block of the first mapping", m + BLK, BLK);
	unmap(m, 2 * BLK);
}

/* 4. What mmap refuses, and read-only. */
static void t_einval(void)
{
	uint64_t cap = info.capacity;
	char *p, *m;
	int ro;

	errno = 0;
	p = mmap(NULL, BLK, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	xt_expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "einval: MAP_PRIVATE read-write");
	if (p != MAP_FAILED)
		munmap(p, BLK);
	errno = 0;
	p = mmap(NULL, BLK, PROT_READ, MAP_PRIVATE, fd, 0);
	xt_expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "einval: MAP_PRIVATE read-only");
	if (p != MAP_FAILED)
		munmap(p, BLK);

	errno = 0;
	p = mmap(NULL, BLK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, cap);
	xt_expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "einval: mmap at offset == capacity");
	if (p != MAP_FAILED)
		munmap(p, BLK);
	errno = 0;
	p = mmap(NULL, 2 * BLK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, cap - BLK);
	xt_expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "einval: mmap straddling the capacity");
	if (p != MAP_FAILED)
		munmap(p, 2 * BLK);
	errno = 0;
	p = mmap(NULL, cap + BLK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	xt_expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "einval: mmap longer than the capacity");
	if (p != MAP_FAILED)
		munmap(p, cap + BLK);
	/* The last block is fine. */
	p = map_any(fd, BLK, cap - BLK);
	p[0] = 1;
	unmap(p, BLK);

	/* Data written read-write, read through a read-only open's read-only mapping. */
	m = map_any(fd, BLK, 0);
	xt_fill(m, BLK, 0x0e0e000000000004ULL);
	ro = open(dev, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		xt_die("einval: open %s O_RDONLY: %s", dev, strerror(errno));
	errno = 0;
	p = mmap(NULL, BLK, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	xt_expect_errno(p == MAP_FAILED ? -1 : 0, EACCES,
			"einval: writable shared mapping of an O_RDONLY open");
	if (p != MAP_FAILED)
		munmap(p, BLK);
	p = map_fd_at(ro, NULL, 2 * BLK, PROT_READ, 0);
	verify("einval: read-only mapping of an O_RDONLY open", p, BLK, 0x0e0e000000000004ULL);
	verify_zero("einval: read-only mapping, a hole", p + BLK, BLK);
	xt_expect(probe(p, 1) == SIGSEGV, "einval: write to a read-only mapping: %s",
		  signame(probe_sig));
	verify("einval: read-only mapping after the refused write", p, BLK,
	       0x0e0e000000000004ULL);
	unmap(p, 2 * BLK);
	close(ro);
	unmap(m, BLK);
}

/* 5. SIGBUS past the size; data below kept; growing back brings zeroed holes. */
static void t_sigbus(void)
{
	struct xdax_set_size st;
	struct xdax_stats s;
	size_t i;
	char *m;
	int r;

	m = map_any(fd, 4 * BLK, 0);
	for (i = 0; i < 4; i++)
		xt_fill(m + i * BLK, BLK, 0x5b5b000000000000ULL | i);
	/* Block 3 also through 4 KiB PTEs of a skewed mapping. */
	{
		char *sk = map_skewed(fd, BLK, 3 * BLK);

		verify("sigbus: skewed view of block 3", sk, BLK, 0x5b5b000000000003ULL);
		r = xt_set_size(fd, 2 * BLK, 0, 0, &st);
		xt_expect(!r, "sigbus: SET_SIZE 4 MiB: %s", strerror(-r));
		xt_expect(probe(sk, 0) == SIGBUS,
			  "sigbus: read of a PTE-mapped page past the size: %s",
			  signame(probe_sig));
		unmap(sk, BLK);
	}
	xt_expect(st.freed == 2 && st.pending == 0,
		  "sigbus: shrink freed %llu pending %llu, expected 2 and 0",
		  (unsigned long long)st.freed, (unsigned long long)st.pending);
	s = xt_stats(fd);
	xt_expect(s.file_size == 2 * BLK, "sigbus: file size %#llx after the shrink",
		  (unsigned long long)s.file_size);
	xt_expect(s.in_use == 2, "sigbus: %llu blocks in use after the shrink, expected 2",
		  (unsigned long long)s.in_use);
	xt_conserved(fd, "sigbus: after the shrink");

	xt_expect(probe(m + 2 * BLK, 0) == SIGBUS, "sigbus: read at the size: %s",
		  signame(probe_sig));
	xt_expect(probe(m + 2 * BLK, 1) == SIGBUS, "sigbus: write at the size: %s",
		  signame(probe_sig));
	xt_expect(probe(m + 3 * BLK + 5 * PG, 1) == SIGBUS, "sigbus: write past the size: %s",
		  signame(probe_sig));
	xt_expect(probe(m + 4 * BLK - 1, 0) == SIGBUS, "sigbus: last byte of the mapping: %s",
		  signame(probe_sig));
	xt_expect(probe(m + 2 * BLK - 1, 0) == 0, "sigbus: last byte below the size: %s",
		  signame(probe_sig));
	for (i = 0; i < 2; i++)
		verify("sigbus: below the size", m + i * BLK, BLK, 0x5b5b000000000000ULL | i);
	xt_expect(xt_stats(fd).in_use == 2, "sigbus: the refused accesses allocated blocks");

	r = xt_set_size(fd, info.capacity, 0, 0, NULL);
	xt_expect(!r, "sigbus: SET_SIZE back to capacity: %s", strerror(-r));
	verify_zero("sigbus: block 2 after growing back", m + 2 * BLK, BLK);
	verify_zero("sigbus: block 3 after growing back", m + 3 * BLK, BLK);
	for (i = 0; i < 2; i++)
		verify("sigbus: below the old size after growing back", m + i * BLK, BLK,
		       0x5b5b000000000000ULL | i);
	xt_fill(m + 3 * BLK, BLK, 0x5b5b0000000000ffULL);
	verify("sigbus: new block 3 written", m + 3 * BLK, BLK, 0x5b5b0000000000ffULL);
	unmap(m, 4 * BLK);
}

/* 6. fork: the child shares the mapping both ways and faults new blocks. */
static void t_fork(void)
{
	int status;
	pid_t pid;
	char *m;

	m = map_any(fd, 4 * BLK, 0);
	xt_fill(m, BLK, 0xf0f0000000000001ULL);
	pid = fork();
	if (pid < 0)
		xt_die("fork: %s", strerror(errno));
	if (pid == 0) {
		xt_failures = 0;
		verify("fork child: parent's data", m, BLK, 0xf0f0000000000001ULL);
		xt_fill(m, BLK, 0xf0f0000000000002ULL);
		verify_zero("fork child: a hole", m + BLK, BLK);
		xt_fill(m + BLK, BLK, 0xf0f0000000000003ULL);
		/* One page of yet another hole. */
		xt_fill(m + 2 * BLK + PG, PG, 0xf0f0000000000004ULL);
		unmap(m, 4 * BLK);
		_exit(xt_failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		xt_die("fork: waitpid: %s", strerror(errno));
	xt_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "fork: child status %#x", status);
	verify("fork: the child's write to block 0", m, BLK, 0xf0f0000000000002ULL);
	verify("fork: the block the child faulted", m + BLK, BLK, 0xf0f0000000000003ULL);
	verify("fork: the page the child wrote", m + 2 * BLK + PG, PG, 0xf0f0000000000004ULL);
	verify_zero("fork: around it", m + 2 * BLK, PG);
	xt_conserved(fd, "fork: after the child");
	unmap(m, 4 * BLK);
	expect_block("fork: block 0 unmapped by both", 0, XDAX_BLOCK_IN_USE, want_ref(0, 0));
	expect_block("fork: block 1 unmapped by both", BLK, XDAX_BLOCK_IN_USE, want_ref(0, 0));
	expect_block("fork: block 2 unmapped by both", 2 * BLK, XDAX_BLOCK_IN_USE, want_ref(0, 0));
	expect_block("fork: block 3 never touched", 3 * BLK, XDAX_BLOCK_HOLE, -1);
}

/*
 * Map two blocks at a 2 MiB aligned address and fill them with SEED + 1 and
 * SEED + 2; the first block must map with exactly one PMD fault.
 */
static char *map_two_filled(const char *what, uint64_t seed)
{
	long long pte, pmd;
	char *m = map_any(fd, 2 * BLK, 0);

	delta_begin();
	xt_fill(m, BLK, seed + 1);
	deltas(&pte, &pmd);
	xt_expect(pmd == 1 && pte == 0, "%s: block 0: %lld pmd_faults %lld pte_faults",
		  what, pmd, pte);
	xt_fill(m + BLK, BLK, seed + 2);
	return m;
}

/* 7. mremap: move a PMD-mapped block; grow a mapping. */
static void t_mremap(void)
{
	long long pte, pmd;
	unsigned char vec;
	char *m, *t, *g;

	m = map_two_filled("mremap", 0x3e3e000000000000ULL);

	/* Move the first 2 MiB to another 2 MiB aligned address. */
	t = free_va(2 * BLK, 0);
	delta_begin();
	if (mremap(m, BLK, BLK, MREMAP_MAYMOVE | MREMAP_FIXED, t) != t)
		xt_die("mremap: move %p to %p: %s", (void *)m, (void *)t, strerror(errno));
	verify("mremap: moved block 0", t, BLK, 0x3e3e000000000001ULL);
	deltas(&pte, &pmd);
	xt_note("mremap: reading the moved block took %lld pmd_faults %lld pte_faults", pmd, pte);
	expect_block("mremap: moved block 0", 0, XDAX_BLOCK_IN_USE, want_ref(1, 0));
	errno = 0;
	xt_expect_errno(mincore(m, PG, &vec), ENOMEM, "mremap: mincore of the old address");
	xt_expect(probe(m, 0) == SIGSEGV, "mremap: read of the old address: %s",
		  signame(probe_sig));
	xt_expect(probe(m + BLK - 1, 0) == SIGSEGV, "mremap: last byte of the old range: %s",
		  signame(probe_sig));
	verify("mremap: second block, left in place", m + BLK, BLK, 0x3e3e000000000002ULL);

	/* Grow the moved mapping to 4 MiB: its new part maps offsets 2-4 MiB. */
	g = mremap(t, BLK, 2 * BLK, MREMAP_MAYMOVE);
	if (g == MAP_FAILED)
		xt_die("mremap: grow %p to 4 MiB: %s", (void *)t, strerror(errno));
	xt_note("mremap: grown mapping at %p (was %p)", (void *)g, (void *)t);
	verify("mremap: grown mapping, old part", g, BLK, 0x3e3e000000000001ULL);
	verify("mremap: grown mapping, new part", g + BLK, BLK, 0x3e3e000000000002ULL);
	xt_fill(g + BLK, BLK, 0x3e3e000000000003ULL);
	verify("mremap: written through the new part, read in place", m + BLK, BLK,
	       0x3e3e000000000003ULL);

	/* Grow into a hole: a 2 MiB mapping of block 2 becomes 4 MiB over block 3. */
	unmap(m + BLK, BLK);
	m = map_any(fd, BLK, 2 * BLK);
	t = mremap(m, BLK, 2 * BLK, MREMAP_MAYMOVE);
	if (t == MAP_FAILED)
		xt_die("mremap: grow block 2's mapping: %s", strerror(errno));
	verify_zero("mremap: grown over holes", t, 2 * BLK);
	xt_fill(t + BLK, BLK, 0x3e3e000000000004ULL);
	unmap(t, 2 * BLK);
	m = map_any(fd, BLK, 3 * BLK);
	verify("mremap: block 3 through a new mapping", m, BLK, 0x3e3e000000000004ULL);
	unmap(m, BLK);
	unmap(g, 2 * BLK);
	expect_block("mremap: block 0 unmapped", 0, XDAX_BLOCK_IN_USE, want_ref(0, 0));
}

/* 8. Partial munmap of a PMD-mapped block leaks no reference. */
static void t_munmap(void)
{
	struct xdax_set_size st;
	struct xdax_stats s;
	long long pte, pmd;
	struct timespec t0, t1;
	size_t i;
	char *m;
	int r;

	m = map_two_filled("munmap", 0x3d3d000000000000ULL);

	unmap(m, PG);
	unmap(m + BLK / 2, PG);
	expect_block("munmap: after the partial munmaps", 0, XDAX_BLOCK_IN_USE, -1);
	delta_begin();
	for (i = 1; i < PAGES_PER_BLK; i++) {
		char what[64];

		if (i == PAGES_PER_BLK / 2)
			continue;
		snprintf(what, sizeof(what), "munmap: page %zu", i);
		if (!verify(what, m + i * PG, PG, (0x3d3d000000000001ULL) ^ (i * PG)))
			break;
	}
	deltas(&pte, &pmd);
	xt_note("munmap: reading the 510 pages left took %lld pte_faults %lld pmd_faults",
		pte, pmd);
	xt_expect(pmd == 0, "munmap: %lld pmd_faults in a split block", pmd);
	expect_block("munmap: 510 pages mapped", 0, XDAX_BLOCK_IN_USE, want_ref(510, 0));
	xt_expect(probe(m, 0) == SIGSEGV, "munmap: first page: %s", signame(probe_sig));
	xt_expect(probe(m + BLK / 2, 0) == SIGSEGV, "munmap: middle page: %s", signame(probe_sig));
	verify("munmap: second block, PMD", m + BLK, BLK, 0x3d3d000000000002ULL);

	unmap(m + PG, BLK / 2 - PG);
	unmap(m + BLK / 2 + PG, BLK / 2 - PG);
	unmap(m + BLK, BLK);
	expect_block("munmap: all unmapped", 0, XDAX_BLOCK_IN_USE, want_ref(0, 0));
	expect_block("munmap: all unmapped (block 1)", BLK, XDAX_BLOCK_IN_USE, want_ref(0, 0));

	/* A blocking shrink to 0 must not wait: nothing holds the blocks. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	alarm_soft = 1;
	alarm(10);
	r = xt_set_size(fd, 0, 0, 0, &st);
	alarm_soft = 0;
	alarm(WATCHDOG_S);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	xt_note("munmap: SET_SIZE 0 took %ld ms", (long)((t1.tv_sec - t0.tv_sec) * 1000 +
							(t1.tv_nsec - t0.tv_nsec) / 1000000));
	xt_expect(!r, "munmap: SET_SIZE 0: %s%s", strerror(-r),
		  r == -EINTR ? " (still waiting after 10 s: a leaked reference)" : "");
	if (!r)
		xt_expect(st.freed == 2 && st.pending == 0,
			  "munmap: SET_SIZE 0 freed %llu pending %llu, expected 2 and 0",
			  (unsigned long long)st.freed, (unsigned long long)st.pending);
	s = xt_stats(fd);
	xt_expect(s.free == s.total && !s.awaiting_reclaim && !s.in_use,
		  "munmap: after SET_SIZE 0: free %llu of %llu, awaiting %llu, in use %llu",
		  (unsigned long long)s.free, (unsigned long long)s.total,
		  (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.in_use);
	r = xt_set_size(fd, info.capacity, 0, 0, NULL);
	xt_expect(!r, "munmap: grow back to capacity: %s", strerror(-r));
}

/* 9. No free block: a fault on a hole is SIGBUS; it works once the reaper frees one. */
static void t_enospc(void)
{
	struct xdax_allocate al = { .size = sizeof(al), .offset = 0, .length = info.capacity };
	struct xdax_punch pu;
	struct xdax_stats s, s0;
	struct xdax_event ev;
	struct pollfd pfd;
	uint64_t pin = 0;
	char *m;
	int r;

	/* Block 0 first, written, so that its old data is recognisable. */
	m = map_any(fd, BLK, 0);
	xt_fill(m, BLK, 0xe5e5000000000001ULL);
	if (ioctl(fd, XDAX_IOC_ALLOCATE, &al))
		xt_die("enospc: ALLOCATE everything: %s", strerror(errno));
	s = xt_stats(fd);
	xt_expect(al.allocated == s.total - 1, "enospc: ALLOCATE allocated %llu of %llu free",
		  (unsigned long long)al.allocated, (unsigned long long)(s.total - 1));
	xt_expect(s.free == 0, "enospc: %llu blocks free after allocating everything",
		  (unsigned long long)s.free);

	/* Pin a page of block 0 and punch it: the offset is a hole, the block awaits reclaim. */
	r = try_pin(m + PG, PG, 0, &pin);
	if (r) {
		xt_fail("enospc: XDAX_IOC_PIN of a PMD-mapped page: %s", strerror(-r));
		pin_diagnose("enospc", m, 0);
		unmap(m, BLK);
		return;
	}
	r = xt_punch(fd, 0, BLK, XDAX_WAIT_NOWAIT, 0, &pu);
	xt_expect(!r, "enospc: PUNCH NOWAIT of a pinned block: %s", strerror(-r));
	xt_expect(pu.pending == 1 && pu.freed == 0, "enospc: punch freed %llu pending %llu",
		  (unsigned long long)pu.freed, (unsigned long long)pu.pending);
	s0 = xt_stats(fd);
	xt_expect(s0.free == 0 && s0.awaiting_reclaim == 1,
		  "enospc: after the punch free %llu awaiting %llu",
		  (unsigned long long)s0.free, (unsigned long long)s0.awaiting_reclaim);
	expect_block("enospc: punched offset", 0, XDAX_BLOCK_HOLE, -1);
	xt_conserved(fd, "enospc: nothing free");

	/* The hole cannot get a block. */
	xt_expect(probe(m, 0) == SIGBUS, "enospc: read of a hole with no free block: %s",
		  signame(probe_sig));
	xt_expect(probe(m + 7 * PG, 1) == SIGBUS, "enospc: write of a hole with no free block: %s",
		  signame(probe_sig));
	al = (struct xdax_allocate){ .size = sizeof(al), .offset = 0, .length = BLK };
	errno = 0;
	xt_expect_errno(ioctl(fd, XDAX_IOC_ALLOCATE, &al), ENOSPC, "enospc: ALLOCATE of the hole");
	s = xt_stats(fd);
	xt_expect(s.free == 0 && s.in_use == s0.in_use && s.awaiting_reclaim == 1,
		  "enospc: failed fault/allocate: free %llu in use %llu awaiting %llu",
		  (unsigned long long)s.free, (unsigned long long)s.in_use,
		  (unsigned long long)s.awaiting_reclaim);
	expect_block("enospc: still a hole", 0, XDAX_BLOCK_HOLE, -1);

	/* Unpin: the reaper frees the block and tells this file. */
	xt_expect(!xt_unpin(fd, pin), "enospc: UNPIN: %s", strerror(errno));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	r = poll(&pfd, 1, 10000);
	xt_expect(r == 1 && (pfd.revents & POLLIN), "enospc: poll after the unpin: %d revents %#x",
		  r, pfd.revents);
	if (r == 1 && (pfd.revents & POLLIN)) {
		ssize_t n = read(fd, &ev, sizeof(ev));

		xt_expect(n == (ssize_t)sizeof(ev), "enospc: read of the event: %zd: %s", n,
			  strerror(errno));
		if (n == (ssize_t)sizeof(ev))
			xt_expect(ev.type == XDAX_EVENT_RECLAIM && ev.reclaimed >= 1,
				  "enospc: event type %u reclaimed %llu", ev.type,
				  (unsigned long long)ev.reclaimed);
	}
	s = xt_stats(fd);
	xt_expect(s.free == 1 && s.awaiting_reclaim == 0 &&
		  s.reclaim_events == s0.reclaim_events + 1,
		  "enospc: after reclaim free %llu awaiting %llu reclaim_events %llu (was %llu)",
		  (unsigned long long)s.free, (unsigned long long)s.awaiting_reclaim,
		  (unsigned long long)s.reclaim_events, (unsigned long long)s0.reclaim_events);

	/* Now the hole faults in the freed block, zeroed. */
	xt_expect(probe(m, 0) == 0, "enospc: read of the hole with a free block: %s",
		  signame(probe_sig));
	verify_zero("enospc: the reclaimed block, reused", m, BLK);
	expect_block("enospc: offset 0 again", 0, XDAX_BLOCK_IN_USE, want_ref(1, 0));
	unmap(m, BLK);
}

/* --- cpus ------------------------------------------------------------------------------- */

#define CPUS_MAX	64
#define CPUS_PTE	64	/* PTE write faults per thread (writes map one page each) */

struct cpu_arg {
	int cpu, ran_on;
	char *pmd, *pte;	/* a PMD-able view (its block) and a PTE-only view (its pages) */
};

static void *cpu_faulter(void *v)
{
	struct cpu_arg *a = v;
	volatile char sink = 0;
	cpu_set_t set;
	size_t i;

	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	a->ran_on = -1;
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		return NULL;
	sink += a->pmd[0];			/* a read: one PMD fault */
	for (i = 0; i < CPUS_PTE; i++)
		a->pte[i * PG] = 1;		/* writes: one PTE fault each, no block-around */
	(void)sink;
	a->ran_on = sched_getcpu();
	return NULL;
}

/* Write "0" or "1" to CPU @cpu's online file: 0, or -errno (no hotplug, not allowed). */
static int cpu_set_online(int cpu, int on)
{
	char path[64];
	int f, r = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	f = open(path, O_WRONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	if (write(f, on ? "1" : "0", 1) != 1)
		r = -errno;
	close(f);
	return r;
}

/*
 * The fault counters are per CPU and summed when read: a thread pinned to each CPU this
 * process may run on faults one block of its own with a PMD and CPUS_PTE pages of another
 * with PTEs; STATS, read from the first of those CPUs, must count all of them (a sum of the
 * reader's CPU alone fails).  Then the last CPU goes offline where the guest allows it: its
 * counts must stay in the sum (a sum over the online CPUs only fails), and it comes back.
 */
static void t_cpus(void)
{
	struct cpu_arg a[CPUS_MAX];
	pthread_t th[CPUS_MAX];
	cpu_set_t set, all;
	long long pte, pmd;
	int n = 0, i, c, r;
	char *pm, *pt;

	if (sched_getaffinity(0, sizeof(all), &all))
		xt_die("cpus: sched_getaffinity: %s", strerror(errno));
	for (c = 0; c < CPU_SETSIZE && n < CPUS_MAX; c++)
		if (CPU_ISSET(c, &all))
			a[n++].cpu = c;
	if ((uint64_t)2 * n * BLK > info.capacity)
		n = info.capacity / (2 * BLK);
	if (n < 2)
		xt_skip("cpus: %d CPU(s) to run on (within the capacity), the per-CPU sum needs two",
			n);
	/* Blocks [0, n) through the PMD view, blocks [n, 2n) through the PTE view. */
	pm = map_any(fd, n * BLK, 0);
	pt = map_skewed(fd, n * BLK, n * BLK);
	for (i = 0; i < n; i++) {
		a[i].pmd = pm + i * BLK;
		a[i].pte = pt + i * BLK;
	}
	CPU_ZERO(&set);
	CPU_SET(a[0].cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		xt_die("cpus: sched_setaffinity: %s", strerror(errno));
	delta_begin();
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, cpu_faulter, &a[i]))
			xt_die("cpus: pthread_create: %s", strerror(errno));
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	deltas(&pte, &pmd);
	for (i = 0; i < n; i++)
		xt_expect(a[i].ran_on == a[i].cpu, "cpus: thread %d ran on CPU %d, not CPU %d", i,
			  a[i].ran_on, a[i].cpu);
	xt_note("figure: cpus: %d threads on CPUs %d..%d: pmd_faults +%lld pte_faults +%lld", n,
		a[0].cpu, a[n - 1].cpu, pmd, pte);
	xt_expect(pmd == n, "cpus: pmd_faults +%lld, want %d (one per thread)", pmd, n);
	xt_expect(pte == (long long)n * CPUS_PTE, "cpus: pte_faults +%lld, want %lld", pte,
		  (long long)n * CPUS_PTE);

	c = a[n - 1].cpu;
	r = cpu_set_online(c, 0);
	if (r) {
		xt_note("figure: cpus: CPU %d cannot go offline (%s): the offline check is left out", c,
			strerror(-r));
	} else {
		deltas(&pte, &pmd);
		xt_note("figure: cpus: CPU %d offline: pmd_faults +%lld pte_faults +%lld", c, pmd, pte);
		xt_expect(pmd == n && pte == (long long)n * CPUS_PTE,
			  "cpus: with CPU %d offline the sum lost its faults: pmd +%lld pte +%lld", c,
			  pmd, pte);
		r = cpu_set_online(c, 1);
		xt_expect(!r, "cpus: CPU %d back online: %s", c, strerror(-r));
	}
	for (i = 0; i < n; i++)
		verify_zero("cpus: a block read through the PMD view", a[i].pmd, BLK);
	sched_setaffinity(0, sizeof(all), &all);
	unmap(pm, n * BLK);
	unmap(pt, n * BLK);
}

/* --- main --------------------------------------------------------------------------------- */

/* Every case starts and ends with the whole file free, audited. */
static void run(void (*fn)(void))
{
	char where[64];

	snprintf(where, sizeof(where), "%s: start", xt_case_name);
	reset(where);
	xt_conserved(fd, where);
	fn();
	snprintf(where, sizeof(where), "%s: end", xt_case_name);
	xt_conserved(fd, where);
	reset(where);
	xt_conserved(fd, where);
}

#define CASE(name) static void c_##name(void) { run(t_##name); }
CASE(4k)
CASE(2m)
CASE(zero)
CASE(einval)
CASE(sigbus)
CASE(fork)
CASE(mremap)
CASE(munmap)
CASE(enospc)
CASE(cpus)

/* --- softdirty ------------------------------------------------------------------------- */

/*
 * Soft-dirty tracking (clear_refs 4) write-protects the PMDs and turns on write-notify.  A
 * write to a read-only PMD of ours must not be served by a write insert over the leaf (if a
 * zap and a new PTE table came between the check and the insert, it WARNs): xdax falls back,
 * the kernel splits the PMD (thp_split_pmd) and the write maps its page with a PTE.  A
 * writable pin (GUP with FOLL_WRITE) of a read-only PMD goes the same way.  Data is kept.
 */
static void c_softdirty(void)
{
	char *m = map_any(fd, 2 * BLK, 0);
	long long pte, pmd, split0, split1;
	uint64_t id = 0;
	int r;

	xt_fill(m, 2 * BLK, 0x5d17);
	if (!xt_vma_has_flag(m, " sd")) {
		unmap(m, 2 * BLK);
		xt_skip("softdirty: the mapping has no VM_SOFTDIRTY (no CONFIG_MEM_SOFT_DIRTY)");
	}
	xt_clear_soft_dirty();
	delta_begin();
	split0 = xt_vmstat("thp_split_pmd");
	r = probe(m + 7 * PG, 1);
	split1 = xt_vmstat("thp_split_pmd");
	deltas(&pte, &pmd);
	fprintf(stderr, "# softdirty: write to a read-only PMD: pte +%lld pmd +%lld thp_split_pmd +%lld\n",
		pte, pmd, split1 - split0);
	xt_expect(!r, "softdirty: the write raised %s", signame(r));
	xt_expect(pte >= 1 && pmd == 0,
		  "softdirty: the write to the read-only PMD: pte +%lld pmd +%lld, want a PTE fault after a split (not a write insert over the leaf)",
		  pte, pmd);
	if (split0 >= 0)
		xt_expect(split1 - split0 == 1, "softdirty: the write split %lld PMDs, want 1",
			  split1 - split0);
	*(uint64_t *)(m + 7 * PG) = 0x5d17 ^ (7 * PG);	/* undo probe()'s byte */

	r = try_pin(m + BLK + 3 * PG, PG, 0, &id);
	xt_expect(!r, "softdirty: a writable pin of a page under a read-only PMD: %s",
		  strerror(-r));
	if (!r) {
		*(volatile uint64_t *)(m + BLK + 3 * PG) = 0x5d17 ^ (BLK + 3 * PG);
		xt_expect(!xt_unpin(fd, id), "softdirty: UNPIN");
	}
	xt_expect(xt_verify(m, 2 * BLK, 0x5d17) == (size_t)-1, "softdirty: data changed");
	unmap(m, 2 * BLK);
}

/* --- uffd-wp --------------------------------------------------------------------------- */

#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC	(1 << 15)
#endif

/*
 * Register [p, p + len) for asynchronous userfaultfd write-protection and write-protect it:
 * NULL, or why this kernel cannot (a skip).  Writes a marker into every empty PTE.
 */
static const char *uffd_wp_arm(char *p, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
	struct uffdio_register reg = { .range = { (uintptr_t)p, len },
				       .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .range = { (uintptr_t)p, len },
					  .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	int u = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (u < 0)
		return "userfaultfd(UFFD_USER_MODE_ONLY) refused";
	if (ioctl(u, UFFDIO_API, &api))
		return "UFFDIO_API: no UFFD_FEATURE_WP_ASYNC (before 6.7)";
	if (ioctl(u, UFFDIO_REGISTER, &reg))
		return "UFFDIO_REGISTER_MODE_WP on an xdax mapping refused";
	if (ioctl(u, UFFDIO_WRITEPROTECT, &wp))
		xt_die("UFFDIO_WRITEPROTECT: %s", strerror(errno));
	return NULL;	/* u stays open: the registration lives as long as the process */
}

static void c_uffd_wp(void)
{
	static const char *const what[2] = { "read", "write" };
	char *m = map_any(fd, 2 * BLK, 0);
	int w, status, done, ms, pfd[2];
	char why_buf[200] = "";
	const char *why;
	ssize_t n;
	pid_t pid;

	for (w = 0; w < 2; w++) {
		/* Each access in its own child: the markers are in that process's page tables. */
		if (pipe(pfd))
			xt_die("pipe: %s", strerror(errno));
		pid = fork();
		if (pid < 0)
			xt_die("fork: %s", strerror(errno));
		if (!pid) {
			int sig;

			close(pfd[0]);
			why = uffd_wp_arm(m, 2 * BLK);
			if (why) {
				dprintf(pfd[1], "%s: %s", why, strerror(errno));
				_exit(XT_SKIP_STATUS);
			}
			sig = probe(m + w * BLK + 5 * PG, w);
			_exit(sig == SIGBUS ? 10 : sig ? 11 : 0);
		}
		close(pfd[1]);
		for (done = 0, ms = 0; !done && ms < 10000; ms += 10) {
			done = waitpid(pid, &status, WNOHANG) == pid;
			if (!done)
				usleep(10000);
		}
		if (!done) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			xt_fail("uffd-wp: the %s into a write-protected hole still faults after 10 s (the fault returns without mapping over the marker, forever)",
				what[w]);
			continue;
		}
		n = read(pfd[0], why_buf, sizeof(why_buf) - 1);
		why_buf[n > 0 ? n : 0] = 0;
		close(pfd[0]);
		if (WIFEXITED(status) && WEXITSTATUS(status) == XT_SKIP_STATUS) {
			unmap(m, 2 * BLK);
			xt_skip("uffd-wp: %s", why_buf);
		}
		xt_expect(WIFEXITED(status) && (WEXITSTATUS(status) == 10 || !WEXITSTATUS(status)),
			  "uffd-wp: the %s into a write-protected hole ended with status %#x, want SIGBUS or success",
			  what[w], status);
		fprintf(stderr, "# uffd-wp: the %s into a write-protected hole: %s\n", what[w],
			WIFEXITED(status) && WEXITSTATUS(status) == 10 ? "SIGBUS" :
			WIFEXITED(status) && !WEXITSTATUS(status) ? "mapped" : "failed");
	}
	/* This process registered nothing: its own accesses map as usual. */
	xt_expect(!probe(m + 5 * PG, 1) && !probe(m + BLK + 5 * PG, 0),
		  "uffd-wp: the parent cannot access the mapping");
	unmap(m, 2 * BLK);
}

static const struct xt_case cases[] = {
	{ "4k", c_4k, "PTE faults where the address, offset or length rule out a PMD" },
	{ "2m", c_2m, "PMD faults: one pmd_fault per 512 pages; refcounts per state" },
	{ "zero", c_zero, "a fresh block reads zeros, even where a freed block held data" },
	{ "einval", c_einval, "MAP_PRIVATE and past-capacity mappings fail; O_RDONLY maps read-only" },
	{ "sigbus", c_sigbus, "SIGBUS past a shrunk size; growing brings zeroed holes" },
	{ "fork", c_fork, "a child shares the mapping both ways" },
	{ "mremap", c_mremap, "a PMD-mapped region moves intact" },
	{ "munmap", c_munmap, "partial munmap of a PMD leaks no reference" },
	{ "enospc", c_enospc, "no free block: SIGBUS and ENOSPC; the reaped block is reused" },
	{ "softdirty", c_softdirty, "a write or writable pin on a read-only PMD splits it" },
	{ "uffd-wp", c_uffd_wp, "async uffd-wp markers in holes: SIGBUS, no WARN, no fault loop" },
	{ "cpus", c_cpus, "STATS counts the faults of every CPU (per-CPU counters)" },
	{ 0 }
};

int main(int argc, char **argv)
{
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc < 2)
		return xt_run(argc, argv, cases);
	dev = argv[1];
	signals_init();
	fd = xt_open(dev);
	info = xt_info(fd);
	if (info.align != BLK)
		xt_die("align %#llx, this test assumes 2 MiB", (unsigned long long)info.align);
	if (info.capacity < 8 * BLK)
		xt_die("capacity %#llx, this test needs at least 16 MiB",
		       (unsigned long long)info.capacity);
	mapping_refs = !!(info.features & XDAX_FEATURE_MAPPING_REFS);
	return xt_run(argc, argv, cases);
}
