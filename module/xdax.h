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

#include "xdax_config.h"

/* Blocks are PMD-sized compound folios: the unit of allocation and freeing. */
#define XDAX_BLOCK_SHIFT	PMD_SHIFT
#define XDAX_BLOCK_SIZE		BIT(XDAX_BLOCK_SHIFT)
#define XDAX_BLOCK_ORDER	(XDAX_BLOCK_SHIFT - PAGE_SHIFT)

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

/* One reserved range exposed as /dev/xdax<id>. */
struct xdax_dev {
	struct device dev;
	struct cdev cdev;
	unsigned int id;
	struct xdax_range range;
	struct resource *res;
	struct dev_pagemap pgmap;
	bool pgmap_live;
	atomic64_t pgmap_free_calls;	/* kernel page_free calls: must stay 0 */
};

int xdax_dev_create(unsigned int id, const struct xdax_range *r, dev_t devt,
		    struct class *cls, struct xdax_dev **out);
void xdax_dev_destroy(struct xdax_dev *xd);
int xdax_check_range(unsigned int id, const struct xdax_range *r);

#endif /* XDAX_H */
