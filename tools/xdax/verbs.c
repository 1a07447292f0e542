// SPDX-License-Identifier: GPL-2.0
/*
 * xdax(8) verbs: one function per verb (the table is in main.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "xdax.h"

#define HUMAN(c)	(((c)->set & OPT_HUMAN) != 0)

/* ---- list, info, stats ---------------------------------------------------- */

/* A node attribute of DIR as a JSON number, or null if the kernel has none. */
static void j_node(const char *key, const char *dir)
{
	int64_t v;

	if (sysfs_s64(dir, key, &v))
		j_null(key);
	else
		j_s64(key, v);
}

/* "start"/"end" of the range: sysfs resource (root only), or null. */
static void j_range(const char *dir, uint64_t size, bool human)
{
	uint64_t start;

	if (sysfs_u64(dir, "resource", &start)) {
		j_null("start");
		j_null("end");
		return;
	}
	j_hex("start", start, human);
	j_hex("end", start + size - 1, human);
}

struct sysdev {
	char name[32], dir[96];
	uint64_t size, align, file_size, total, free, in_use, awaiting, poisoned, pinned;
	uint64_t anomalies, kernel_free, pgmap_free;
};

static int sysdev_read(int id, struct sysdev *d)
{
	static const struct { const char *attr; size_t off; } f[] = {
#define F(a, m) { a, offsetof(struct sysdev, m) }
		F("size", size), F("align", align), F("stats/file_size", file_size),
		F("stats/total", total), F("stats/free", free), F("stats/in_use", in_use),
		F("stats/awaiting_reclaim", awaiting), F("stats/poisoned", poisoned),
		F("stats/pinned_pages", pinned), F("stats/anomalies", anomalies),
		F("stats/kernel_free_calls", kernel_free), F("pgmap_free_calls", pgmap_free),
#undef F
	};
	unsigned int i;

	snprintf(d->name, sizeof(d->name), "xdax%d", id);
	snprintf(d->dir, sizeof(d->dir), "/sys/class/xdax/xdax%d", id);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (sysfs_u64(d->dir, f[i].attr, (uint64_t *)((char *)d + f[i].off)))
			return -1;
	return 0;
}

static const char *sysdev_state(const struct sysdev *d)
{
	if (d->poisoned || d->anomalies || d->kernel_free || d->pgmap_free)
		return "degraded";
	if (d->awaiting)
		return "reclaiming";
	return d->in_use ? "in-use" : "idle";
}

static void list_table(struct sysdev *d, int n)
{
	char size[48], fsize[48], range[48], node[16];
	uint64_t start;
	int64_t nid;
	int i;

	printf("%-8s %-24s %-24s %-8s %-25s %-4s %6s %6s %6s %8s %8s %s\n", "DEVICE", "SIZE",
	       "FILE_SIZE", "ALIGN", "RANGE", "NODE", "TOTAL", "FREE", "IN_USE", "AWAITING",
	       "POISONED", "STATE");
	for (i = 0; i < n; i++) {
		human_size(d[i].size, size, sizeof(size));
		human_size(d[i].file_size, fsize, sizeof(fsize));
		if (sysfs_u64(d[i].dir, "resource", &start))
			snprintf(range, sizeof(range), "-");
		else
			snprintf(range, sizeof(range), "%#llx-%#llx", (unsigned long long)start,
				 (unsigned long long)(start + d[i].size - 1));
		if (sysfs_s64(d[i].dir, "numa_node", &nid))
			snprintf(node, sizeof(node), "-");
		else
			snprintf(node, sizeof(node), "%lld", (long long)nid);
		printf("%-8s %-24s %-24s %-8llu %-25s %-4s %6llu %6llu %6llu %8llu %8llu %s\n",
		       d[i].name, size, fsize, (unsigned long long)d[i].align, range, node,
		       (unsigned long long)d[i].total, (unsigned long long)d[i].free,
		       (unsigned long long)d[i].in_use, (unsigned long long)d[i].awaiting,
		       (unsigned long long)d[i].poisoned, sysdev_state(&d[i]));
	}
}

