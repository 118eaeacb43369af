/* test_zk_tree.c -- the coordinator's data tree and transactions
 * (broker/zookeeper): Stat fields as ZooKeeper keeps them, sequential
 * names, ephemerals, ACLs, multi, path validation, digest ids, config
 * parsing, snapshots, and decoding of every truncated transaction record. */
#include "unit.h"
#include "logger.h"
#include "zk.h"

#define SID 0x1234

static zk_authid no_ids[1] = {{"ip", "127.0.0.1"}};

static void reset(void) {
    zk_tree_free(&Z.tree);
    zk_sessions_free(&Z.sessions);
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, 0);
    Z.last_zxid = 0;
    zk_session_add(&Z.sessions, SID, 10000);
}

static jute_req mkreq(int32_t type, const char *path) {
    jute_req r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.path = jute_kstr(path);
    r.data = (kstr){NULL, -1};
    r.acl = JUTE_OPEN_ACL_UNSAFE;
    r.version = -1;
    return r;
}

/* Prepares and applies; returns the error (0 ok); *res when given. */
static int run(const jute_req *r, int64_t sid, zk_results **res) {
    wbuf rec;
    wb_init(&rec, 128);
    int32_t errs[16];
    int rc = zk_txn_prepare(r, sid, 1, no_ids, 1, &rec, errs);
    if (rc == 0) {
        zk_results *out = NULL;
        CHECK_EQ(zk_txn_apply(rec.data, rec.len, &out), 0);
        if (res)
            *res = out;
        else
            zk_results_free(out);
    }
    wb_free(&rec);
    return rc;
}

static int create(const char *path, const char *data, int flags) {
    jute_req r = mkreq(ZOO_CREATE_OP, path);
    r.data = jute_kstr(data);
    r.flags = flags;
    return run(&r, SID, NULL);
}

static zk_node *get(const char *p) { return zk_tree_get(&Z.tree, p, strlen(p)); }

static void test_initial_tree(void) {
    reset();
    zk_node *root = get("/");
    jute_stat st;
    CHECK(root && root->nkids == 1 && root->dlen == 0);
    zk_node_stat(root, &st);
    CHECK_EQ(st.cversion, -1); /* as Apache ZooKeeper 3.8 reports it */
    zk_node *zkn = get("/zookeeper");
    CHECK(zkn && zkn->nkids == 2);
    zk_node_stat(zkn, &st);
    CHECK_EQ(st.cversion, -2);
    zk_node *cfg = get("/zookeeper/config");
    CHECK(cfg && cfg->acl.n == 1 && cfg->acl.v[0].perms == ZOO_PERM_READ && cfg->aversion == -1);
    CHECK(get("/zookeeper/quota") != NULL);
    /* a path with a NUL byte (a snapshot's, a txn's) is no znode's, and none is added */
    zk_acls acl = {0, NULL};
    CHECK(zk_tree_get(&Z.tree, "/zookeeper\0x", 12) == NULL);
    CHECK(zk_tree_add(&Z.tree, "/zookeeper/q\0x", 14, NULL, -1, &acl) == NULL);
    CHECK(zk_tree_add(&Z.tree, "/a\0", 3, NULL, -1, &acl) == NULL);
    CHECK(get("/a") == NULL);
}

static void test_create_stat(void) {
    reset();
    zk_results *res = NULL;
    jute_req r = mkreq(ZOO_CREATE2_OP, "/a");
    r.data = jute_kstr("hello");
    CHECK_EQ(run(&r, SID, &res), ZOK);
    CHECK(res && res->n == 1 && !strcmp(res->v[0].path, "/a"));
    jute_stat *s = &res->v[0].stat;
    CHECK_EQ(s->czxid, 1);
    CHECK_EQ(s->mzxid, 1);
    CHECK_EQ(s->pzxid, 1);
    CHECK_EQ(s->version, 0);
    CHECK_EQ(s->cversion, 0);
    CHECK_EQ(s->dataLength, 5);
    CHECK_EQ(s->ephemeralOwner, 0);
    CHECK(s->ctime == s->mtime && s->ctime > 0);
    zk_results_free(res);
    zk_node *root = get("/");
    jute_stat rs;
    zk_node_stat(root, &rs);
    CHECK_EQ(rs.cversion, 0); /* one create, two children: 2 * 1 - 2 */
    CHECK_EQ(root->pzxid, 1);
    CHECK_EQ(root->nkids, 2);
    CHECK_EQ(create("/a", "x", 0), ZNODEEXISTS);
    CHECK_EQ(create("/nope/x", "x", 0), ZNONODE);
    CHECK_EQ(create("/a/", "x", 0), ZBADARGUMENTS);
    CHECK_EQ(create("a", "x", 0), ZBADARGUMENTS);
    CHECK_EQ(create("/a/./b", "x", 0), ZNONODE); /* the parent is looked up first, as ZK does */
    CHECK_EQ(create("/a/.", "x", 0), ZBADARGUMENTS);
    CHECK_EQ(create("/a/x\x01", "x", 0), ZBADARGUMENTS);
    CHECK_EQ(create("/", "x", 0), ZNODEEXISTS);
    CHECK_EQ(create("/t", "x", ZOO_PERSISTENT_WITH_TTL), ZUNIMPLEMENTED);
    CHECK_EQ(create("/t", "x", 9), ZBADARGUMENTS);
    jute_req bad = mkreq(ZOO_CREATE_OP, "/noacl");
    bad.acl = (jute_aclvec){0, NULL};
    CHECK_EQ(run(&bad, SID, NULL), ZINVALIDACL);
    CHECK_EQ(Z.last_zxid, 1); /* failed writes take no zxid */
}

