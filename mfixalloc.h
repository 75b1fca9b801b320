/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size object allocator for gospan's own metadata (Go's fixalloc,
 * runtime/mfixalloc.go): span descriptors now, mcaches later. Objects are
 * carved from whole kernel pages, never one kmalloc each, and freed objects
 * are reused first. The pages go back to the kernel only when the
 * allocator is destroyed, as in Go.
 */
#ifndef _GOSPAN_MFIXALLOC_H
#define _GOSPAN_MFIXALLOC_H

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct gospan_fixalloc - Go's fixalloc
 * @lock: protects every other field; a leaf lock, taken with interrupts
 *	saved and never across a page allocation
 * @size: object size, at least a pointer
 * @free: freed objects, linked through their first word
 * @chunk: next free byte of the current page
 * @nchunk: bytes left there
 * @pages: every page taken, linked through page->lru
 * @inuse: bytes in allocated objects (MSpanInuse in Go's MemStats)
 * @sys: bytes of pages taken (MSpanSys)
 */
struct gospan_fixalloc {
	spinlock_t lock;	/* protects all below; leaf lock */
	size_t size;
	void *free;
	void *chunk;
	size_t nchunk;
	struct list_head pages;
	size_t inuse;
	size_t sys;
};

void gospan_fixalloc_init(struct gospan_fixalloc *f, size_t size);
void *gospan_fixalloc_alloc(struct gospan_fixalloc *f, gfp_t gfp);
void gospan_fixalloc_free(struct gospan_fixalloc *f, void *obj);
size_t gospan_fixalloc_destroy(struct gospan_fixalloc *f);

#endif /* _GOSPAN_MFIXALLOC_H */
