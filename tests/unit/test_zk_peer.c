/* test_zk_peer.c -- the ensemble's peer messages (quorum.c): every message
 * type decodes with its fields, is refused at every truncation point of its
 * fixed part and with a trailing byte, and bad counts, flags, types and
 * epochs a zxid cannot hold are refused; the no-op (error) transaction
 * round-trips through apply and is refused when truncated. */
#include "logger.h"
#include "unit.h"
#include "zk.h"

typedef void (*build_fn)(wbuf *wb);

static void b_vote_req(wbuf *wb) {
    wb_i8(wb, ZK_PM_VOTE_REQ);
    wb_i8(wb, 1);
    wb_i32(wb, 2);
    wb_i64(wb, 7);
    wb_i64(wb, 0x700000005LL);
}

static void b_vote_resp(wbuf *wb) {
    wb_i8(wb, ZK_PM_VOTE_RESP);
    wb_i8(wb, 2);
    wb_i32(wb, 3);
    wb_i64(wb, 7);
    wb_i32(wb, 1);
    wb_i64(wb, 6);
}

static void b_finfo(wbuf *wb) {
    wb_i8(wb, ZK_PM_FINFO);
    wb_i32(wb, 2);
    wb_i64(wb, 4);
    wb_i64(wb, 0x400000010LL);
}

static void b_linfo_diff(wbuf *wb) {
    wb_i8(wb, ZK_PM_LINFO);
    wb_i64(wb, 5);
    wb_i8(wb, 0);
    wb_i64(wb, 0x500000001LL);
    wb_i32(wb, -1);
}

static void b_linfo_snap(wbuf *wb) {
    wb_i8(wb, ZK_PM_LINFO);
    wb_i64(wb, 5);
    wb_i8(wb, 1);
    wb_i64(wb, 0x500000001LL);
    wb_i32(wb, 6);
    wb_write(wb, "ZKCS..", 6);
}

static void b_commit(wbuf *wb) {
    wb_i8(wb, ZK_PM_COMMIT);
    wb_i64(wb, 0x500000009LL);
}

static void b_ack(wbuf *wb) {
    wb_i8(wb, ZK_PM_ACK);
    wb_i64(wb, 0x500000009LL);
    wb_i32(wb, 2);
    wb_i64(wb, 11);
    wb_i64(wb, 12);
}

/* Messages whose whole body is fixed: every shorter prefix and one extra
 * byte must be refused. */
static void test_fixed(build_fn fn, int type) {
    wbuf wb;
    wb_init(&wb, 64);
    fn(&wb);
    zk_peer_msg m;
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.type, type);
    for (size_t cut = 0; cut < wb.len; cut++)
        CHECK_EQ(zk_peer_decode(wb.data, cut, &m), -1);
    wb_i8(&wb, 0);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    wb_free(&wb);
}

static void test_fields(void) {
    wbuf wb;
    zk_peer_msg m;
    wb_init(&wb, 64);
    b_vote_req(&wb);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.flag, 1);
    CHECK_EQ(m.id, 2);
    CHECK_EQ(m.term, 7);
    CHECK_EQ(m.zxid, 0x700000005LL);
    wb_reset(&wb);
    b_vote_resp(&wb);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.leader_id, 1);
    CHECK_EQ(m.leader_term, 6);
    wb_reset(&wb);
    b_linfo_snap(&wb);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.flag, 1);
    CHECK_EQ((int)m.dlen, 6);
    CHECK(!memcmp(m.data, "ZKCS..", 6));
    wb_reset(&wb);
    b_ack(&wb);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.nsids, 2);
    CHECK_EQ((int64_t)be64_get(m.sids + 8), 12);
    wb_free(&wb);
}

static void test_bad_values(void) {
    wbuf wb;
    zk_peer_msg m;
    wb_init(&wb, 64);
    /* a snapshot flag without a snapshot, and a diff with one */
    wb_i8(&wb, ZK_PM_LINFO);
    wb_i64(&wb, 5);
    wb_i8(&wb, 1);
    wb_i64(&wb, 1);
    wb_i32(&wb, -1);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_LINFO);
    wb_i64(&wb, 5);
    wb_i8(&wb, 0);
    wb_i64(&wb, 1);
    wb_i32(&wb, 1);
    wb_i8(&wb, 0);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_LINFO); /* unknown mode */
    wb_i64(&wb, 5);
    wb_i8(&wb, 7);
    wb_i64(&wb, 1);
    wb_i32(&wb, -1);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    /* session counts: negative, larger than the frame */
    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_ACK);
    wb_i64(&wb, 1);
    wb_i32(&wb, -1);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_ACK);
    wb_i64(&wb, 1);
    wb_i32(&wb, 1 << 28);
    wb_i64(&wb, 1);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    /* too many auth ids, a negative one */
    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_REQUEST);
    wb_i64(&wb, 1);
    wb_i32(&wb, 1);
    wb_i32(&wb, ZOO_CREATE_OP);
    wb_i32(&wb, ZK_PM_MAX_IDS + 1);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_REQUEST);
    wb_i64(&wb, 1);
    wb_i32(&wb, 1);
    wb_i32(&wb, ZOO_CREATE_OP);
    wb_i32(&wb, 1);
    wb_i32(&wb, -1);
    wb_i32(&wb, -1);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    /* epochs a zxid cannot hold (epoch << 32 in an int64): refused; the last one is not */
    static const int64_t epochs[] = {-1, (int64_t)ZK_MAX_EPOCH + 1, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof epochs / sizeof epochs[0]; i++) {
        wb_reset(&wb);
        wb_i8(&wb, ZK_PM_VOTE_REQ);
        wb_i8(&wb, 0);
        wb_i32(&wb, 2);
        wb_i64(&wb, epochs[i]);
        wb_i64(&wb, 0);
        CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
        wb_reset(&wb);
        wb_i8(&wb, ZK_PM_VOTE_RESP); /* the responder's epoch */
        wb_i8(&wb, 2);
        wb_i32(&wb, 3);
        wb_i64(&wb, 7);
        wb_i32(&wb, 1);
        wb_i64(&wb, epochs[i]);
        CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
        wb_reset(&wb);
        wb_i8(&wb, ZK_PM_LINFO);
        wb_i64(&wb, epochs[i]);
        wb_i8(&wb, 0);
        wb_i64(&wb, 1);
        wb_i32(&wb, -1);
        CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), -1);
    }
    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_FINFO);
    wb_i32(&wb, 2);
    wb_i64(&wb, ZK_MAX_EPOCH);
    wb_i64(&wb, 0);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.term, ZK_MAX_EPOCH);
    /* unknown types, an empty frame */
    for (int t = -128; t < 128; t++) {
        if (t >= ZK_PM_VOTE_REQ && t <= ZK_PM_REQUEST)
            continue;
        uint8_t b[32] = {(uint8_t)t};
        CHECK_EQ(zk_peer_decode(b, sizeof b, &m), -1);
    }
    CHECK_EQ(zk_peer_decode((const uint8_t *)"", 0, &m), -1);
    wb_free(&wb);
}

