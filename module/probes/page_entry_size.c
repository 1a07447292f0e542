// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_PAGE_ENTRY_SIZE: ->huge_fault() takes an enum page_entry_size (up
 * to 6.5) instead of an order.  Probed by the enum itself: a handler taking
 * unsigned int is type-compatible with the enum one, so assigning it proves
 * nothing.
 */
#include <linux/mm.h>

int xdax_probe(void);

int xdax_probe(void)
{
	return PE_SIZE_PMD;
}
