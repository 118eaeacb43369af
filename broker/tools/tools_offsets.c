/* tools_offsets.c -- decoding of __consumer_offsets records into the text
 * Kafka 2.5's tools print for them:
 *
 *   - kafka-dump-log.sh --offsets-decoder (GroupMetadataManager.
 *     formatRecordKeyAndValue): key "offset_commit::group=G,partition=T-P"
 *     with payload "offset=N" / "offset=N,metadata=M" / "<DELETE>", or key
 *     "group_metadata::group=G" with a JSON payload {"protocolType":...,
 *     "protocol":...,"generationId":N,"assignment":"{member=[t-0, t-1]}"};
 *   - the console consumer's OffsetsMessageFormatter:
 *     "[G,T,P]::OffsetAndMetadata(offset=N, leaderEpoch=Optional.empty,
 *     metadata=, commitTimestamp=T, expireTimestamp=None)".
 *
 * The record layouts are the ones documented at the top of
 * broker/kafka/group_store.c (key versions 0-2, offset value versions 0-3,
 * group value versions 0-3). Every field is read with the bounds-checked
 * rbuf macros; a malformed record is reported, never trusted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

/* ------------------------------------------------------------------------
 * A tiny growing string
 * ---------------------------------------------------------------------- */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            abort();
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap ? b->cap * 2 : 128) + (size_t)n;
        char *ns = realloc(b->s, ncap);
        if (!ns)
            abort();
        b->s = ns;
        b->cap = ncap;
    }
}

static void sb_kstr(sbuf *b, kstr k) { sb_add(b, "%.*s", (int)k.len, k.s ? k.s : ""); }

/* Jackson's string escaping (JSON). */
static void sb_json(sbuf *b, const char *s, size_t n) {
    sb_add(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': sb_add(b, "\\\""); break;
        case '\\': sb_add(b, "\\\\"); break;
        case '\n': sb_add(b, "\\n"); break;
        case '\r': sb_add(b, "\\r"); break;
        case '\t': sb_add(b, "\\t"); break;
        case '\b': sb_add(b, "\\b"); break;
        case '\f': sb_add(b, "\\f"); break;
        default:
            if (c < 0x20)
                sb_add(b, "\\u%04X", c);
            else
                sb_add(b, "%c", c);
        }
    }
    sb_add(b, "\"");
}

/* "%X".format(BigInt(1, bytes)): upper-case hex without leading zeros. */
static void sb_bigint_hex(sbuf *b, const uint8_t *p, size_t n) {
    if (n == 0)
        return;
    size_t i = 0;
    while (i < n && p[i] == 0)
        i++;
    if (i == n) {
        sb_add(b, "0");
        return;
    }
    sb_add(b, "%X", p[i++]);
    for (; i < n; i++)
        sb_add(b, "%02X", p[i]);
}

/* ------------------------------------------------------------------------
 * Keys and values
 * ---------------------------------------------------------------------- */
typedef struct okey {
    int16_t version;
    kstr group, topic;
    int32_t partition;
} okey;

static int read_key(const uint8_t *p, int32_t len, okey *k) {
    rbuf r;
    rb_init(&r, p, (size_t)len);
    rb_read_i16(&r, &k->version);
    if (k->version < 0 || k->version > 2)
        return -2;
    rb_read_str(&r, &k->group);
    if (k->version <= 1) {
        rb_read_str(&r, &k->topic);
        rb_read_i32(&r, &k->partition);
    }
    return 0;
err_parse:
    return -1;
}

typedef struct oval {
    int16_t version;
    int64_t offset, commit_ts, expire_ts; /* expire_ts -1: none */
    int32_t leader_epoch;                 /* -1: none */
    kstr metadata;
} oval;

static int read_offset_value(const uint8_t *p, int32_t len, oval *v) {
    rbuf r;
    rb_init(&r, p, (size_t)len);
    v->expire_ts = -1;
    v->leader_epoch = -1;
    rb_read_i16(&r, &v->version);
    if (v->version < 0 || v->version > 3)
        return -2;
    rb_read_i64(&r, &v->offset);
    if (v->version == 3)
        rb_read_i32(&r, &v->leader_epoch);
    rb_read_str(&r, &v->metadata);
    rb_read_i64(&r, &v->commit_ts);
    if (v->version == 1)
        rb_read_i64(&r, &v->expire_ts);
    return 0;
err_parse:
    return -1;
}

