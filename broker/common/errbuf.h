/* errbuf.h -- the (char *err, size_t errlen) out-parameter convention of
 * the loaders and parsers (config, log, props, memlimit): a function that
 * fails writes a one-line, NUL-terminated message into the caller's buffer
 * (truncated to fit); err may be NULL or errlen 0 when the caller does not
 * want the message.
 */
#ifndef COMMON_ERRBUF_H
#define COMMON_ERRBUF_H

#include <stddef.h>

/* Formats the message into err[errlen]; nothing if err is NULL or errlen 0. */
void errbuf_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
