/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdax: a DAX character device over reserved physical ranges, with its own
 * MEMORY_DEVICE_GENERIC dev_pagemap and a 0-based page refcount protocol.
 *
 * Refcount protocol (see docs/design.md):
 *   free block   - refcount frozen at 0; no kernel path can take a reference
 *                  (every get is add-unless-zero), so it cannot be mapped or
 *                  pinned behind xdax's back.
 *   owned block  - refcount >= 1; the 1 is xdax's entry reference.
 * The kernel's own GENERIC free path (page_free on 6.x, a silent reset to 1 on
 * 7.x) is never reached, because xdax never drops a count to 0 with a put: it
 * frees a block only by freezing 1 -> 0.
 */
#ifndef XDAX_H
#define XDAX_H

#include <linux/bits.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/memremap.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "xdax_config.h"
#include "xdax_core.h"

/* Blocks are PMD-sized compound folios: the unit of allocation and freeing. */
#define XDAX_BLOCK_SHIFT	PMD_SHIFT
#define XDAX_BLOCK_SIZE		BIT(XDAX_BLOCK_SHIFT)
#define XDAX_BLOCK_ORDER	(XDAX_BLOCK_SHIFT - PAGE_SHIFT)
#define XDAX_BLOCK_PAGES	BIT(XDAX_BLOCK_ORDER)

/* At most this many ranges (and /dev/xdaxN minors) per module instance. */
#define XDAX_MAX_RANGES		8

/* One parsed "SIZE@START" element of the ranges= parameter. */
struct xdax_range {
	u64 start;
	u64 size;
};

/* Parser verdicts; xdax_parse_strerror() gives the message for each. */
enum xdax_parse_err {
	XDAX_PARSE_OK = 0,
	XDAX_PARSE_EMPTY,	/* nothing given */
	XDAX_PARSE_SYNTAX,	/* not SIZE@START */
	XDAX_PARSE_ZERO,	/* SIZE is 0 */
	XDAX_PARSE_UNALIGNED,	/* START or SIZE not a multiple of 2 MiB */
	XDAX_PARSE_OVERFLOW,	/* START + SIZE wraps or exceeds the physical space */
	XDAX_PARSE_TOO_MANY,	/* more than XDAX_MAX_RANGES */
	XDAX_PARSE_DUPLICATE,	/* the same range twice */
	XDAX_PARSE_OVERLAP,	/* two ranges overlap */
};

struct xdax_parse_result {
	struct xdax_range range[XDAX_MAX_RANGES];
	unsigned int nr;
	/* On error: the element at fault (0-based) and, for pairs, the other. */
	unsigned int bad, other;
};

enum xdax_parse_err xdax_parse_ranges(const char *s, struct xdax_parse_result *res);
const char *xdax_parse_strerror(enum xdax_parse_err err);

/* One reserved range exposed as /dev/xdax<id>: a sparse file over its blocks. */
struct xdax_dev {
	struct device dev;
	struct cdev cdev;
	unsigned int id;
	struct xdax_range range;
	struct resource *res;
	struct dev_pagemap pgmap;
	bool pgmap_live;

	/*
	 * The one address_space every opener maps through (host: an inode of
	 * xdax's pseudo filesystem, S_DAX, like device-dax's).  Its
	 * invalidate_lock orders faults (shared) against truncate, punch,
	 * allocate and audit (exclusive).
	 */
	struct inode *inode;
	u64 size;			/* file size in bytes, under invalidate_lock */
	struct xdax_core core;		/* allocator, entry table, block states */
	atomic_t openers;		/* open files, mappings included */

	/*
	 * The reaper retries the 1->0 freeze of blocks awaiting reclaim, and
	 * watches a closed device's blocks for foreign references (pipes,
	 * io_uring buffers).  While either exists it holds a module reference
	 * (held), so rmmod is refused and no late put touches freed memmap.
	 */
	struct delayed_work reaper;
	struct mutex hold_lock;		/* held, reap_delay_ms */
	bool held;
	unsigned int reap_delay_ms;

	wait_queue_head_t event_wq;	/* poll/read: reclaim events */
	atomic64_t reclaim_seq;

	atomic64_t pgmap_free_calls;	/* kernel page_free/folio_free calls: must stay 0 */
	atomic64_t page_free_calls;	/* xdax's own page_free: 1->0 freezes */
	atomic64_t anomalies;
	atomic64_t pte_faults, pmd_faults, zeroed, pinned_pages;
};

/* Per open file: its pins and its position in the event stream. */
struct xdax_file {
	struct xdax_dev *xd;
	struct mutex lock;		/* pins, next_pin_id, seen_seq */
	struct list_head pins;
	u64 next_pin_id;
	u64 seen_seq;
};

extern struct vfsmount *xdax_mnt;

int xdax_dev_create(unsigned int id, const struct xdax_range *r, dev_t devt,
		    struct class *cls, struct xdax_dev **out);
bool xdax_dev_destroy(struct xdax_dev *xd);
int xdax_check_range(unsigned int id, const struct xdax_range *r);
bool xdax_file_of(struct file *file, struct xdax_dev *xd);

/* xdax_mm.c: the refcount protocol, faults, truncate/punch, reaper, pins. */
struct folio *xdax_block_folio(struct xdax_dev *xd, unsigned long block);
unsigned long xdax_nr_blocks(struct xdax_dev *xd);
int xdax_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long xdax_get_unmapped_area(struct file *file, unsigned long addr,
				     unsigned long len, unsigned long pgoff,
				     unsigned long flags);
long xdax_ioctl_set_size(struct xdax_dev *xd, void __user *uarg);
long xdax_ioctl_punch(struct xdax_dev *xd, void __user *uarg);
long xdax_ioctl_allocate(struct xdax_dev *xd, void __user *uarg);
long xdax_ioctl_pin(struct xdax_file *xf, void __user *uarg);
long xdax_ioctl_unpin(struct xdax_file *xf, void __user *uarg);
void xdax_unpin_all(struct xdax_file *xf);
void xdax_reaper_fn(struct work_struct *work);
void xdax_last_close(struct xdax_dev *xd);
bool xdax_try_free(void *arg, unsigned long block, unsigned long fblock);
void xdax_anomaly(struct xdax_dev *xd, unsigned long block, const char *what);
int xdax_copy_arg(void *karg, size_t ksize, const void __user *uarg);
int xdax_copy_out(void __user *uarg, const void *karg, size_t ksize);

#endif /* XDAX_H */
