/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stack allocator (Go's runtime/stack.go): power-of-two blocks carved
 * from manual spans, outside the object classes. stack.c explains it and
 * states its invariants; the top of gospan.c places it beside the object
 * path.
 */
#ifndef _GOSPAN_STACK_H
#define _GOSPAN_STACK_H

#include <linux/sizes.h>
#include <linux/types.h>

#include "mheap.h"

/* The smallest stack (Go's _FixedStack on Linux): 2 KiB. */
#define GOSPAN_STACK_MIN_SHIFT		11
#define GOSPAN_STACK_MIN		BIT(GOSPAN_STACK_MIN_SHIFT)
/* Orders 0-3: 2, 4, 8 and 16 KiB blocks (Go's _NumStackOrders). */
#define GOSPAN_NUM_STACK_ORDERS		4
/* A stackcache holds up to this much per order; a pool span is this long. */
#define GOSPAN_STACK_CACHE_SIZE		SZ_32K
#define GOSPAN_STACK_SPAN_PAGES		(GOSPAN_STACK_CACHE_SIZE >> GOSPAN_PAGE_SHIFT)
/* The largest stack: a whole chunk, the largest span the heap makes. */
#define GOSPAN_STACK_MAX		GOSPAN_CHUNK_BYTES
/* stackLarge lists: one per log2 of the page count. */
#define GOSPAN_STACK_LARGE_LISTS	(GOSPAN_CHUNK_PAGES_SHIFT + 1)

/**
 * struct gospan_stackfreelist - one order of one CPU's stackcache
 * @list: free blocks, each holding the address of the next (Go's gclinkptr)
 * @size: bytes on @list
 */
struct gospan_stackfreelist {
	void *list;
	size_t size;
};

/**
 * struct gospan_stackcache - one CPU's stackcache (Go's mcache.stackcache)
 * @order: per order
 *
 * Protected by the CPU's mcache lock (the busy flag, mcache.h), as Go's is
 * by owning the P.
 */
struct gospan_stackcache {
	struct gospan_stackfreelist order[GOSPAN_NUM_STACK_ORDERS];
};

void gospan_stackcache_flush(unsigned int cpu);
size_t gospan_stackcache_bytes(unsigned int cpu, unsigned int order);
unsigned long gospan_stack_free_pages(bool reclaimable);
unsigned long gospan_stack_release(void);
void gospan_stack_init(void);
void gospan_stack_cpu_show(struct seq_file *m, unsigned int cpu);
void gospan_stack_debugfs_init(struct dentry *root);
void gospan_stack_exit(void);

#endif /* _GOSPAN_STACK_H */
