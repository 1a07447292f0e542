// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_reclaim DEV TEST [ARGS]: map, start DMA, truncate, end DMA -- how the allocator
 * learns, later, that the block is free.  One subtest per run; exit 0 if every assertion
 * held, 1 if one failed, 2 if the test could not go on, 77 (after "# skip: REASON") if the
 * kernel cannot do what the subtest needs.
 *
 * A 2 MiB block at file offset OFF is mapped and filled with a pattern, a reference is held
 * on it, and the file is truncated to OFF (the block goes):
 *   pin, pin-nowait                    XDAX_IOC_PIN
 *   uring, uring-nowait                an io_uring registered buffer (raw syscalls)
 *   odirect-write, odirect-write-nowait   O_DIRECT write from the mapping to a slow null_blk
 *   odirect-read, odirect-read-nowait     O_DIRECT read from the slow null_blk into it
 * Blocking: the truncate returns only after the reference is dropped (D ms later), and the
 * block is "awaiting reclaim" meanwhile.  NOWAIT: it returns at once with the block
 * awaiting reclaim, the file has a hole there, the fd is not readable; once the reference
 * goes, xdax's reaper frees the block and the fd becomes readable with one
 * XDAX_EVENT_RECLAIM.  Either way a new fault at OFF then reads zeros.
 *   vmsplice      a mapped page in a pipe (no SPLICE_F_GIFT), NOWAIT truncate, drain the pipe
 *   signal        a blocking truncate interrupted by a signal (SA_RESTART): EINTR, repeatable
 *   timeout       XDAX_WAIT_TIMEOUT: ETIMEDOUT, then the reaper frees the block
 *   killed        a process holding pins is SIGKILLed: pins released
 *   close         pin, munmap, close: pins released, refcount back to 1
 *   memlock       RLIMIT_MEMLOCK without CAP_IPC_LOCK: ENOMEM
 *   badargs       malformed PIN/UNPIN/SET_SIZE/PUNCH/ALLOCATE: errno and no side effect
 *   hold-pipe in-file|awaiting READYFILE
 *                 helper for the rmmod test: vmsplice a page into a pipe ("awaiting":
 *                 truncate the block away NOWAIT), munmap and close the device, create
 *                 READYFILE, wait for a byte on stdin, drain the pipe and check the data.
 * Every subtest ends with the accounting audited, the size back at the capacity and no
 * block left allocated.  "# latency" lines are benchmark figures (ms).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/capability.h>
#include <linux/io_uring.h>

#include "xdax_test.h"
#include "xt_uring.h"

#define SKIP_STATUS	77
#define D_MS		300		/* how long a reference is held before it is dropped */
#define EVENT_WAIT_MS	5000		/* "within a few seconds" */
#define PROMPT_MS	2000		/* "promptly", generous for TCG */
#define WATCHDOG_S	120

static const char *dev_path;
/* The case running (xt_case_name), or the holder's name. */
/* The case running, or the holder t60 uses. */
#define test_name (xt_case_name ? xt_case_name : "hold-pipe")
static uint64_t cap, align, off;
static int mapping_refs;
static volatile const char *step = "start";

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

static void sleep_until(double t)
{
	sleep_ms(t - xt_now_ms());
}

static void watchdog(int sig)
{
	const char *s = (const char *)step;
	char msg[256];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "FAIL: watchdog: %s stuck %d s in: %s\n",
		     test_name, WATCHDOG_S, s);
	if (write(2, msg, n) < 0)
		_exit(3);
	_exit(3);
}

__attribute__((format(printf, 1, 2), noreturn))
static void skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "# skip: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(xt_failures ? 1 : SKIP_STATUS);
}

static void latency(const char *what, double ms)
{
	xt_note("latency %s: %s %.1f ms", test_name, what, ms);
}

static char *map_block(int fd, uint64_t offset)
{
	void *p = mmap(NULL, align, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);

	if (p == MAP_FAILED)
		xt_die("mmap %#llx bytes at %#llx: %s", (unsigned long long)align,
		       (unsigned long long)offset, strerror(errno));
	return p;
}

static int fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		xt_fail("poll: %s", strerror(errno));
	return r > 0 && (p.revents & POLLIN);
}

static const char *state_name(uint32_t s)
{
	static const char *n[] = { "FREE", "IN_USE", "AWAITING_RECLAIM", "HOLE" };

	return s < 4 ? n[s] : "?";
}

/* --- begin and end of every subtest --------------------------------------------------- */

/* Size back at the capacity, nothing allocated, nothing pinned; cleans up leftovers. */
static void start_clean(int fd)
{
	struct xdax_stats s = xt_stats(fd);

	if (s.file_size == cap && !s.in_use && !s.awaiting_reclaim && !s.pinned_pages)
		return;
	xt_note("state left by an earlier run: size %#llx in use %llu awaiting %llu pinned %llu; cleaning",
		(unsigned long long)s.file_size, (unsigned long long)s.in_use,
		(unsigned long long)s.awaiting_reclaim, (unsigned long long)s.pinned_pages);
	xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5000000000ULL, NULL);
	xt_set_size(fd, cap, 0, 0, NULL);
	s = xt_stats(fd);
	if (s.file_size != cap || s.in_use || s.awaiting_reclaim)
		xt_die("cannot start from a clean device: size %#llx in use %llu awaiting %llu",
		       (unsigned long long)s.file_size, (unsigned long long)s.in_use,
		       (unsigned long long)s.awaiting_reclaim);
}

/* After a subtest (its mappings gone): audit, free what it left, size back, all free. */
static void finish(int fd)
{
	struct xdax_stats s;
	int r;

	step = "finish";
	xt_conserved(fd, test_name);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5000000000ULL, NULL);
	xt_expect(!r, "%s: cleanup truncate to 0: %s (a block still referenced?)", test_name,
		  strerror(-r));
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "%s: grow back to the capacity: %s", test_name, strerror(-r));
	s = xt_stats(fd);
	xt_expect(s.file_size == cap, "%s: size %#llx after cleanup, expected the capacity %#llx",
		  test_name, (unsigned long long)s.file_size, (unsigned long long)cap);
	xt_expect(!s.in_use && !s.awaiting_reclaim && s.free == s.total && !s.pinned_pages,
		  "%s: left allocated: in use %llu awaiting %llu free %llu/%llu pinned pages %llu",
		  test_name, (unsigned long long)s.in_use, (unsigned long long)s.awaiting_reclaim,
		  (unsigned long long)s.free, (unsigned long long)s.total,
		  (unsigned long long)s.pinned_pages);
	xt_conserved(fd, "after cleanup");
}

/* --- checks shared by the truncate scenarios -------------------------------------------- */

/* Right after the NOWAIT truncate: one block awaiting reclaim, a hole, fd not readable. */
static void check_awaiting(int fd, int r, const struct xdax_set_size *st, double ms,
			   const struct xdax_stats *s0, const char *what)
{
	struct xdax_stats s;
	struct xdax_query q;

	xt_expect(!r, "%s: NOWAIT truncate to %#llx: %s", what, (unsigned long long)off,
		  strerror(-r));
	if (r)
		return;
	xt_expect(st->pending == 1 && st->freed == 0,
		  "%s: NOWAIT truncate: pending %llu freed %llu, expected 1 and 0", what,
		  (unsigned long long)st->pending, (unsigned long long)st->freed);
	xt_expect(ms < 1000, "%s: NOWAIT truncate took %.0f ms", what, ms);
	s = xt_stats(fd);
	xt_expect(s.awaiting_reclaim == 1, "%s: awaiting_reclaim %llu after NOWAIT, expected 1",
		  what, (unsigned long long)s.awaiting_reclaim);
	xt_expect(s.file_size == off, "%s: size %#llx after truncate to %#llx", what,
		  (unsigned long long)s.file_size, (unsigned long long)off);
	xt_expect(s.page_free_calls == s0->page_free_calls,
		  "%s: page_free_calls %llu -> %llu while the block is still referenced", what,
		  (unsigned long long)s0->page_free_calls, (unsigned long long)s.page_free_calls);
	xt_expect(s.free == s0->free - 1, "%s: free %llu while awaiting, expected %llu", what,
		  (unsigned long long)s.free, (unsigned long long)(s0->free - 1));
	q = xt_query(fd, off);
	xt_expect(q.state == XDAX_BLOCK_HOLE, "%s: QUERY at the old offset: %s, expected HOLE",
		  what, state_name(q.state));
	xt_conserved(fd, what);
	xt_expect(!fd_readable(fd, 0), "%s: fd readable while the block is still referenced",
		  what);
}

