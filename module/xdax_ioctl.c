// SPDX-License-Identifier: GPL-2.0
/*
 * The UAPI boundary (include/uapi/linux/xdax.h): ioctl dispatch and read().
 * This is the only file that copies UAPI structs in and out; it checks what
 * is about the call itself (flags, reserved and output fields, the file's
 * mode) and hands kernel values to the files that do the work.
 *
 * Argument structs follow one convention: size first (the caller's
 * sizeof), capped at a page (E2BIG); copy_struct_from_user() semantics for
 * older and newer callers; results copied back up to the size read at entry,
 * never re-read.  Commands are told apart by _IOC_NR() alone, so the size
 * encoded in a command number cannot shadow the size field's versioning.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include <uapi/linux/xdax.h>

#include "xdax.h"
#include "xdax_compat.h"

/* The largest argument struct a caller may pass. */
#define XDAX_ARG_MAX	PAGE_SIZE

/* Copy an argument struct in; *usize gets the caller's size for the way out. */
static int xdax_arg_in(void *karg, size_t ksize, const void __user *uarg, u32 *usize)
{
	if (get_user(*usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (*usize < 2 * sizeof(u32))
		return -EINVAL;
	if (*usize > XDAX_ARG_MAX)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, *usize);
}

/* Copy a result back: no more of it than the caller's struct holds. */
static int xdax_arg_out(void __user *uarg, const void *karg, size_t ksize, u32 usize)
{
	return copy_to_user(uarg, karg, min_t(size_t, usize, ksize)) ? -EFAULT : 0;
}

static bool xdax_writable(struct file *file)
{
	return file->f_mode & FMODE_WRITE;
}

static long xdax_ioctl_info(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_info a;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if (a.flags || a.features)
		return -EINVAL;
	a.size = sizeof(a);
	a.capacity = xd->range.size;
	a.align = xdax_block_size(xd);
	/* A physical address, like sysfs resource (0400): root only. */
	a.phys_start = capable(CAP_SYS_ADMIN) ? xd->range.start : 0;
	a.id = xd->id;
	a.features = XDAX_MAPPING_REFS ? XDAX_FEATURE_MAPPING_REFS : 0;
	return xdax_arg_out(uarg, &a, sizeof(a), usize);
}

/* The wait flags and timeout of SET_SIZE and PUNCH, as a kernel wait. */
static int xdax_wait_in(struct xdax_wait *w, u32 flags, u64 timeout_ns)
{
	if (flags & ~(XDAX_WAIT_NOWAIT | XDAX_WAIT_TIMEOUT))
		return -EINVAL;
	if ((flags & XDAX_WAIT_NOWAIT) && (flags & XDAX_WAIT_TIMEOUT))
		return -EINVAL;
	if (timeout_ns && !(flags & XDAX_WAIT_TIMEOUT))
		return -EINVAL;
	*w = (struct xdax_wait){
		.flags = (flags & XDAX_WAIT_NOWAIT ? XDAX_KWAIT_NOWAIT : 0) |
			 (flags & XDAX_WAIT_TIMEOUT ? XDAX_KWAIT_TIMEOUT : 0),
		.timeout_ns = timeout_ns,
	};
	return 0;
}

static long xdax_ioctl_set_size(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_set_size a;
	struct xdax_wait w;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if (a.freed || a.pending)
		return -EINVAL;
	err = xdax_wait_in(&w, a.flags, a.timeout_ns);
	if (err)
		return err;
	err = xdax_set_size(xd, a.new_size, &w);
	if (err)
		return err;
	a.freed = w.freed;
	a.pending = w.pending;
	return xdax_arg_out(uarg, &a, sizeof(a), usize);
}

static long xdax_ioctl_punch(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_punch a;
	struct xdax_wait w;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if (a.freed || a.pending)
		return -EINVAL;
	err = xdax_wait_in(&w, a.flags, a.timeout_ns);
	if (err)
		return err;
	err = xdax_punch(xd, a.offset, a.length, &w);
	if (err)
		return err;
	a.freed = w.freed;
	a.pending = w.pending;
	return xdax_arg_out(uarg, &a, sizeof(a), usize);
}

static long xdax_ioctl_allocate(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_allocate a;
	unsigned long n;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if (a.flags || a.allocated)
		return -EINVAL;
	err = xdax_range_check(xd, a.offset, a.length);
	if (err)
		return err;
	for (;;) {
		unsigned long free_before = READ_ONCE(xd->core.nr_free);

		err = xdax_block_allocate(xd, a.offset >> xdax_block_shift(xd),
					  a.length >> xdax_block_shift(xd), &n);
		if (err != -ENOSPC || fatal_signal_pending(current))
			break;
		/*
		 * Too few free blocks, but idle ones may await reclaim: free
		 * them and retry; so too if blocks were freed since this attempt
		 * began (the reaper may have freed the very block that reclaim
		 * would have).  Each retry needs blocks freed meanwhile.
		 */
		if (!xdax_reclaim_for_alloc(xd) && READ_ONCE(xd->core.nr_free) <= free_before)
			break;
		cond_resched();
	}
	if (err)
		return err;
	a.allocated = n;
	return xdax_arg_out(uarg, &a, sizeof(a), usize);
}

static long xdax_ioctl_pin(struct file *file, struct xdax_file *xf, void __user *uarg)
{
	bool write;
	struct xdax_pin a;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if ((a.flags & ~XDAX_PIN_READONLY) || a.id)
		return -EINVAL;
	write = !(a.flags & XDAX_PIN_READONLY);
	if (write && !xdax_writable(file))
		return -EBADF;
	err = xdax_pin(xf, a.addr, a.length, write, &a.id);
	if (err)
		return err;
	err = xdax_arg_out(uarg, &a, sizeof(a), usize);
	if (err)
		xdax_unpin(xf, a.id);	/* nobody could ever unpin it */
	return err;
}

static long xdax_ioctl_unpin(struct xdax_file *xf, void __user *uarg)
{
	struct xdax_unpin a;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	return xdax_unpin(xf, a.id);
}

static long xdax_ioctl_stats(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_kstats k;
	struct xdax_stats a;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	xdax_stats(xd, &k);
	a = (struct xdax_stats){
		.size = sizeof(a),
		.file_size = k.file_size,
		.total = k.total,
		.free = k.free,
		.in_use = k.in_use,
		.awaiting_reclaim = k.awaiting,
		.page_free_calls = k.page_free_calls,
		.kernel_free_calls = k.kernel_free_calls,
		.anomalies = k.anomalies,
		.pte_faults = k.pte_faults,
		.pmd_faults = k.pmd_faults,
		.reclaim_events = k.reclaim_events,
		.pinned_pages = k.pinned_pages,
		.zeroed = k.zeroed,
		.poisoned = k.poisoned,
		.memory_failures = k.memory_failures,
	};
	return xdax_arg_out(uarg, &a, sizeof(a), usize);
}

static long xdax_ioctl_audit(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_audit a;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if (a.flags || a.checked || a.mismatches)
		return -EINVAL;
	a.mismatches = xdax_audit(xd);
	a.checked = xdax_nr_blocks(xd);
	return xdax_arg_out(uarg, &a, sizeof(a), usize);
}

static u32 xdax_uapi_state(enum xdax_core_state st)
{
	switch (st) {
	case XDAX_CORE_FREE:
		return XDAX_BLOCK_FREE;
	case XDAX_CORE_RESERVED:
	case XDAX_CORE_IN_USE:
		return XDAX_BLOCK_IN_USE;
	case XDAX_CORE_POISONED:
		return XDAX_BLOCK_POISONED;
	default:
		return XDAX_BLOCK_AWAITING_RECLAIM;
	}
}

static long xdax_ioctl_query(struct xdax_dev *xd, void __user *uarg)
{
	struct xdax_kquery k;
	struct xdax_query a;
	unsigned long b;
	u32 usize;
	int err;

	err = xdax_arg_in(&a, sizeof(a), uarg, &usize);
	if (err)
		return err;
	if ((a.flags & ~XDAX_QUERY_BLOCK) || a.state || a.refcount || a.mapcount || a.attrs)
		return -EINVAL;
	if (a.flags & XDAX_QUERY_BLOCK) {
		if (a.block >= xdax_nr_blocks(xd) || a.offset)
			return -EINVAL;
		b = a.block;
	} else {
		if (a.block)
			return -EINVAL;
		if (a.offset >= xd->range.size)
			return -EFBIG;
		b = xdax_core_lookup(&xd->core, a.offset >> xdax_block_shift(xd));
	}
	xdax_query(xd, b, &k);
	if (k.block == XDAX_CORE_NONE) {
		a.block = ~0ULL;
		a.state = XDAX_BLOCK_HOLE;
	} else {
		a.block = k.block;
		a.state = xdax_uapi_state(k.state);
	}
	a.refcount = k.refcount;
	a.mapcount = k.mapcount;
	a.attrs = k.poisoned ? XDAX_ATTR_POISONED : 0;
	return xdax_arg_out(uarg, &a, sizeof(a), usize);
}

/* Context: process context; each command says what it takes. */
long xdax_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xdax_file *xf = file->private_data;
	struct xdax_dev *xd = xf->xd;
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != XDAX_IOC_MAGIC)
		return -ENOTTY;
	/* Changing the file, or stalling every fault (audit), takes a writer. */
	if ((nr == _IOC_NR(XDAX_IOC_SET_SIZE) || nr == _IOC_NR(XDAX_IOC_PUNCH) ||
	     nr == _IOC_NR(XDAX_IOC_ALLOCATE) || nr == _IOC_NR(XDAX_IOC_AUDIT)) &&
	    !xdax_writable(file))
		return -EBADF;
	switch (nr) {
	case _IOC_NR(XDAX_IOC_INFO):
		return xdax_ioctl_info(xd, uarg);
	case _IOC_NR(XDAX_IOC_SET_SIZE):
		return xdax_ioctl_set_size(xd, uarg);
	case _IOC_NR(XDAX_IOC_PUNCH):
		return xdax_ioctl_punch(xd, uarg);
	case _IOC_NR(XDAX_IOC_ALLOCATE):
		return xdax_ioctl_allocate(xd, uarg);
	case _IOC_NR(XDAX_IOC_PIN):
		return xdax_ioctl_pin(file, xf, uarg);
	case _IOC_NR(XDAX_IOC_UNPIN):
		return xdax_ioctl_unpin(xf, uarg);
	case _IOC_NR(XDAX_IOC_STATS):
		return xdax_ioctl_stats(xd, uarg);
	case _IOC_NR(XDAX_IOC_AUDIT):
		return xdax_ioctl_audit(xd, uarg);
	case _IOC_NR(XDAX_IOC_QUERY):
		return xdax_ioctl_query(xd, uarg);
	}
	return -ENOTTY;
}

