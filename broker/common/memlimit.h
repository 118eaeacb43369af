/* memlimit.h -- a daemon's ceiling for its own memory, taken from
 * KAFKA_HEAP_OPTS -Xmx as the JVM takes its heap size.
 *
 * There is no JVM: -Xmx bounds the memory the daemon itself holds for its
 * clients (request and response buffers, per-connection state; the page
 * cache and mapped index files are not counted). Memory is charged where
 * such buffers grow (metered wbufs in buf.c, the broker's output queue) and
 * released where they are freed.
 *
 * Two kinds of charge:
 *   memlimit_try_charge  for memory the daemon can wait for (reading a
 *                        client's request): refused, with nothing charged,
 *                        when it would pass the admission ceiling; the
 *                        caller stops reading that socket and tries again
 *                        after memlimit_freed() says memory came back.
 *   memlimit_charge      for memory already committed (a response being
 *                        built for an admitted request): always charged.
 * The admission ceiling is the limit less a reserve of an eighth (at least
 * 2 MiB), so that the responses and state the admitted requests produce fit
 * under the limit itself. memlimit_peak() reports the highest total seen.
 *
 * Without memlimit_set the ceiling is unlimited (tools, unit tests).
 */
#ifndef COMMON_MEMLIMIT_H
#define COMMON_MEMLIMIT_H

#include <stddef.h>

/* What KAFKA_HEAP_OPTS said. Sizes in bytes; 0 when the option is absent. */
typedef struct heap_opts {
    size_t xmx, xms;
    char xmx_text[256]; /* the option as written, e.g. "-Xmx400m" */
} heap_opts;

/* Parses the JVM heap options in s (NULL or blank: nothing set): -Xmx<size>
 * and -Xms<size>, size in bytes or with k/K, m/M, g/G, t/T as the JVM reads
 * it; other JVM options (-XX:..., -D..., -verbose...) are accepted and
 * ignored. Returns 0, or -1 with a message naming the value in err for a
 * malformed size, an option that is not a JVM option, -Xmx below min_xmx,
 * or -Xms above -Xmx. */
int heap_opts_parse(const char *s, size_t min_xmx, heap_opts *out, char *err, size_t errlen);

/* The ceiling of a daemon from KAFKA_HEAP_OPTS in the environment: its
 * -Xmx; when the variable is unset or blank, the -Xmx of script_default
 * (what the start script, named script, would have set); when it has no
 * -Xmx, a quarter of physical memory, as the JVM's default. Fills *ho and
 * *limit, and source with where the figure came from (for the start log
 * line). -1 with a message naming the value when it is malformed. */
int memlimit_from_env(const char *script, const char *script_default, size_t min_xmx,
                      heap_opts *ho, size_t *limit, char *source, size_t srclen, char *err,
                      size_t errlen);

/* Formats n bytes the way an operator reads them: "400 MiB", "1.5 GiB". */
const char *memlimit_human(size_t n, char *buf, size_t len);

void memlimit_set(size_t limit);
size_t memlimit_limit(void);     /* 0 = unlimited */
size_t memlimit_admission(void); /* the ceiling try_charge admits up to */
size_t memlimit_used(void);
size_t memlimit_peak(void);
/* What is left under the limit itself (0 at or past it; SIZE_MAX without
 * a limit): the budget for memory a response is about to be built in. */
size_t memlimit_room(void);
/* Whether the memory in use has reached the limit itself (responses have
 * used up the reserve): no new request is started until some is freed. */
int memlimit_full(void);

int memlimit_try_charge(size_t n); /* 0 charged, -1 refused (nothing charged) */
void memlimit_charge(size_t n);
void memlimit_release(size_t n);
/* True once after memory was released since the last call: time to let
 * waiting readers try again. */
int memlimit_freed(void);
/* Gives the allocator's cached free pages back to the system (jemalloc's
 * arena purge; nothing with another allocator), so that resident memory
 * follows the accounted figure while the ceiling is pressed on. */
void memlimit_trim(void);
/* memlimit_trim when what the allocator keeps cached has reached a 64th of
 * the limit, looked at each time a 32nd was released: the cache stays under
 * a sixteenth of the limit (it would otherwise keep freed answers resident
 * for seconds), and pages reused at once are not given back. */
void memlimit_trim_if_due(void);

#endif
