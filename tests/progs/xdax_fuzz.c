// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_fuzz DEV [fuzz] [--calls N] [--seed S]: random ioctls on a device with live
 * mappings (issue "Protocol v2", section 5).
 *
 * Set-up: PMD-mapped blocks (a 4-block mapping), PTE-mapped ones (a 1 MiB mapping and the
 * tail of a 3 MiB one), a PROT_READ mapping through an O_RDONLY open, pages pinned with
 * XDAX_IOC_PIN and pages vmspliced into a pipe, and a thread touching all of them.  Then N
 * ioctls (default 100000) with command numbers in and beside xdax's magic (nr 0..15, any
 * direction and size bits, a few other magics), struct sizes 0, 1, 7, 8, the real one,
 * 4096, 4097, huge and random, random or plausible contents, and argument pointers that
 * are valid, NULL, unaligned, running off the end of a page into an inaccessible one,
 * inaccessible, unmapped (low addresses), read-only, into kernel space or into the xdax
 * mapping itself; 30% of the calls are well-formed (right command, size and flags,
 * plausible offsets and live mapping ranges) so that truncates, punches, allocations and
 * pins really happen.  A timer signal (SIGUSR1,
 * no SA_RESTART) every 10 ms bounds every wait (EINTR); a call still running 20 s later
 * counts as a hang and fails the run.
 *
 * Every return must be 0 or an errno that call can give (per _IOC_NR; ENOTTY only for an
 * unknown number, another magic, or a direction other than the command's own); the
 * histogram is printed as "# figure: fuzz ..." lines.  Then: close everything (pins go with
 * the file, the pipe's pages with the pipe), and a blocking SET_SIZE 0 with a timeout must
 * leave every block free, the audit clean and the blocks conserved.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "xdax_test.h"

#define SEC_NS		1000000000ULL
#define HANG_SECONDS	20
#define TICK_MS		10
#define MAX_PINS	256
#define NR_SLOTS	17	/* nr 0..15 of xdax's magic, then "other magic" */

static uint64_t calls = 100000, seed;
static int fd, rofd, pfd[2];
static uint64_t cap, blk;
static char *map_a, *map_b, *map_c, *map_r;	/* PMD, PTE, mixed, read-only */
static size_t len_a, len_b, len_c, len_r;
static char *argpage;		/* 4 KiB, then an inaccessible page */
static char *ropage;		/* PROT_READ, random contents */
static char *good;		/* 4 KiB + room for unaligned structs */
static atomic_int stop;
static uint64_t pins[MAX_PINS];	/* ids of the pins this program knows it holds */
static int nr_pins;

/* --- randomness ---------------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

/* --- the commands -------------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned long cmd;
	size_t size;
	int errs[12];		/* besides EFAULT, EINVAL, E2BIG; 0-terminated */
} xcmd[9] = {
	{ "INFO", XDAX_IOC_INFO, sizeof(struct xdax_info), { 0 } },
	{ "SET_SIZE", XDAX_IOC_SET_SIZE, sizeof(struct xdax_set_size),
	  { EFBIG, EOVERFLOW, EINTR, ETIMEDOUT, EBADF, 0 } },
	{ "PUNCH", XDAX_IOC_PUNCH, sizeof(struct xdax_punch),
	  { EFBIG, EOVERFLOW, EINTR, ETIMEDOUT, EBADF, 0 } },
	{ "ALLOCATE", XDAX_IOC_ALLOCATE, sizeof(struct xdax_allocate),
	  { EFBIG, EOVERFLOW, ENOSPC, ENOMEM, EINTR, EBADF, 0 } },
	{ "PIN", XDAX_IOC_PIN, sizeof(struct xdax_pin),
	  { EOVERFLOW, ENOMEM, EINTR, EBADF, 0 } },
	{ "UNPIN", XDAX_IOC_UNPIN, sizeof(struct xdax_unpin), { ENOENT, 0 } },
	{ "STATS", XDAX_IOC_STATS, sizeof(struct xdax_stats), { 0 } },
	{ "AUDIT", XDAX_IOC_AUDIT, sizeof(struct xdax_audit), { EBADF, 0 } },
	{ "QUERY", XDAX_IOC_QUERY, sizeof(struct xdax_query), { EFBIG, 0 } },
};

/* Magics beside xdax's that no VFS-level ioctl (FIOCLEX, FIFREEZE, FICLONE...) uses. */
static const unsigned int other_magic[] = { 0xDB, 0xD9, 0x01, 0xFF, 0x7A };

static const char *slot_name(int slot)
{
	static char buf[16];

	if (slot < 9)
		return xcmd[slot].name;
	if (slot == 16)
		return "other-magic";
	snprintf(buf, sizeof(buf), "nr%d", slot);
	return buf;
}

/* Is -1/err a plausible answer to cmd? */
static int plausible(unsigned long cmd, int err)
{
	unsigned int nr = _IOC_NR(cmd);
	int i;

	if (_IOC_TYPE(cmd) != XDAX_IOC_MAGIC || nr > 8)
		return err == ENOTTY;
	if (err == ENOTTY)	/* the direction bits of another command */
		return _IOC_DIR(cmd) != _IOC_DIR(xcmd[nr].cmd);
	if (err == EFAULT || err == EINVAL || err == E2BIG)
		return 1;
	for (i = 0; xcmd[nr].errs[i]; i++)
		if (xcmd[nr].errs[i] == err)
			return 1;
	return 0;
}

/* --- the histogram -------------------------------------------------------------------- */

#define NR_ERRNO	160
static unsigned long hist[NR_SLOTS][NR_ERRNO + 1];	/* [slot][0] = successes */
static unsigned long implausible;
static unsigned long bad_hist[NR_SLOTS][NR_ERRNO + 2];	/* [NR_ERRNO + 1]: not 0 or -1 */

/* --- arguments ------------------------------------------------------------------------ */

static uint64_t pool_u64(void)
{
	switch (rnd(14)) {
	case 0: return 0;
	case 1: return blk * rnd(8);				/* small aligned offsets */
	case 2: return blk * (1 + rnd(4));			/* small aligned lengths */
	case 3: return cap - blk * rnd(3);
	case 4: return cap + blk * rnd(3);
	case 5: return ~0ULL - rnd(4) * 4096;
	case 6: return 1ULL << (30 + rnd(34));
	case 7: return (uintptr_t)map_a + 4096 * rnd(len_a / 4096);	/* addresses */
	case 8: return (uintptr_t)map_b + 4096 * rnd(len_b / 4096);
	case 9: return rnd(2) ? (uintptr_t)map_c + 4096 * rnd(len_c / 4096) :
				(uintptr_t)map_r + 4096 * rnd(len_r / 4096);
	case 10: return 4096ULL * (1 + rnd(1024));		/* page lengths */
	case 11: return 1 + rnd(8);				/* ids, block numbers */
	case 12: return rnd(2) ? rnd(SEC_NS / 10) : rnd64();	/* short timeouts, anything */
	default: return rnd64();
	}
}

static uint32_t pool_size(size_t real)
{
	static const uint32_t s[] = { 0, 1, 7, 8, 12, 16, 24, 64, 4096, 4097, 1 << 20,
				      0xffffffff };

	switch (rnd(4)) {
	case 0:
	case 1: return real;
	case 2: return s[rnd(sizeof(s) / sizeof(s[0]))];
	default: return rnd(2) ? real + 8 * (rnd(5) - 2) : rnd64();
	}
}

static uint32_t pool_flags(void)
{
	switch (rnd(4)) {
	case 0: return 0;
	case 1:
	case 2: return rnd(8);
	default: return rnd64();
	}
}

/* Fill the `room` bytes at buf with (the start of) an argument struct of real size `real`. */
static void make_struct(unsigned char *buf, size_t room, size_t real)
{
	unsigned char tmp[4096] = { 0 };
	uint32_t h[2];
	uint64_t w;
	size_t i;

	if (!rnd(10)) {			/* random bytes */
		for (i = 0; i < room; i++)
			buf[i] = rnd64();
		return;
	}
	h[0] = pool_size(real);
	h[1] = pool_flags();
	memcpy(tmp, h, 8);
	for (i = 8; i + 8 <= real + 16 && i + 8 <= sizeof(tmp); i += 8) {
		/* Inputs from the pool, mostly; the tail past the struct mostly zero. */
		w = i >= real ? (rnd(4) ? 0 : rnd64()) : (rnd(5) ? pool_u64() : 0);
		memcpy(tmp + i, &w, 8);
	}
	memcpy(buf, tmp, room < sizeof(tmp) ? room : sizeof(tmp));
}

static uint32_t wait_flags(__u64 *timeout)
{
	switch (rnd(5)) {
	case 0: return 0;		/* blocking: the timer signal ends it */
	case 1: *timeout = rnd(20 * 1000000);
		return XDAX_WAIT_TIMEOUT;
	default: return XDAX_WAIT_NOWAIT;
	}
}

/* A page range inside one of the live mappings. */
static void pin_range(__u64 *addr, __u64 *len)
{
	char *m[] = { map_a, map_b, map_c, map_r };
	size_t l[] = { len_a, len_b, len_c, len_r }, i = rnd(4), first, n;

	first = rnd(l[i] / 4096);
	n = 1 + rnd(rnd(8) ? 64 : l[i] / 4096);
	if (first + n > l[i] / 4096)
		n = l[i] / 4096 - first;
	*addr = (uintptr_t)m[i] + first * 4096;
	*len = n * 4096;
}

/* A well-formed argument for xdax command nr (the calls that reach the protocol). */
static void make_wellformed(unsigned int nr, unsigned char *buf)
{
	uint64_t nb = cap / blk;

	memset(buf, 0, 4096);
	*(uint32_t *)buf = xcmd[nr].size;
	switch (nr) {
	case 1: {
		struct xdax_set_size *a = (void *)buf;

		a->flags = wait_flags(&a->timeout_ns);
		a->new_size = blk * (rnd(2) ? nb - rnd(4) : rnd(nb + 1));
		break;
	}
	case 2: {
		struct xdax_punch *a = (void *)buf;

		a->flags = wait_flags(&a->timeout_ns);
		a->offset = blk * rnd(12);
		a->length = blk * (1 + rnd(4));
		break;
	}
	case 3: {
		struct xdax_allocate *a = (void *)buf;

		a->offset = blk * rnd(12);
		/* Now and then to the end: zeroing 2 MiB blocks is the slow part. */
		a->length = blk * (1 + rnd(rnd(64) ? 4 : nb - a->offset / blk));
		break;
	}
	case 4: {
		struct xdax_pin *a = (void *)buf;

		a->flags = rnd(3) ? 0 : XDAX_PIN_READONLY;
		pin_range(&a->addr, &a->length);
		break;
	}
	case 5:
		((struct xdax_unpin *)buf)->id = nr_pins && rnd(2) ? pins[rnd(nr_pins)] :
							 1 + rnd(64);
		break;
	case 8: {
		struct xdax_query *a = (void *)buf;

		if (rnd(2)) {
			a->flags = XDAX_QUERY_BLOCK;
			a->block = rnd(nb);
		} else {
			a->offset = rnd64() % cap;
		}
		break;
	}
	}
}

enum { P_GOOD, P_UNALIGNED, P_TAIL, P_NULL, P_UNMAPPED, P_RDONLY, P_KERNEL, P_XDAX,
       P_LOW, P_KINDS };

static void *make_arg(size_t real, int *kind)
{
	size_t k;

	switch ((*kind = rnd(2) ? P_GOOD : rnd(P_KINDS))) {
	case P_GOOD:
		make_struct((unsigned char *)good, 4096, real);
		return good;
	case P_UNALIGNED:
		k = 1 + rnd(7);
		make_struct((unsigned char *)good + k, 4096, real);
		return good + k;
	case P_TAIL:		/* runs off the page into the hole */
		k = rnd(real + 16) + 1;
		make_struct((unsigned char *)argpage + 4096 - k, k, real);
		return argpage + 4096 - k;
	case P_NULL:
		return NULL;
	case P_UNMAPPED:
		return argpage + 4096 + rnd(4096);
	case P_RDONLY:
		return ropage + 8 * rnd(8);
	case P_KERNEL:
		return (void *)(0xffff888000000000ULL + 4096 * rnd(1 << 20));
	case P_XDAX:		/* whatever the device holds there */
		return map_a + 8 * rnd(len_a / 8);
	default:
		return (void *)(uintptr_t)(4096 * rnd(16));
	}
}

static const char *const kind_name[P_KINDS] = { "good", "unaligned", "tail", "NULL",
	"unmapped", "read-only", "kernel", "xdax-mapping", "low" };

static unsigned long make_cmd(int *slot, size_t *real)
{
	unsigned int nr, dir = rnd(4), size;

	if (rnd(10) == 0) {		/* another magic */
		*slot = 16;
		*real = 64;
		return _IOC(dir, other_magic[rnd(sizeof(other_magic) / sizeof(other_magic[0]))],
			    rnd(256), rnd(_IOC_SIZEMASK + 1));
	}
	nr = rnd(16);
	*slot = nr;
	*real = nr < 9 ? xcmd[nr].size : 64;
	if (nr < 9 && rnd(2))		/* the command itself */
		return xcmd[nr].cmd;
	switch (rnd(3)) {
	case 0: size = 0; break;
	case 1: size = *real; break;
	default: size = rnd(_IOC_SIZEMASK + 1); break;
	}
	return _IOC(rnd(3) ? (nr < 9 ? _IOC_DIR(xcmd[nr].cmd) : dir) : dir, XDAX_IOC_MAGIC, nr,
		    size);
}

/* --- the live mappings ---------------------------------------------------------------- */

static __thread sigjmp_buf bus_jb;
static __thread volatile int bus_armed;

static void on_sigbus(int sig)
{
	if (!bus_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	siglongjmp(bus_jb, 1);
}

/* Touch one page (write unless read-only); SIGBUS (the file was cut) is fine. */
static void touch(char *p, int write)
{
	bus_armed = 1;
	if (!sigsetjmp(bus_jb, 1)) {
		if (write)
			*(volatile char *)p = 1;
		else
			(void)*(volatile char *)p;
	}
	bus_armed = 0;
}

static unsigned long nr_touch;

/* Its own generator: the main thread's sequence must follow from the seed alone. */
static uint64_t trnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void *toucher(void *arg)
{
	uint64_t x = seed | 1;
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!atomic_load(&stop)) {
		switch (trnd(&x) % 4) {
		case 0: touch(map_a + 4096 * (trnd(&x) % (len_a / 4096)), 1); break;
		case 1: touch(map_b + 4096 * (trnd(&x) % (len_b / 4096)), 1); break;
		case 2: touch(map_c + 4096 * (trnd(&x) % (len_c / 4096)), 1); break;
		default: touch(map_r + 4096 * (trnd(&x) % (len_r / 4096)), 0); break;
		}
		nr_touch++;
	}
	return NULL;
}

static unsigned long nr_spliced;

/* Keep some pins and some vmspliced pages alive (they may fail after a truncate). */
static void relive(void)
{
	struct xdax_pin p = { .size = sizeof(p), .length = 16 * 4096 };
	struct iovec iov;
	char buf[4096];
	char *where;

	xt_set_size(fd, cap, XDAX_WAIT_NOWAIT, 0, NULL);
	touch(map_a + blk * rnd(len_a / blk), 1);
	touch(map_b + 4096 * rnd(len_b / 4096), 1);
	where = rnd(2) ? map_a + 4096 * rnd(len_a / 4096 - 16) : map_b;
	p.addr = (uintptr_t)where;
	if (nr_pins == MAX_PINS)
		xt_unpin(fd, pins[--nr_pins]);
	if (!ioctl(fd, XDAX_IOC_PIN, &p))
		pins[nr_pins++] = p.id;
	iov.iov_base = rnd(2) ? map_a + 4096 * rnd(len_a / 4096) : map_c + len_c - 4096;
	iov.iov_len = 4096;
	if (vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK) == 4096)
		nr_spliced++;
	else if (errno == EAGAIN && read(pfd[0], buf, sizeof(buf)) < 0)
		xt_fail("pipe read: %s", strerror(errno));
}