/*
 * The reference was dropped at t_drop: within EVENT_WAIT_MS the fd becomes readable, read()
 * gives one XDAX_EVENT_RECLAIM, and the block is free (s0: before it was allocated).
 */
static void check_reclaim_event(int fd, double t_drop, const struct xdax_stats *s0,
				const char *what)
{
	struct xdax_event ev;
	struct xdax_stats s;
	double t;
	ssize_t n;

	step = "waiting for the reclaim event";
	if (!fd_readable(fd, EVENT_WAIT_MS)) {
		s = xt_stats(fd);
		xt_fail("%s: fd not readable %d ms after the reference was dropped (awaiting %llu, page_free_calls %llu -> %llu)",
			what, EVENT_WAIT_MS, (unsigned long long)s.awaiting_reclaim,
			(unsigned long long)s0->page_free_calls,
			(unsigned long long)s.page_free_calls);
		return;
	}
	t = xt_now_ms();
	latency("reference dropped -> reclaim event", t - t_drop);
	memset(&ev, 0xa5, sizeof(ev));
	n = read(fd, &ev, sizeof(ev));
	if (n != (ssize_t)sizeof(ev)) {
		xt_fail("%s: read of the event: %zd (%s), expected %zu", what, n,
			n < 0 ? strerror(errno) : "short", sizeof(ev));
	} else {
		xt_expect(ev.size == sizeof(ev) && ev.type == XDAX_EVENT_RECLAIM,
			  "%s: event size %u type %u, expected %zu and XDAX_EVENT_RECLAIM", what,
			  ev.size, ev.type, sizeof(ev));
		xt_expect(ev.reclaimed >= 1 && ev.seq >= 1,
			  "%s: event reclaimed %llu seq %llu", what,
			  (unsigned long long)ev.reclaimed, (unsigned long long)ev.seq);
		xt_expect(ev.awaiting_reclaim == 0 && ev.free == s0->free,
			  "%s: event says awaiting %llu free %llu, expected 0 and %llu", what,
			  (unsigned long long)ev.awaiting_reclaim, (unsigned long long)ev.free,
			  (unsigned long long)s0->free);
	}
	s = xt_stats(fd);
	xt_expect(s.page_free_calls == s0->page_free_calls + 1,
		  "%s: page_free_calls %llu -> %llu, expected +1", what,
		  (unsigned long long)s0->page_free_calls, (unsigned long long)s.page_free_calls);
	xt_expect(s.reclaim_events == s0->reclaim_events + 1,
		  "%s: reclaim_events %llu -> %llu, expected +1", what,
		  (unsigned long long)s0->reclaim_events, (unsigned long long)s.reclaim_events);
	xt_expect(!s.awaiting_reclaim && s.free == s0->free && s.in_use == s0->in_use,
		  "%s: after the reclaim: awaiting %llu free %llu in use %llu, expected 0, %llu, %llu",
		  what, (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.free,
		  (unsigned long long)s.in_use, (unsigned long long)s0->free,
		  (unsigned long long)s0->in_use);
	xt_expect(!fd_readable(fd, 0), "%s: fd still readable after reading the one event", what);
	xt_conserved(fd, what);
}

/* Grow back; the old mapping's next fault at OFF gets a fresh zeroed block. */
static void check_fresh_zero(int fd, char *map, const char *what)
{
	struct xdax_query q;
	int r;

	step = "grow back and refault";
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "%s: grow back to the capacity: %s", what, strerror(-r));
	if (r)
		return;
	if (!xt_all_zero(map, align))
		xt_fail("%s: a new fault at the old offset does not read zeros (first words %#llx %#llx)",
			what, (unsigned long long)((uint64_t *)map)[0],
			(unsigned long long)((uint64_t *)map)[1]);
	q = xt_query(fd, off);
	xt_expect(q.state == XDAX_BLOCK_IN_USE, "%s: after the refault the block is %s", what,
		  state_name(q.state));
	xt_conserved(fd, what);
}

/* --- blocking truncate with a stats sampler --------------------------------------------- */

struct blocker {
	int fd;
	atomic_int started, done;
	double t_start, t_end;
	int r;
	struct xdax_set_size st;
	/* sampler */
	uint64_t max_awaiting;
	int seen_awaiting;
};

static void *sampler(void *arg)
{
	struct blocker *b = arg;

	while (!atomic_load(&b->done)) {
		if (atomic_load(&b->started)) {
			struct xdax_stats s = xt_stats(b->fd);

			if (atomic_load(&b->done))
				break;
			if (s.awaiting_reclaim > b->max_awaiting)
				b->max_awaiting = s.awaiting_reclaim;
			if (s.awaiting_reclaim == 1)
				b->seen_awaiting++;
		}
		sleep_ms(2);
	}
	return NULL;
}

static void blocking_truncate(struct blocker *b, uint64_t size)
{
	b->t_start = xt_now_ms();
	atomic_store(&b->started, 1);
	b->r = xt_set_size(b->fd, size, 0, 0, &b->st);
	b->t_end = xt_now_ms();
	atomic_store(&b->done, 1);
}

/* --- the references ------------------------------------------------------------------- */

struct io_job {
	int fd, write;
	void *buf;
	size_t len;
	atomic_int done;
	double t_start, t_end;
	ssize_t ret;
	int err;
};

struct ctx {
	int fd;
	char *map;
	uint64_t seed;
	struct xdax_stats s0;	/* before the block was allocated */
	int32_t r0;		/* the block's refcount before the reference */
	double t_drop;
	uint64_t pin_id;
	struct xt_ring ring;
	int ring_ok, registered;
	int write;		/* O_DIRECT direction */
	struct io_job job;
	pthread_t io;
	int io_running;
};

struct refops {
	const char *what;
	void (*prepare)(struct ctx *);	/* before anything is allocated; may skip */
	void (*hold)(struct ctx *);
	void (*drop)(struct ctx *);	/* sets t_drop */
	int self_dropping;		/* the reference goes by itself (I/O completion) */
	void (*after)(struct ctx *);	/* after the reclaim */
};

/* Leave the device clean, then report a skip. */
__attribute__((noreturn))
static void skip_clean(struct ctx *c, const char *reason)
{
	if (c->map)
		munmap(c->map, align);
	c->map = NULL;
	finish(c->fd);
	skip("%s", reason);
}

/* XDAX_IOC_PIN */
static void pin_hold(struct ctx *c)
{
	struct xdax_stats s;
	struct xdax_query q;

	c->pin_id = xt_pin(c->fd, c->map, align, 0);
	s = xt_stats(c->fd);
	q = xt_query(c->fd, off);
	xt_expect(s.pinned_pages == c->s0.pinned_pages + align / 4096,
		  "pinned_pages %llu after pinning the block, expected %llu",
		  (unsigned long long)s.pinned_pages,
		  (unsigned long long)(c->s0.pinned_pages + align / 4096));
	xt_expect(q.refcount == c->r0 + (int32_t)(align / 4096),
		  "refcount %d after pinning %llu pages, expected %d", q.refcount,
		  (unsigned long long)(align / 4096), c->r0 + (int32_t)(align / 4096));
}

static void pin_drop(struct ctx *c)
{
	int r;

	c->t_drop = xt_now_ms();
	r = xt_unpin(c->fd, c->pin_id);
	xt_expect(!r, "XDAX_IOC_UNPIN: %s", strerror(-r));
}

static void pin_after(struct ctx *c)
{
	struct xdax_stats s = xt_stats(c->fd);

	xt_expect(s.pinned_pages == c->s0.pinned_pages, "pinned_pages %llu after unpin, expected %llu",
		  (unsigned long long)s.pinned_pages, (unsigned long long)c->s0.pinned_pages);
}

