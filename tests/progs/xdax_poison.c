// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_poison DEV [CASE...]: memory failure (hwpoison) on xdax blocks.
 *
 * What protocol v2 promises (include/uapi/linux/xdax.h): a block hit by a memory failure
 * is never allocated again; every mapper gets SIGBUS (BUS_MCEERR_AR or _AO) on access to
 * any page of the 2 MiB block until the range is punched or truncated; QUERY of the offset
 * shows XDAX_ATTR_POISONED while the block is in the file; after the punch the block is
 * XDAX_BLOCK_POISONED, counted in stats.poisoned (stats.memory_failures counts the
 * reports), the offset is a hole again and a refault gets a fresh zeroed block; pollers
 * get an XDAX_EVENT_POISON record.
 *
 *   madvise-mapped      A maps a block with a PMD and B (another process) with PTEs;
 *                       A injects MADV_HWPOISON on one 4 KiB page; B's and A's next
 *                       accesses to the block (that page and others) must raise SIGBUS
 *                       with BUS_MCEERR_*; QUERY shows the attribute; after a punch the
 *                       block is POISONED, the offset a hole, a refault a new zeroed block
 *   never-reused        a poisoned, punched block is never handed out again: ALLOCATE of
 *                       the whole capacity is ENOSPC, of the capacity minus the poisoned
 *                       blocks succeeds, and no offset is backed by a poisoned block
 *   free-block-inject   hwpoison-inject (debugfs corrupt-pfn) on a free block's pfn: the
 *                       block is POISONED at once, stats.free drops by one, never handed out
 *   event               a poller (poll + read) gets an XDAX_EVENT_POISON record
 *   inject-race         hwpoison-inject on blocks that are being allocated and punched at
 *                       that moment (the free path clears folio->mapping under the kernel's
 *                       memory-failure walk: today a NULL dereference in dax_unlock_folio);
 *                       the punch is steered towards the walk (a delay after each injection
 *                       that adapts to the answers), 16 early-kill processes map the offset
 *                       to lengthen the walk.  Every block hit must end POISONED and none be
 *                       handed out again.  XDAX_POISON_SECONDS (default 6) and
 *                       XDAX_POISON_INJECTIONS (default 48, at most a quarter of the blocks)
 *                       bound it.
 *
 * MADV_HWPOISON needs CAP_SYS_ADMIN and a kernel with CONFIG_MEMORY_FAILURE (EINVAL
 * otherwise: skipped); a kernel without madvise(2) at all (ENOSYS: the debug kernel) gets the
 * mapped page's pfn written to corrupt-pfn instead; corrupt-pfn needs hwpoison_inject
 * (skipped without it).  Every case
 * ends with the accounting audited (xt_conserved) and the file back at its capacity with
 * nothing allocated.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "xdax_test.h"

#define BLK		(2UL << 20)
#define PG		4096UL
#define BLOCK_PAGES	(BLK / PG)
#define SEED		0x5a5aa5a5c3c33c3cULL
#define WAIT_NS		5000000000ULL		/* bounded waits for punch and truncate */
#define EVENT_WAIT_MS	10000			/* "the poller gets the record": generous for TCG */
#define MF_SYSCTL	"/proc/sys/vm/memory_failure_early_kill"
#define CORRUPT_PFN	"/sys/kernel/debug/hwpoison/corrupt-pfn"
#define RACE_HELPERS	16

static int fd;
static struct xdax_info info;
static uint64_t cap, total;

/* --- SIGBUS: synchronous (an access in try_read) or asynchronous (anything else) --- */

static sigjmp_buf bus_jb;
static volatile sig_atomic_t bus_armed;
static volatile sig_atomic_t bus_async;
static volatile int bus_code, bus_lsb, bus_async_code;
static void *volatile bus_addr;
static void *volatile bus_async_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (bus_armed) {
		bus_armed = 0;
		bus_code = si->si_code;
		bus_addr = si->si_addr;
		bus_lsb = si->si_addr_lsb;
		siglongjmp(bus_jb, 1);
	}
	bus_async++;
	bus_async_code = si->si_code;
	bus_async_addr = si->si_addr;
}

static void install_sigbus(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL))
		xt_die("sigaction SIGBUS: %s", strerror(errno));
}

struct access {
	int sigbus;
	int code;
	int lsb;
	uintptr_t addr;
	uint64_t val;
};

/* One 8-byte read at p; a SIGBUS during it is caught and described. */
static struct access try_read(const void *p)
{
	struct access a = { 0 };

	if (sigsetjmp(bus_jb, 1)) {
		struct access b = { .sigbus = 1, .code = bus_code, .lsb = bus_lsb,
				    .addr = (uintptr_t)bus_addr };
		return b;
	}
	bus_armed = 1;
	a.val = *(const volatile uint64_t *)p;
	bus_armed = 0;
	return a;
}

/* Whole-block zero check with SIGBUS caught: 1 zero, 0 not, -1 SIGBUS. */
static int try_all_zero(const void *p, size_t len)
{
	volatile int r = -1;

	if (sigsetjmp(bus_jb, 1))
		return -1;
	bus_armed = 1;
	r = xt_all_zero(p, len);
	bus_armed = 0;
	return r;
}

