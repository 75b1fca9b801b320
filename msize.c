// SPDX-License-Identifier: GPL-2.0
/*
 * Rounding request sizes to size classes, and the sizeclasses
 * table in debugfs. The classes themselves are generated (sizeclasses.c);
 * see the top of gospan.c for where they sit in the allocation path.
 */
#include <linux/align.h>
#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/seq_file.h>

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

/*
 * One row per class, with the columns and meanings of the comment table Go
 * prints into sizeclasses.go. max_waste is the share of a span lost when
 * every object is one byte larger than the previous class (the worst fit)
 * plus the tail; it is printed in hundredths of a percent, rounded.
 */
static int sizeclasses_show(struct seq_file *m, void *unused)
{
	unsigned int c, prev = 0;

	seq_puts(m, "class  bytes/obj  bytes/span  objects  tail_waste  max_waste  min_align\n");
	for (c = 1; c < GOSPAN_NUM_SIZE_CLASSES; c++) {
		u32 size = gospan_class_to_size[c];
		u32 span = gospan_class_span_bytes(c);
		u32 objects = span / size;
		u32 tail = span - objects * size;
		u64 waste = (u64)(size - prev - 1) * objects + tail;
		u32 hundredths = div_u64(waste * 20000 + span, 2 * span);
		u32 align = 1U << min_t(u32, __ffs(size), GOSPAN_PAGE_SHIFT);

		seq_printf(m, "%5u  %9u  %10u  %7u  %10u  %5u.%02u%%  %9u\n",
			   c, size, span, objects, tail,
			   hundredths / 100, hundredths % 100, align);
		prev = size;
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sizeclasses);

void gospan_msize_debugfs_init(struct dentry *root)
{
	debugfs_create_file("sizeclasses", 0444, root, NULL, &sizeclasses_fops);
}
