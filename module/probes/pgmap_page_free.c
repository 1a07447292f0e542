/* XDAX_HAVE_PGMAP_PAGE_FREE: dev_pagemap_ops.page_free (up to 6.x). */
#include <linux/memremap.h>
static void xdax_free(struct page *p) { }
const struct dev_pagemap_ops xdax_probe = { .page_free = xdax_free };
