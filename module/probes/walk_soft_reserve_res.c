// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_WALK_SOFT_RESERVE_RES: soft-reserved memory (E820 / EFI "specific
 * purpose") is set aside in its own resource tree, soft_reserve_resource,
 * until a driver (dax_hmem) takes it, instead of sitting in iomem as "Soft
 * Reserved" (7.2).  walk_soft_reserve_res() walks that tree.
 */
#include <linux/ioport.h>

int xdax_probe(void);

static int xdax_probe_cb(struct resource *res, void *arg)
{
	return 0;
}

int xdax_probe(void)
{
	return walk_soft_reserve_res(0, -1, NULL, xdax_probe_cb);
}