int verb_list(struct xctx *c)
{
	struct sysdev d[64];
	int ids[64], n, i, k = 0;
	char path[300];

	n = list_devices(ids, 64);
	if (n < 0)
		return msg(XS_NODEV, "the xdax module is not loaded (no /sys/class/xdax): modprobe xdax ranges=SIZE@START (see xdax check-range)");
	for (i = 0; i < n; i++) {
		if (c->dev_arg) {
			char want[300];

			snprintf(path, sizeof(path), "/dev/xdax%d", ids[i]);
			if (strcmp(dev_path(c->dev_arg, want, sizeof(want)), path))
				continue;
		}
		/* A device vanishing under us (rmmod) is left out. */
		if (!sysdev_read(ids[i], &d[k]))
			k++;
	}
	if (c->dev_arg && !k)
		return msg(XS_NODEV, "%s: no such xdax device", c->dev_arg);
	if (c->set & OPT_TABLE) {
		list_table(d, k);
		return XS_OK;
	}
	j_arr(NULL);
	for (i = 0; i < k; i++) {
		j_obj(NULL);
		j_str("chardev", d[i].name);
		snprintf(path, sizeof(path), "/dev/%.31s", d[i].name);
		j_str("path", path);
		j_size("size", d[i].size, HUMAN(c));
		j_size("file_size", d[i].file_size, HUMAN(c));
		j_size("align", d[i].align, HUMAN(c));
		j_range(d[i].dir, d[i].size, HUMAN(c));
		j_node("target_node", d[i].dir);
		j_node("numa_node", d[i].dir);
		j_str("mode", "xdax");
		j_obj("blocks");
		j_u64("total", d[i].total);
		j_u64("free", d[i].free);
		j_u64("in_use", d[i].in_use);
		j_u64("awaiting_reclaim", d[i].awaiting);
		j_u64("poisoned", d[i].poisoned);
		j_end();
		j_u64("pinned_pages", d[i].pinned);
		j_str("state", sysdev_state(&d[i]));
		j_end();
	}
	j_end();
	j_done();
	return XS_OK;
}

static int get_stats(struct xctx *c, struct xdax_stats *s)
{
	*s = (struct xdax_stats){ .size = sizeof(*s) };
	return ioctl(c->fd, XDAX_IOC_STATS, s) ? -errno : 0;
}

int verb_info(struct xctx *c)
{
	struct xdax_stats s;
	int r = dev_open(c, O_RDONLY);

	if (r)
		return r;
	r = get_stats(c, &s);
	if (r)
		return errno_fail(c, "XDAX_IOC_STATS", -r);
	j_obj(NULL);
	j_str("chardev", c->name);
	j_str("path", c->path);
	j_u64("id", c->info.id);
	j_size("size", c->info.capacity, HUMAN(c));
	j_size("file_size", s.file_size, HUMAN(c));
	j_size("align", c->info.align, HUMAN(c));
	if (c->info.phys_start) {
		j_hex("start", c->info.phys_start, HUMAN(c));
		j_hex("end", c->info.phys_start + c->info.capacity - 1, HUMAN(c));
	} else {
		j_range(c->sysdir, c->info.capacity, HUMAN(c));
	}
	j_node("target_node", c->sysdir);
	j_node("numa_node", c->sysdir);
	j_str("mode", "xdax");
	j_str("mapping", c->info.features & XDAX_FEATURE_MAPPING_REFS ? "refs" : "devmap");
	j_end();
	j_done();
	return XS_OK;
}

int verb_stats(struct xctx *c)
{
	struct xdax_stats s;
	int r = dev_open(c, O_RDONLY);

	if (r)
		return r;
	r = get_stats(c, &s);
	if (r)
		return errno_fail(c, "XDAX_IOC_STATS", -r);
	j_obj(NULL);
	j_str("chardev", c->name);
	j_size("file_size", s.file_size, HUMAN(c));
#define S(f) j_u64(#f, s.f)
	S(total);
	S(free);
	S(in_use);
	S(awaiting_reclaim);
	S(poisoned);
	S(page_free_calls);
	S(kernel_free_calls);
	S(anomalies);
	S(pte_faults);
	S(pmd_faults);
	S(reclaim_events);
	S(pinned_pages);
	S(zeroed);
	S(memory_failures);
#undef S
	j_end();
	j_done();
	return XS_OK;
}

/* ---- audit, truncate, punch, allocate, query ---------------------------- */

