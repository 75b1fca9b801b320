/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gospan's tracepoints, under /sys/kernel/tracing/events/gospan/: objects
 * allocated and freed, spans moving between the mcaches, the mcentrals and
 * the mheap, the heap growing and giving memory back. mstats.c creates
 * them; the top of gospan.c explains the path they trace.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gospan

#if !defined(_GOSPAN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GOSPAN_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "mheap.h"

#define GOSPAN_TRACE_NAME_LEN	24

/* An object was handed out: gospan_alloc() (cache "-") or a cache. */
TRACE_EVENT(gospan_alloc,
	    TP_PROTO(const void *ptr, size_t bytes_req, size_t bytes_alloc,
		     unsigned int spanclass, const char *cache, unsigned long caller),
	    TP_ARGS(ptr, bytes_req, bytes_alloc, spanclass, cache, caller),
	    TP_STRUCT__entry(__field(const void *, ptr)
			     __field(size_t, bytes_req)
			     __field(size_t, bytes_alloc)
			     __field(unsigned int, spanclass)
			     __array(char, cache, GOSPAN_TRACE_NAME_LEN)
			     __field(unsigned long, caller)),
	    TP_fast_assign(__entry->ptr = ptr;
			   __entry->bytes_req = bytes_req;
			   __entry->bytes_alloc = bytes_alloc;
			   __entry->spanclass = spanclass;
			   strscpy(__entry->cache, cache ?: "-", GOSPAN_TRACE_NAME_LEN);
			   __entry->caller = caller;),
	    TP_printk("ptr=%p bytes_req=%zu bytes_alloc=%zu class=%u cache=%s caller=%pS",
		      __entry->ptr, __entry->bytes_req, __entry->bytes_alloc,
		      __entry->spanclass, __entry->cache, (void *)__entry->caller)
);

/* An object was freed (a refused free is reported, not traced). */
TRACE_EVENT(gospan_free,
	    TP_PROTO(const void *ptr, unsigned int spanclass, const char *cache,
		     unsigned long caller),
	    TP_ARGS(ptr, spanclass, cache, caller),
	    TP_STRUCT__entry(__field(const void *, ptr)
			     __field(unsigned int, spanclass)
			     __array(char, cache, GOSPAN_TRACE_NAME_LEN)
			     __field(unsigned long, caller)),
	    TP_fast_assign(__entry->ptr = ptr;
			   __entry->spanclass = spanclass;
			   strscpy(__entry->cache, cache ?: "-", GOSPAN_TRACE_NAME_LEN);
			   __entry->caller = caller;),
	    TP_printk("ptr=%p class=%u cache=%s caller=%pS",
		      __entry->ptr, __entry->spanclass, __entry->cache,
		      (void *)__entry->caller)
);

DECLARE_EVENT_CLASS(gospan_span,
		    TP_PROTO(const struct gospan_mspan *s),
		    TP_ARGS(s),
		    TP_STRUCT__entry(__field(unsigned long, base)
				     __field(unsigned long, npages)
				     __field(unsigned int, spanclass)
				     __field(unsigned int, nelems)
				     __field(unsigned int, alloc_count)
				     __field(int, nfreed)),
		    TP_fast_assign(__entry->base = s->base;
				   __entry->npages = s->npages;
				   __entry->spanclass = s->spanclass;
				   __entry->nelems = s->nelems;
				   __entry->alloc_count = s->alloc_count;
				   __entry->nfreed = atomic_read(&s->nfreed);),
		    TP_printk("span=%p npages=%lu class=%u nelems=%u allocated=%u freed_unswept=%d",
			      (void *)__entry->base, __entry->npages, __entry->spanclass,
			      __entry->nelems, __entry->alloc_count, __entry->nfreed)
);

/* An mcentral hands a span to an mcache (Go's cacheSpan). */
DEFINE_EVENT(gospan_span, gospan_cache_span,
	     TP_PROTO(const struct gospan_mspan *s), TP_ARGS(s));
/* An mcache gives a span back to its mcentral (Go's uncacheSpan). */
DEFINE_EVENT(gospan_span, gospan_uncache_span,
	     TP_PROTO(const struct gospan_mspan *s), TP_ARGS(s));
/* A span's frees were folded into its alloc bits (after the sweep). */
DEFINE_EVENT(gospan_span, gospan_sweep,
	     TP_PROTO(const struct gospan_mspan *s), TP_ARGS(s));
/* A span with no live object goes back to the mheap. */
DEFINE_EVENT(gospan_span, gospan_span_free,
	     TP_PROTO(const struct gospan_mspan *s), TP_ARGS(s));

DECLARE_EVENT_CLASS(gospan_heap_pages,
		    TP_PROTO(unsigned long addr, unsigned long npages),
		    TP_ARGS(addr, npages),
		    TP_STRUCT__entry(__field(unsigned long, addr)
				     __field(unsigned long, npages)),
		    TP_fast_assign(__entry->addr = addr;
				   __entry->npages = npages;),
		    TP_printk("addr=%p npages=%lu", (void *)__entry->addr, __entry->npages)
);

/* The mheap took a block of pages from the buddy allocator. */
DEFINE_EVENT(gospan_heap_pages, gospan_heap_grow,
	     TP_PROTO(unsigned long addr, unsigned long npages), TP_ARGS(addr, npages));
/* The mheap gave a chunk's pages back to the kernel. */
DEFINE_EVENT(gospan_heap_pages, gospan_heap_release,
	     TP_PROTO(unsigned long addr, unsigned long npages), TP_ARGS(addr, npages));

#endif /* _GOSPAN_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE gospan_trace
#include <trace/define_trace.h>
