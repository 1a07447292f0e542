// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_PGMAP_PAGE_FREE: dev_pagemap_ops.page_free (6.x).
 */
#include <linux/memremap.h>

static void xdax_free(struct page *page)
{
}

const struct dev_pagemap_ops xdax_probe = {
	.page_free = xdax_free,
};
