/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What gospan's components share with each other and nobody
 * else. The design is explained at the top of gospan.c.
 */
#ifndef _GOSPAN_INTERNAL_H
#define _GOSPAN_INTERNAL_H

#include <linux/slab.h>

#include "sizeclasses.h"

/*
 * The largest request gospan serves: the same bound as kmalloc() on the
 * running kernel. Larger requests fail cleanly.
 */
#define GOSPAN_MAX_SIZE		KMALLOC_MAX_SIZE

struct dentry;

/* msize.c */
void gospan_msize_debugfs_init(struct dentry *root);

#endif /* _GOSPAN_INTERNAL_H */