static void test_sequential_delete(void) {
    reset();
    CHECK_EQ(create("/q", NULL, 0), ZOK);
    zk_results *res = NULL;
    jute_req r = mkreq(ZOO_CREATE_OP, "/q/s-");
    r.flags = ZOO_SEQUENCE;
    CHECK_EQ(run(&r, SID, &res), ZOK);
    CHECK(res && !strcmp(res->v[0].path, "/q/s-0000000000"));
    zk_results_free(res);
    CHECK_EQ(run(&r, SID, &res), ZOK);
    CHECK(res && !strcmp(res->v[0].path, "/q/s-0000000001"));
    zk_results_free(res);
    zk_node *q = get("/q");
    CHECK_EQ(q->cversion, 2);
    CHECK_EQ(q->pzxid, 3);
    CHECK(get("/q")->dlen == -1); /* null data kept apart from empty */
    jute_req d = mkreq(ZOO_DELETE_OP, "/q");
    CHECK_EQ(run(&d, SID, NULL), ZNOTEMPTY);
    d = mkreq(ZOO_DELETE_OP, "/q/s-0000000000");
    d.version = 5;
    CHECK_EQ(run(&d, SID, NULL), ZBADVERSION);
    d.version = 0;
    CHECK_EQ(run(&d, SID, NULL), ZOK);
    CHECK_EQ(q->cversion, 2); /* the kept create count; a delete moves pzxid */
    CHECK_EQ(q->pzxid, 4);
    CHECK_EQ(q->nkids, 1);
    jute_stat qs;
    zk_node_stat(q, &qs);
    CHECK_EQ(qs.cversion, 3); /* reported: creates + deletes */
    CHECK_EQ(run(&r, SID, &res), ZOK); /* next name from cversion, not from the count */
    CHECK(res && !strcmp(res->v[0].path, "/q/s-0000000002"));
    zk_results_free(res);
    d = mkreq(ZOO_DELETE_OP, "/zookeeper");
    CHECK_EQ(run(&d, SID, NULL), ZBADARGUMENTS);
}