/* PROPOSAL: a txn header at least; REQUEST: the fixed part and the ids. */
static void test_variable(void) {
    wbuf wb, rec;
    zk_peer_msg m;
    wb_init(&wb, 128);
    wb_init(&rec, 64);
    zk_txn_error(&rec, 0x500000002LL, 9, 3, ZOK, NULL, 0);
    wb_i8(&wb, ZK_PM_PROPOSAL);
    wb_write(&wb, rec.data, rec.len);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.zxid, 0x500000002LL);
    CHECK_EQ((int)m.dlen, (int)rec.len);
    for (size_t cut = 0; cut < 33; cut++)
        CHECK_EQ(zk_peer_decode(wb.data, cut, &m), -1);

    wb_reset(&wb);
    wb_i8(&wb, ZK_PM_REQUEST);
    wb_i64(&wb, 0x1234);
    wb_i32(&wb, 17);
    wb_i32(&wb, ZOO_SETDATA_OP);
    wb_i32(&wb, 2);
    wb_bytes(&wb, "ip", 2);
    wb_bytes(&wb, "127.0.0.1", 9);
    wb_bytes(&wb, "digest", 6);
    wb_bytes(&wb, "u:hash", 6);
    size_t fixed = wb.len;
    wb_write(&wb, "BODY", 4);
    CHECK_EQ(zk_peer_decode(wb.data, wb.len, &m), 0);
    CHECK_EQ(m.sid, 0x1234);
    CHECK_EQ(m.cxid, 17);
    CHECK_EQ(m.optype, ZOO_SETDATA_OP);
    CHECK_EQ(m.nids, 2);
    CHECK(kstr_eq(m.ids[1][0], "digest"));
    CHECK(kstr_eq(m.ids[1][1], "u:hash"));
    CHECK_EQ((int)m.dlen, 4);
    for (size_t cut = 0; cut < fixed; cut++)
        CHECK_EQ(zk_peer_decode(wb.data, cut, &m), -1);
    CHECK_EQ(zk_peer_decode(wb.data, fixed, &m), 0);
    CHECK_EQ((int)m.dlen, 0);
    wb_free(&wb);
    wb_free(&rec);
}

/* The ensemble's no-op txn changes nothing but the zxid; truncated, it is
 * refused. */
static void test_error_txn(void) {
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, 1);
    Z.last_zxid = 0x100000005LL;
    size_t before = Z.tree.count;
    wbuf rec;
    wb_init(&rec, 64);
    int32_t errs[2] = {ZOK, ZNONODE};
    zk_txn_error(&rec, 0, 5, 9, ZOK, errs, 2);
    CHECK_EQ(zk_txn_zxid(rec.data, rec.len), 0x100000006LL);
    zk_results *res = NULL;
    CHECK_EQ(zk_txn_apply(rec.data, rec.len, &res), 0);
    CHECK(res == NULL);
    CHECK_EQ(Z.last_zxid, 0x100000006LL);
    CHECK_EQ(Z.tree.count, before);
    for (size_t cut = 32; cut < rec.len; cut++) {
        wbuf t;
        wb_init(&t, 64);
        zk_txn_error(&t, 0x200000001LL, 5, 9, ZOK, errs, 2);
        CHECK_EQ(zk_txn_apply(t.data, cut, NULL), -1);
        wb_free(&t);
    }
    wb_free(&rec);
    zk_tree_free(&Z.tree);
    zk_sessions_free(&Z.sessions);
}

int main(void) {
    log_open(NULL, 0, LOG_ERROR);
    test_fixed(b_vote_req, ZK_PM_VOTE_REQ);
    test_fixed(b_vote_resp, ZK_PM_VOTE_RESP);
    test_fixed(b_finfo, ZK_PM_FINFO);
    test_fixed(b_linfo_diff, ZK_PM_LINFO);
    test_fixed(b_linfo_snap, ZK_PM_LINFO);
    test_fixed(b_commit, ZK_PM_COMMIT);
    test_fixed(b_ack, ZK_PM_ACK);
    test_fields();
    test_bad_values();
    test_variable();
    test_error_txn();
    return unit_report("test_zk_peer");
}
