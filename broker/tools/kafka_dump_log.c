/* kafka_dump_log.c -- kafka-dump-log.sh: prints log segment files the way
 * Apache Kafka 2.5's DumpLogSegments does, reading them directly:
 *
 *   .log        "Starting offset: N", one line per batch (baseOffset: ...
 *               isvalid: true), with --deep-iteration / --print-data-log one
 *               "| offset: ..." line per record (key: / payload: with data)
 *   .index      "offset: O position: P" (checked against the .log)
 *   .timeindex  "timestamp: T offset: O" (checked against .index and .log)
 *   .txnindex   aborted transactions
 *
 * --verify-index-only checks without printing entries, --index-sanity-check
 * runs the broker's startup check ("<file> passed sanity check.").
 * Mismatches, non-consecutive offsets and time index errors go to stderr at
 * the end, as in Kafka. --offsets-decoder prints __consumer_offsets records
 * as GroupMetadataManager's formatter does (tools_offsets.c); the
 * --transaction-log-decoder is not implemented yet. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "records.h"
#include "tools.h"

static const opt_spec specs[] = {
    {"deep-iteration", OPT_FLAG, NULL, "if set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."},
    {"files", OPT_ARG, "String: file1, file2, ...", "REQUIRED: The comma separated list of data and index log files to be dumped."},
    {"index-sanity-check", OPT_FLAG, NULL, "if set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not."},
    {"key-decoder-class", OPT_ARG, "String", "if set, used to deserialize the keys. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory. (default: kafka.serializer.StringDecoder)"},
    {"max-message-size", OPT_ARG, "Integer: size", "Size of largest message. (default: 5242880)"},
    {"offsets-decoder", OPT_FLAG, NULL, "if set, log data will be parsed as offset data from the __consumer_offsets topic."},
    {"print-data-log", OPT_FLAG, NULL, "if set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."},
    {"value-decoder-class", OPT_ARG, "String", "if set, used to deserialize the messages. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory. (default: kafka.serializer.StringDecoder)"},
    {"verify-index-only", OPT_FLAG, NULL, "if set, just verify the index log without printing its content."},
    {NULL, 0, NULL, NULL},
};

/* ------------------------------------------------------------------------
 * Files
 * ---------------------------------------------------------------------- */
typedef struct mfile {
    const uint8_t *p;
    size_t len;
} mfile;

static int map_file(const char *path, mfile *m) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    m->len = (size_t)st.st_size;
    m->p = NULL;
    if (m->len > 0) {
        void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            close(fd);
            return -1;
        }
        m->p = p;
    }
    close(fd);
    return 0;
}

static void unmap_file(mfile *m) {
    if (m->p)
        munmap((void *)m->p, m->len);
    m->p = NULL;
}

static void die_io(const char *path) __attribute__((noreturn));
static void die_io(const char *path) {
    fflush(stdout);
    fprintf(stderr, "Exception in thread \"main\" java.nio.file.NoSuchFileException: %s (%s)\n", path,
            strerror(errno));
    exit(1);
}

/* "dir/00000000000000000042.index" -> 42 and "dir/00000000000000000042.log" */
static int64_t base_offset_of(const char *path) {
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    char *end;
    long long v = strtoll(name, &end, 10);
    if (end == name || *end != '.') {
        fflush(stdout);
        fprintf(stderr, "Exception in thread \"main\" java.lang.NumberFormatException: For input string: \"%.*s\"\n",
                (int)strcspn(name, "."), name);
        exit(1);
    }
    return v;
}

static char *sibling(const char *path, const char *suffix) {
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t dirlen = (size_t)(name - path);
    size_t stem = strcspn(name, ".");
    char *out = malloc(dirlen + stem + strlen(suffix) + 1);
    if (!out)
        abort();
    memcpy(out, path, dirlen + stem);
    strcpy(out + dirlen + stem, suffix);
    return out;
}

static char *abs_path(const char *path) {
    char *r = realpath(path, NULL);
    return r ? r : strdup(path);
}

/* Error reports printed at the end (stderr), per file. */
typedef struct report {
    char *file;
    int kind; /* 0 index mismatch, 1 non-consecutive, 2 time mismatch, 3 out of order, 4 not found */
    int64_t a, b;
} report;
static report *reports;
static int nreports, capreports;

