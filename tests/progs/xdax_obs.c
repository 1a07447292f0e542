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
 * Every case audits the device and leaves it at its capacity with nothing allocated.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/mman.h>

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

	r = xt_set_size(fd, 0, 0, WAIT_NS, NULL);
	xt_expect(!r, "%s: SET_SIZE 0: %s", where, strerror(-r));
	r = xt_set_size(fd, i.capacity, 0, WAIT_NS, NULL);
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
	/* fd3 opens now: events before its open are not its own. */
	fd3 = xt_open(xt_dev);
	if (write(cfd[1], "x", 1) != 1)
		xt_die("write to the child: %s", strerror(errno));
	while (waitpid(child, &r, 0) < 0 && errno == EINTR)
		;
	xt_expect(WIFEXITED(r) && !WEXITSTATUS(r), "the pinning child failed (status %#x)", r);
	{
		struct pollfd p = { .fd = fd1, .events = POLLIN };

		xt_expect(poll(&p, 1, 10000) == 1, "no reclaim event within 10 s");
	}
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
	r = xt_set_size(fd1, BLK, 0, WAIT_NS, NULL);
	xt_expect(!r, "SET_SIZE %#lx: %s", BLK, strerror(-r));
	snprintf(want, sizeof(want), "%lu", BLK);
	expect_key(fdinfo(0, fd3), "xdax-size", want);

	munmap(m, 3 * BLK);
	close(fd2);
	close(fd3);
	reset(fd1, "end");
	close(fd1);
}

static const struct xt_case cases[] = {
	{ "fdinfo", fdinfo_case,
	  "fdinfo: size, blocks, pins (count, pages, blocks) per open file, pending events" },
	{ 0 },
};

int main(int argc, char **argv)
{
	return xt_run(argc, argv, cases);
}
