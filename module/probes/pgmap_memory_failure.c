// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_PGMAP_MEMORY_FAILURE: dev_pagemap_ops.memory_failure, through which the
 * kernel reports a memory failure on a page of the pgmap to its driver.
 */
#include <linux/memremap.h>

static int xdax_mf(struct dev_pagemap *pgmap, unsigned long pfn, unsigned long nr_pages,
		   int mf_flags)
{
	return 0;
}

const struct dev_pagemap_ops xdax_probe = {
	.memory_failure = xdax_mf,
};
