// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_PFN_T: pfn_t and PFN_DEV|PFN_MAP devmap pfns (gone after 6.16).
 */
#include <linux/mm.h>
#include <linux/pfn_t.h>

pfn_t xdax_probe(phys_addr_t phys);

pfn_t xdax_probe(phys_addr_t phys)
{
	return phys_to_pfn_t(phys, PFN_DEV | PFN_MAP);
}