int verb_audit(struct xctx *c)
{
	struct xdax_audit a = { .size = sizeof(a) };
	int r = dev_open(c, O_RDWR);

	if (r)
		return r;
	if (ioctl(c->fd, XDAX_IOC_AUDIT, &a))
		return errno_fail(c, "audit", errno);
	j_obj(NULL);
	j_str("chardev", c->name);
	j_u64("checked", a.checked);
	j_u64("mismatches", a.mismatches);
	j_end();
	j_done();
	if (a.mismatches)
		return msg(XS_FAIL, "%s: %llu block(s) whose refcount does not match their state: see the kernel log (dmesg)",
			   c->path, (unsigned long long)a.mismatches);
	return XS_OK;
}

/* A handler so that Ctrl-C interrupts a wait with EINTR, which is then explained. */
static void on_signal(int sig)
{
	(void)sig;
}

static void catch_interrupts(void)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* wait_flags: XDAX_WAIT_* from --nowait / --timeout. */
static int wait_flags(struct xctx *c, uint32_t *flags)
{
	if ((c->set & OPT_NOWAIT) && (c->set & OPT_TIMEOUT))
		return usage_error(c, "--nowait and --timeout exclude each other");
	*flags = (c->set & OPT_NOWAIT) ? XDAX_WAIT_NOWAIT :
		 (c->set & OPT_TIMEOUT) ? XDAX_WAIT_TIMEOUT : 0;
	return 0;
}

/* After a truncate or punch failed: what the device looks like now. */
static int changed_fail(struct xctx *c, const char *what, int err)
{
	struct xdax_stats s;
	int r = errno_fail(c, what, err);

	if ((err == EINTR || err == ETIMEDOUT) && !get_stats(c, &s))
		fprintf(stderr, "%s %s: %s: now: file_size %llu, %llu block(s) awaiting reclaim\n",
			prog, c->verb->name, c->path, (unsigned long long)s.file_size,
			(unsigned long long)s.awaiting_reclaim);
	return r;
}

static void print_freed(struct xctx *c, uint64_t freed, uint64_t pending)
{
	struct xdax_stats s;

	j_obj(NULL);
	j_str("chardev", c->name);
	if (!get_stats(c, &s))
		j_size("file_size", s.file_size, HUMAN(c));
	j_u64("freed", freed);
	j_u64("pending", pending);
	j_end();
	j_done();
}

int verb_truncate(struct xctx *c)
{
	struct xdax_set_size a = { .size = sizeof(a) };
	int r;

	r = arg_size(c, 0, "SIZE", &a.new_size);
	if (!r)
		r = wait_flags(c, &a.flags);
	if (!r)
		r = dev_open(c, O_RDWR);
	if (r)
		return r;
	if (a.flags & XDAX_WAIT_TIMEOUT)
		a.timeout_ns = c->timeout_ns;
	catch_interrupts();
	if (ioctl(c->fd, XDAX_IOC_SET_SIZE, &a))
		return changed_fail(c, "truncate", errno);
	print_freed(c, a.freed, a.pending);
	return XS_OK;
}

int verb_punch(struct xctx *c)
{
	struct xdax_punch a = { .size = sizeof(a) };
	int r;

	r = arg_size(c, 0, "OFFSET", &a.offset);
	if (!r)
		r = arg_size(c, 1, "LENGTH", &a.length);
	if (!r)
		r = wait_flags(c, &a.flags);
	if (!r)
		r = dev_open(c, O_RDWR);
	if (r)
		return r;
	if (a.flags & XDAX_WAIT_TIMEOUT)
		a.timeout_ns = c->timeout_ns;
	catch_interrupts();
	if (ioctl(c->fd, XDAX_IOC_PUNCH, &a))
		return changed_fail(c, "punch", errno);
	print_freed(c, a.freed, a.pending);
	return XS_OK;
}

int verb_allocate(struct xctx *c)
{
	struct xdax_allocate a = { .size = sizeof(a) };
	int r;

	r = arg_size(c, 0, "OFFSET", &a.offset);
	if (!r)
		r = arg_size(c, 1, "LENGTH", &a.length);
	if (!r)
		r = dev_open(c, O_RDWR);
	if (r)
		return r;
	if (ioctl(c->fd, XDAX_IOC_ALLOCATE, &a))
		return errno_fail(c, "allocate", errno);
	j_obj(NULL);
	j_str("chardev", c->name);
	j_u64("allocated", a.allocated);
	j_end();
	j_done();
	return XS_OK;
}

