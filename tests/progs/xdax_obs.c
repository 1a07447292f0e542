// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_obs DEV [CASE...]: what an administrator can see of xdax without its ioctls.
 *
 *   fdinfo   /proc/PID/fdinfo/N of open files of the device: the device name, file size,
 *            capacity and block counts; the pins this open file holds (count, pages, and
 *            one line per pin naming its address, pages, charge and the device blocks it
 *            holds, as QUERY numbers them); the events this file has not read.  Values
 *            follow pins as they come and go, two opens of one process are distinct, and
 *            a NOWAIT punch of a pinned block is traced to its holder: another process's
 *            fdinfo names the block awaiting reclaim in its pin line.
 *
 *   trace    the tracepoints (trace system xdax, through tracefs) during the seeds'
 *            scenario: map, write-fault a block, pin a page, NOWAIT truncate to 0, unpin,
 *            the reaper frees the block and raises the reclaim event, read it, grow back,
 *            refault.  The exact sequence of xdax events with every field (blocks as QUERY
 *            gives them, offsets, address, pin id, reason, counts, event seq) must be seen.
 *
 * Every case audits the device and leaves it at its capacity with nothing allocated.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "xdax_test.h"

#define BLK	(2UL << 20)
#define PG	4096UL
#define SEED	0x6664696e666f2121ULL
#define WAIT_NS	5000000000ULL

static void *map_dev(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		xt_die("mmap %#zx at %#llx: %s", len, (unsigned long long)off, strerror(errno));
	return p;
}

/* Back to the full capacity with nothing allocated. */
static void reset(int fd, const char *where)
{
	struct xdax_info i = xt_info(fd);
	int r;

	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "%s: SET_SIZE 0: %s", where, strerror(-r));
	r = xt_set_size(fd, i.capacity, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "%s: SET_SIZE capacity: %s", where, strerror(-r));
	xt_conserved(fd, where);
}

/* ---- fdinfo ---------------------------------------------------------------------------- */

static char fdinfo_buf[8192];

/* The fdinfo text of fd @fd of process @pid (0: this one). */
static const char *fdinfo(pid_t pid, int fd)
{
	char path[64];
	ssize_t n;
	int f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		xt_die("open %s: %s", path, strerror(errno));
	n = read(f, fdinfo_buf, sizeof(fdinfo_buf) - 1);
	if (n < 0)
		xt_die("read %s: %s", path, strerror(errno));
	fdinfo_buf[n] = 0;
	close(f);
	return fdinfo_buf;
}

/* The value of "KEY:\t" in @text ("" if absent; at most one line, in a static buffer). */
static const char *fdkey(const char *text, const char *key)
{
	static char val[512];
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "%s:\t", key);
	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, pat, strlen(pat))) {
			p += strlen(pat);
			n = strcspn(p, "\n");
			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, p, n);
			val[n] = 0;
			return val;
		}
	}
	val[0] = 0;
	return val;
}

/* How many lines start with "KEY:\t". */
static int fdkey_count(const char *text, const char *key)
{
	char pat[64];
	const char *p;
	int n = 0;

	snprintf(pat, sizeof(pat), "%s:\t", key);
	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, pat, strlen(pat));
	return n;
}

#define expect_key(text, key, want) do {						\
	const char *__v = fdkey((text), (key));						\
	if (strcmp(__v, (want)))							\
		xt_fail("line %d: fdinfo %s: \"%s\", expected \"%s\"\n%s", __LINE__,	\
			(key), __v, (want), (text));					\
} while (0)

static unsigned long long block_of(int fd, uint64_t off)
{
	struct xdax_query q = xt_query(fd, off);

	if (q.state != XDAX_BLOCK_IN_USE)
		xt_die("offset %#llx: state %u, expected in use", (unsigned long long)off, q.state);
	return q.block;
}

