/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xdax userspace API: mmap, ioctls, poll and read on /dev/xdaxN.
 *
 * A device is a sparse file over its reserved range.  Its size starts at the
 * range's capacity; blocks of `align` bytes (2 MiB) are allocated on first
 * touch or by XDAX_IOC_ALLOCATE, zeroed before they are first mapped.  Every
 * opener shares one address space: a truncate or punch reaches every mapping
 * of every process.  Only MAP_SHARED mappings are allowed.
 *
 * Conventions, for every argument struct:
 *  - it starts with __u32 size (the caller's sizeof) and __u32 flags;
 *  - the kernel accepts a smaller size from an older caller and a larger one
 *    whose extra bytes are all zero (copy_struct_from_user semantics), and
 *    fails anything else with E2BIG or EINVAL;
 *  - unknown flags, nonzero reserved fields and, except for XDAX_IOC_INFO and
 *    XDAX_IOC_STATS (whose fields are all outputs), nonzero output fields
 *    (those marked "out") fail with EINVAL, with no side effect;
 *  - offsets, lengths and sizes are bytes and must be multiples of `align`
 *    (EINVAL); a range that wraps fails with EOVERFLOW, one that ends past the
 *    capacity with EFBIG.  Output fields are written only on success;
 *  - a size above 4096 fails with E2BIG; a result is copied back only up to
 *    the caller's size;
 *  - calls are told apart by _IOC_NR() alone (with the magic): the size
 *    encoded in the command number is ignored, the struct's own size field
 *    versions it;
 *  - SET_SIZE, PUNCH, ALLOCATE, AUDIT and a writable PIN need a file opened
 *    for writing (EBADF otherwise), as ftruncate and fallocate do;
 *  - a call that changed the file and then cannot copy its results out fails
 *    with EFAULT: the change stands.
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
	__u64 phys_start;	/* physical address of the range (0 without CAP_SYS_ADMIN) */
	__u32 id;		/* N of /dev/xdaxN */
	__u32 features;		/* out: XDAX_FEATURE_* (must be 0 on input: EINVAL) */
};

/*
 * The running kernel's mapping kind.  Without it (kernels before 6.15) xdax
 * maps with devmap entries that hold no page reference; with it, each PTE or
 * PMD mapping holds one reference on the block's folio.
 */
#define XDAX_FEATURE_MAPPING_REFS	(1U << 0)

/*
 * Shrinking and punching zap every mapping of the blocks they remove, take
 * them out of the file, then free each block once nothing else references it.
 * By default the call waits for that, interruptibly (EINTR); XDAX_WAIT_TIMEOUT
 * bounds the wait by timeout_ns (ETIMEDOUT; timeout_ns without the flag is
 * EINVAL).  On EINTR or ETIMEDOUT, and always with XDAX_WAIT_NOWAIT, the size
 * and the file are already changed; blocks still referenced (by a pin, O_DIRECT
 * in flight, an io_uring registered buffer, a pipe) stay "awaiting reclaim",
 * and xdax frees each one once its last reference is gone, then signals a
 * XDAX_EVENT_RECLAIM to every open file (poll/epoll: readable).  NOWAIT
 * and TIMEOUT together are EINVAL.
 *
 * What a call waits for: the blocks it removed itself, and the blocks of its
 * range that an earlier call left behind when its wait was interrupted (EINTR)
 * or timed out, so that repeating an interrupted call waits again.  Never for
 * blocks a NOWAIT call left: those belong to the event stream.  A SET_SIZE
 * that grows the file has no range and waits for nothing; a SET_SIZE to the
 * current size has the range [size, capacity).
 */
#define XDAX_WAIT_NOWAIT	(1U << 0)
#define XDAX_WAIT_TIMEOUT	(1U << 1)

/* XDAX_IOC_SET_SIZE: truncate (shrink) or grow the file. */
struct xdax_set_size {
	__u32 size;
	__u32 flags;		/* XDAX_WAIT_* */
	__u64 new_size;		/* multiple of align, at most capacity (EFBIG) */
	__u64 timeout_ns;	/* with XDAX_WAIT_TIMEOUT */
	__u64 freed;		/* out: blocks this call took back (free, or out of service) */
	__u64 pending;		/* out: blocks this call leaves awaiting reclaim */
};

