/* id_list.h -- lists of broker ids (a partition's replicas, its ISR, a
 * reassignment's targets) as int32_t arrays: membership, and the text the
 * log lines print them as (id_list.c). */
#ifndef KAFKA_ID_LIST_H
#define KAFKA_ID_LIST_H

#include <stddef.h>
#include <stdint.h>

/* 1 when v is one of a[0..n). */
int id_in_list(const int32_t *a, int n, int32_t v);
/* "1,2,3" with sep ",", "1, 2, 3" with ", " (Scala's mkString), cut at
 * cap - 1 characters and always terminated (cap > 0); the length written. */
size_t id_list_str(char *out, size_t cap, const int32_t *a, int n, const char *sep);

#endif
