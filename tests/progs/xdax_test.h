/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the xdax guest test programs (header-only: every program
 * is one static binary).  Programs print TAP-style diagnostics on stderr and
 * exit 0 only if every assertion held; the guest scripts turn exit statuses
 * into TAP test points.
 */
#ifndef XDAX_TEST_H
#define XDAX_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/xdax.h>

#define XT_MB	(1UL << 20)

static int xt_failures;

/* xt_fail(fmt...): record one failed assertion, with errno text if set. */
__attribute__((format(printf, 1, 2)))
static inline void xt_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	xt_failures++;
}

__attribute__((format(printf, 1, 2)))
static inline void xt_note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "# ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* Fatal: the test cannot go on. */
#define xt_die(...) do { xt_fail(__VA_ARGS__); exit(2); } while (0)

/* xt_expect(cond, fmt...): one assertion. */
#define xt_expect(cond, ...) do { if (!(cond)) xt_fail(__VA_ARGS__); } while (0)

/* xt_expect_errno(ret, err, what): ret must be -1 with errno == err. */
#define xt_expect_errno(ret, err, what) do {					\
	long __r = (ret);							\
	int __e = errno;							\
	if (__r != -1 || __e != (err))						\
		xt_fail("%s: got %ld errno %d (%s), expected -1 errno %d (%s)",	\
			(what), __r, __r == -1 ? __e : 0,			\
			__r == -1 ? strerror(__e) : "-", (err), strerror(err)); \
} while (0)

static inline int xt_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		xt_die("open %s: %s", path, strerror(errno));
	return fd;
}

static inline struct xdax_info xt_info(int fd)
{
	struct xdax_info i = { .size = sizeof(i) };

	if (ioctl(fd, XDAX_IOC_INFO, &i))
		xt_die("XDAX_IOC_INFO: %s", strerror(errno));
	return i;
}

static inline struct xdax_stats xt_stats(int fd)
{
	struct xdax_stats s = { .size = sizeof(s) };

	if (ioctl(fd, XDAX_IOC_STATS, &s))
		xt_die("XDAX_IOC_STATS: %s", strerror(errno));
	return s;
}

static inline struct xdax_query xt_query(int fd, uint64_t offset)
{
	struct xdax_query q = { .size = sizeof(q), .offset = offset };

	if (ioctl(fd, XDAX_IOC_QUERY, &q))
		xt_die("XDAX_IOC_QUERY %#llx: %s", (unsigned long long)offset, strerror(errno));
	return q;
}

/* Returns 0 or -errno; *st (if given) gets the output fields. */
static inline int xt_set_size(int fd, uint64_t new_size, uint32_t flags, uint64_t timeout_ns,
		       struct xdax_set_size *st)
{
	struct xdax_set_size a = {
		.size = sizeof(a), .flags = flags, .new_size = new_size,
		.timeout_ns = timeout_ns,
	};
	int r = ioctl(fd, XDAX_IOC_SET_SIZE, &a) ? -errno : 0;

	if (st)
		*st = a;
	return r;
}

static inline int xt_punch(int fd, uint64_t offset, uint64_t length, uint32_t flags,
		    uint64_t timeout_ns, struct xdax_punch *st)
{
	struct xdax_punch a = {
		.size = sizeof(a), .flags = flags, .offset = offset, .length = length,
		.timeout_ns = timeout_ns,
	};
	int r = ioctl(fd, XDAX_IOC_PUNCH, &a) ? -errno : 0;

	if (st)
		*st = a;
	return r;
}

/* Returns the pin id, or dies. */
static inline uint64_t xt_pin(int fd, void *addr, uint64_t length, uint32_t flags)
{
	struct xdax_pin p = {
		.size = sizeof(p), .flags = flags, .addr = (uintptr_t)addr, .length = length,
	};

	if (ioctl(fd, XDAX_IOC_PIN, &p))
		xt_die("XDAX_IOC_PIN %p+%#llx: %s", addr, (unsigned long long)length,
		       strerror(errno));
	return p.id;
}

