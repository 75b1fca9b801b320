/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gospan's statistics (Go's runtime/mstats.go): per-CPU counters that the
 * allocation and free paths bump without a lock, folded when someone reads
 * them, without stopping any CPU. How they stay consistent is explained at
 * the top of mstats.c.
 */
#ifndef _GOSPAN_MSTATS_H
#define _GOSPAN_MSTATS_H

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "mcentral.h"

/**
 * struct gospan_class_stats - one CPU's other counts for one span class
 * @mallocs: objects handed out on this CPU without its mcache (an
 *	interrupt that found the mcache busy)
 * @frees: objects freed on this CPU by setting their freed bit (any free
 *	that did not go into this CPU's window), less the double frees found
 *	when their span was folded
 * @req_bytes: bytes asked for by a sample of the allocations: those that
 *	took the slow path (the fast path counts one thing, the object)
 * @req_samples: how many allocations @req_bytes adds up
 *
 * The common case is counted in the mcache (struct gospan_mcache_class's
 * nmalloc and nfree): one increment per operation.
 */
struct gospan_class_stats {
	unsigned long mallocs;
	unsigned long frees;
	unsigned long req_bytes;
	unsigned long req_samples;
};

/**
 * struct gospan_mstats_cpu - one CPU's counters besides its mcache's
 * @class: per span class
 * @tiny_allocs: tiny objects handed out on this CPU (Go's tinyAllocCount)
 *
 * Written only by the CPU itself, with this_cpu ops (safe against
 * interrupts on the same CPU); read by any CPU, without a lock.
 */
struct gospan_mstats_cpu {
	struct gospan_class_stats class[GOSPAN_NUM_SPAN_CLASSES];
	unsigned long tiny_allocs;
};

/* Allocated at init: too large for a module's static per-CPU reserve. */
extern struct gospan_mstats_cpu __percpu *gospan_mstats;

/* Object size of each span class (0: none), for the byte counts. */
extern unsigned int gospan_spanclass_size[GOSPAN_NUM_SPAN_CLASSES];

/* Bytes of gospan's metadata that live outside the mheap (part of OtherSys). */
extern atomic_long_t gospan_other_sys;

int gospan_mstats_init(void);
void gospan_mstats_exit(void);
void gospan_mstats_retire_class(unsigned int spanclass);
void gospan_mstats_class_counts(unsigned int spc, u64 *mallocs, u64 *frees);
void gospan_mstats_debugfs_init(struct dentry *root);

#endif /* _GOSPAN_MSTATS_H */
