/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdax: a DAX character device over reserved physical ranges, with its own
 * MEMORY_DEVICE_GENERIC dev_pagemap and a 0-based page refcount protocol.
 * The protocol is described once, in docs/design.md; this header holds the
 * types every file shares and, file by file, what each one offers.  Files
 * only call downwards in this list (no circles):
 *
 *   xdax_main.c     module init/exit, ranges=, class, chrdev region, pseudo fs
 *   xdax_dev.c      one device: open/release/poll, fops, node lifetime
 *   xdax_ioctl.c    the UAPI boundary: ioctl dispatch and read(); the only
 *                   place that copies UAPI structs in and out
 *   xdax_sysfs.c    sysfs attributes
 *   xdax_pgmap.c    range checks, pgmap registration, freeze/unfreeze of the
 *                   whole range, teardown, memory_failure
 *   xdax_pin.c      XDAX_IOC_PIN / UNPIN
 *   xdax_fault.c    mmap and faults, the per-block fault locks
 *   xdax_reclaim.c  truncate/punch, the idle wait, the reaper, events, the
 *                   module hold
 *   xdax_audit.c    stats, audit, query (read-only views)
 *   xdax_block.c    allocate (0 -> 1) and free (1 -> 0) of one block, ALLOCATE
 *   xdax_core.c     block bookkeeping (pure; KUnit)
 *   xdax_parse.c    the ranges= parser (pure; KUnit)
 */
#ifndef XDAX_H
#define XDAX_H

#include <linux/bits.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "xdax_config.h"
#include "xdax_core.h"

/*
 * Blocks are compound folios of one size per range, the range's align (2 MiB
 * by default, 1 GiB on request): the unit of allocation and freeing.  The
 * xdax_block_{shift,size,order,pages}() accessors below give a device's.
 */
#define XDAX_BLOCK_SHIFT_2M	PMD_SHIFT
#define XDAX_BLOCK_SHIFT_1G	PUD_SHIFT

/* At most this many ranges (and /dev/xdaxN minors) per module instance. */
#define XDAX_MAX_RANGES		8

/* Faults on one file block serialise on one of these (hashed by file block). */
#define XDAX_FAULT_LOCK_BITS	6

/*
 * A fault lock, alone in its cache line: faults of blocks that hash to
 * different locks write different lines (64 of them: 4 KiB per device).
 */
struct xdax_fault_lock {
	struct mutex m;	/* serialises the faults of the file blocks that hash here */
} ____cacheline_aligned_in_smp;

/* What faults mapped: entries installed, by size (one CPU's share). */
struct xdax_fault_stats {
	unsigned long pte, pmd, pud;
};

/* One parsed "SIZE@START[:ALIGN]" element of the ranges= parameter. */
struct xdax_range {
	u64 start;
	u64 size;
	unsigned int shift;	/* log2 of the block size: XDAX_BLOCK_SHIFT_* */
};

/* Parser verdicts; xdax_parse_strerror() gives the message for each. */
enum xdax_parse_err {
	XDAX_PARSE_OK = 0,
	XDAX_PARSE_EMPTY,	/* nothing given */
	XDAX_PARSE_SYNTAX,	/* not SIZE@START[:ALIGN] */
	XDAX_PARSE_ZERO,	/* SIZE is 0 */
	XDAX_PARSE_UNALIGNED,	/* START or SIZE not a multiple of the range's align */
	XDAX_PARSE_OVERFLOW,	/* START + SIZE wraps or exceeds the physical space */
	XDAX_PARSE_TOO_MANY,	/* more than XDAX_MAX_RANGES */
	XDAX_PARSE_DUPLICATE,	/* the same range twice */
	XDAX_PARSE_OVERLAP,	/* two ranges overlap */
	XDAX_PARSE_ALIGN,	/* ALIGN is neither 2M nor 1G */
};

struct xdax_parse_result {
	struct xdax_range range[XDAX_MAX_RANGES];
	unsigned int nr;
	/* On error: the element at fault (0-based) and, for pairs, the other. */
	unsigned int bad, other;
};

