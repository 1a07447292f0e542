/* XDAX_HAVE_VMF_INSERT_PAGE_MKWRITE: refcounted ZONE_DEVICE PTE inserts (6.15+). */
#include <linux/mm.h>
vm_fault_t xdax_probe(struct vm_fault *vmf, struct page *p) { return vmf_insert_page_mkwrite(vmf, p, true); }
