// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_stress [-s SECONDS] DEV [CASE...]: races of faults of both sizes, long-term pins and
 * gup-fast against truncate and punch of the same few blocks ("Protocol v2" findings 1.1,
 * 1.2 and 1.7, and a data-integrity race over all of them).  A KTAP program (xt_run): each
 * case runs in its own child; SECONDS (default 6) is the length of each racing case.
 *
 *   pte-pmd-thp-toggle  (1.1 a) >= 8 threads fault (write and read) 4 blocks of one
 *                       PMD-able MAP_SHARED mapping while another thread toggles
 *                       prctl(PR_SET_THP_DISABLE) (the same block gets PTE and PMD faults in
 *                       one mm), one thread zaps with MADV_DONTNEED, one re-mmaps the view
 *                       (MAP_FIXED: frees the page tables, so the PMD slot is empty again)
 *                       and the main thread punches (NOWAIT or a short TIMEOUT) and truncates.
 *   pte-pmd-two-views   (1.1 b, c) the same race through a PMD-able view and a view at 4 KiB
 *                       past a 2 MiB boundary (PTE faults only) of the same blocks, in two
 *                       processes.
 *   hole-zeroed-once    (1.1) N threads in two processes, through PMD and PTE views, touch
 *                       the same K holes at once after a barrier: `zeroed` must grow by
 *                       exactly K per round, every offset has one block (QUERY) and every
 *                       thread reads every other thread's word.
 *   integrity           (2) all of the above at once: two processes, PMD and PTE views, the
 *                       THP toggle, MADV_DONTNEED, re-mmap, punches and truncates.  Writers
 *                       write words (file_offset << 16 | generation); a reader that reads a
 *                       nonzero word at file offset X that does not encode X has found a
 *                       block mapped at the wrong offset or kept mapped after a punch.
 *   pin-vs-punch        (1.7) threads pin (XDAX_IOC_PIN, 4 KiB and 2 MiB, on PMD-mapped
 *                       blocks) and unpin while others punch NOWAIT (the reaper is kept busy
 *                       by longer pins) and truncate, blocking, the same blocks.  48 views
 *                       of the blocks: a punch zaps them one VMA at a time, so a block that
 *                       left the file stays mapped a while in the last ones.
 *   gupfast-vs-punch    (1.2) >= 8 threads vmsplice (gup-fast, FOLL_GET) pages of PMD-mapped
 *                       blocks and check what the pipe gives back; others pin with
 *                       pin_user_pages_fast (XDAX_IOC_PIN) and refault, while NOWAIT punches
 *                       take the blocks away.
 *
 * Every racing case pauses its threads after every round (ROUND_PUNCHES punches/truncates,
 * or ROUND_S seconds if that comes first) and runs the audit (xt_conserved); calls may return only success or their documented errnos; a word
 * read anywhere must be 0 or encode its own file offset; the kernel log since the case
 * began must hold no "VM_FAULT_OOM leaked out", WARNING, BUG or KASAN line (the guest's
 * panic_on_warn usually ends the run first); at the end every block must free again and
 * the audit be clean.  "# figure:" lines give threads, rounds and counts.
 *
 * The races are timing dependent: under TCG (2 host cores) a test that passes has not
 * proven the race absent.  Run with XDAX_RACE_SECONDS and XDAX_VM_SMP=4 for more.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>

#include "xdax_test.h"

#define PG		4096UL
#define BLK		(2UL << 20)	/* the UAPI's align; checked against XDAX_IOC_INFO */
#define NB		4		/* blocks raced: one block and its neighbours */
#define LEN		(NB * BLK)
#define ROUND_PUNCHES	100		/* punches/truncates between two audits */
#define ROUND_S		1.0		/* ... or seconds, whichever comes first */
#define MAX_THREADS	40
#define PARK_S		60		/* workers must park within this (else: a hang) */
#define WAIT_NS		(10ULL * 1000000000ULL)	/* a blocking call with only short pins */
#define SHORT_NS	1000000ULL	/* a "short TIMEOUT": 1 ms */
#define MAX_REPORTS	12

static unsigned int secs = 6;
static int fd;
static struct xdax_info info;

/* --- state shared by the threads of a case and its second process -------------------- */

enum ctr {
	C_WRITES, C_READS, C_WORDS, C_SIGBUS, C_PUNCH, C_TRUNC, C_TIMEDOUT, C_TOGGLE,
	C_MADV, C_REMAP, C_PIN, C_PIN_BIG, C_PIN_EFAULT, C_SPLICE, C_SPLICE_EFAULT, C_BAD,
	NR_CTR
};

struct ctl {
	int stop;		/* workers end */
	int pause;		/* workers park (for an audit) */
	int parked;
	int failed;		/* some process recorded a failure */
	int reports;		/* failure lines printed, all processes */
	int round;		/* hole-zeroed-once: the round the workers are in */
	unsigned long n[NR_CTR];
	pthread_barrier_t bar;	/* hole-zeroed-once */
};

static struct ctl *ctl;

static void cnt(enum ctr c, unsigned long v)
{
	__atomic_add_fetch(&ctl->n[c], v, __ATOMIC_RELAXED);
}

static unsigned long ctr(enum ctr c)
{
	return __atomic_load_n(&ctl->n[c], __ATOMIC_RELAXED);
}

static int stopping(void)
{
	return __atomic_load_n(&ctl->stop, __ATOMIC_ACQUIRE);
}

static int failed(void)
{
	return __atomic_load_n(&ctl->failed, __ATOMIC_ACQUIRE);
}

static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

/* xs_fail(fmt...): xt_fail from any thread of any process of the case; the first few print. */
#define xs_fail(...) do {							\
	pthread_mutex_lock(&fail_mu);						\
	if (__atomic_add_fetch(&ctl->reports, 1, __ATOMIC_RELAXED) <= MAX_REPORTS) \
		xt_fail(__VA_ARGS__);						\
	else									\
		xt_failures++;							\
	pthread_mutex_unlock(&fail_mu);						\
	__atomic_store_n(&ctl->failed, 1, __ATOMIC_RELEASE);			\
} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t seed_of(long id)
{
	return ((uint64_t)id + 1) * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)getpid() << 32) ^
	       (uint64_t)(now_s() * 1e6);
}

