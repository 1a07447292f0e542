// SPDX-License-Identifier: GPL-2.0
/*
 * XDAX_HAVE_MMAP_PREPARE: file_operations.mmap_prepare (7.x; .mmap still works).
 */
#include <linux/fs.h>

const struct file_operations xdax_probe = {
	.mmap_prepare = NULL,
};