/* io_uring, raw (xt_uring.h) */
/* One fixed-buffer read or write, waited for; returns the CQE's res. */
static int ring_rw_fixed(struct xt_ring *r, int op, int fd, void *buf, unsigned len)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = len;
	sqe->off = 0;
	sqe->buf_index = 0;
	sqe->user_data = 1;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	head = __atomic_load_n(r->cq_head, __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static void uring_prepare(struct ctx *c)
{
	int r = xt_ring_init(&c->ring);

	if (r == -ENOSYS || r == -EPERM)
		skip("io_uring_setup: %s (io_uring not available to this process)", strerror(-r));
	if (r)
		xt_die("io_uring_setup: %s", strerror(-r));
	c->ring_ok = 1;
}

static void uring_hold(struct ctx *c)
{
	struct iovec iov = { .iov_base = c->map, .iov_len = align };
	char tmpl[] = "/tmp/xdax_reclaim.XXXXXX";
	struct xdax_query q;
	char *buf;
	int r, tfd;

	r = syscall(__NR_io_uring_register, c->ring.fd, IORING_REGISTER_BUFFERS, &iov, 1) ?
		-errno : 0;
	if (r == -EOPNOTSUPP)
		skip_clean(c, "IORING_REGISTER_BUFFERS of an xdax mapping: EOPNOTSUPP (this kernel's io_uring refuses file-backed buffers other than shmem/hugetlbfs)");
	if (r)
		xt_die("IORING_REGISTER_BUFFERS of the xdax mapping: %s", strerror(-r));
	c->registered = 1;
	q = xt_query(c->fd, off);
	xt_expect(q.refcount > c->r0, "refcount %d after IORING_REGISTER_BUFFERS, was %d",
		  q.refcount, c->r0);

	/* The buffer works: WRITE_FIXED from it, then READ_FIXED back into it. */
	tfd = mkstemp(tmpl);
	if (tfd < 0)
		xt_die("mkstemp: %s", strerror(errno));
	unlink(tmpl);
	r = ring_rw_fixed(&c->ring, IORING_OP_WRITE_FIXED, tfd, c->map, align);
	xt_expect(r == (int)align, "IORING_OP_WRITE_FIXED from the xdax buffer: %d (%s)", r,
		  r < 0 ? strerror(-r) : "short");
	buf = malloc(align);
	if (!buf)
		xt_die("malloc");
	if (pread(tfd, buf, align, 0) != (ssize_t)align ||
	    xt_verify(buf, align, c->seed) != (size_t)-1)
		xt_fail("WRITE_FIXED did not write the mapping's pattern to the file");
	memset(c->map, 0, align);
	r = ring_rw_fixed(&c->ring, IORING_OP_READ_FIXED, tfd, c->map, align);
	xt_expect(r == (int)align, "IORING_OP_READ_FIXED into the xdax buffer: %d (%s)", r,
		  r < 0 ? strerror(-r) : "short");
	xt_expect(xt_verify(c->map, align, c->seed) == (size_t)-1,
		  "READ_FIXED did not bring the pattern back into the mapping");
	free(buf);
	close(tfd);
}

static void uring_drop(struct ctx *c)
{
	int r;

	c->t_drop = xt_now_ms();
	r = syscall(__NR_io_uring_register, c->ring.fd, IORING_UNREGISTER_BUFFERS, NULL, 0) ?
		-errno : 0;
	xt_expect(!r, "IORING_UNREGISTER_BUFFERS: %s", strerror(-r));
	c->registered = 0;
}

static void uring_after(struct ctx *c)
{
	close(c->ring.fd);
	c->ring_ok = 0;
}

/* O_DIRECT against a slow null_blk */
#define NULLB_DIR "/sys/kernel/config/nullb/xdaxslow"
static int nullb_fd = -1, nullb_made;
static char nullb_dev[64];

static void nullb_attr(const char *name, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), NULLB_DIR "/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		skip("null_blk configfs: cannot set %s=%s: %s", name, val, strerror(errno));
	close(fd);
}

static void nullb_teardown(void)
{
	int fd;

	if (nullb_fd >= 0)
		close(nullb_fd);
	nullb_fd = -1;
	if (!nullb_made)
		return;
	fd = open(NULLB_DIR "/power", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "0", 1) != 1)
			xt_note("null_blk power=0: %s", strerror(errno));
		close(fd);
	}
	if (rmdir(NULLB_DIR))
		xt_note("rmdir " NULLB_DIR ": %s", strerror(errno));
	nullb_made = 0;
}

