// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_untrusted DEV [CASE...]: callers who must not be trusted (UAPI v2, issue "Protocol
 * v2" section 3).  Every case is one xt_run case (KTAP); each starts from a device at its
 * capacity with nothing allocated and ends with the blocks conserved and the audit clean.
 *
 *   rdonly-writers         O_RDONLY: SET_SIZE, PUNCH, ALLOCATE, AUDIT, writable PIN -> EBADF,
 *                          another opener's data and every counter untouched; a READONLY PIN
 *                          of a PROT_READ mapping works
 *   pin-copyout-undone     a PIN whose id cannot be copied out: EFAULT and nothing pinned
 *   read-efault-keeps-event  read() into a bad buffer: EFAULT, the event stays pending
 *   size-cap               struct size > 4096: E2BIG without reading past the buffer
 *   dispatch-by-nr         the command is told apart by _IOC_NR and the magic only
 *   copyout-bounded        results never written past the size read at entry
 *   query-block-without-flag  QUERY with `block` set and no XDAX_QUERY_BLOCK: EINVAL
 *   timeout-without-flag   timeout_ns without XDAX_WAIT_TIMEOUT: EINVAL, no side effect
 *   pin-huge               PIN past XDAX_PIN_MAX_BYTES, over RLIMIT_MEMLOCK, of foreign memory
 *   sysfs-modes            resource, audit, parameters/ranges root-only; reading audit
 *                          changes no counter
 *   audit-no-side-effect   XDAX_IOC_AUDIT changes no stats field
 *   nonroot-open           the node's mode decides who opens it; group xdax can map and pin
 *   allocate-killable      SIGKILL stops a whole-device ALLOCATE (nothing allocated); faults
 *                          of allocated blocks progress while it runs
 *   bad-read               read() smaller than struct xdax_event: EINVAL; nothing: EAGAIN
 *
 * Cases that need another user run parts of themselves as `xdax_runas [-l MEMLOCK] UID GIDS
 * <this program> --as PART DEV` (uid 1000 in group xdax 990, uid 1001 outside it).
 * "# figure:" lines are measurements, never asserted.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "xdax_test.h"

#define SEC_NS		1000000000ULL
#define XDAX_GID	990
#define KILL_BOUND_MS	10000	/* "promptly": a hang detector, not a timing assertion */

static int fd;			/* the case's O_RDWR open */
static uint64_t cap, blk;

static void sleep_ms(double ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1e3) };

	ts.tv_nsec = (long)((ms - ts.tv_sec * 1e3) * 1e6);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int dev_open(int flags)
{
	int f = open(xt_dev, flags | O_CLOEXEC);

	if (f < 0)
		xt_die("open %s (%#x): %s", xt_dev, flags, strerror(errno));
	return f;
}

static void *map_dev(int f, uint64_t off, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, f, off);

	if (p == MAP_FAILED)
		xt_die("mmap %#zx at %#llx prot %d: %s", len, (unsigned long long)off, prot,
		       strerror(errno));
	return p;
}

/*
 * An anonymous page followed by an inaccessible one (PROT_NONE: nothing else can be mapped
 * there meanwhile): a buffer with nothing readable or writable behind it.
 */
static char *page_before_hole(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_NONE))
		xt_die("mmap: %s", strerror(errno));
	memset(p, 0, 4096);
	return p;
}

/*
 * Memory charged against RLIMIT_MEMLOCK, kB: VmLck (mm->locked_vm, account_locked_vm) plus
 * VmPin (mm->pinned_vm, where RDMA-style drivers charge their pins).
 */
static long vmlck_kb(void)
{
	char line[256];
	long v, sum = 0;
	int seen = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		xt_die("/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld", &v) == 1 || sscanf(line, "VmPin: %ld", &v) == 1) {
			sum += v;
			seen++;
		}
	fclose(f);
	if (!seen)
		xt_die("no VmLck/VmPin in /proc/self/status");
	return sum;
}

/* --- stats, compared field by field --------------------------------------------------- */

#define SF(f) { #f, offsetof(struct xdax_stats, f) }
static const struct {
	const char *name;
	size_t off;
} stat_fields[] = {
	SF(file_size), SF(total), SF(free), SF(in_use), SF(awaiting_reclaim),
	SF(page_free_calls), SF(kernel_free_calls), SF(anomalies), SF(pte_faults),
	SF(pmd_faults), SF(reclaim_events), SF(pinned_pages), SF(zeroed), SF(poisoned),
	SF(memory_failures),
};

static uint64_t stat_field(const struct xdax_stats *s, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)s + stat_fields[i].off, sizeof(v));
	return v;
}

/* Every field equal (faults: also the fault counters); else one failure naming the changes. */
static int stats_same(const char *what, const struct xdax_stats *a, const struct xdax_stats *b,
		      int with_faults)
{
	char diff[1024] = "";
	size_t i, n = 0;

	for (i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]); i++) {
		if (!with_faults && (!strcmp(stat_fields[i].name, "pte_faults") ||
				     !strcmp(stat_fields[i].name, "pmd_faults")))
			continue;
		if (stat_field(a, i) != stat_field(b, i) && n < sizeof(diff))
			n += snprintf(diff + n, sizeof(diff) - n, " %s %llu -> %llu",
				      stat_fields[i].name, (unsigned long long)stat_field(a, i),
				      (unsigned long long)stat_field(b, i));
	}
	if (n)
		xt_fail("%s changed the stats:%s", what, diff);
	return !n;
}

/* --- begin and end of every case ------------------------------------------------------ */

static void wait_no_awaiting(int f, int ms)
{
	double end = xt_now_ms() + ms;

	while (xt_stats(f).awaiting_reclaim && xt_now_ms() < end)
		sleep_ms(10);
}

/* Open O_RDWR, learn the geometry, and start from the capacity with nothing allocated. */
static void begin(void)
{
	struct xdax_info i;
	struct xdax_stats s;

	fd = dev_open(O_RDWR);
	i = xt_info(fd);
	cap = i.capacity;
	blk = i.align;
	s = xt_stats(fd);
	if (s.file_size == cap && !s.in_use && !s.awaiting_reclaim && !s.pinned_pages)
		return;
	xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL);
	xt_set_size(fd, cap, 0, 0, NULL);
	wait_no_awaiting(fd, 5000);
	s = xt_stats(fd);
	if (s.file_size != cap || s.in_use || s.awaiting_reclaim || s.pinned_pages)
		xt_die("cannot start from a clean device: size %#llx in use %llu awaiting %llu pinned %llu",
		       (unsigned long long)s.file_size, (unsigned long long)s.in_use,
		       (unsigned long long)s.awaiting_reclaim,
		       (unsigned long long)s.pinned_pages);
}

/* Free everything (a blocking truncate must manage), size back, audit and conservation. */
static void end(const char *name)
{
	struct xdax_stats s;
	int r;

	xt_conserved(fd, name);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5 * SEC_NS, NULL);
	xt_expect(!r, "%s: cleanup truncate to 0: %s (a block still referenced?)", name,
		  strerror(-r));
	r = xt_set_size(fd, cap, 0, 0, NULL);
	xt_expect(!r, "%s: grow back to the capacity: %s", name, strerror(-r));
	s = xt_stats(fd);
	xt_expect(!s.in_use && !s.awaiting_reclaim && s.free == s.total,
		  "%s: after cleanup: in use %llu awaiting %llu free %llu/%llu pinned pages %llu",
		  name, (unsigned long long)s.in_use, (unsigned long long)s.awaiting_reclaim,
		  (unsigned long long)s.free, (unsigned long long)s.total,
		  (unsigned long long)s.pinned_pages);
	xt_conserved(fd, name);
}

/* --- reading through a mapping that may SIGBUS ---------------------------------------- */

static sigjmp_buf bus_jb;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jb, 1);
}

