// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_GET_DEV_PAGEMAP_ONE_ARG: get_dev_pagemap(pfn) without the cached pgmap argument.
 */
#include <linux/memremap.h>

struct dev_pagemap *xdax_probe(unsigned long pfn);

struct dev_pagemap *xdax_probe(unsigned long pfn)
{
	return get_dev_pagemap(pfn);
}