/* Run a command; its first output line goes to out. */
static int run_cmd(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	int st;

	out[0] = 0;
	if (!f)
		return -1;
	if (!fgets(out, len, f))
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	while (getc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A null_blk disk whose every request completes D_MS after submission. */
static void nullb_setup(void)
{
	char out[256], val[32];
	int i, fd, idx = -1;
	ssize_t n;

	if (access("/sys/module/null_blk", F_OK) &&
	    run_cmd("modprobe null_blk nr_devices=0 2>&1", out, sizeof(out)))
		skip("null_blk unavailable: modprobe null_blk: %s", out[0] ? out : "failed");
	if (access("/sys/kernel/config/nullb", F_OK)) {
		if (access("/sys/kernel/config", F_OK))
			run_cmd("modprobe configfs 2>&1", out, sizeof(out));
		if (mount("none", "/sys/kernel/config", "configfs", 0, NULL) && errno != EBUSY)
			skip("configfs unavailable: mount -t configfs: %s", strerror(errno));
	}
	if (access("/sys/kernel/config/nullb", F_OK))
		skip("null_blk has no configfs interface (/sys/kernel/config/nullb missing)");
	if (!access(NULLB_DIR, F_OK)) {		/* left by a killed run */
		nullb_made = 1;
		nullb_teardown();
	}
	if (mkdir(NULLB_DIR, 0755))
		skip("mkdir " NULLB_DIR ": %s", strerror(errno));
	nullb_made = 1;
	atexit(nullb_teardown);
	nullb_attr("size", "64");
	nullb_attr("blocksize", "4096");
	nullb_attr("memory_backed", "1");
	nullb_attr("irqmode", "2");
	snprintf(val, sizeof(val), "%llu", (unsigned long long)D_MS * 1000000ULL);
	nullb_attr("completion_nsec", val);
	nullb_attr("power", "1");
	fd = open(NULLB_DIR "/index", O_RDONLY);
	n = fd >= 0 ? read(fd, val, sizeof(val) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		val[n] = 0;
		idx = atoi(val);
	}
	if (idx < 0)
		skip("null_blk configfs: no index attribute");
	/* Named after the configfs directory on newer kernels, nullbN on older ones. */
	for (i = 0; i < 100; i++) {
		snprintf(nullb_dev, sizeof(nullb_dev), "/dev/xdaxslow");
		if (!access(nullb_dev, F_OK))
			break;
		snprintf(nullb_dev, sizeof(nullb_dev), "/dev/nullb%d", idx);
		if (!access(nullb_dev, F_OK))
			break;
		sleep_ms(20);
	}
	nullb_fd = open(nullb_dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (nullb_fd < 0)
		xt_die("open %s O_DIRECT: %s", nullb_dev, strerror(errno));
}

static void *io_thread(void *arg)
{
	struct io_job *j = arg;

	j->t_start = xt_now_ms();
	j->ret = j->write ? pwrite(j->fd, j->buf, j->len, 0) : pread(j->fd, j->buf, j->len, 0);
	j->err = errno;
	j->t_end = xt_now_ms();
	atomic_store(&j->done, 1);
	return NULL;
}

static void *aligned_buf(void)
{
	void *p;

	if (posix_memalign(&p, 4096, align))
		xt_die("posix_memalign");
	return p;
}

static void odirect_prepare(struct ctx *c)
{
	nullb_setup();
	if (!c->write) {
		/* Something to read: another pattern, so that stale data would show. */
		void *buf = aligned_buf();
		ssize_t n;

		xt_fill(buf, align, c->seed ^ 0xffff);
		n = pwrite(nullb_fd, buf, align, 0);
		if (n != (ssize_t)align)
			xt_die("O_DIRECT write of the pattern to %s: %zd (%s)", nullb_dev, n,
			       strerror(errno));
		free(buf);
	}
}

static void odirect_hold(struct ctx *c)
{
	struct xdax_query q;
	double t0;

	c->job.fd = nullb_fd;
	c->job.write = c->write;
	c->job.buf = c->map;
	c->job.len = align;
	if (pthread_create(&c->io, NULL, io_thread, &c->job))
		xt_die("pthread_create");
	c->io_running = 1;
	/*
	 * In flight: its pages are referenced (FOLL_GET on 6.1, FOLL_PIN later), one
	 * reference per page on the block's folio.  The block layer grabs them in
	 * chunks (256 pages per call): wait for all of them, or a truncate between two
	 * chunks would make the second grab fault (EFAULT, the whole write fails).
	 */
	step = "waiting for the O_DIRECT I/O to reference the block";
	q = xt_query(c->fd, off);
	for (t0 = xt_now_ms(); xt_now_ms() - t0 < PROMPT_MS; sleep_ms(1)) {
		if (q.refcount >= c->r0 + (int)(align / 4096) || atomic_load(&c->job.done))
			break;
		q = xt_query(c->fd, off);
	}
	if (atomic_load(&c->job.done))
		xt_die("the O_DIRECT %s finished (%zd, %s) before its references were seen on the block",
		       c->write ? "write" : "read", c->job.ret, strerror(c->job.err));
	if (q.refcount < c->r0 + (int)(align / 4096))
		xt_die("O_DIRECT %s in flight but the block's refcount is %d, expected %d + %d",
		       c->write ? "write" : "read", q.refcount, c->r0, (int)(align / 4096));
}

/* The reference goes when the I/O completes; wait for that. */
static void odirect_drop(struct ctx *c)
{
	step = "waiting for the O_DIRECT I/O";
	pthread_join(c->io, NULL);
	c->io_running = 0;
	c->t_drop = c->job.t_end;
	xt_expect(c->job.ret == (ssize_t)align, "O_DIRECT %s of the mapping: %zd (%s)",
		  c->write ? "write from" : "read into", c->job.ret,
		  c->job.ret < 0 ? strerror(c->job.err) : "short");
	xt_expect(c->job.t_end - c->job.t_start >= D_MS,
		  "null_blk did not delay: the O_DIRECT I/O took %.0f ms, expected >= %d",
		  c->job.t_end - c->job.t_start, D_MS);
}

static void odirect_after(struct ctx *c)
{
	void *buf;
	size_t bad;
	ssize_t n;

	if (!c->write)
		return;
	/* The write left the old block after the truncate: every byte must have arrived. */
	buf = aligned_buf();
	memset(buf, 0, align);
	n = pread(nullb_fd, buf, align, 0);
	xt_expect(n == (ssize_t)align, "O_DIRECT read back from %s: %zd (%s)", nullb_dev, n,
		  strerror(errno));
	bad = xt_verify(buf, align, c->seed);
	xt_expect(bad == (size_t)-1,
		  "the data written by O_DIRECT across the truncate differs at byte %#zx", bad);
	free(buf);
}

static int odirect_held(struct ctx *c)
{
	return !atomic_load(&c->job.done);
}

static const struct refops ops_pin = {
	"pin", NULL, pin_hold, pin_drop, 0, pin_after,
};
static const struct refops ops_uring = {
	"io_uring buffer", uring_prepare, uring_hold, uring_drop, 0, uring_after,
};
static const struct refops ops_odirect = {
	"O_DIRECT", odirect_prepare, odirect_hold, odirect_drop, 1, odirect_after,
};

struct dropper {
	struct ctx *c;
	const struct refops *ops;
	struct blocker *b;
	struct xdax_stats before;	/* sampled just before dropping */
};

static void *dropper(void *arg)
{
	struct dropper *d = arg;

	while (!atomic_load(&d->b->started))
		sleep_ms(1);
	sleep_until(d->b->t_start + D_MS);
	d->before = xt_stats(d->c->fd);
	d->ops->drop(d->c);
	return NULL;
}

/* Test A: map, fill, hold a reference, truncate (blocking or NOWAIT), drop, reclaim. */
static void scenario(const struct refops *ops, int nowait, int write)
{
	struct ctx c = { .write = write };
	struct xdax_set_size st;
	struct xdax_query q;
	char what[64];
	double t;
	int r;

	snprintf(what, sizeof(what), "%s%s", ops->what, nowait ? " NOWAIT" : "");
	c.seed = 0x5844415800000000ULL ^ (uint64_t)(uintptr_t)ops ^ nowait ^ (write << 1);
	c.fd = xt_open(dev_path);
	start_clean(c.fd);
	step = "prepare";
	if (ops->prepare)
		ops->prepare(&c);
	c.s0 = xt_stats(c.fd);
	c.map = map_block(c.fd, off);
	step = "fill";
	xt_fill(c.map, align, c.seed);
	q = xt_query(c.fd, off);
	if (q.state != XDAX_BLOCK_IN_USE)
		xt_die("%s: the filled block is %s", what, state_name(q.state));
	c.r0 = q.refcount;
	step = "hold";
	ops->hold(&c);

	if (!nowait) {
		struct blocker b = { .fd = c.fd };
		struct dropper d = { .c = &c, .ops = ops, .b = &b };
		pthread_t ts, td;

		if (pthread_create(&ts, NULL, sampler, &b) ||
		    (!ops->self_dropping && pthread_create(&td, NULL, dropper, &d)))
			xt_die("pthread_create");
		step = "blocking truncate";
		blocking_truncate(&b, off);
		pthread_join(ts, NULL);
		if (!ops->self_dropping) {
			pthread_join(td, NULL);
			xt_expect(d.before.awaiting_reclaim == 1,
				  "%s: awaiting_reclaim %llu just before the drop, expected 1",
				  what, (unsigned long long)d.before.awaiting_reclaim);
			xt_expect(b.t_end - b.t_start >= D_MS,
				  "%s: the blocking truncate returned after %.0f ms, before the reference was dropped at %d ms",
				  what, b.t_end - b.t_start, D_MS);
			xt_expect(b.t_end >= c.t_drop,
				  "%s: the blocking truncate returned %.1f ms before the drop",
				  what, c.t_drop - b.t_end);
		} else {
			ops->drop(&c);
			/* The I/O cannot complete before D_MS after its submission. */
			xt_expect(b.t_end >= c.job.t_start + D_MS,
				  "%s: the blocking truncate returned %.0f ms after the I/O was submitted, before it could complete (%d ms)",
				  what, b.t_end - c.job.t_start, D_MS);
		}
		latency("reference dropped -> blocking truncate returns", b.t_end - c.t_drop);
		xt_expect(!b.r, "%s: blocking truncate: %s", what, strerror(-b.r));
		xt_expect(!b.r && b.st.freed == 1 && b.st.pending == 0,
			  "%s: blocking truncate: freed %llu pending %llu, expected 1 and 0", what,
			  (unsigned long long)b.st.freed, (unsigned long long)b.st.pending);
		xt_expect(b.seen_awaiting && b.max_awaiting == 1,
			  "%s: while the truncate waited, awaiting_reclaim was 1 in %d samples (max %llu)",
			  what, b.seen_awaiting, (unsigned long long)b.max_awaiting);
		{
			struct xdax_stats s = xt_stats(c.fd);

			xt_expect(s.page_free_calls == c.s0.page_free_calls + 1,
				  "%s: page_free_calls %llu -> %llu, expected +1", what,
				  (unsigned long long)c.s0.page_free_calls,
				  (unsigned long long)s.page_free_calls);
			xt_expect(!s.awaiting_reclaim && s.free == c.s0.free,
				  "%s: after the blocking truncate: awaiting %llu free %llu (expected 0, %llu)",
				  what, (unsigned long long)s.awaiting_reclaim,
				  (unsigned long long)s.free, (unsigned long long)c.s0.free);
		}
		q = xt_query(c.fd, off);
		xt_expect(q.state == XDAX_BLOCK_HOLE, "%s: QUERY after the truncate: %s", what,
			  state_name(q.state));
		xt_conserved(c.fd, what);
	} else {
		int held;

		xt_expect(!fd_readable(c.fd, 0), "%s: fd readable before the truncate", what);
		step = "NOWAIT truncate";
		t = xt_now_ms();
		r = xt_set_size(c.fd, off, XDAX_WAIT_NOWAIT, 0, &st);
		t = xt_now_ms() - t;
		check_awaiting(c.fd, r, &st, t, &c.s0, what);
		held = !ops->self_dropping || odirect_held(&c);
		if (!held)
			xt_fail("%s: the I/O completed (%.0f ms) before the checks of the awaiting state were done: too slow a guest for D=%d ms",
				what, c.job.t_end - c.job.t_start, D_MS);
		if (ops->self_dropping)
			latency("NOWAIT truncate returned after", t);
		step = "drop";
		ops->drop(&c);
		check_reclaim_event(c.fd, c.t_drop, &c.s0, what);
	}
	if (ops->after)
		ops->after(&c);
	check_fresh_zero(c.fd, c.map, what);
	munmap(c.map, align);
	finish(c.fd);
	close(c.fd);
}

/* --- B: vmsplice --------------------------------------------------------------------- */

#define SPLICE_LEN	(64 * 1024)

static void test_vmsplice(void)
{
	struct xdax_set_size st;
	struct xdax_stats s0;
	struct xdax_query q;
	struct iovec iov;
	uint64_t seed = 0x5850495045ULL;
	char *map, *buf;
	int fd, p[2], r;
	double t;
	ssize_t n;

	fd = xt_open(dev_path);
	start_clean(fd);
	s0 = xt_stats(fd);
	map = map_block(fd, off);
	xt_fill(map, align, seed);
	q = xt_query(fd, off);
	if (pipe(p))
		xt_die("pipe: %s", strerror(errno));
	iov.iov_base = map;
	iov.iov_len = SPLICE_LEN;
	n = vmsplice(p[1], &iov, 1, 0);
	if (n != SPLICE_LEN)
		xt_die("vmsplice of %d bytes of the mapping: %zd (%s)", SPLICE_LEN, n,
		       strerror(errno));
	xt_expect(xt_query(fd, off).refcount > q.refcount,
		  "vmsplice took no reference on the block (refcount %d)", q.refcount);
	/* The pipe must still show the data, whatever happens to the mapping. */
	step = "NOWAIT truncate";
	t = xt_now_ms();
	r = xt_set_size(fd, off, XDAX_WAIT_NOWAIT, 0, &st);
	check_awaiting(fd, r, &st, xt_now_ms() - t, &s0, "vmsplice");
	buf = malloc(SPLICE_LEN);
	if (!buf)
		xt_die("malloc");
	step = "drain the pipe";
	t = xt_now_ms();
	n = read(p[0], buf, SPLICE_LEN);
	xt_expect(n == SPLICE_LEN, "read from the pipe: %zd (%s)", n, strerror(errno));
	xt_expect(xt_verify(buf, SPLICE_LEN, seed) == (size_t)-1,
		  "the pipe's data is not the pattern written through the mapping");
	check_reclaim_event(fd, t, &s0, "vmsplice");
	free(buf);
	close(p[0]);
	close(p[1]);
	check_fresh_zero(fd, map, "vmsplice");
	munmap(map, align);
	finish(fd);
	close(fd);
}

/* --- C: signal ---------------------------------------------------------------------- */

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void *truncate_thread(void *arg)
{
	blocking_truncate(arg, off);
	return NULL;
}

static void test_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct blocker b1 = { 0 }, b2 = { 0 };
	struct xdax_stats s0, s;
	struct xdax_query q;
	pthread_t t1, t2;
	uint64_t id;
	double t0;
	char *map;
	int fd;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	fd = xt_open(dev_path);
	start_clean(fd);
	s0 = xt_stats(fd);
	map = map_block(fd, off);
	xt_fill(map, align, 0x5349474e);
	id = xt_pin(fd, map, align, 0);

	b1.fd = fd;
	if (pthread_create(&t1, NULL, truncate_thread, &b1))
		xt_die("pthread_create");
	step = "waiting for the truncate to wait";
	for (t0 = xt_now_ms(); xt_now_ms() - t0 < PROMPT_MS; sleep_ms(2))
		if (xt_stats(fd).awaiting_reclaim == 1 || atomic_load(&b1.done))
			break;
	xt_expect(!atomic_load(&b1.done), "the blocking truncate returned (%s) while pinned",
		  strerror(-b1.r));
	sleep_ms(50);
	pthread_kill(t1, SIGUSR1);
	for (t0 = xt_now_ms(); xt_now_ms() - t0 < 3000 && !atomic_load(&b1.done); sleep_ms(2))
		;
	if (!atomic_load(&b1.done)) {
		xt_fail("the blocking truncate did not return 3 s after SIGUSR1 (restarted or uninterruptible?)");
		xt_unpin(fd, id);
		pthread_join(t1, NULL);
		munmap(map, align);
		finish(fd);
		return;
	}
	pthread_join(t1, NULL);
	xt_expect(got_usr1, "the SIGUSR1 handler did not run");
	xt_expect(b1.r == -EINTR, "truncate interrupted by SIGUSR1 (SA_RESTART): %s, expected EINTR",
		  b1.r ? strerror(-b1.r) : "success");
	xt_conserved(fd, "after EINTR");
	s = xt_stats(fd);
	xt_expect(s.awaiting_reclaim == 1 && s.file_size == off,
		  "after EINTR: awaiting %llu size %#llx, expected 1 and %#llx",
		  (unsigned long long)s.awaiting_reclaim, (unsigned long long)s.file_size,
		  (unsigned long long)off);
	q = xt_query(fd, off);
	xt_expect(q.state == XDAX_BLOCK_HOLE, "after EINTR: QUERY says %s, expected HOLE",
		  state_name(q.state));
	xt_expect(s.page_free_calls == s0.page_free_calls, "after EINTR: page_free_calls moved");

	/* The same call again waits again, and returns 0 once the pin is gone. */
	b2.fd = fd;
	if (pthread_create(&t2, NULL, truncate_thread, &b2))
		xt_die("pthread_create");
	while (!atomic_load(&b2.started))
		sleep_ms(1);
	sleep_until(b2.t_start + D_MS);
	xt_expect(!atomic_load(&b2.done),
		  "the repeated truncate returned (%s) while the block was still pinned",
		  strerror(-b2.r));
	t0 = xt_now_ms();
	xt_expect(!xt_unpin(fd, id), "unpin");
	step = "repeated blocking truncate";
	pthread_join(t2, NULL);
	latency("unpin -> repeated truncate returns", b2.t_end - t0);
	xt_expect(b2.r == 0, "the repeated truncate: %s", strerror(-b2.r));
	xt_expect(b2.t_end - b2.t_start >= D_MS, "the repeated truncate took %.0f ms < %d",
		  b2.t_end - b2.t_start, D_MS);
	s = xt_stats(fd);
	xt_expect(!s.awaiting_reclaim && s.page_free_calls == s0.page_free_calls + 1 &&
		  s.free == s0.free,
		  "after the repeated truncate: awaiting %llu page_free_calls +%llu free %llu (expected 0, +1, %llu)",
		  (unsigned long long)s.awaiting_reclaim,
		  (unsigned long long)(s.page_free_calls - s0.page_free_calls),
		  (unsigned long long)s.free, (unsigned long long)s0.free);
	check_fresh_zero(fd, map, "signal");
	munmap(map, align);
	finish(fd);
	close(fd);
}

/* --- D: timeout --------------------------------------------------------------------- */

static void test_timeout(void)
{
	struct xdax_set_size st;
	struct xdax_stats s0, s;
	struct xdax_query q;
	double t, t_drop;
	uint64_t id;
	char *map;
	int fd, r;

	fd = xt_open(dev_path);
	start_clean(fd);
	s0 = xt_stats(fd);
	map = map_block(fd, off);
	xt_fill(map, align, 0x54494d45);
	id = xt_pin(fd, map, align, 0);
	step = "truncate with a 200 ms timeout";
	t = xt_now_ms();
	r = xt_set_size(fd, off, XDAX_WAIT_TIMEOUT, 200000000ULL, &st);
	t = xt_now_ms() - t;
	xt_expect(r == -ETIMEDOUT, "XDAX_WAIT_TIMEOUT 200 ms while pinned: %s, expected ETIMEDOUT",
		  r ? strerror(-r) : "success");
	xt_expect(t >= 200 && t < 5000, "the 200 ms timeout took %.0f ms", t);
	latency("XDAX_WAIT_TIMEOUT 200 ms returned after", t);
	s = xt_stats(fd);
	xt_expect(s.awaiting_reclaim == 1 && s.file_size == off,
		  "after ETIMEDOUT: awaiting %llu size %#llx", (unsigned long long)s.awaiting_reclaim,
		  (unsigned long long)s.file_size);
	q = xt_query(fd, off);
	xt_expect(q.state == XDAX_BLOCK_HOLE, "after ETIMEDOUT: QUERY says %s",
		  state_name(q.state));
	xt_conserved(fd, "after ETIMEDOUT");
	xt_expect(!fd_readable(fd, 0), "fd readable while the block is pinned");
	t_drop = xt_now_ms();
	xt_expect(!xt_unpin(fd, id), "unpin");
	check_reclaim_event(fd, t_drop, &s0, "timeout");
	check_fresh_zero(fd, map, "timeout");
	munmap(map, align);
	finish(fd);
	close(fd);
}

/* --- E: a process holding pins is killed ----------------------------------------------- */

static void test_killed(void)
{
	struct xdax_set_size st;
	struct xdax_stats s0, s;
	struct xdax_query q;
	int fd, p[2], r, status;
	double t;
	pid_t pid;
	char ch;

	fd = xt_open(dev_path);
	start_clean(fd);
	s0 = xt_stats(fd);
	if (pipe(p))
		xt_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		xt_die("fork: %s", strerror(errno));
	if (!pid) {
		int cfd = xt_open(dev_path);
		char *m = map_block(cfd, off);

		xt_fill(m, align, 0x4b494c4c);
		xt_pin(cfd, m, align, 0);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	step = "waiting for the child to pin";
	if (read(p[0], &ch, 1) != 1)
		xt_die("the child did not get to pin the block");
	close(p[0]);
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages + align / 4096,
		  "pinned_pages %llu with the child's pin, expected %llu",
		  (unsigned long long)s.pinned_pages,
		  (unsigned long long)(s0.pinned_pages + align / 4096));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	xt_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %#x", status);
	s = xt_stats(fd);
	if (s.pinned_pages != s0.pinned_pages) {
		xt_note("pinned_pages %llu right after the child was reaped, waiting",
			(unsigned long long)s.pinned_pages);
		for (t = xt_now_ms(); xt_now_ms() - t < PROMPT_MS && s.pinned_pages != s0.pinned_pages;
		     sleep_ms(10))
			s = xt_stats(fd);
	}
	xt_expect(s.pinned_pages == s0.pinned_pages,
		  "pinned_pages %llu after the pinning process was killed, expected %llu",
		  (unsigned long long)s.pinned_pages, (unsigned long long)s0.pinned_pages);
	q = xt_query(fd, off);
	xt_expect(q.state == XDAX_BLOCK_IN_USE && q.refcount == 1,
		  "the dead process's block: %s refcount %d, expected IN_USE and 1",
		  state_name(q.state), q.refcount);
	step = "blocking truncate after the kill";
	t = xt_now_ms();
	r = xt_set_size(fd, off, 0, 0, &st);
	t = xt_now_ms() - t;
	xt_expect(!r && st.freed == 1, "blocking truncate after the kill: %s, freed %llu",
		  strerror(-r), (unsigned long long)st.freed);
	xt_expect(t < PROMPT_MS, "blocking truncate after the kill took %.0f ms", t);
	latency("truncate of a dead process's block", t);
	s = xt_stats(fd);
	xt_expect(s.free == s0.free && !s.awaiting_reclaim &&
		  s.page_free_calls == s0.page_free_calls + 1,
		  "after the truncate: free %llu awaiting %llu page_free_calls +%llu",
		  (unsigned long long)s.free, (unsigned long long)s.awaiting_reclaim,
		  (unsigned long long)(s.page_free_calls - s0.page_free_calls));
	finish(fd);
	close(fd);
}

/* --- F: close with pins outstanding ---------------------------------------------------- */

static void test_close(void)
{
	struct xdax_set_size st;
	struct xdax_stats s0, s;
	struct xdax_query q;
	int fd, fd2, r;
	char *map;
	double t;

	fd = xt_open(dev_path);
	start_clean(fd);
	s0 = xt_stats(fd);
	fd2 = xt_open(dev_path);
	map = map_block(fd2, off);
	xt_fill(map, align, 0x434c4f53);
	xt_pin(fd2, map, align, 0);
	munmap(map, align);
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages + align / 4096,
		  "pinned_pages %llu after munmap, expected the pin to stay (%llu)",
		  (unsigned long long)s.pinned_pages,
		  (unsigned long long)(s0.pinned_pages + align / 4096));
	q = xt_query(fd, off);
	xt_expect(q.refcount == 1 + (int32_t)(align / 4096),
		  "refcount %d pinned and unmapped, expected %d", q.refcount,
		  1 + (int32_t)(align / 4096));
	close(fd2);
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages, "pinned_pages %llu after close, expected %llu",
		  (unsigned long long)s.pinned_pages, (unsigned long long)s0.pinned_pages);
	q = xt_query(fd, off);
	xt_expect(q.state == XDAX_BLOCK_IN_USE && q.refcount == 1,
		  "after close: %s refcount %d, expected IN_USE and 1", state_name(q.state),
		  q.refcount);
	step = "blocking truncate after close";
	t = xt_now_ms();
	r = xt_set_size(fd, off, 0, 0, &st);
	t = xt_now_ms() - t;
	xt_expect(!r && st.freed == 1, "blocking truncate after close: %s, freed %llu",
		  strerror(-r), (unsigned long long)st.freed);
	xt_expect(t < PROMPT_MS, "blocking truncate after close took %.0f ms", t);
	s = xt_stats(fd);
	xt_expect(s.free == s0.free && s.page_free_calls == s0.page_free_calls + 1,
		  "after the truncate: free %llu page_free_calls +%llu", (unsigned long long)s.free,
		  (unsigned long long)(s.page_free_calls - s0.page_free_calls));
	finish(fd);
	close(fd);
}