/* The pattern at p, or a failure naming where it is gone (SIGBUS included). */
static int pattern_intact(const char *what, const void *p, size_t len, uint64_t seed)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	size_t bad;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jb, 1)) {
		sigaction(SIGBUS, &old, NULL);
		xt_fail("%s: SIGBUS reading the other opener's data (the file was cut)", what);
		return 0;
	}
	bad = xt_verify(p, len, seed);
	sigaction(SIGBUS, &old, NULL);
	if (bad != (size_t)-1) {
		xt_fail("%s: the other opener's data is gone at +%#zx: %#llx", what, bad,
			(unsigned long long)*(const uint64_t *)((const char *)p + bad));
		return 0;
	}
	return 1;
}

/* --- running parts of a case as another user ------------------------------------------ */

/*
 * xdax_runas [-l MEMLOCK] UID GIDS <this program> --as PART DEV; returns its exit status
 * (128 + signal if killed).
 */
static int as_user(const char *uid, const char *gids, const char *memlock, const char *part)
{
	char self[PATH_MAX];
	const char *argv[12];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int i = 0, status;
	pid_t pid;

	if (n <= 0)
		xt_die("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = 0;
	argv[i++] = "xdax_runas";
	if (memlock) {
		argv[i++] = "-l";
		argv[i++] = memlock;
	}
	argv[i++] = uid;
	argv[i++] = gids;
	argv[i++] = self;
	argv[i++] = "--as";
	argv[i++] = part;
	argv[i++] = xt_dev;
	argv[i] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		xt_die("fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], (char **)argv);
		fprintf(stderr, "exec xdax_runas: %s\n", strerror(errno));
		_exit(126);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Make the node group xdax, 0660 (restored by node_restore). */
static struct stat node_saved;

static void node_share(void)
{
	if (stat(xt_dev, &node_saved))
		xt_die("stat %s: %s", xt_dev, strerror(errno));
	if (chown(xt_dev, 0, XDAX_GID) || chmod(xt_dev, 0660))
		xt_die("chgrp/chmod %s: %s", xt_dev, strerror(errno));
}

static void node_restore(void)
{
	struct stat st;

	if (chown(xt_dev, node_saved.st_uid, node_saved.st_gid) ||
	    chmod(xt_dev, node_saved.st_mode & 07777))
		xt_fail("restoring %s: %s", xt_dev, strerror(errno));
	if (!stat(xt_dev, &st))
		xt_expect((st.st_mode & 07777) == (node_saved.st_mode & 07777) &&
			  st.st_gid == node_saved.st_gid,
			  "%s not restored: mode %o gid %u", xt_dev, st.st_mode & 07777,
			  st.st_gid);
}

/* --- the kernel log ------------------------------------------------------------------- */

static void kmsg_mark(char *tag, size_t n)
{
	int k = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	char line[128];

	snprintf(tag, n, "xdax_untrusted: mark %d.%.0f", getpid(), xt_now_ms());
	/* With its newline: an unterminated record is not finalized, and no reader sees it. */
	snprintf(line, sizeof(line), "%s\n", tag);
	if (k < 0 || write(k, line, strlen(line)) < 0)
		xt_die("/dev/kmsg: %s", strerror(errno));
	close(k);
}

/* Splat lines logged after the mark; -1 if the mark is not in the log (scrolled out). */
static int kmsg_splats_since(const char *tag)
{
	static const char *const splat[] = { "WARNING:", "BUG:", "Call Trace", "KASAN:",
					     "UBSAN:", "Oops" };
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0), bad = 0;
	char *log, *p, *line, *next;
	size_t i;

	if (len <= 0)
		xt_die("klogctl(SIZE_BUFFER): %s", strerror(errno));
	log = malloc(len + 1);
	if (!log)
		xt_die("malloc");
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (len < 0)
		xt_die("klogctl(READ_ALL): %s", strerror(errno));
	log[len] = 0;
	p = strstr(log, tag);
	if (!p) {
		xt_note("\"%s\" not in the %d bytes of the kernel log; its end: %s", tag, len,
			log + (len > 300 ? len - 300 : 0));
		free(log);
		return -1;
	}
	for (line = p; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		for (i = 0; i < sizeof(splat) / sizeof(splat[0]); i++)
			if (strstr(line, splat[i])) {
				xt_note("kernel log: %s", line);
				bad++;
				break;
			}
	}
	free(log);
	return bad;
}

/* ========================================================================================
 * 1. rdonly-writers
 */

#define RO_SEED		0x7265616c6f6e6c79ULL
#define RO_BLOCKS	4

/* Another process writes the pattern into blocks 0..RO_BLOCKS-1 and goes away. */
static void other_writer(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		xt_die("fork: %s", strerror(errno));
	if (!pid) {
		int w = dev_open(O_RDWR);
		void *p = map_dev(w, 0, RO_BLOCKS * blk, PROT_READ | PROT_WRITE);

		xt_fill(p, RO_BLOCKS * blk, RO_SEED);
		munmap(p, RO_BLOCKS * blk);
		close(w);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		xt_die("the writer process failed (status %#x)", status);
}

static void ro_expect_ebadf(int ro, unsigned long cmd, void *arg, const char *what,
			   struct xdax_stats *s0)
{
	struct xdax_stats s;

	xt_expect_errno(ioctl(ro, cmd, arg), EBADF, what);
	s = xt_stats(ro);
	if (!stats_same(what, s0, &s, 0))
		*s0 = s;	/* one failure per call, not a cascade */
}

static void t_rdonly_writers(void)
{
	struct xdax_set_size ss, ssn;
	struct xdax_punch pu;
	struct xdax_allocate al;
	struct xdax_audit au = { .size = sizeof(au) };
	struct xdax_pin pin;
	struct xdax_stats s0, s;
	long lck0 = vmlck_kb();
	char *rw_map, *ro_map;
	uint64_t id;
	int ro;

	begin();
	ss = (struct xdax_set_size){ .size = sizeof(ss), .new_size = 0 };
	/* Timeouts: today's module pins on the writable PIN and would wait for it forever. */
	ss.flags = XDAX_WAIT_TIMEOUT;
	ss.timeout_ns = 2 * SEC_NS;
	ssn = (struct xdax_set_size){ .size = sizeof(ssn), .flags = XDAX_WAIT_NOWAIT,
				      .new_size = blk };
	pu = (struct xdax_punch){ .size = sizeof(pu), .flags = XDAX_WAIT_TIMEOUT, .offset = blk,
				  .length = blk, .timeout_ns = 2 * SEC_NS };
	al = (struct xdax_allocate){ .size = sizeof(al), .offset = 8 * blk, .length = 2 * blk };
	other_writer();
	ro = dev_open(O_RDONLY);
	/* A writable mapping of the same device through this process's own O_RDWR open. */
	rw_map = map_dev(fd, 0, blk, PROT_READ | PROT_WRITE);
	ro_map = map_dev(ro, 0, blk, PROT_READ);
	(void)*(volatile char *)rw_map;
	(void)*(volatile char *)ro_map;
	s0 = xt_stats(ro);
	xt_expect(s0.in_use == RO_BLOCKS, "the writer left %llu blocks in use, expected %d",
		  (unsigned long long)s0.in_use, RO_BLOCKS);

	ro_expect_ebadf(ro, XDAX_IOC_AUDIT, &au, "AUDIT on O_RDONLY", &s0);
	pin = (struct xdax_pin){ .size = sizeof(pin), .addr = (uintptr_t)rw_map, .length = blk };
	ro_expect_ebadf(ro, XDAX_IOC_PIN, &pin,
			"writable PIN on O_RDONLY of a PROT_WRITE mapping (made through an O_RDWR open)",
			&s0);
	pin = (struct xdax_pin){ .size = sizeof(pin), .addr = (uintptr_t)ro_map, .length = blk };
	ro_expect_ebadf(ro, XDAX_IOC_PIN, &pin, "writable PIN on O_RDONLY of a PROT_READ mapping",
			&s0);
	xt_expect(vmlck_kb() == lck0, "VmLck+VmPin %ld kB -> %ld kB after the refused PINs", lck0,
		  vmlck_kb());
	ro_expect_ebadf(ro, XDAX_IOC_ALLOCATE, &al, "ALLOCATE on O_RDONLY", &s0);
	ro_expect_ebadf(ro, XDAX_IOC_PUNCH, &pu, "PUNCH on O_RDONLY", &s0);
	ro_expect_ebadf(ro, XDAX_IOC_SET_SIZE, &ssn, "NOWAIT SET_SIZE on O_RDONLY", &s0);
	ro_expect_ebadf(ro, XDAX_IOC_SET_SIZE, &ss, "SET_SIZE 0 on O_RDONLY", &s0);

	s = xt_stats(ro);
	xt_expect(s.file_size == cap, "size %#llx after the refused calls, expected %#llx",
		  (unsigned long long)s.file_size, (unsigned long long)cap);
	pattern_intact("after the O_RDONLY writers", ro_map, blk, RO_SEED);
	if (s.file_size >= RO_BLOCKS * blk) {
		char *all = map_dev(ro, 0, RO_BLOCKS * blk, PROT_READ);

		pattern_intact("all blocks, after the O_RDONLY writers", all, RO_BLOCKS * blk,
			       RO_SEED);
		munmap(all, RO_BLOCKS * blk);
	}

	/* Reads work on O_RDONLY, and so does a read-only pin of a PROT_READ mapping. */
	s0 = xt_stats(ro);
	xt_query(ro, 0);
	xt_info(ro);
	{
		struct xdax_pin rp = { .size = sizeof(rp), .flags = XDAX_PIN_READONLY,
				       .addr = (uintptr_t)ro_map, .length = blk };

		if (ioctl(ro, XDAX_IOC_PIN, &rp)) {
			xt_fail("READONLY PIN on O_RDONLY of a PROT_READ mapping: %s",
				strerror(errno));
		} else {
			id = rp.id;
			s = xt_stats(ro);
			xt_expect(s.pinned_pages == s0.pinned_pages + blk / 4096,
				  "READONLY PIN: pinned_pages %llu -> %llu, expected +%llu",
				  (unsigned long long)s0.pinned_pages,
				  (unsigned long long)s.pinned_pages,
				  (unsigned long long)(blk / 4096));
			xt_expect(!xt_unpin(ro, id), "UNPIN of the READONLY pin on O_RDONLY: %s",
				  strerror(errno));
			s = xt_stats(ro);
			xt_expect(s.pinned_pages == s0.pinned_pages,
				  "after UNPIN: pinned_pages %llu, expected %llu",
				  (unsigned long long)s.pinned_pages,
				  (unsigned long long)s0.pinned_pages);
		}
	}
	pattern_intact("after the READONLY pin", ro_map, blk, RO_SEED);
	munmap(rw_map, blk);
	munmap(ro_map, blk);
	close(ro);
	end("rdonly-writers");
}

/* ========================================================================================
 * 2. pin-copyout-undone
 */
static void t_pin_copyout_undone(void)
{
	struct xdax_stats s0, s;
	struct xdax_pin *a;
	long lck0, lck;
	char *map, *page;
	double t;
	int r;

	begin();
	map = map_dev(fd, 0, blk, PROT_READ | PROT_WRITE);
	map[0] = 1;
	s0 = xt_stats(fd);
	lck0 = vmlck_kb();
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	a = (struct xdax_pin *)page;
	*a = (struct xdax_pin){ .size = sizeof(*a), .addr = (uintptr_t)map, .length = blk };
	/* Copy-in reads it; the copy-out of the id cannot write it. */
	if (mprotect(page, 4096, PROT_READ))
		xt_die("mprotect: %s", strerror(errno));
	xt_expect_errno(ioctl(fd, XDAX_IOC_PIN, a), EFAULT, "PIN with a read-only argument");
	s = xt_stats(fd);
	lck = vmlck_kb();
	xt_note("figure: after the failed PIN: pinned_pages %llu -> %llu, VmLck+VmPin %ld -> %ld kB",
		(unsigned long long)s0.pinned_pages, (unsigned long long)s.pinned_pages, lck0, lck);
	xt_expect(s.pinned_pages == s0.pinned_pages,
		  "the PIN that failed with EFAULT left %llu pages pinned",
		  (unsigned long long)(s.pinned_pages - s0.pinned_pages));
	xt_expect(lck == lck0, "the PIN that failed with EFAULT left VmLck+VmPin %ld kB (was %ld kB)",
		  lck, lck0);
	munmap(map, blk);
	/* Nothing references the block: a blocking truncate frees it at once. */
	t = xt_now_ms();
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 2 * SEC_NS, NULL);
	xt_expect(!r, "blocking SET_SIZE 0 (2 s timeout) after the failed PIN: %s (%.0f ms)",
		  strerror(-r), xt_now_ms() - t);
	xt_set_size(fd, cap, 0, 0, NULL);
	munmap(page, 4096);
	end("pin-copyout-undone");
}

/* ========================================================================================
 * 3. read-efault-keeps-event
 */
static int readable(int f, int ms)
{
	struct pollfd p = { .fd = f, .events = POLLIN };

	return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

/* Pin block 1, NOWAIT-truncate it away, unpin: within 5 s the fd must say readable. */
static int make_reclaim_event(int efd)
{
	struct xdax_set_size st;
	char *map = map_dev(fd, blk, blk, PROT_READ | PROT_WRITE);
	uint64_t id;
	int r;

	map[0] = 1;
	id = xt_pin(fd, map, blk, 0);
	r = xt_set_size(fd, blk, XDAX_WAIT_NOWAIT, 0, &st);
	xt_expect(!r && st.pending == 1, "NOWAIT truncate of the pinned block: %s, pending %llu",
		  strerror(-r), (unsigned long long)st.pending);
	munmap(map, blk);
	xt_expect(!readable(efd, 0), "readable before the unpin");
	xt_expect(!xt_unpin(fd, id), "UNPIN: %s", strerror(errno));
	if (!readable(efd, 5000)) {
		xt_fail("no reclaim event within 5 s of the unpin");
		return 0;
	}
	return 1;
}

static void t_read_efault_keeps_event(void)
{
	struct xdax_event ev;
	char *hole, *ro;
	int efd;
	ssize_t n;

	begin();
	efd = dev_open(O_RDWR | O_NONBLOCK);
	xt_expect(!readable(efd, 0), "a fresh open is readable");
	if (!make_reclaim_event(efd))
		goto out;
	/* 1: wholly inaccessible, 2: read-only page, 3: running off its page into 1. */
	hole = page_before_hole();
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	xt_expect_errno(read(efd, hole + 4096, sizeof(ev)), EFAULT,
			"read() into an inaccessible page");
	xt_expect(readable(efd, 0), "the event is gone after read() into an inaccessible page failed");
	xt_expect_errno(read(efd, ro, sizeof(ev)), EFAULT, "read() into a read-only page");
	xt_expect(readable(efd, 0), "the event is gone after read() into a read-only page failed");
	xt_expect_errno(read(efd, hole + 4096 - sizeof(ev) / 2, sizeof(ev)), EFAULT,
			"read() into a buffer running into an inaccessible page");
	xt_expect(readable(efd, 0),
		  "the event is gone after read() into a buffer running off its page failed");

	memset(&ev, 0xa5, sizeof(ev));
	n = read(efd, &ev, sizeof(ev));
	if (n != (ssize_t)sizeof(ev))
		xt_fail("read() into a good buffer: %zd (%s), expected the %zu-byte record", n,
			n < 0 ? strerror(errno) : "short", sizeof(ev));
	else
		xt_expect(ev.type == XDAX_EVENT_RECLAIM && ev.size == sizeof(ev) &&
			  ev.reclaimed >= 1,
			  "the record: type %u size %u reclaimed %llu, expected RECLAIM, %zu, >= 1",
			  ev.type, ev.size, (unsigned long long)ev.reclaimed, sizeof(ev));
	xt_expect(!readable(efd, 0), "still readable after the record was read");
	munmap(hole, 8192);
	munmap(ro, 4096);
out:
	close(efd);
	end("read-efault-keeps-event");
}

/* ========================================================================================
 * 4. size-cap
 */
static void t_size_cap(void)
{
	static const uint32_t big[] = { 4097, 8192, 1 << 20, 0x7fffffff, 0xffffffff };
	static const struct {
		const char *name;
		unsigned long cmd;
	} cmds[] = { { "STATS", XDAX_IOC_STATS }, { "INFO", XDAX_IOC_INFO },
		     { "QUERY", XDAX_IOC_QUERY }, { "SET_SIZE 0", XDAX_IOC_SET_SIZE } };
	struct xdax_stats s0, *st;
	char *buf, wrong[2048] = "";
	size_t i, j, n = 0, bad = 0;
	int r;

	begin();
	s0 = xt_stats(fd);
	buf = page_before_hole();
	/* 4 KiB of zeros after the size field, then an inaccessible page. */
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		for (j = 0; j < sizeof(cmds) / sizeof(cmds[0]); j++) {
			memset(buf, 0, 4096);
			*(uint32_t *)buf = big[i];
			r = ioctl(fd, cmds[j].cmd, buf) ? errno : 0;
			if (r == E2BIG)
				continue;
			bad++;
			if (n < sizeof(wrong))
				n += snprintf(wrong + n, sizeof(wrong) - n, " %s/%u:%s",
					      cmds[j].name, big[i], r ? strerrorname_np(r) : "ok");
		}
	}
	xt_expect(!bad, "%zu of %zu calls with a size above 4096 did not fail with E2BIG:%s", bad,
		  sizeof(big) / sizeof(big[0]) * sizeof(cmds) / sizeof(cmds[0]), wrong);
	xt_expect(xt_stats(fd).file_size == cap, "a SET_SIZE 0 with a size above 4096 truncated");
	/* Exactly 4096, zero tail: accepted. */
	memset(buf, 0, 4096);
	st = (void *)buf;
	st->size = 4096;
	if (ioctl(fd, XDAX_IOC_STATS, buf))
		xt_fail("STATS with size 4096 and a zero tail: %s", strerror(errno));
	else
		xt_expect(st->total == s0.total && st->file_size == cap,
			  "STATS with size 4096: total %llu size %#llx, expected %llu %#llx",
			  (unsigned long long)st->total, (unsigned long long)st->file_size,
			  (unsigned long long)s0.total, (unsigned long long)cap);
	/* ... unless the tail holds something. */
	memset(buf, 0, 4096);
	st->size = 4096;
	buf[4095] = 1;
	xt_expect_errno(ioctl(fd, XDAX_IOC_STATS, buf), E2BIG,
			"STATS with size 4096 and a nonzero last byte");
	munmap(buf, 8192);
	end("size-cap");
}

/* ========================================================================================
 * 5. dispatch-by-nr
 */
static void t_dispatch_by_nr(void)
{
	static const unsigned int sizes[] = { 16, 0, 8, sizeof(struct xdax_stats) + 8, 4096,
					      _IOC_SIZEMASK };
	struct xdax_stats st, s0;
	struct xdax_info in;
	unsigned long cmd;
	char what[160];
	size_t i;

	begin();
	s0 = xt_stats(fd);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cmd = _IOC(_IOC_READ | _IOC_WRITE, XDAX_IOC_MAGIC, _IOC_NR(XDAX_IOC_STATS),
			   sizes[i]);
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		snprintf(what, sizeof(what), "STATS as %#lx (encoded size %u)", cmd, sizes[i]);
		if (ioctl(fd, cmd, &st))
			xt_fail("%s: %s", what, strerror(errno));
		else
			xt_expect(st.total == s0.total && st.file_size == s0.file_size &&
				  st.free == s0.free,
				  "%s: total %llu size %#llx free %llu, expected %llu %#llx %llu",
				  what, (unsigned long long)st.total,
				  (unsigned long long)st.file_size, (unsigned long long)st.free,
				  (unsigned long long)s0.total, (unsigned long long)s0.file_size,
				  (unsigned long long)s0.free);
	}
	cmd = _IOC(_IOC_READ | _IOC_WRITE, XDAX_IOC_MAGIC, _IOC_NR(XDAX_IOC_INFO), 8);
	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	if (ioctl(fd, cmd, &in))
		xt_fail("INFO as %#lx (encoded size 8): %s", cmd, strerror(errno));
	else
		xt_expect(in.capacity == cap && in.align == blk,
			  "INFO as %#lx: capacity %#llx align %#llx", cmd,
			  (unsigned long long)in.capacity, (unsigned long long)in.align);
	/* The same number under another magic, and unknown numbers under ours: ENOTTY. */
	{
		static const unsigned int magics[] = { 0xDB, 0xD9, 0x5A, 0x01 };

		for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
			cmd = _IOC(_IOC_READ | _IOC_WRITE, magics[i], _IOC_NR(XDAX_IOC_STATS),
				   sizeof(st));
			memset(&st, 0, sizeof(st));
			st.size = sizeof(st);
			snprintf(what, sizeof(what), "STATS's number under magic %#x (%#lx)",
				 magics[i], cmd);
			xt_expect_errno(ioctl(fd, cmd, &st), ENOTTY, what);
		}
		for (i = 9; i < 256; i += 41) {
			cmd = _IOC(_IOC_READ | _IOC_WRITE, XDAX_IOC_MAGIC, i, sizeof(st));
			snprintf(what, sizeof(what), "unknown number %zu under xdax's magic", i);
			xt_expect_errno(ioctl(fd, cmd, &st), ENOTTY, what);
		}
	}
	end("dispatch-by-nr");
}