/* XDAX_IOC_PUNCH: deallocate [offset, offset + length); the size is unchanged. */
struct xdax_punch {
	__u32 size;
	__u32 flags;		/* XDAX_WAIT_* */
	__u64 offset;
	__u64 length;		/* nonzero */
	__u64 timeout_ns;
	__u64 freed;		/* out */
	__u64 pending;		/* out */
};

/*
 * XDAX_IOC_ALLOCATE: give every hole in [offset, offset + length) a zeroed
 * block now, so that faults there never fail.  The range must lie within the
 * size (EINVAL).  All or nothing: ENOSPC allocates nothing, and neither does
 * a fatal signal (the call is killable while it zeroes).
 */
struct xdax_allocate {
	__u32 size;
	__u32 flags;		/* 0 */
	__u64 offset;
	__u64 length;
	__u64 allocated;	/* out: blocks newly allocated */
};

/*
 * XDAX_IOC_PIN: pin_user_pages(FOLL_LONGTERM) on [addr, addr + length) of
 * the caller's address space, which must be mapped from this device.  Pins
 * belong to the file and are released by XDAX_IOC_UNPIN, close or process
 * death.  They count against RLIMIT_MEMLOCK (ENOMEM) unless CAP_IPC_LOCK,
 * in whole blocks: every block a pin touches counts `align` bytes, since one
 * pinned page keeps the whole block from being reclaimed.  addr and length
 * must be page aligned, length at most XDAX_PIN_MAX_BYTES (EINVAL).  A
 * writable pin needs a file opened for writing (EBADF).  A range over a
 * poisoned block fails with EHWPOISON (or EFAULT).
 */
#define XDAX_PIN_READONLY	(1U << 0)	/* without FOLL_WRITE */
#define XDAX_PIN_MAX_BYTES	(1ULL << 30)

struct xdax_pin {
	__u32 size;
	__u32 flags;		/* XDAX_PIN_* */
	__u64 addr;
	__u64 length;
	__u64 id;		/* out: handle for XDAX_IOC_UNPIN */
};

/* XDAX_IOC_UNPIN: release the pin `id` (ENOENT if this file holds none). */
struct xdax_unpin {
	__u32 size;
	__u32 flags;		/* 0 */
	__u64 id;
};

/*
 * XDAX_IOC_STATS: block accounting.  free + in_use + awaiting_reclaim +
 * poisoned == total always holds in one snapshot.
 */
struct xdax_stats {
	__u32 size;
	__u32 flags;		/* 0 */
	__u64 file_size;	/* current size, bytes */
	__u64 total;		/* blocks in the range */
	__u64 free;		/* refcount frozen at 0 */
	__u64 in_use;		/* in the file: entry reference held */
	__u64 awaiting_reclaim;	/* out of the file, still referenced */
	__u64 page_free_calls;	/* xdax's page_free: blocks returned by the 1->0 freeze */
	__u64 kernel_free_calls;/* the kernel's pgmap page_free/folio_free: must stay 0 */
	__u64 anomalies;	/* protocol violations seen (each also logged) */
	__u64 pte_faults;	/* faults mapped with a 4 KiB PTE */
	__u64 pmd_faults;	/* faults mapped with a 2 MiB PMD */
	__u64 reclaim_events;	/* blocks freed after a call left them awaiting */
	__u64 pinned_pages;	/* pages pinned through XDAX_IOC_PIN, all files */
	__u64 zeroed;		/* blocks zeroed before first use */
	__u64 poisoned;		/* blocks out of service after a memory failure */
	__u64 memory_failures;	/* memory failures the kernel reported in the range */
};

/*
 * XDAX_IOC_AUDIT: walk every block and compare its page refcount with its
 * state: free and poisoned => 0 and unmapped, in use => >= 1 with exactly one
 * entry pointing at it, awaiting reclaim => >= 1 with no entry.  Each mismatch
 * is logged.  It changes nothing (stats.anomalies counts protocol violations
 * seen by the protocol itself, not by audits).
 */
struct xdax_audit {
	__u32 size;
	__u32 flags;		/* 0 */
	__u64 checked;		/* out: blocks walked */
	__u64 mismatches;	/* out */
};