/*
 * One struct xdax_event per read.  The event is consumed only once it has
 * been copied out: a read that faults on its buffer leaves it pending.
 * Context: process context; sleeps (interruptibly) for an event unless
 * O_NONBLOCK; takes xf->lock, and the core lock to free what looks idle.
 */
ssize_t xdax_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct xdax_file *xf = file->private_data;
	struct xdax_kevent k;
	struct xdax_event ev;
	int err;

	if (count < sizeof(ev))
		return -EINVAL;
	for (;;) {
		xdax_event_reap(xf->xd);	/* frees what looks idle: see xdax_poll() */
		mutex_lock(&xf->lock);
		if (xdax_event_peek(xf, &k))
			break;
		mutex_unlock(&xf->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(xf->xd->event_wq, xdax_event_ready(xf) ||
					       xdax_event_reap_due(xf->xd));
		if (err)
			return err;
	}
	ev = (struct xdax_event){
		.size = sizeof(ev),
		.type = k.poison ? XDAX_EVENT_POISON : XDAX_EVENT_RECLAIM,
		.seq = k.seq,
		.reclaimed = k.poison ? 0 : k.count,
		.poisoned = k.poison ? k.count : 0,
		.awaiting_reclaim = k.awaiting,
		.free = k.free,
	};
	if (copy_to_user(buf, &ev, sizeof(ev))) {
		mutex_unlock(&xf->lock);
		return -EFAULT;
	}
	xdax_event_consume(xf, &k);
	mutex_unlock(&xf->lock);
	return sizeof(ev);
}
