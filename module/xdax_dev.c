// SPDX-License-Identifier: GPL-2.0
/*
 * One xdax device: the character device /dev/xdaxN (open, release, poll and
 * the file operations), the inode whose address_space every opener shares,
 * and the device's lifetime from creation to the node's removal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "xdax.h"
#include "xdax_compat.h"

static struct xdax_dev *to_xdax_dev(struct device *dev)
{
	return container_of(dev, struct xdax_dev, dev);
}

/*
 * Every opener maps through the device's one address_space.  Only the
 * file's f_mapping is pointed at it, never the device node inode's
 * i_mapping: that inode outlives the module (an O_PATH open holds it without
 * a module reference) and must not be left pointing into freed memory.
 * Context: ->open.
 */
static int xdax_open(struct inode *inode, struct file *file)
{
	struct xdax_dev *xd = container_of(inode->i_cdev, struct xdax_dev, cdev);
	struct xdax_file *xf;

	/*
	 * The node exists before init is over, and a load that fails is torn
	 * down: no open until xdax_dev_ready() (acquire pairs with its release).
	 */
	if (!smp_load_acquire(&xd->ready))
		return -ENXIO;
	xf = kzalloc_obj(*xf);
	if (!xf)
		return -ENOMEM;
	xf->xd = xd;
	mutex_init(&xf->lock);
	mutex_init(&xf->pin_lock);
	INIT_LIST_HEAD(&xf->pins);
	xf->seen_reclaim = atomic64_read(&xd->reclaim_seq);
	xf->seen_poison = atomic64_read(&xd->poison_seq);
	file->f_mapping = xdax_mapping(xd);
	file->f_wb_err = filemap_sample_wb_err(file->f_mapping);
	file->private_data = xf;
	atomic_inc(&xd->openers);
	return 0;
}

/* Context: ->release; the file's module reference is dropped after it. */
static int xdax_release(struct inode *inode, struct file *file)
{
	struct xdax_file *xf = file->private_data;
	struct xdax_dev *xd = xf->xd;

	xdax_unpin_all(xf);
	mutex_destroy(&xf->pin_lock);
	mutex_destroy(&xf->lock);
	kfree(xf);
	if (atomic_dec_and_test(&xd->openers))
		xdax_reclaim_last_close(xd);
	return 0;
}

/*
 * Readable when an event is pending.  A block that looks idle is freed here,
 * by the waiter the reaper's poll woke (xdax_event_reap), not by its round.
 * Context: process context; may take the core lock.
 */
static __poll_t xdax_poll(struct file *file, poll_table *wait)
{
	struct xdax_file *xf = file->private_data;

	poll_wait(file, &xf->xd->event_wq, wait);
	xdax_event_reap(xf->xd);
	return xdax_event_ready(xf) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * fsync, fdatasync and msync(MS_SYNC) of a shared mapping (vfs_fsync_range).
 * Every store through a mapping, write fault or O_DIRECT transfer already
 * sits in the memory that is the file: there is no page cache copy, no dirty
 * state and no write-back to start or wait for.  The only memory xdax takes
 * today is memmap= DRAM (xdax_check_range: reserved, never pmem), which is
 * cache-coherent for CPUs and DMA and loses its content at power-off anyway:
 * flushing CPU caches to it would make nothing more visible or more durable,
 * so nothing is flushed.  A persistent memory type would have to write the
 * caches of [start, end] back here (arch_wb_cache_pmem(), as fs/dax does for
 * its dirty entries) before it could promise durability.
 *
 * Any range is accepted, as for a regular file: bytes past the file size or
 * the capacity have nothing to sync.  The result is the address_space's
 * error sequence as this file last saw it, as every filesystem reports it
 * (xdax itself never records a write-back error there today).
 * Context: process; takes the file's f_lock only when an error is to be
 * reported.
 */
static int xdax_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return file_check_and_advance_wb_err(file);
}

/*
 * /proc/PID/fdinfo/N of an open /dev/xdaxN: "who holds my blocks".  The
 * device and its file size and block counts, the events this file has not
 * read yet, and the pins this open file holds (xdax_pin_show): a block left
 * awaiting reclaim by a NOWAIT truncate names the pin, and so the process
 * and fd, that still holds it.  Keys are "xdax-<name>:\t<value>".
 * Context: process context (seq_file); takes the core lock, then xf->pin_lock
 * (never xf->lock, which read() holds across its copy to user memory).
 */
static void xdax_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct xdax_file *xf = file->private_data;
	struct xdax_dev *xd = xf->xd;
	struct xdax_kstats st;

	xdax_stats(xd, &st);
	seq_printf(m, "xdax-device:\t%s\n", dev_name(&xd->dev));
	seq_printf(m, "xdax-size:\t%llu\nxdax-capacity:\t%llu\n", st.file_size,
		   xd->range.size);
	seq_printf(m, "xdax-blocks:\ttotal=%llu free=%llu in_use=%llu awaiting_reclaim=%llu poisoned=%llu\n",
		   st.total, st.free, st.in_use, st.awaiting, st.poisoned);
	seq_printf(m, "xdax-events-pending:\treclaim=%llu poison=%llu\n",
		   atomic64_read(&xd->reclaim_seq) - READ_ONCE(xf->seen_reclaim),
		   atomic64_read(&xd->poison_seq) - READ_ONCE(xf->seen_poison));
	xdax_pin_show(m, xf);
}