/* --- signals: SIGBUS past the size is expected while armed, anything else is fatal --- */

static __thread sigjmp_buf tjb;
static __thread volatile sig_atomic_t tjb_armed;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	int n;

	(void)uc;
	if (sig == SIGBUS && tjb_armed) {
		tjb_armed = 0;
		siglongjmp(tjb, 1);
	}
	n = snprintf(msg, sizeof(msg), "FAIL: unexpected signal %d (code %d) at %p\n", sig,
		     si->si_code, si->si_addr);
	if (write(2, msg, n) < 0)
		_exit(3);
	_exit(3);
}

static void signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* --- the kernel log since the case began ---------------------------------------------- */

static int kmsg_fd = -1;

static void kmsg_begin(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0)
		xt_note("no /dev/kmsg (%s): the kernel log is left to the calling script",
			strerror(errno));
	else
		lseek(kmsg_fd, 0, SEEK_END);
}

/*
 * The symptoms of finding 1.1 that are not splats ("Huh VM_FAULT_OOM leaked out to the #PF
 * handler") and any splat that did not panic the kernel.
 */
static void kmsg_check(const char *where)
{
	static const char *const bad[] = {
		"VM_FAULT_OOM leaked", "WARNING:", "BUG:", "KASAN", "Bad page", "Oops",
		"general protection",
	};
	char rec[4096], *msg, *nl;
	int lines = 0;
	unsigned int i;
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on with the next */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(msg, bad[i])) {
				if (lines++ < 8)
					xt_fail("%s: kernel log: %s", where, msg);
				else
					xt_failures++;
				break;
			}
		}
	}
	close(kmsg_fd);
	kmsg_fd = -1;
}

/* --- views of the raced blocks --------------------------------------------------------- */

struct view {
	char *va;
	int pmd;		/* PMD-able: 2 MiB aligned */
	const char *name;
};

#define PIN_VIEWS	48	/* PMD-able views of the raced blocks in a pin/gup race */

static struct view views[PIN_VIEWS];
static int nviews;
static int vfd;			/* this process's open of the device */

/* A 2 MiB aligned view of file [0, LEN): faults map PMDs. */
static void view_pmd(struct view *v, int f)
{
	v->va = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (v->va == MAP_FAILED)
		xt_die("mmap %lu bytes: %s", LEN, strerror(errno));
	if ((uintptr_t)v->va & (BLK - 1))
		xt_die("mmap returned %p, not 2 MiB aligned: no PMD fault possible", v->va);
	v->pmd = 1;
	v->name = "PMD view";
}