static const char *bus_code_name(int code)
{
	switch (code) {
	case BUS_ADRALN:
		return "BUS_ADRALN";
	case BUS_ADRERR:
		return "BUS_ADRERR";
	case BUS_OBJERR:
		return "BUS_OBJERR";
	case BUS_MCEERR_AR:
		return "BUS_MCEERR_AR";
	case BUS_MCEERR_AO:
		return "BUS_MCEERR_AO";
	}
	return "?";
}

/* An access to a poisoned block must have raised SIGBUS with BUS_MCEERR_AR or _AO. */
static void expect_mce(const struct access *a, const char *who)
{
	if (!a->sigbus) {
		xt_fail("%s: read %#llx without SIGBUS: the poisoned block is mapped and readable",
			who, (unsigned long long)a->val);
		return;
	}
	if (a->code != BUS_MCEERR_AR && a->code != BUS_MCEERR_AO) {
		xt_fail("%s: SIGBUS with si_code %d (%s), expected BUS_MCEERR_AR or BUS_MCEERR_AO",
			who, a->code, bus_code_name(a->code));
		return;
	}
	xt_note("%s: SIGBUS %s addr %#lx lsb %d", who, bus_code_name(a->code),
		(unsigned long)a->addr, a->lsb);
}

/* --- device helpers -------------------------------------------------------------- */

static const char *state_name(uint32_t s)
{
	static const char *n[] = { "FREE", "IN_USE", "AWAITING_RECLAIM", "HOLE", "POISONED" };

	return s < 5 ? n[s] : "?";
}

static struct xdax_query query_block(uint64_t b)
{
	struct xdax_query q = { .size = sizeof(q), .flags = XDAX_QUERY_BLOCK, .block = b };

	if (ioctl(fd, XDAX_IOC_QUERY, &q))
		xt_die("XDAX_IOC_QUERY block %llu: %s", (unsigned long long)b, strerror(errno));
	return q;
}

static int xallocate(uint64_t off, uint64_t len, uint64_t *allocated)
{
	struct xdax_allocate a = { .size = sizeof(a), .offset = off, .length = len };
	int r = ioctl(fd, XDAX_IOC_ALLOCATE, &a) ? -errno : 0;

	if (allocated)
		*allocated = r ? 0 : a.allocated;
	return r;
}

static void *map_at(int mfd, uint64_t off, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, off);

	if (p == MAP_FAILED)
		xt_die("mmap %#zx bytes at offset %#llx: %s", len, (unsigned long long)off,
		       strerror(errno));
	return p;
}

/* Size back at the capacity with nothing allocated (what an earlier case left is freed). */
static void start_clean(void)
{
	struct xdax_stats s = xt_stats(fd);

	if (s.file_size == cap && !s.in_use && !s.awaiting_reclaim)
		return;
	xt_note("state left by an earlier run: size %#llx in use %llu awaiting %llu; cleaning",
		(unsigned long long)s.file_size, (unsigned long long)s.in_use,
		(unsigned long long)s.awaiting_reclaim);
	xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_set_size(fd, cap, 0, 0, NULL);
	s = xt_stats(fd);
	if (s.file_size != cap || s.in_use || s.awaiting_reclaim)
		xt_die("cannot start from a clean device: size %#llx in use %llu awaiting %llu",
		       (unsigned long long)s.file_size, (unsigned long long)s.in_use,
		       (unsigned long long)s.awaiting_reclaim);
}

static void setup(void)
{
	fd = xt_open(xt_dev);
	info = xt_info(fd);
	cap = info.capacity;
	if (info.align != BLK)
		xt_die("align %#llx, this test knows 2 MiB blocks", (unsigned long long)info.align);
	total = cap / BLK;
	if (total < 64)
		xt_die("capacity %#llx: this test needs at least 64 blocks", (unsigned long long)cap);
	install_sigbus();
	start_clean();
}

/* Audit, free everything the case left, size back at the capacity. */
static void finish(const char *what)
{
	struct xdax_stats s;
	int r;

	xt_conserved(fd, what);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "%s: cleanup truncate to 0: %s", what, strerror(-r));
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "%s: grow back to the capacity: %s", what, strerror(-r));
	s = xt_stats(fd);
	xt_expect(s.file_size == cap && !s.in_use && !s.awaiting_reclaim &&
		  s.free + s.poisoned == s.total,
		  "%s: after cleanup: size %#llx in use %llu awaiting %llu free %llu poisoned %llu total %llu",
		  what, (unsigned long long)s.file_size, (unsigned long long)s.in_use,
		  (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.free,
		  (unsigned long long)s.poisoned, (unsigned long long)s.total);
	xt_conserved(fd, "after cleanup");
	xt_note("figure: %s: stats after: poisoned %llu memory_failures %llu free %llu total %llu",
		what, (unsigned long long)s.poisoned, (unsigned long long)s.memory_failures,
		(unsigned long long)s.free, (unsigned long long)s.total);
}

static uint64_t phys_start(void);
static int corrupt_pfn(uint64_t pfn);

/*
 * A memory failure on the 4 KiB page at addr, which the caller has mapped from file offset
 * off: MADV_HWPOISON, or, on a kernel built without madvise(2) (the debug kernel's
 * tinyconfig has no CONFIG_ADVISE_SYSCALLS: ENOSYS), hwpoison-inject's corrupt-pfn on the
 * page's pfn: the same memory_failure() with the caller as the current task.
 */
