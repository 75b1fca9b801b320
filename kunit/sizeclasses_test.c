// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gospan's size classes (sizeclasses.c, msize.h).
 *
 * The table is generated; these cases check it from first principles
 * rather than by repeating the generator: the properties the allocator
 * relies on, a few rows of Go's own table, and every size and every span
 * offset by brute force.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "gospan.h"
#include "msize.h"
#include "mspan.h"

/* Every size from 1 to 32768 maps to the smallest class that fits it. */
static void size_to_class_is_smallest_fit(struct kunit *test)
{
	unsigned int size, c;

	for (size = 1; size <= GOSPAN_MAX_SMALL_SIZE; size++) {
		c = gospan_size_to_class(size);
		KUNIT_ASSERT_GE_MSG(test, c, 1U, "size %u", size);
		KUNIT_ASSERT_LT_MSG(test, c, GOSPAN_NUM_SIZE_CLASSES, "size %u", size);
		KUNIT_ASSERT_GE_MSG(test, (unsigned int)gospan_class_to_size[c], size,
				    "size %u -> class %u too small", size, c);
		if (c > 1)
			KUNIT_ASSERT_LT_MSG(test,
					    (unsigned int)gospan_class_to_size[c - 1], size,
					    "size %u -> class %u: class %u fits too",
					    size, c, c - 1);
	}
	KUNIT_EXPECT_EQ(test, gospan_size_to_class(GOSPAN_MAX_SMALL_SIZE + 1), 0U);
	KUNIT_EXPECT_EQ(test, gospan_size_to_class(SIZE_MAX), 0U);
}

/*
 * gospan_alloc(size)'s class, for every size up to 32 KiB: it holds the
 * size, keeps kmalloc's alignment promise (the largest power of two
 * dividing the size, at least ARCH_KMALLOC_MINALIGN: the class's size is a
 * multiple of it, and spans start aligned to it), and rounds up no more
 * than kmalloc does in this kernel. It is the first class that does so,
 * but for a size just below a multiple of 8 whose own class had to move up
 * (2553..2559 share 2560's 3072, where 2688 would do): msize.h.
 */
static void alloc_class_every_size(struct kunit *test)
{
	unsigned int size, c, first, coarser = 0;

	for (size = 1; size <= GOSPAN_MAX_SMALL_SIZE; size++) {
		unsigned long align = max_t(unsigned long, ARCH_KMALLOC_MINALIGN, size & -size);
		unsigned int csize;

		c = gospan_alloc_class(size);
		KUNIT_ASSERT_GE_MSG(test, c, 1U, "size %u", size);
		KUNIT_ASSERT_LT_MSG(test, c, GOSPAN_NUM_SIZE_CLASSES, "size %u", size);
		csize = gospan_class_to_size[c];
		KUNIT_EXPECT_GE_MSG(test, csize, size, "size %u -> %u", size, csize);
		KUNIT_EXPECT_EQ_MSG(test, csize % align, 0U, "size %u -> %u", size, csize);
		KUNIT_EXPECT_LE_MSG(test, (size_t)csize, kmalloc_size_roundup(size),
				    "size %u -> %u", size, csize);
		for (first = gospan_size_to_class(size);
		     gospan_class_to_size[first] % align; first++)
			;
		if (first != c) {
			KUNIT_EXPECT_NE_MSG(test, size % ARCH_KMALLOC_MINALIGN, 0U,
					    "size %u -> %u, not %u", size, csize,
					    gospan_class_to_size[first]);
			coarser++;
		}
	}
	kunit_info(test, "%u sizes share a multiple of 8's larger class", coarser);
}

/* The alignment each class's size keeps, by the generator's rules. */
static unsigned int class_align(unsigned int size)
{
	if (size >= GOSPAN_SMALL_SIZE_MAX)
		return GOSPAN_LARGE_SIZE_DIV;
	if (size >= 128)
		return rounddown_pow_of_two(size) / 8;
	if (size >= 32)
		return 16;
	return 8;
}

/* The properties the allocator relies on, for every class. */
static void table_invariants(struct kunit *test)
{
	unsigned int c;

	KUNIT_EXPECT_EQ(test, GOSPAN_NUM_SIZE_CLASSES, 68);
	KUNIT_EXPECT_EQ(test, GOSPAN_PAGE_SIZE, 8192UL);
	KUNIT_EXPECT_EQ(test, gospan_class_to_size[0], 0);
	KUNIT_EXPECT_EQ(test, gospan_class_to_size[GOSPAN_NUM_SIZE_CLASSES - 1],
			GOSPAN_MAX_SMALL_SIZE);

	for (c = 1; c < GOSPAN_NUM_SIZE_CLASSES; c++) {
		u32 size = gospan_class_to_size[c];
		u32 npages = gospan_class_to_allocnpages[c];
		u32 span = gospan_class_span_bytes(c);
		u32 objects = span / size;

		KUNIT_EXPECT_GT_MSG(test, size, (u32)gospan_class_to_size[c - 1],
				    "class %u not larger than the one before", c);
		KUNIT_EXPECT_EQ_MSG(test, size % class_align(size), 0U,
				    "class %u (%u B) misaligned", c, size);
		KUNIT_EXPECT_GE_MSG(test, npages, 1U, "class %u", c);
		KUNIT_EXPECT_LE_MSG(test, npages, (u32)GOSPAN_MAX_CLASS_PAGES,
				    "class %u", c);
		KUNIT_EXPECT_GE_MSG(test, objects, 1U, "class %u", c);
		/* Go's waste bound: the tail is at most 1/8 of the span. */
		KUNIT_EXPECT_LE_MSG(test, span % size, span / 8,
				    "class %u wastes %u of %u", c, span % size, span);
		/* Merged: no neighbour with the same span and object count. */
		if (c > 1 && gospan_class_to_allocnpages[c - 1] == npages)
			KUNIT_EXPECT_NE_MSG(test, objects,
					    span / gospan_class_to_size[c - 1],
					    "classes %u and %u not merged", c - 1, c);
		/* Grown: 128 B more would not fit the same count. */
		KUNIT_EXPECT_LT_MSG(test,
				    span / ALIGN(size + 1, GOSPAN_LARGE_SIZE_DIV),
				    objects, "class %u could be larger", c);
	}
}