/* ========================================================================================
 * 6. copyout-bounded
 */
#define CANARY	0xa5

static size_t first_changed(const unsigned char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != CANARY)
			return i;
	return (size_t)-1;
}

struct flip {
	void *arg;
	int r, err;
};

static void *blocking_set_size(void *arg)
{
	struct flip *f = arg;

	f->r = ioctl(fd, XDAX_IOC_SET_SIZE, f->arg);
	f->err = errno;
	return NULL;
}

static void t_copyout_bounded(void)
{
	unsigned char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile struct xdax_set_size *ss;
	struct flip f = { 0 };
	struct xdax_stats *st;
	uint64_t id;
	pthread_t t;
	size_t bad;
	double end_ms;
	char *map;

	if (buf == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	begin();
	/* STATS with size 24: exactly the first 24 bytes come back. */
	memset(buf, CANARY, 4096);
	memset(buf, 0, 24);
	st = (void *)buf;
	st->size = 24;
	if (ioctl(fd, XDAX_IOC_STATS, buf)) {
		xt_fail("STATS with size 24: %s", strerror(errno));
	} else {
		bad = first_changed(buf, 24, 4096);
		xt_expect(bad == (size_t)-1, "STATS with size 24 wrote byte %zu (%#x)", bad,
			  bad == (size_t)-1 ? 0 : buf[bad]);
		xt_expect(st->file_size == cap && st->total == cap / blk,
			  "STATS with size 24: size %#llx total %llu",
			  (unsigned long long)st->file_size, (unsigned long long)st->total);
	}

	/*
	 * A SET_SIZE with size 24 (up to timeout_ns: its outputs are beyond) blocks on a pinned
	 * block; meanwhile another thread sets the size field to 4096; then the pin goes.  The
	 * kernel must still write nothing past byte 24.
	 */
	map = map_dev(fd, blk, blk, PROT_READ | PROT_WRITE);
	map[0] = 1;
	id = xt_pin(fd, map, 4096, 0);
	memset(buf, CANARY, 4096);
	memset(buf, 0, 24);
	ss = (void *)buf;
	ss->size = 24;
	ss->flags = XDAX_WAIT_TIMEOUT;
	ss->new_size = blk;
	ss->timeout_ns = 30 * SEC_NS;
	f.arg = buf;
	if (pthread_create(&t, NULL, blocking_set_size, &f))
		xt_die("pthread_create");
	end_ms = xt_now_ms() + 10000;
	while (xt_stats(fd).file_size != blk && xt_now_ms() < end_ms)
		sleep_ms(1);
	xt_expect(xt_stats(fd).file_size == blk, "the SET_SIZE did not start within 10 s");
	sleep_ms(100);
	ss->size = 4096;
	sleep_ms(100);
	xt_expect(!xt_unpin(fd, id), "UNPIN: %s", strerror(errno));
	pthread_join(t, NULL);
	xt_expect(f.r == 0, "the blocking SET_SIZE: %s", f.r ? strerror(f.err) : "ok");
	bad = first_changed(buf, 24, 4096);
	xt_expect(bad == (size_t)-1,
		  "the SET_SIZE whose size field went 24 -> 4096 during its wait wrote past byte 24: first at byte %zu",
		  bad);
	munmap(map, blk);
	munmap(buf, 4096);
	end("copyout-bounded");
}

/* ========================================================================================
 * 7. query-block-without-flag
 */
static void t_query_block_without_flag(void)
{
	static const uint64_t blocks[] = { 1, 5, ~0ULL };
	struct xdax_query q;
	char what[96];
	size_t i;

	begin();
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		q = (struct xdax_query){ .size = sizeof(q), .offset = 0, .block = blocks[i] };
		snprintf(what, sizeof(what), "QUERY offset 0 with block %#llx and no XDAX_QUERY_BLOCK",
			 (unsigned long long)blocks[i]);
		xt_expect_errno(ioctl(fd, XDAX_IOC_QUERY, &q), EINVAL, what);
	}
	/* The same without `block` works, and with the flag too. */
	xt_query(fd, 0);
	q = (struct xdax_query){ .size = sizeof(q), .flags = XDAX_QUERY_BLOCK, .block = 1 };
	xt_expect(!ioctl(fd, XDAX_IOC_QUERY, &q) && q.state == XDAX_BLOCK_FREE && q.refcount == 0,
		  "QUERY with XDAX_QUERY_BLOCK of free block 1: %s state %u refcount %d",
		  strerror(errno), q.state, q.refcount);
	end("query-block-without-flag");
}

