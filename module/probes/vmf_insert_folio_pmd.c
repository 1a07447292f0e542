/* XDAX_HAVE_VMF_INSERT_FOLIO_PMD: refcounted PMD-order folio inserts (6.15+). */
#include <linux/mm.h>
#include <linux/huge_mm.h>
vm_fault_t xdax_probe(struct vm_fault *vmf, struct folio *f) { return vmf_insert_folio_pmd(vmf, f, true); }