static void poison_mapped(void *addr, uint64_t off, const char *who)
{
	int before = bus_async;
	const char *how = "MADV_HWPOISON";

	if (geteuid())
		xt_skip("MADV_HWPOISON needs root (CAP_SYS_ADMIN)");
	if (madvise(addr, PG, MADV_HWPOISON)) {
		int e = errno, r;
		uint64_t pfn;

		if (e == EINVAL && access(MF_SYSCTL, F_OK))
			xt_skip("kernel without CONFIG_MEMORY_FAILURE: MADV_HWPOISON fails EINVAL (no %s)",
				MF_SYSCTL);
		if (e == EPERM)
			xt_skip("MADV_HWPOISON: EPERM (needs CAP_SYS_ADMIN)");
		if (e != ENOSYS)
			xt_die("%s: MADV_HWPOISON at %p: %s", who, addr, strerror(e));
		if (access(CORRUPT_PFN, W_OK))
			xt_skip("no madvise(2) in this kernel (ENOSYS: CONFIG_ADVISE_SYSCALLS off) and no %s",
				CORRUPT_PFN);
		pfn = (phys_start() + xt_query(fd, off & ~(BLK - 1)).block * BLK + (off & (BLK - 1))) / PG;
		r = corrupt_pfn(pfn);
		how = "corrupt-pfn (madvise(2): ENOSYS)";
		xt_note("%s: no madvise(2) in this kernel: corrupt-pfn %#llx: %s", who,
			(unsigned long long)pfn, r ? strerror(-r) : "ok");
	}
	if (bus_async != before)
		xt_note("%s: SIGBUS during %s: %s addr %p", who, how, bus_code_name(bus_async_code),
			bus_async_addr);
	else
		xt_note("%s: no SIGBUS during %s", who, how);
}

static uint64_t read_u64_file(const char *path)
{
	char buf[64] = "";
	uint64_t v;
	char *end;
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;

	if (f >= 0)
		close(f);
	if (n <= 0)
		xt_die("read %s: %s", path, n < 0 ? strerror(errno) : "empty");
	buf[n] = 0;
	v = strtoull(buf, &end, 0);
	if (end == buf)
		xt_die("%s: not a number: %s", path, buf);
	return v;
}

/* The range's physical start from sysfs `resource` (checked against XDAX_IOC_INFO). */
static uint64_t phys_start(void)
{
	char path[128];
	uint64_t p;

	snprintf(path, sizeof(path), "/sys/class/xdax/xdax%u/resource", info.id);
	p = read_u64_file(path);
	xt_expect(p == info.phys_start, "sysfs resource %#llx != XDAX_IOC_INFO phys_start %#llx",
		  (unsigned long long)p, (unsigned long long)info.phys_start);
	return p;
}

static void need_corrupt_pfn(void)
{
	if (geteuid())
		xt_skip("hwpoison-inject needs root (CAP_SYS_ADMIN)");
	if (access(CORRUPT_PFN, W_OK))
		xt_skip("no %s: hwpoison_inject not loaded (kernel without CONFIG_HWPOISON_INJECT?) or debugfs not mounted",
			CORRUPT_PFN);
}

/* Write a pfn to hwpoison-inject's corrupt-pfn: 0 or -errno of the kernel's memory_failure(). */
static int corrupt_pfn(uint64_t pfn)
{
	char buf[32];
	int f = open(CORRUPT_PFN, O_WRONLY | O_CLOEXEC), r = 0;
	int n = snprintf(buf, sizeof(buf), "%#llx\n", (unsigned long long)pfn);

	if (f < 0)
		xt_die("open %s: %s", CORRUPT_PFN, strerror(errno));
	if (write(f, buf, n) != n)
		r = -errno;
	close(f);
	return r;
}

/*
 * Every block in bad[] (hit by a memory failure, and since punched) must be POISONED and
 * never handed out again: with P poisoned blocks, ALLOCATE of the whole capacity is ENOSPC
 * (and allocates nothing), ALLOCATE of total - P blocks succeeds, no offset is backed by a
 * poisoned block, and one block more is ENOSPC.  The file is emptied again at the end.
 */
