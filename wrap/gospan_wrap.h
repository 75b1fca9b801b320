/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What gospan_wrap.ko exports: for each function S of the kernel's slab
 * API (6.12's include/linux/slab.h, mm/util.c, kvfree_call_rcu(), the two
 * mempool helpers that take a cache and kfree_link()), gospan_wrap_S with
 * S's prototype. scripts/gospan-wrap renames a module's references to S
 * into references to gospan_wrap_S; this list is the list of names it
 * renames (it reads them from the module's symbol table).
 */
#ifndef _GOSPAN_WRAP_H
#define _GOSPAN_WRAP_H

#include <linux/slab.h>

struct list_lru;
struct rcu_head;

void *gospan_wrap___kmalloc_noprof(size_t size, gfp_t flags);
void *gospan_wrap___kmalloc_node_noprof(DECL_BUCKET_PARAMS(size, b), gfp_t flags, int node);
void *gospan_wrap___kmalloc_node_track_caller_noprof(DECL_BUCKET_PARAMS(size, b), gfp_t flags,
						     int node, unsigned long caller);
void *gospan_wrap___kmalloc_cache_noprof(struct kmem_cache *s, gfp_t flags, size_t size);
void *gospan_wrap___kmalloc_cache_node_noprof(struct kmem_cache *s, gfp_t flags, int node,
					      size_t size);
void *gospan_wrap___kmalloc_large_noprof(size_t size, gfp_t flags);
void *gospan_wrap___kmalloc_large_node_noprof(size_t size, gfp_t flags, int node);
void *gospan_wrap_krealloc_noprof(const void *p, size_t new_size, gfp_t flags);
void gospan_wrap_kfree(const void *p);
void gospan_wrap_kfree_sensitive(const void *p);
void gospan_wrap_kfree_const(const void *p);
size_t gospan_wrap_ksize(const void *p);
size_t gospan_wrap_kmalloc_size_roundup(size_t size);

void *gospan_wrap___kvmalloc_node_noprof(DECL_BUCKET_PARAMS(size, b), gfp_t flags, int node);
void *gospan_wrap_kvrealloc_noprof(const void *p, size_t size, gfp_t flags);
void gospan_wrap_kvfree(const void *p);
void gospan_wrap_kvfree_sensitive(const void *p, size_t len);
void gospan_wrap_kvfree_call_rcu(struct rcu_head *head, void *ptr);
void gospan_wrap_kvfree_rcu_barrier(void);

struct kmem_cache *gospan_wrap___kmem_cache_create_args(const char *name,
							unsigned int object_size,
							struct kmem_cache_args *args,
							slab_flags_t flags);
void gospan_wrap_kmem_cache_destroy(struct kmem_cache *s);
int gospan_wrap_kmem_cache_shrink(struct kmem_cache *s);
unsigned int gospan_wrap_kmem_cache_size(struct kmem_cache *s);
void *gospan_wrap_kmem_cache_alloc_noprof(struct kmem_cache *s, gfp_t flags);
void *gospan_wrap_kmem_cache_alloc_lru_noprof(struct kmem_cache *s, struct list_lru *lru,
					      gfp_t flags);
void *gospan_wrap_kmem_cache_alloc_node_noprof(struct kmem_cache *s, gfp_t flags, int node);
int gospan_wrap_kmem_cache_alloc_bulk_noprof(struct kmem_cache *s, gfp_t flags, size_t nr,
					     void **p);
void gospan_wrap_kmem_cache_free(struct kmem_cache *s, void *x);
void gospan_wrap_kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p);

void *gospan_wrap_mempool_alloc_slab(gfp_t flags, void *pool_data);
void gospan_wrap_mempool_free_slab(void *element, void *pool_data);
void gospan_wrap_kfree_link(void *p);

#endif /* _GOSPAN_WRAP_H */
