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
 * struct gospan_class_stats - one CPU's counts for one span class
 * @mallocs: objects handed out on this CPU (Go's smallAllocCount)
 * @frees: objects freed on this CPU (Go's smallFreeCount)
 * @req_bytes: bytes the callers asked for in those @mallocs
 */
struct gospan_class_stats {
	unsigned long mallocs;
	unsigned long frees;
	unsigned long req_bytes;
};

/**
 * struct gospan_mstats_cpu - one CPU's counters (Go's heapStatsDelta)
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

/* An object of span class spc was handed out: req bytes asked for. */
static __always_inline void gospan_count_malloc(unsigned int spc, size_t req)
{
	this_cpu_inc(gospan_mstats->class[spc].mallocs);
	this_cpu_add(gospan_mstats->class[spc].req_bytes, req);
}

/* n objects of span class spc were handed out at once: req bytes in all. */
static __always_inline void gospan_count_mallocs(unsigned int spc, unsigned int n,
						 size_t req)
{
	this_cpu_add(gospan_mstats->class[spc].mallocs, n);
	this_cpu_add(gospan_mstats->class[spc].req_bytes, req);
}

/* An object of span class spc was freed: before its span can move. */
static __always_inline void gospan_count_free(unsigned int spc)
{
	this_cpu_inc(gospan_mstats->class[spc].frees);
}

int gospan_mstats_init(void);
void gospan_mstats_exit(void);
void gospan_mstats_retire_class(unsigned int spanclass);
void gospan_mstats_debugfs_init(struct dentry *root);

#endif /* _GOSPAN_MSTATS_H */