static void check_never_handed_out(const uint64_t *bad, int nbad, const char *what)
{
	uint8_t *pois = calloc(total, 1);
	uint64_t i, npois = 0, nquery = 0, avail, got = 0, scan, reused = 0;
	struct xdax_stats s = xt_stats(fd);
	struct xdax_query q;
	int r, j;

	if (!pois)
		xt_die("calloc");
	xt_expect(!s.in_use && !s.awaiting_reclaim, "%s: blocks still allocated before the check: in use %llu awaiting %llu",
		  what, (unsigned long long)s.in_use, (unsigned long long)s.awaiting_reclaim);
	for (i = 0; i < total; i++) {
		q = query_block(i);
		if (q.state == XDAX_BLOCK_POISONED) {
			pois[i] = 1;
			nquery++;
		}
	}
	xt_expect(s.poisoned == nquery, "%s: stats.poisoned %llu, but QUERY finds %llu POISONED blocks",
		  what, (unsigned long long)s.poisoned, (unsigned long long)nquery);
	npois = nquery;
	for (j = 0; j < nbad; j++) {
		q = query_block(bad[j]);
		if (q.state != XDAX_BLOCK_POISONED)
			xt_fail("%s: block %llu was hit by a memory failure and punched, but is %s (refcount %d), not POISONED",
				what, (unsigned long long)bad[j], state_name(q.state), q.refcount);
		if (!pois[bad[j]]) {
			pois[bad[j]] = 1;
			npois++;
		}
	}
	avail = total - npois;
	r = xallocate(0, cap, &got);
	if (!r) {
		xt_fail("%s: ALLOCATE of the whole capacity (%llu blocks, %llu of them hit by memory failures) succeeded: poisoned blocks were handed out again",
			what, (unsigned long long)total, (unsigned long long)npois);
		scan = total;
	} else {
		xt_expect(r == -ENOSPC, "%s: ALLOCATE of the whole capacity: %s, expected ENOSPC",
			  what, strerror(-r));
		s = xt_stats(fd);
		xt_expect(!s.in_use, "%s: a refused ALLOCATE left %llu blocks allocated", what,
			  (unsigned long long)s.in_use);
		r = xallocate(0, avail * BLK, &got);
		xt_expect(!r && got == avail,
			  "%s: ALLOCATE of the %llu blocks not poisoned: %s, %llu allocated", what,
			  (unsigned long long)avail, r ? strerror(-r) : "ok", (unsigned long long)got);
		scan = r ? 0 : avail;
		if (!r && avail < total) {
			r = xallocate(avail * BLK, BLK, NULL);
			xt_expect(r == -ENOSPC, "%s: ALLOCATE of one block more than the %llu not poisoned: %s, expected ENOSPC",
				  what, (unsigned long long)avail, r ? strerror(-r) : "succeeded");
		}
	}
	for (i = 0; i < scan; i++) {
		q = xt_query(fd, i * BLK);
		if (q.state != XDAX_BLOCK_IN_USE) {
			xt_fail("%s: offset %#llx is %s after ALLOCATE", what,
				(unsigned long long)(i * BLK), state_name(q.state));
		} else if (q.block < total && pois[q.block]) {
			if (++reused <= 4)
				xt_fail("%s: offset %#llx is backed by block %llu, which a memory failure hit: handed out again",
					what, (unsigned long long)(i * BLK), (unsigned long long)q.block);
		}
	}
	if (reused > 4)
		xt_fail("%s: %llu offsets in all are backed by poisoned blocks", what,
			(unsigned long long)reused);
	s = xt_stats(fd);
	xt_expect(!s.free, "%s: %llu blocks free after allocating everything", what,
		  (unsigned long long)s.free);
	xt_note("figure: %s: %llu blocks, %llu poisoned, %llu allocated, %llu reused", what,
		(unsigned long long)total, (unsigned long long)npois, (unsigned long long)scan,
		(unsigned long long)reused);
	xt_conserved(fd, what);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "%s: truncate to 0: %s", what, strerror(-r));
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "%s: grow back: %s", what, strerror(-r));
	free(pois);
}

/* After the punch (or truncate) of a poisoned block at off: POISONED, counted, a hole, and
 * a refault there gets a different, zeroed block. */
static void check_after_removal(uint64_t off, uint64_t blk, const struct xdax_stats *s0,
				const char *what)
{
	struct xdax_stats s = xt_stats(fd);
	struct xdax_query q = query_block(blk);
	struct access a;
	char *m;
	int z;

	xt_expect(q.state == XDAX_BLOCK_POISONED,
		  "%s: block %llu is %s (refcount %d) after the removal, expected POISONED",
		  what, (unsigned long long)blk, state_name(q.state), q.refcount);
	q = xt_query(fd, off);
	xt_expect(q.state == XDAX_BLOCK_HOLE, "%s: offset %#llx is %s (block %llu), expected a hole",
		  what, (unsigned long long)off, state_name(q.state), (unsigned long long)q.block);
	xt_expect(s.poisoned == s0->poisoned + 1, "%s: stats.poisoned %llu, expected %llu",
		  what, (unsigned long long)s.poisoned, (unsigned long long)s0->poisoned + 1);
	xt_expect(s.memory_failures > s0->memory_failures,
		  "%s: stats.memory_failures %llu, did not count the report (was %llu)", what,
		  (unsigned long long)s.memory_failures, (unsigned long long)s0->memory_failures);
	xt_expect(s.free + 1 == s0->free, "%s: stats.free %llu, expected %llu (one block out of service)",
		  what, (unsigned long long)s.free, (unsigned long long)s0->free - 1);
	/* Refault: a fresh zeroed block, readable. */
	m = map_at(fd, off, BLK);
	a = try_read(m);
	if (a.sigbus) {
		xt_fail("%s: refault at %#llx after the removal: SIGBUS %s", what,
			(unsigned long long)off, bus_code_name(a.code));
	} else {
		z = try_all_zero(m, BLK);
		xt_expect(z == 1, "%s: the block refaulted at %#llx is %s", what,
			  (unsigned long long)off, z < 0 ? "not readable (SIGBUS)" : "not zeroed");
		q = xt_query(fd, off);
		xt_expect(q.state == XDAX_BLOCK_IN_USE && q.block != blk,
			  "%s: refault at %#llx is backed by block %llu (%s), the poisoned one was %llu",
			  what, (unsigned long long)off, (unsigned long long)q.block,
			  state_name(q.state), (unsigned long long)blk);
	}
	munmap(m, BLK);
}

/* --- madvise-mapped ---------------------------------------------------------------- */

#define MM_OFF		(8 * BLK)
#define MM_B_OFF	(64UL << 10)	/* B maps block bytes [64 KiB, 64 KiB + 1 MiB) */
#define MM_B_LEN	(1UL << 20)
#define MM_P		20		/* the page poisoned, in both mappings */
#define MM_Q		200		/* another page B reads */
#define MM_R		300		/* another page A reads (outside B's mapping) */