/* --- G: RLIMIT_MEMLOCK ----------------------------------------------------------------- */

static int set_ipc_lock(int on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (on)
		d[CAP_TO_INDEX(CAP_IPC_LOCK)].effective |= CAP_TO_MASK(CAP_IPC_LOCK);
	else
		d[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * The raw ioctls: output fields go in as 0 (the module takes a nonzero one for garbage:
 * EINVAL) and must still be 0 after a failure ("written only on success").
 */
static int pin_raw(int fd, void *addr, uint64_t len, uint32_t flags, uint64_t *id)
{
	struct xdax_pin p = {
		.size = sizeof(p), .flags = flags, .addr = (uintptr_t)addr, .length = len,
	};
	int r = ioctl(fd, XDAX_IOC_PIN, &p) ? -errno : 0;

	if (r)
		xt_expect(!p.id, "a failed PIN wrote its id field");
	if (id)
		*id = p.id;
	return r;
}

static void test_memlock(void)
{
	/* Pins are charged whole 2 MiB blocks: a 3 MiB limit holds one block, not two. */
	struct rlimit rl = { 3 * XT_MB, 3 * XT_MB };
	struct xdax_stats s0, s;
	uint64_t id8, id;
	char *map;
	int fd, r;

	fd = xt_open(dev_path);
	start_clean(fd);
	map = mmap(NULL, 2 * align, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (map == MAP_FAILED)
		xt_die("mmap of two blocks: %s", strerror(errno));
	xt_fill(map, 2 * align, 0x4d4c4f43);
	if (set_ipc_lock(0))
		xt_die("capset without CAP_IPC_LOCK: %s", strerror(errno));
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		xt_die("setrlimit(RLIMIT_MEMLOCK, 3 MiB): %s", strerror(errno));
	s0 = xt_stats(fd);
	/* 8 pages, 4 on each side of a block boundary: two blocks, 4 MiB > 3 MiB. */
	r = pin_raw(fd, map + align - 4 * 4096, 8 * 4096, 0, NULL);
	xt_expect(r == -ENOMEM, "pin of 8 pages over two blocks with a 3 MiB RLIMIT_MEMLOCK: %s, expected ENOMEM",
		  r ? strerror(-r) : "success");
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages, "the refused pin changed pinned_pages");
	r = pin_raw(fd, map, 8 * 4096, 0, &id8);
	xt_expect(!r, "pin of 8 pages of one block (2 MiB) within RLIMIT_MEMLOCK: %s", strerror(-r));
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages + 8, "pinned_pages %llu after pinning 8",
		  (unsigned long long)s.pinned_pages);
	/* Pins add up: another 2 MiB block's worth, 4 MiB > 3 MiB. */
	r = pin_raw(fd, map + 8 * 4096, 16 * 4096, 0, &id);
	xt_expect(r == -ENOMEM, "second pin (4 MiB charged in all): %s, expected ENOMEM",
		  r ? strerror(-r) : "success");
	if (!r)
		xt_unpin(fd, id);
	/* CAP_IPC_LOCK lifts the limit. */
	if (set_ipc_lock(1))
		xt_die("capset with CAP_IPC_LOCK: %s", strerror(errno));
	r = pin_raw(fd, map + align - 4 * 4096, 8 * 4096, 0, &id);
	xt_expect(!r, "pin over two blocks with CAP_IPC_LOCK: %s", strerror(-r));
	if (!r)
		xt_expect(!xt_unpin(fd, id), "unpin of the two-block pin");
	xt_expect(!xt_unpin(fd, id8), "unpin of the 8 pages");
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages, "pinned_pages %llu after unpinning, expected %llu",
		  (unsigned long long)s.pinned_pages, (unsigned long long)s0.pinned_pages);
	munmap(map, 2 * align);
	finish(fd);
	close(fd);
}

