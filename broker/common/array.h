/* array.h -- the one way an array grows by an element (or a few): its
 * capacity doubles, so appending n elements copies O(n) bytes, where one
 * realloc per element copies O(n^2) (a topic of thousands of partitions, a
 * controller's full state, a znode's ACL list from a client). Sizes are
 * checked for overflow before anything is allocated (array.c).
 *
 *     zk_acl *v = array_reserve(a->v, &a->cap, (size_t)a->n + 1, sizeof(*v));
 *     if (!v)
 *         return -1;              // a->v and a->cap untouched
 *     a->v = v;
 *     a->v[a->n++] = acl;
 *
 * The capacity a caller keeps must never exceed what is allocated: reset it
 * to 0 with the pointer when the array is freed. A capacity below what is
 * allocated (0 for an array allocated elsewhere) is safe, only one realloc
 * more. The new capacity depends only on (*cap, need), so parallel arrays
 * of the same length can share one capacity field: grow each from a copy
 * of it, and store it once all have grown.
 */
#ifndef COMMON_ARRAY_H
#define COMMON_ARRAY_H

#include <stddef.h>

/* Returns items with room for at least `need` elements of `size` bytes
 * (size > 0): items itself when *cap >= need, else items reallocated to
 * max(2 * *cap, need, 4) elements, with *cap set to that. NULL when that
 * many bytes do not fit in a size_t or memory runs out: then items (still
 * the caller's, still valid) and *cap are unchanged. */
void *array_reserve(void *items, size_t *cap, size_t need, size_t size);

#endif
