/* test_zk_txnlog.c -- the coordinator's transaction log (broker/zookeeper/
 * txnlog.c): recovery from a log torn at every byte offset gives exactly
 * the state after the last whole record (tree, sessions, zxid), and the
 * torn tail is truncated away; a snapshot plus the logs after it recover
 * the same state as the logs alone. */
#include "logger.h"
#include "unit.h"
#include "zk.h"

#define SID 0x77

static void reset(void) {
    zk_tree_free(&Z.tree);
    zk_sessions_free(&Z.sessions);
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, 0);
    Z.last_zxid = 0;
}

static jute_req mkreq(int32_t type, const char *path, const char *data) {
    jute_req r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.path = jute_kstr(path);
    r.data = jute_kstr(data);
    r.acl = JUTE_OPEN_ACL_UNSAFE;
    r.version = -1;
    return r;
}

#define NREC 24
static wbuf states[NREC + 1]; /* serialized state after k records */
static size_t ends[NREC + 1]; /* file size after k records */

static void log_one(wbuf *rec) {
    zk_log_append(rec->data, rec->len);
    CHECK_EQ(zk_txn_apply(rec->data, rec->len, NULL), 0);
    CHECK_EQ(zk_log_sync(), 0);
}

static void build_log(const char *logfile) {
    zk_authid ids[1] = {{"ip", "127.0.0.1"}};
    reset();
    wb_init(&states[0], 256);
    zk_snap_serialize(&states[0]);
    ends[0] = 0;
    for (int k = 1; k <= NREC; k++) {
        wbuf rec;
        wb_init(&rec, 128);
        char path[64], data[64];
        snprintf(path, sizeof path, "/n%d", k % 5);
        snprintf(data, sizeof data, "value-%d", k);
        if (k == 1) {
            zk_txn_create_session(&rec, SID, 5000);
        } else if (k == NREC) {
            zk_txn_close_session(&rec, SID, 9);
        } else if (k % 7 == 0) {
            jute_req ops[2] = {mkreq(ZOO_CREATE_OP, "/m", NULL), mkreq(ZOO_DELETE_OP, "/m", NULL)};
            jute_req m = mkreq(ZOO_MULTI_OP, "", NULL);
            m.nops = 2;
            m.ops = ops;
            int32_t errs[2];
            CHECK_EQ(zk_txn_prepare(&m, SID, k, ids, 1, &rec, errs), ZOK);
        } else {
            jute_req r = mkreq(zk_tree_get(&Z.tree, path, strlen(path)) ? ZOO_SETDATA_OP
                                                                      : ZOO_CREATE_OP,
                               path, data);
            r.flags = k % 3 == 0 ? ZOO_EPHEMERAL : 0;
            CHECK_EQ(zk_txn_prepare(&r, SID, k, ids, 1, &rec, NULL), ZOK);
        }
        log_one(&rec);
        wb_free(&rec);
        wb_init(&states[k], 256);
        zk_snap_serialize(&states[k]);
        ends[k] = (size_t)unit_file_size(logfile);
    }
    zk_log_close();
}

static void test_torn_at_every_offset(const char *root) {
    char dir[512], logfile[600], dir2[512], log2[600];
    snprintf(dir, sizeof dir, "%s/version-2", root);
    mkdir(dir, 0755);
    snprintf(Z.log_dir, sizeof Z.log_dir, "%s", dir);
    snprintf(logfile, sizeof logfile, "%s/log.1", dir);
    build_log(logfile);
    CHECK_EQ(Z.last_zxid, NREC);
    size_t len = 0;
    char *image = unit_slurp(logfile, &len);
    CHECK(image && len == ends[NREC] && len > 200);
    if (!image)
        return;
    snprintf(dir2, sizeof dir2, "%s/torn", root);
    mkdir(dir2, 0755);
    snprintf(log2, sizeof log2, "%s/log.1", dir2);
    for (size_t cut = 0; cut <= len; cut++) {
        unit_spit(log2, image, cut);
        reset();
        long n = zk_log_recover(dir2, 0);
        int k = 0;
        while (k < NREC && ends[k + 1] <= cut)
            k++;
        CHECK_EQ(n, k);
        CHECK_EQ(Z.last_zxid, k);
        wbuf st;
        wb_init(&st, 256);
        zk_snap_serialize(&st);
        int same = st.len == states[k].len && !memcmp(st.data, states[k].data, st.len);
        if (!same)
            fprintf(stderr, "cut %zu: state differs from after %d records\n", cut, k);
        CHECK(same);
        wb_free(&st);
        /* the torn tail is gone: what is left is whole records only */
        int64_t left = unit_file_size(log2);
        CHECK(left == (int64_t)(k ? ends[k] : (cut >= ZK_LOG_HEADER_SIZE ? ZK_LOG_HEADER_SIZE : 0)));
    }
    /* a flipped byte inside record 10 stops replay before it */
    image[ends[9] + 20] ^= 0xff; /* a byte of the record's time: flipped, it differs whatever the clock says */
    unit_spit(log2, image, len);
    reset();
    CHECK_EQ(zk_log_recover(dir2, 0), 9);
    CHECK_EQ(Z.last_zxid, 9);
    free(image);
}

static void test_snapshot_plus_logs(const char *root) {
    /* state after all records == snapshot at 12 + replay of the log after 12 */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/version-2", root);
    reset();
    CHECK_EQ(zk_snap_deserialize(states[12].data, states[12].len), 0);
    CHECK_EQ(Z.last_zxid, 12);
    CHECK_EQ(zk_log_recover(dir, 12), NREC - 12);
    wbuf st;
    wb_init(&st, 256);
    zk_snap_serialize(&st);
    CHECK(st.len == states[NREC].len && !memcmp(st.data, states[NREC].data, st.len));
    wb_free(&st);
    /* snapshot files: the newest valid one wins; a corrupt one is skipped */
    snprintf(Z.snap_dir, sizeof Z.snap_dir, "%s", dir);
    CHECK_EQ(zk_snap_write(dir), 0);
    char bad[700];
    snprintf(bad, sizeof bad, "%s/snapshot.ff", dir);
    unit_spit(bad, "ZKCS garbage", 12);
    char partial[700];
    snprintf(partial, sizeof partial, "%s/snapshot.1000.tmp", dir);
    unit_spit(partial, "half", 4);
    reset();
    CHECK_EQ(zk_snap_load(dir), NREC);
    CHECK(!unit_file_exists(partial)); /* a crashed snapshot write is cleaned up */
    /* autopurge keeps the newest `retain` snapshots */
    for (int i = 0; i < 4; i++) {
        Z.last_zxid = NREC + 1 + i;
        CHECK_EQ(zk_snap_write(dir), 0);
    }
    zk_purge(dir, dir, 3);
    zk_named *f;
    int n = zk_list_files(dir, "snapshot.", &f);
    CHECK_EQ(n, 3);
    free(f);
}

int main(void) {
    log_open(NULL, 0, LOG_FATAL);
    char root[256];
    if (unit_mkdtemp(root, sizeof root, "test_zk_txnlog"))
        return 1;
    zk_config_parse(&Z.cfg, "dataDir=/tmp\nclientPort=1\n", 27, (char[64]){0}, 64);
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, 0);
    test_torn_at_every_offset(root);
    test_snapshot_plus_logs(root);
    for (int k = 0; k <= NREC; k++)
        wb_free(&states[k]);
    zk_tree_free(&Z.tree);
    zk_sessions_free(&Z.sessions);
    unit_rm_rf(root);
    return unit_report("test_zk_txnlog");
}