/* One reserved range exposed as /dev/xdax<id>: a sparse file over its blocks. */
struct xdax_dev {
	struct device dev;
	struct cdev cdev;
	unsigned int id;
	struct xdax_range range;
	struct resource *res;
	int target_node;		/* the range's own node (proximity domain) */
	struct dev_pagemap pgmap;
	u64 memremap_ns, freeze_ns;	/* load: memremap_pages(), then xdax_freeze_all() */
	bool pgmap_live;
	bool node_live;

	/*
	 * The one address_space every opener maps through: an inode of xdax's
	 * pseudo filesystem (S_IFCHR, S_DAX, like device-dax's).  Its
	 * invalidate_lock orders faults (shared) against truncate, punch, the
	 * install step of ALLOCATE and audit (exclusive).
	 */
	struct inode *inode;
	u64 size;			/* file size in bytes, under invalidate_lock */
	struct xdax_core core;		/* allocator, entry table, block states */
	struct xdax_fault_lock fault_lock[1 << XDAX_FAULT_LOCK_BITS];
	atomic_t allocating;		/* ALLOCATE calls holding reserved blocks */
	wait_queue_head_t alloc_wq;	/* faults that found no free block wait here */
	atomic_t openers;		/* open files, mappings included */
	bool ready;			/* init can no longer fail: open allowed */

	/*
	 * The module hold (xdax_reclaim.c): a module reference held exactly
	 * while blocks await reclaim or a closed device's blocks carry foreign
	 * references, so rmmod cannot free code that a late put or a pending
	 * reclaim still needs.  Both under core.lock.
	 */
	bool held;
	bool foreign;

	/* The reaper: frees AWAITING/INTERRUPTED blocks, watches foreign refs. */
	struct work_struct reaper;
	struct hrtimer reap_timer;	/* the poll; queues the round when due */
	bool reap_stop;			/* unload: nothing re-arms the poll */
	bool reap_woke;			/* the poll's own: it woke the event waiters */
	spinlock_t reap_lock;		/* the two below, and every start of the poll */
	bool reap_in_poll;		/* the poll's callback runs: it re-arms itself */
	unsigned int reap_want_us;	/* armed meanwhile: the shortest delay asked, or 0 */
	unsigned int reap_delay_us;	/* READ/WRITE_ONCE: see xdax_reap_backoff() */
	unsigned int reap_idle_rounds;	/* polls at the fine ceiling without progress */
	wait_queue_head_t idle_wq;	/* blocking truncates; an UNPIN wakes them */
	atomic_t unpin_seq;		/* UNPINs so far: a waiter's missed wake-up */
	atomic64_t reaper_rounds, reaper_ns;	/* its polls and rounds, time inside them */

	/* The zero pool (xdax_block.c): free blocks zeroed in the background. */
	struct delayed_work zeroer;
	unsigned long zero_target;	/* blocks to keep zeroed; 0: no pool */
	bool zero_live;			/* kicks allowed: set at ready, cleared at destroy */
	atomic64_t zeroed_inline, zeroed_background;
	atomic64_t unpin_freed;		/* blocks freed at once by an UNPIN or close */
	atomic64_t waiter_freed;	/* blocks freed by the event waiters the poll woke */
	atomic64_t alloc_freed;		/* blocks freed by an allocation that found none free */

	wait_queue_head_t event_wq;	/* poll/read */
	atomic64_t reclaim_seq;		/* blocks freed after a call left them */
	atomic64_t poison_seq;		/* blocks hit by memory failures */

	atomic64_t pgmap_free_calls;	/* kernel page_free/folio_free calls: must stay 0 */
	atomic64_t page_free_calls;	/* xdax's own page_free: 1->0 freezes */
	atomic64_t anomalies;
	atomic64_t zeroed, pinned_pages, memory_failures;
	/*
	 * The fault counters, per CPU (xdax_fault.c adds, xdax_stats() sums):
	 * a fault on one CPU writes no cache line a fault on another reads.
	 */
	struct xdax_fault_stats __percpu *fault_stats;
};

