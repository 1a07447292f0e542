/* XDAX_HAVE_PFN_T: pfn_t and PFN_DEV|PFN_MAP devmap pfns (removed after 6.16). */
#include <linux/mm.h>
#include <linux/pfn_t.h>
pfn_t xdax_probe(phys_addr_t p) { return phys_to_pfn_t(p, PFN_DEV | PFN_MAP); }