/* ========================================================================================
 * 8. timeout-without-flag
 */
static void t_timeout_without_flag(void)
{
	static const uint32_t flags[] = { 0, XDAX_WAIT_NOWAIT };
	struct xdax_set_size ss;
	struct xdax_punch pu;
	struct xdax_stats s0;
	struct xdax_query q;
	char *map, what[128];
	size_t i;

	begin();
	map = map_dev(fd, 3 * blk, blk, PROT_READ | PROT_WRITE);
	xt_fill(map, blk, 0x71);
	s0 = xt_stats(fd);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		ss = (struct xdax_set_size){ .size = sizeof(ss), .flags = flags[i],
					     .new_size = blk, .timeout_ns = SEC_NS };
		snprintf(what, sizeof(what), "SET_SIZE %#llx, flags %#x, timeout_ns 1 s",
			 (unsigned long long)blk, flags[i]);
		xt_expect_errno(ioctl(fd, XDAX_IOC_SET_SIZE, &ss), EINVAL, what);
		pu = (struct xdax_punch){ .size = sizeof(pu), .flags = flags[i], .offset = 3 * blk,
					  .length = blk, .timeout_ns = SEC_NS };
		snprintf(what, sizeof(what), "PUNCH of block 3, flags %#x, timeout_ns 1 s",
			 flags[i]);
		xt_expect_errno(ioctl(fd, XDAX_IOC_PUNCH, &pu), EINVAL, what);
	}
	{
		struct xdax_stats s = xt_stats(fd);

		xt_expect(s.file_size == s0.file_size, "size %#llx -> %#llx",
			  (unsigned long long)s0.file_size, (unsigned long long)s.file_size);
		stats_same("SET_SIZE/PUNCH with timeout_ns and no XDAX_WAIT_TIMEOUT", &s0, &s, 0);
	}
	q = xt_query(fd, 3 * blk);
	xt_expect(q.state == XDAX_BLOCK_IN_USE, "block 3 is %u after the refused punch", q.state);
	if (q.state == XDAX_BLOCK_IN_USE)
		pattern_intact("block 3", map, blk, 0x71);
	munmap(map, blk);
	end("timeout-without-flag");
}

