// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_runas [-l MEMLOCK_BYTES] UID GID[,GID...] PROGRAM [ARGS...]: run PROGRAM as an
 * unprivileged user, for the guest tests of what other users can and cannot do.  The first
 * GID is the primary group, the rest the supplementary groups.  setuid() to a nonzero uid
 * drops every capability (no SECBIT_KEEP_CAPS), so PROGRAM runs as a plain user would.
 * -l sets RLIMIT_MEMLOCK (soft and hard) first.  Exits 125 if it cannot switch, else
 * PROGRAM's status (execvp never returns on success).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_GIDS	16

static void die(const char *what)
{
	fprintf(stderr, "xdax_runas: %s: %s\n", what, strerror(errno));
	exit(125);
}

int main(int argc, char **argv)
{
	gid_t gids[MAX_GIDS];
	int i = 1, ngids = 0;
	char *s, *end;
	uid_t uid;

	if (argc > 2 && !strcmp(argv[1], "-l")) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = strtoull(argv[2], NULL, 0);
		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			die("setrlimit(RLIMIT_MEMLOCK)");
		i = 3;
	}
	if (argc - i < 3) {
		fprintf(stderr, "usage: xdax_runas [-l MEMLOCK] UID GID[,GID...] PROGRAM [ARGS...]\n");
		return 125;
	}
	uid = strtoul(argv[i], &end, 10);
	if (*end || !uid) {
		fprintf(stderr, "xdax_runas: bad uid %s (must be a nonzero number)\n", argv[i]);
		return 125;
	}
	for (s = argv[i + 1]; *s && ngids < MAX_GIDS; s = *end ? end + 1 : end) {
		gids[ngids++] = strtoul(s, &end, 10);
		if (*end && *end != ',') {
			fprintf(stderr, "xdax_runas: bad gid list %s\n", argv[i + 1]);
			return 125;
		}
	}
	if (!ngids) {
		fprintf(stderr, "xdax_runas: no gid\n");
		return 125;
	}
	if (setgroups(ngids - 1, gids + 1))
		die("setgroups");
	if (setresgid(gids[0], gids[0], gids[0]))
		die("setresgid");
	if (setresuid(uid, uid, uid))
		die("setresuid");
	/* Check, do not assume. */
	if (!geteuid() || !getuid() || getegid() != gids[0])
		die("still privileged");
	execvp(argv[i + 2], argv + i + 2);
	die(argv[i + 2]);
	return 125;
}
