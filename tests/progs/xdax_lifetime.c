// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_lifetime DEV [CASE...]: lifetimes -- of the module hold, of reclaim events, of waits,
 * of pins' RLIMIT_MEMLOCK charges, of data across two devices and across block reuse.  One
 * xt_run case each (KTAP on stdout, "# figure:" lines for the counts):
 *
 *   hold-derived            the module hold follows the state: while a block awaits reclaim
 *                           (or a closed device's block sits in a pipe) and no file is open,
 *                           /sys/module/xdax/refcnt >= 1 and rmmod is refused; >= 1000
 *                           iterations racing the reaper (XDAX_LIFETIME_ITERS)
 *   events-not-lost         a block a NOWAIT call left awaiting and that a later blocking
 *                           PUNCH / SET_SIZE (not the reaper) frees still raises a
 *                           XDAX_EVENT_RECLAIM on every open file: 20 of 20 trials
 *   grow-no-wait            a growing SET_SIZE and an unrelated PUNCH wait for nothing; a
 *                           shrink over a NOWAIT leftover does not wait for it; an EINTR'd
 *                           SET_SIZE repeated waits again
 *   epoll-nonblock          epoll EPOLLIN, O_NONBLOCK EAGAIN, one record per read and per
 *                           file, a short buffer is EINVAL
 *   two-devices             pins, truncates, punches and events of xdax0 never touch xdax1
 *                           and the other way round (needs ranges=A,B; skips otherwise)
 *   truncate-other-process  a truncate through another open in another process zaps a
 *                           mapping: SIGBUS past the size, data below it intact
 *   mprotect-pmd            PROT_READ PMD mapping, mprotect RW, write: visible elsewhere
 *   memlock-restored        VmLck back to its start after every pin path: UNPIN, close, a
 *                           failed PIN, a PIN over RLIMIT_MEMLOCK as uid 1000, process death
 *   zero-on-reuse           every block filled with data, one punched: the only free block is
 *                           the dirty one; a fault elsewhere gets that very block, all zeros
 *                           (PMD and PTE)
 *
 * Helper modes, not cases (the guest script and the cases run them):
 *   xdax_lifetime DEV opath-rmmod   open+close, O_PATH open kept, rmmod (must succeed),
 *                                   drop_caches, reopen through /proc/self/fd (must fail),
 *                                   close, drop_caches.  The kernel log tells the rest.
 *   xdax_lifetime DEV use           map, write, read, truncate, audit: the device works
 *   xdax_lifetime DEV memlock-user FD   (as uid 1000 under xdax_runas -l 4 MiB): pins on FD
 *                                   and on an open of its own; VmLck restored each time
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "xdax_test.h"

#define PG		4096UL
#define EV_SIZE		((ssize_t)sizeof(struct xdax_event))
#define SEC_NS		1000000000ULL
#define MODNAME		"xdax"

static uint64_t cap, blk, nblk;

/* --- small helpers ------------------------------------------------------------------ */

static void sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - ts.tv_sec * 1e3) * 1e6);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *err_or_ok(int r)
{
	return r ? strerror(-r) : "success";
}

/* Open the device, learn its geometry. */
static int dev_open(const char *path)
{
	int fd = xt_open(path);
	struct xdax_info in = xt_info(fd);

	cap = in.capacity;
	blk = in.align;
	nblk = cap / blk;
	return fd;
}

static char *map_at(int fd, uint64_t off, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		xt_die("mmap %#zx at %#llx: %s", len, (unsigned long long)off, strerror(errno));
	return p;
}

/*
 * A mapping of [off, off + len) (len <= 2 MiB) at an address 4 KiB past a 2 MiB boundary:
 * no aligned 2 MiB of it lies inside the VMA, so every fault maps a PTE.
 */
static char *map_pte(int fd, uint64_t off, size_t len)
{
	size_t rlen = 3 * blk;
	char *r = mmap(NULL, rlen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *base, *p;

	if (r == MAP_FAILED)
		xt_die("reserve: %s", strerror(errno));
	base = (char *)(((uintptr_t)r + blk - 1) & ~(uintptr_t)(blk - 1)) + PG;
	p = mmap(base, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		xt_die("mmap PTE %#zx at %#llx: %s", len, (unsigned long long)off, strerror(errno));
	/* Leave the reservation around it: nothing else lands next to the VMA. */
	return p;
}

/* A number from a sysfs (or proc) file, or -1. */
static long long read_num(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 0);
}

static const char *dev_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void stat_path(char *buf, size_t len, const char *dev, const char *field)
{
	snprintf(buf, len, "/sys/class/xdax/%s/stats/%s", dev_base(dev), field);
}

static int fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		xt_fail("poll: %s", strerror(errno));
	return r > 0 && (p.revents & POLLIN);
}

/* read() one record: bytes read, or -errno. */
static ssize_t read_event(int fd, struct xdax_event *ev, size_t len)
{
	ssize_t n = read(fd, ev, len);

	return n < 0 ? -errno : n;
}

/* Consume whatever events are pending on @fd. */
static void drain_events(int fd)
{
	struct xdax_event ev;
	int i;

	for (i = 0; i < 16 && fd_readable(fd, 0); i++)
		if (read_event(fd, &ev, sizeof(ev)) != EV_SIZE)
			break;
}

/* Wait (<= ms) until the device has no block awaiting reclaim. */
static int wait_no_awaiting(int fd, int ms)
{
	double t0 = xt_now_ms();

	while (xt_stats(fd).awaiting_reclaim) {
		if (xt_now_ms() - t0 > ms)
			return 0;
		sleep_ms(5);
	}
	return 1;
}

static int pin_raw(int fd, void *addr, uint64_t len, uint64_t *id)
{
	struct xdax_pin p = {
		.size = sizeof(p), .addr = (uintptr_t)addr, .length = len,
	};
	int r = ioctl(fd, XDAX_IOC_PIN, &p) ? -errno : 0;

	if (!r && id)
		*id = p.id;
	return r;
}

static int allocate(int fd, uint64_t off, uint64_t len, uint64_t *n)
{
	struct xdax_allocate a = { .size = sizeof(a), .offset = off, .length = len };
	int r = ioctl(fd, XDAX_IOC_ALLOCATE, &a) ? -errno : 0;

	if (!r && n)
		*n = a.allocated;
	return r;
}

/* Size at the capacity, nothing allocated, nothing pinned (cleans what an earlier run left). */
static void start_clean(int fd)
{
	struct xdax_stats s = xt_stats(fd);

	if (s.file_size == cap && !s.in_use && !s.awaiting_reclaim && !s.pinned_pages)
		return;
	xt_note("state left behind: size %#llx in use %llu awaiting %llu pinned %llu; cleaning",
		(unsigned long long)s.file_size, (unsigned long long)s.in_use,
		(unsigned long long)s.awaiting_reclaim, (unsigned long long)s.pinned_pages);
	xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL);
	xt_set_size(fd, cap, 0, 0, NULL);
	wait_no_awaiting(fd, 5000);
	s = xt_stats(fd);
	if (s.file_size != cap || s.in_use || s.awaiting_reclaim)
		xt_die("cannot start from a clean device: size %#llx in use %llu awaiting %llu",
		       (unsigned long long)s.file_size, (unsigned long long)s.in_use,
		       (unsigned long long)s.awaiting_reclaim);
}

/* End of a case (its mappings and pins gone): audited, emptied, grown back, all free. */
static void finish(int fd, const char *name)
{
	struct xdax_stats s;
	int r;

	xt_conserved(fd, name);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL);
	xt_expect(!r, "%s: cleanup truncate to 0: %s", name, err_or_ok(r));
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "%s: grow back: %s", name, err_or_ok(r));
	xt_expect(wait_no_awaiting(fd, 5000), "%s: blocks still awaiting reclaim 5 s later", name);
	s = xt_stats(fd);
	xt_expect(s.file_size == cap && !s.in_use && !s.awaiting_reclaim && s.free == s.total &&
		  !s.pinned_pages,
		  "%s: left behind: size %#llx in use %llu awaiting %llu free %llu/%llu pinned %llu",
		  name, (unsigned long long)s.file_size, (unsigned long long)s.in_use,
		  (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.free,
		  (unsigned long long)s.total, (unsigned long long)s.pinned_pages);
	xt_conserved(fd, name);
}