/* Rows of Go 1.19's runtime/sizeclasses.go, copied by hand. */
static const struct {
	unsigned int class, size, span, objects;
} go_rows[] = {
	{ 1, 8, 8192, 1024 }, { 3, 24, 8192, 341 }, { 5, 48, 8192, 170 },
	{ 19, 288, 8192, 28 }, { 35, 1408, 16384, 11 }, { 41, 3072, 24576, 8 },
	{ 50, 6912, 49152, 7 }, { 52, 9472, 57344, 6 }, { 60, 18432, 73728, 4 },
	{ 65, 27264, 81920, 3 }, { 67, 32768, 32768, 1 },
};

static void matches_go_table(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(go_rows); i++) {
		unsigned int c = go_rows[i].class;

		KUNIT_EXPECT_EQ_MSG(test, (unsigned int)gospan_class_to_size[c],
				    go_rows[i].size, "class %u", c);
		KUNIT_EXPECT_EQ_MSG(test, gospan_class_span_bytes(c),
				    go_rows[i].span, "class %u", c);
		KUNIT_EXPECT_EQ_MSG(test, gospan_class_span_bytes(c) /
				    gospan_class_to_size[c], go_rows[i].objects,
				    "class %u", c);
	}
}

/* The divide constants give offset / size exactly, for every span offset. */
static void divmagic_is_exact(struct kunit *test)
{
	unsigned int c;
	u32 n;

	for (c = 1; c < GOSPAN_NUM_SIZE_CLASSES; c++) {
		u32 size = gospan_class_to_size[c];
		u32 span = gospan_class_span_bytes(c);

		for (n = 0; n <= span; n++)
			if (gospan_obj_index(c, n) != n / size)
				break;
		KUNIT_EXPECT_EQ_MSG(test, n, span + 1,
				    "class %u (%u B): offset %u gives %u, not %u",
				    c, size, n, gospan_obj_index(c, n), n / size);
	}
}

/* One gospan_fastdiv() against the division it stands for; true if equal. */
static bool fastdiv_ok(u32 off, u32 size)
{
	unsigned long idx;
	bool exact = gospan_fastdiv(off, gospan_fastdiv_of(size), &idx);

	return idx == off / size && exact == !(off % size);
}

/*
 * gospan_fastdiv(), which the free fast paths use, gives offset / size and
 * whether it divides: for every offset of every class's span, and on both
 * sides of the first 64 and the last 64 object boundaries below 4 MiB (the
 * largest span) for every size a cache's own class may have.
 */
static void fastdiv_is_exact(struct kunit *test)
{
	unsigned int c, k, d;
	u32 n, e, last;

	for (c = 1; c < GOSPAN_NUM_SIZE_CLASSES; c++) {
		u32 size = gospan_class_to_size[c];
		u32 span = gospan_class_span_bytes(c);

		for (n = 0; n <= span; n++)
			if (!fastdiv_ok(n, size))
				break;
		KUNIT_EXPECT_EQ_MSG(test, n, span + 1, "class %u (%u B): offset %u", c, size, n);
	}
	for (e = 8; e <= GOSPAN_MAX_SMALL_SIZE; e += 8) {
		last = SZ_4M / e;
		for (k = 0; k <= 128; k++) {
			n = (k <= 64 ? k : last - (k - 65)) * e;
			for (d = 0; d < 3; d++)
				KUNIT_ASSERT_TRUE_MSG(test, (!n && !d) || fastdiv_ok(n + d - 1, e),
						      "size %u: offset %u", e, n + d - 1);
		}
	}
}

static void size_roundup(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(0), 0UL);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(1), 8UL);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(17), 24UL);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(1025), 1152UL);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(32768), 32768UL);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(32769), 40960UL);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(KMALLOC_MAX_SIZE),
			(size_t)KMALLOC_MAX_SIZE);
	/* Like kmalloc_size_roundup(): a size that fails again, never 0. */
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(KMALLOC_MAX_SIZE + 1),
			(size_t)KMALLOC_MAX_SIZE + 1);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(SIZE_MAX), SIZE_MAX);
	/* kmalloc's alignment: 2560 B needs 512-byte alignment, 2688 B has 128. */
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(2560), 3072UL);
}

static struct kunit_case sizeclasses_cases[] = {
	KUNIT_CASE(size_to_class_is_smallest_fit),
	KUNIT_CASE(alloc_class_every_size),
	KUNIT_CASE(table_invariants),
	KUNIT_CASE(matches_go_table),
	KUNIT_CASE(divmagic_is_exact),
	KUNIT_CASE(fastdiv_is_exact),
	KUNIT_CASE(size_roundup),
	{}
};

static struct kunit_suite sizeclasses_suite = {
	.name = "gospan_sizeclasses",
	.test_cases = sizeclasses_cases,
};

kunit_test_suite(sizeclasses_suite);

MODULE_IMPORT_NS(GOSPAN);
MODULE_IMPORT_NS(GOSPAN_INTERNAL);
MODULE_DESCRIPTION("KUnit tests for gospan");
MODULE_LICENSE("GPL");