static void fdinfo_case(void)
{
	int fd1 = xt_open(xt_dev), fd2 = xt_open(xt_dev), fd3, pfd[2], cfd[2];
	struct xdax_info info = xt_info(fd1);
	unsigned long long b0, b1, b2;
	struct xdax_event ev;
	struct xdax_punch pu;
	char want[256], cap[32], *m;
	uint64_t id1, id2, id3;
	const char *t;
	pid_t child;
	char c;
	int r;

	reset(fd1, "start");
	snprintf(cap, sizeof(cap), "%llu", (unsigned long long)info.capacity);
	m = map_dev(fd1, 3 * BLK, 0);
	xt_fill(m, 3 * BLK, SEED);
	b0 = block_of(fd1, 0);
	b1 = block_of(fd1, BLK);
	b2 = block_of(fd1, 2 * BLK);

	t = fdinfo(0, fd1);
	snprintf(want, sizeof(want), "xdax%u", info.id);
	expect_key(t, "xdax-device", want);
	expect_key(t, "xdax-size", cap);
	expect_key(t, "xdax-capacity", cap);
	snprintf(want, sizeof(want), "total=%llu free=%llu in_use=3 awaiting_reclaim=0 poisoned=0",
		 (unsigned long long)(info.capacity / BLK),
		 (unsigned long long)(info.capacity / BLK - 3));
	expect_key(t, "xdax-blocks", want);
	expect_key(t, "xdax-pins", "0");
	expect_key(t, "xdax-pinned-pages", "0");
	expect_key(t, "xdax-events-pending", "reclaim=0 poison=0");
	xt_expect(!fdkey_count(t, "xdax-pin"), "a pin line with no pin:\n%s", t);

	/* fd1 pins 4 pages across the first two blocks, fd2 one page of the third. */
	id1 = xt_pin(fd1, m + BLK - 2 * PG, 4 * PG, 0);
	id2 = xt_pin(fd2, m + 2 * BLK + 7 * PG, PG, XDAX_PIN_READONLY);
	t = fdinfo(0, fd1);
	expect_key(t, "xdax-pins", "1");
	expect_key(t, "xdax-pinned-pages", "4");
	xt_expect(fdkey_count(t, "xdax-pin") == 1, "fd1: %d pin lines, expected 1:\n%s",
		  fdkey_count(t, "xdax-pin"), t);
	if (b1 == b0 + 1)
		snprintf(want, sizeof(want), "id=%llu addr=%#lx pages=4 charged=%lu blocks=%llu-%llu",
			 (unsigned long long)id1, (unsigned long)(m + BLK - 2 * PG),
			 2 * BLK / PG, b0, b1);
	else
		snprintf(want, sizeof(want), "id=%llu addr=%#lx pages=4 charged=%lu blocks=%llu,%llu",
			 (unsigned long long)id1, (unsigned long)(m + BLK - 2 * PG),
			 2 * BLK / PG, b0, b1);
	expect_key(t, "xdax-pin", want);
	t = fdinfo(0, fd2);
	expect_key(t, "xdax-pins", "1");
	expect_key(t, "xdax-pinned-pages", "1");
	snprintf(want, sizeof(want), "id=%llu addr=%#lx pages=1 charged=%lu blocks=%llu",
		 (unsigned long long)id2, (unsigned long)(m + 2 * BLK + 7 * PG), BLK / PG, b2);
	expect_key(t, "xdax-pin", want);

	/* A second pin on fd1, then its first goes: counts follow. */
	id3 = xt_pin(fd1, m, PG, 0);
	t = fdinfo(0, fd1);
	expect_key(t, "xdax-pins", "2");
	expect_key(t, "xdax-pinned-pages", "5");
	xt_expect(fdkey_count(t, "xdax-pin") == 2, "fd1: %d pin lines, expected 2:\n%s",
		  fdkey_count(t, "xdax-pin"), t);
	xt_expect(!xt_unpin(fd1, id1), "UNPIN %llu", (unsigned long long)id1);
	t = fdinfo(0, fd1);
	expect_key(t, "xdax-pins", "1");
	expect_key(t, "xdax-pinned-pages", "1");
	snprintf(want, sizeof(want), "id=%llu addr=%#lx pages=1 charged=%lu blocks=%llu",
		 (unsigned long long)id3, (unsigned long)m, BLK / PG, b0);
	expect_key(t, "xdax-pin", want);
	xt_expect(!xt_unpin(fd1, id3), "UNPIN %llu", (unsigned long long)id3);
	xt_expect(!xt_unpin(fd2, id2), "UNPIN %llu", (unsigned long long)id2);
	t = fdinfo(0, fd1);
	expect_key(t, "xdax-pins", "0");
	expect_key(t, "xdax-pinned-pages", "0");
	t = fdinfo(0, fd2);
	expect_key(t, "xdax-pins", "0");

	/*
	 * Who holds my blocks: a child pins a page of the third block through its own open
	 * file and waits; a NOWAIT punch leaves the block awaiting reclaim; the child's
	 * fdinfo, read from here, names that block in its pin line.
	 */
	if (pipe(pfd) || pipe(cfd))
		xt_die("pipe: %s", strerror(errno));
	child = fork();
	if (child < 0)
		xt_die("fork: %s", strerror(errno));
	if (!child) {
		int cfdx = xt_open(xt_dev);
		uint64_t cid = xt_pin(cfdx, m + 2 * BLK, PG, 0);

		if (dprintf(pfd[1], "%d %llu\n", cfdx, (unsigned long long)cid) < 0)
			_exit(3);
		if (read(cfd[0], &c, 1) != 1)
			_exit(4);
		_exit(xt_unpin(cfdx, cid) ? 5 : 0);
	}
	{
		char line[64] = "";
		unsigned long long cid = 0;
		int cfdx = -1;
		ssize_t n = read(pfd[0], line, sizeof(line) - 1);

		if (n <= 0 || sscanf(line, "%d %llu", &cfdx, &cid) != 2)
			xt_die("the child did not report its pin (%zd)", n);
		r = xt_punch(fd1, 2 * BLK, BLK, XDAX_WAIT_NOWAIT, 0, &pu);
		xt_expect(!r && pu.pending == 1, "NOWAIT punch of the pinned block: %s, pending %llu",
			  strerror(-r), (unsigned long long)pu.pending);
		t = fdinfo(0, fd2);
		snprintf(want, sizeof(want),
			 "total=%llu free=%llu in_use=2 awaiting_reclaim=1 poisoned=0",
			 (unsigned long long)(info.capacity / BLK),
			 (unsigned long long)(info.capacity / BLK - 3));
		expect_key(t, "xdax-blocks", want);
		t = fdinfo(child, cfdx);
		expect_key(t, "xdax-pins", "1");
		snprintf(want, sizeof(want), "id=%llu addr=%#lx pages=1 charged=%lu blocks=%llu",
			 cid, (unsigned long)(m + 2 * BLK), BLK / PG, b2);
		expect_key(t, "xdax-pin", want);
	}
	if (write(cfd[1], "x", 1) != 1)
		xt_die("write to the child: %s", strerror(errno));
	while (waitpid(child, &r, 0) < 0 && errno == EINTR)
		;
	xt_expect(WIFEXITED(r) && !WEXITSTATUS(r), "the pinning child failed (status %#x)", r);
	{
		struct pollfd p = { .fd = fd1, .events = POLLIN };

		xt_expect(poll(&p, 1, 10000) == 1, "no reclaim event within 10 s");
	}
	/* fd3 opens now: the event came before its open and is not its own. */
	fd3 = xt_open(xt_dev);
	expect_key(fdinfo(0, fd1), "xdax-events-pending", "reclaim=1 poison=0");
	expect_key(fdinfo(0, fd2), "xdax-events-pending", "reclaim=1 poison=0");
	expect_key(fdinfo(0, fd3), "xdax-events-pending", "reclaim=0 poison=0");
	xt_expect(read(fd1, &ev, sizeof(ev)) == sizeof(ev) && ev.type == XDAX_EVENT_RECLAIM,
		  "read of the reclaim event: %s", strerror(errno));
	expect_key(fdinfo(0, fd1), "xdax-events-pending", "reclaim=0 poison=0");
	expect_key(fdinfo(0, fd2), "xdax-events-pending", "reclaim=1 poison=0");
	t = fdinfo(0, fd1);
	snprintf(want, sizeof(want), "total=%llu free=%llu in_use=2 awaiting_reclaim=0 poisoned=0",
		 (unsigned long long)(info.capacity / BLK),
		 (unsigned long long)(info.capacity / BLK - 2));
	expect_key(t, "xdax-blocks", want);

	/* The size follows SET_SIZE. */
	r = xt_set_size(fd1, BLK, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "SET_SIZE %#lx: %s", BLK, strerror(-r));
	snprintf(want, sizeof(want), "%lu", BLK);
	expect_key(fdinfo(0, fd3), "xdax-size", want);

	munmap(m, 3 * BLK);
	close(fd2);
	close(fd3);
	reset(fd1, "end");
	close(fd1);
}