static void test_setdata_setacl(void) {
    reset();
    CHECK_EQ(create("/d", "v0", 0), ZOK);
    jute_req s = mkreq(ZOO_SETDATA_OP, "/d");
    s.data = jute_kstr("v1-long");
    s.version = 0;
    zk_results *res = NULL;
    CHECK_EQ(run(&s, SID, &res), ZOK);
    CHECK(res && res->v[0].stat.version == 1 && res->v[0].stat.mzxid == 2 &&
          res->v[0].stat.czxid == 1 && res->v[0].stat.dataLength == 7);
    zk_results_free(res);
    CHECK_EQ(run(&s, SID, NULL), ZBADVERSION);
    jute_acl ro[1] = {{ZOO_PERM_READ, {{"world", 5}, {"anyone", 6}}}};
    jute_req a = mkreq(ZOO_SETACL_OP, "/d");
    a.acl = (jute_aclvec){1, ro};
    a.version = 0;
    CHECK_EQ(run(&a, SID, NULL), ZOK);
    CHECK_EQ(get("/d")->aversion, 1);
    CHECK_EQ(get("/d")->version, 1);
    s.version = -1;
    CHECK_EQ(run(&s, SID, NULL), ZNOAUTH);
    CHECK_EQ(run(&a, SID, NULL), ZNOAUTH); /* no ADMIN any more */
    jute_req c = mkreq(ZOO_CREATE_OP, "/d/child");
    CHECK_EQ(run(&c, SID, NULL), ZNOAUTH);
    jute_acl authacl[1] = {{ZOO_PERM_ALL, {{"auth", 4}, {"", 0}}}};
    c = mkreq(ZOO_CREATE_OP, "/authed");
    c.acl = (jute_aclvec){1, authacl};
    CHECK_EQ(run(&c, SID, NULL), ZINVALIDACL); /* no authenticated id */
    zk_authid ids[2] = {{"ip", "127.0.0.1"}, {"digest", "u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ="}};
    wbuf rec;
    wb_init(&rec, 64);
    CHECK_EQ(zk_txn_prepare(&c, SID, 1, ids, 2, &rec, NULL), ZOK);
    CHECK_EQ(zk_txn_apply(rec.data, rec.len, NULL), 0);
    wb_free(&rec);
    zk_node *n = get("/authed");
    CHECK(n && n->acl.n == 1 && !strcmp(n->acl.v[0].scheme, "digest"));
    authacl[0].id.id = (kstr){NULL, -1}; /* kazoo sends auth's "" id as null */
    c.path = jute_kstr("/authed2");
    wb_init(&rec, 64);
    CHECK_EQ(zk_txn_prepare(&c, SID, 1, ids, 2, &rec, NULL), ZOK);
    wb_free(&rec);
    CHECK(!zk_acl_check(&n->acl, ZOO_PERM_READ, no_ids, 1));
    CHECK(zk_acl_check(&n->acl, ZOO_PERM_READ, ids, 2));
}

static void test_ephemeral_session(void) {
    reset();
    CHECK_EQ(create("/e", NULL, ZOO_EPHEMERAL), ZOK);
    CHECK_EQ(get("/e")->ephemeralOwner, SID);
    CHECK_EQ(create("/e/x", NULL, 0), ZNOCHILDRENFOREPHEMERALS);
    CHECK_EQ(create("/c", NULL, ZOO_CONTAINER), ZOK);
    CHECK_EQ(get("/c")->ephemeralOwner, ZK_CONTAINER_OWNER);
    CHECK_EQ(create("/c/x", NULL, ZOO_EPHEMERAL), ZOK); /* containers may have them */
    wbuf rec;
    wb_init(&rec, 64);
    zk_txn_close_session(&rec, SID, 0);
    CHECK_EQ(zk_txn_apply(rec.data, rec.len, NULL), 0);
    wb_free(&rec);
    CHECK(get("/e") == NULL && get("/c/x") == NULL && get("/c") != NULL);
    CHECK(zk_session_get(&Z.sessions, SID) == NULL);
}

static void test_multi(void) {
    reset();
    CHECK_EQ(create("/m", "0", 0), ZOK);
    jute_req ops[3] = {mkreq(ZOO_CREATE_OP, "/m/a"), mkreq(ZOO_SETDATA_OP, "/m"),
                       mkreq(ZOO_CHECK_OP, "/m")};
    ops[2].version = 7;
    jute_req m = mkreq(ZOO_MULTI_OP, "");
    m.nops = 3;
    m.ops = ops;
    wbuf rec;
    wb_init(&rec, 64);
    int32_t errs[3];
    CHECK_EQ(zk_txn_prepare(&m, SID, 1, no_ids, 1, &rec, errs), 1);
    CHECK(errs[0] == ZOK && errs[1] == ZOK && errs[2] == ZBADVERSION);
    CHECK(get("/m/a") == NULL && get("/m")->version == 0 && rec.len == 0);
    ops[2].version = 1; /* the version after this multi's own setData */
    zk_results *res = NULL;
    CHECK_EQ(run(&m, SID, &res), ZOK);
    CHECK(res && res->n == 3 && res->v[0].type == ZOO_CREATE_OP &&
          !strcmp(res->v[0].path, "/m/a"));
    CHECK(res && res->v[1].stat.mzxid == 2 && res->v[0].stat.czxid == 2);
    zk_results_free(res);
    /* ops see the earlier ops of the same multi */
    jute_req ops2[3] = {mkreq(ZOO_CREATE_OP, "/m/b"), mkreq(ZOO_CREATE_OP, "/m/b/c"),
                        mkreq(ZOO_DELETE_OP, "/m/b/c")};
    m.ops = ops2;
    CHECK_EQ(run(&m, SID, NULL), ZOK);
    CHECK(get("/m/b") && !get("/m/b/c") && get("/m/b")->cversion == 1);
    jute_stat bs;
    zk_node_stat(get("/m/b"), &bs);
    CHECK_EQ(bs.cversion, 2);
    jute_req ops3[2] = {mkreq(ZOO_DELETE_OP, "/m/b"), mkreq(ZOO_DELETE_OP, "/m/b")};
    m.ops = ops3;
    m.nops = 2;
    wb_reset(&rec);
    CHECK_EQ(zk_txn_prepare(&m, SID, 1, no_ids, 1, &rec, errs), 1);
    CHECK(errs[0] == ZOK && errs[1] == ZNONODE && get("/m/b"));
    wb_free(&rec);
}