/* ========================================================================================
 * 9. pin-huge
 */
static void expect_pin_einval(const char *what, void *addr, uint64_t len, int also_efault)
{
	struct xdax_pin p = { .size = sizeof(p), .addr = (uintptr_t)addr, .length = len };
	struct xdax_stats s0 = xt_stats(fd), s;
	long lck0 = vmlck_kb();
	int r = ioctl(fd, XDAX_IOC_PIN, &p), e = errno;

	if (r)
		xt_expect(e == EINVAL || (also_efault && e == EFAULT), "%s: %s, expected EINVAL",
			  what, strerror(e));
	else
		xt_fail("%s: pinned (id %llu), expected EINVAL", what, (unsigned long long)p.id);
	s = xt_stats(fd);
	stats_same(what, &s0, &s, 0);
	xt_expect(vmlck_kb() == lck0, "%s: VmLck+VmPin %ld -> %ld kB", what, lck0, vmlck_kb());
}

/* As uid 1000, RLIMIT_MEMLOCK 64 MiB: a 256 MiB PIN (within the cap) is ENOMEM. */
static void as_pin_over_memlock(void)
{
	struct xdax_pin p;
	struct xdax_stats s0, s;
	long lck0;
	char *map;
	uint64_t id;

	fd = dev_open(O_RDWR);
	cap = xt_info(fd).capacity;
	blk = xt_info(fd).align;
	map = map_dev(fd, 0, cap, PROT_READ | PROT_WRITE);
	s0 = xt_stats(fd);
	lck0 = vmlck_kb();
	p = (struct xdax_pin){ .size = sizeof(p), .addr = (uintptr_t)map, .length = cap / 2 };
	xt_expect_errno(ioctl(fd, XDAX_IOC_PIN, &p), ENOMEM,
			"uid 1000, RLIMIT_MEMLOCK 64 MiB: PIN of 256 MiB");
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages && vmlck_kb() == lck0,
		  "the refused PIN: pinned_pages %llu -> %llu, VmLck+VmPin %ld -> %ld kB",
		  (unsigned long long)s0.pinned_pages, (unsigned long long)s.pinned_pages, lck0,
		  vmlck_kb());
	/* Within the limit the same user can pin: the limit, not the user, refused it. */
	map[0] = 1;
	id = xt_pin(fd, map, blk, 0);
	xt_expect(vmlck_kb() == lck0 + (long)(blk >> 10), "VmLck+VmPin %ld kB after a 2 MiB pin, was %ld",
		  vmlck_kb(), lck0);
	xt_expect(!xt_unpin(fd, id), "UNPIN: %s", strerror(errno));
	xt_expect(vmlck_kb() == lck0, "VmLck+VmPin %ld kB after the unpin, was %ld", vmlck_kb(), lck0);
	xt_note("figure: pin-huge ran as uid %d with RLIMIT_MEMLOCK 64 MiB", (int)getuid());
	munmap(map, cap);
	close(fd);
}

