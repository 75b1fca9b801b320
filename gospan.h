/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface other modules use to allocate from gospan.
 *
 * Every symbol here is exported GPL-only in the GOSPAN namespace: a module
 * that calls gospan says MODULE_IMPORT_NS(GOSPAN). How the allocator works is
 * explained at the top of gospan.c.
 */
#ifndef _GOSPAN_H
#define _GOSPAN_H

#include <linux/types.h>

size_t gospan_size_roundup(size_t size);

#endif /* _GOSPAN_H */