/* A view of file [0, LEN) at 4 KiB past a 2 MiB boundary: PTE faults only. */
static void view_pte(struct view *v, int f)
{
	char *area = mmap(NULL, LEN + 2 * BLK, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a;

	if (area == MAP_FAILED)
		xt_die("mmap reserve: %s", strerror(errno));
	a = (((uintptr_t)area + BLK - 1) & ~(BLK - 1)) + PG;
	v->va = mmap((void *)a, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, f, 0);
	if (v->va != (void *)a)
		xt_die("mmap at %#lx: %s", (unsigned long)a, strerror(errno));
	v->pmd = 0;
	v->name = "PTE view";
}

/* Map the view again in place: the old page tables go, the PMD slots are empty again. */
static void view_remap(struct view *v)
{
	void *p = mmap(v->va, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, vfd, 0);

	if (p != v->va)
		xs_fail("re-mmap of the %s at %p: %s", v->name, v->va, strerror(errno));
}

/* The word a writer stores at file offset @foff: nonzero, and it names its offset. */
static uint64_t word_of(uint64_t foff, unsigned int gen)
{
	return foff << 16 | ((gen & 0xffff) ? (gen & 0xffff) : 1);
}

static void bad_word(const char *how, uint64_t foff, uint64_t v)
{
	struct xdax_query q = { .size = sizeof(q), .offset = foff };
	int qr = ioctl(fd, XDAX_IOC_QUERY, &q);

	cnt(C_BAD, 1);
	xs_fail("%s: file offset %#llx holds %#llx, a word written for file offset %#llx "
		"(block there now: %lld, state %u%s)", how, (unsigned long long)foff,
		(unsigned long long)v, (unsigned long long)(v >> 16),
		qr ? -1LL : (long long)q.block, qr ? 0 : q.state, qr ? ", QUERY failed" : "");
}

/* Check @len bytes that hold file [foff, foff + len): every word 0 or its own. */
/*
 * A word read by the kernel's memcpy (a pipe read of vmspliced pages) may be torn: copied
 * byte by byte while a writer stores it, it can hold some bytes of the old value (0, in a
 * fresh block) and the rest of the new.  Such a word still names no other offset: each
 * byte of its offset part is 0 or the byte of the right offset.
 */
static int torn_ok(uint64_t v, uint64_t foff)
{
	uint64_t got = v >> 16, want = foff;
	int b;

	for (b = 0; b < 6; b++, got >>= 8, want >>= 8)
		if ((got & 0xff) && (got & 0xff) != (want & 0xff))
			return 0;
	return 1;
}

/* @torn: the words were copied by the kernel (see torn_ok), not loaded whole. */
static int check_words(const char *how, const volatile uint64_t *w, uint64_t foff, size_t len,
		       int torn)
{
	size_t i;
	uint64_t v;

	for (i = 0; i < len / 8; i++) {
		v = w[i];
		if (v && v >> 16 != foff + i * 8 && !(torn && torn_ok(v, foff + i * 8))) {
			bad_word(how, foff + i * 8, v);
			return 1;
		}
	}
	cnt(C_WORDS, len / 8);
	return 0;
}

struct access {
	const struct view *v;
	uint64_t foff;
	int write;
	unsigned int gen;
};

static void __attribute__((noinline)) access_page(const struct access *a)
{
	volatile uint64_t *w = (volatile uint64_t *)(a->v->va + a->foff);
	unsigned int i;

	if (a->write) {
		for (i = 0; i < PG / 8; i += 8)
			w[i] = word_of(a->foff + i * 8, a->gen);
		cnt(C_WRITES, 1);
	} else {
		check_words(a->v->name, w, a->foff, PG, 0);
		cnt(C_READS, 1);
	}
}

/* One write or checked read of a page; 1 if it raised SIGBUS (past the size). */
static int guarded_access(const struct access *a)
{
	if (sigsetjmp(tjb, 1)) {
		cnt(C_SIGBUS, 1);
		return 1;
	}
	tjb_armed = 1;
	access_page(a);
	tjb_armed = 0;
	return 0;
}

/* --- workers: park for audits, stop at the end ----------------------------------------- */

static pthread_t tids[MAX_THREADS];
static int ntids;

static void spawn(void *(*fn)(void *), long arg)
{
	int e;

	if (ntids == MAX_THREADS)
		xt_die("too many threads");
	e = pthread_create(&tids[ntids], NULL, fn, (void *)arg);
	if (e)
		xt_die("pthread_create: %s", strerror(e));
	ntids++;
}

static void join_all(void)
{
	while (ntids)
		pthread_join(tids[--ntids], NULL);
}

/* At the top of every worker iteration: park while paused; 0 once the case stops. */
static int worker_go(void)
{
	if (__atomic_load_n(&ctl->pause, __ATOMIC_ACQUIRE)) {
		__atomic_add_fetch(&ctl->parked, 1, __ATOMIC_ACQ_REL);
		while (__atomic_load_n(&ctl->pause, __ATOMIC_ACQUIRE) && !stopping())
			usleep(200);
		__atomic_sub_fetch(&ctl->parked, 1, __ATOMIC_ACQ_REL);
	}
	return !stopping();
}

static pid_t peer = -1;		/* the case's second process */

static int peer_alive(void)
{
	int st;

	if (peer <= 0)
		return 1;
	if (waitpid(peer, &st, WNOHANG) == peer) {
		xs_fail("second process ended early (%s %d)", WIFEXITED(st) ? "exit" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		peer = -1;
		return 0;
	}
	return 1;
}

/* Park all @n workers (every process); 0 if they do not within PARK_S (a hang). */
static int pause_workers(int n)
{
	double t0 = now_s();

	__atomic_store_n(&ctl->pause, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&ctl->parked, __ATOMIC_ACQUIRE) < n) {
		if (now_s() - t0 > PARK_S || !peer_alive()) {
			xs_fail("only %d of %d workers parked after %.0f s: a fault or a call hangs",
				__atomic_load_n(&ctl->parked, __ATOMIC_ACQUIRE), n, now_s() - t0);
			return 0;
		}
		usleep(500);
	}
	return 1;
}

static void resume_workers(void)
{
	__atomic_store_n(&ctl->pause, 0, __ATOMIC_RELEASE);
}

/* A round: park everyone, audit, go on.  0 if the case must end. */
static int audit_round(int workers, int *rounds)
{
	char where[64];
	int ok;

	if (!pause_workers(workers))
		return 0;
	snprintf(where, sizeof(where), "audit after round %d", *rounds + 1);
	ok = xt_conserved(fd, where);
	resume_workers();
	if (!ok)
		__atomic_store_n(&ctl->failed, 1, __ATOMIC_RELEASE);
	++*rounds;
	return ok;
}

/* End the workers of this process and of the second one; the second's status counts. */
static void stop_all(void)
{
	int st;

	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	resume_workers();
	join_all();
	if (peer > 0) {
		while (waitpid(peer, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			xt_fail("second process: %s %d", WIFEXITED(st) ? "exit status" : "signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		peer = -1;
	}
}

/* --- the case frame ------------------------------------------------------------------- */

static struct xdax_stats s_begin;
static double t_begin;

static void case_begin(void)
{
	struct xdax_stats s;
	int r;

	fd = xt_open(xt_dev);
	vfd = fd;
	info = xt_info(fd);
	if (info.align != BLK)
		xt_die("align %llu, this test assumes %lu", (unsigned long long)info.align, BLK);
	if (info.capacity < 4 * LEN)
		xt_die("capacity %llu too small", (unsigned long long)info.capacity);
	signals_init();
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED)
		xt_die("mmap shared: %s", strerror(errno));
	memset(ctl, 0, sizeof(*ctl));
	/* Every case starts from an empty file at full size, every block free. */
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	if (r)
		xt_die("truncate to 0 before the case: %s", strerror(-r));
	r = xt_set_size(fd, info.capacity, 0, 0, NULL);
	if (r)
		xt_die("grow to the capacity: %s", strerror(-r));
	s = xt_stats(fd);
	if (s.free != s.total)
		xt_die("%llu of %llu blocks free at the start", (unsigned long long)s.free,
		       (unsigned long long)s.total);
	s_begin = s;
	kmsg_begin();
	t_begin = now_s();
}

/* Every block frees again, the audit is clean, the kernel log holds nothing bad. */
static void case_end(const char *name)
{
	struct xdax_stats s;
	int r, i;

	prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	for (i = 0; i < nviews; i++)
		munmap(views[i].va, LEN);
	nviews = 0;
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "%s: final blocking truncate: %s", name, strerror(-r));
	s = xt_stats(fd);
	xt_expect(s.free == s.total, "%s: %llu of %llu blocks free after the final truncate "
		  "(%llu in use, %llu awaiting)", name, (unsigned long long)s.free,
		  (unsigned long long)s.total, (unsigned long long)s.in_use,
		  (unsigned long long)s.awaiting_reclaim);
	r = xt_set_size(fd, info.capacity, 0, 0, NULL);
	xt_expect(!r, "%s: grow back: %s", name, strerror(-r));
	xt_conserved(fd, name);
	kmsg_check(name);
}

/* A second process for the case: its own open, its own views, @body's threads. */
static void fork_peer(void (*body)(void))
{
	fflush(NULL);
	peer = fork();
	if (peer < 0)
		xt_die("fork: %s", strerror(errno));
	if (peer)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	peer = -1;
	xt_failures = 0;
	kmsg_fd = -1;
	vfd = xt_open(xt_dev);
	body();
	fflush(NULL);
	_exit(xt_failures ? 1 : 0);
}

/* --- the fault race (pte-pmd-thp-toggle, pte-pmd-two-views, integrity) ---------------- */

struct race_cfg {
	const char *name;
	int procs;		/* 1, or 2: a second process races with its own views */
	int pte_view;		/* a non-PMD-able view beside the PMD-able one */
	int toggle;		/* a PR_SET_THP_DISABLE toggler in each process */
	int faulters;		/* per view, per process */
};

static const struct race_cfg *cfg;

static void *faulter(void *arg)
{
	long id = (long)arg;
	const struct view *v = &views[id % nviews];
	uint64_t s = seed_of(id), r;
	struct access a = { .v = v };
	unsigned int gen = 0;
	uint64_t b;

	while (worker_go()) {
		r = rnd(&s);
		/* Half of the time the block, otherwise any of its neighbours. */
		b = (r & 1) ? 1 : (r >> 1) % NB;
		a.foff = b * BLK + ((r >> 8) % (BLK / PG)) * PG;
		a.write = (r >> 20) & 1;
		a.gen = ++gen;
		guarded_access(&a);
	}
	return NULL;
}

static void *toggler(void *arg)
{
	unsigned long on = 0;

	(void)arg;
	while (worker_go()) {
		on = !on;
		if (prctl(PR_SET_THP_DISABLE, on, 0, 0, 0)) {
			xs_fail("prctl(PR_SET_THP_DISABLE, %lu): %s", on, strerror(errno));
			break;
		}
		cnt(C_TOGGLE, 1);
		sched_yield();
	}
	prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	return NULL;
}

/*
 * MADV_DONTNEED: zap without truncate, so that the next access faults again.  In halves of
 * a block, never a whole page table: on kernels with CONFIG_PT_RECLAIM (6.14+) a
 * MADV_DONTNEED that covers a whole PTE table frees it, which can race the kernel's own
 * get_locked_pte() in vmf_insert_*() (VM_FAULT_OOM from any driver, whatever it orders).
 * Emptying the PMD slots is the re-mmap thread's job, under the mmap lock.
 */
static void *madviser(void *arg)
{
	uint64_t s = seed_of((long)arg), r, b;
	int i, half;

	while (worker_go()) {
		r = rnd(&s);
		for (i = 0; i < nviews; i++) {
			for (b = 0; b < NB; b++) {
				if ((r & 1) && b != (r >> 1) % NB)
					continue;	/* one block, or all of them */
				for (half = 0; half < 2; half++) {
					char *p = views[i].va + b * BLK + half * (BLK / 2);

					if (!madvise(p, BLK / 2, MADV_DONTNEED))
						continue;
					if (errno == ENOSYS)
						goto no_madvise;
					xs_fail("madvise(MADV_DONTNEED) %s %p: %s",
						views[i].name, p, strerror(errno));
				}
			}
			cnt(C_MADV, 1);
		}
		usleep(50 + (r >> 8) % 400);
	}
	return NULL;

no_madvise:
	/* tinyconfig kernels (the debug kernel) have no madvise: punches and re-mmaps zap. */
	xt_note("no madvise() in this kernel (CONFIG_ADVISE_SYSCALLS=n): zaps by punch, "
		"truncate and re-mmap only");
	while (worker_go())
		usleep(1000);
	return NULL;
}

static void *remapper(void *arg)
{
	uint64_t s = seed_of((long)arg), r;
	int i;

	while (worker_go()) {
		r = rnd(&s);
		usleep(1000 + r % 3000);
		if (!worker_go())
			break;
		for (i = 0; i < nviews; i++)
			view_remap(&views[i]);
		cnt(C_REMAP, 1);
	}
	return NULL;
}

static int race_workers_per_proc(void)
{
	return (cfg->pte_view ? 2 : 1) * cfg->faulters + cfg->toggle + 2;
}

/* The views and the workers of one process of the race. */
static void race_proc_start(long base)
{
	long i;

	view_pmd(&views[0], vfd);
	nviews = 1;
	if (cfg->pte_view) {
		view_pte(&views[1], vfd);
		nviews = 2;
	}
	for (i = 0; i < nviews * cfg->faulters; i++)
		spawn(faulter, base + i);
	if (cfg->toggle)
		spawn(toggler, base + 100);
	spawn(madviser, base + 101);
	spawn(remapper, base + 102);
}

static void race_peer(void)
{
	race_proc_start(1000);
	join_all();
}

/* One punch or truncate of the raced blocks; the errnos a call may give. */
static void punch_or_truncate(uint64_t *s)
{
	uint64_t r = rnd(s), sz;
	unsigned int k = r % 16;
	uint32_t fl;
	int e;

	if (k < 10) {
		/* One block, not waiting: the reaper gets whatever is still referenced. */
		e = xt_punch(fd, ((r >> 8) % NB) * BLK, BLK, XDAX_WAIT_NOWAIT, 0, NULL);
		if (e)
			xs_fail("PUNCH NOWAIT: %s", strerror(-e));
		cnt(C_PUNCH, 1);
	} else if (k < 13) {
		/* Every raced block, waiting a short while. */
		e = xt_punch(fd, 0, LEN, XDAX_WAIT_TIMEOUT, SHORT_NS, NULL);
		if (e && e != -ETIMEDOUT)
			xs_fail("PUNCH TIMEOUT: %s", strerror(-e));
		if (e)
			cnt(C_TIMEDOUT, 1);
		cnt(C_PUNCH, 1);
	} else {
		/* Truncate into (or below) the raced blocks, then grow back. */
		sz = ((r >> 8) % NB) * BLK;
		fl = (r >> 12) & 1 ? XDAX_WAIT_NOWAIT : XDAX_WAIT_TIMEOUT;
		e = xt_set_size(fd, sz, fl, fl == XDAX_WAIT_TIMEOUT ? SHORT_NS : 0, NULL);
		if (e && !(e == -ETIMEDOUT && fl == XDAX_WAIT_TIMEOUT))
			xs_fail("SET_SIZE %#llx %s: %s", (unsigned long long)sz,
				fl == XDAX_WAIT_NOWAIT ? "NOWAIT" : "TIMEOUT", strerror(-e));
		if (e)
			cnt(C_TIMEDOUT, 1);
		usleep((r >> 16) % 300);	/* faults past the size meanwhile: SIGBUS */
		e = xt_set_size(fd, info.capacity, 0, 0, NULL);
		if (e)
			xs_fail("SET_SIZE back to the capacity: %s", strerror(-e));
		cnt(C_TRUNC, 1);
	}
}

static void fault_figures(const char *name, int threads, int rounds)
{
	struct xdax_stats s = xt_stats(fd);
	unsigned long long pte = s.pte_faults - s_begin.pte_faults;
	unsigned long long pmd = s.pmd_faults - s_begin.pmd_faults;

	xt_note("figure: %s: %d threads in %d process(es), %.1f s, %d rounds (audits), "
		"%llu faults (%llu pte, %llu pmd), %lu punches, %lu truncates, %lu timed out, "
		"%lu words checked, %lu page writes, %lu page reads, %lu SIGBUS, %lu THP toggles, "
		"%lu madvise, %lu re-mmaps, %llu blocks zeroed", name, threads,
		cfg ? cfg->procs : 1, now_s() - t_begin, rounds, pte + pmd, pte, pmd,
		ctr(C_PUNCH), ctr(C_TRUNC), ctr(C_TIMEDOUT), ctr(C_WORDS), ctr(C_WRITES),
		ctr(C_READS), ctr(C_SIGBUS), ctr(C_TOGGLE), ctr(C_MADV), ctr(C_REMAP),
		(unsigned long long)(s.zeroed - s_begin.zeroed));
	/* The race must have happened at all: both fault sizes, punches, reads. */
	xt_expect(pte && pmd, "%s: the race needs both fault sizes: %llu pte, %llu pmd faults",
		  name, pte, pmd);
	xt_expect(ctr(C_PUNCH) && ctr(C_WORDS) && ctr(C_WRITES),
		  "%s: the race did not run (punches %lu, words %lu, writes %lu)", name,
		  ctr(C_PUNCH), ctr(C_WORDS), ctr(C_WRITES));
}

static void fault_race(const struct race_cfg *c)
{
	int workers, rounds = 0, since = 0;
	double end, t_round;
	uint64_t s;

	cfg = c;
	case_begin();
	s = seed_of(-1);
	workers = race_workers_per_proc() * c->procs;
	if (c->procs > 1)
		fork_peer(race_peer);
	race_proc_start(0);
	end = t_begin + secs;
	t_round = now_s() + ROUND_S;
	while (now_s() < end && !failed()) {
		punch_or_truncate(&s);
		usleep(100 + rnd(&s) % 400);
		if (++since >= ROUND_PUNCHES || now_s() >= t_round) {
			since = 0;
			if (!audit_round(workers, &rounds))
				break;
			t_round = now_s() + ROUND_S;
		}
	}
	if (!failed())
		audit_round(workers, &rounds);
	stop_all();
	fault_figures(c->name, workers, rounds);
	case_end(c->name);
}

static void case_thp_toggle(void)
{
	static const struct race_cfg c = {
		.name = "pte-pmd-thp-toggle", .procs = 1, .pte_view = 0, .toggle = 1,
		.faulters = 8,
	};

	fault_race(&c);
}

static void case_two_views(void)
{
	static const struct race_cfg c = {
		.name = "pte-pmd-two-views", .procs = 2, .pte_view = 1, .toggle = 0,
		.faulters = 4,
	};

	fault_race(&c);
}

static void case_integrity(void)
{
	static const struct race_cfg c = {
		.name = "integrity", .procs = 2, .pte_view = 1, .toggle = 1, .faulters = 4,
	};

	fault_race(&c);
}

/* --- hole-zeroed-once ----------------------------------------------------------------- */

#define HZ_PER_PROC	4	/* threads per process: 2 per view */
#define HZ_PROCS	2
#define HZ_THREADS	(HZ_PER_PROC * HZ_PROCS)
#define HZ_MAX_ROUNDS	200
#define HZ_MIN_ROUNDS	3

static void bar_wait(void)
{
	int e = pthread_barrier_wait(&ctl->bar);

	if (e && e != PTHREAD_BARRIER_SERIAL_THREAD)
		xt_die("pthread_barrier_wait: %s", strerror(e));
}

/* The word thread @t writes into hole @h in round @round. */
static uint64_t hz_foff(int h, int t)
{
	return (uint64_t)h * BLK + (uint64_t)t * 64;
}

static void *hz_worker(void *arg)
{
	long t = (long)arg;	/* 0 .. HZ_THREADS - 1 over both processes */
	const struct view *v = &views[t % 2];
	struct access a = { .v = v, .write = 1 };
	volatile uint64_t *w;
	int round, i, h, u;
	uint64_t got, want;

	for (;;) {
		bar_wait();	/* start: the holes are there */
		round = __atomic_load_n(&ctl->round, __ATOMIC_ACQUIRE);
		if (stopping())
			break;
		/* Everyone touches the same hole at the same moment, then the next one. */
		for (i = 0; i < NB; i++) {
			h = (round + i) % NB;
			a.foff = hz_foff(h, t);
			a.gen = round + 1;
			if (guarded_access(&a))
				xs_fail("round %d: thread %ld: SIGBUS writing hole %d", round, t, h);
		}
		bar_wait();	/* touched */
		bar_wait();	/* checked by the coordinator */
		/* One block per offset: every thread's word is there, through every view. */
		for (h = 0; h < NB; h++) {
			for (u = 0; u < HZ_THREADS; u++) {
				w = (volatile uint64_t *)(v->va + hz_foff(h, u));
				want = word_of(hz_foff(h, u), round + 1);
				got = *w;
				cnt(C_WORDS, 1);
				if (got != want)
					xs_fail("round %d: thread %ld (%s, pid %d) reads %#llx at file "
						"offset %#llx where thread %d wrote %#llx: not one block "
						"per offset", round, t, v->name, getpid(),
						(unsigned long long)got,
						(unsigned long long)hz_foff(h, u), u,
						(unsigned long long)want);
			}
		}
		bar_wait();	/* verified */
	}
	return NULL;
}

static void hz_peer(void)
{
	long t;

	view_pmd(&views[0], vfd);
	view_pte(&views[1], vfd);
	nviews = 2;
	for (t = HZ_PER_PROC; t < HZ_THREADS; t++)
		spawn(hz_worker, t);
	join_all();
}

static void case_hole_zeroed_once(void)
{
	pthread_barrierattr_t ba;
	struct xdax_stats s0, s1;
	unsigned long long filled = 0, zeroed = 0, excess_rounds = 0;
	uint64_t blocks[NB];
	int round, h, j, e, in_use;
	struct xdax_query q;
	double end;
	long t;

	case_begin();
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	e = pthread_barrier_init(&ctl->bar, &ba, HZ_THREADS + 1);
	if (e)
		xt_die("pthread_barrier_init: %s", strerror(e));
	view_pmd(&views[0], vfd);
	view_pte(&views[1], vfd);
	nviews = 2;
	fork_peer(hz_peer);
	for (t = 0; t < HZ_PER_PROC; t++)
		spawn(hz_worker, t);
	end = t_begin + secs;
	for (round = 0; round < HZ_MAX_ROUNDS && (round < HZ_MIN_ROUNDS || now_s() < end);
	     round++) {
		/* Holes again: every raced block freed (nothing pins them). */
		e = xt_punch(fd, 0, LEN, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
		if (e) {
			xs_fail("round %d: blocking punch: %s", round, strerror(-e));
			break;
		}
		s0 = xt_stats(fd);
		if (s0.in_use || s0.awaiting_reclaim) {
			xs_fail("round %d: %llu blocks in use, %llu awaiting after the punch", round,
				(unsigned long long)s0.in_use,
				(unsigned long long)s0.awaiting_reclaim);
			break;
		}
		__atomic_store_n(&ctl->round, round, __ATOMIC_RELEASE);
		bar_wait();	/* start */
		bar_wait();	/* touched */
		s1 = xt_stats(fd);
		in_use = 0;
		for (h = 0; h < NB; h++) {
			q = xt_query(fd, (uint64_t)h * BLK);
			blocks[h] = q.block;
			if (q.state != XDAX_BLOCK_IN_USE) {
				xt_fail("round %d: hole %d not filled (state %u)", round, h, q.state);
				continue;
			}
			in_use++;
			for (j = 0; j < h; j++)
				if (blocks[j] == q.block)
					xt_fail("round %d: offsets %d and %d share block %llu", round,
						j, h, (unsigned long long)q.block);
		}
		if (s1.in_use != (uint64_t)in_use)
			xt_fail("round %d: %llu blocks in use for %d filled holes", round,
				(unsigned long long)s1.in_use, in_use);
		filled += in_use;
		zeroed += s1.zeroed - s0.zeroed;
		if (s1.zeroed - s0.zeroed != (uint64_t)in_use) {
			if (excess_rounds++ < 5)
				xt_fail("round %d: %d holes filled by %d threads at once, but zeroed "
					"grew by %llu: a hole was zeroed more than once", round,
					in_use, HZ_THREADS,
					(unsigned long long)(s1.zeroed - s0.zeroed));
			else
				xt_failures++;
		}
		bar_wait();	/* checked */
		bar_wait();	/* verified */
	}
	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	bar_wait();	/* start: the workers see stop and end */
	stop_all();
	xt_note("figure: hole-zeroed-once: %d threads in %d processes (PMD and PTE views), "
		"%d rounds, %d holes per round, %llu holes filled, zeroed grew by %llu, %llu "
		"round(s) with a hole zeroed more than once, %lu words checked", HZ_THREADS,
		HZ_PROCS, round, NB, filled, zeroed, excess_rounds, ctr(C_WORDS));
	xt_expect(filled == (unsigned long long)round * NB,
		  "%llu holes filled over %d rounds of %d", filled, round, NB);
	xt_expect(zeroed == filled, "zeroed grew by %llu for %llu holes filled", zeroed, filled);
	case_end("hole-zeroed-once");
}

/* --- pin-vs-punch (1.7) --------------------------------------------------------------- */

/*
 * Many PMD-able views of the same blocks: a punch zaps them one VMA after the other
 * (unmap_mapping_pages walks the file's i_mmap), so the last ones still map a block for a
 * while after it left the file.  Threads pin and splice through any of them.
 */
static void pin_views(void)
{
	for (nviews = 0; nviews < PIN_VIEWS; nviews++)
		view_pmd(&views[nviews], fd);
}

#define PP_TOUCHERS	3
#define PP_PINNERS	8
#define PP_PUNCHERS	3
#define PP_TRUNCATERS	1
#define HOT		1	/* the block most threads of a pin/gup race go for */

/* Three times in four the hot block, else any of the raced blocks. */
static uint64_t pick_block(uint64_t r)
{
	return (r & 3) ? HOT : (r >> 2) % NB;
}

static void *toucher(void *arg)
{
	long id = (long)arg;
	uint64_t s = seed_of(id), r;
	struct access a = { 0 };
	unsigned int gen = 0;

	while (worker_go()) {
		r = rnd(&s);
		a.v = &views[(r >> 32) % nviews];
		a.foff = pick_block(r) * BLK + ((r >> 8) % (BLK / PG)) * PG;
		a.write = (r >> 4) & 1;
		a.gen = ++gen;
		guarded_access(&a);
	}
	return NULL;
}

static void spin_us(unsigned int us)
{
	double t = now_s() + us / 1e6;

	while (now_s() < t)
		;
}

static void *pinner(void *arg)
{
	long id = (long)arg;
	uint64_t s = seed_of(id), r;
	struct xdax_pin p;
	char *a;
	int e;

	while (worker_go()) {
		r = rnd(&s);
		a = views[(r >> 32) % nviews].va + pick_block(r) * BLK;
		memset(&p, 0, sizeof(p));
		p.size = sizeof(p);
		if (!((r >> 4) % 4)) {
			p.length = BLK;		/* the whole PMD-mapped block */
		} else {
			a += ((r >> 8) % (BLK / PG)) * PG;
			p.length = PG;
		}
		p.addr = (uintptr_t)a;
		p.flags = (r >> 20) & 1 ? XDAX_PIN_READONLY : 0;
		if (ioctl(fd, XDAX_IOC_PIN, &p)) {
			e = errno;
			if (e == EFAULT) {	/* past the size: GUP found SIGBUS */
				cnt(C_PIN_EFAULT, 1);
				continue;
			}
			xs_fail("PIN %p+%#llx%s: %s", a, (unsigned long long)p.length,
				p.flags ? " read-only" : "", strerror(e));
			continue;
		}
		cnt(p.length == BLK ? C_PIN_BIG : C_PIN, 1);
		/*
		 * Mostly released at once; one in 16 held long enough for NOWAIT punches to
		 * leave its block awaiting reclaim, which keeps the reaper going.
		 */
		if (!((r >> 24) % 16))
			usleep(1000 + (r >> 28) % 2000);
		else
			spin_us((r >> 28) % 20);
		e = xt_unpin(fd, p.id);
		if (e)
			xs_fail("UNPIN %llu: %s", (unsigned long long)p.id, strerror(-e));
	}
	return NULL;
}

static void *puncher(void *arg)
{
	uint64_t s = seed_of((long)arg), r;
	int e;

	while (worker_go()) {
		r = rnd(&s);
		e = xt_punch(fd, pick_block(r) * BLK, BLK, XDAX_WAIT_NOWAIT, 0, NULL);
		if (e)
			xs_fail("PUNCH NOWAIT: %s", strerror(-e));
		cnt(C_PUNCH, 1);
		usleep((r >> 8) % 100);
	}
	return NULL;
}

/*
 * Blocking truncates of the same blocks (every pin is short, so each one ends), now and
 * then: while the file is short, pins and faults there only get EFAULT and SIGBUS.
 */
static void *truncater(void *arg)
{
	uint64_t s = seed_of((long)arg), r, sz;
	int e;

	while (worker_go()) {
		r = rnd(&s);
		usleep(5000 + r % 15000);
		if (!worker_go())
			break;
		sz = (HOT + (r >> 16) % (NB - HOT)) * BLK;
		e = xt_set_size(fd, sz, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
		if (e)
			xs_fail("blocking SET_SIZE %#llx (pins are at most 3 ms): %s",
				(unsigned long long)sz, strerror(-e));
		e = xt_set_size(fd, info.capacity, 0, 0, NULL);
		if (e)
			xs_fail("SET_SIZE back to the capacity: %s", strerror(-e));
		cnt(C_TRUNC, 1);
	}
	return NULL;
}

/* The main thread of a pin/gup race: audit after every round until time is up. */
static int coordinate(int workers)
{
	unsigned long next = ROUND_PUNCHES;
	double end = t_begin + secs, t_round = now_s() + ROUND_S;
	int rounds = 0;

	while (now_s() < end && !failed()) {
		usleep(5000);
		if (ctr(C_PUNCH) + ctr(C_TRUNC) >= next || now_s() >= t_round) {
			if (!audit_round(workers, &rounds))
				break;
			next = ctr(C_PUNCH) + ctr(C_TRUNC) + ROUND_PUNCHES;
			t_round = now_s() + ROUND_S;
		}
	}
	if (!failed())
		audit_round(workers, &rounds);
	stop_all();
	return rounds;
}

static void case_pin_vs_punch(void)
{
	int workers = PP_TOUCHERS + PP_PINNERS + PP_PUNCHERS + PP_TRUNCATERS, rounds;
	struct xdax_stats s;
	long i;

	case_begin();
	pin_views();
	for (i = 0; i < PP_TOUCHERS; i++)
		spawn(toucher, i);
	for (i = 0; i < PP_PINNERS; i++)
		spawn(pinner, 10 + i);
	for (i = 0; i < PP_PUNCHERS; i++)
		spawn(puncher, 20 + i);
	spawn(truncater, 30);
	rounds = coordinate(workers);
	s = xt_stats(fd);
	xt_note("figure: pin-vs-punch: %d threads (%d pinners, %d touchers, %d NOWAIT punchers, "
		"1 blocking truncater), %d PMD-able views, %.1f s, %d rounds (audits), %lu 4 KiB pins, %lu 2 MiB pins, "
		"%lu pins EFAULT, %lu punches, %lu truncates, %llu pmd faults, %llu reclaim events, "
		"%lu words checked", workers, PP_PINNERS, PP_TOUCHERS, PP_PUNCHERS,
		PIN_VIEWS, now_s() - t_begin, rounds, ctr(C_PIN), ctr(C_PIN_BIG), ctr(C_PIN_EFAULT),
		ctr(C_PUNCH), ctr(C_TRUNC),
		(unsigned long long)(s.pmd_faults - s_begin.pmd_faults),
		(unsigned long long)(s.reclaim_events - s_begin.reclaim_events), ctr(C_WORDS));
	xt_expect(ctr(C_PIN) && ctr(C_PIN_BIG) && ctr(C_PUNCH) && ctr(C_TRUNC) &&
		  s.pmd_faults > s_begin.pmd_faults,
		  "the race did not run (pins %lu/%lu, punches %lu, truncates %lu, pmd faults %llu)",
		  ctr(C_PIN), ctr(C_PIN_BIG), ctr(C_PUNCH), ctr(C_TRUNC),
		  (unsigned long long)(s.pmd_faults - s_begin.pmd_faults));
	xt_expect(s.pinned_pages == 0, "%llu pages still pinned after every UNPIN",
		  (unsigned long long)s.pinned_pages);
	case_end("pin-vs-punch");
}

/* --- gupfast-vs-punch (1.2) ----------------------------------------------------------- */

#define GF_SPLICERS	8
#define GF_PINNERS	2
#define GF_WRITERS	2
#define GF_PUNCHERS	2
#define GF_MAX_PAGES	16	/* one vmsplice: up to 64 KiB, the default pipe size */

/*
 * vmsplice takes page references with gup-fast (FOLL_GET, not long-term: on 6.1 and 6.12
 * the devmap PMD is walked locklessly).  The pipe then holds the pages; whatever it gives
 * back must be 0 or the words of the offsets it came from, even after a punch (the block
 * is awaiting reclaim until the pipe is drained, never reused meanwhile).
 */
static void *splicer(void *arg)
{
	long id = (long)arg;
	uint64_t s = seed_of(id), r, foff;
	uint64_t *buf = malloc(GF_MAX_PAGES * PG);
	unsigned int npg;
	struct iovec iov;
	ssize_t n, got, k;
	int pfd[2];

	if (pipe(pfd) || !buf)
		xt_die("pipe: %s", strerror(errno));
	while (worker_go()) {
		r = rnd(&s);
		npg = 1 + (r >> 2) % GF_MAX_PAGES;
		foff = pick_block(r >> 40) * BLK + ((r >> 8) % (BLK / PG - npg + 1)) * PG;
		iov.iov_base = views[(r >> 32) % nviews].va + foff;
		iov.iov_len = npg * PG;
		n = vmsplice(pfd[1], &iov, 1, 0);
		if (n < 0) {
			if (errno == EFAULT) {	/* past the size */
				cnt(C_SPLICE_EFAULT, 1);
				continue;
			}
			xs_fail("vmsplice %u pages at %#llx: %s", npg, (unsigned long long)foff,
				strerror(errno));
			continue;
		}
		cnt(C_SPLICE, 1);
		/* Let a punch come between the reference and the read, sometimes. */
		if (!((r >> 24) % 4))
			usleep((r >> 26) % 200);
		for (got = 0; got < n; got += k) {
			k = read(pfd[0], (char *)buf + got, n - got);
			if (k <= 0) {
				xs_fail("read from the pipe: %s", k ? strerror(errno) : "EOF");
				break;
			}
		}
		if (got == n)
			check_words("vmsplice", buf, foff, n, 1);
	}
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
	return NULL;
}

/* pin_user_pages_fast through XDAX_IOC_PIN, pinned and released at once. */
static void *fast_pinner(void *arg)
{
	uint64_t s = seed_of((long)arg), r;
	struct xdax_pin p;
	int e;

	while (worker_go()) {
		r = rnd(&s);
		memset(&p, 0, sizeof(p));
		p.size = sizeof(p);
		p.addr = (uintptr_t)views[(r >> 32) % nviews].va + pick_block(r) * BLK +
			 ((r >> 8) % (BLK / PG)) * PG;
		p.length = PG;
		if (ioctl(fd, XDAX_IOC_PIN, &p)) {
			e = errno;
			if (e == EFAULT)
				cnt(C_PIN_EFAULT, 1);
			else
				xs_fail("PIN %#llx: %s", (unsigned long long)p.addr, strerror(e));
			continue;
		}
		cnt(C_PIN, 1);
		e = xt_unpin(fd, p.id);
		if (e)
			xs_fail("UNPIN %llu: %s", (unsigned long long)p.id, strerror(-e));
	}
	return NULL;
}

static void case_gupfast_vs_punch(void)
{
	int workers = GF_SPLICERS + GF_PINNERS + GF_WRITERS + GF_PUNCHERS, rounds;
	struct xdax_stats s;
	long i;

	case_begin();
	pin_views();
	for (i = 0; i < GF_SPLICERS; i++)
		spawn(splicer, i);
	for (i = 0; i < GF_PINNERS; i++)
		spawn(fast_pinner, 10 + i);
	for (i = 0; i < GF_WRITERS; i++)
		spawn(toucher, 20 + i);
	for (i = 0; i < GF_PUNCHERS; i++)
		spawn(puncher, 30 + i);
	rounds = coordinate(workers);
	s = xt_stats(fd);
	xt_note("figure: gupfast-vs-punch: %d threads (%d vmsplice, %d pin_user_pages_fast, "
		"%d writers, %d NOWAIT punchers), %d PMD-able views, %.1f s, %d rounds (audits), %lu vmsplices "
		"(%lu EFAULT), %lu pins (%lu EFAULT), %lu punches, %llu pmd faults, %llu reclaim "
		"events, %lu words checked", workers, GF_SPLICERS, GF_PINNERS, GF_WRITERS,
		GF_PUNCHERS, PIN_VIEWS, now_s() - t_begin, rounds, ctr(C_SPLICE), ctr(C_SPLICE_EFAULT),
		ctr(C_PIN), ctr(C_PIN_EFAULT), ctr(C_PUNCH),
		(unsigned long long)(s.pmd_faults - s_begin.pmd_faults),
		(unsigned long long)(s.reclaim_events - s_begin.reclaim_events), ctr(C_WORDS));
	xt_expect(ctr(C_SPLICE) && ctr(C_PIN) && ctr(C_PUNCH) && s.pmd_faults > s_begin.pmd_faults,
		  "the race did not run (vmsplices %lu, pins %lu, punches %lu, pmd faults %llu)",
		  ctr(C_SPLICE), ctr(C_PIN), ctr(C_PUNCH),
		  (unsigned long long)(s.pmd_faults - s_begin.pmd_faults));
	case_end("gupfast-vs-punch");
}

static const struct xt_case cases[] = {
	{ "pte-pmd-thp-toggle", case_thp_toggle,
	  "1.1: PTE and PMD faults on one block in one mm (PR_SET_THP_DISABLE toggled) vs punch" },
	{ "pte-pmd-two-views", case_two_views,
	  "1.1: PMD-able and PTE-only views of the same blocks, two processes, vs punch" },
	{ "hole-zeroed-once", case_hole_zeroed_once,
	  "1.1: threads touching one hole at once: zeroed once, one block per offset" },
	{ "integrity", case_integrity,
	  "2: offset-encoded words stay at their offset through faults of both sizes and punches" },
	{ "pin-vs-punch", case_pin_vs_punch,
	  "1.7: XDAX_IOC_PIN (4 KiB, 2 MiB) of PMD-mapped blocks vs NOWAIT punch and truncate" },
	{ "gupfast-vs-punch", case_gupfast_vs_punch,
	  "1.2: vmsplice (gup-fast) and pin_user_pages_fast of PMD-mapped blocks vs NOWAIT punch" },
	{ 0 },
};

int main(int argc, char **argv)
{
	/* -s SECONDS: the length of each racing case (the guest passes race_seconds). */
	if (argc > 2 && !strcmp(argv[1], "-s")) {
		secs = atoi(argv[2]);
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (!secs)
		secs = 1;
	return xt_run(argc, argv, cases);
}