/* --- hold-derived --------------------------------------------------------------------- */

static long delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

struct hd_thread {
	pthread_t t;
	int fd;
	char *map;
	uint64_t off;
};

static atomic_int hd_stop;

/* Keep the reaper busy: fault, pin, NOWAIT punch (the block awaits), unpin (reaper frees). */
static void *hd_worker(void *arg)
{
	struct hd_thread *h = arg;
	uint64_t id;

	while (!atomic_load(&hd_stop)) {
		h->map[0] = 1;
		if (pin_raw(h->fd, h->map, PG, &id))
			continue;
		xt_punch(h->fd, h->off, blk, XDAX_WAIT_NOWAIT, 0, NULL);
		xt_unpin(h->fd, id);
	}
	return NULL;
}

/*
 * One iteration's child: open, start the workers, then after a random while put a page of
 * block 0 in the pipe @zw and (awaiting mode) punch block 0 away NOWAIT; tell the parent
 * through @sw ('Z' ready, 'E' failed) and exit at once -- every fd closes while the workers
 * are mid-flight and the reaper runs.
 */
static void hd_child(int zw, int sw, unsigned int it, int nthreads, int awaiting)
{
	unsigned int seed = it * 2654435761U;
	struct hd_thread h[16];
	struct xdax_punch p;
	struct iovec iov;
	char *z;
	int fd, i, r;

	fd = dev_open(xt_dev);
	z = map_at(fd, 0, blk, PROT_READ | PROT_WRITE);
	for (i = 0; i < nthreads; i++) {
		h[i].fd = fd;
		h[i].off = (1 + i) * blk;
		h[i].map = map_at(fd, h[i].off, blk, PROT_READ | PROT_WRITE);
		if (pthread_create(&h[i].t, NULL, hd_worker, &h[i]))
			_exit(3);
	}
	usleep(rand_r(&seed) % 4000);
	xt_fill(z, PG, 0x484f4c44ULL ^ it);
	iov.iov_base = z;
	iov.iov_len = PG;
	if (vmsplice(zw, &iov, 1, 0) != (ssize_t)PG) {
		if (write(sw, "E", 1) < 0)
			_exit(4);
		_exit(4);
	}
	if (awaiting) {
		r = xt_punch(fd, 0, blk, XDAX_WAIT_NOWAIT, 0, &p);
		if (r || p.pending != 1) {
			fprintf(stderr, "FAIL: iteration %u: NOWAIT punch of the spliced block: %s pending %llu\n",
				it, err_or_ok(r), (unsigned long long)p.pending);
			if (write(sw, "E", 1) < 0)
				_exit(5);
			_exit(5);
		}
	}
	if (write(sw, "Z", 1) != 1)
		_exit(6);
	_exit(0);	/* exit_group: workers die mid-call, every fd closes */
}

static void t_hold_derived(void)
{
	const char *env = getenv("XDAX_LIFETIME_ITERS");
	int iters = env ? atoi(env) : 1000, nthreads, it, done_iters = 0;
	unsigned long samples = 0, attempts = 0, refused = 0, zero_seen = 0, awaiting_iters = 0;
	char refcnt_path[] = "/sys/module/" MODNAME "/refcnt", aw_path[256];
	long long rc, aw;
	double t0 = xt_now_ms();
	int fd, unloaded = 0;

	nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN) + 1;
	if (nthreads < 3)
		nthreads = 3;
	if (nthreads > 16)
		nthreads = 16;
	stat_path(aw_path, sizeof(aw_path), xt_dev, "awaiting_reclaim");
	fd = dev_open(xt_dev);
	start_clean(fd);
	close(fd);	/* from here on this process holds no xdax file */
	if (read_num(refcnt_path) < 0 || read_num(aw_path) < 0)
		xt_die("cannot read %s or %s", refcnt_path, aw_path);
	if (nblk < (uint64_t)nthreads + 2)
		xt_skip("%llu blocks: too few for %d workers", (unsigned long long)nblk, nthreads);

	for (it = 0; it < iters && !unloaded && xt_failures < 5; it++) {
		int zp[2], sp[2], status = 0, reaped = 0, extra = 0, awaiting = !(it % 3 == 2);
		char c = 0, buf[PG];
		pid_t pid;

		if (pipe(zp) || pipe(sp))
			xt_die("pipe: %s", strerror(errno));
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			xt_die("fork: %s", strerror(errno));
		if (!pid) {
			close(zp[0]);
			close(sp[0]);
			hd_child(zp[1], sp[1], it, nthreads, awaiting);
		}
		close(zp[1]);
		close(sp[1]);
		if (read(sp[0], &c, 1) != 1 || c != 'Z') {
			waitpid(pid, &status, 0);
			xt_fail("iteration %d: the child failed before the window (status %#x)", it,
				status);
			close(zp[0]);
			close(sp[0]);
			break;
		}
		/*
		 * The window: the child is closing every fd while the reaper runs.  Block 0's
		 * page sits in our pipe all along (awaiting reclaim, or in the file of a device
		 * with no open file): refcnt must never read 0, rmmod must always be refused.
		 */
		while (extra < 24) {
			rc = read_num(refcnt_path);
			samples++;
			if (rc == 0) {
				if (zero_seen++ < 5)
					xt_fail("iteration %d: /sys/module/xdax/refcnt read 0 while block 0 was %s (child %s)",
						it, awaiting ? "awaiting reclaim" : "in a pipe",
						reaped ? "gone" : "exiting");
			}
			if (samples % 3 == 0 || rc == 0) {
				attempts++;
				if (!delete_module(MODNAME)) {
					xt_fail("iteration %d: rmmod succeeded while block 0 was %s (refcnt read %lld)",
						it, awaiting ? "awaiting reclaim" : "in a pipe", rc);
					unloaded = 1;
					break;
				}
				if (errno == EWOULDBLOCK || errno == EAGAIN)
					refused++;
				else
					xt_fail("iteration %d: delete_module: %s", it, strerror(errno));
			}
			if (!reaped) {
				if (waitpid(pid, &status, WNOHANG) == pid)
					reaped = 1;
			} else {
				extra++;
			}
		}
		if (!reaped)
			waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			xt_fail("iteration %d: child status %#x", it, status);
		if (!unloaded) {
			/* Settled: no file open, the page still in the pipe. */
			aw = read_num(aw_path);
			rc = read_num(refcnt_path);
			if (awaiting) {
				awaiting_iters += aw >= 1;
				xt_expect(aw >= 1, "iteration %d: awaiting_reclaim %lld with the block in a pipe",
					  it, aw);
			}
			xt_expect(rc >= 1, "iteration %d: no file open, block 0 %s, awaiting %lld: refcnt %lld",
				  it, awaiting ? "awaiting reclaim" : "in the file and a pipe", aw, rc);
			attempts++;
			if (!delete_module(MODNAME)) {
				xt_fail("iteration %d: rmmod succeeded after the child exited, block 0 %s",
					it, awaiting ? "awaiting reclaim" : "in a pipe");
				unloaded = 1;
			} else if (errno == EWOULDBLOCK || errno == EAGAIN) {
				refused++;
			} else {
				xt_fail("iteration %d: delete_module: %s", it, strerror(errno));
			}
		}
		/* Drain: the page must still hold what the child wrote. */
		if (read(zp[0], buf, PG) != (ssize_t)PG)
			xt_fail("iteration %d: pipe read: %s", it, strerror(errno));
		else if (xt_verify(buf, PG, 0x484f4c44ULL ^ it) != (size_t)-1)
			xt_fail("iteration %d: the spliced page changed", it);
		close(zp[0]);
		close(sp[0]);
		done_iters++;
	}
	printf("# figure: hold-derived: %d iterations (%lu with block 0 awaiting), %d worker threads, %lu refcnt samples, %lu rmmod attempts (%lu refused), refcnt 0 seen %lu times, %.1f s\n",
	       done_iters, awaiting_iters, nthreads, samples, attempts, refused, zero_seen,
	       (xt_now_ms() - t0) / 1e3);
	if (unloaded)
		xt_die("the module was unloaded under a referenced block; not going on");
	xt_expect(done_iters >= iters, "only %d of %d iterations ran", done_iters, iters);

	/* Nothing referenced any more: the hold goes (no leaked module reference). */
	for (t0 = xt_now_ms(); xt_now_ms() - t0 < 5000; sleep_ms(10))
		if (read_num(aw_path) == 0 && read_num(refcnt_path) == 0)
			break;
	aw = read_num(aw_path);
	rc = read_num(refcnt_path);
	xt_expect(aw == 0 && rc == 0,
		  "5 s after the last pipe was drained: awaiting %lld refcnt %lld, expected 0 and 0", aw,
		  rc);
	fd = dev_open(xt_dev);
	finish(fd, "hold-derived");
	close(fd);
}

