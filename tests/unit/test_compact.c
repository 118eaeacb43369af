/* test_compact.c -- log compaction (broker/kafka/log_cleaner.c): the latest
 * record of every key survives with its offset, older ones and expired
 * tombstones go, neighbouring segments merge, the result reads back and
 * reopens, and a compaction interrupted at each of its crash points leaves
 * either the old segments or the new one. */
#include "unit.h"

#include "records.h"

static const int64_t NOW = 1700000000000LL;

typedef struct rec {
    int64_t offset;
    char key[32];
    char value[64]; /* "" with is_null: tombstone */
    int is_null;
} rec;

static log_config compact_config(void) {
    log_config c;
    log_config_defaults(&c);
    c.segment_bytes = 2048;
    c.cleanup_compact = 1;
    c.cleanup_delete = 0;
    c.delete_retention_ms = 60000;
    c.min_cleanable_ratio = 0.5;
    return c;
}

/* Appends one batch of n records with keys k<key_of(i)>; value NULL = tombstone. */
static void append(plog *l, int n, const char *const *keys, const char *const *values, int64_t ts,
                   int codec) {
    batch_record rs[16];
    for (int i = 0; i < n; i++) {
        rs[i].key = keys[i];
        rs[i].key_len = keys[i] ? (int32_t)strlen(keys[i]) : -1;
        rs[i].value = values[i];
        rs[i].value_len = values[i] ? (int32_t)strlen(values[i]) : -1;
        rs[i].timestamp = ts;
        rs[i].nheaders = 0;
        rs[i].headers = NULL;
    }
    wbuf w;
    wb_init(&w, 256);
    batch_build_v2(&w, 0, ts, rs, n, codec, -1, -1, -1);
    plog_append_info info;
    CHECK_EQ(plog_append(l, w.data, w.len, 0, ts, &info), 0);
    wb_free(&w);
}

typedef struct collect {
    rec *r;
    int n, cap;
} collect;

static int collect_cb(void *arg, const record_view *v) {
    collect *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->r = realloc(c->r, (size_t)c->cap * sizeof(rec));
    }
    rec *r = &c->r[c->n++];
    memset(r, 0, sizeof(*r));
    r->offset = v->offset;
    snprintf(r->key, sizeof r->key, "%.*s", v->key.len > 0 ? v->key.len : 0, v->key.s ? v->key.s : "");
    r->is_null = KSTR_IS_NULL(v->value);
    if (!r->is_null)
        snprintf(r->value, sizeof r->value, "%.*s", v->value.len, v->value.s);
    return 0;
}

/* Every record of the log, in offset order, through plog_read. */
static collect read_all(plog *l) {
    collect c = {0};
    int64_t off = plog_log_start_offset(l);
    while (off < plog_log_end_offset(l)) {
        plog_read_result r;
        if (plog_read(l, off, 1 << 20, 1, &r) != 0 || r.len <= 0) {
            if (r.fd >= 0)
                close(r.fd);
            break;
        }
        uint8_t *buf = malloc((size_t)r.len);
        CHECK_EQ(pread(r.fd, buf, (size_t)r.len, r.file_pos), r.len);
        close(r.fd);
        batch_iter it;
        batch_iter_init(&it, buf, (size_t)r.len);
        const uint8_t *b;
        size_t blen;
        int magic;
        int64_t next = off;
        while (batch_iter_next(&it, &b, &blen, &magic) == 1) {
            CHECK_EQ(batch_validate_v2(b, blen, 1 << 20, NULL, 0), BATCH_OK);
            batch_records_foreach(b, blen, 1 << 20, collect_cb, &c);
            next = rbh_last_offset(b) + 1;
        }
        free(buf);
        if (next <= off)
            break;
        off = next;
    }
    return c;
}

/* Writes the test data: 300 single-record batches over 20 keys, batches of
 * 5 mixed keys, a gzip batch, an old tombstone for k3 (older than
 * delete.retention.ms), a fresh tombstone for k4, then enough records for
 * the tombstones to leave the active segment. Returns the records written. */
static collect write_data(plog *l) {
    collect all = {0};
    char kb[16][32], vb[16][64];
    const char *ks[16], *vs[16];
    int64_t offset = 0;
    for (int i = 0; i < 360; i++) {
        int n = i % 30 == 7 ? 5 : 1;
        int64_t ts = NOW - 10000 + i;
        int codec = i % 45 == 11 ? 1 : 0;
        for (int j = 0; j < n; j++) {
            int k = (i * 7 + j * 3) % 20;
            snprintf(kb[j], sizeof kb[j], "k%d", k);
            snprintf(vb[j], sizeof vb[j], "v%d-%d", i, j);
            ks[j] = kb[j];
            vs[j] = vb[j];
            if (i == 200 && j == 0) { /* old tombstone for k3 */
                snprintf(kb[j], sizeof kb[j], "k3");
                vs[j] = NULL;
                ts = NOW - 10 * 60000;
            }
            if (i == 210 && j == 0) { /* fresh tombstone for k4 */
                snprintf(kb[j], sizeof kb[j], "k4");
                vs[j] = NULL;
            }
        }
        append(l, n, ks, vs, ts, codec);
        for (int j = 0; j < n; j++) {
            collect_cb(&all, &(record_view){.offset = offset++,
                                            .key = {ks[j], (int)strlen(ks[j])},
                                            .value = {vs[j], vs[j] ? (int)strlen(vs[j]) : -1}});
        }
    }
    return all;
}

