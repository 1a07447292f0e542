// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_VM_FLAGS_SET: vm_flags are written through vm_flags_set() (6.3+).
 */
#include <linux/mm.h>

void xdax_probe(struct vm_area_struct *vma);

void xdax_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_MIXEDMAP);
}