static void t_pin_huge(void)
{
	static const uint64_t lens[] = { XDAX_PIN_MAX_BYTES + 4096, XDAX_PIN_MAX_BYTES * 2,
					 1ULL << 40, 1ULL << 46 };
	char *map, *anon, *zmap, what[128], tag[96];
	int z, rc, splats;
	size_t i;

	begin();
	map = map_dev(fd, 0, 4 * blk, PROT_READ | PROT_WRITE);
	map[0] = 1;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		snprintf(what, sizeof(what), "PIN of %#llx bytes (XDAX_PIN_MAX_BYTES %#llx)",
			 (unsigned long long)lens[i], (unsigned long long)XDAX_PIN_MAX_BYTES);
		expect_pin_einval(what, map, lens[i], 0);
	}
	/* Not this device's mapping: anonymous memory, /dev/zero, half ours, a hole. */
	anon = mmap(NULL, blk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	z = open("/dev/zero", O_RDWR);
	zmap = z < 0 ? MAP_FAILED : mmap(NULL, blk, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	if (anon == MAP_FAILED || zmap == MAP_FAILED)
		xt_die("mmap anon or /dev/zero: %s", strerror(errno));
	anon[0] = 1;
	zmap[0] = 1;
	expect_pin_einval("PIN of anonymous memory", anon, blk, 0);
	expect_pin_einval("PIN of a /dev/zero mapping", zmap, blk, 0);
	/* The last block of the xdax mapping followed by anonymous memory in its place. */
	munmap(map + 3 * blk, blk);
	if (mmap(map + 3 * blk, blk, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		xt_die("mmap fixed: %s", strerror(errno));
	map[3 * blk] = 1;
	map[2 * blk] = 1;
	expect_pin_einval("PIN of an xdax block and the anonymous block after it", map + 2 * blk,
			  2 * blk, 0);
	munmap(map + 3 * blk, blk);
	expect_pin_einval("PIN of an xdax block and the hole after it", map + 2 * blk, 2 * blk, 1);
	munmap(map, 3 * blk);
	munmap(anon, blk);
	munmap(zmap, blk);
	close(z);

	/* Over RLIMIT_MEMLOCK as a plain user: ENOMEM, and nothing in the kernel log. */
	kmsg_mark(tag, sizeof(tag));
	node_share();
	rc = as_user("1000", "1000,990", "67108864", "pin-over-memlock");
	node_restore();
	xt_expect(rc == 0, "the uid 1000 part failed (exit %d)", rc);
	splats = kmsg_splats_since(tag);
	xt_expect(splats == 0, "kernel log after the over-limit PIN: %d splat line(s)%s", splats,
		  splats < 0 ? " (the mark scrolled out)" : "");
	end("pin-huge");
}

/* ========================================================================================
 * 10. sysfs-modes
 */
static const char *dev_name(void)
{
	const char *s = strrchr(xt_dev, '/');

	return s ? s + 1 : xt_dev;
}

static const char *root_only[3];
static char root_only_buf[3][160];

static void root_only_paths(void)
{
	snprintf(root_only_buf[0], sizeof(root_only_buf[0]), "/sys/class/xdax/%s/resource",
		 dev_name());
	snprintf(root_only_buf[1], sizeof(root_only_buf[1]), "/sys/class/xdax/%s/audit",
		 dev_name());
	snprintf(root_only_buf[2], sizeof(root_only_buf[2]), "/sys/module/xdax/parameters/ranges");
	root_only[0] = root_only_buf[0];
	root_only[1] = root_only_buf[1];
	root_only[2] = root_only_buf[2];
}

/* As uid 1001: none of them can be read. */
static void as_sysfs_denied(void)
{
	char buf[256];
	size_t i;
	int f;

	root_only_paths();
	for (i = 0; i < 3; i++) {
		f = open(root_only[i], O_RDONLY);
		if (f >= 0) {
			ssize_t n = read(f, buf, sizeof(buf) - 1);

			buf[n > 0 ? n : 0] = 0;
			xt_fail("uid %d read %s: \"%.*s\"", (int)getuid(), root_only[i],
				(int)strcspn(buf, "\n"), buf);
			close(f);
		} else {
			xt_expect(errno == EACCES, "uid %d open %s: %s, expected EACCES",
				  (int)getuid(), root_only[i], strerror(errno));
		}
	}
}

/* The stats/ directory as one string "name=value ..." */
static void sysfs_stats(char *out, size_t n)
{
	char dir[160], path[512], val[64];
	struct dirent *de;
	size_t len = 0;
	DIR *d;
	FILE *f;

	snprintf(dir, sizeof(dir), "/sys/class/xdax/%s/stats", dev_name());
	d = opendir(dir);
	if (!d)
		xt_die("%s: %s", dir, strerror(errno));
	out[0] = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f || !fgets(val, sizeof(val), f))
			xt_die("%s: %s", path, strerror(errno));
		fclose(f);
		val[strcspn(val, "\n")] = 0;
		len += snprintf(out + len, len < n ? n - len : 0, " %s=%s", de->d_name, val);
	}
	closedir(d);
}

static void t_sysfs_modes(void)
{
	char before[2048], after[2048], val[64];
	struct xdax_stats s0, s;
	struct stat st;
	uint64_t id;
	char *map;
	int i, rc;
	FILE *f;

	begin();
	root_only_paths();
	for (i = 0; i < 3; i++) {
		if (stat(root_only[i], &st)) {
			xt_fail("stat %s: %s", root_only[i], strerror(errno));
			continue;
		}
		xt_expect((st.st_mode & 0777) == 0400 && st.st_uid == 0,
			  "%s: mode %03o uid %u, expected 0400 root", root_only[i],
			  st.st_mode & 0777, st.st_uid);
	}
	rc = as_user("1001", "1001", NULL, "sysfs-denied");
	xt_expect(rc == 0, "the uid 1001 part failed (exit %d)", rc);

	/* Something for the audit to look at: mapped blocks and a pinned one. */
	map = map_dev(fd, 0, 2 * blk, PROT_READ | PROT_WRITE);
	map[0] = 1;
	map[blk] = 1;
	id = xt_pin(fd, map + blk, 4096, 0);
	s0 = xt_stats(fd);
	sysfs_stats(before, sizeof(before));
	for (i = 0; i < 2; i++) {
		f = fopen(root_only[1], "r");
		if (!f || !fgets(val, sizeof(val), f)) {
			xt_fail("reading %s as root: %s", root_only[1], strerror(errno));
		} else {
			val[strcspn(val, "\n")] = 0;
			xt_expect(!strcmp(val, "0"), "%s says %s", root_only[1], val);
		}
		if (f)
			fclose(f);
	}
	s = xt_stats(fd);
	sysfs_stats(after, sizeof(after));
	stats_same("reading sysfs audit twice", &s0, &s, 1);
	xt_expect(!strcmp(before, after), "stats/* before reading audit:%s\n# after:%s", before,
		  after);
	xt_expect(!xt_unpin(fd, id), "UNPIN: %s", strerror(errno));
	munmap(map, 2 * blk);
	end("sysfs-modes");
}

/* ========================================================================================
 * 11. audit-no-side-effect
 */
static void t_audit_no_side_effect(void)
{
	struct xdax_audit a;
	struct xdax_stats s0, s;
	uint64_t id;
	char *map;
	int i;

	begin();
	/* In use (PMD-mapped, PTE-mapped), pinned and awaiting reclaim, all at once. */
	map = map_dev(fd, 0, 3 * blk, PROT_READ | PROT_WRITE);
	map[0] = 1;
	map[blk] = 1;
	map[2 * blk] = 1;
	id = xt_pin(fd, map + 2 * blk, 4096, 0);
	xt_expect(!xt_punch(fd, 2 * blk, blk, XDAX_WAIT_NOWAIT, 0, NULL), "NOWAIT punch");
	s0 = xt_stats(fd);
	xt_expect(s0.awaiting_reclaim == 1 && s0.in_use == 2,
		  "set-up: awaiting %llu in use %llu, expected 1 and 2",
		  (unsigned long long)s0.awaiting_reclaim, (unsigned long long)s0.in_use);
	for (i = 0; i < 2; i++) {
		a = (struct xdax_audit){ .size = sizeof(a) };
		if (ioctl(fd, XDAX_IOC_AUDIT, &a))
			xt_fail("AUDIT %d: %s", i + 1, strerror(errno));
		else
			xt_expect(!a.mismatches && a.checked == s0.total,
				  "AUDIT %d: %llu mismatches over %llu blocks", i + 1,
				  (unsigned long long)a.mismatches, (unsigned long long)a.checked);
	}
	s = xt_stats(fd);
	stats_same("two AUDITs", &s0, &s, 1);
	xt_expect(!xt_unpin(fd, id), "UNPIN: %s", strerror(errno));
	munmap(map, 3 * blk);
	wait_no_awaiting(fd, 5000);
	end("audit-no-side-effect");
}

/* ========================================================================================
 * 12. nonroot-open
 */
static void as_open_denied(void)
{
	int f;

	f = open(xt_dev, O_RDONLY);
	xt_expect(f < 0 && errno == EACCES, "uid %d: open O_RDONLY: %s, expected EACCES",
		  (int)getuid(), f < 0 ? strerror(errno) : "opened");
	if (f >= 0)
		close(f);
	f = open(xt_dev, O_RDWR);
	xt_expect(f < 0 && errno == EACCES, "uid %d: open O_RDWR: %s, expected EACCES",
		  (int)getuid(), f < 0 ? strerror(errno) : "opened");
	if (f >= 0)
		close(f);
}

/* uid 1000, group xdax, RLIMIT_MEMLOCK 8 MiB: open, map, fault, pin, unpin. */
static void as_user_rw(void)
{
	struct xdax_stats s0, s;
	uint64_t id;
	char *map;

	fd = open(xt_dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		xt_fail("uid %d groups xdax: open O_RDWR: %s", (int)getuid(), strerror(errno));
		return;
	}
	blk = xt_info(fd).align;
	map = map_dev(fd, 0, blk, PROT_READ | PROT_WRITE);
	xt_fill(map, blk, 0x1000);
	xt_expect(xt_verify(map, blk, 0x1000) == (size_t)-1, "uid 1000 reads back other data");
	s0 = xt_stats(fd);
	id = xt_pin(fd, map, blk, 0);
	s = xt_stats(fd);
	xt_expect(s.pinned_pages == s0.pinned_pages + blk / 4096, "pinned_pages %llu -> %llu",
		  (unsigned long long)s0.pinned_pages, (unsigned long long)s.pinned_pages);
	xt_expect(!xt_unpin(fd, id), "UNPIN: %s", strerror(errno));
	xt_note("figure: nonroot-open: uid %d euid %d mapped, faulted and pinned 2 MiB",
		(int)getuid(), (int)geteuid());
	munmap(map, blk);
	close(fd);
}

static void t_nonroot_open(void)
{
	struct stat st;
	int rc;

	begin();
	if (stat(xt_dev, &st))
		xt_die("stat %s: %s", xt_dev, strerror(errno));
	xt_expect((st.st_mode & 0777) == 0600 && st.st_uid == 0,
		  "%s: mode %03o uid %u, expected 0600 root", xt_dev, st.st_mode & 0777, st.st_uid);
	rc = as_user("1001", "1001", NULL, "open-denied");
	xt_expect(rc == 0, "uid 1001 before the chmod (exit %d)", rc);
	rc = as_user("1000", "1000,990", NULL, "open-denied");
	xt_expect(rc == 0, "uid 1000 before the chmod (exit %d)", rc);
	node_share();
	rc = as_user("1000", "1000,990", "8388608", "user-rw");
	xt_expect(rc == 0, "uid 1000 in group xdax after chgrp xdax + chmod 0660 (exit %d)", rc);
	rc = as_user("1001", "1001", NULL, "open-denied");
	xt_expect(rc == 0, "uid 1001 after chgrp xdax + chmod 0660 (exit %d)", rc);
	node_restore();
	end("nonroot-open");
}

/* ========================================================================================
 * 13. allocate-killable
 */
struct reader {
	char *map;
	atomic_int stop;
	size_t n;
	double *t0, *t1;
};

#define MAX_SAMPLES	(1 << 20)

/*
 * Replace the mapping of an allocated block and fault it back, over and over (a new mapping
 * over the old one, MAP_FIXED: the debug kernel has no madvise).
 */
static void *fault_reader(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(&r->stop) && r->n < MAX_SAMPLES) {
		if (mmap(r->map, blk, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) !=
		    r->map)
			xt_die("mmap MAP_FIXED: %s", strerror(errno));
		r->t0[r->n] = xt_now_ms();
		(void)*(volatile char *)r->map;
		r->t1[r->n] = xt_now_ms();
		r->n++;
	}
	return NULL;
}