static void add_report(const char *file, int kind, int64_t a, int64_t b) {
    if (nreports == capreports) {
        capreports = capreports ? capreports * 2 : 16;
        reports = realloc(reports, (size_t)capreports * sizeof(report));
        if (!reports)
            abort();
    }
    reports[nreports++] = (report){abs_path(file), kind, a, b};
}

/* ------------------------------------------------------------------------
 * Batches
 * ---------------------------------------------------------------------- */
/* Next batch at off: returns its size (12 + Length), 0 at the end (not
 * enough bytes for a whole batch). */
static size_t next_batch(const mfile *m, size_t off) {
    if (m->len - off < RB_LOG_OVERHEAD + 5 || off > m->len)
        return 0;
    int32_t len = (int32_t)be32_get(m->p + off + 8);
    if (len < 14 || (size_t)len > m->len - off - RB_LOG_OVERHEAD)
        return 0;
    return (size_t)len + RB_LOG_OVERHEAD;
}

static int batch_magic(const uint8_t *b) { return (int8_t)b[16]; }

static int64_t batch_last_offset(const uint8_t *b, size_t size) {
    if (batch_magic(b) >= 2 && size >= RB_HEADER_SIZE)
        return rbh_last_offset(b);
    return (int64_t)be64_get(b);
}

static const char *codec_name(int c) {
    static const char *const n[] = {"NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"};
    return c >= 0 && c <= 4 ? n[c] : "UNKNOWN";
}

static int32_t inc_sequence(int32_t base, int32_t delta) {
    if (base > INT32_MAX - delta)
        return base - (INT32_MAX - delta) - 1;
    return base + delta;
}

typedef struct deep_ctx {
    const uint8_t *batch;
    int print_data;
    int64_t *last_offset;
    const char *file;
} deep_ctx;

static int offsets_decoder; /* --offsets-decoder */

static void print_bytes(const char *label, kstr k) {
    printf(" %s: ", label);
    fwrite(k.s, 1, (size_t)k.len, stdout);
}

static int deep_record(void *arg, const record_view *r) {
    deep_ctx *d = arg;
    const uint8_t *b = d->batch;
    if (*d->last_offset == -1)
        *d->last_offset = r->offset;
    else if (r->offset != *d->last_offset + 1)
        add_report(d->file, 1, *d->last_offset, r->offset);
    *d->last_offset = r->offset;
    int16_t attr = rbh_attributes(b);
    int32_t base_seq = rbh_base_sequence(b);
    int32_t seq = base_seq == -1 ? -1 : inc_sequence(base_seq, (int32_t)(r->offset - rbh_base_offset(b)));
    printf("| offset: %lld %s: %lld keysize: %d valuesize: %d sequence: %d headerKeys: [", (long long)r->offset,
           attr & BATCH_ATTR_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime", (long long)r->timestamp,
           r->key.len, r->value.len, seq);
    const uint8_t *hp = r->headers;
    size_t hl = r->headers_len;
    kstr hk, hv;
    for (int i = 0; i < r->nheaders && record_header_next(&hp, &hl, &hk, &hv) == 1; i++)
        printf("%s%.*s", i ? "," : "", hk.len, hk.s);
    printf("]");
    if (attr & BATCH_ATTR_CONTROL) {
        int16_t type = -1;
        if (r->key.len >= 4)
            type = (int16_t)be16_get((const uint8_t *)r->key.s + 2);
        if ((type == 0 || type == 1) && r->value.len >= 6)
            printf(" endTxnMarker: %s coordinatorEpoch: %d", type == 0 ? "ABORT" : "COMMIT",
                   (int32_t)be32_get((const uint8_t *)r->value.s + 2));
        else
            printf(" controlType: UNKNOWN(%d)", type);
    } else if (d->print_data && offsets_decoder) {
        char *k = NULL, *v = NULL;
        if (offsets_format_record((const uint8_t *)r->key.s, r->key.len, (const uint8_t *)r->value.s, r->value.len,
                                  &k, &v) != 0) {
            fflush(stdout);
            fprintf(stderr, "Exception in thread \"main\" org.apache.kafka.common.KafkaException: %s\n", k);
            exit(1);
        }
        printf(" key: %s payload: %s", k, v);
        free(k);
        free(v);
    } else if (d->print_data) {
        if (r->key.len >= 0)
            print_bytes("key", r->key);
        if (r->value.len >= 0)
            print_bytes("payload", r->value);
    }
    printf("\n");
    return 0;
}

