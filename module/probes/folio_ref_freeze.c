// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_FOLIO_REF_FREEZE: folio_ref_freeze() and folio_ref_unfreeze(), the protocol's core.
 */
#include <linux/mm.h>
#include <linux/page_ref.h>

bool xdax_probe(struct folio *folio);

bool xdax_probe(struct folio *folio)
{
	if (!folio_ref_freeze(folio, 1))
		return false;
	folio_ref_unfreeze(folio, 1);
	return true;
}