/*
 * XDAX_IOC_QUERY: the block behind one file offset, and its refcount now.
 * With XDAX_QUERY_BLOCK, `block` (below total, else EINVAL) is looked at
 * directly instead, e.g. to see a free block's refcount, and `offset` must be
 * 0; without the flag `block` must be 0 on input (EINVAL).
 */
#define XDAX_QUERY_BLOCK	(1U << 0)

enum xdax_block_state {
	XDAX_BLOCK_FREE = 0,
	XDAX_BLOCK_IN_USE = 1,
	XDAX_BLOCK_AWAITING_RECLAIM = 2,
	XDAX_BLOCK_HOLE = 3,	/* no block at this offset */
	XDAX_BLOCK_POISONED = 4,	/* out of service: never allocated again */
};

/* xdax_query.attrs */
#define XDAX_ATTR_POISONED	(1U << 0)	/* a memory failure hit the block */

struct xdax_query {
	__u32 size;
	__u32 flags;		/* XDAX_QUERY_* */
	__u64 offset;		/* any byte offset below the capacity (EFBIG) */
	__u64 block;		/* out (in with XDAX_QUERY_BLOCK): block index, ~0 for a hole */
	__u32 state;		/* out: enum xdax_block_state */
	__s32 refcount;		/* out: folio_ref_count of the block, -1 for a hole */
	__s32 mapcount;		/* out: folio_mapcount, -1 where the kernel keeps none */
	__u32 attrs;		/* out: XDAX_ATTR_* */
};

/*
 * read(): whole struct xdax_event records; EAGAIN if none and O_NONBLOCK; a
 * buffer smaller than the record is EINVAL.  Events of a kind coalesce: one
 * record tells everything of its kind since this file's previous one.  A
 * read that cannot copy the record out (EFAULT) consumes nothing.
 *
 * XDAX_EVENT_RECLAIM: blocks a call had left awaiting reclaim were freed
 * (by whoever freed them: the reaper, the UNPIN or close that dropped the
 * last pin, or a later call that adopted them).
 * XDAX_EVENT_POISON: a memory failure hit blocks of the device.  Mappers of
 * a poisoned block get SIGBUS (BUS_MCEERR_AR) on access until the range is
 * punched or truncated; the block is never allocated again.  A pending
 * POISON record is returned before a RECLAIM one.
 */
#define XDAX_EVENT_RECLAIM	1
#define XDAX_EVENT_POISON	2

struct xdax_event {
	__u32 size;		/* sizeof(struct xdax_event) */
	__u32 type;		/* XDAX_EVENT_* */
	__u64 seq;		/* events of this type since load, at this record */
	__u64 reclaimed;	/* RECLAIM: blocks freed since this file's previous one */
	__u64 awaiting_reclaim;	/* blocks still awaiting reclaim */
	__u64 free;		/* free blocks now */
	__u64 poisoned;		/* POISON: blocks poisoned since this file's previous one */
};

#define XDAX_IOC_INFO		_IOWR(XDAX_IOC_MAGIC, 0x00, struct xdax_info)
#define XDAX_IOC_SET_SIZE	_IOWR(XDAX_IOC_MAGIC, 0x01, struct xdax_set_size)
#define XDAX_IOC_PUNCH		_IOWR(XDAX_IOC_MAGIC, 0x02, struct xdax_punch)
#define XDAX_IOC_ALLOCATE	_IOWR(XDAX_IOC_MAGIC, 0x03, struct xdax_allocate)
#define XDAX_IOC_PIN		_IOWR(XDAX_IOC_MAGIC, 0x04, struct xdax_pin)
#define XDAX_IOC_UNPIN		_IOW(XDAX_IOC_MAGIC, 0x05, struct xdax_unpin)
#define XDAX_IOC_STATS		_IOWR(XDAX_IOC_MAGIC, 0x06, struct xdax_stats)
#define XDAX_IOC_AUDIT		_IOWR(XDAX_IOC_MAGIC, 0x07, struct xdax_audit)
#define XDAX_IOC_QUERY		_IOWR(XDAX_IOC_MAGIC, 0x08, struct xdax_query)

#endif /* _UAPI_LINUX_XDAX_H */