struct b_report {
	struct access pre_p, pre_q;	/* before the poison: pattern, PTEs established */
	struct access p, q;		/* after it */
	int async;
	int async_code;
};

static void child_b(int in, int out)
{
	int bfd = xt_open(xt_dev);
	struct b_report r = { 0 };
	char *m, c = 'r';

	install_sigbus();
	m = map_at(bfd, MM_OFF + MM_B_OFF, MM_B_LEN);
	r.pre_p = try_read(m + MM_P * PG - MM_B_OFF);
	r.pre_q = try_read(m + MM_Q * PG - MM_B_OFF);
	if (write(out, &c, 1) != 1 || read(in, &c, 1) != 1)
		_exit(3);	/* A went away */
	r.p = try_read(m + MM_P * PG - MM_B_OFF);
	r.q = try_read(m + MM_Q * PG - MM_B_OFF);
	r.async = bus_async;
	r.async_code = bus_async_code;
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	munmap(m, MM_B_LEN);
	close(bfd);
	_exit(0);
}

static void case_madvise_mapped(void)
{
	int to_b[2], from_b[2], status;
	struct xdax_stats s0, s1, s2;
	struct b_report br;
	struct xdax_query q;
	struct access a;
	uint64_t blk;
	char *m, c;
	pid_t pid;

	setup();
	s0 = xt_stats(fd);
	m = map_at(fd, MM_OFF, BLK);
	xt_expect(!((uintptr_t)m & (BLK - 1)), "setup: A's 2 MiB mapping at %p is not 2 MiB aligned", m);
	xt_fill(m, BLK, SEED);
	s1 = xt_stats(fd);
	xt_expect(s1.pmd_faults > s0.pmd_faults, "setup: A's mapping is not a PMD (pmd_faults %llu -> %llu)",
		  (unsigned long long)s0.pmd_faults, (unsigned long long)s1.pmd_faults);
	q = xt_query(fd, MM_OFF);
	blk = q.block;
	xt_note("figure: madvise-mapped: block %llu at offset %#llx, poisoned page %d",
		(unsigned long long)blk, (unsigned long long)MM_OFF, MM_P);

	if (pipe(to_b) || pipe(from_b))
		xt_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		xt_die("fork: %s", strerror(errno));
	if (!pid) {
		close(to_b[1]);
		close(from_b[0]);
		child_b(to_b[0], from_b[1]);
	}
	close(to_b[0]);
	close(from_b[1]);
	if (read(from_b[0], &c, 1) != 1)
		xt_die("B did not map the block");
	s2 = xt_stats(fd);
	xt_expect(s2.pte_faults > s1.pte_faults, "setup: B's mapping is not PTEs (pte_faults %llu -> %llu)",
		  (unsigned long long)s1.pte_faults, (unsigned long long)s2.pte_faults);

	poison_mapped(m + MM_P * PG, MM_OFF + MM_P * PG, "A");

	c = 'p';
	if (write(to_b[1], &c, 1) != 1 || read(from_b[0], &br, sizeof(br)) != sizeof(br))
		xt_die("no report from B");
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	xt_expect(WIFEXITED(status) && !WEXITSTATUS(status), "B ended with status %#x", status);
	xt_expect(!br.pre_p.sigbus && br.pre_p.val == (SEED ^ (MM_P * PG)) &&
		  !br.pre_q.sigbus && br.pre_q.val == (SEED ^ (MM_Q * PG)),
		  "setup: B did not read A's pattern before the poison");
	xt_note("B: %d asynchronous SIGBUS (last %s)", br.async, bus_code_name(br.async_code));
	expect_mce(&br.p, "B (PTE mapping), the poisoned page");
	expect_mce(&br.q, "B (PTE mapping), another page of the block");
	a = try_read(m + MM_R * PG);
	expect_mce(&a, "A (PMD mapping), another page of the block");
	a = try_read(m + MM_P * PG);
	expect_mce(&a, "A (PMD mapping), the poisoned page");

	q = xt_query(fd, MM_OFF);
	xt_expect(q.attrs & XDAX_ATTR_POISONED,
		  "QUERY %#llx while the block is in the file: attrs %#x, no XDAX_ATTR_POISONED (state %s, block %llu)",
		  (unsigned long long)MM_OFF, q.attrs, state_name(q.state), (unsigned long long)q.block);
	s1 = xt_stats(fd);
	xt_expect(s1.memory_failures > s0.memory_failures,
		  "stats.memory_failures %llu after the memory failure (was %llu)",
		  (unsigned long long)s1.memory_failures, (unsigned long long)s0.memory_failures);

	munmap(m, BLK);
	status = xt_punch(fd, MM_OFF, BLK, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!status, "punch of the poisoned block: %s", strerror(-status));
	check_after_removal(MM_OFF, blk, &s0, "madvise-mapped");
	finish("madvise-mapped");
}

/* --- never-reused ------------------------------------------------------------------ */