static void dump_log(const char *path, int print_data, int deep) {
    int64_t start = base_offset_of(path);
    printf("Starting offset: %lld\n", (long long)start);
    mfile m;
    if (map_file(path, &m) != 0)
        die_io(path);
    size_t off = 0, size;
    int64_t last_offset = -1;
    while ((size = next_batch(&m, off)) > 0) {
        const uint8_t *b = m.p + off;
        int magic = batch_magic(b);
        if (magic >= 2 && size >= RB_HEADER_SIZE) {
            int16_t attr = rbh_attributes(b);
            int32_t base_seq = rbh_base_sequence(b);
            int32_t last_seq = base_seq == -1 ? -1 : inc_sequence(base_seq, rbh_last_offset_delta(b));
            int valid = batch_crc(b, size) == rbh_crc(b);
            printf("baseOffset: %lld lastOffset: %lld count: %d baseSequence: %d lastSequence: %d producerId: %lld "
                   "producerEpoch: %d partitionLeaderEpoch: %d isTransactional: %s isControl: %s",
                   (long long)rbh_base_offset(b), (long long)rbh_last_offset(b), rbh_record_count(b), base_seq,
                   last_seq, (long long)rbh_producer_id(b), rbh_producer_epoch(b), rbh_leader_epoch(b),
                   attr & BATCH_ATTR_TRANSACTIONAL ? "true" : "false", attr & BATCH_ATTR_CONTROL ? "true" : "false");
            printf(" position: %zu %s: %lld size: %zu magic: %d compresscodec: %s crc: %u isvalid: %s\n", off,
                   attr & BATCH_ATTR_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime",
                   (long long)rbh_max_timestamp(b), size, magic, codec_name(attr & BATCH_ATTR_CODEC_MASK),
                   rbh_crc(b), valid ? "true" : "false");
            if (deep) {
                deep_ctx d = {b, print_data, &last_offset, path};
                fflush(stdout);
                batch_records_foreach(b, size, 256u * 1024 * 1024, deep_record, &d);
            }
        } else {
            /* magic 0/1 message (shallow only) */
            int attr = size > 17 ? b[17] : 0;
            uint32_t crc = be32_get(b + 12);
            uint32_t calc = (uint32_t)crc32(0L, b + 16, (uInt)(size - 16));
            int64_t ts = magic == 1 && size >= 26 ? (int64_t)be64_get(b + 18) : -1;
            printf("offset: %lld position: %zu %s: %lld size: %zu magic: %d compresscodec: %s crc: %u isvalid: %s\n",
                   (long long)be64_get(b), off,
                   magic == 0 ? "NO_TIMESTAMP_TYPE" : (attr & 8 ? "LogAppendTime" : "CreateTime"), (long long)ts,
                   size, magic, codec_name(attr & 7), crc, crc == calc ? "true" : "false");
        }
        off += size;
    }
    if (m.len > off) {
        const char *name = strrchr(path, '/');
        printf("Found %zu invalid bytes at the end of %s\n", m.len - off, name ? name + 1 : path);
    }
    unmap_file(&m);
}

/* ------------------------------------------------------------------------
 * Indexes
 * ---------------------------------------------------------------------- */
static void sanity_fail(const char *msg) __attribute__((noreturn));
static void sanity_fail(const char *msg) {
    fflush(stdout);
    fprintf(stderr, "Exception in thread \"main\" org.apache.kafka.common.errors.CorruptRecordException: %s\n", msg);
    exit(1);
}

static void dump_index(const char *path, int sanity, int verify) {
    int64_t base = base_offset_of(path);
    char *logpath = sibling(path, ".log");
    mfile idx, log;
    if (map_file(logpath, &log) != 0)
        die_io(logpath);
    if (map_file(path, &idx) != 0)
        die_io(path);
    size_t entries = idx.len / 8;
    if (sanity) {
        char msg[1024];
        char *ap = abs_path(path);
        if (entries && base + (int32_t)be32_get(idx.p + (entries - 1) * 8) < base) {
            snprintf(msg, sizeof(msg), "Corrupt index found, index file (%s) has non-zero size but the last offset is %lld which is less than the base offset %lld.",
                     ap, (long long)(base + (int32_t)be32_get(idx.p + (entries - 1) * 8)), (long long)base);
            sanity_fail(msg);
        }
        if (idx.len % 8) {
            snprintf(msg, sizeof(msg), "Index file %s is corrupt, found %zu bytes which is neither positive nor a multiple of 8.", ap, idx.len);
            sanity_fail(msg);
        }
        free(ap);
        printf("%s passed sanity check.\n", path);
    } else {
        for (size_t i = 0; i < entries; i++) {
            int64_t off = base + (int32_t)be32_get(idx.p + i * 8);
            uint32_t pos = be32_get(idx.p + i * 8 + 4);
            if (off == base && i > 0)
                break;
            size_t size = pos <= log.len ? next_batch(&log, pos) : 0;
            int64_t first_last = size ? batch_last_offset(log.p + pos, size) : -1;
            if (first_last != off)
                add_report(path, 0, off, first_last);
            if (!verify)
                printf("offset: %lld position: %u\n", (long long)off, pos);
        }
    }
    unmap_file(&idx);
    unmap_file(&log);
    free(logpath);
}