/* ConsumerProtocol.deserializeAssignment(...).partitions() as a Java List
 * ("[t-0, t-1]") plus ":HEX" user data, into b. */
static int format_consumer_assignment(sbuf *b, const uint8_t *p, int32_t len) {
    rbuf r;
    rb_init(&r, p, (size_t)len);
    int16_t ver;
    int32_t nt;
    rb_read_i16(&r, &ver);
    rb_read_i32(&r, &nt);
    rb_check_count(&r, nt, 6);
    sb_add(b, "[");
    int first = 1;
    for (int32_t i = 0; i < nt; i++) {
        kstr t;
        int32_t np;
        rb_read_str(&r, &t);
        rb_read_i32(&r, &np);
        rb_check_count(&r, np, 4);
        for (int32_t j = 0; j < np; j++) {
            int32_t part;
            rb_read_i32(&r, &part);
            sb_add(b, "%s", first ? "" : ", ");
            sb_kstr(b, t);
            sb_add(b, "-%d", part);
            first = 0;
        }
    }
    sb_add(b, "]");
    if (rb_remain(&r) >= 4) {
        kstr ud;
        rb_read_bytes(&r, &ud);
        if (!KSTR_IS_NULL(ud) && ud.len > 0) {
            sb_add(b, ":");
            sb_bigint_hex(b, (const uint8_t *)ud.s, (size_t)ud.len);
        }
    }
    return 0;
err_parse:
    return -1;
}

static int format_group_value(sbuf *b, const uint8_t *p, int32_t len) {
    rbuf r;
    rb_init(&r, p, (size_t)len);
    int16_t ver;
    kstr ptype, proto, leader;
    int32_t gen, nm;
    int64_t ts;
    rb_read_i16(&r, &ver);
    if (ver < 0 || ver > 3)
        return -2;
    rb_read_str(&r, &ptype);
    rb_read_i32(&r, &gen);
    rb_read_str(&r, &proto);
    rb_read_str(&r, &leader);
    if (ver >= 2)
        rb_read_i64(&r, &ts);
    rb_read_i32(&r, &nm);
    rb_check_count(&r, nm, 14);
    int consumer = !KSTR_IS_NULL(ptype) && ptype.len == 8 && !memcmp(ptype.s, "consumer", 8);
    sbuf asg = {0};
    sb_add(&asg, "{");
    for (int32_t i = 0; i < nm; i++) {
        kstr mid, iid, cid, host, sub, as;
        int32_t rebalance, session;
        rb_read_str(&r, &mid);
        if (ver >= 3)
            rb_read_str(&r, &iid);
        rb_read_str(&r, &cid);
        rb_read_str(&r, &host);
        if (ver >= 1)
            rb_read_i32(&r, &rebalance);
        rb_read_i32(&r, &session);
        rb_read_bytes(&r, &sub);
        rb_read_bytes(&r, &as);
        sb_add(&asg, "%s", i ? "," : "");
        sb_kstr(&asg, mid);
        sb_add(&asg, "=");
        const uint8_t *ap = (const uint8_t *)as.s;
        int32_t alen = KSTR_IS_NULL(as) ? 0 : as.len;
        if (consumer) {
            if (format_consumer_assignment(&asg, ap, alen) != 0) {
                free(asg.s);
                return -1;
            }
        } else {
            sb_bigint_hex(&asg, ap, (size_t)alen);
        }
    }
    sb_add(&asg, "}");
    sb_add(b, "{\"protocolType\":");
    sb_json(b, ptype.s ? ptype.s : "", KSTR_IS_NULL(ptype) ? 0 : (size_t)ptype.len);
    sb_add(b, ",\"protocol\":");
    if (KSTR_IS_NULL(proto))
        sb_add(b, "null");
    else
        sb_json(b, proto.s, (size_t)proto.len);
    sb_add(b, ",\"generationId\":%d,\"assignment\":", gen);
    sb_json(b, asg.s, asg.len);
    sb_add(b, "}");
    free(asg.s);
    return 0;
err_parse:
    free(asg.s);
    return -1;
}