/* --- H: bad arguments ---------------------------------------------------------------- */

/* Nothing changed: stats identical, the block's refcount and state the same. */
static void unchanged(int fd, const struct xdax_stats *s0, const struct xdax_query *q0,
		      const char *what)
{
	struct xdax_stats s = xt_stats(fd);
	struct xdax_query q = xt_query(fd, off);

	if (memcmp(&s, s0, sizeof(s)))
		xt_fail("%s: side effect on stats: size %#llx->%#llx free %llu->%llu in_use %llu->%llu awaiting %llu->%llu pinned %llu->%llu page_free_calls %llu->%llu faults %llu/%llu->%llu/%llu zeroed %llu->%llu",
			what, (unsigned long long)s0->file_size, (unsigned long long)s.file_size,
			(unsigned long long)s0->free, (unsigned long long)s.free,
			(unsigned long long)s0->in_use, (unsigned long long)s.in_use,
			(unsigned long long)s0->awaiting_reclaim,
			(unsigned long long)s.awaiting_reclaim,
			(unsigned long long)s0->pinned_pages, (unsigned long long)s.pinned_pages,
			(unsigned long long)s0->page_free_calls,
			(unsigned long long)s.page_free_calls,
			(unsigned long long)s0->pte_faults, (unsigned long long)s0->pmd_faults,
			(unsigned long long)s.pte_faults, (unsigned long long)s.pmd_faults,
			(unsigned long long)s0->zeroed, (unsigned long long)s.zeroed);
	if (q.state != q0->state || q.refcount != q0->refcount)
		xt_fail("%s: side effect on the block: %s refcount %d -> %s refcount %d", what,
			state_name(q0->state), q0->refcount, state_name(q.state), q.refcount);
}

