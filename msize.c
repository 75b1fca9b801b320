// SPDX-License-Identifier: GPL-2.0
/*
 * Rounding request sizes to size classes. The classes themselves are
 * generated (sizeclasses.c), and mstats.c shows them in debugfs; see the
 * top of gospan.c for where they sit in the allocation path.
 */
#include <linux/align.h>
#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/init.h>
#include <linux/module.h>

#include "gospan.h"
#include "internal.h"
#include "msize.h"

u8 gospan_kmalloc_class[GOSPAN_MAX_SMALL_SIZE / GOSPAN_SMALL_SIZE_DIV + 1] __ro_after_init;
EXPORT_SYMBOL_NS_GPL(gospan_kmalloc_class, GOSPAN_INTERNAL);

/* Fill gospan_alloc_class()'s table: before anything is allocated. */
void __init gospan_msize_init(void)
{
	unsigned int i;

	static_assert(GOSPAN_NUM_SIZE_CLASSES <= U8_MAX);
	/* gospan_alloc_class(): sizes between multiples of 8 need no more. */
	static_assert(ARCH_KMALLOC_MINALIGN == GOSPAN_SMALL_SIZE_DIV);
	for (i = 1; i < ARRAY_SIZE(gospan_kmalloc_class); i++)
		gospan_kmalloc_class[i] = gospan_alloc_class_search(i * GOSPAN_SMALL_SIZE_DIV);
}

/**
 * gospan_size_roundup() - what a request gets, like kmalloc_size_roundup()
 * @size: requested size in bytes
 *
 * Like kmalloc_size_roundup(): small requests round up to the size class
 * gospan_alloc() serves them from, larger ones to whole gospan pages
 * (GOSPAN_PAGE_SIZE), so that gospan_alloc(gospan_size_roundup(@size))
 * succeeds exactly when gospan_alloc(@size) would, and gives as much.
 *
 * Context: Any context.
 * Return: the rounded size; 0 for 0 (gospan_alloc(0) returns ZERO_SIZE_PTR);
 * @size itself when it is larger than gospan (and kmalloc) will ever serve,
 * so that allocating the result fails too.
 */
size_t gospan_size_roundup(size_t size)
{
	if (!size || size > GOSPAN_MAX_SIZE)
		return size;
	if (size <= GOSPAN_MAX_SMALL_SIZE)
		return gospan_class_to_size[gospan_alloc_class(size)];
	return ALIGN(size, GOSPAN_PAGE_SIZE);
}
EXPORT_SYMBOL_NS_GPL(gospan_size_roundup, GOSPAN);
