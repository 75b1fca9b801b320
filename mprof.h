/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Heap profile sampling (Go's MemProfileRate, malloc.go's nextSample and
 * mprof.go): the hot-path parts, inlined. mprof.c explains the sampling
 * and has the rest.
 */
#ifndef _GOSPAN_MPROF_H
#define _GOSPAN_MPROF_H

#include <linux/jump_label.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "mheap.h"

/* On while memprofilerate is not 0: off, the hooks cost nothing. */
DECLARE_STATIC_KEY_FALSE(gospan_mprof_on);

/* Bytes this CPU allocates before its next sample (Go's mcache.nextSample). */
DECLARE_PER_CPU(long, gospan_next_sample);

/**
 * gospan_mprof_count() - count an allocation towards the next sample
 * @size: its size
 *
 * Context: Any context but NMI.
 * Return: true if this allocation is to be sampled: the caller then passes
 * it to gospan_mprof_malloc() (through the allocation hooks).
 */
static __always_inline bool gospan_mprof_count(size_t size)
{
	if (!static_branch_unlikely(&gospan_mprof_on))
		return false;
	return unlikely(this_cpu_sub_return(gospan_next_sample, size) < 0);
}

/**
 * gospan_mprof_page_marked() - whether an object's page holds a sample
 * @p: an object being handed out (its span is held: its arena stays)
 *
 * A hint, read without a lock: a record in the page may be stale (its
 * object freed), and gospan_mprof_alloc_check() then forgets it.
 *
 * Context: Any context.
 * Return: true if the page's count of recorded samples is not 0.
 */
static __always_inline bool gospan_mprof_page_marked(const void *p)
{
	unsigned long off = (unsigned long)p - PAGE_OFFSET;
	struct gospan_heap_arena *a;

	a = rcu_dereference_raw(gospan_heap.arenas[off >> GOSPAN_CHUNK_SHIFT]);
	return READ_ONCE(a->sampled[(off >> GOSPAN_PAGE_SHIFT) & (GOSPAN_CHUNK_PAGES - 1)]);
}

void gospan_mprof_malloc(const void *p, size_t size, gfp_t gfp);
void gospan_mprof_alloc_check(const void *p);
void gospan_mprof_span_freed(unsigned long base, unsigned long npages);
int gospan_mprof_init(struct dentry *root);
void gospan_mprof_exit(void);
unsigned int gospan_mprof_set_rate(unsigned int rate);
unsigned long gospan_mprof_live(void);
void gospan_mprof_estimate(const char *func, u64 *objects, u64 *bytes, unsigned long *samples);

#endif /* _GOSPAN_MPROF_H */