static void case_never_reused(void)
{
	const uint64_t off = 16 * BLK;
	struct xdax_stats s0, s;
	uint64_t blk;
	char *m;
	int r;

	setup();
	s0 = xt_stats(fd);
	m = map_at(fd, off, BLK);
	m[0] = 1;
	blk = xt_query(fd, off).block;
	poison_mapped(m + 5 * PG, off + 5 * PG, "never-reused");
	munmap(m, BLK);
	r = xt_punch(fd, off, BLK, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "punch of the poisoned block: %s", strerror(-r));
	s = xt_stats(fd);
	xt_expect(s.poisoned == s0.poisoned + 1, "stats.poisoned %llu after one poisoned block, expected %llu",
		  (unsigned long long)s.poisoned, (unsigned long long)s0.poisoned + 1);
	xt_note("figure: never-reused: poisoned block %llu", (unsigned long long)blk);
	check_never_handed_out(&blk, 1, "never-reused");
	finish("never-reused");
}

/* --- free-block-inject ------------------------------------------------------------- */

static void case_free_block_inject(void)
{
	struct xdax_stats s0, s;
	struct xdax_query q;
	uint64_t phys, blk, pfn;
	int r;

	need_corrupt_pfn();
	setup();
	phys = phys_start();
	for (blk = total - 1; blk > 0; blk--)
		if (query_block(blk).state == XDAX_BLOCK_FREE)
			break;
	q = query_block(blk);
	if (q.state != XDAX_BLOCK_FREE)
		xt_die("no free block to inject into");
	s0 = xt_stats(fd);
	pfn = (phys + blk * BLK) / PG;
	r = corrupt_pfn(pfn);
	xt_note("figure: free-block-inject: block %llu pfn %#llx: corrupt-pfn write %s",
		(unsigned long long)blk, (unsigned long long)pfn, r ? strerror(-r) : "ok");
	q = query_block(blk);
	s = xt_stats(fd);
	xt_expect(q.state == XDAX_BLOCK_POISONED,
		  "free block %llu after the memory failure: %s (refcount %d), expected POISONED at once",
		  (unsigned long long)blk, state_name(q.state), q.refcount);
	xt_expect(s.free + 1 == s0.free, "stats.free %llu after poisoning a free block, expected %llu",
		  (unsigned long long)s.free, (unsigned long long)s0.free - 1);
	xt_expect(s.poisoned == s0.poisoned + 1, "stats.poisoned %llu, expected %llu",
		  (unsigned long long)s.poisoned, (unsigned long long)s0.poisoned + 1);
	xt_expect(s.memory_failures > s0.memory_failures,
		  "stats.memory_failures %llu, did not count the report (was %llu)",
		  (unsigned long long)s.memory_failures, (unsigned long long)s0.memory_failures);
	xt_conserved(fd, "free-block-inject");
	check_never_handed_out(&blk, 1, "free-block-inject");
	finish("free-block-inject");
}

/* --- event ------------------------------------------------------------------------- */

struct poll_report {
	int ready_revents;	/* poll() revents (0: timed out) */
	int records;		/* records read */
	int got_poison;
	double waited_ms;
	struct xdax_event ev;	/* the POISON record */
};

/* Read records from pfd (poll first, up to ms) until a POISON one. */
static struct poll_report wait_poison(int pfd, int ms)
{
	struct poll_report r = { 0 };
	double t0 = xt_now_ms(), left;
	struct xdax_event ev;
	struct pollfd p;
	ssize_t n;

	for (;;) {
		left = ms - (xt_now_ms() - t0);
		p = (struct pollfd){ .fd = pfd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		r.ready_revents = p.revents;
		n = read(pfd, &ev, sizeof(ev));
		if (n != sizeof(ev))
			break;
		r.records++;
		if (ev.type == XDAX_EVENT_POISON) {
			r.got_poison = 1;
			r.ev = ev;
			break;
		}
	}
	r.waited_ms = xt_now_ms() - t0;
	return r;
}

static void check_poison_record(const struct poll_report *r, const char *who)
{
	if (!r->got_poison) {
		xt_fail("%s: no XDAX_EVENT_POISON record within %d ms of the memory failure (poll revents %#x, %d other records)",
			who, EVENT_WAIT_MS, r->ready_revents, r->records);
		return;
	}
	xt_expect(r->ev.size == sizeof(r->ev), "%s: POISON record size %u, expected %zu", who,
		  r->ev.size, sizeof(r->ev));
	xt_expect(r->ev.poisoned >= 1, "%s: POISON record with poisoned %llu", who,
		  (unsigned long long)r->ev.poisoned);
	xt_expect(r->ev.seq >= 1, "%s: POISON record with seq %llu", who,
		  (unsigned long long)r->ev.seq);
	xt_note("%s: POISON record after %.0f ms: seq %llu poisoned %llu free %llu awaiting %llu",
		who, r->waited_ms, (unsigned long long)r->ev.seq, (unsigned long long)r->ev.poisoned,
		(unsigned long long)r->ev.free, (unsigned long long)r->ev.awaiting_reclaim);
}

static void case_event(void)
{
	const uint64_t off = 24 * BLK;
	int sync[2], rep[2], status, pfd;
	struct poll_report pr, ar;
	struct xdax_event ev;
	struct xdax_stats s0;
	uint64_t blk;
	char *m, c;
	pid_t pid;

	setup();
	if (pipe(sync) || pipe(rep))
		xt_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		xt_die("fork: %s", strerror(errno));
	if (!pid) {
		/* The poller: its own open file, drained of older records, then poll + read. */
		close(sync[0]);
		close(rep[0]);
		pfd = open(xt_dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (pfd < 0)
			_exit(3);
		while (read(pfd, &ev, sizeof(ev)) == sizeof(ev))
			;
		c = 'r';
		if (write(sync[1], &c, 1) != 1)
			_exit(3);
		pr = wait_poison(pfd, EVENT_WAIT_MS);
		if (write(rep[1], &pr, sizeof(pr)) != sizeof(pr))
			_exit(3);
		_exit(0);
	}
	close(sync[1]);
	close(rep[1]);
	if (read(sync[0], &c, 1) != 1)
		xt_die("the poller did not start");
	/* This file was opened before the failure too: drain what it holds. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		xt_die("O_NONBLOCK: %s", strerror(errno));
	while (read(fd, &ev, sizeof(ev)) == sizeof(ev))
		;
	s0 = xt_stats(fd);
	m = map_at(fd, off, BLK);
	m[0] = 1;
	blk = xt_query(fd, off).block;
	poison_mapped(m + 7 * PG, off + 7 * PG, "event");
	if (read(rep[0], &pr, sizeof(pr)) != sizeof(pr))
		xt_die("no report from the poller");
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	check_poison_record(&pr, "poller (another open file)");
	ar = wait_poison(fd, EVENT_WAIT_MS);
	check_poison_record(&ar, "the injecting process's open file");
	if (fcntl(fd, F_SETFL, 0))
		xt_die("fcntl: %s", strerror(errno));
	/* "until the range is punched or truncated": this time a truncate takes it out. */
	munmap(m, BLK);
	status = xt_set_size(fd, off, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!status, "truncate to %#llx: %s", (unsigned long long)off, strerror(-status));
	status = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!status, "grow back: %s", strerror(-status));
	check_after_removal(off, blk, &s0, "event");
	finish("event");
}

/* --- inject-race ------------------------------------------------------------------- */

enum { R_IDLE, R_READY, R_FIRE };

struct race {
	atomic_int stop;
	atomic_int state;
	atomic_ullong block;
	atomic_ullong delay_ns;		/* how long after R_FIRE the faulter punches */
	atomic_ulong allocs, punches, enospc, errors;
	atomic_ulong helper_sigbus;
	atomic_int helpers_ready;
};

static struct race *rc;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 8;
}

