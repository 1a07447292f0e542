/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdax's tracepoints: the `xdax` trace system, one event per transition of
 * docs/design.md ("Tracepoints").  Blocks are device block numbers (as
 * XDAX_IOC_QUERY and the kernel log give them), offsets are file byte
 * offsets.  The events are created in xdax_main.c (CREATE_TRACE_POINTS);
 * every other file includes this header after xdax.h.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xdax

#if !defined(XDAX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XDAX_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "xdax.h"

TRACE_DEFINE_ENUM(XDAX_WAITED_IDLE);
TRACE_DEFINE_ENUM(XDAX_WAITED_EINTR);
TRACE_DEFINE_ENUM(XDAX_WAITED_TIMEOUT);
TRACE_DEFINE_ENUM(XDAX_WAITED_NOWAIT);

/* A block and a file offset: alloc, detach. */
DECLARE_EVENT_CLASS(xdax_block_offset,
		    TP_PROTO(const struct xdax_dev *xd, unsigned long block, u64 offset),
		    TP_ARGS(xd, block, offset),
		    TP_STRUCT__entry(__field(unsigned int, dev)
				     __field(unsigned long, block)
				     __field(u64, offset)),
		    TP_fast_assign(__entry->dev = xd->id;
				   __entry->block = block;
				   __entry->offset = offset;),
		    TP_printk("dev=xdax%u block=%lu offset=%#llx", __entry->dev, __entry->block,
			      __entry->offset));

/* A block installed in the file at @offset (its 0 -> 1 was xdax_zero). */
DEFINE_EVENT(xdax_block_offset, xdax_alloc,
	     TP_PROTO(const struct xdax_dev *xd, unsigned long block, u64 offset),
	     TP_ARGS(xd, block, offset));

/* A block taken out of the file at @offset by a truncate or punch. */
DEFINE_EVENT(xdax_block_offset, xdax_detach,
	     TP_PROTO(const struct xdax_dev *xd, unsigned long block, u64 offset),
	     TP_ARGS(xd, block, offset));

/* A block alone: zero, page_free, reaper_free. */
DECLARE_EVENT_CLASS(xdax_block,
		    TP_PROTO(const struct xdax_dev *xd, unsigned long block),
		    TP_ARGS(xd, block),
		    TP_STRUCT__entry(__field(unsigned int, dev)
				     __field(unsigned long, block)),
		    TP_fast_assign(__entry->dev = xd->id;
				   __entry->block = block;),
		    TP_printk("dev=xdax%u block=%lu", __entry->dev, __entry->block));

/* A free block thawed 0 -> 1 and zeroed, before it is installed. */
DEFINE_EVENT(xdax_block, xdax_zero,
	     TP_PROTO(const struct xdax_dev *xd, unsigned long block),
	     TP_ARGS(xd, block));

/* xdax's page_free: a block frozen 1 -> 0, free again (or out of service). */
DEFINE_EVENT(xdax_block, xdax_page_free,
	     TP_PROTO(const struct xdax_dev *xd, unsigned long block),
	     TP_ARGS(xd, block));

/* The reaper freed a block that a call had left awaiting reclaim. */
DEFINE_EVENT(xdax_block, xdax_reaper_free,
	     TP_PROTO(const struct xdax_dev *xd, unsigned long block),
	     TP_ARGS(xd, block));

/* A fault mapped page @offset of @block at @addr with a PTE or a PMD. */
TRACE_EVENT(xdax_insert,
	    TP_PROTO(const struct xdax_dev *xd, unsigned long block, u64 offset,
		     unsigned long addr, bool pmd, bool write),
	    TP_ARGS(xd, block, offset, addr, pmd, write),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned long, block)
			     __field(u64, offset)
			     __field(unsigned long, addr)
			     __field(bool, pmd)
			     __field(bool, write)),
	    TP_fast_assign(__entry->dev = xd->id;
			   __entry->block = block;
			   __entry->offset = offset;
			   __entry->addr = addr;
			   __entry->pmd = pmd;
			   __entry->write = write;),
	    TP_printk("dev=xdax%u block=%lu offset=%#llx addr=%#lx %s %s", __entry->dev,
		      __entry->block, __entry->offset, __entry->addr,
		      __entry->pmd ? "pmd" : "pte", __entry->write ? "write" : "read"));

/* Every mapping of [offset, offset + len) zapped (len 0: to the end). */
TRACE_EVENT(xdax_zap,
	    TP_PROTO(const struct xdax_dev *xd, u64 offset, u64 len),
	    TP_ARGS(xd, offset, len),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(u64, offset)
			     __field(u64, len)),
	    TP_fast_assign(__entry->dev = xd->id;
			   __entry->offset = offset;
			   __entry->len = len;),
	    TP_printk("dev=xdax%u offset=%#llx len=%#llx", __entry->dev, __entry->offset,
		      __entry->len));