/* Per open file: its pins and its position in the event streams. */
struct xdax_file {
	struct xdax_dev *xd;
	struct mutex lock;		/* seen_*: held across read()'s copy-out */
	struct mutex pin_lock;		/* pins, next_pin_id; never waits on user memory */
	struct list_head pins;
	u64 next_pin_id;
	u64 seen_reclaim, seen_poison;
};

/* Counters and block counts of a device, in kernel form (xdax_audit.c). */
struct xdax_kstats {
	u64 file_size, total, free, in_use, awaiting, poisoned;
	u64 page_free_calls, kernel_free_calls, anomalies, pte_faults, pmd_faults, pud_faults;
	u64 reclaim_events, pinned_pages, zeroed, memory_failures;
	u64 zeroed_free, zeroed_inline, zeroed_background, reaper_rounds, reaper_ns;
	u64 unpin_freed, waiter_freed, alloc_freed;
};

/* One block as XDAX_IOC_QUERY shows it. */
struct xdax_kquery {
	unsigned long block;	/* XDAX_CORE_NONE for a hole */
	enum xdax_core_state state;
	bool poisoned;
	int refcount, mapcount;	/* -1 where there is nothing to count */
};

/* One pending event of a file (xdax_reclaim.c). */
struct xdax_kevent {
	bool poison;		/* else reclaim */
	u64 seq, count, awaiting, free;
};

/* The device's block size (its align), as a shift, bytes, order and pages. */
static inline unsigned int xdax_block_shift(const struct xdax_dev *xd)
{
	return xd->range.shift;
}

static inline unsigned long xdax_block_size(const struct xdax_dev *xd)
{
	return BIT(xdax_block_shift(xd));
}

static inline unsigned int xdax_block_order(const struct xdax_dev *xd)
{
	return xdax_block_shift(xd) - PAGE_SHIFT;
}

static inline unsigned long xdax_block_pages(const struct xdax_dev *xd)
{
	return BIT(xdax_block_order(xd));
}

static inline struct folio *xdax_block_folio(struct xdax_dev *xd, unsigned long block)
{
	return page_folio(pfn_to_page(PHYS_PFN(xd->range.start) +
				      (block << xdax_block_order(xd))));
}

static inline unsigned long xdax_nr_blocks(struct xdax_dev *xd)
{
	return xd->range.size >> xdax_block_shift(xd);
}

static inline struct address_space *xdax_mapping(struct xdax_dev *xd)
{
	return xd->inode->i_mapping;
}

/* [offset, offset + len) as a range of whole blocks within the capacity. */
static inline int xdax_range_check(struct xdax_dev *xd, u64 offset, u64 len)
{
	u64 end;

	if (!len || !IS_ALIGNED(offset, xdax_block_size(xd)) ||
	    !IS_ALIGNED(len, xdax_block_size(xd)))
		return -EINVAL;
	if (check_add_overflow(offset, len, &end))
		return -EOVERFLOW;
	if (end > xd->range.size)
		return -EFBIG;
	return 0;
}

/* xdax_block.c */
void xdax_block_dev_init(struct xdax_dev *xd);
void xdax_anomaly(struct xdax_dev *xd, unsigned long block, const char *what);
int xdax_block_get(struct xdax_dev *xd, unsigned long fblock, unsigned long *blockp);
bool xdax_block_try_free(void *xd, unsigned long block);
void xdax_zero_start(struct xdax_dev *xd);
void xdax_zero_kick(struct xdax_dev *xd);
void xdax_zero_stop(struct xdax_dev *xd);
extern unsigned int xdax_zero_pool_mb;
int xdax_block_allocate(struct xdax_dev *xd, unsigned long first, unsigned long nr,
			unsigned long *allocated);

/* xdax_audit.c */
void xdax_stats(struct xdax_dev *xd, struct xdax_kstats *st);
unsigned long xdax_audit(struct xdax_dev *xd);
void xdax_query(struct xdax_dev *xd, unsigned long block, struct xdax_kquery *q);