static int set_size_raw(int fd, uint32_t size, uint32_t flags, uint64_t new_size)
{
	struct {
		struct xdax_set_size a;
		uint64_t extra;
	} b = {
		.a = { .size = size, .flags = flags, .new_size = new_size,
		       .timeout_ns = flags & XDAX_WAIT_TIMEOUT ? 1000000 : 0 },
		.extra = 1,
	};
	int r = ioctl(fd, XDAX_IOC_SET_SIZE, &b) ? -errno : 0;

	if (r)
		xt_expect(!b.a.freed && !b.a.pending,
			  "a failed SET_SIZE wrote its output fields");
	return r;
}

static int punch_raw(int fd, uint32_t size, uint32_t flags, uint64_t o, uint64_t len)
{
	struct {
		struct xdax_punch a;
		uint64_t extra;
	} b = {
		.a = { .size = size, .flags = flags, .offset = o, .length = len,
		       .timeout_ns = flags & XDAX_WAIT_TIMEOUT ? 1000000 : 0 },
		.extra = 1,
	};
	int r = ioctl(fd, XDAX_IOC_PUNCH, &b) ? -errno : 0;

	if (r)
		xt_expect(!b.a.freed && !b.a.pending,
			  "a failed PUNCH wrote its output fields");
	return r;
}

static int allocate_raw(int fd, uint32_t flags, uint64_t o, uint64_t len)
{
	struct xdax_allocate a = {
		.size = sizeof(a), .flags = flags, .offset = o, .length = len,
	};
	int r = ioctl(fd, XDAX_IOC_ALLOCATE, &a) ? -errno : 0;

	if (r)
		xt_expect(!a.allocated, "a failed ALLOCATE wrote its output field");
	return r;
}

static int pin_big_raw(int fd, void *addr, uint64_t len)
{
	struct {
		struct xdax_pin p;
		uint64_t extra;
	} b = {
		.p = { .size = sizeof(b), .addr = (uintptr_t)addr, .length = len },
		.extra = 1,
	};

	return ioctl(fd, XDAX_IOC_PIN, &b) ? -errno : 0;
}

static int unpin_raw(int fd, uint32_t size, uint32_t flags, uint64_t id)
{
	struct {
		struct xdax_unpin u;
		uint64_t extra;
	} b = { .u = { .size = size, .flags = flags, .id = id }, .extra = 1 };

	return ioctl(fd, XDAX_IOC_UNPIN, &b) ? -errno : 0;
}

#define BAD(call, err, what) do {						\
	int __r = (call);							\
	xt_expect(__r == -(err), "%s: %s, expected %s", (what),			\
		  __r ? strerror(-__r) : "success", strerror(err));		\
	unchanged(fd, &s0, &q0, (what));					\
} while (0)

