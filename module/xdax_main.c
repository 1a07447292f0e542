// SPDX-License-Identifier: GPL-2.0
/*
 * xdax module entry: parse ranges=, validate every range, register one
 * device per range, and only then create the device nodes.  A bad parameter
 * fails the load with a precise message and errno and leaves nothing
 * registered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kdev_t.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "xdax.h"
#include "xdax_compat.h"

/* The one place the tracepoints of xdax_trace.h are defined. */
#define CREATE_TRACE_POINTS
#include "xdax_trace.h"

static char *ranges;
module_param(ranges, charp, 0400);
MODULE_PARM_DESC(ranges,
		 "reserved physical ranges, SIZE@START[:ALIGN][,SIZE@START...] (K/M/G/T suffixes; ALIGN, the block size, 2M (default) or 1G; START and SIZE multiples of it), e.g. 512M@4G or 2G@4G:1G");

unsigned int xdax_zero_pool_mb = 1024;
module_param_named(zero_pool_mb, xdax_zero_pool_mb, uint, 0444);
MODULE_PARM_DESC(zero_pool_mb,
		 "MiB of free blocks per device kept zeroed in the background (at most a quarter of the range; 0: zero on allocation only)");

static dev_t xdax_devt;
static struct class xdax_class = {
	.name = "xdax",
};

static struct xdax_dev *xdax_devs[XDAX_MAX_RANGES];
static unsigned int xdax_nr_devs;

/*
 * A pseudo filesystem (never mounted in a namespace) for the inodes whose
 * address_spaces the devices' openers share, as device-dax's dax fs.  Its
 * type is allocated, not static, with its lockdep keys registered and no
 * module or code pointer left once mounted: if unload ever has to leak a
 * range, the range's struct pages point at an inode of this fs, and its
 * superblock must not point into the unloaded module.
 */
#define XDAX_FS_MAGIC	0x78646178	/* "xdax" */
static struct file_system_type *xdax_fs_type;
static struct vfsmount *xdax_mnt;

static int xdax_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, XDAX_FS_MAGIC) ? 0 : -ENOMEM;
}

/* Register (or unregister) the lockdep keys of an allocated fs type. */
static void xdax_fs_keys(struct file_system_type *t, void (*op)(struct lock_class_key *))
{
	int i;

	op(&t->s_lock_key);
	op(&t->s_umount_key);
	op(&t->s_vfs_rename_key);
	for (i = 0; i < SB_FREEZE_LEVELS; i++)
		op(&t->s_writers_key[i]);
	op(&t->i_lock_key);
	op(&t->i_mutex_key);
	op(&t->invalidate_lock_key);
	op(&t->i_mutex_dir_key);
}

static int xdax_fs_mount(void)
{
	struct file_system_type *t = kzalloc_obj(*t);

	if (!t)
		return -ENOMEM;
	t->name = kstrdup("xdax", GFP_KERNEL);
	if (!t->name) {
		kfree(t);
		return -ENOMEM;
	}
	t->init_fs_context = xdax_fs_init_fs_context;
	t->kill_sb = kill_anon_super;
	xdax_fs_keys(t, lockdep_register_key);
	xdax_mnt = kern_mount(t);
	t->init_fs_context = NULL;	/* never mounted again */
	if (IS_ERR(xdax_mnt)) {
		xdax_fs_keys(t, lockdep_unregister_key);
		kfree(t->name);
		kfree(t);
		return PTR_ERR(xdax_mnt);
	}
	xdax_fs_type = t;
	return 0;
}

/* @clean: no device leaked an inode of the fs; else the fs stays, for good. */
static void xdax_fs_unmount(bool clean)
{
	struct file_system_type *t = xdax_fs_type;

	if (!clean)
		return;
	kern_unmount(xdax_mnt);
	rcu_barrier();		/* the superblock and its inodes are freed by RCU */
	xdax_fs_keys(t, lockdep_unregister_key);
	kfree(t->name);
	kfree(t);
}

/* Returns false if a device had to leak its range (and so its inode). */
static bool xdax_destroy_all(void)
{
	bool clean = true;

	while (xdax_nr_devs)
		clean &= xdax_dev_destroy(xdax_devs[--xdax_nr_devs]);
	return clean;
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

	xdax_sysfs_init();
	err = xdax_reclaim_init();
	if (err)
		return err;
	err = xdax_fs_mount();
	if (err)
		goto err_reclaim;
	err = alloc_chrdev_region(&xdax_devt, 0, XDAX_MAX_RANGES, "xdax");
	if (err)
		goto err_mnt;
	err = class_register(&xdax_class);
	if (err)
		goto err_chrdev;
	for (i = 0; i < pr.nr; i++) {
		err = xdax_dev_create(i, &pr.range[i],
				      MKDEV(MAJOR(xdax_devt), MINOR(xdax_devt) + i),
				      &xdax_class, xdax_mnt->mnt_sb, &xdax_devs[i]);
		if (err)
			goto err_devs;
		xdax_nr_devs++;
	}
	/* Nodes only now, and opens only once nothing can fail any more. */
	for (i = 0; i < xdax_nr_devs; i++) {
		err = xdax_dev_publish(xdax_devs[i]);
		if (err)
			goto err_devs;
	}
	for (i = 0; i < xdax_nr_devs; i++)
		xdax_dev_ready(xdax_devs[i]);
	pr_info("%u device(s) ready\n", xdax_nr_devs);
	return 0;

err_devs:
	clean = xdax_destroy_all();
	class_unregister(&xdax_class);
err_chrdev:
	unregister_chrdev_region(xdax_devt, XDAX_MAX_RANGES);
err_mnt:
	xdax_fs_unmount(clean);
err_reclaim:
	xdax_reclaim_exit();
	return err;
}

static void __exit xdax_exit(void)
{
	bool clean = xdax_destroy_all();

	class_unregister(&xdax_class);
	unregister_chrdev_region(xdax_devt, XDAX_MAX_RANGES);
	xdax_fs_unmount(clean);
	xdax_reclaim_exit();
	pr_info("unloaded\n");
}

module_init(xdax_init);
module_exit(xdax_exit);

MODULE_DESCRIPTION("DAX character devices over reserved memory with a 0-based refcount protocol");
MODULE_AUTHOR("The xdax developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(XDAX_VERSION);
