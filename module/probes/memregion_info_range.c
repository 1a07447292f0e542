// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_MEMREGION_INFO_RANGE: dax_hmem's platform devices carry their
 * range in struct memregion_info (6.3); before, as the device's one
 * IORESOURCE_MEM resource.
 */
#include <linux/memregion.h>

u64 xdax_probe(struct memregion_info *mri);

u64 xdax_probe(struct memregion_info *mri)
{
	return mri->range.start;
}