/* --- the watchdog ---------------------------------------------------------------------- */

static volatile double call_start;
static volatile unsigned long call_no;
static volatile unsigned long call_cmd;

static void on_tick(int sig)
{
	char msg[160];
	int n;

	(void)sig;
	if (call_start && xt_now_ms() - call_start > HANG_SECONDS * 1000.0) {
		n = snprintf(msg, sizeof(msg),
			     "FAIL: fuzz: call %lu (cmd %#lx) still running after %d s (seed %llu)\n",
			     call_no, call_cmd, HANG_SECONDS, (unsigned long long)seed);
		if (write(2, msg, n) < 0)
			_exit(3);
		_exit(3);
	}
}

static timer_t start_ticks(void)
{
	struct sigaction sa = { .sa_handler = on_tick };	/* no SA_RESTART: waits end */
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { .it_value = { 0, TICK_MS * 1000000L },
				  .it_interval = { 0, TICK_MS * 1000000L } };
	timer_t t;

	sigaction(SIGUSR1, &sa, NULL);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) || timer_settime(t, 0, &its, NULL))
		xt_die("timer: %s", strerror(errno));
	return t;
}

/* --- the case --------------------------------------------------------------------------- */

static char *map_or_die(int f, uint64_t off, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, f, off);

	if (p == MAP_FAILED)
		xt_die("mmap %#zx at %#llx: %s", len, (unsigned long long)off, strerror(errno));
	return p;
}