int offsets_format_record(const uint8_t *key, int32_t klen, const uint8_t *val, int32_t vlen, char **okey_out,
                          char **oval_out) {
    *okey_out = *oval_out = NULL;
    sbuf k = {0}, v = {0};
    okey ok;
    if (!key || klen < 0) {
        sb_add(&k, "Failed to decode message using offset topic decoder (message had a missing key)");
        *okey_out = k.s;
        return -1;
    }
    int rc = read_key(key, klen, &ok);
    if (rc == -2) {
        sb_add(&k, "Unknown message key schema version %d", ok.version);
        *okey_out = k.s;
        return -1;
    }
    if (rc != 0) {
        sb_add(&k, "Failed to decode message using offset topic decoder (message had an invalid key)");
        *okey_out = k.s;
        return -1;
    }
    if (ok.version <= 1) {
        sb_add(&k, "offset_commit::group=");
        sb_kstr(&k, ok.group);
        sb_add(&k, ",partition=");
        sb_kstr(&k, ok.topic);
        sb_add(&k, "-%d", ok.partition);
        oval ov;
        if (!val || vlen < 0) {
            sb_add(&v, "<DELETE>");
        } else if ((rc = read_offset_value(val, vlen, &ov)) != 0) {
            free(k.s);
            k = (sbuf){0};
            if (rc == -2)
                sb_add(&k, "Unknown offset schema version %d", ov.version);
            else
                sb_add(&k, "Error reading offset commit value");
            *okey_out = k.s;
            return -1;
        } else {
            sb_add(&v, "offset=%lld", (long long)ov.offset);
            if (!KSTR_IS_NULL(ov.metadata) && ov.metadata.len > 0) {
                sb_add(&v, ",metadata=");
                sb_kstr(&v, ov.metadata);
            }
        }
    } else {
        sb_add(&k, "group_metadata::group=");
        sb_kstr(&k, ok.group);
        if (!val || vlen < 0) {
            sb_add(&v, "<DELETE>");
        } else if ((rc = format_group_value(&v, val, vlen)) != 0) {
            free(k.s);
            free(v.s);
            k = (sbuf){0};
            sb_add(&k, rc == -2 ? "Unknown group metadata message version" : "Error reading group metadata value");
            *okey_out = k.s;
            return -1;
        }
    }
    *okey_out = k.s;
    *oval_out = v.s;
    return 0;
}

char *offsets_format_message(const uint8_t *key, int32_t klen, const uint8_t *val, int32_t vlen) {
    okey ok;
    if (!key || klen < 0 || read_key(key, klen, &ok) != 0 || ok.version > 1)
        return NULL;
    sbuf b = {0};
    sb_add(&b, "[");
    sb_kstr(&b, ok.group);
    sb_add(&b, ",");
    sb_kstr(&b, ok.topic);
    sb_add(&b, ",%d]::", ok.partition);
    oval ov;
    if (!val || vlen < 0) {
        sb_add(&b, "NULL");
    } else if (read_offset_value(val, vlen, &ov) != 0) {
        free(b.s);
        return NULL;
    } else {
        sb_add(&b, "OffsetAndMetadata(offset=%lld, leaderEpoch=", (long long)ov.offset);
        if (ov.leader_epoch >= 0)
            sb_add(&b, "Optional[%d]", ov.leader_epoch);
        else
            sb_add(&b, "Optional.empty");
        sb_add(&b, ", metadata=");
        sb_kstr(&b, ov.metadata);
        sb_add(&b, ", commitTimestamp=%lld, expireTimestamp=", (long long)ov.commit_ts);
        if (ov.version == 1 && ov.expire_ts != -1)
            sb_add(&b, "Some(%lld)", (long long)ov.expire_ts);
        else
            sb_add(&b, "None");
        sb_add(&b, ")");
    }
    return b.s;
}