static int allocate_all(int f, uint64_t *allocated)
{
	struct xdax_allocate a = { .size = sizeof(a), .offset = 0, .length = cap };
	int r = ioctl(f, XDAX_IOC_ALLOCATE, &a) ? -errno : 0;

	*allocated = a.allocated;
	return r;
}

/* Phase A: faults of an allocated block during a whole-device ALLOCATE.  Returns its ms. */
static double allocate_with_reader(void)
{
	struct reader rd = { 0 };
	struct xdax_stats s0, s1;
	double ta, tb, lo, hi, worst = 0;
	size_t i, during = 0, mid = 0;
	uint64_t allocated = 0;
	pthread_t t;
	int r;

	rd.map = map_dev(fd, 0, blk, PROT_READ | PROT_WRITE);
	rd.map[0] = 1;		/* block 0 allocated before the ALLOCATE */
	rd.t0 = calloc(MAX_SAMPLES, sizeof(double));
	rd.t1 = calloc(MAX_SAMPLES, sizeof(double));
	if (!rd.t0 || !rd.t1)
		xt_die("calloc");
	s0 = xt_stats(fd);
	pthread_create(&t, NULL, fault_reader, &rd);
	sleep_ms(200);
	s1 = xt_stats(fd);
	xt_expect(s1.pte_faults + s1.pmd_faults > s0.pte_faults + s0.pmd_faults,
		  "a new mapping + touch did not fault again (faults %llu -> %llu)",
		  (unsigned long long)(s0.pte_faults + s0.pmd_faults),
		  (unsigned long long)(s1.pte_faults + s1.pmd_faults));
	ta = xt_now_ms();
	r = allocate_all(fd, &allocated);
	tb = xt_now_ms();
	atomic_store(&rd.stop, 1);
	pthread_join(t, NULL);
	xt_expect(!r && allocated == cap / blk - 1,
		  "ALLOCATE of the whole device: %s, allocated %llu, expected %llu",
		  strerror(-r), (unsigned long long)allocated,
		  (unsigned long long)(cap / blk - 1));
	/* Faults wholly inside the middle 80% of the ALLOCATE. */
	lo = ta + (tb - ta) * 0.1;
	hi = tb - (tb - ta) * 0.1;
	for (i = 0; i < rd.n; i++) {
		if (rd.t1[i] < ta || rd.t0[i] > tb)
			continue;
		during++;
		if (rd.t1[i] - rd.t0[i] > worst)
			worst = rd.t1[i] - rd.t0[i];
		mid += rd.t0[i] >= lo && rd.t1[i] <= hi;
	}
	xt_note("figure: allocate-killable: whole-device ALLOCATE (%llu blocks) took %.1f ms",
		(unsigned long long)allocated, tb - ta);
	xt_note("figure: allocate-killable: reader faults overlapping it %zu, inside its middle 80%% %zu, worst fault latency %.1f ms (%zu faults in all)",
		during, mid, worst, rd.n);
	xt_expect(mid >= 1,
		  "no fault of the already allocated block 0 completed in the middle 80%% of the %.0f ms ALLOCATE (worst fault latency %.1f ms): faults stall behind it",
		  tb - ta, worst);
	munmap(rd.map, blk);
	free(rd.t0);
	free(rd.t1);
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 10 * SEC_NS, NULL);
	xt_expect(!r, "truncate after the ALLOCATE: %s", strerror(-r));
	xt_set_size(fd, cap, 0, 0, NULL);
	xt_conserved(fd, "after the whole-device ALLOCATE");
	return tb - ta;
}

/*
 * Phase B: a child ALLOCATEs the whole device and is SIGKILLed once it has zeroed a block
 * (or a quarter of a full ALLOCATE's time has passed).  1: conclusive, 0: the ALLOCATE was
 * over before the kill (try again earlier).
 */