/* A truncate or punch starts settling @blocks blocks (@nowait: one try). */
TRACE_EVENT(xdax_wait_begin,
	    TP_PROTO(const struct xdax_dev *xd, unsigned long blocks, bool nowait,
		     u64 timeout_ns),
	    TP_ARGS(xd, blocks, nowait, timeout_ns),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned long, blocks)
			     __field(bool, nowait)
			     __field(u64, timeout_ns)),
	    TP_fast_assign(__entry->dev = xd->id;
			   __entry->blocks = blocks;
			   __entry->nowait = nowait;
			   __entry->timeout_ns = timeout_ns;),
	    TP_printk("dev=xdax%u blocks=%lu nowait=%d timeout_ns=%llu", __entry->dev,
		      __entry->blocks, __entry->nowait, __entry->timeout_ns));

/* ... and stops: why, how many blocks it freed, how many it leaves. */
TRACE_EVENT(xdax_wait_end,
	    TP_PROTO(const struct xdax_dev *xd, enum xdax_wait_reason reason,
		     unsigned long freed, unsigned long pending),
	    TP_ARGS(xd, reason, freed, pending),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned int, reason)
			     __field(unsigned long, freed)
			     __field(unsigned long, pending)),
	    TP_fast_assign(__entry->dev = xd->id;
			   __entry->reason = reason;
			   __entry->freed = freed;
			   __entry->pending = pending;),
	    TP_printk("dev=xdax%u reason=%s freed=%lu pending=%lu", __entry->dev,
		      __print_symbolic(__entry->reason,
				       { XDAX_WAITED_IDLE, "idle" },
				       { XDAX_WAITED_EINTR, "eintr" },
				       { XDAX_WAITED_TIMEOUT, "timeout" },
				       { XDAX_WAITED_NOWAIT, "nowait" }),
		      __entry->freed, __entry->pending));

/* An event for pollers: @count more blocks reclaimed or poisoned, now at @seq. */
TRACE_EVENT(xdax_event,
	    TP_PROTO(const struct xdax_dev *xd, bool poison, unsigned long count, u64 seq),
	    TP_ARGS(xd, poison, count, seq),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(bool, poison)
			     __field(unsigned long, count)
			     __field(u64, seq)),
	    TP_fast_assign(__entry->dev = xd->id;
			   __entry->poison = poison;
			   __entry->count = count;
			   __entry->seq = seq;),
	    TP_printk("dev=xdax%u type=%s count=%lu seq=%llu", __entry->dev,
		      __entry->poison ? "poison" : "reclaim", __entry->count, __entry->seq));

/* XDAX_IOC_PIN, and XDAX_IOC_UNPIN or the close that ends pin @id. */
DECLARE_EVENT_CLASS(xdax_pin_class,
		    TP_PROTO(const struct xdax_dev *xd, u64 id, unsigned long addr,
			     unsigned long pages),
		    TP_ARGS(xd, id, addr, pages),
		    TP_STRUCT__entry(__field(unsigned int, dev)
				     __field(u64, id)
				     __field(unsigned long, addr)
				     __field(unsigned long, pages)),
		    TP_fast_assign(__entry->dev = xd->id;
				   __entry->id = id;
				   __entry->addr = addr;
				   __entry->pages = pages;),
		    TP_printk("dev=xdax%u id=%llu addr=%#lx pages=%lu", __entry->dev,
			      __entry->id, __entry->addr, __entry->pages));

DEFINE_EVENT(xdax_pin_class, xdax_pin,
	     TP_PROTO(const struct xdax_dev *xd, u64 id, unsigned long addr,
		      unsigned long pages),
	     TP_ARGS(xd, id, addr, pages));

DEFINE_EVENT(xdax_pin_class, xdax_unpin,
	     TP_PROTO(const struct xdax_dev *xd, u64 id, unsigned long addr,
		      unsigned long pages),
	     TP_ARGS(xd, id, addr, pages));

/*
 * A memory failure hit @block (@state: its enum xdax_core_state then;
 * @first: the block was not poisoned before).
 */
TRACE_EVENT(xdax_poison,
	    TP_PROTO(const struct xdax_dev *xd, unsigned long block, unsigned int state,
		     bool first),
	    TP_ARGS(xd, block, state, first),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned long, block)
			     __field(unsigned int, state)
			     __field(bool, first)),
	    TP_fast_assign(__entry->dev = xd->id;
			   __entry->block = block;
			   __entry->state = state;
			   __entry->first = first;),
	    TP_printk("dev=xdax%u block=%lu state=%u first=%d", __entry->dev,
		      __entry->block, __entry->state, __entry->first));

/* A protocol violation (also counted and logged); @what is copied, not kept. */
TRACE_EVENT(xdax_anomaly,
	    TP_PROTO(const struct xdax_dev *xd, unsigned long block, const char *what),
	    TP_ARGS(xd, block, what),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned long, block)
			     __array(char, what, 48)),
	    TP_fast_assign(__entry->dev = xd->id;
			   __entry->block = block;
			   strscpy(__entry->what, what, sizeof(__entry->what));),
	    TP_printk("dev=xdax%u block=%lu what=%s", __entry->dev, __entry->block,
		      __entry->what));

#endif /* XDAX_TRACE_H */

/* Out of tree: define_trace.h finds this header through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xdax_trace
#include <trace/define_trace.h>