/* --- events-not-lost -------------------------------------------------------------------- */

static void t_events_not_lost(void)
{
	const int trials = 20;
	int fd, fd2, i, got = 0;
	struct xdax_event ev;
	struct xdax_punch p;
	struct xdax_set_size st;
	uint64_t id, x;
	ssize_t n;
	char *m;
	int r;

	fd = dev_open(xt_dev);
	fd2 = xt_open(xt_dev);
	start_clean(fd);
	drain_events(fd);
	drain_events(fd2);
	for (i = 0; i < trials; i++) {
		int use_set_size = i & 1;

		x = (1 + i % 8) * blk;
		m = map_at(fd, x, blk, PROT_READ | PROT_WRITE);
		xt_fill(m, PG, 0x45564e54 + i);
		id = xt_pin(fd, m, PG, 0);
		r = xt_punch(fd, x, blk, XDAX_WAIT_NOWAIT, 0, &p);
		xt_expect(!r && p.pending == 1, "trial %d: NOWAIT punch of the pinned block: %s pending %llu",
			  i, err_or_ok(r), (unsigned long long)p.pending);
		munmap(m, blk);
		/* Let the reaper try, fail and back off. */
		sleep_ms(150);
		xt_expect(xt_stats(fd).awaiting_reclaim == 1, "trial %d: the block is not awaiting reclaim", i);
		xt_expect(!fd_readable(fd2, 0), "trial %d: an event before the unpin", i);
		xt_expect(!xt_unpin(fd, id), "trial %d: unpin", i);
		/* At once, before the reaper's next run: a blocking call over X's range. */
		if (use_set_size)
			r = xt_set_size(fd, x, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, &st);
		else
			r = xt_punch(fd, x, blk, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, &p);
		xt_expect(!r, "trial %d: blocking %s over the unpinned block: %s", i,
			  use_set_size ? "SET_SIZE" : "PUNCH", err_or_ok(r));
		if (fd_readable(fd2, 2000)) {
			n = read_event(fd2, &ev, sizeof(ev));
			if (n == EV_SIZE && ev.type == XDAX_EVENT_RECLAIM && ev.reclaimed >= 1 &&
			    ev.size == EV_SIZE)
				got++;
			else
				xt_fail("trial %d: read %zd: size %u type %u reclaimed %llu", i, n,
					ev.size, ev.type, (unsigned long long)ev.reclaimed);
		} else {
			xt_note("trial %d (%s): no XDAX_EVENT_RECLAIM within 2 s; awaiting %llu reclaim_events %llu",
				i, use_set_size ? "SET_SIZE" : "PUNCH",
				(unsigned long long)xt_stats(fd).awaiting_reclaim,
				(unsigned long long)xt_stats(fd).reclaim_events);
		}
		if (use_set_size)
			xt_expect(!xt_set_size(fd, cap, 0, 0, NULL), "trial %d: grow back", i);
		xt_expect(wait_no_awaiting(fd, 2000), "trial %d: the block still awaits 2 s later", i);
		drain_events(fd);
		drain_events(fd2);
	}
	printf("# figure: events-not-lost: %d of %d trials got an XDAX_EVENT_RECLAIM within 2 s\n",
	       got, trials);
	xt_expect(got == trials, "events received in %d of %d trials", got, trials);

	/*
	 * The same with an ALLOCATE over X's range instead, killed while it zeroes (v2: all
	 * or nothing, the fatal signal rolls it back): whoever frees X, the event comes.
	 */
	got = 0;
	for (i = 0; i < 4; i++) {
		int status;
		pid_t pid;

		x = (1 + i) * blk;
		m = map_at(fd, x, blk, PROT_READ | PROT_WRITE);
		m[0] = 1;
		id = xt_pin(fd, m, PG, 0);
		r = xt_punch(fd, x, blk, XDAX_WAIT_NOWAIT, 0, &p);
		xt_expect(!r && p.pending == 1, "allocate trial %d: NOWAIT punch: %s pending %llu", i,
			  err_or_ok(r), (unsigned long long)p.pending);
		munmap(m, blk);
		sleep_ms(150);
		xt_expect(!xt_unpin(fd, id), "allocate trial %d: unpin", i);
		fflush(NULL);
		pid = fork();
		if (!pid) {
			int afd = xt_open(xt_dev);

			allocate(afd, x, cap - x, NULL);
			_exit(0);
		}
		sleep_ms(10 + 20 * i);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (fd_readable(fd2, 2000)) {
			n = read_event(fd2, &ev, sizeof(ev));
			if (n == EV_SIZE && ev.type == XDAX_EVENT_RECLAIM && ev.reclaimed >= 1)
				got++;
			else
				xt_fail("allocate trial %d: read %zd: type %u reclaimed %llu", i, n,
					ev.type, (unsigned long long)ev.reclaimed);
		} else {
			xt_note("allocate trial %d (killed %s): no XDAX_EVENT_RECLAIM within 2 s",
				i, WIFSIGNALED(status) ? "mid-call" : "after it returned");
		}
		xt_expect(!xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL),
			  "allocate trial %d: truncate", i);
		xt_expect(!xt_set_size(fd, cap, 0, 0, NULL), "allocate trial %d: grow back", i);
		xt_expect(wait_no_awaiting(fd, 2000), "allocate trial %d: still awaiting 2 s later", i);
		drain_events(fd);
		drain_events(fd2);
	}
	printf("# figure: events-not-lost: %d of 4 ALLOCATE-killed trials got an XDAX_EVENT_RECLAIM within 2 s\n",
	       got);
	xt_expect(got == 4, "ALLOCATE-killed trials: events in %d of 4", got);
	close(fd2);
	finish(fd, "events-not-lost");
	close(fd);
}

/* --- grow-no-wait --------------------------------------------------------------------- */

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

struct gn_call {
	int fd;
	uint64_t size;
	int r;
	atomic_int done;
};

static void *gn_set_size(void *arg)
{
	struct gn_call *c = arg;

	c->r = xt_set_size(c->fd, c->size, 0, 0, NULL);
	atomic_store(&c->done, 1);
	return NULL;
}

/* A call that must return at once: 0, pending 0, well before its 1 s timeout. */
static void expect_prompt(const char *what, int r, uint64_t pending, double ms)
{
	xt_note("%s: %s after %.0f ms, pending %llu", what, err_or_ok(r), ms,
		(unsigned long long)pending);
	xt_expect(!r, "%s: %s after %.0f ms, expected 0 at once", what, err_or_ok(r), ms);
	xt_expect(r || !pending, "%s: pending %llu, expected 0", what, (unsigned long long)pending);
}

