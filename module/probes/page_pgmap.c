/* XDAX_HAVE_PAGE_PGMAP: page_pgmap() accessor (6.15+); else page->pgmap. */
#include <linux/mm.h>
#include <linux/memremap.h>
struct dev_pagemap *xdax_probe(struct page *p) { return page_pgmap(p); }
