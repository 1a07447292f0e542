// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_sync DEV [CASE...]: /dev/xdaxN behaves like a file where sync calls expect one.
 *
 *   sync-calls   map two blocks (PMD) of a written device and one page (PTE) of a third;
 *                msync(MS_SYNC), msync(MS_ASYNC), msync(MS_INVALIDATE), msync of one page,
 *                fsync, fdatasync, and the same through a second open file and on a file
 *                with no mapping, all return 0 and the data is unchanged; a sync of a
 *                mapping whose file was truncated under it (range past the size) and of a
 *                range past the capacity (sync_file_range is not offered: fsync semantics)
 *                returns 0 too
 *   mmap-dio     the xfstests t_mmap_dio sequence on a file system on a disk: map the
 *                device, write a pattern, O_DIRECT write from the mapping into a file,
 *                fsync the file, msync(MS_SYNC) the mapping, clear the mapping, O_DIRECT
 *                read back into it, msync again, compare.  The directory of a mounted file
 *                system is XDAX_SYNC_DIR (skip without it).
 *
 * Before xdax had an fsync operation every msync(MS_SYNC)/fsync/fdatasync here failed
 * EINVAL (vfs_fsync_range() without ->fsync).  Every case audits the device and leaves it
 * at its capacity with nothing allocated.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "xdax_test.h"

#define BLK	(2UL << 20)
#define PG	4096UL
#define SEED	0x6d6d61705f64696fULL
#define WAIT_NS	5000000000ULL

static void *map_dev(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		xt_die("mmap %#zx at %#llx: %s", len, (unsigned long long)off, strerror(errno));
	return p;
}

/* Every call here must return 0: today's answer is recorded by name. */
#define expect_zero(call) do {							\
	errno = 0;								\
	if ((call))								\
		xt_fail("%s: %s (errno %d)", #call, strerror(errno), errno);	\
} while (0)

static void verify(const void *p, size_t len, uint64_t seed, const char *when)
{
	size_t bad = xt_verify(p, len, seed);

	xt_expect(bad == (size_t)-1, "%s: data changed at byte %#zx", when, bad);
}

/* Back to the full capacity with nothing allocated (the next case starts clean). */
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

static void sync_calls(void)
{
	int fd = xt_open(xt_dev), fd2 = xt_open(xt_dev), fd3 = xt_open(xt_dev);
	struct xdax_info info = xt_info(fd);
	char *a, *b, *c;
	int r;

	reset(fd, "start");
	a = map_dev(fd, 2 * BLK, 0);			/* two blocks, PMD-mapped */
	c = map_dev(fd, PG, 2 * BLK + 5 * PG);		/* one page of a third, PTE-mapped */
	xt_fill(a, 2 * BLK, SEED);
	xt_fill(c, PG, SEED + 1);

	expect_zero(msync(a, 2 * BLK, MS_SYNC));
	expect_zero(msync(a, 2 * BLK, MS_ASYNC));
	expect_zero(msync(a, 2 * BLK, MS_INVALIDATE));
	expect_zero(msync(a, 2 * BLK, MS_SYNC | MS_INVALIDATE));
	expect_zero(msync(a + BLK + 3 * PG, PG, MS_SYNC));
	expect_zero(msync(c, PG, MS_SYNC));
	expect_zero(fsync(fd));
	expect_zero(fdatasync(fd));
	expect_zero(fsync(fd2));		/* another open file of the same device */
	expect_zero(fdatasync(fd2));
	verify(a, 2 * BLK, SEED, "after the syncs");
	verify(c, PG, SEED + 1, "after the syncs (PTE page)");

	/* Seen through another mapping of another open file: the same memory. */
	b = map_dev(fd2, 2 * BLK, 0);
	verify(b, 2 * BLK, SEED, "through a second mapping");
	expect_zero(msync(b, 2 * BLK, MS_SYNC));
	munmap(b, 2 * BLK);

	/* A file with no mapping of its own. */
	expect_zero(fsync(fd3));
	expect_zero(fdatasync(fd3));

	/*
	 * The file truncated to one block under the mapping: msync of the whole mapping
	 * syncs a range past the size (the second block's pages are gone from it).
	 */
	r = xt_set_size(fd2, BLK, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "SET_SIZE %#lx: %s", BLK, strerror(-r));
	expect_zero(msync(a, 2 * BLK, MS_SYNC));
	expect_zero(msync(a + BLK, BLK, MS_SYNC));
	expect_zero(fsync(fd));
	verify(a, BLK, SEED, "first block after the truncate and sync");
	r = xt_set_size(fd2, info.capacity, XDAX_WAIT_TIMEOUT, WAIT_NS, NULL);
	xt_expect(!r, "SET_SIZE capacity: %s", strerror(-r));

	munmap(a, 2 * BLK);
	munmap(c, PG);
	close(fd2);
	close(fd3);
	reset(fd, "end");
	close(fd);
}

static void mmap_dio(void)
{
	const char *dir = getenv("XDAX_SYNC_DIR");
	const size_t len = 2 * BLK + 3 * PG;	/* two PMD blocks and PTE pages of a third */
	char path[256];
	int fd, ffd;
	char *m;
	ssize_t n;

	if (!dir || !*dir)
		xt_skip("XDAX_SYNC_DIR (a mounted file system) not given");
	snprintf(path, sizeof(path), "%s/t_mmap_dio.%d", dir, getpid());
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600);
	if (ffd < 0)
		xt_die("open %s O_DIRECT: %s", path, strerror(errno));
	fd = xt_open(xt_dev);
	reset(fd, "start");
	m = map_dev(fd, 3 * BLK, 0);
	xt_fill(m, len, SEED);

	n = pwrite(ffd, m, len, 0);
	xt_expect(n == (ssize_t)len, "O_DIRECT write of %#zx bytes from the mapping: %zd (%s)",
		  len, n, n < 0 ? strerror(errno) : "short");
	expect_zero(fsync(ffd));
	expect_zero(msync(m, len, MS_SYNC));

	memset(m, 0, 3 * BLK);
	expect_zero(msync(m, 3 * BLK, MS_SYNC));
	xt_expect(xt_all_zero(m, len), "the mapping is not clear");

	n = pread(ffd, m, len, 0);
	xt_expect(n == (ssize_t)len, "O_DIRECT read of %#zx bytes into the mapping: %zd (%s)",
		  len, n, n < 0 ? strerror(errno) : "short");
	expect_zero(msync(m, len, MS_SYNC));
	expect_zero(fdatasync(fd));
	verify(m, len, SEED, "read back into the mapping");
	xt_expect(xt_all_zero(m + len, 3 * BLK - len), "bytes past the transfer are not zero");

	munmap(m, 3 * BLK);
	close(ffd);
	if (unlink(path))
		xt_fail("unlink %s: %s", path, strerror(errno));
	reset(fd, "end");
	close(fd);
}

static const struct xt_case cases[] = {
	{ "sync-calls", sync_calls,
	  "msync(MS_SYNC/MS_ASYNC/MS_INVALIDATE), fsync, fdatasync return 0, data unchanged" },
	{ "mmap-dio", mmap_dio,
	  "t_mmap_dio: O_DIRECT write from the mapping, fsync, msync, O_DIRECT read back" },
	{ 0 },
};

int main(int argc, char **argv)
{
	return xt_run(argc, argv, cases);
}
