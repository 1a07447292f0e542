// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_VMF_INSERT_PAGE_MKWRITE: refcounted ZONE_DEVICE PTE inserts (6.15+);
 * also the sign of the refcounted era, in which every mapping holds a page
 * reference.
 */
#include <linux/mm.h>

vm_fault_t xdax_probe(struct vm_fault *vmf, struct page *page);

vm_fault_t xdax_probe(struct vm_fault *vmf, struct page *page)
{
	return vmf_insert_page_mkwrite(vmf, page, true);
}