static void set_up(void)
{
	struct sigaction sa = { .sa_handler = on_sigbus, .sa_flags = SA_NODEFER };
	struct xdax_info info;
	size_t i;

	fd = xt_open(xt_dev);
	rofd = open(xt_dev, O_RDONLY | O_CLOEXEC);
	if (rofd < 0)
		xt_die("open O_RDONLY: %s", strerror(errno));
	info = xt_info(fd);
	cap = info.capacity;
	blk = info.align;
	sigaction(SIGBUS, &sa, NULL);
	xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL);
	xt_set_size(fd, cap, 0, 0, NULL);

	len_a = 4 * blk;			/* blocks 0..3: PMD */
	map_a = map_or_die(fd, 0, len_a, PROT_READ | PROT_WRITE);
	len_b = blk / 2;			/* half of block 5: PTE */
	map_b = map_or_die(fd, 5 * blk, len_b, PROT_READ | PROT_WRITE);
	len_c = blk + blk / 2;			/* block 6 PMD, half of 7 PTE */
	map_c = map_or_die(fd, 6 * blk, len_c, PROT_READ | PROT_WRITE);
	len_r = 2 * blk;			/* blocks 8, 9 through the O_RDONLY open */
	map_r = map_or_die(rofd, 8 * blk, len_r, PROT_READ);
	for (i = 0; i < len_a; i += 4096)
		map_a[i] = 1;
	for (i = 0; i < len_b; i += 4096)
		map_b[i] = 1;
	for (i = 0; i < len_c; i += 4096)
		map_c[i] = 1;
	for (i = 0; i < len_r; i += 4096)
		(void)*(volatile char *)(map_r + i);

	argpage = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	good = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ropage = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (argpage == MAP_FAILED || good == MAP_FAILED || ropage == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	mprotect(argpage + 4096, 4096, PROT_NONE);	/* stays inaccessible */
	for (i = 0; i < 4096; i++)
		ropage[i] = rnd64();
	*(uint32_t *)ropage = 24;
	mprotect(ropage, 4096, PROT_READ);

	if (pipe2(pfd, O_NONBLOCK))
		xt_die("pipe: %s", strerror(errno));
	for (i = 0; i < 8; i++)
		relive();
}