static void t_grow_no_wait(void)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct gn_call c1 = { 0 }, c2 = { 0 };
	struct xdax_set_size st;
	struct xdax_punch p;
	struct xdax_stats s;
	uint64_t id, last, k;
	pthread_t t;
	double t0;
	char *m;
	int fd, r;

	fd = dev_open(xt_dev);
	start_clean(fd);
	last = cap - blk;

	/* A pinned block left by NOWAIT SET_SIZE 0. */
	m = map_at(fd, last, blk, PROT_READ | PROT_WRITE);
	m[0] = 1;
	id = xt_pin(fd, m, PG, 0);
	memset(&st, 0, sizeof(st));
	r = xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, &st);
	xt_expect(!r && st.pending == 1, "NOWAIT SET_SIZE 0 with a pinned block: %s pending %llu",
		  err_or_ok(r), (unsigned long long)st.pending);

	/* Growing has no range: it waits for nothing. */
	memset(&st, 0, sizeof(st));
	t0 = xt_now_ms();
	r = xt_set_size(fd, blk, XDAX_WAIT_TIMEOUT, SEC_NS, &st);
	expect_prompt("grow 0 -> 2 MiB (TIMEOUT 1 s) with a NOWAIT leftover beyond", r, st.pending,
		      xt_now_ms() - t0);
	memset(&st, 0, sizeof(st));
	t0 = xt_now_ms();
	r = xt_set_size(fd, cap, XDAX_WAIT_TIMEOUT, SEC_NS, &st);
	expect_prompt("grow to the capacity (TIMEOUT 1 s)", r, st.pending, xt_now_ms() - t0);
	s = xt_stats(fd);
	xt_expect(s.file_size == cap, "size %#llx after growing", (unsigned long long)s.file_size);

	/* A punch of another, unpinned (allocated) range waits for that range only. */
	xt_expect(!allocate(fd, 2 * blk, blk, NULL), "ALLOCATE block 2");
	memset(&p, 0, sizeof(p));
	t0 = xt_now_ms();
	r = xt_punch(fd, 2 * blk, blk, XDAX_WAIT_TIMEOUT, SEC_NS, &p);
	expect_prompt("PUNCH of an unrelated unpinned block (TIMEOUT 1 s)", r, p.pending,
		      xt_now_ms() - t0);
	xt_expect(r || p.freed == 1, "the unrelated PUNCH freed %llu, expected 1",
		  (unsigned long long)p.freed);

	/* A later shrink over the NOWAIT leftover's range does not wait for it either. */
	memset(&st, 0, sizeof(st));
	t0 = xt_now_ms();
	r = xt_set_size(fd, last, XDAX_WAIT_TIMEOUT, SEC_NS, &st);
	expect_prompt("blocking shrink over the NOWAIT leftover (TIMEOUT 1 s)", r, st.pending,
		      xt_now_ms() - t0);
	memset(&p, 0, sizeof(p));
	xt_expect(!xt_set_size(fd, cap, 0, 0, NULL), "grow back");
	t0 = xt_now_ms();
	r = xt_punch(fd, last, blk, XDAX_WAIT_TIMEOUT, SEC_NS, &p);
	expect_prompt("blocking PUNCH over the NOWAIT leftover (TIMEOUT 1 s)", r, p.pending,
		      xt_now_ms() - t0);
	s = xt_stats(fd);
	xt_expect(s.awaiting_reclaim == 1, "the pinned leftover: awaiting %llu, expected 1",
		  (unsigned long long)s.awaiting_reclaim);
	xt_expect(!xt_unpin(fd, id), "unpin the leftover");
	munmap(m, blk);
	xt_expect(wait_no_awaiting(fd, 5000), "the leftover was not reclaimed within 5 s");
	xt_conserved(fd, "grow-no-wait: after the leftover");

	/* EINTR leaves the block awaiting; the same SET_SIZE again waits again. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	k = 4;
	m = map_at(fd, k * blk, blk, PROT_READ | PROT_WRITE);
	m[0] = 2;
	id = xt_pin(fd, m, PG, 0);
	c1.fd = fd;
	c1.size = k * blk;
	if (pthread_create(&t, NULL, gn_set_size, &c1))
		xt_die("pthread_create");
	for (t0 = xt_now_ms(); xt_now_ms() - t0 < 3000; sleep_ms(2))
		if (xt_stats(fd).awaiting_reclaim == 1 || atomic_load(&c1.done))
			break;
	sleep_ms(50);
	xt_expect(!atomic_load(&c1.done), "the blocking SET_SIZE returned (%s) while pinned",
		  err_or_ok(c1.r));
	pthread_kill(t, SIGUSR1);
	for (t0 = xt_now_ms(); xt_now_ms() - t0 < 3000 && !atomic_load(&c1.done); sleep_ms(2))
		;
	if (!atomic_load(&c1.done)) {
		xt_unpin(fd, id);
		pthread_join(t, NULL);
		xt_die("the blocking SET_SIZE did not return 3 s after SIGUSR1");
	}
	pthread_join(t, NULL);
	xt_expect(c1.r == -EINTR, "SET_SIZE interrupted by a signal: %s, expected EINTR",
		  err_or_ok(c1.r));
	s = xt_stats(fd);
	xt_expect(s.awaiting_reclaim == 1 && s.file_size == k * blk,
		  "after EINTR: awaiting %llu size %#llx, expected 1 and %#llx",
		  (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.file_size,
		  (unsigned long long)(k * blk));
	c2.fd = fd;
	c2.size = k * blk;
	if (pthread_create(&t, NULL, gn_set_size, &c2))
		xt_die("pthread_create");
	sleep_ms(300);
	xt_expect(!atomic_load(&c2.done), "the repeated SET_SIZE returned (%s) while still pinned",
		  err_or_ok(c2.r));
	xt_expect(!xt_unpin(fd, id), "unpin");
	for (t0 = xt_now_ms(); xt_now_ms() - t0 < 5000 && !atomic_load(&c2.done); sleep_ms(2))
		;
	if (!atomic_load(&c2.done))
		xt_die("the repeated SET_SIZE did not return 5 s after the unpin");
	pthread_join(t, NULL);
	xt_expect(!c2.r, "the repeated SET_SIZE: %s, expected 0 once unpinned", err_or_ok(c2.r));
	xt_expect(!xt_stats(fd).awaiting_reclaim, "awaiting after the repeated SET_SIZE");
	munmap(m, blk);
	finish(fd, "grow-no-wait");
	close(fd);
}

/* --- epoll-nonblock --------------------------------------------------------------------- */

static void t_epoll_nonblock(void)
{
	struct epoll_event ee = { .events = EPOLLIN }, out;
	struct xdax_event ev, evb;
	struct xdax_punch p;
	uint64_t id;
	int fda, fdb, ep, r;
	char big[4096];
	ssize_t n;
	char *m;

	fda = dev_open(xt_dev);
	start_clean(fda);
	close(fda);
	fda = open(xt_dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	fdb = open(xt_dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fda < 0 || fdb < 0)
		xt_die("open O_NONBLOCK: %s", strerror(errno));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		xt_die("epoll_create1: %s", strerror(errno));
	ee.data.fd = fda;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fda, &ee))
		xt_die("epoll_ctl: %s", strerror(errno));

	n = read_event(fda, &ev, sizeof(ev));
	xt_expect(n == -EAGAIN, "O_NONBLOCK read with nothing pending: %zd (%s), expected EAGAIN", n,
		  n < 0 ? strerror(-n) : "data");
	xt_expect(epoll_wait(ep, &out, 1, 0) == 0, "epoll reports an event before any reclaim");

	m = map_at(fda, blk, blk, PROT_READ | PROT_WRITE);
	m[0] = 1;
	id = xt_pin(fda, m, PG, 0);
	r = xt_punch(fda, blk, blk, XDAX_WAIT_NOWAIT, 0, &p);
	xt_expect(!r && p.pending == 1, "NOWAIT punch: %s pending %llu", err_or_ok(r),
		  (unsigned long long)p.pending);
	sleep_ms(50);
	xt_expect(epoll_wait(ep, &out, 1, 0) == 0, "epoll reports an event while the block is pinned");
	xt_expect(!xt_unpin(fda, id), "unpin");
	r = epoll_wait(ep, &out, 1, 5000);
	xt_expect(r == 1 && (out.events & EPOLLIN) && out.data.fd == fda,
		  "epoll_wait after the unpin: %d events %#x, expected EPOLLIN within 5 s", r,
		  r == 1 ? out.events : 0);

	/* A buffer smaller than the record: EINVAL, and the record stays. */
	n = read_event(fda, &ev, EV_SIZE - 1);
	xt_expect(n == -EINVAL, "read of %zd bytes: %zd (%s), expected EINVAL", EV_SIZE - 1, n,
		  n < 0 ? strerror(-n) : "data");
	xt_expect(epoll_wait(ep, &out, 1, 0) == 1, "the short read consumed the event");

	/* One whole record, even into a big buffer. */
	n = read_event(fda, (struct xdax_event *)big, sizeof(big));
	memcpy(&ev, big, sizeof(ev));
	xt_expect(n == EV_SIZE, "read into 4096 bytes: %zd, expected one %zd-byte record", n, EV_SIZE);
	xt_expect(n != EV_SIZE || (ev.size == EV_SIZE && ev.type == XDAX_EVENT_RECLAIM &&
				  ev.reclaimed >= 1 && ev.seq >= 1),
		  "record: size %u type %u seq %llu reclaimed %llu", ev.size, ev.type,
		  (unsigned long long)ev.seq, (unsigned long long)ev.reclaimed);
	n = read_event(fda, &ev, sizeof(ev));
	xt_expect(n == -EAGAIN, "second read: %zd (%s), expected EAGAIN", n,
		  n < 0 ? strerror(-n) : "data");
	xt_expect(epoll_wait(ep, &out, 1, 0) == 0, "epoll still reports an event after the read");

	/* The other open has its own copy. */
	xt_expect(fd_readable(fdb, 1000), "the second open is not readable");
	n = read_event(fdb, &evb, sizeof(evb));
	xt_expect(n == EV_SIZE && evb.type == XDAX_EVENT_RECLAIM && evb.reclaimed >= 1,
		  "second open: read %zd type %u reclaimed %llu", n, evb.type,
		  (unsigned long long)evb.reclaimed);
	xt_expect(n != EV_SIZE || evb.seq == ev.seq,
		  "the two opens' records disagree: seq %llu and %llu",
		  (unsigned long long)ev.seq, (unsigned long long)evb.seq);
	n = read_event(fdb, &evb, sizeof(evb));
	xt_expect(n == -EAGAIN, "second open, second read: %zd, expected EAGAIN", n);
	munmap(m, blk);
	close(ep);
	close(fdb);
	finish(fda, "epoll-nonblock");
	close(fda);
}

