/* props.h -- Java ".properties" files (java.util.Properties.load syntax).
 *
 * Syntax accepted (as Java does):
 *   key=value   key:value   key value      (first unescaped '=', ':' or blank ends the key)
 *   # comment   ! comment                  (first non-blank character of a line)
 *   leading blanks (space, tab, form feed) are ignored; the value keeps trailing blanks
 *   a line ending in an odd number of backslashes continues on the next line
 *     (the next line's leading blanks are dropped)
 *   escapes in keys and values: \t \n \r \f \uXXXX (UTF-16, surrogate pairs joined,
 *     written as UTF-8); any other \x stands for x (\\ \= \: \# \! \ ...)
 *   a key given twice: the later value wins (the key keeps its first position)
 * Bytes >= 0x80 are passed through unchanged (files are taken to be UTF-8, where
 * Java would read ISO-8859-1; ASCII files read the same either way).
 *
 * The result is an ordered list of key/value pairs (file order), used by the
 * broker (server.properties), the ZooKeeper-compatible server (zoo.cfg) and tools.
 */
#ifndef COMMON_PROPS_H
#define COMMON_PROPS_H

#include <stddef.h>

typedef struct props props;

props *props_new(void);
/* Reads and parses a file. NULL on error, with a message in err
 * ("<path>: No such file or directory", "<path>:<line>: Malformed \uxxxx encoding."). */
props *props_load(const char *path, char *err, size_t errlen);
/* Parses text (need not be NUL-terminated). NULL on malformed \u escape or out of memory. */
props *props_parse(const char *text, size_t len);
/* As props_parse, with a message ("line N: ...") on failure; err may be NULL. */
props *props_parse_err(const char *text, size_t len, char *err, size_t errlen);
void props_free(props *p);

/* Value for key, or NULL when absent. */
const char *props_get(const props *p, const char *key);
/* Adds or replaces (in place) a key. 0 on success, -1 out of memory. */
int props_set(props *p, const char *key, const char *value);
/* Removes a key; returns 1 if it was present. */
int props_remove(props *p, const char *key);

/* Iteration in insertion order: for (size_t i = 0; i < props_count(p); i++) ... */
size_t props_count(const props *p);
const char *props_key(const props *p, size_t i);
const char *props_value(const props *p, size_t i);

#endif