/* ---- trace ----------------------------------------------------------------------------- */

static char tdir[64];

static void tw(const char *file, const char *val)
{
	char path[160];
	int f;

	snprintf(path, sizeof(path), "%s/%s", tdir, file);
	f = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (f < 0 || write(f, val, strlen(val)) != (ssize_t)strlen(val))
		xt_die("write %s to %s: %s", val, path, strerror(errno));
	close(f);
}

/* tracefs, mounted on /sys/kernel/tracing if it is not yet. */
static void tracefs_find(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[160];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!access(path, F_OK)) {
			snprintf(tdir, sizeof(tdir), "%s", dirs[i]);
			break;
		}
	}
	if (!tdir[0]) {
		if (mount("nodev", dirs[0], "tracefs", 0, NULL))
			xt_die("mount -t tracefs %s: %s", dirs[0], strerror(errno));
		snprintf(tdir, sizeof(tdir), "%s", dirs[0]);
	}
	snprintf(path, sizeof(path), "%s/events/xdax/enable", tdir);
	if (access(path, F_OK))
		xt_die("%s missing: xdax registered no trace events", path);
}

static void trace_off(void)
{
	if (tdir[0]) {
		tw("tracing_on", "0");
		tw("events/xdax/enable", "0");
	}
}

/* At exit: comm recording and the default clock back (which also empties the buffer). */
static void trace_restore(void)
{
	trace_off();
	if (tdir[0])
		tw("options/record-cmd", "1");
	if (tdir[0])
		tw("trace_clock", "local");
}

