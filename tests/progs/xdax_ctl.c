// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_ctl: the xdax ioctls from the shell, for the guest test scripts.
 *
 *   xdax_ctl DEV stats                  every stats field, one name=value per line
 *   xdax_ctl DEV audit                  exit 0 only if the audit is clean and the blocks
 *                                       are conserved (xt_conserved)
 *   xdax_ctl DEV set-size BYTES [nowait]
 *   xdax_ctl DEV punch OFF LEN [nowait] print freed= and pending=
 *   xdax_ctl DEV query OFF              print block=, state=, refcount=, mapcount=
 *
 * Numbers are decimal or 0x-prefixed hex.  Exit status: 0 on success, 1 if the ioctl
 * failed (its errno is printed) or the audit did not hold, 2 on a usage error.
 */
#include "xdax_test.h"

static const char *prog = "xdax_ctl";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s DEV stats\n"
		"       %s DEV audit\n"
		"       %s DEV set-size BYTES [nowait]\n"
		"       %s DEV punch OFF LEN [nowait]\n"
		"       %s DEV query OFF\n", prog, prog, prog, prog, prog);
	exit(2);
}

static uint64_t number(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "%s: not a number: '%s'\n", prog, s);
		exit(2);
	}
	return v;
}

/* wait_flags(argc, argv, i): XDAX_WAIT_NOWAIT if argv[i] is "nowait", 0 if absent. */
static uint32_t wait_flags(int argc, char **argv, int i)
{
	if (argc == i)
		return 0;
	if (argc == i + 1 && !strcmp(argv[i], "nowait"))
		return XDAX_WAIT_NOWAIT;
	usage();
	return 0;
}

static const char *state_name(uint32_t state)
{
	switch (state) {
	case XDAX_BLOCK_FREE:
		return "free";
	case XDAX_BLOCK_IN_USE:
		return "in_use";
	case XDAX_BLOCK_AWAITING_RECLAIM:
		return "awaiting_reclaim";
	case XDAX_BLOCK_HOLE:
		return "hole";
	}
	return "unknown";
}

static int print_stats(int fd)
{
	struct xdax_stats s = xt_stats(fd);

#define P(f) printf(#f "=%llu\n", (unsigned long long)s.f)
	P(file_size);
	P(total);
	P(free);
	P(in_use);
	P(awaiting_reclaim);
	P(page_free_calls);
	P(kernel_free_calls);
	P(anomalies);
	P(pte_faults);
	P(pmd_faults);
	P(reclaim_events);
	P(pinned_pages);
	P(zeroed);
#undef P
	return 0;
}

static int report(const char *what, int r, uint64_t freed, uint64_t pending)
{
	if (r) {
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-r));
		return 1;
	}
	printf("freed=%llu\npending=%llu\n", (unsigned long long)freed,
	       (unsigned long long)pending);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int fd;

	if (argc < 3)
		usage();
	cmd = argv[2];
	fd = xt_open(argv[1]);

	if (!strcmp(cmd, "stats") && argc == 3)
		return print_stats(fd);

	if (!strcmp(cmd, "audit") && argc == 3) {
		struct xdax_stats s;

		if (!xt_conserved(fd, argv[1]))
			return xt_exit(prog);
		s = xt_stats(fd);
		printf("conserved: total=%llu free=%llu in_use=%llu awaiting_reclaim=%llu\n",
		       (unsigned long long)s.total, (unsigned long long)s.free,
		       (unsigned long long)s.in_use, (unsigned long long)s.awaiting_reclaim);
		return 0;
	}

	if (!strcmp(cmd, "set-size") && argc >= 4) {
		uint32_t flags = wait_flags(argc, argv, 4);
		struct xdax_set_size st;
		int r = xt_set_size(fd, number(argv[3]), flags, 0, &st);

		return report("XDAX_IOC_SET_SIZE", r, st.freed, st.pending);
	}

	if (!strcmp(cmd, "punch") && argc >= 5) {
		uint32_t flags = wait_flags(argc, argv, 5);
		struct xdax_punch st;
		int r = xt_punch(fd, number(argv[3]), number(argv[4]), flags, 0, &st);

		return report("XDAX_IOC_PUNCH", r, st.freed, st.pending);
	}

	if (!strcmp(cmd, "query") && argc == 4) {
		struct xdax_query q = { .size = sizeof(q), .offset = number(argv[3]) };

		if (ioctl(fd, XDAX_IOC_QUERY, &q)) {
			fprintf(stderr, "%s: XDAX_IOC_QUERY: %s\n", prog, strerror(errno));
			return 1;
		}
		printf("block=%lld\nstate=%s\nrefcount=%d\nmapcount=%d\n",
		       q.block == ~0ULL ? -1LL : (long long)q.block, state_name(q.state),
		       q.refcount, q.mapcount);
		return 0;
	}

	usage();
	return 2;
}