static const char *state_name(uint32_t state)
{
	static const char *const names[] = {
		[XDAX_BLOCK_FREE] = "free",
		[XDAX_BLOCK_IN_USE] = "in_use",
		[XDAX_BLOCK_AWAITING_RECLAIM] = "awaiting_reclaim",
		[XDAX_BLOCK_HOLE] = "hole",
		[XDAX_BLOCK_POISONED] = "poisoned",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

int verb_query(struct xctx *c)
{
	struct xdax_query q = { .size = sizeof(q) };
	bool block = c->set & OPT_BLOCK;
	int r;

	r = arg_size(c, 0, block ? "BLOCK" : "OFFSET", block ? &q.block : &q.offset);
	if (!r)
		r = dev_open(c, O_RDONLY);
	if (r)
		return r;
	if (block)
		q.flags = XDAX_QUERY_BLOCK;
	if (ioctl(c->fd, XDAX_IOC_QUERY, &q))
		return errno_fail(c, "query", errno);
	j_obj(NULL);
	j_str("chardev", c->name);
	if (block)
		j_null("offset");
	else
		j_u64("offset", q.offset);
	if (q.state == XDAX_BLOCK_HOLE)
		j_null("block");
	else
		j_u64("block", q.block);
	j_str("state", state_name(q.state));
	if (q.refcount < 0)
		j_null("refcount");
	else
		j_s64("refcount", q.refcount);
	if (q.mapcount < 0)
		j_null("mapcount");
	else
		j_s64("mapcount", q.mapcount);
	j_bool("poisoned", q.attrs & XDAX_ATTR_POISONED);
	j_end();
	j_done();
	return XS_OK;
}

/* ---- pin, unpin ------------------------------------------------------------ */

int verb_pin(struct xctx *c)
{
	bool ro = c->set & OPT_READONLY;
	struct xdax_pin p = { .size = sizeof(p), .flags = ro ? XDAX_PIN_READONLY : 0 };
	struct xdax_unpin u = { .size = sizeof(u) };
	struct signalfd_siginfo si;
	const char *why = NULL;
	__u64 off = 0, len = 0;
	struct pollfd pfd[2];
	char line[256];
	sigset_t set;
	void *addr;
	int r, sfd;

	if (c->nargs == 1)
		return usage_error(c, "give both OFFSET and LENGTH, or neither");
	if (c->nargs == 2) {
		r = arg_size(c, 0, "OFFSET", &off);
		if (!r)
			r = arg_size(c, 1, "LENGTH", &len);
		if (r)
			return r;
	}
	r = dev_open(c, ro ? O_RDONLY : O_RDWR);
	if (r)
		return r;
	if (!len)
		len = c->info.align;
	/* The signals that release the pin, taken through a signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return msg(XS_FAIL, "signalfd: %s", strerror(errno));
	if (len > SIZE_MAX || off > (uint64_t)LLONG_MAX)
		return errno_fail(c, "mmap", EINVAL);
	addr = mmap(NULL, len, PROT_READ | (ro ? 0 : PROT_WRITE), MAP_SHARED, c->fd, off);
	if (addr == MAP_FAILED)
		return errno_fail(c, "mmap", errno);
	p.addr = (uintptr_t)addr;
	p.length = len;
	if (ioctl(c->fd, XDAX_IOC_PIN, &p))
		return errno_fail(c, "pin", errno);
	j_obj(NULL);
	j_str("chardev", c->name);
	j_s64("pid", getpid());
	j_u64("id", p.id);
	j_u64("offset", off);
	j_u64("length", len);
	j_bool("readonly", ro);
	j_end();
	j_done();

	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = (c->set & OPT_STDIN) ? 0 : -1, .events = POLLIN };
	while (!why) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			why = "poll failed";
			break;
		}
		if ((pfd[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			why = si.ssi_signo == SIGUSR1 ? "asked by xdax unpin" :
			      si.ssi_signo == SIGTERM ? "SIGTERM" :
			      si.ssi_signo == SIGINT ? "SIGINT" : "SIGHUP";
		else if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			why = read(0, line, sizeof(line)) > 0 ? "a line on stdin" : "end of stdin";
	}
	u.id = p.id;
	if (ioctl(c->fd, XDAX_IOC_UNPIN, &u))
		return errno_fail(c, "unpin", errno);
	munmap(addr, len);
	close(c->fd);
	fprintf(stderr, "%s pin: %s: released pin %llu (%s)\n", prog, c->path,
		(unsigned long long)p.id, why);
	return XS_OK;
}

/* Is PID an `xdax pin` holding PATH open?  Its cmdline and fds (yours, or root). */
static bool pin_holder(long pid, const char *path)
{
	char p[64], buf[4096], link[PATH_MAX];
	const char *argv0, *verb, *base;
	struct dirent *e;
	bool found = false;
	ssize_t n;
	DIR *d;
	int fd;

	snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	argv0 = buf;
	verb = argv0 + strlen(argv0) + 1;
	if (verb >= buf + n || strcmp(verb, "pin"))
		return false;
	base = strrchr(argv0, '/');
	if (strcmp(base ? base + 1 : argv0, "xdax"))
		return false;
	snprintf(p, sizeof(p), "/proc/%ld/fd", pid);
	d = opendir(p);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char fdp[320];

		snprintf(fdp, sizeof(fdp), "/proc/%ld/fd/%s", pid, e->d_name);
		n = readlink(fdp, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		found = !strcmp(link, path);
	}
	closedir(d);
	return found;
}

/* Gone, or a zombie (its files are closed: the pin is released). */
static bool process_gone(long pid)
{
	char p[64], buf[512], *s;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	s = strrchr(buf, ')');
	return !s || s[1] != ' ' || s[2] == 'Z' || s[2] == 'X';
}

int verb_unpin(struct xctx *c)
{
	long pids[256], pid;
	char real[PATH_MAX];
	int n = 0, i, t, r;
	struct dirent *e;
	char *end;
	DIR *d;

	r = dev_open(c, O_RDONLY);
	if (r)
		return r;
	close(c->fd);
	if (!realpath(c->path, real))
		snprintf(real, sizeof(real), "%s", c->path);
	if (c->pid) {
		if (!pin_holder(c->pid, real))
			return msg(XS_FAIL, "%s: process %ld is not an xdax pin holding it (or not yours)",
				   c->path, c->pid);
		pids[n++] = c->pid;
	} else {
		d = opendir("/proc");
		if (!d)
			return msg(XS_FAIL, "/proc: %s", strerror(errno));
		while ((e = readdir(d)) && n < 256) {
			pid = strtol(e->d_name, &end, 10);
			if (*end || pid <= 0 || pid == getpid())
				continue;
			if (pin_holder(pid, real))
				pids[n++] = pid;
		}
		closedir(d);
		if (!n)
			return msg(XS_FAIL, "%s: no xdax pin holds it (of the processes you may see)",
				   c->path);
	}
	/*
	 * Signal through a pidfd, checked again after it is taken: a pid that
	 * was reused since the scan is then either still an xdax pin of this
	 * device or left alone, never a stranger sent SIGUSR1.
	 */
	for (i = 0; i < n; i++) {
		int pfd = syscall(SYS_pidfd_open, (pid_t)pids[i], 0);

		if (pfd < 0 || !pin_holder(pids[i], real)) {
			if (pfd >= 0)
				close(pfd);
			return msg(XS_FAIL, "%s: process %ld is gone or no longer an xdax pin holding it",
				   c->path, pids[i]);
		}
		r = syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 0);
		close(pfd);
		if (r)
			return msg(XS_FAIL, "%s: cannot signal process %ld: %s", c->path, pids[i],
				   strerror(errno));
	}
	/* Wait until every holder has unpinned and exited (up to 30 s). */
	for (t = 0; t < 3000; t++) {
		for (i = 0; i < n && process_gone(pids[i]); i++)
			;
		if (i == n)
			break;
		usleep(10000);
	}
	if (t == 3000)
		return msg(XS_FAIL, "%s: process %ld did not release its pin within 30 s",
			   c->path, pids[i]);
	j_obj(NULL);
	j_str("chardev", c->name);
	j_arr("released");
	for (i = 0; i < n; i++)
		j_s64(NULL, pids[i]);
	j_end();
	j_end();
	j_done();
	return XS_OK;
}

/* ---- wait-reclaim ----------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int verb_wait_reclaim(struct xctx *c)
{
	uint64_t deadline = 0, left;
	struct xdax_event ev;
	struct xdax_stats s;
	struct pollfd pfd;
	int r, ms;
	ssize_t n;

	r = dev_open(c, O_RDONLY);
	if (r)
		return r;
	if (c->set & OPT_TIMEOUT)
		deadline = now_ns() + c->timeout_ns;
	/* Opened first: an event from now on is pending on this file, none is lost. */
	if ((c->set & OPT_ALL) && !get_stats(c, &s) && !s.awaiting_reclaim) {
		j_obj(NULL);
		j_str("chardev", c->name);
		j_null("type");
		j_u64("awaiting_reclaim", 0);
		j_u64("free", s.free);
		j_end();
		j_done();
		return XS_OK;
	}
	pfd = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	for (;;) {
		ms = -1;
		if (deadline) {
			left = now_ns() < deadline ? deadline - now_ns() : 0;
			ms = left / 1000000 >= INT_MAX ? INT_MAX :
			     (int)(left / 1000000 + (left % 1000000 != 0));
		}
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno_fail(c, "poll", errno);
		if (!r) {
			if (get_stats(c, &s))
				s.awaiting_reclaim = 0;
			return msg(XS_FAIL, "%s: timed out: no reclaim event (%llu block(s) await reclaim)",
				   c->path, (unsigned long long)s.awaiting_reclaim);
		}
		n = read(c->fd, &ev, sizeof(ev));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno_fail(c, "read", errno);
		if (n != sizeof(ev))
			return msg(XS_FAIL, "%s: short event record (%zd bytes)", c->path, n);
		if (ev.type == XDAX_EVENT_POISON) {
			fprintf(stderr, "%s wait-reclaim: %s: poison event: %llu block(s) poisoned\n",
				prog, c->path, (unsigned long long)ev.poisoned);
			continue;
		}
		if (ev.type != XDAX_EVENT_RECLAIM)
			continue;
		if ((c->set & OPT_ALL) && ev.awaiting_reclaim)
			continue;
		break;
	}
	j_obj(NULL);
	j_str("chardev", c->name);
	j_str("type", "reclaim");
	j_u64("seq", ev.seq);
	j_u64("reclaimed", ev.reclaimed);
	j_u64("awaiting_reclaim", ev.awaiting_reclaim);
	j_u64("free", ev.free);
	j_end();
	j_done();
	return XS_OK;
}

/* ---- check-range -------------------------------------------------------------- */

/*
 * The preflight has one implementation, the shell script xdax-check-range
 * (the modprobe install hook runs it where this tool may not be installed):
 * this verb runs it.  XDAX_CHECK_RANGE names another copy (tests).
 */
int verb_check_range(struct xctx *c)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/local/sbin" };
	char self[PATH_MAX], try[PATH_MAX + 32], *slash;
	const char *script = getenv("XDAX_CHECK_RANGE");
	char **argv;
	unsigned int i;
	ssize_t n;
	int k = 0;

	if (!script) {
		/* Beside this binary first (a checkout, /usr/local), then the system's. */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = 0;
			slash = strrchr(self, '/');
			if (slash) {
				*slash = 0;
				snprintf(try, sizeof(try), "%s/xdax-check-range", self);
				if (!access(try, X_OK))
					script = try;
			}
		}
		for (i = 0; !script && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			snprintf(try, sizeof(try), "%s/xdax-check-range", dirs[i]);
			if (!access(try, X_OK))
				script = try;
		}
	}
	if (!script)
		return msg(XS_FAIL, "check-range: xdax-check-range not found (in /usr/sbin, /sbin, /usr/local/sbin or beside xdax)");
	argv = calloc(c->nargs + 4, sizeof(*argv));
	if (!argv)
		return msg(XS_FAIL, "out of memory");
	argv[k++] = "xdax-check-range";
	if (c->set & OPT_VERBOSE)
		argv[k++] = "-v";
	if (c->set & OPT_MODPROBE)
		argv[k++] = "--modprobe";
	else if (c->nargs != 1)
		return usage_error(c, "one SIZE@START[,SIZE@START...] argument");
	for (i = 0; i < (unsigned int)c->nargs; i++)
		argv[k++] = c->args[i];
	fflush(NULL);
	execv(script, argv);
	return msg(XS_FAIL, "check-range: cannot run %s: %s", script, strerror(errno));
}
