/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xdax userspace API: ioctls on /dev/xdaxN.
 *
 * Conventions, for every argument struct:
 *  - it starts with __u32 size (the caller's sizeof) and __u32 flags;
 *  - the kernel accepts a smaller size from an older caller and a larger one
 *    whose extra bytes are all zero (copy_struct_from_user semantics), and
 *    fails anything else with E2BIG or EINVAL;
 *  - unknown flags and nonzero reserved fields fail with EINVAL, with no side
 *    effect.
 */
#ifndef _UAPI_LINUX_XDAX_H
#define _UAPI_LINUX_XDAX_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define XDAX_IOC_MAGIC	0xDA

/* XDAX_IOC_INFO: what the device is.  In: size, flags = 0.  Out: the rest. */
struct xdax_info {
	__u32 size;
	__u32 flags;
	__u64 capacity;		/* bytes of the reserved range */
	__u64 align;		/* block size: the unit of allocation and of huge mappings */
	__u64 phys_start;	/* physical address of the range */
	__u32 id;		/* N of /dev/xdaxN */
	__u32 reserved;
};

#define XDAX_IOC_INFO	_IOWR(XDAX_IOC_MAGIC, 0x00, struct xdax_info)

#endif /* _UAPI_LINUX_XDAX_H */