static int allocate_killed(double full_ms, double kill_frac, double *death_ms)
{
	struct xdax_stats s0 = xt_stats(fd), s;
	double t_start, t_kill, bound;
	int p[2], status = 0;
	uint64_t zeroed_at_kill;
	char c;
	pid_t pid;

	if (pipe(p))
		xt_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (!pid) {
		uint64_t n;
		int f = dev_open(O_RDWR);

		close(p[0]);
		if (write(p[1], "s", 1) != 1)
			_exit(2);
		allocate_all(f, &n);
		if (write(p[1], "d", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		xt_die("the ALLOCATE child did not start");
	t_start = xt_now_ms();
	for (;;) {
		s = xt_stats(fd);
		if (s.zeroed >= s0.zeroed + 2 || xt_now_ms() - t_start >= full_ms * kill_frac)
			break;
		sleep_ms(0.2);
	}
	zeroed_at_kill = s.zeroed - s0.zeroed;
	kill(pid, SIGKILL);
	t_kill = xt_now_ms();
	bound = t_kill + KILL_BOUND_MS;
	while (waitpid(pid, &status, WNOHANG) == 0 && xt_now_ms() < bound)
		sleep_ms(1);
	*death_ms = xt_now_ms() - t_kill;
	if (*death_ms >= KILL_BOUND_MS) {
		xt_fail("the ALLOCATE child is still alive %d ms after SIGKILL", KILL_BOUND_MS);
		waitpid(pid, &status, 0);
		*death_ms = xt_now_ms() - t_kill;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (read(p[0], &c, 1) == 1) {
		close(p[0]);
		xt_note("the ALLOCATE returned before the kill (%llu blocks zeroed, %.1f ms in)",
			(unsigned long long)zeroed_at_kill, t_kill - t_start);
		return 0;
	}
	close(p[0]);
	xt_note("figure: allocate-killable: SIGKILL %.1f ms into the ALLOCATE (%llu blocks zeroed by then); the child was reaped %.1f ms after the kill",
		t_kill - t_start, (unsigned long long)zeroed_at_kill, *death_ms);
	s = xt_stats(fd);
	xt_expect(s.in_use == s0.in_use && s.free == s0.free,
		  "SIGKILL during the ALLOCATE (%llu blocks zeroed when killed): %llu blocks stayed allocated, expected none; the child died %.0f ms after the kill (a whole ALLOCATE takes %.0f ms)",
		  (unsigned long long)zeroed_at_kill, (unsigned long long)(s.in_use - s0.in_use),
		  *death_ms, full_ms);
	return 1;
}

static void t_allocate_killable(void)
{
	static const double fracs[] = { 0.25, 0.1, 0.03 };
	double full_ms, death_ms;
	size_t i;
	int done = 0;

	begin();
	full_ms = allocate_with_reader();
	for (i = 0; i < sizeof(fracs) / sizeof(fracs[0]) && !done; i++) {
		done = allocate_killed(full_ms, fracs[i], &death_ms);
		xt_conserved(fd, "after the killed ALLOCATE");
		xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 10 * SEC_NS, NULL);
		xt_set_size(fd, cap, 0, 0, NULL);
	}
	if (!done && !xt_failures)	/* never a pass: nothing was shown */
		xt_skip("the ALLOCATE (%.0f ms) finished before every kill: cannot interrupt it here",
			full_ms);
	end("allocate-killable");
}

/* ========================================================================================
 * 14. bad-read
 */
static void t_bad_read(void)
{
	static const size_t small[] = { 1, 8, sizeof(struct xdax_event) - 8,
					sizeof(struct xdax_event) - 1 };
	struct xdax_event ev;
	char buf[4096], what[96];
	ssize_t n;
	size_t i;
	int efd;

	begin();
	efd = dev_open(O_RDWR | O_NONBLOCK);
	xt_expect_errno(read(efd, buf, sizeof(ev)), EAGAIN, "O_NONBLOCK read with nothing pending");
	xt_expect_errno(read(efd, buf, sizeof(buf)), EAGAIN,
			"O_NONBLOCK read of 4 KiB with nothing pending");
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		snprintf(what, sizeof(what), "read of %zu bytes, nothing pending", small[i]);
		xt_expect_errno(read(efd, buf, small[i]), EINVAL, what);
	}
	if (make_reclaim_event(efd)) {
		for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
			snprintf(what, sizeof(what), "read of %zu bytes, an event pending",
				 small[i]);
			xt_expect_errno(read(efd, buf, small[i]), EINVAL, what);
		}
		xt_expect(readable(efd, 0), "the event went with a too-small read");
		n = read(efd, buf, sizeof(buf));
		xt_expect(n == (ssize_t)sizeof(ev), "read of 4 KiB with one event pending: %zd, expected %zu",
			  n, sizeof(ev));
		xt_expect_errno(read(efd, buf, sizeof(ev)), EAGAIN, "O_NONBLOCK read after the event");
	}
	close(efd);
	end("bad-read");
}

/* ====================================================================================== */

static const struct xt_case cases[] = {
	{ "rdonly-writers", t_rdonly_writers,
	  "O_RDONLY: SET_SIZE/PUNCH/ALLOCATE/AUDIT/writable PIN give EBADF and change nothing" },
	{ "pin-copyout-undone", t_pin_copyout_undone,
	  "a PIN whose id cannot be copied out fails with EFAULT and pins nothing" },
	{ "read-efault-keeps-event", t_read_efault_keeps_event,
	  "read() into a bad buffer: EFAULT, and the event is still pending" },
	{ "size-cap", t_size_cap, "struct size > 4096: E2BIG without reading past the buffer" },
	{ "dispatch-by-nr", t_dispatch_by_nr, "commands are told apart by magic and _IOC_NR" },
	{ "copyout-bounded", t_copyout_bounded,
	  "results never go past the size read at entry (also when it changes meanwhile)" },
	{ "query-block-without-flag", t_query_block_without_flag,
	  "QUERY with block set and no XDAX_QUERY_BLOCK: EINVAL" },
	{ "timeout-without-flag", t_timeout_without_flag,
	  "timeout_ns without XDAX_WAIT_TIMEOUT: EINVAL, size and blocks unchanged" },
	{ "pin-huge", t_pin_huge,
	  "PIN past XDAX_PIN_MAX_BYTES / of foreign memory: EINVAL; over RLIMIT_MEMLOCK: ENOMEM" },
	{ "sysfs-modes", t_sysfs_modes,
	  "resource, audit, ranges are root-only; reading audit changes no counter" },
	{ "audit-no-side-effect", t_audit_no_side_effect, "two AUDITs change no stats field" },
	{ "nonroot-open", t_nonroot_open,
	  "0600 keeps users out; group xdax after chmod 0660 maps, faults and pins" },
	{ "allocate-killable", t_allocate_killable,
	  "SIGKILL stops a whole-device ALLOCATE, nothing allocated; faults progress meanwhile" },
	{ "bad-read", t_bad_read, "read() below sizeof(struct xdax_event): EINVAL; none: EAGAIN" },
	{ NULL, NULL, NULL },
};

/* The parts run as another user (see as_user). */
static const struct xt_case parts[] = {
	{ "pin-over-memlock", as_pin_over_memlock, "" },
	{ "sysfs-denied", as_sysfs_denied, "" },
	{ "open-denied", as_open_denied, "" },
	{ "user-rw", as_user_rw, "" },
	{ NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	const struct xt_case *c;

	if (argc == 4 && !strcmp(argv[1], "--as")) {
		setvbuf(stderr, NULL, _IOLBF, 0);
		xt_dev = argv[3];
		for (c = parts; c->name && strcmp(c->name, argv[2]); c++)
			;
		if (!c->name) {
			fprintf(stderr, "%s: no part %s\n", argv[0], argv[2]);
			return 2;
		}
		c->fn();
		return xt_failures ? 1 : 0;
	}
	return xt_run(argc, argv, cases);
}