typedef struct maxts {
    int64_t max;
} maxts;

static int max_ts_cb(void *arg, const record_view *r) {
    maxts *m = arg;
    if (r->timestamp > m->max)
        m->max = r->timestamp;
    return 0;
}

/* OffsetIndex.lookup: position of the largest entry <= target (0 if none). */
static uint32_t index_lookup(const mfile *idx, int64_t base, int64_t target) {
    size_t entries = idx->len / 8;
    uint32_t pos = 0;
    for (size_t i = 0; i < entries; i++) {
        int64_t off = base + (int32_t)be32_get(idx->p + i * 8);
        if (off > target || (off == base && i > 0))
            break;
        pos = be32_get(idx->p + i * 8 + 4);
    }
    return pos;
}

static void dump_time_index(const char *path, int sanity, int verify) {
    int64_t base = base_offset_of(path);
    char *logpath = sibling(path, ".log"), *idxpath = sibling(path, ".index");
    mfile tidx, idx, log;
    if (map_file(logpath, &log) != 0)
        die_io(logpath);
    if (map_file(idxpath, &idx) != 0)
        die_io(idxpath);
    if (map_file(path, &tidx) != 0)
        die_io(path);
    size_t entries = tidx.len / 12;
    if (sanity) {
        char msg[1024];
        char *ap = abs_path(path);
        if (entries) {
            int64_t first_ts = (int64_t)be64_get(tidx.p);
            int64_t last_ts = (int64_t)be64_get(tidx.p + (entries - 1) * 12);
            int64_t last_off = base + (int32_t)be32_get(tidx.p + (entries - 1) * 12 + 8);
            if (last_ts < first_ts) {
                snprintf(msg, sizeof(msg), "Corrupt time index found, time index file (%s) has non-zero size but the last timestamp is %lld which is less than the first timestamp %lld",
                         ap, (long long)last_ts, (long long)first_ts);
                sanity_fail(msg);
            }
            if (last_off < base) {
                snprintf(msg, sizeof(msg), "Corrupt time index found, time index file (%s) has non-zero size but the last offset is %lld which is less than the first offset %lld",
                         ap, (long long)last_off, (long long)base);
                sanity_fail(msg);
            }
        }
        if (tidx.len % 12) {
            snprintf(msg, sizeof(msg), "Time index file %s is corrupt, found %zu bytes which is neither positive nor a multiple of 12.", ap, tidx.len);
            sanity_fail(msg);
        }
        free(ap);
        printf("%s passed sanity check.\n", path);
    } else {
        int64_t prev_ts = -1;
        for (size_t i = 0; i < entries; i++) {
            int64_t ts = (int64_t)be64_get(tidx.p + i * 12);
            int64_t off = base + (int32_t)be32_get(tidx.p + i * 12 + 8);
            if (off == base && i > 0)
                break;
            size_t pos = index_lookup(&idx, base, off), size;
            int found = 0;
            while ((size = next_batch(&log, pos)) > 0) {
                int64_t last = batch_last_offset(log.p + pos, size);
                if (last >= off) {
                    found = 1;
                    if (last != off) {
                        add_report(path, 4, off, last);
                    } else {
                        maxts m = {-1};
                        if (batch_magic(log.p + pos) >= 2)
                            batch_records_foreach(log.p + pos, size, 256u * 1024 * 1024, max_ts_cb, &m);
                        if (m.max != ts)
                            add_report(path, 2, ts, m.max);
                        if (prev_ts >= ts)
                            add_report(path, 3, ts, prev_ts);
                    }
                    break;
                }
                pos += size;
            }
            if (!found)
                add_report(path, 4, off, -1);
            if (!verify)
                printf("timestamp: %lld offset: %lld\n", (long long)ts, (long long)off);
            prev_ts = ts;
        }
    }
    unmap_file(&tidx);
    unmap_file(&idx);
    unmap_file(&log);
    free(logpath);
    free(idxpath);
}