/* xdax_fault.c */
void xdax_fault_lock(struct xdax_dev *xd, unsigned long fblock);
void xdax_fault_unlock(struct xdax_dev *xd, unsigned long fblock);
void xdax_fault_init(struct xdax_dev *xd);
int xdax_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long xdax_get_unmapped_area(struct file *file, unsigned long addr,
				     unsigned long len, unsigned long pgoff,
				     unsigned long flags);
struct xdax_dev *xdax_vma_dev(struct vm_area_struct *vma);

/* xdax_reclaim.c */
#define XDAX_KWAIT_NOWAIT	BIT(0)
#define XDAX_KWAIT_TIMEOUT	BIT(1)
struct xdax_wait {
	unsigned int flags;	/* XDAX_KWAIT_* */
	u64 timeout_ns;
	u64 freed, pending;	/* results */
};

/* How a truncate or punch stopped waiting (the xdax_wait_end tracepoint). */
enum xdax_wait_reason {
	XDAX_WAITED_IDLE,		/* every block freed */
	XDAX_WAITED_EINTR,	/* a signal */
	XDAX_WAITED_TIMEOUT,	/* XDAX_KWAIT_TIMEOUT expired */
	XDAX_WAITED_NOWAIT,	/* NOWAIT: the rest await reclaim */
};

extern struct workqueue_struct *xdax_wq;
int xdax_reclaim_init(void);
void xdax_reclaim_exit(void);
void xdax_reclaim_dev_init(struct xdax_dev *xd);
int xdax_set_size(struct xdax_dev *xd, u64 new_size, struct xdax_wait *w);
int xdax_punch(struct xdax_dev *xd, u64 offset, u64 len, struct xdax_wait *w);
void xdax_reaper_stop(struct xdax_dev *xd);
void xdax_reclaim_last_close(struct xdax_dev *xd);
void xdax_reclaim_unpinned(struct xdax_dev *xd);
void xdax_event_poisoned(struct xdax_dev *xd, unsigned long n);
bool xdax_event_ready(struct xdax_file *xf);
bool xdax_event_reap_due(struct xdax_dev *xd);
void xdax_event_reap(struct xdax_dev *xd);
unsigned long xdax_reclaim_for_alloc(struct xdax_dev *xd);
bool xdax_event_peek(struct xdax_file *xf, struct xdax_kevent *ev);
void xdax_event_consume(struct xdax_file *xf, const struct xdax_kevent *ev);

/* xdax_pin.c */
#define XDAX_PIN_MAX_PAGES	(SZ_1G >> PAGE_SHIFT)
int xdax_pin(struct xdax_file *xf, unsigned long addr, unsigned long len, bool write,
	     u64 *id);
int xdax_unpin(struct xdax_file *xf, u64 id);
void xdax_unpin_all(struct xdax_file *xf);
struct seq_file;
void xdax_pin_show(struct seq_file *m, struct xdax_file *xf);

/* xdax_pgmap.c */
int xdax_check_range(unsigned int id, const struct xdax_range *r);
int xdax_pgmap_setup(struct xdax_dev *xd);
bool xdax_pgmap_teardown(struct xdax_dev *xd);

/* xdax_sysfs.c */
extern const struct attribute_group *xdax_sysfs_groups[];
void xdax_sysfs_init(void);

/* xdax_ioctl.c */
long xdax_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
ssize_t xdax_read(struct file *file, char __user *buf, size_t count, loff_t *ppos);

/* xdax_dev.c */
int xdax_dev_create(unsigned int id, const struct xdax_range *r, dev_t devt,
		    struct class *cls, struct super_block *sb, struct xdax_dev **out);
int xdax_dev_publish(struct xdax_dev *xd);
void xdax_dev_ready(struct xdax_dev *xd);
bool xdax_dev_destroy(struct xdax_dev *xd);

/* xdax_parse.c */
enum xdax_parse_err xdax_parse_ranges(const char *s, struct xdax_parse_result *res);
const char *xdax_parse_strerror(enum xdax_parse_err err);

#endif /* XDAX_H */