static void test_paths(void) {
    static const struct {
        const char *p;
        int ok;
    } t[] = {{"/", 1},      {"/a", 1},         {"/a/b.c", 1}, {"/a/..b", 1}, {"/a/b", 1},
             {"", 0},       {"a", 0},          {"/a/", 0},    {"//a", 0},    {"/a//b", 0},
             {"/a/.", 0},   {"/a/..", 0},      {"/./a", 0},   {"/a\x01", 0}, {"/a\x7f", 0},
             {"/\xc2\x85", 0}, {"/\xef\xbf\xbf", 0}, {"/\xf0\x9f\x98\x80", 0}, {"/\xc3\xa9", 1},
             {"/\xc3", 0}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int rc = zk_path_validate(t[i].p, strlen(t[i].p));
        if ((rc == ZOK) != t[i].ok)
            fprintf(stderr, "path %zu: %s\n", i, t[i].p);
        CHECK((rc == ZOK) == t[i].ok);
    }
    CHECK_EQ(zk_path_validate("/a\0b", 4), ZBADARGUMENTS);
    CHECK_EQ(zk_path_parent_len("/a/b", 4), 2);
    CHECK_EQ(zk_path_parent_len("/a", 2), 1);
}

static void test_digest_ip(void) {
    char *d = zk_digest("u:p", 3);
    CHECK(d && !strcmp(d, "u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ="));
    free(d);
    d = zk_digest("alice:secret", 12);
    CHECK(d && !strcmp(d, "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="));
    free(d);
    CHECK(zk_digest("nocolon", 7) == NULL);
    CHECK(zk_ip_match("10.0.0.0/8", "10.1.2.3"));
    CHECK(!zk_ip_match("10.0.0.0/8", "11.1.2.3"));
    CHECK(zk_ip_match("127.0.0.1", "127.0.0.1"));
    CHECK(zk_ip_match("127.0.0.1", "::ffff:127.0.0.1"));
    CHECK(!zk_ip_match("127.0.0.2", "127.0.0.1"));
}

static void test_config(void) {
    zk_config c;
    char err[256];
    const char *ok = "dataDir=/tmp/x\nclientPort=2181\nfoo=bar\nserver.1=h:2888:3888;2181\n";
    CHECK_EQ(zk_config_parse(&c, ok, strlen(ok), err, sizeof err), 0);
    CHECK_EQ(c.tick_time, 3000);
    CHECK_EQ(c.min_session_timeout, 6000);
    CHECK_EQ(c.max_session_timeout, 60000);
    CHECK_EQ(c.max_client_cnxns, 60);
    CHECK(!strcmp(c.data_log_dir, "/tmp/x"));
    CHECK(c.npeers == 1 && c.peers[0].quorum_port == 2888 && c.peers[0].client_port == 2181);
    CHECK(zk_config_4lw_enabled(&c, "srvr") && !zk_config_4lw_enabled(&c, "ruok"));
    const char *bad[] = {"dataDir=/x\nclientPort=2181\ntickTime=abc\n",
                         "dataDir=/x\nclientPort=99999\n", "clientPort=1\n",
                         "dataDir=/x\nclientPort=1\nminSessionTimeout=9\nmaxSessionTimeout=5\n",
                         "dataDir=/x\nclientPort=1\nserver.1=h:1:1\n",
                         "dataDir=/x\nclientPort=1\nextendedTypesEnabled=maybe\n"};
    const char *key[] = {"tickTime", "clientPort", "dataDir", "minSessionTimeout", "server.1",
                         "extendedTypesEnabled"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK_EQ(zk_config_parse(&c, bad[i], strlen(bad[i]), err, sizeof err), -1);
        CHECK(strstr(err, key[i]) != NULL);
    }
    const char *wl = "dataDir=/x\nclientPort=1\n4lw.commands.whitelist=stat, ruok, conf\n";
    CHECK_EQ(zk_config_parse(&c, wl, strlen(wl), err, sizeof err), 0);
    CHECK(zk_config_4lw_enabled(&c, "ruok") && zk_config_4lw_enabled(&c, "conf") &&
          !zk_config_4lw_enabled(&c, "srvr"));
}

