/* XDAX_HAVE_MMAP_PREPARE: file_operations.mmap_prepare (informational; .mmap still works). */
#include <linux/fs.h>
const struct file_operations xdax_probe = { .mmap_prepare = NULL };
