/* xalloc.h -- allocations that do not return NULL: out of memory aborts
 * (xalloc.c). For the places that have no way on without the memory, such
 * as a copy of a name or a decoded request's array; a caller that can
 * refuse the work instead (an oversized client request) checks malloc or
 * array_reserve (array.h) itself. */
#ifndef COMMON_XALLOC_H
#define COMMON_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);              /* n == 0 gives a valid, unique pointer */
void *xcalloc(size_t n, size_t size); /* zeroed; likewise for 0 */
char *xstrndup(const char *s, size_t n); /* s[0..n) and a NUL; s may hold NULs */
char *xstrdup(const char *s);

#endif
