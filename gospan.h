/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface other modules use to allocate from gospan: kmalloc-like
 * (gospan_alloc) and kmem_cache-like (gospan_cache_*). Semantics follow
 * kmalloc and kmem_cache where nothing else is said; the kernel-doc of
 * each function is in gospan.c, and how the allocator works is explained
 * at the top of it.
 *
 * Every symbol here is exported GPL-only in the GOSPAN namespace: a module
 * that calls gospan says MODULE_IMPORT_NS(GOSPAN).
 */
#ifndef _GOSPAN_H
#define _GOSPAN_H

#include <linux/gfp.h>
#include <linux/types.h>

struct gospan_cache;

/* gospan_cache_create() flags. */
#define GOSPAN_HWCACHE_ALIGN	0x1U	/* align objects to cache lines */
/*
 * GOSPAN_TINY: objects under 16 B share 16-byte blocks (Go's tiny
 * allocator), aligned only to their size's lowest power of two; no ctor.
 */
#define GOSPAN_TINY		0x2U

/* Kinds of bad input gospan refuses and counts (gospan_error_count()). */
enum gospan_error {
	GOSPAN_ERR_DOUBLE_FREE,		/* freeing an object that is not allocated */
	GOSPAN_ERR_FOREIGN,		/* a pointer gospan does not own */
	GOSPAN_ERR_INTERIOR,		/* a pointer inside an object, not at its start */
	GOSPAN_ERR_WRONG_CACHE,		/* an object freed to a cache it is not from */
	GOSPAN_ERR_BAD_SIZE,		/* a size of 0 (caches) or over the limit */
	GOSPAN_ERR_BAD_FLAGS,		/* unknown flags, bad alignment, or flags that conflict */
	GOSPAN_ERR_LIVE_AT_DESTROY,	/* a cache destroyed with objects still allocated */
	GOSPAN_NR_ERRORS
};

void *gospan_alloc(size_t size, gfp_t gfp);
void gospan_free(const void *ptr);
size_t gospan_size(const void *ptr);
size_t gospan_size_roundup(size_t size);

struct gospan_cache *gospan_cache_create(const char *name, unsigned int size,
					 unsigned int align, unsigned int flags,
					 void (*ctor)(void *));
void *gospan_cache_alloc(struct gospan_cache *cache, gfp_t gfp);
void gospan_cache_free(struct gospan_cache *cache, void *obj);
int gospan_cache_alloc_bulk(struct gospan_cache *cache, gfp_t gfp, size_t nr,
			    void **objs);
void gospan_cache_free_bulk(struct gospan_cache *cache, size_t nr, void **objs);
int gospan_cache_shrink(struct gospan_cache *cache);
void gospan_cache_destroy(struct gospan_cache *cache);

unsigned long gospan_error_count(enum gospan_error kind);

#endif /* _GOSPAN_H */
