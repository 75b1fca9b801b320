// SPDX-License-Identifier: GPL-2.0
/*
 * Go's fixalloc for gospan's metadata; mfixalloc.h says what it is for.
 * Objects come back zeroed.
 */
#include <linux/align.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/string.h>

#include <linux/export.h>

#include "internal.h"
#include "mfixalloc.h"

/**
 * gospan_fixalloc_init() - set up an empty allocator
 * @f: the allocator
 * @size: object size in bytes, at most a page
 *
 * Context: Any context.
 */
void gospan_fixalloc_init(struct gospan_fixalloc *f, size_t size)
{
	memset(f, 0, sizeof(*f));
	spin_lock_init(&f->lock);
	f->size = ALIGN(max(size, sizeof(void *)), sizeof(void *));
	INIT_LIST_HEAD(&f->pages);
}
EXPORT_SYMBOL_NS_GPL(gospan_fixalloc_init, GOSPAN_INTERNAL);

/* Take an object from the free list or the current page; NULL if neither has one. */
static void *take(struct gospan_fixalloc *f)
{
	void *obj = f->free;

	if (obj) {
		f->free = *(void **)obj;
	} else if (f->nchunk >= f->size) {
		obj = f->chunk;
		f->chunk += f->size;
		f->nchunk -= f->size;
	} else {
		return NULL;
	}
	f->inuse += f->size;
	return obj;
}

/**
 * gospan_fixalloc_alloc() - allocate one zeroed object
 * @f: the allocator
 * @gfp: how to get a new page if none has room; __GFP_ZERO is implied
 *
 * A new page is subject to gospan's fail_grow fault injection.
 *
 * Context: Any context that @gfp allows.
 * Return: the object, or NULL when a page was needed and none came.
 */
void *gospan_fixalloc_alloc(struct gospan_fixalloc *f, gfp_t gfp)
{
	struct page *page = NULL;
	unsigned long flags;
	void *obj;

	for (;;) {
		spin_lock_irqsave(&f->lock, flags);
		if (page) {
			/* Whatever is left of the old page is lost, as in Go. */
			list_add(&page->lru, &f->pages);
			f->chunk = page_address(page);
			f->nchunk = PAGE_SIZE;
			f->sys += PAGE_SIZE;
			page = NULL;
		}
		obj = take(f);
		spin_unlock_irqrestore(&f->lock, flags);
		if (obj)
			break;
		if (gospan_should_fail_grow(PAGE_SIZE))
			return NULL;
		page = alloc_page(gospan_grow_gfp(gfp, 0, false));
		if (!page)
			return NULL;
		/* Scanned for pointers (to tiny-block state...), never reported. */
		kmemleak_alloc(page_address(page), PAGE_SIZE, 0, gfp);
	}
	memset(obj, 0, f->size);
	return obj;
}
EXPORT_SYMBOL_NS_GPL(gospan_fixalloc_alloc, GOSPAN_INTERNAL);

/**
 * gospan_fixalloc_free() - give an object back for reuse
 * @f: the allocator
 * @obj: an object from gospan_fixalloc_alloc() on @f
 *
 * Context: Any context.
 */
void gospan_fixalloc_free(struct gospan_fixalloc *f, void *obj)
{
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	*(void **)obj = f->free;
	f->free = obj;
	f->inuse -= f->size;
	spin_unlock_irqrestore(&f->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(gospan_fixalloc_free, GOSPAN_INTERNAL);

/**
 * gospan_fixalloc_destroy() - give every page back to the kernel
 * @f: the allocator
 *
 * While objects are still allocated the pages stay where they are (leaked,
 * never freed under someone's feet): the caller reports the return value.
 *
 * Context: Process context.
 * Return: bytes still in use; 0 when every page went back.
 */
size_t gospan_fixalloc_destroy(struct gospan_fixalloc *f)
{
	struct page *page, *next;
	size_t inuse = f->inuse;

	if (inuse)
		return inuse;
	list_for_each_entry_safe(page, next, &f->pages, lru) {
		list_del(&page->lru);
		kmemleak_free(page_address(page));
		__free_page(page);
	}
	gospan_fixalloc_init(f, f->size);
	return inuse;
}
EXPORT_SYMBOL_NS_GPL(gospan_fixalloc_destroy, GOSPAN_INTERNAL);