/* --- two-devices ---------------------------------------------------------------------- */

struct dev_view {
	const char *path;
	int fd;
	uint64_t cap;
};

static int same_stats(const struct xdax_stats *a, const struct xdax_stats *b)
{
	return a->file_size == b->file_size && a->free == b->free && a->in_use == b->in_use &&
	       a->awaiting_reclaim == b->awaiting_reclaim &&
	       a->page_free_calls == b->page_free_calls && a->pinned_pages == b->pinned_pages &&
	       a->reclaim_events == b->reclaim_events && a->pte_faults == b->pte_faults &&
	       a->pmd_faults == b->pmd_faults && a->anomalies == b->anomalies;
}

/* Pin, NOWAIT truncate, blocking punch and an event on @a; @b must not notice. */
static void two_dev_round(struct dev_view *a, struct dev_view *b, uint64_t seed)
{
	struct xdax_stats sb0, sb;
	struct xdax_set_size st;
	struct xdax_punch p;
	struct xdax_event ev;
	char *ma, *mb;
	uint64_t id;
	int r;

	/* b holds data in 4 blocks. */
	mb = map_at(b->fd, 0, 4 * blk, PROT_READ | PROT_WRITE);
	xt_fill(mb, 4 * blk, seed);
	drain_events(b->fd);
	drain_events(a->fd);
	sb0 = xt_stats(b->fd);

	ma = map_at(a->fd, 0, 4 * blk, PROT_READ | PROT_WRITE);
	xt_fill(ma, 4 * blk, ~seed);
	/* A mapping of the other device cannot be pinned through this one. */
	r = pin_raw(a->fd, mb, PG, &id);
	xt_expect(r == -EINVAL, "%s: PIN of a %s mapping: %s, expected EINVAL", a->path, b->path,
		  err_or_ok(r));
	if (!r)
		xt_unpin(a->fd, id);
	id = xt_pin(a->fd, ma + 3 * blk, PG, 0);
	r = xt_set_size(a->fd, 2 * blk, XDAX_WAIT_NOWAIT, 0, &st);
	xt_expect(!r && st.pending == 1, "%s: NOWAIT truncate: %s pending %llu", a->path,
		  err_or_ok(r), (unsigned long long)st.pending);
	r = xt_punch(a->fd, 0, blk, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, &p);
	xt_expect(!r && p.freed == 1, "%s: punch: %s freed %llu", a->path, err_or_ok(r),
		  (unsigned long long)p.freed);
	sb = xt_stats(b->fd);
	xt_expect(same_stats(&sb0, &sb),
		  "%s stats moved while %s was pinned/truncated/punched: in use %llu->%llu free %llu->%llu awaiting %llu pinned %llu size %#llx",
		  b->path, a->path, (unsigned long long)sb0.in_use, (unsigned long long)sb.in_use,
		  (unsigned long long)sb0.free, (unsigned long long)sb.free,
		  (unsigned long long)sb.awaiting_reclaim, (unsigned long long)sb.pinned_pages,
		  (unsigned long long)sb.file_size);
	xt_expect(!xt_unpin(a->fd, id), "%s: unpin", a->path);
	xt_expect(fd_readable(a->fd, 5000), "%s: no reclaim event within 5 s", a->path);
	r = read_event(a->fd, &ev, sizeof(ev));
	xt_expect(r == EV_SIZE && ev.type == XDAX_EVENT_RECLAIM, "%s: read event: %d", a->path, r);
	xt_expect(!fd_readable(b->fd, 200), "%s saw %s's reclaim event", b->path, a->path);
	sb = xt_stats(b->fd);
	xt_expect(same_stats(&sb0, &sb), "%s stats moved after %s's reclaim", b->path, a->path);
	xt_expect(xt_verify(mb, 4 * blk, seed) == (size_t)-1, "%s data changed", b->path);
	xt_expect(xt_conserved(b->fd, b->path), "%s audit", b->path);
	munmap(ma, 4 * blk);
	munmap(mb, 4 * blk);
	xt_expect(!xt_set_size(a->fd, a->cap, 0, 0, NULL), "%s: grow back", a->path);
}

static void t_two_devices(void)
{
	struct dev_view d[2];
	char path1[PATH_MAX];
	size_t l = strlen(xt_dev);
	struct stat sbuf;
	uint64_t c0;

	if (!l || xt_dev[l - 1] < '0' || xt_dev[l - 1] > '8')
		xt_skip("cannot derive the second device from %s", xt_dev);
	snprintf(path1, sizeof(path1), "%.*s%c", (int)(l - 1), xt_dev, xt_dev[l - 1] + 1);
	if (stat(path1, &sbuf))
		xt_skip("%s: %s (load xdax with two ranges)", path1, strerror(errno));
	d[0].path = xt_dev;
	d[0].fd = dev_open(xt_dev);
	d[0].cap = c0 = cap;
	start_clean(d[0].fd);
	d[1].path = path1;
	d[1].fd = dev_open(path1);
	d[1].cap = cap;
	start_clean(d[1].fd);
	cap = c0;
	xt_expect(xt_info(d[0].fd).phys_start != xt_info(d[1].fd).phys_start,
		  "both devices start at the same address");
	xt_note("%s: %llu MiB, %s: %llu MiB", d[0].path, (unsigned long long)(d[0].cap >> 20),
		d[1].path, (unsigned long long)(d[1].cap >> 20));
	two_dev_round(&d[0], &d[1], 0x74776f31);
	two_dev_round(&d[1], &d[0], 0x74776f32);
	cap = d[1].cap;
	finish(d[1].fd, "two-devices (second)");
	cap = d[0].cap;
	finish(d[0].fd, "two-devices (first)");
	close(d[0].fd);
	close(d[1].fd);
}

/* --- truncate-other-process ------------------------------------------------------------ */

static sigjmp_buf bus_jb;
static volatile sig_atomic_t bus_armed;

static void on_bus(int sig)
{
	if (bus_armed)
		siglongjmp(bus_jb, sig);
	_exit(9);
}

/* Does reading *p raise SIGBUS? */
static int touch_sigbus(volatile char *p)
{
	volatile char c;

	if (sigsetjmp(bus_jb, 1)) {
		bus_armed = 0;
		return 1;
	}
	bus_armed = 1;
	c = *p;
	(void)c;
	bus_armed = 0;
	return 0;
}

