// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_demo DEV: the seeds' scenario, narrated.  Map a block of the device,
 * write to it, pin it (as a DMA engine would), truncate the file while the
 * pin is held, see the block wait for reclaim, drop the pin, receive the
 * reclaim event, and fault a fresh zeroed block at the same offset.
 * Exits 0 only if every step behaved as described.
 */
#include <poll.h>
#include <sys/mman.h>
#include <time.h>

#include "xdax_test.h"

static const char *state_name(uint32_t s)
{
	static const char * const names[] = {
		"free", "in use", "awaiting reclaim", "hole",
	};

	return s < 4 ? names[s] : "?";
}

static void show(int fd, const char *when, uint64_t off)
{
	struct xdax_stats s = xt_stats(fd);
	struct xdax_query q = xt_query(fd, off);

	printf("  %-34s block %-4lld %-17s refcount %-3d | free %llu, in use %llu, awaiting reclaim %llu\n",
	       when, q.state == XDAX_BLOCK_HOLE ? -1LL : (long long)q.block,
	       state_name(q.state), q.refcount, (unsigned long long)s.free,
	       (unsigned long long)s.in_use, (unsigned long long)s.awaiting_reclaim);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/xdax0";
	int fd = xt_open(dev);
	struct xdax_info info = xt_info(fd);
	size_t blk = info.align;
	struct xdax_set_size st;
	struct xdax_event ev;
	struct pollfd pfd;
	uint64_t pin, freed_before;
	double t0;
	char *p;
	int r;

	printf("%s: %llu MiB at %#llx, blocks of %llu KiB; mappings %s page references\n",
	       dev, (unsigned long long)info.capacity >> 20,
	       (unsigned long long)info.phys_start, (unsigned long long)blk >> 10,
	       info.features & XDAX_FEATURE_MAPPING_REFS ? "hold" :
	       "hold no (devmap)");
	show(fd, "start:", 0);

	p = mmap(NULL, blk, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		xt_die("mmap: %s", strerror(errno));
	xt_fill(p, blk, 0xda7a);
	printf("mmap 2 MiB at %p and write a pattern (%llu PMD fault)\n", (void *)p,
	       (unsigned long long)xt_stats(fd).pmd_faults);
	show(fd, "after the first write:", 0);

	pin = xt_pin(fd, p, 16 * 4096, 0);
	printf("XDAX_IOC_PIN 16 pages (FOLL_LONGTERM): pin id %llu\n", (unsigned long long)pin);
	show(fd, "pinned:", 0);

	freed_before = xt_stats(fd).page_free_calls;
	r = xt_set_size(fd, 0, XDAX_WAIT_NOWAIT, 0, &st);
	printf("XDAX_IOC_SET_SIZE 0, NOWAIT: %s, freed %llu, pending %llu\n",
	       r ? strerror(-r) : "ok", (unsigned long long)st.freed,
	       (unsigned long long)st.pending);
	xt_expect(!r && st.pending == 1, "truncate NOWAIT should leave the pinned block pending");
	show(fd, "truncated, pin still held:", 0);
	xt_expect(xt_stats(fd).awaiting_reclaim == 1, "one block should await reclaim");

	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	xt_expect(poll(&pfd, 1, 0) == 0, "no event before the unpin");
	printf("the DMA ends, hours later: XDAX_IOC_UNPIN %llu\n", (unsigned long long)pin);
	t0 = xt_now_ms();
	xt_expect(xt_unpin(fd, pin) == 0, "unpin");
	r = poll(&pfd, 1, 10000);
	xt_expect(r == 1 && (pfd.revents & POLLIN), "poll: reclaim event within 10 s");
	if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
		xt_die("read event: %s", strerror(errno));
	printf("poll: readable after %.1f ms; event: type %u (reclaim), reclaimed %llu, free now %llu\n",
	       xt_now_ms() - t0, ev.type, (unsigned long long)ev.reclaimed,
	       (unsigned long long)ev.free);
	xt_expect(ev.type == XDAX_EVENT_RECLAIM && ev.reclaimed >= 1, "reclaim event");
	xt_expect(xt_stats(fd).page_free_calls == freed_before + 1,
		  "xdax's page_free ran once for the block");
	show(fd, "reclaimed:", 0);

	xt_expect(xt_set_size(fd, info.capacity, 0, 0, NULL) == 0, "grow back");
	printf("grow the file back; the old mapping faults a fresh block at offset 0:\n");
	xt_expect(xt_all_zero(p, blk), "the new block must read zero, never the old pattern");
	printf("  reads all zero: %s\n", xt_all_zero(p, blk) ? "yes" : "NO");
	show(fd, "refaulted:", 0);

	munmap(p, blk);
	xt_expect(xt_set_size(fd, 0, 0, 0, NULL) == 0, "truncate to 0");
	xt_expect(xt_set_size(fd, info.capacity, 0, 0, NULL) == 0, "grow back");
	xt_conserved(fd, "demo end");
	show(fd, "unmapped and truncated:", 0);
	close(fd);
	return xt_exit("xdax_demo");
}
