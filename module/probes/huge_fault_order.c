// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_HUGE_FAULT_ORDER: ->huge_fault(vmf, unsigned int order) (6.6+), not an enum
 * page_entry_size.
 */
#include <linux/mm.h>

static vm_fault_t xdax_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	return 0;
}

const struct vm_operations_struct xdax_probe = {
	.huge_fault = xdax_huge_fault,
};