static void t_truncate_other_process(void)
{
	int ready[2], go[2], fd, status, i;
	pid_t a, b;
	char c;

	fd = dev_open(xt_dev);
	start_clean(fd);
	if (pipe(ready) || pipe(go))
		xt_die("pipe: %s", strerror(errno));
	fflush(NULL);
	a = fork();
	if (!a) {
		/* Process A: its own open, its own mapping of 4 blocks. */
		int afd = xt_open(xt_dev);
		char *m = map_at(afd, 0, 4 * blk, PROT_READ | PROT_WRITE);

		signal(SIGBUS, on_bus);
		xt_fill(m, 4 * blk, 0x41414141);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		xt_expect(xt_verify(m, blk, 0x41414141) == (size_t)-1,
			  "A: data below the new size changed");
		for (i = 1; i < 4; i++) {
			xt_expect(touch_sigbus(m + i * blk), "A: block %d past the size: no SIGBUS", i);
			xt_expect(touch_sigbus(m + i * blk + blk - PG),
				  "A: end of block %d past the size: no SIGBUS", i);
		}
		_exit(xt_failures ? 1 : 0);
	}
	if (read(ready[0], &c, 1) != 1)
		xt_die("process A did not get ready");
	b = fork();
	if (!b) {
		/* Process B: another open truncates to one block. */
		int bfd = xt_open(xt_dev);
		int r = xt_set_size(bfd, blk, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL);

		xt_expect(!r, "B: SET_SIZE 2 MiB: %s", err_or_ok(r));
		_exit(xt_failures ? 1 : 0);
	}
	waitpid(b, &status, 0);
	xt_expect(WIFEXITED(status) && !WEXITSTATUS(status), "process B: status %#x", status);
	xt_expect(xt_stats(fd).in_use == 1, "after B's truncate: in use %llu, expected 1",
		  (unsigned long long)xt_stats(fd).in_use);
	if (write(go[1], "g", 1) != 1)
		xt_die("write: %s", strerror(errno));
	waitpid(a, &status, 0);
	xt_expect(WIFEXITED(status) && !WEXITSTATUS(status), "process A: status %#x", status);
	finish(fd, "truncate-other-process");
	close(fd);
}

/* --- mprotect-pmd -------------------------------------------------------------------- */

static void t_mprotect_pmd(void)
{
	struct xdax_stats s0, s1, s2;
	volatile char *p;
	char *q;
	int fd;

	fd = dev_open(xt_dev);
	start_clean(fd);
	s0 = xt_stats(fd);
	p = (volatile char *)map_at(fd, 2 * blk, blk, PROT_READ);
	xt_expect(((uintptr_t)p & (blk - 1)) == 0, "the 2 MiB mapping is not 2 MiB aligned: %p", p);
	xt_expect(p[0] == 0 && p[blk - 1] == 0, "a fresh block does not read zero");
	s1 = xt_stats(fd);
	xt_expect(s1.pmd_faults == s0.pmd_faults + 1 && s1.pte_faults == s0.pte_faults,
		  "read fault: pmd_faults +%llu pte_faults +%llu, expected +1 and +0",
		  (unsigned long long)(s1.pmd_faults - s0.pmd_faults),
		  (unsigned long long)(s1.pte_faults - s0.pte_faults));
	xt_expect(!mprotect((void *)p, blk, PROT_READ | PROT_WRITE), "mprotect RW: %s",
		  strerror(errno));
	xt_fill((void *)p, blk, 0x4d505254);
	s2 = xt_stats(fd);
	xt_expect(s2.pte_faults == s0.pte_faults,
		  "writing after mprotect faulted %llu PTEs, expected none (PMD)",
		  (unsigned long long)(s2.pte_faults - s0.pte_faults));
	xt_note("pmd_faults +%llu after read fault, mprotect RW and write",
		(unsigned long long)(s2.pmd_faults - s0.pmd_faults));
	q = map_at(fd, 2 * blk, blk, PROT_READ);
	xt_expect(xt_verify(q, blk, 0x4d505254) == (size_t)-1,
		  "the data written after mprotect is not seen through another mapping");
	xt_expect(xt_stats(fd).in_use == 1, "in use %llu, expected 1",
		  (unsigned long long)xt_stats(fd).in_use);
	munmap(q, blk);
	munmap((void *)p, blk);
	finish(fd, "mprotect-pmd");
	close(fd);
}

/* --- memlock-restored ----------------------------------------------------------------- */

/* VmLck of this process, in kB; -1 if not found. */
static long vmlck(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

#define EXPECT_VMLCK(want, what) do {						\
	long __v = vmlck();							\
	xt_expect(__v == (want), "VmLck %ld kB %s, expected %ld kB", __v, (what),	\
		  (long)(want));						\
} while (0)

/*
 * As uid 1000 with RLIMIT_MEMLOCK 4 MiB (xdax_runas -l MEMLOCK_USER_LIMIT): a helper mode.
 * The limits are chosen so that page and whole-block accounting (the v2 header: every block a
 * pin touches counts `align` bytes) give the same verdicts: 4 blocks fully pinned (8 MiB)
 * are over the limit either way, 8 pages of one block (32 KiB or 2 MiB) within it.
 */
#define MEMLOCK_USER_LIMIT	"4194304"

static int memlock_user(int fd)
{
	uint64_t id;
	long v0, v;
	char *m, *anon;
	int r;

	if (!geteuid())
		xt_die("memlock-user must run unprivileged (under xdax_runas)");
	v0 = vmlck();
	m = map_at(fd, 4 * blk, 4 * blk, PROT_READ | PROT_WRITE);
	m[0] = m[blk] = m[2 * blk] = m[3 * blk] = 1;
	r = pin_raw(fd, m, 4 * blk, &id);
	xt_expect(r == -ENOMEM, "uid %d: PIN of 8 MiB over RLIMIT_MEMLOCK 4 MiB: %s, expected ENOMEM",
		  (int)geteuid(), err_or_ok(r));
	if (!r)
		xt_unpin(fd, id);
	EXPECT_VMLCK(v0, "after a PIN refused by RLIMIT_MEMLOCK");
	anon = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		xt_die("mmap anon: %s", strerror(errno));
	anon[0] = 1;
	r = pin_raw(fd, anon, PG, &id);
	xt_expect(r == -EINVAL, "uid %d: PIN of anonymous memory: %s, expected EINVAL",
		  (int)geteuid(), err_or_ok(r));
	EXPECT_VMLCK(v0, "after a PIN of anonymous memory (EINVAL)");
	r = pin_raw(fd, m, 8 * PG, &id);
	xt_expect(!r, "uid %d: PIN of 8 pages of one block within RLIMIT_MEMLOCK 4 MiB: %s",
		  (int)geteuid(), err_or_ok(r));
	v = vmlck();
	xt_note("uid %d: VmLck %ld kB -> %ld kB with 8 pages of one block pinned", (int)geteuid(),
		v0, v);
	xt_expect(v > v0, "uid %d: VmLck %ld kB with a pin held, not charged (start %ld kB)",
		  (int)geteuid(), v, v0);
	if (!r)
		xt_expect(!xt_unpin(fd, id), "unpin");
	EXPECT_VMLCK(v0, "after UNPIN");

	/* close with pins: an open of its own (the test made the node group-writable) */
	{
		int fd2 = open(xt_dev, O_RDWR | O_CLOEXEC);

		if (fd2 < 0) {
			xt_fail("uid %d: open %s: %s", (int)geteuid(), xt_dev, strerror(errno));
		} else {
			r = pin_raw(fd2, m + blk, 8 * PG, &id);
			xt_expect(!r, "uid %d: PIN through a second open: %s", (int)geteuid(),
				  err_or_ok(r));
			xt_expect(vmlck() > v0, "uid %d: VmLck %ld kB with a pin held by a second open",
				  (int)geteuid(), vmlck());
			close(fd2);
			EXPECT_VMLCK(v0, "after closing the open that held a pin");
		}
	}

	/* process death: this process holds a pin, a child pins through the inherited fd */
	{
		int sync[2], status;
		long vp;
		pid_t pid;
		char c;

		r = pin_raw(fd, m, 8 * PG, &id);
		xt_expect(!r, "uid %d: PIN: %s", (int)geteuid(), err_or_ok(r));
		vp = vmlck();
		if (pipe(sync))
			xt_die("pipe: %s", strerror(errno));
		fflush(NULL);
		pid = fork();
		if (!pid) {
			uint64_t cid;
			int cr = pin_raw(fd, m + 2 * blk, 8 * PG, &cid);

			if (write(sync[1], cr ? "e" : "p", 1) != 1)
				_exit(2);
			pause();
			_exit(0);
		}
		if (read(sync[0], &c, 1) != 1 || c != 'p')
			xt_fail("uid %d: the child's PIN through the inherited fd failed", (int)geteuid());
		EXPECT_VMLCK(vp, "after a child pinned through the inherited fd");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		EXPECT_VMLCK(vp, "after the pinning child was killed");
		if (!r)
			xt_expect(!xt_unpin(fd, id), "unpin");
		EXPECT_VMLCK(v0, "after this process's own UNPIN");
		close(sync[0]);
		close(sync[1]);
	}
	munmap(m, 4 * blk);
	munmap(anon, 4 * PG);
	return xt_exit("memlock-user");
}