static void tear_down_and_check(void)
{
	struct xdax_stats s;
	double end;
	int r;

	munmap(map_a, len_a);
	munmap(map_b, len_b);
	munmap(map_c, len_c);
	munmap(map_r, len_r);
	close(pfd[0]);
	close(pfd[1]);
	close(rofd);
	close(fd);		/* every pin goes with the file */

	fd = xt_open(xt_dev);
	s = xt_stats(fd);
	xt_note("figure: fuzz: after closing: size %#llx in use %llu awaiting %llu pinned pages %llu",
		(unsigned long long)s.file_size, (unsigned long long)s.in_use,
		(unsigned long long)s.awaiting_reclaim, (unsigned long long)s.pinned_pages);
	xt_expect(!s.pinned_pages, "%llu pages still pinned after every file closed",
		  (unsigned long long)s.pinned_pages);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 10 * SEC_NS, NULL);
	xt_expect(!r, "blocking SET_SIZE 0 (10 s timeout) after the fuzz: %s", strerror(-r));
	/* Blocks a NOWAIT call left belong to the reaper: it frees them once idle. */
	end = xt_now_ms() + 10000;
	while ((s = xt_stats(fd)).awaiting_reclaim && xt_now_ms() < end)
		usleep(10000);
	xt_expect(!s.in_use && !s.awaiting_reclaim && s.free == s.total,
		  "after SET_SIZE 0: in use %llu awaiting %llu free %llu of %llu",
		  (unsigned long long)s.in_use, (unsigned long long)s.awaiting_reclaim,
		  (unsigned long long)s.free, (unsigned long long)s.total);
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "grow back to the capacity: %s", strerror(-r));
	xt_conserved(fd, "after the fuzz");
	close(fd);
}