static void test_snapshot_roundtrip(void) {
    reset();
    CHECK_EQ(create("/s", "data", 0), ZOK);
    CHECK_EQ(create("/s/e", NULL, ZOO_EPHEMERAL), ZOK);
    CHECK_EQ(create("/s/empty", "", 0), ZOK);
    wbuf a, b;
    wb_init(&a, 256);
    wb_init(&b, 256);
    zk_snap_serialize(&a);
    int64_t zxid = Z.last_zxid;
    reset();
    CHECK_EQ(zk_snap_deserialize(a.data, a.len), 0);
    CHECK_EQ(Z.last_zxid, zxid);
    CHECK(zk_session_get(&Z.sessions, SID) != NULL);
    CHECK(get("/s/e") && get("/s/e")->dlen == -1 && get("/s/empty")->dlen == 0);
    CHECK_EQ(get("/")->nkids, 2);
    zk_snap_serialize(&b);
    CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
    for (size_t cut = 0; cut < a.len; cut++) /* every truncation is refused */
        CHECK_EQ(zk_snap_deserialize(a.data, cut), -1);
    a.data[a.len / 2] ^= 1; /* a flipped bit fails the CRC */
    CHECK_EQ(zk_snap_deserialize(a.data, a.len), -1);
    CHECK(get("/s/e") != NULL);
    wb_free(&a);
    wb_free(&b);
}

/* Every prefix of every kind of record is refused by the decoder without
 * touching the tree beyond what a whole record does. */
static void test_truncated_records(void) {
    reset();
    CHECK_EQ(create("/t", "x", 0), ZOK);
    jute_req reqs[4] = {mkreq(ZOO_CREATE_OP, "/t/new"), mkreq(ZOO_SETDATA_OP, "/t"),
                        mkreq(ZOO_DELETE_OP, "/t/new"), mkreq(ZOO_SETACL_OP, "/t")};
    reqs[0].data = jute_kstr("payload");
    reqs[1].data = jute_kstr("changed");
    jute_req m = mkreq(ZOO_MULTI_OP, "");
    m.nops = 2;
    m.ops = reqs;
    const jute_req *all[5] = {&reqs[0], &reqs[1], &reqs[3], &m, NULL};
    for (int i = 0; all[i]; i++) {
        wbuf rec;
        wb_init(&rec, 128);
        int32_t errs[4];
        CHECK_EQ(zk_txn_prepare(all[i], SID, 1, no_ids, 1, &rec, errs), ZOK);
        wbuf before;
        wb_init(&before, 256);
        zk_snap_serialize(&before);
        for (size_t cut = 0; cut < rec.len; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, rec.data, cut);
            int rc = zk_txn_apply(copy, cut, NULL);
            free(copy);
            if (rc == 0) { /* only possible if the cut record still parses */
                fprintf(stderr, "record %d applied at cut %zu of %zu\n", i, cut, rec.len);
                CHECK(0);
            }
        }
        wbuf after;
        wb_init(&after, 256);
        Z.last_zxid = 1;
        zk_snap_serialize(&after);
        /* a truncated create/setData/setACL leaves the tree as it was */
        CHECK(i == 3 || (before.len == after.len && !memcmp(before.data, after.data, before.len)));
        wb_free(&before);
        wb_free(&after);
        wb_free(&rec);
        reset();
        CHECK_EQ(create("/t", "x", 0), ZOK);
    }
}

int main(void) {
    log_open(NULL, 0, LOG_FATAL);
    zk_config_parse(&Z.cfg, "dataDir=/tmp\nclientPort=1\n", 27, (char[64]){0}, 64);
    zk_tree_init(&Z.tree);
    zk_sessions_init(&Z.sessions, 0);
    test_initial_tree();
    test_create_stat();
    test_sequential_delete();
    test_setdata_setacl();
    test_ephemeral_session();
    test_multi();
    test_paths();
    test_digest_ip();
    test_config();
    test_snapshot_roundtrip();
    test_truncated_records();
    zk_tree_free(&Z.tree);
    zk_sessions_free(&Z.sessions);
    zk_watch_free_all();
    return unit_report("test_zk_tree");
}
