/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Size to size class, and offset to object index (Go's msize.go
 * and the divMagic half of mbitmap.go). The tables are generated into
 * sizeclasses.c by scripts/mksizeclasses; how they are built is explained
 * there and at the top of gospan.c.
 *
 * Invariants the generator checks and kunit/sizeclasses_test.c re-checks:
 *  - class 0 means "no class": a large object served by the mheap;
 *  - gospan_size_to_class(s) is the smallest class whose size is >= s;
 *  - for every offset n of a span, gospan_obj_index(class, n) == n / size.
 */
#ifndef _GOSPAN_MSIZE_H
#define _GOSPAN_MSIZE_H

#include <linux/compiler.h>
#include <linux/math.h>
#include <linux/types.h>

#include "sizeclasses.h"

/**
 * gospan_size_to_class() - the size class that serves @size bytes
 * @size: requested size, at least 1
 *
 * Context: Any context.
 * Return: the class, or 0 when @size exceeds GOSPAN_MAX_SMALL_SIZE and the
 * object is large.
 */
static inline unsigned int gospan_size_to_class(size_t size)
{
	if (size <= GOSPAN_SMALL_SIZE_MAX - GOSPAN_SMALL_SIZE_DIV)
		return gospan_size_to_class8[DIV_ROUND_UP(size,
							  GOSPAN_SMALL_SIZE_DIV)];
	if (size <= GOSPAN_MAX_SMALL_SIZE)
		return gospan_size_to_class128[DIV_ROUND_UP(size - GOSPAN_SMALL_SIZE_MAX,
							    GOSPAN_LARGE_SIZE_DIV)];
	return 0;
}

/**
 * gospan_kmalloc_align() - what an object of gospan_alloc(@size) is aligned to
 * @size: requested size, 1 .. GOSPAN_MAX_SIZE
 *
 * kmalloc's promise: ARCH_KMALLOC_MINALIGN, and the largest power of two
 * dividing @size.
 *
 * Context: Any context.
 * Return: the alignment in bytes.
 */
static inline size_t gospan_kmalloc_align(size_t size)
{
	return max_t(size_t, ARCH_KMALLOC_MINALIGN, size & -size);
}

/**
 * gospan_alloc_class_search() - the smallest class keeping kmalloc's promise
 * @size: requested size, 1 .. GOSPAN_MAX_SMALL_SIZE
 *
 * kmalloc's alignment promise: an object is aligned to the largest power
 * of two dividing its requested size (and a power-of-two size to itself).
 * A class's objects are aligned to the largest power of two dividing the
 * class size (mcentral.c aligns spans for that), so this is the smallest
 * class that holds @size and whose size that power of two divides: mostly
 * gospan_size_to_class(), and a larger class for sizes such as 2560 B
 * (class 2688 B holds only 128-byte alignment; 3072 B gives 1 KiB). The
 * 32 KiB class ends every search. Up to 1 KiB the first class always
 * keeps the promise (every class size there that serves a multiple of 2^k
 * is one too; the KUnit case alloc_class_every_size checks every size), so the
 * search starts above that. gospan_alloc_class() looks the answer up.
 *
 * Context: Any context.
 * Return: the class.
 */
static inline unsigned int gospan_alloc_class_search(size_t size)
{
	unsigned int cls;
	size_t align;

	if (likely(size <= GOSPAN_SMALL_SIZE_MAX - GOSPAN_SMALL_SIZE_DIV))
		return gospan_size_to_class8[DIV_ROUND_UP(size, GOSPAN_SMALL_SIZE_DIV)];
	cls = gospan_size_to_class(size);
	align = gospan_kmalloc_align(size);
	while (unlikely(gospan_class_to_size[cls] & (align - 1)))
		cls++;
	return cls;
}

/* gospan_alloc_class() by DIV_ROUND_UP(size, 8), filled at init (msize.c). */
extern u8 gospan_kmalloc_class[GOSPAN_MAX_SMALL_SIZE / GOSPAN_SMALL_SIZE_DIV + 1];

/**
 * gospan_alloc_class() - the size class gospan_alloc() serves @size from
 * @size: requested size, 0 .. GOSPAN_MAX_SMALL_SIZE
 *
 * gospan_alloc_class_search() of 8 * i for the sizes 8 * i - 7 .. 8 * i,
 * in one load: that class holds them all and keeps their alignment
 * promise, since a size that is not a multiple of 8 is promised only
 * ARCH_KMALLOC_MINALIGN (8), which every class keeps. One table of 4 KiB
 * for the fast path, in place of Go's two and the alignment search above
 * 1 KiB. The price: where 8 * i needs a larger class for its alignment,
 * the few sizes below it share that class rather than the one the search
 * gives them (2553..2559 B get 3072 like 2560, not 2688; 182 sizes up to
 * 32 KiB), never more than kmalloc's (4096 there); the KUnit case
 * alloc_class_every_size checks every size.
 *
 * Context: Any context, after gospan_msize_init().
 * Return: the class; 0 (no class: gospan_alloc() has no window for it)
 * for size 0.
 */
static __always_inline unsigned int gospan_alloc_class(size_t size)
{
	return gospan_kmalloc_class[DIV_ROUND_UP(size, GOSPAN_SMALL_SIZE_DIV)];
}

/**
 * gospan_obj_index() - which object of a span an offset falls in
 * @sizeclass: the span's size class, 1 .. GOSPAN_NUM_SIZE_CLASSES - 1
 * @offset: byte offset from the span's base, within the span
 *
 * Divides by the class's object size with a multiply and a shift, as Go's
 * mspan.divideByElemSize() does.
 *
 * Context: Any context.
 * Return: @offset / gospan_class_to_size[@sizeclass].
 */
static inline u32 gospan_obj_index(unsigned int sizeclass, u32 offset)
{
	return ((u64)offset * gospan_class_to_divmagic[sizeclass]) >> 32;
}

/**
 * gospan_class_span_bytes() - bytes in one span of a class
 * @sizeclass: the size class, 1 .. GOSPAN_NUM_SIZE_CLASSES - 1
 *
 * Context: Any context.
 * Return: the span length in bytes.
 */
static inline u32 gospan_class_span_bytes(unsigned int sizeclass)
{
	return (u32)gospan_class_to_allocnpages[sizeclass] << GOSPAN_PAGE_SHIFT;
}

#endif /* _GOSPAN_MSIZE_H */
