// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_VMF_INSERT_FOLIO_PUD: refcounted PUD-order folio inserts (6.15+).
 */
#include <linux/mm.h>	/* includes huge_mm.h, which is not self-contained */

vm_fault_t xdax_probe(struct vm_fault *vmf, struct folio *folio);

vm_fault_t xdax_probe(struct vm_fault *vmf, struct folio *folio)
{
	return vmf_insert_folio_pud(vmf, folio, true);
}