#define RACE_OFF	(40 * BLK)
#define RACE_MIN_DELAY_NS 1000ULL
#define RACE_MAX_DELAY_NS 20000000ULL

/* Allocate the block at RACE_OFF, publish it, punch it delay_ns after the injector fires:
 * the block goes from in use (folio->mapping set) to free (cleared) under the kernel's
 * memory-failure walk. */
static void race_faulter(void)
{
	struct xdax_query q;
	uint64_t t, d;
	int r;

	while (!atomic_load(&rc->stop)) {
		r = xallocate(RACE_OFF, BLK, NULL);
		if (r == -ENOSPC) {
			atomic_fetch_add(&rc->enospc, 1);
			break;
		}
		if (r) {
			atomic_fetch_add(&rc->errors, 1);
			xt_fail("faulter: ALLOCATE: %s", strerror(-r));
			break;
		}
		atomic_fetch_add(&rc->allocs, 1);
		q = xt_query(fd, RACE_OFF);
		atomic_store(&rc->block, q.block);
		atomic_store(&rc->state, R_READY);
		t = now_ns();
		while (atomic_load(&rc->state) != R_FIRE && !atomic_load(&rc->stop)) {
			if (now_ns() - t > 2000000000ULL)
				break;
			sched_yield();
		}
		d = atomic_load(&rc->delay_ns);
		t = now_ns();
		while (now_ns() - t < d)
			;
		r = xt_punch(fd, RACE_OFF, BLK, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
		if (r) {
			atomic_fetch_add(&rc->errors, 1);
			xt_fail("faulter: PUNCH: %s", strerror(-r));
			break;
		}
		atomic_fetch_add(&rc->punches, 1);
		atomic_store(&rc->state, R_IDLE);
	}
	atomic_store(&rc->state, R_IDLE);
}

static void on_helper_sigbus(int sig)
{
	(void)sig;
	atomic_fetch_add(&rc->helper_sigbus, 1);
}

/* An early-kill process with the racing offset mapped (never touched): the kernel's
 * memory-failure walk looks at its VMA each time, which widens the window. */
static void race_helper(void)
{
	struct sigaction sa = { .sa_handler = on_helper_sigbus };
	int hfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);	/* never outlive the case: rmmod */
	hfd = xt_open(xt_dev);
	sigaction(SIGBUS, &sa, NULL);
	prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0);
	map_at(hfd, RACE_OFF, BLK);
	atomic_fetch_add(&rc->helpers_ready, 1);
	for (;;)
		pause();
}