/* What compaction must leave: the records of the active segment (from
 * active_base on), and below it the last record of each key, except
 * tombstones older than the horizon. */
static int expected_keep(const collect *all, int i, int64_t active_base) {
    const rec *r = &all->r[i];
    if (r->offset >= active_base)
        return 1;
    for (int j = i + 1; j < all->n; j++)
        if (!strcmp(all->r[j].key, r->key))
            return 0;
    if (r->is_null && !strcmp(r->key, "k3"))
        return 0; /* its batch is older than delete.retention.ms */
    return 1;
}

static void check_compacted(plog *l, const collect *all, int64_t active_base) {
    collect got = read_all(l);
    int k = 0;
    for (int i = 0; i < all->n; i++) {
        if (!expected_keep(all, i, active_base))
            continue;
        if (k >= got.n) {
            CHECK(0);
            break;
        }
        CHECK_EQ(got.r[k].offset, all->r[i].offset);
        CHECK(!strcmp(got.r[k].key, all->r[i].key));
        CHECK_EQ(got.r[k].is_null, all->r[i].is_null);
        CHECK(!strcmp(got.r[k].value, all->r[i].value));
        k++;
    }
    CHECK_EQ(got.n, k);
    free(got.r);
}

static int64_t active_base_of(const char *dir) {
    DIR *d = opendir(dir);
    int64_t best = -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        long long b;
        size_t n = strlen(de->d_name);
        if (n == 24 && !strcmp(de->d_name + 20, ".log") && sscanf(de->d_name, "%lld", &b) == 1 &&
            b > best)
            best = b;
    }
    closedir(d);
    return best;
}

static int count_logs(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strlen(de->d_name) == 24 && !strcmp(de->d_name + 20, ".log");
    closedir(d);
    return n;
}

static void copy_dir(const char *from, const char *to) {
    mkdir(to, 0755);
    DIR *d = opendir(from);
    struct dirent *de;
    char a[4096], b[4096];
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(a, sizeof a, "%s/%s", from, de->d_name);
        snprintf(b, sizeof b, "%s/%s", to, de->d_name);
        size_t len;
        char *data = unit_slurp(a, &len);
        if (data) {
            unit_spit(b, data, len);
            free(data);
        }
    }
    closedir(d);
}

