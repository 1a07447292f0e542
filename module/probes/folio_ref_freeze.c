/* XDAX_HAVE_FOLIO_REF_FREEZE: folio_ref_freeze()/folio_ref_unfreeze() (5.16+). */
#include <linux/mm.h>
#include <linux/page_ref.h>
bool xdax_probe(struct folio *f) { if (!folio_ref_freeze(f, 1)) return false; folio_ref_unfreeze(f, 1); return true; }