static const struct file_operations xdax_fops = {
	.owner = THIS_MODULE,
	.open = xdax_open,
	.release = xdax_release,
	.read = xdax_read,
	.poll = xdax_poll,
	.mmap = xdax_mmap,
	.fsync = xdax_fsync,
	.show_fdinfo = xdax_show_fdinfo,
	.get_unmapped_area = xdax_get_unmapped_area,
	.unlocked_ioctl = xdax_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static void xdax_dev_release(struct device *dev)
{
	struct xdax_dev *xd = to_xdax_dev(dev);

	if (xd->inode)
		iput(xd->inode);
	if (xd->core.state)
		xdax_core_destroy(&xd->core);
	free_percpu(xd->fault_stats);
	kfree(xd);
}

/*
 * The inode whose address_space every opener shares, on xdax's pseudo fs.
 * As device-dax's: a DAX character-device host makes the VMAs "DAX" (huge
 * faults, zap treats devmap PMDs as special) and alloc_anon_inode()'s
 * noop_dirty_folio serves folio_mark_dirty() from zap, O_DIRECT completion
 * and unpin.  Its flags (S_PRIVATE, ...) are kept.
 */
static int xdax_inode_create(struct xdax_dev *xd, struct super_block *sb)
{
	struct inode *inode = alloc_anon_inode(sb);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	inode->i_mode = S_IFCHR | 0600;
	inode->i_flags |= S_DAX;
	inode->i_rdev = xd->dev.devt;
	xd->inode = inode;
	return 0;
}

/*
 * Create device @id over range @r: bookkeeping, inode, pgmap.  The node
 * appears only with xdax_dev_publish(), once every range is registered.
 * Context: module init.
 */
int xdax_dev_create(unsigned int id, const struct xdax_range *r, dev_t devt,
		    struct class *cls, struct super_block *sb, struct xdax_dev **out)
{
	struct xdax_dev *xd;
	int err;

	xd = kzalloc_obj(*xd);
	if (!xd)
		return -ENOMEM;
	xd->id = id;
	xd->range = *r;
	xd->size = r->size;
	xdax_fault_init(xd);
	xdax_block_dev_init(xd);
	xdax_reclaim_dev_init(xd);
	device_initialize(&xd->dev);
	xd->dev.class = cls;
	xd->dev.devt = devt;
	xd->dev.groups = xdax_sysfs_groups;
	xd->dev.release = xdax_dev_release;
	err = dev_set_name(&xd->dev, "xdax%u", id);
	if (!err) {
		xd->fault_stats = alloc_percpu(struct xdax_fault_stats);
		if (!xd->fault_stats)
			err = -ENOMEM;
	}
	if (!err)
		err = xdax_core_init(&xd->core, r->size >> xdax_block_shift(xd));
	if (!err)
		err = xdax_inode_create(xd, sb);
	if (!err)
		err = xdax_pgmap_setup(xd);
	if (err) {
		put_device(&xd->dev);
		return err;
	}
	cdev_init(&xd->cdev, &xdax_fops);
	xd->cdev.owner = THIS_MODULE;
	*out = xd;
	return 0;
}

/* Add /dev/xdaxN and its sysfs directory.  Context: module init. */
int xdax_dev_publish(struct xdax_dev *xd)
{
	int err = cdev_device_add(&xd->cdev, &xd->dev);

	if (err)
		return err;
	xd->node_live = true;
	dev_info(&xd->dev, "%llu MiB at [%#llx-%#llx], %lu blocks of %lu KiB, all free; block tables %zu bytes; memremap_pages %llu us, freeze %llu us\n",
		 xd->range.size >> 20, xd->range.start, xd->range.start + xd->range.size - 1,
		 xdax_nr_blocks(xd), xdax_block_size(xd) >> 10, xdax_core_table_bytes(&xd->core),
		 div_u64(xd->memremap_ns, NSEC_PER_USEC), div_u64(xd->freeze_ns, NSEC_PER_USEC));
	return 0;
}

/* Init can no longer fail: open the doors.  Context: module init. */
void xdax_dev_ready(struct xdax_dev *xd)
{
	/* The pool is sized before any open can fault. */
	xdax_zero_start(xd);
	/* Pairs with xdax_open(): an open that sees ready sees the device set up. */
	smp_store_release(&xd->ready, true);
}

/*
 * Remove the node, stop the reaper, take every block back.  Returns false
 * if the range had to be leaked (xdax_pgmap_teardown): the device, its inode
 * and so the pseudo fs mount stay, never freed, because struct pages still
 * point at them.  Context: module exit or init failure; no file open.
 */
bool xdax_dev_destroy(struct xdax_dev *xd)
{
	if (xd->node_live)
		cdev_device_del(&xd->cdev, &xd->dev);
	xdax_reaper_stop(xd);
	xdax_zero_stop(xd);	/* before the pgmap goes; nothing kicks it now */
	if (!xdax_pgmap_teardown(xd))
		return false;
	put_device(&xd->dev);
	return true;
}