static void print_histogram(double ms)
{
	char line[1024];
	size_t n;
	int s, e;

	xt_note("figure: fuzz: seed %llu, %llu calls in %.1f s (%.0f calls/s), %lu implausible",
		(unsigned long long)seed, (unsigned long long)calls, ms / 1e3,
		calls / (ms / 1e3), implausible);
	xt_note("figure: fuzz: %lu touches by the mapping thread, %lu pages vmspliced, %d pins held at the end",
		nr_touch, nr_spliced, nr_pins);
	for (s = 0; s < NR_SLOTS; s++) {
		n = snprintf(line, sizeof(line), "%s: ok=%lu", slot_name(s), hist[s][0]);
		for (e = 1; e <= NR_ERRNO; e++)
			if (hist[s][e])
				n += snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0,
					      " %s=%lu", e == NR_ERRNO ? "other" :
					      strerrorname_np(e) ? strerrorname_np(e) : "?",
					      hist[s][e]);
		xt_note("figure: fuzz %s", line);
	}
	for (s = 0; s < NR_SLOTS; s++)
		for (e = 0; e <= NR_ERRNO + 1; e++)
			if (bad_hist[s][e])
				xt_note("figure: fuzz implausible %s %s: %lu", slot_name(s),
					!e ? "success" : e == NR_ERRNO + 1 ? "odd return value" :
					e == NR_ERRNO ? "other errno" :
					strerrorname_np(e) ? strerrorname_np(e) : "?",
					bad_hist[s][e]);
}