static inline int xt_unpin(int fd, uint64_t id)
{
	struct xdax_unpin u = { .size = sizeof(u), .id = id };

	return ioctl(fd, XDAX_IOC_UNPIN, &u) ? -errno : 0;
}

/*
 * xt_conserved(fd, where): the audit finds no mismatch and the block counts
 * add up (free + in use + awaiting + poisoned == total).  Call after every
 * test step that changes blocks.
 */
static inline int xt_conserved(int fd, const char *where)
{
	struct xdax_audit a = { .size = sizeof(a) };
	struct xdax_stats s;
	int ok = 1;

	if (ioctl(fd, XDAX_IOC_AUDIT, &a)) {
		xt_fail("%s: XDAX_IOC_AUDIT: %s", where, strerror(errno));
		return 0;
	}
	s = xt_stats(fd);
	if (a.mismatches) {
		xt_fail("%s: audit found %llu mismatches over %llu blocks (see dmesg)", where,
			(unsigned long long)a.mismatches, (unsigned long long)a.checked);
		ok = 0;
	}
	if (a.checked != s.total) {
		xt_fail("%s: audit walked %llu blocks of %llu", where,
			(unsigned long long)a.checked, (unsigned long long)s.total);
		ok = 0;
	}
	if (s.free + s.in_use + s.awaiting_reclaim + s.poisoned != s.total) {
		xt_fail("%s: free %llu + in use %llu + awaiting %llu + poisoned %llu != total %llu",
			where, (unsigned long long)s.free, (unsigned long long)s.in_use,
			(unsigned long long)s.awaiting_reclaim, (unsigned long long)s.poisoned,
			(unsigned long long)s.total);
		ok = 0;
	}
	if (s.kernel_free_calls || s.anomalies) {
		xt_fail("%s: kernel_free_calls %llu anomalies %llu", where,
			(unsigned long long)s.kernel_free_calls,
			(unsigned long long)s.anomalies);
		ok = 0;
	}
	return ok;
}

/* CLOCK_MONOTONIC now, in microseconds and in milliseconds. */
static inline double xt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline double xt_now_ms(void)
{
	return xt_now_us() / 1e3;
}

/* A counter of /proc/vmstat, -1 if it has none of that name. */
static inline long long xt_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long long v, r = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			r = v;
	fclose(f);
	return r;
}

/* Whether /proc/self/smaps shows flag @fl (" sd") in VmFlags of the mapping that holds @p. */
static inline int xt_vma_has_flag(const void *p, const char *fl)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long lo, hi;
	int in = 0, r = -1;
	char line[512];

	if (!f)
		xt_die("open /proc/self/smaps: %s", strerror(errno));
	while (r < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)	/* a mapping's first line */
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && !strncmp(line, "VmFlags:", 8))
			r = strstr(line + 8, fl) != NULL;
	}
	fclose(f);
	if (r < 0)
		xt_die("no VmFlags for %p in /proc/self/smaps", p);
	return r;
}

/* Write "4" to /proc/self/clear_refs: soft-dirty tracking (write-notify) from now on. */
static inline void xt_clear_soft_dirty(void)
{
	int f = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (f < 0 || write(f, "4", 1) != 1)
		xt_die("clear_refs 4: %s", strerror(errno));
	close(f);
}

/* Fill / verify a recognisable pattern: each 8-byte word holds seed ^ its offset. */
static inline void xt_fill(void *p, size_t len, uint64_t seed)
{
	uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = seed ^ (i * 8);
}

/* Returns the byte offset of the first mismatch, or (size_t)-1 if none. */
static inline size_t xt_verify(const void *p, size_t len, uint64_t seed)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != (seed ^ (i * 8)))
			return i * 8;
	return (size_t)-1;
}

static inline int xt_all_zero(const void *p, size_t len)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

static inline int xt_exit(const char *name)
{
	if (xt_failures)
		fprintf(stderr, "# %s: %d assertion(s) failed\n", name, xt_failures);
	return xt_failures ? 1 : 0;
}

