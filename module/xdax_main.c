// SPDX-License-Identifier: GPL-2.0
/*
 * xdax module entry: parse ranges=, validate every range, then register one
 * device per range.  A bad parameter fails the load with a precise message
 * and errno and leaves nothing registered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "xdax.h"

static char *ranges;
module_param(ranges, charp, 0444);
MODULE_PARM_DESC(ranges,
		 "reserved physical ranges, SIZE@START[,SIZE@START...] (K/M/G/T suffixes, 2 MiB aligned), e.g. 512M@4G");

static dev_t xdax_devt;
static struct class xdax_class = {
	.name = "xdax",
};

static struct xdax_dev *xdax_devs[XDAX_MAX_RANGES];
static unsigned int xdax_nr_devs;

/*
 * A pseudo filesystem (never mounted in the namespace) for the inodes whose
 * address_spaces the devices' openers share, as device-dax's dax fs.
 */
#define XDAX_FS_MAGIC	0x78646178	/* "xdax" */
struct vfsmount *xdax_mnt;

static int xdax_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, XDAX_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type xdax_fs_type = {
	.name = "xdax",
	.init_fs_context = xdax_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* Returns false if a device had to leak its range (and so its inode). */
static bool xdax_destroy_all(void)
{
	bool clean = true;

	while (xdax_nr_devs)
		clean &= xdax_dev_destroy(xdax_devs[--xdax_nr_devs]);
	return clean;
}

static void xdax_fs_unmount(bool clean)
{
	if (clean)
		kern_unmount(xdax_mnt);
	/* else a leaked device's inode keeps the mount: leak it too */
}

static int __init xdax_init(void)
{
	struct xdax_parse_result pr;
	enum xdax_parse_err perr;
	bool clean = true;
	unsigned int i;
	int err;

	perr = xdax_parse_ranges(ranges, &pr);
	if (perr == XDAX_PARSE_DUPLICATE || perr == XDAX_PARSE_OVERLAP) {
		pr_err("ranges=\"%s\": range %u %s (range %u)\n", ranges,
		       pr.bad, xdax_parse_strerror(perr), pr.other);
		return -EINVAL;
	} else if (perr) {
		pr_err("ranges=\"%s\": range %u: %s\n", ranges ? ranges : "",
		       pr.bad, xdax_parse_strerror(perr));
		return -EINVAL;
	}
	for (i = 0; i < pr.nr; i++) {
		err = xdax_check_range(i, &pr.range[i]);
		if (err)
			return err;
	}

	xdax_mnt = kern_mount(&xdax_fs_type);
	if (IS_ERR(xdax_mnt))
		return PTR_ERR(xdax_mnt);
	err = alloc_chrdev_region(&xdax_devt, 0, XDAX_MAX_RANGES, "xdax");
	if (err)
		goto err_mnt;
	err = class_register(&xdax_class);
	if (err)
		goto err_chrdev;
	for (i = 0; i < pr.nr; i++) {
		err = xdax_dev_create(i, &pr.range[i],
				      MKDEV(MAJOR(xdax_devt), MINOR(xdax_devt) + i),
				      &xdax_class, &xdax_devs[i]);
		if (err)
			goto err_devs;
		xdax_nr_devs++;
	}
	pr_info("%u device(s) ready\n", xdax_nr_devs);
	return 0;

err_devs:
	clean = xdax_destroy_all();
	class_unregister(&xdax_class);
err_chrdev:
	unregister_chrdev_region(xdax_devt, XDAX_MAX_RANGES);
err_mnt:
	xdax_fs_unmount(clean);
	return err;
}

static void __exit xdax_exit(void)
{
	bool clean = xdax_destroy_all();

	class_unregister(&xdax_class);
	unregister_chrdev_region(xdax_devt, XDAX_MAX_RANGES);
	xdax_fs_unmount(clean);
	pr_info("unloaded\n");
}

module_init(xdax_init);
module_exit(xdax_exit);

MODULE_DESCRIPTION("DAX character devices over reserved memory with a 0-based refcount protocol");
MODULE_AUTHOR("The xdax developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(XDAX_VERSION);