static void t_memlock_restored(void)
{
	uint64_t id, base_pinned;
	char self[PATH_MAX], fdarg[16], *m, *anon;
	struct stat node;
	int fd, fd2, ufd, status, sync[2], r;
	long v0;
	ssize_t n;
	pid_t pid;
	char c;

	fd = dev_open(xt_dev);
	start_clean(fd);
	base_pinned = xt_stats(fd).pinned_pages;
	v0 = vmlck();
	if (v0 < 0)
		xt_die("no VmLck in /proc/self/status");
	xt_note("VmLck at the start: %ld kB", v0);
	m = map_at(fd, blk, blk, PROT_READ | PROT_WRITE);
	xt_fill(m, blk, 0x4d4c4b31);

	/* UNPIN */
	id = xt_pin(fd, m, 16 * PG, 0);
	xt_note("VmLck %ld kB with 16 pages pinned (the charge's unit is the module's business)",
		vmlck());
	xt_expect(!xt_unpin(fd, id), "unpin");
	EXPECT_VMLCK(v0, "after UNPIN");

	/* close with pins (a second open holds them) */
	fd2 = xt_open(xt_dev);
	xt_pin(fd2, m, 16 * PG, 0);
	xt_pin(fd2, m + 32 * PG, 8 * PG, 0);
	xt_note("VmLck %ld kB with two pins held by a second open", vmlck());
	close(fd2);
	EXPECT_VMLCK(v0, "after closing the open that held the pins");

	/* failed PINs: not this device's memory */
	anon = mmap(NULL, 2 * blk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		xt_die("mmap anon: %s", strerror(errno));
	memset(anon, 1, 16 * PG);
	r = pin_raw(fd, anon, 16 * PG, &id);
	xt_expect(r == -EINVAL, "PIN of anonymous memory: %s, expected EINVAL", err_or_ok(r));
	if (!r)
		xt_unpin(fd, id);
	EXPECT_VMLCK(v0, "after a PIN of anonymous memory");
	r = pin_raw(fd, m + blk - 4 * PG, 8 * PG, &id);
	xt_expect(r == -EINVAL || r == -EFAULT,
		  "PIN running past the xdax mapping: %s, expected EINVAL", err_or_ok(r));
	if (!r)
		xt_unpin(fd, id);
	EXPECT_VMLCK(v0, "after a PIN running past the mapping");
	munmap(anon, 2 * blk);

	/*
	 * As uid 1000 with RLIMIT_MEMLOCK: the same paths where the charge counts.  The node
	 * becomes root:xdax 0660 meanwhile, for the user's own second open.
	 */
	if (stat(xt_dev, &node))
		xt_die("stat %s: %s", xt_dev, strerror(errno));
	if (chown(xt_dev, 0, 990) || chmod(xt_dev, 0660))
		xt_die("chown/chmod %s: %s", xt_dev, strerror(errno));
	ufd = open(xt_dev, O_RDWR);	/* inherited across exec, no CLOEXEC */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (ufd < 0 || n <= 0)
		xt_die("open / readlink: %s", strerror(errno));
	self[n] = 0;
	snprintf(fdarg, sizeof(fdarg), "%d", ufd);
	fflush(NULL);
	pid = fork();
	if (!pid) {
		execlp("xdax_runas", "xdax_runas", "-l", MEMLOCK_USER_LIMIT, "1000", "990", self, xt_dev,
		       "memlock-user", fdarg, (char *)NULL);
		fprintf(stderr, "FAIL: exec xdax_runas: %s\n", strerror(errno));
		_exit(126);
	}
	waitpid(pid, &status, 0);
	xt_expect(WIFEXITED(status) && !WEXITSTATUS(status),
		  "the uid 1000 part (xdax_runas -l " MEMLOCK_USER_LIMIT ") failed: status %#x", status);
	close(ufd);
	if (chown(xt_dev, node.st_uid, node.st_gid) || chmod(xt_dev, node.st_mode & 07777))
		xt_fail("restoring %s's owner and mode: %s", xt_dev, strerror(errno));
	EXPECT_VMLCK(v0, "after the uid 1000 part");

	/* process death: a long-lived parent, a child pinning through the inherited fd */
	long vp;

	id = xt_pin(fd, m, 16 * PG, 0);
	vp = vmlck();
	xt_note("parent VmLck %ld kB with its own pin", vp);
	if (pipe(sync))
		xt_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (!pid) {
		long cv = vmlck();

		xt_pin(fd, m + 64 * PG, 32 * PG, 0);
		xt_note("child VmLck %ld kB -> %ld kB after pinning through the inherited fd", cv,
			vmlck());
		if (write(sync[1], "p", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	if (read(sync[0], &c, 1) != 1)
		xt_fail("the pinning child died first");
	EXPECT_VMLCK(vp, "parent after the child pinned through the inherited fd");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	EXPECT_VMLCK(vp, "parent after the pinning child was killed");
	xt_expect(!xt_unpin(fd, id), "parent unpin");
	EXPECT_VMLCK(v0, "parent after its own UNPIN");
	munmap(m, blk);
	close(fd);	/* the last reference to the file: the dead child's pins go too */
	EXPECT_VMLCK(v0, "parent after closing the fd the dead child pinned through");
	fd = dev_open(xt_dev);
	xt_expect(xt_stats(fd).pinned_pages == base_pinned, "pinned_pages %llu at the end, expected %llu",
		  (unsigned long long)xt_stats(fd).pinned_pages, (unsigned long long)base_pinned);
	close(sync[0]);
	close(sync[1]);
	finish(fd, "memlock-restored");
	close(fd);
}

/* --- zero-on-reuse -------------------------------------------------------------------- */

static void zero_reuse_variant(int fd, int pte)
{
	const char *v = pte ? "PTE" : "PMD";
	uint64_t pb = 5, qb = 9, n = 0, bp, id, i;
	struct xdax_stats s0, s;
	struct xdax_punch p;
	struct xdax_query qq;
	char *all, *m;
	int r;

	start_clean(fd);
	r = allocate(fd, 0, cap, &n);
	xt_expect(!r && n == nblk, "%s: ALLOCATE the whole capacity: %s, %llu of %llu blocks", v,
		  err_or_ok(r), (unsigned long long)n, (unsigned long long)nblk);
	all = map_at(fd, 0, cap, PROT_READ | PROT_WRITE);
	for (i = 0; i < nblk; i++)
		xt_fill(all + i * blk, blk, 0x5a45524fULL ^ (i << 32));
	s = xt_stats(fd);
	xt_expect(s.free == 0 && s.in_use == nblk, "%s: after filling: free %llu in use %llu", v,
		  (unsigned long long)s.free, (unsigned long long)s.in_use);
	bp = xt_query(fd, pb * blk).block;

	/* Q becomes a hole whose old block stays referenced (awaiting): not free. */
	id = xt_pin(fd, all + qb * blk, PG, 0);
	r = xt_punch(fd, qb * blk, blk, XDAX_WAIT_NOWAIT, 0, &p);
	xt_expect(!r && p.pending == 1, "%s: NOWAIT punch of the pinned block Q: %s pending %llu", v,
		  err_or_ok(r), (unsigned long long)p.pending);
	/* Punch P, waiting: its dirty block is now the only free one. */
	r = xt_punch(fd, pb * blk, blk, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, &p);
	xt_expect(!r && p.freed == 1, "%s: blocking punch of P: %s freed %llu", v, err_or_ok(r),
		  (unsigned long long)p.freed);
	s0 = xt_stats(fd);
	xt_expect(s0.free == 1, "%s: %llu free blocks, expected exactly 1 (P's dirty block)", v,
		  (unsigned long long)s0.free);
	{
		struct xdax_query f = { .size = sizeof(f), .flags = XDAX_QUERY_BLOCK, .block = bp };

		if (!ioctl(fd, XDAX_IOC_QUERY, &f))
			xt_expect(f.state == XDAX_BLOCK_FREE, "%s: block %llu is not free after the punch",
				  v, (unsigned long long)bp);
	}

	/* Fault the hole at Q: the only block it can get is P's. */
	m = pte ? map_pte(fd, qb * blk, blk) : map_at(fd, qb * blk, blk, PROT_READ | PROT_WRITE);
	xt_expect(xt_all_zero(m, blk), "%s: the reused block does not read all zeros", v);
	qq = xt_query(fd, qb * blk);
	s = xt_stats(fd);
	xt_note("%s: P (offset %#llx) had block %llu; Q (offset %#llx) now has block %llu; pte_faults +%llu pmd_faults +%llu",
		v, (unsigned long long)(pb * blk), (unsigned long long)bp,
		(unsigned long long)(qb * blk), (unsigned long long)qq.block,
		(unsigned long long)(s.pte_faults - s0.pte_faults),
		(unsigned long long)(s.pmd_faults - s0.pmd_faults));
	xt_expect(qq.state == XDAX_BLOCK_IN_USE && qq.block == bp,
		  "%s: Q got block %llu (state %u), expected P's old block %llu", v,
		  (unsigned long long)qq.block, qq.state, (unsigned long long)bp);
	/* PTE: the first read fault maps the whole block (block-around), so 1 to blk / PG. */
	if (pte)
		xt_expect(s.pte_faults - s0.pte_faults >= 1 &&
			  s.pte_faults - s0.pte_faults <= blk / PG && s.pmd_faults == s0.pmd_faults,
			  "PTE variant: pte_faults +%llu pmd_faults +%llu",
			  (unsigned long long)(s.pte_faults - s0.pte_faults),
			  (unsigned long long)(s.pmd_faults - s0.pmd_faults));
	else
		xt_expect(s.pmd_faults == s0.pmd_faults + 1 && s.pte_faults == s0.pte_faults,
			  "PMD variant: pmd_faults +%llu pte_faults +%llu",
			  (unsigned long long)(s.pmd_faults - s0.pmd_faults),
			  (unsigned long long)(s.pte_faults - s0.pte_faults));
	xt_expect(s.zeroed == s0.zeroed + 1, "%s: zeroed +%llu, expected +1", v,
		  (unsigned long long)(s.zeroed - s0.zeroed));
	/* The other blocks kept their data. */
	for (i = 0; i < nblk; i++)
		if (i != pb && i != qb && xt_verify(all + i * blk, blk, 0x5a45524fULL ^ (i << 32)) !=
					  (size_t)-1) {
			xt_fail("%s: block at offset %#llx lost its data", v,
				(unsigned long long)(i * blk));
			break;
		}
	xt_expect(!xt_unpin(fd, id), "%s: unpin Q's old block", v);
	munmap(m, blk);
	munmap(all, cap);
	finish(fd, pte ? "zero-on-reuse (PTE)" : "zero-on-reuse (PMD)");
}

static void t_zero_on_reuse(void)
{
	int fd = dev_open(xt_dev);

	if (nblk < 12)
		xt_skip("%llu blocks: too few", (unsigned long long)nblk);
	zero_reuse_variant(fd, 0);
	zero_reuse_variant(fd, 1);
	close(fd);
}

/* --- helper modes ------------------------------------------------------------------- */

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		xt_note("no /proc/sys/vm/drop_caches (%s): step left out", strerror(errno));
		return;
	}
	if (write(fd, "3\n", 2) != 2)
		xt_fail("drop_caches: %s", strerror(errno));
	close(fd);
}

static int opath_rmmod(void)
{
	char refcnt_path[] = "/sys/module/" MODNAME "/refcnt", proc[64];
	int fd, o;
	long long rc;

	fd = xt_open(xt_dev);		/* points the node's inode at xdax's address_space */
	close(fd);
	o = open(xt_dev, O_PATH | O_CLOEXEC);
	if (o < 0)
		xt_die("open O_PATH: %s", strerror(errno));
	rc = read_num(refcnt_path);
	xt_note("O_PATH fd %d open; refcnt %lld", o, rc);
	xt_expect(rc == 0, "refcnt %lld with only an O_PATH fd open, expected 0", rc);
	if (syscall(SYS_delete_module, MODNAME, O_NONBLOCK)) {
		xt_fail("rmmod with only an O_PATH fd open: %s", strerror(errno));
		close(o);
		return xt_exit("opath-rmmod");
	}
	xt_note("rmmod done; drop_caches with the O_PATH fd open");
	drop_caches();
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o);
	fd = open(proc, O_RDWR | O_CLOEXEC);
	xt_expect(fd < 0 && (errno == ENXIO || errno == ENODEV),
		  "reopen through %s after rmmod: %s, expected ENXIO or ENODEV", proc,
		  fd < 0 ? strerror(errno) : "it opened");
	if (fd >= 0)
		close(fd);
	xt_note("closing the O_PATH fd");
	close(o);
	drop_caches();
	xt_note("done");
	return xt_exit("opath-rmmod");
}

static int use_device(void)
{
	int fd = dev_open(xt_dev), r;
	char *m;

	start_clean(fd);
	m = map_at(fd, 0, 2 * blk, PROT_READ | PROT_WRITE);
	xt_fill(m, 2 * blk, 0x55534531);
	xt_expect(xt_verify(m, 2 * blk, 0x55534531) == (size_t)-1, "data does not read back");
	munmap(m, 2 * blk);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL);
	xt_expect(!r, "truncate: %s", err_or_ok(r));
	xt_expect(!xt_set_size(fd, cap, 0, 0, NULL), "grow back");
	xt_conserved(fd, "use");
	close(fd);
	return xt_exit("use");
}

