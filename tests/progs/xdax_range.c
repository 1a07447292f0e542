// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_range DEV [CASE...]: does the device's range behave like memory?
 *
 *   readback   write a pattern into a few pages of the first, a middle and the last block
 *              (through a PMD mapping), unmap, map again and read it back: every word must
 *              be what was written.  Over a range with no memory behind it (a memmap=
 *              reservation of a hole) the writes vanish and the reads return 0.
 *
 * It ends with the accounting audited and the file back at its capacity, nothing allocated.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include "xdax_test.h"

#define BLK	(2UL << 20)
#define PG	4096UL

static sigjmp_buf jb;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static void case_readback(void)
{
	int fd = xt_open(xt_dev), r, i, j;
	struct xdax_info info = xt_info(fd);
	uint64_t nblk = info.capacity / BLK, blocks[3] = { 0, nblk / 2, nblk - 1 };
	static const unsigned int pages[] = { 0, 1, 255, 511 };
	unsigned long words = 0, bad = 0, zero = 0;
	uint64_t first_got = 0, first_want = 0, seed;
	volatile uint64_t *w;
	char *m;

	signal(SIGBUS, on_sigbus);
	for (i = 0; i < 3; i++) {
		seed = 0x1badc0de00000000ULL | blocks[i];
		m = mmap(NULL, BLK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, blocks[i] * BLK);
		if (m == MAP_FAILED)
			xt_die("mmap block %llu: %s", (unsigned long long)blocks[i], strerror(errno));
		if (sigsetjmp(jb, 1))
			xt_die("SIGBUS writing block %llu", (unsigned long long)blocks[i]);
		for (j = 0; j < 4; j++)
			xt_fill(m + pages[j] * PG, PG, seed + pages[j]);
		munmap(m, BLK);
		m = mmap(NULL, BLK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, blocks[i] * BLK);
		if (m == MAP_FAILED)
			xt_die("mmap block %llu again: %s", (unsigned long long)blocks[i], strerror(errno));
		if (sigsetjmp(jb, 1))
			xt_die("SIGBUS reading block %llu", (unsigned long long)blocks[i]);
		for (j = 0; j < 4; j++) {
			size_t k;

			w = (volatile uint64_t *)(m + pages[j] * PG);
			for (k = 0; k < PG / 8; k++, words++) {
				uint64_t want = (seed + pages[j]) ^ (k * 8), got = w[k];

				if (got == want)
					continue;
				if (!bad++) {
					first_got = got;
					first_want = want;
				}
				zero += !got;
			}
		}
		munmap(m, BLK);
	}
	xt_note("figure: readback: %lu words written in 12 pages of 3 blocks, %lu read back wrong (%lu of them 0)",
		words, bad, zero);
	xt_expect(!bad, "readback over [%#llx, +%#llx): %lu of %lu words differ from what was written; first: wrote %#llx, read %#llx",
		  (unsigned long long)info.phys_start, (unsigned long long)info.capacity, bad, words,
		  (unsigned long long)first_want, (unsigned long long)first_got);
	xt_conserved(fd, "readback");
	r = xt_set_size(fd, 0, XDAX_WAIT_TIMEOUT, 5000000000ULL, NULL);
	xt_expect(!r, "truncate to 0: %s", strerror(-r));
	r = xt_set_size(fd, info.capacity, 0, 0, NULL);
	xt_expect(!r, "grow back: %s", strerror(-r));
	xt_conserved(fd, "readback cleanup");
	close(fd);
}

static const struct xt_case cases[] = {
	{ "readback", case_readback, "what is written into the range reads back" },
	{ 0 },
};

int main(int argc, char **argv)
{
	return xt_run(argc, argv, cases);
}