#define MAX_EV	64
static char got[MAX_EV][160], want[MAX_EV][160];
static int ngot, nwant;

__attribute__((format(printf, 1, 2)))
static void expect_ev(const char *fmt, ...)
{
	va_list ap;

	if (nwant == MAX_EV)
		xt_die("too many expected events");
	va_start(ap, fmt);
	vsnprintf(want[nwant++], sizeof(want[0]), fmt, ap);
	va_end(ap);
}

/* The xdax events in the trace buffer, as "name: fields". */
static void trace_read(void)
{
	char path[160], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", tdir);
	f = fopen(path, "re");
	if (!f)
		xt_die("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#')
			continue;
		p = strstr(line, ": xdax_");
		if (!p) {
			if (strstr(line, "LOST"))
				xt_fail("trace: %s", line);
			continue;
		}
		if (ngot < MAX_EV)
			snprintf(got[ngot], sizeof(got[0]), "%s", p + 2);
		ngot++;
	}
	fclose(f);
}

static void trace_case(void)
{
	int fd = xt_open(xt_dev), i, r;
	struct xdax_info info = xt_info(fd);
	unsigned long long b1, b2, seq;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct xdax_set_size ss;
	struct xdax_event ev;
	uint64_t id;
	char *m;

	reset(fd, "start");
	tracefs_find();
	atexit(trace_restore);
	seq = xt_stats(fd).reclaim_events;
	m = map_dev(fd, BLK, 0);
	tw("tracing_on", "0");
	tw("trace", "");
	tw("buffer_size_kb", "256");
	/* The reaper runs on another CPU: order events by a clock all CPUs share. */
	tw("trace_clock", "global");
	/*
	 * No comm recording: enabling an event with it on also hooks sched_switch and
	 * sched_wakeup, patching their static branches in the scheduler while other vCPUs
	 * run it.  QEMU's TCG once executed a stale int3 there on 7.2 ("Oops: int3" in
	 * ttwu_do_activate, CPU 1 idle): an emulator flake that this test need not invite.
	 */
	tw("options/record-cmd", "0");
	tw("events/xdax/enable", "1");
	tw("tracing_on", "1");

	/* A write fault on a hole: a zeroed block, installed at 0, mapped by a PMD. */
	*(volatile char *)m = 1;
	b1 = xt_query(fd, 0).block;
	expect_ev("xdax_zero: dev=xdax%u block=%llu", info.id, b1);
	expect_ev("xdax_alloc: dev=xdax%u block=%llu offset=0x%llx", info.id, b1, 0ULL);
	expect_ev("xdax_insert: dev=xdax%u block=%llu offset=0x%llx addr=%#lx pmd write",
		  info.id, b1, 0ULL, (unsigned long)m);

	/* A pin, then a NOWAIT truncate to 0: the block awaits reclaim. */
	id = xt_pin(fd, m, PG, 0);
	expect_ev("xdax_pin: dev=xdax%u id=%llu addr=%#lx pages=1", info.id,
		  (unsigned long long)id, (unsigned long)m);
	r = xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, &ss);
	xt_expect(!r && ss.pending == 1 && !ss.freed, "NOWAIT truncate: %s, freed %llu pending %llu",
		  strerror(-r), (unsigned long long)ss.freed, (unsigned long long)ss.pending);
	expect_ev("xdax_zap: dev=xdax%u offset=0x%llx len=0x%llx", info.id, 0ULL, 0ULL);
	expect_ev("xdax_detach: dev=xdax%u block=%llu offset=0x%llx", info.id, b1, 0ULL);
	expect_ev("xdax_wait_begin: dev=xdax%u blocks=1 nowait=1 timeout_ns=0", info.id);
	expect_ev("xdax_wait_end: dev=xdax%u reason=nowait freed=0 pending=1", info.id);

	/* Unpin: the reaper freezes the block and raises the reclaim event. */
	xt_expect(!xt_unpin(fd, id), "UNPIN %llu", (unsigned long long)id);
	expect_ev("xdax_unpin: dev=xdax%u id=%llu addr=%#lx pages=1", info.id,
		  (unsigned long long)id, (unsigned long)m);
	xt_expect(poll(&pfd, 1, 10000) == 1, "no reclaim event within 10 s");
	xt_expect(read(fd, &ev, sizeof(ev)) == sizeof(ev) && ev.type == XDAX_EVENT_RECLAIM &&
		  ev.seq == seq + 1 && ev.reclaimed == 1,
		  "reclaim event: type %u seq %llu (expected %llu) reclaimed %llu", ev.type,
		  (unsigned long long)ev.seq, seq + 1, (unsigned long long)ev.reclaimed);
	expect_ev("xdax_page_free: dev=xdax%u block=%llu", info.id, b1);
	expect_ev("xdax_reaper_free: dev=xdax%u block=%llu", info.id, b1);
	expect_ev("xdax_event: dev=xdax%u type=reclaim count=1 seq=%llu", info.id, seq + 1);

	/* Grow back (nothing to trace) and refault: a fresh zeroed block. */
	r = xt_set_size(fd, info.capacity, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "SET_SIZE capacity: %s", strerror(-r));
	*(volatile char *)m = 2;
	b2 = xt_query(fd, 0).block;
	expect_ev("xdax_zero: dev=xdax%u block=%llu", info.id, b2);
	expect_ev("xdax_alloc: dev=xdax%u block=%llu offset=0x%llx", info.id, b2, 0ULL);
	expect_ev("xdax_insert: dev=xdax%u block=%llu offset=0x%llx addr=%#lx pmd write",
		  info.id, b2, 0ULL, (unsigned long)m);

	trace_off();
	trace_read();
	for (i = 0; i < ngot && i < MAX_EV; i++)
		xt_note("trace %2d: %s", i, got[i]);
	for (i = 0; i < nwant || i < ngot; i++) {
		if (i < nwant && i < ngot && !strcmp(got[i], want[i]))
			continue;
		xt_fail("event %d: got \"%s\", expected \"%s\"", i, i < ngot ? got[i] : "(none)",
			i < nwant ? want[i] : "(none)");
		break;
	}
	xt_expect(ngot == nwant, "%d xdax events traced, expected %d", ngot, nwant);
	munmap(m, BLK);
	reset(fd, "end");
	close(fd);
}

static const struct xt_case cases[] = {
	{ "fdinfo", fdinfo_case,
	  "fdinfo: size, blocks, pins (count, pages, blocks) per open file, pending events" },
	{ "trace", trace_case,
	  "tracepoints: the exact xdax event sequence of map, fault, pin, NOWAIT truncate, unpin, reclaim, refault" },
	{ 0 },
};

int main(int argc, char **argv)
{
	return xt_run(argc, argv, cases);
}