static void dump_txn_index(const char *path) {
    mfile m;
    if (map_file(path, &m) != 0)
        die_io(path);
    for (size_t off = 0; off + 34 <= m.len; off += 34) {
        const uint8_t *p = m.p + off;
        printf("version: %d producerId: %lld firstOffset: %lld lastOffset: %lld lastStableOffset: %lld\n",
               (int16_t)be16_get(p), (long long)be64_get(p + 2), (long long)be64_get(p + 10),
               (long long)be64_get(p + 18), (long long)be64_get(p + 26));
    }
    unmap_file(&m);
}

/* ------------------------------------------------------------------------
 * Reports (stderr), in Kafka's order: index mismatches, time index errors,
 * non-consecutive offsets. Kafka prepends to its lists for the index and
 * log checks, so those print newest first.
 * ---------------------------------------------------------------------- */
static void print_group(int kind, const char *title_fmt, const char *line_fmt, int reverse) {
    for (int i = 0; i < nreports; i++) {
        if (reports[i].kind != kind)
            continue;
        int first = 1;
        for (int j = 0; j < i; j++)
            if (reports[j].kind == kind && !strcmp(reports[j].file, reports[i].file))
                first = 0;
        if (!first)
            continue;
        if (title_fmt)
            fprintf(stderr, title_fmt, reports[i].file);
        for (int k = reverse ? nreports - 1 : 0; reverse ? k >= 0 : k < nreports; k += reverse ? -1 : 1)
            if (reports[k].kind == kind && !strcmp(reports[k].file, reports[i].file))
                fprintf(stderr, line_fmt, (long long)reports[k].a, (long long)reports[k].b);
    }
}

int main(int argc, char **argv) {
    opts O;
    opts_parse(&O, specs, argc, argv,
               "This tool helps to parse a log file and dump its contents to the console, useful for debugging a "
               "seemingly corrupt log segment.",
               1);
    opts_require(&O, "files");
    offsets_decoder = opts_has(&O, "offsets-decoder");
    int print_data = opts_has(&O, "print-data-log") || opts_has(&O, "value-decoder-class") ||
                     opts_has(&O, "key-decoder-class") || offsets_decoder;
    int deep = opts_has(&O, "deep-iteration") || print_data;
    int verify = opts_has(&O, "verify-index-only");
    int sanity = opts_has(&O, "index-sanity-check");
    char *files = strdup(opts_get(&O, "files")), *save = NULL;
    if (!files)
        abort();
    for (char *f = strtok_r(files, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        printf("Dumping %s\n", f);
        const char *slash = strrchr(f, '/');
        const char *dot = strrchr(slash ? slash : f, '.');
        const char *suffix = dot ? dot : "";
        if (!strcmp(suffix, ".log"))
            dump_log(f, print_data, deep);
        else if (!strcmp(suffix, ".index"))
            dump_index(f, sanity, verify);
        else if (!strcmp(suffix, ".timeindex"))
            dump_time_index(f, sanity, verify);
        else if (!strcmp(suffix, ".txnindex"))
            dump_txn_index(f);
        else {
            fflush(stdout);
            fprintf(stderr, "Ignoring unknown file %s\n", f);
        }
        fflush(stdout);
    }
    print_group(0, "Mismatches in :%s\n", "  Index offset: %lld, log offset: %lld\n", 1);
    print_group(2, "Found timestamp mismatch in :%s\n", "  Index timestamp: %lld, log timestamp: %lld\n", 0);
    print_group(3, "Found out of order timestamp in :%s\n", "  Index timestamp: %lld, Previously indexed timestamp: %lld\n", 0);
    print_group(4, "The following indexed offsets are not found in the log.\n%.0s",
                "Indexed offset: %lld, found log offset: %lld\n", 0);
    print_group(1, "Non-consecutive offsets in %s\n", "  %lld is followed by %lld\n", 1);
    for (int i = 0; i < nreports; i++)
        free(reports[i].file);
    free(reports);
    free(files);
    opts_free(&O);
    return 0;
}