static void t_fuzz(void)
{
	struct xdax_stats st;
	unsigned long cmd, i;
	pthread_t tt;
	size_t real;
	int slot, kind, f, r, e;
	timer_t tick;
	double t0;
	void *arg;

	rng = seed ? seed : 1;
	set_up();
	pthread_create(&tt, NULL, toucher, NULL);
	tick = start_ticks();
	t0 = xt_now_ms();
	for (i = 0; i < calls; i++) {
		if (!(i % 256))
			relive();
		if (!(i % 10000) && i) {
			xt_conserved(fd, "during the fuzz");
			st = xt_stats(fd);
			if (st.kernel_free_calls || st.anomalies)
				break;
		}
		if (rnd(10) < 3) {	/* well-formed: reaches the protocol */
			slot = rnd(9);
			cmd = xcmd[slot].cmd;
			make_wellformed(slot, (unsigned char *)good);
			arg = good;
			kind = P_GOOD;
		} else {
			cmd = make_cmd(&slot, &real);
			arg = make_arg(real, &kind);
		}
		f = rnd(10) ? fd : rofd;
		call_cmd = cmd;
		call_no = i;
		call_start = xt_now_ms();
		r = ioctl(f, cmd, arg);
		e = errno;
		call_start = 0;
		if (r == 0) {
			hist[slot][0]++;
			if (_IOC_TYPE(cmd) == XDAX_IOC_MAGIC && _IOC_NR(cmd) == 4 &&
			    kind == P_GOOD && f == fd && nr_pins < MAX_PINS)
				pins[nr_pins++] = ((struct xdax_pin *)good)->id;
			if (_IOC_TYPE(cmd) == XDAX_IOC_MAGIC && _IOC_NR(cmd) < 9)
				continue;
		} else if (r == -1) {
			hist[slot][e > 0 && e < NR_ERRNO ? e : NR_ERRNO]++;
			if (plausible(cmd, e))
				continue;
		}
		bad_hist[slot][r != 0 && r != -1 ? NR_ERRNO + 1 :
			       !r ? 0 : e > 0 && e < NR_ERRNO ? e : NR_ERRNO]++;
		if (implausible++ < 20)
			xt_note("implausible: call %lu %s cmd %#lx (nr %u dir %u size %u) on %s, arg %s %p (size field %#x): returned %d errno %s",
				i, slot_name(slot), cmd, (unsigned int)_IOC_NR(cmd),
				(unsigned int)_IOC_DIR(cmd), (unsigned int)_IOC_SIZE(cmd),
				f == fd ? "O_RDWR" : "O_RDONLY", kind_name[kind], arg,
				kind == P_GOOD ? *(uint32_t *)good : 0, r,
				r == -1 ? strerrorname_np(e) : "-");
	}
	timer_delete(tick);
	atomic_store(&stop, 1);
	pthread_join(tt, NULL);
	calls = i;
	print_histogram(xt_now_ms() - t0);
	xt_expect(!implausible, "%lu calls returned something implausible (seed %llu)",
		  implausible, (unsigned long long)seed);
	tear_down_and_check();
}

static const struct xt_case cases[] = {
	{ "fuzz", t_fuzz, "random ioctls on live mappings: no crash, hang or odd errno; all freed" },
	{ NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	char *args[8];
	int i, n = 0;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			calls = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (n < 7)
			args[n++] = argv[i];
	}
	args[n] = NULL;
	if (n >= 2 && args[1][0] != '-')
		fprintf(stderr, "# figure: fuzz: seed %llu, %llu calls (repeat: %s DEV fuzz --seed %llu --calls %llu)\n",
			(unsigned long long)seed, (unsigned long long)calls, argv[0],
			(unsigned long long)seed, (unsigned long long)calls);
	return xt_run(n, args, cases);
}
