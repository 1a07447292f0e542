// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_PGMAP_FOLIO_FREE: dev_pagemap_ops.folio_free, which replaced .page_free.
 */
#include <linux/memremap.h>

static void xdax_free(struct folio *folio)
{
}

const struct dev_pagemap_ops xdax_probe = {
	.folio_free = xdax_free,
};