static void test_badargs(void)
{
	const uint32_t ss = sizeof(struct xdax_set_size), ps = sizeof(struct xdax_punch);
	const uint32_t both = XDAX_WAIT_NOWAIT | XDAX_WAIT_TIMEOUT;
	const uint64_t wrap = (uint64_t)0 - align;
	struct xdax_stats s0;
	struct xdax_query q0;
	char *res, *map, *anon;
	uint64_t id;
	int fd, fd2, r;

	fd = xt_open(dev_path);
	start_clean(fd);
	/* The xdax block at OFF, then PROT_NONE anonymous memory right after it. */
	res = mmap(NULL, 3 * align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		xt_die("mmap reserve: %s", strerror(errno));
	map = (char *)(((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1));
	if (mmap(map, align, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off) != map)
		xt_die("mmap MAP_FIXED of the block: %s", strerror(errno));
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		xt_die("mmap anon: %s", strerror(errno));
	anon[0] = 1;
	xt_fill(map, align, 0x42414441);
	s0 = xt_stats(fd);
	q0 = xt_query(fd, off);

	/* SET_SIZE: each of these would truncate the block away if it were accepted. */
	BAD(set_size_raw(fd, ss, 0, off + 4096), EINVAL, "SET_SIZE unaligned size");
	BAD(set_size_raw(fd, ss, 0, 1), EINVAL, "SET_SIZE size 1");
	BAD(set_size_raw(fd, ss, 0, cap + align), EFBIG, "SET_SIZE past the capacity");
	BAD(set_size_raw(fd, ss, 0, wrap), EFBIG, "SET_SIZE 2^64 - 2 MiB");
	BAD(set_size_raw(fd, ss, 1U << 31, off), EINVAL, "SET_SIZE unknown flag");
	BAD(set_size_raw(fd, ss, both, off), EINVAL, "SET_SIZE NOWAIT|TIMEOUT");
	BAD(set_size_raw(fd, ss + 8, 0, off), E2BIG, "SET_SIZE larger struct, nonzero tail");

	/* PUNCH of the block, malformed. */
	BAD(punch_raw(fd, ps, 0, off + 4096, align), EINVAL, "PUNCH unaligned offset");
	BAD(punch_raw(fd, ps, 0, off, 4096), EINVAL, "PUNCH unaligned length");
	BAD(punch_raw(fd, ps, 0, off, 0), EINVAL, "PUNCH zero length");
	BAD(punch_raw(fd, ps, 0, off, wrap), EOVERFLOW, "PUNCH wrapping range");
	BAD(punch_raw(fd, ps, 0, cap - align, 2 * align), EFBIG, "PUNCH past the capacity");
	BAD(punch_raw(fd, ps, 0, cap, align), EFBIG, "PUNCH at the capacity");
	BAD(punch_raw(fd, ps, 1U << 31, off, align), EINVAL, "PUNCH unknown flag");
	BAD(punch_raw(fd, ps, both, off, align), EINVAL, "PUNCH NOWAIT|TIMEOUT");
	BAD(punch_raw(fd, ps + 8, 0, off, align), E2BIG, "PUNCH larger struct, nonzero tail");

	/* ALLOCATE of the hole after the block, malformed. */
	BAD(allocate_raw(fd, 1, off + align, align), EINVAL, "ALLOCATE flags 1");
	BAD(allocate_raw(fd, 0, off + align + 4096, align), EINVAL, "ALLOCATE unaligned offset");
	BAD(allocate_raw(fd, 0, off + align, 4096), EINVAL, "ALLOCATE unaligned length");
	BAD(allocate_raw(fd, 0, off + align, 0), EINVAL, "ALLOCATE zero length");
	BAD(allocate_raw(fd, 0, off + align, wrap), EOVERFLOW, "ALLOCATE wrapping range");
	BAD(allocate_raw(fd, 0, cap - align, 2 * align), EFBIG, "ALLOCATE past the capacity");
	r = xt_set_size(fd, off + align, 0, 0, NULL);
	xt_expect(!r, "SET_SIZE to just after the block: %s", strerror(-r));
	s0 = xt_stats(fd);
	BAD(allocate_raw(fd, 0, off + align, align), EINVAL, "ALLOCATE beyond the size");
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "SET_SIZE back to the capacity: %s", strerror(-r));
	s0 = xt_stats(fd);

	/* PIN */
	BAD(pin_raw(fd, map + 1, 4096, 0, NULL), EINVAL, "PIN unaligned address");
	BAD(pin_raw(fd, map, 4095, 0, NULL), EINVAL, "PIN unaligned length");
	BAD(pin_raw(fd, map, 0, 0, NULL), EINVAL, "PIN zero length");
	BAD(pin_raw(fd, map, (uint64_t)0 - 4096, 0, NULL), EOVERFLOW, "PIN wrapping range");
	BAD(pin_raw(fd, map, 4096, 1U << 7, NULL), EINVAL, "PIN unknown flag");
	BAD(pin_raw(fd, anon, 4096, 0, NULL), EINVAL, "PIN of anonymous memory");
	BAD(pin_raw(fd, map + align - 4096, 2 * 4096, 0, NULL), EINVAL,
	    "PIN running off the xdax mapping");
	BAD(pin_big_raw(fd, map, 4096), E2BIG, "PIN larger struct, nonzero tail");

	/* UNPIN */
	BAD(unpin_raw(fd, sizeof(struct xdax_unpin), 0, 0xdeadbeef), ENOENT, "UNPIN unknown id");
	r = pin_raw(fd, map, 4096, 0, &id);
	xt_expect(!r, "PIN of one page: %s", strerror(-r));
	s0 = xt_stats(fd);
	q0 = xt_query(fd, off);
	BAD(unpin_raw(fd, sizeof(struct xdax_unpin), 1, id), EINVAL, "UNPIN flags 1");
	BAD(unpin_raw(fd, sizeof(struct xdax_unpin) + 8, 0, id), E2BIG,
	    "UNPIN larger struct, nonzero tail");
	fd2 = xt_open(dev_path);
	BAD(unpin_raw(fd2, sizeof(struct xdax_unpin), 0, id), ENOENT,
	    "UNPIN of another file's pin");
	close(fd2);
	xt_expect(!xt_unpin(fd, id), "UNPIN of the page");
	s0 = xt_stats(fd);
	q0 = xt_query(fd, off);
	BAD(unpin_raw(fd, sizeof(struct xdax_unpin), 0, id), ENOENT, "UNPIN twice");

	/* QUERY past the capacity */
	{
		struct xdax_query q = { .size = sizeof(q), .offset = cap };

		BAD(ioctl(fd, XDAX_IOC_QUERY, &q) ? -errno : 0, EFBIG, "QUERY at the capacity");
	}
	munmap(anon, 4096);
	munmap(res, 3 * align);
	finish(fd);
	close(fd);
}

/* --- helper for the rmmod test ------------------------------------------------------- */

static void hold_pipe(const char *mode, const char *ready)
{
	uint64_t seed = 0x484f4c44ULL;
	struct xdax_set_size st;
	struct xdax_stats s0, s;
	struct iovec iov;
	char *map, buf[4096], ch;
	int fd, p[2], r, awaiting = !strcmp(mode, "awaiting");
	ssize_t n;

	if (!awaiting && strcmp(mode, "in-file"))
		xt_die("hold-pipe: mode must be in-file or awaiting");
	fd = xt_open(dev_path);
	start_clean(fd);
	s0 = xt_stats(fd);
	map = map_block(fd, off);
	xt_fill(map, align, seed);
	if (pipe(p))
		xt_die("pipe: %s", strerror(errno));
	iov.iov_base = map;
	iov.iov_len = sizeof(buf);
	if (vmsplice(p[1], &iov, 1, 0) != sizeof(buf))
		xt_die("vmsplice: %s", strerror(errno));
	if (awaiting) {
		r = xt_set_size(fd, off, XDAX_WAIT_NOWAIT, 0, &st);
		xt_expect(!r && st.pending == 1, "NOWAIT truncate: %s pending %llu", strerror(-r),
			  (unsigned long long)st.pending);
		s = xt_stats(fd);
		xt_expect(s.awaiting_reclaim == s0.awaiting_reclaim + 1, "awaiting_reclaim %llu",
			  (unsigned long long)s.awaiting_reclaim);
	}
	munmap(map, align);
	close(fd);
	fd = open(ready, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		xt_die("create %s: %s", ready, strerror(errno));
	close(fd);
	step = "waiting for a byte on stdin";
	alarm(0);
	if (read(0, &ch, 1) < 0)
		xt_fail("read stdin: %s", strerror(errno));
	n = read(p[0], buf, sizeof(buf));
	xt_expect(n == sizeof(buf) && xt_verify(buf, sizeof(buf), seed) == (size_t)-1,
		  "the pipe does not hold the pattern (read %zd)", n);
}

static void c_pin(void) { scenario(&ops_pin, 0, 0); }
static void c_pin_nowait(void) { scenario(&ops_pin, 1, 0); }
static void c_uring(void) { scenario(&ops_uring, 0, 0); }
static void c_uring_nowait(void) { scenario(&ops_uring, 1, 0); }
static void c_odirect_write(void) { scenario(&ops_odirect, 0, 1); }
static void c_odirect_write_nowait(void) { scenario(&ops_odirect, 1, 1); }
static void c_odirect_read(void) { scenario(&ops_odirect, 0, 0); }
static void c_odirect_read_nowait(void) { scenario(&ops_odirect, 1, 0); }

static const struct xt_case cases[] = {
	{ "pin", c_pin, "blocking truncate returns only after XDAX_IOC_UNPIN" },
	{ "pin-nowait", c_pin_nowait, "NOWAIT truncate, unpin, one reclaim event" },
	{ "uring", c_uring, "blocking truncate waits for IORING_UNREGISTER_BUFFERS" },
	{ "uring-nowait", c_uring_nowait, "NOWAIT truncate with an io_uring buffer" },
	{ "odirect-write", c_odirect_write, "blocking truncate waits for an O_DIRECT write" },
	{ "odirect-write-nowait", c_odirect_write_nowait, "NOWAIT truncate during an O_DIRECT write" },
	{ "odirect-read", c_odirect_read, "blocking truncate waits for an O_DIRECT read" },
	{ "odirect-read-nowait", c_odirect_read_nowait, "NOWAIT truncate during an O_DIRECT read" },
	{ "vmsplice", test_vmsplice, "a vmspliced page survives a NOWAIT truncate" },
	{ "signal", test_signal, "EINTR despite SA_RESTART; the repeated call waits again" },
	{ "timeout", test_timeout, "ETIMEDOUT; the reaper frees the block later" },
	{ "killed", test_killed, "SIGKILL of a pinning process releases its pins" },
	{ "close", test_close, "close with pins outstanding releases them" },
	{ "memlock", test_memlock, "pins count against RLIMIT_MEMLOCK in whole blocks" },
	{ "badargs", test_badargs, "malformed calls: errno, no side effect" },
	{ 0 }
};

/*
 * xdax_reclaim DEV [CASE...]: the cases above (KTAP); or
 * xdax_reclaim DEV hold-pipe in-file|awaiting READYFILE: the holder t60 uses for rmmod.
 */
int main(int argc, char **argv)
{
	struct xdax_info info;
	int fd;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return xt_run(argc, argv, cases);
	dev_path = argv[1];
	signal(SIGALRM, watchdog);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = xt_open(dev_path);
	info = xt_info(fd);
	close(fd);
	cap = info.capacity;
	align = info.align;
	mapping_refs = !!(info.features & XDAX_FEATURE_MAPPING_REFS);
	if (align != 2 * XT_MB || cap < 8 * align)
		xt_die("unexpected device: capacity %#llx align %#llx",
		       (unsigned long long)cap, (unsigned long long)align);
	off = 4 * align;
	xt_note("mapping refs %s", mapping_refs ? "yes" : "no");
	if (argc == 5 && !strcmp(argv[2], "hold-pipe")) {
		alarm(WATCHDOG_S);
		hold_pipe(argv[3], argv[4]);
		return xt_exit(test_name);
	}
	return xt_run(argc, argv, cases);
}