static void case_inject_race(void)
{
	const char *e1 = getenv("XDAX_POISON_SECONDS"), *e2 = getenv("XDAX_POISON_INJECTIONS");
	unsigned int secs = e1 ? atoi(e1) : 6, max = e2 ? atoi(e2) : 48, seed = 777;
	pid_t helpers[RACE_HELPERS], faulter;
	uint64_t *hit, phys, b, pfn, t_end, t;
	unsigned int n = 0, nok = 0, nbusy = 0, nother = 0, nhit = 0, i, j;
	uint64_t center = 100000, dmin = ~0ULL, dmax = 0, d;
	struct xdax_stats s0, s;
	int status, r, other_errno = 0;

	need_corrupt_pfn();
	setup();
	phys = phys_start();
	if (max > total / 4)
		max = total / 4;
	hit = calloc(max, sizeof(*hit));
	rc = mmap(NULL, sizeof(*rc), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!hit || rc == MAP_FAILED)
		xt_die("memory");
	memset(rc, 0, sizeof(*rc));
	s0 = xt_stats(fd);
	for (i = 0; i < RACE_HELPERS; i++) {
		helpers[i] = fork();
		if (helpers[i] < 0)
			xt_die("fork: %s", strerror(errno));
		if (!helpers[i])
			race_helper();
	}
	t = now_ns();
	while (atomic_load(&rc->helpers_ready) < RACE_HELPERS && now_ns() - t < 10000000000ULL)
		usleep(1000);
	map_at(fd, RACE_OFF, BLK);	/* the injector's own VMA, never touched */
	faulter = fork();
	if (faulter < 0)
		xt_die("fork: %s", strerror(errno));
	if (!faulter) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		race_faulter();
		_exit(xt_failures ? 1 : 0);
	}

	t_end = now_ns() + (uint64_t)secs * 1000000000ULL;
	while (n < max && now_ns() < t_end) {
		t = now_ns();
		while (atomic_load(&rc->state) != R_READY && now_ns() - t < 2000000000ULL)
			sched_yield();
		if (atomic_load(&rc->state) != R_READY) {
			xt_fail("the faulter stopped publishing blocks (allocs %lu enospc %lu errors %lu)",
				atomic_load(&rc->allocs), atomic_load(&rc->enospc),
				atomic_load(&rc->errors));
			break;
		}
		b = atomic_load(&rc->block);
		pfn = (phys + b * BLK) / PG + rnd(&seed) % BLOCK_PAGES;
		/* A delay around the current centre, 0.5x to 1.5x. */
		d = center / 2 + (uint64_t)(rnd(&seed) % 1000) * center / 1000;
		dmin = d < dmin ? d : dmin;
		dmax = d > dmax ? d : dmax;
		atomic_store(&rc->delay_ns, d);
		atomic_store(&rc->state, R_FIRE);
		r = corrupt_pfn(pfn);
		n++;
		/*
		 * Steer the punch into the kernel's walk: on today's module EBUSY means the block
		 * was already free when memory_failure() looked (punched too early: wait longer),
		 * success that it was in use all along (punched too late: sooner).  Whatever a
		 * module answers, the delays keep sweeping a range.
		 */
		if (r == -EBUSY)
			center = center * 3 / 2 + 10000;
		else
			center = center * 2 / 3;
		center = center < RACE_MIN_DELAY_NS ? RACE_MIN_DELAY_NS :
			 center > RACE_MAX_DELAY_NS ? RACE_MAX_DELAY_NS : center;
		if (!r) {
			nok++;
		} else if (r == -EBUSY) {
			nbusy++;
		} else {
			nother++;
			other_errno = -r;
		}
		for (j = 0; j < nhit && hit[j] != b; j++)
			;
		if (j == nhit)
			hit[nhit++] = b;
	}
	atomic_store(&rc->stop, 1);
	while (waitpid(faulter, &status, 0) < 0 && errno == EINTR)
		;
	xt_expect(WIFEXITED(status) && !WEXITSTATUS(status), "the faulter ended with status %#x",
		  status);
	for (i = 0; i < RACE_HELPERS; i++) {
		kill(helpers[i], SIGKILL);
		waitpid(helpers[i], NULL, 0);
	}
	xt_note("figure: inject-race: %u s, %u injections into %u distinct blocks (ok %u, EBUSY %u, other %u%s%s), punch %llu..%llu us after the injector fires, %lu allocs, %lu punches, %d early-kill mappers (%lu SIGBUS), injector SIGBUS %d",
		secs, n, nhit, nok, nbusy, nother, nother ? " last " : "",
		nother ? strerror(other_errno) : "", (unsigned long long)(n ? dmin / 1000 : 0),
		(unsigned long long)dmax / 1000, atomic_load(&rc->allocs),
		atomic_load(&rc->punches), RACE_HELPERS, atomic_load(&rc->helper_sigbus),
		(int)bus_async);
	xt_expect(n > 0, "no injection happened");
	/* The faulter ends with a punch; make sure the offset is empty either way. */
	xt_punch(fd, RACE_OFF, BLK, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	s = xt_stats(fd);
	xt_expect(s.memory_failures > s0.memory_failures,
		  "stats.memory_failures %llu after %u injections (was %llu)",
		  (unsigned long long)s.memory_failures, n, (unsigned long long)s0.memory_failures);
	xt_conserved(fd, "inject-race");
	check_never_handed_out(hit, nhit, "inject-race");
	finish("inject-race");
}

static const struct xt_case cases[] = {
	{ "madvise-mapped", case_madvise_mapped,
	  "MADV_HWPOISON by a PMD mapper: every mapper (PMD and PTE) gets BUS_MCEERR_* on access; POISONED after the punch" },
	{ "never-reused", case_never_reused,
	  "a poisoned, punched block is never allocated again (ENOSPC at capacity minus poisoned)" },
	{ "free-block-inject", case_free_block_inject,
	  "hwpoison-inject on a free block: POISONED at once, stats.free drops, never handed out" },
	{ "event", case_event, "pollers get an XDAX_EVENT_POISON record" },
	{ "inject-race", case_inject_race,
	  "hwpoison-inject on blocks being allocated and punched: all end POISONED, none reused, no oops" },
	{ 0 },
};

int main(int argc, char **argv)
{
	return xt_run(argc, argv, cases);
}