static void test_compaction(const char *root) {
    char dir[1024], before[1024];
    snprintf(dir, sizeof dir, "%s/t-0", root);
    snprintf(before, sizeof before, "%s/before/t-0", root);
    log_config cfg = compact_config();
    char err[256];
    plog *l = plog_open(dir, &cfg, 0, -1, 0, err, sizeof err);
    CHECK(l != NULL);
    collect all = write_data(l);
    int64_t leo = plog_log_end_offset(l);
    int segs_before = plog_segment_count(l);
    CHECK(segs_before > 4);
    plog_flush(l);
    plog_close(l);

    /* a copy of the uncompacted log, for the crash cases */
    char bparent[1024];
    snprintf(bparent, sizeof bparent, "%s/before", root);
    mkdir(bparent, 0755);
    copy_dir(dir, before);

    l = plog_open(dir, &cfg, leo, -1, 1, err, sizeof err);
    CHECK(l != NULL);
    int64_t active_base = active_base_of(dir);
    int64_t size_before = plog_size_bytes(l);
    int64_t reclaimed = plog_compact(l, NOW);
    CHECK(reclaimed > 0);
    CHECK_EQ(plog_size_bytes(l), size_before - reclaimed);
    CHECK(plog_segment_count(l) < segs_before);
    CHECK_EQ(plog_log_end_offset(l), leo);
    CHECK_EQ(plog_log_start_offset(l), 0);
    check_compacted(l, &all, active_base);
    /* nothing new since: a second pass has nothing to do */
    CHECK_EQ(plog_compact(l, NOW), 0);
    /* appends go on after compaction */
    const char *k[1] = {"k19"}, *v[1] = {"after"};
    append(l, 1, k, v, NOW, 0);
    CHECK_EQ(plog_log_end_offset(l), leo + 1);
    plog_close(l);

    /* reopened after an unclean shutdown: indexes rebuilt, same records */
    l = plog_open(dir, &cfg, 0, -1, 0, err, sizeof err);
    CHECK(l != NULL);
    CHECK_EQ(plog_log_end_offset(l), leo + 1);
    collect after = all;
    after.r = malloc((size_t)(all.n + 1) * sizeof(rec));
    memcpy(after.r, all.r, (size_t)all.n * sizeof(rec));
    after.r[after.n++] = (rec){.offset = leo, .key = "k19", .value = "after"};
    check_compacted(l, &after, active_base);
    free(after.r);
    plog_close(l);

    /* Crash points. The compacted first segment (the merge of the old
     * segments up to the next .log) stands in for the swap file. */
    int64_t bases[64];
    int nb = 0;
    {
        DIR *d = opendir(dir);
        struct dirent *de;
        while ((de = readdir(d)))
            if (strlen(de->d_name) == 24 && !strcmp(de->d_name + 20, ".log") && nb < 64)
                sscanf(de->d_name, "%" SCNd64, &bases[nb++]);
        closedir(d);
    }
    int64_t first = INT64_MAX;
    for (int i = 0; i < nb; i++)
        if (bases[i] < first)
            first = bases[i];
    char src[4096];
    snprintf(src, sizeof src, "%s/%020" PRId64 ".log", dir, first);
    size_t swap_len = 0;
    char *swap = unit_slurp(src, &swap_len);
    CHECK(swap != NULL && swap_len > 0);
    for (int crash = 0; crash < 4; crash++) {
        char cdir[1024], p[4096];
        snprintf(cdir, sizeof cdir, "%s/crash%d", root, crash);
        unit_rm_rf(cdir);
        copy_dir(before, cdir);
        if (crash == 0) { /* killed while writing .cleaned: it is dropped */
            snprintf(p, sizeof p, "%s/%020" PRId64 ".log.cleaned", cdir, first);
            unit_spit(p, swap, swap_len / 2);
        } else {
            snprintf(p, sizeof p, "%s/%020" PRId64 ".log.swap", cdir, first);
            unit_spit(p, swap, swap_len);
            if (crash >= 2) { /* some old segments already deleted */
                snprintf(p, sizeof p, "%s/%020" PRId64 ".log", cdir, first);
                unlink(p);
            }
            if (crash == 3) { /* every old .log of the group deleted, indexes left */
                int64_t swap_last = -1;
                batch_iter it;
                batch_iter_init(&it, (const uint8_t *)swap, swap_len);
                const uint8_t *b;
                size_t blen;
                int magic;
                while (batch_iter_next(&it, &b, &blen, &magic) == 1)
                    swap_last = rbh_last_offset(b);
                DIR *d = opendir(cdir);
                struct dirent *de;
                long long base;
                while ((de = readdir(d)))
                    if (strlen(de->d_name) == 24 && !strcmp(de->d_name + 20, ".log") &&
                        sscanf(de->d_name, "%lld", &base) == 1 && base <= swap_last) {
                        snprintf(p, sizeof p, "%s/%s", cdir, de->d_name);
                        unlink(p);
                    }
                closedir(d);
            }
        }
        plog *c = plog_open(cdir, &cfg, 0, -1, 0, err, sizeof err);
        CHECK(c != NULL);
        if (!c)
            continue;
        CHECK_EQ(plog_log_end_offset(c), leo);
        snprintf(p, sizeof p, "%s/%020" PRId64 ".log.swap", cdir, first);
        CHECK(!unit_file_exists(p));
        snprintf(p, sizeof p, "%s/%020" PRId64 ".log.cleaned", cdir, first);
        CHECK(!unit_file_exists(p));
        if (crash == 0) {
            collect got = read_all(c); /* untouched: every record */
            CHECK_EQ(got.n, all.n);
            free(got.r);
        } else {
            /* the swap replaced the segments it covers; what follows is as before */
            collect got = read_all(c);
            int64_t prev = -1;
            int ok = 1;
            for (int i = 0; i < got.n; i++) {
                ok &= got.r[i].offset > prev;
                prev = got.r[i].offset;
            }
            CHECK(ok);
            CHECK_EQ(got.r[got.n - 1].offset, leo - 1);
            CHECK(count_logs(cdir) < segs_before);
            free(got.r);
        }
        plog_close(c);
    }
    free(swap);
    free(all.r);
}

/* cleanup.policy=compact alone: time and size retention do not delete. */
static void test_no_retention_when_compact_only(const char *root) {
    char dir[1024], err[256];
    snprintf(dir, sizeof dir, "%s/r-0", root);
    log_config cfg = compact_config();
    cfg.retention_ms = 1;
    cfg.retention_bytes = 1;
    plog *l = plog_open(dir, &cfg, 0, -1, 0, err, sizeof err);
    const char *k[1] = {"a"}, *v[1] = {"b"};
    for (int i = 0; i < 100; i++)
        append(l, 1, k, v, NOW - 1000000, 0);
    int segs = plog_segment_count(l);
    CHECK_EQ(plog_enforce_retention(l, NOW), 0);
    CHECK_EQ(plog_segment_count(l), segs);
    CHECK_EQ(plog_log_start_offset(l), 0);
    cfg.cleanup_delete = 1;
    plog_set_config(l, &cfg);
    CHECK(plog_enforce_retention(l, NOW) > 0);
    plog_close(l);
}

int main(void) {
    char root[512];
    if (unit_mkdtemp(root, sizeof root, "test_compact") != 0)
        return 1;
    test_compaction(root);
    test_no_retention_when_compact_only(root);
    unit_rm_rf(root);
    return unit_report("test_compact");
}
