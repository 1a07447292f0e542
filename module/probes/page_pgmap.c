// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_PAGE_PGMAP: the page_pgmap() accessor (6.15+), not page->pgmap.
 */
#include <linux/memremap.h>
#include <linux/mm.h>

struct dev_pagemap *xdax_probe(struct page *page);

struct dev_pagemap *xdax_probe(struct page *page)
{
	return page_pgmap(page);
}