static const struct xt_case cases[] = {
	{ "events-not-lost", t_events_not_lost,
	  "a NOWAIT leftover freed by a later blocking PUNCH/SET_SIZE still raises an event (20/20)" },
	{ "grow-no-wait", t_grow_no_wait,
	  "growing and unrelated punches wait for nothing; NOWAIT leftovers are not waited for; EINTR repeats" },
	{ "epoll-nonblock", t_epoll_nonblock,
	  "epoll EPOLLIN, O_NONBLOCK EAGAIN, one record per read and per open, short read EINVAL" },
	{ "two-devices", t_two_devices,
	  "pins, truncates, punches and events of one device never touch the other" },
	{ "truncate-other-process", t_truncate_other_process,
	  "a truncate through another process's open zaps this process's mapping" },
	{ "mprotect-pmd", t_mprotect_pmd, "PROT_READ PMD mapping, mprotect RW, write, seen elsewhere" },
	{ "memlock-restored", t_memlock_restored,
	  "VmLck back to its start after UNPIN, close, failed PIN, RLIMIT refusal, process death" },
	{ "zero-on-reuse", t_zero_on_reuse,
	  "the only free block is a dirty one: a fault elsewhere reuses it, all zeros (PMD, PTE)" },
	{ "hold-derived", t_hold_derived,
	  "no file open, a block awaiting or in a pipe: refcnt >= 1 and rmmod refused, racing the reaper" },
	{ 0 }
};

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[2], "opath-rmmod")) {
		xt_dev = argv[1];
		return opath_rmmod();
	}
	if (argc >= 3 && !strcmp(argv[2], "use")) {
		xt_dev = argv[1];
		return use_device();
	}
	if (argc >= 4 && !strcmp(argv[2], "memlock-user")) {
		int fd = atoi(argv[3]);

		xt_dev = argv[1];
		{
			struct xdax_info in = xt_info(fd);

			cap = in.capacity;
			blk = in.align;
			nblk = cap / blk;
		}
		return memlock_user(fd);
	}
	return xt_run(argc, argv, cases);
}
