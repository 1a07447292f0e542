/* XDAX_HAVE_GET_DEV_PAGEMAP_ONE_ARG: get_dev_pagemap(pfn) lost its cache argument. */
#include <linux/memremap.h>
struct dev_pagemap *xdax_probe(unsigned long pfn) { return get_dev_pagemap(pfn); }