/*
 * A KTAP runner for programs made of named subtests:
 *
 *   static const struct xt_case cases[] = { { "name", fn, "what it proves" }, ... , { 0 } };
 *   int main(int argc, char **argv) { return xt_run(argc, argv, cases); }
 *
 * `prog DEV` runs every case and `prog DEV NAME...` the named ones, each in its own
 * forked child (xt_case_name: its name) with a watchdog (alarm(XT_CASE_SECONDS), default
 * 300), and prints KTAP on stdout:
 * "KTAP version 1", the plan, then "ok N name" / "not ok N name" / "ok N name # SKIP why".
 * A case fails on any xt_fail(), on a nonzero exit or on a signal; it skips by calling
 * xt_skip() (a skip after a failure is a failure).  Diagnostics (stderr) are prefixed with "# " by the helpers.  The exit status
 * is 0 if nothing failed, 1 otherwise (77 if every case run was skipped).  xt_dev is the
 * device path; xt_arg0 the program name.
 */
struct xt_case {
	const char *name;
	void (*fn)(void);
	const char *what;
};

static const char *xt_dev = "/dev/xdax0";
static const char *xt_case_name;	/* in a case's child: its name */

#define XT_SKIP_STATUS	77

__attribute__((format(printf, 1, 2), noreturn))
static inline void xt_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "# skip: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(xt_failures ? 1 : XT_SKIP_STATUS);	/* exit(): the case's atexit cleanups run */
}

static inline int xt_run_case(const struct xt_case *c, int n, unsigned int secs)
{
	int status, failed = 1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("not ok %d %s\n# fork: %s\n", n, c->name, strerror(errno));
		return 1;
	}
	if (!pid) {
		alarm(secs);	/* unless the program handles it: the child dies, a failure */
		xt_failures = 0;
		xt_case_name = c->name;
		c->fn();
		exit(xt_failures ? 1 : 0);	/* exit(): the case's atexit cleanups run */
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == XT_SKIP_STATUS) {
		printf("ok %d %s # SKIP see the diagnostics above\n", n, c->name);
		return -1;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		printf("ok %d %s\n", n, c->name);
		failed = 0;
	} else if (WIFSIGNALED(status)) {
		printf("not ok %d %s\n# killed by signal %d%s\n", n, c->name, WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (watchdog)" : "");
	} else {
		printf("not ok %d %s\n# exit status %d\n", n, c->name, WEXITSTATUS(status));
	}
	return failed;
}

static inline int xt_run(int argc, char **argv, const struct xt_case *cases)
{
	unsigned int secs = getenv("XT_CASE_SECONDS") ? atoi(getenv("XT_CASE_SECONDS")) : 300;
	int i, j, n = 0, failed = 0, skipped = 0, r;
	const struct xt_case *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("usage: %s DEVICE [CASE...]\ncases:\n", argv[0]);
		for (c = cases; c->name; c++)
			printf("  %-24s %s\n", c->name, c->what);
		return argc < 2 ? 2 : 0;
	}
	xt_dev = argv[1];
	for (i = 2; i < argc; i++) {
		for (c = cases; c->name && strcmp(c->name, argv[i]); c++)
			;
		if (!c->name) {
			fprintf(stderr, "%s: no case %s (see --help)\n", argv[0], argv[i]);
			return 2;
		}
	}
	printf("KTAP version 1\n");
	if (argc > 2) {
		printf("1..%d\n", argc - 2);
		for (i = 2; i < argc; i++) {
			for (c = cases; strcmp(c->name, argv[i]); c++)
				;
			r = xt_run_case(c, ++n, secs);
			failed += r > 0;
			skipped += r < 0;
		}
	} else {
		for (j = 0; cases[j].name; j++)
			;
		printf("1..%d\n", j);
		for (c = cases; c->name; c++) {
			r = xt_run_case(c, ++n, secs);
			failed += r > 0;
			skipped += r < 0;
		}
	}
	printf("# %s: pass:%d fail:%d skip:%d total:%d\n", argv[0], n - failed - skipped, failed,
	       skipped, n);
	return failed ? 1 : skipped == n ? XT_SKIP_STATUS : 0;
}

#endif /* XDAX_TEST_H */
