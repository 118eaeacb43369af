/* quorum.c -- the ensemble: leader election, replication of every write in
 * one total order, catch-up of lagging servers, and quorum loss. The
 * protocol (ZAB's phases with a Raft-style vote) and its invariants are in
 * ENSEMBLE.md; this file is its implementation.
 *
 * Roles: LOOKING (not serving; runs pre-votes and votes on the election
 * port), FOLLOWING (connected to the leader's quorum port: logs proposals,
 * acks them after fdatasync, applies them on COMMIT, forwards its clients'
 * writes as REQUESTs), LEADING (turns writes into txns with zxid
 * epoch<<32|counter, applies them at once to its own tree but lets no
 * client output that reflects a txn leave before the txn is committed,
 * i.e. on disk at a quorum).
 *
 * Observers (server.N=...:observer) follow the leader like followers and
 * serve clients the same way, but never vote nor stand: while LOOKING they
 * only ask the voters which leader they follow (a pre-vote no voter grants
 * to an observer), and the leader counts neither their acks for commits
 * nor their silence against its quorum (their acks still keep their
 * clients' sessions alive).
 *
 * Every server keeps the recent txns of its log in memory (hist): a leader
 * sends a joining follower the tail after the follower's last zxid (DIFF),
 * or its whole state (SNAP) when that zxid is not in its history; on a
 * follower the entries after the applied zxid are the logged, not yet
 * committed proposals.
 *
 * Peer frames: uint32 length (1..max), uint8 type, body; decoded by
 * zk_peer_decode with one err_parse exit; a malformed frame closes that
 * peer connection only. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "anet.h"
#include "dirsync.h"
#include "logger.h"
#include "service_notify.h"
#include "zk.h"

#define LOG_QP "org.apache.zookeeper.server.quorum.QuorumPeer"
#define LOG_LE "org.apache.zookeeper.server.quorum.FastLeaderElection"
#define LOG_LD "org.apache.zookeeper.server.quorum.Leader"
#define LOG_FL "org.apache.zookeeper.server.quorum.Follower"

#define QCRON_MS 10
#define ELECT_MAX_FRAME 256
#define QUORUM_MAX_FRAME (1024u * 1024 * 1024)
#define HIST_MAX_ENTRIES 20000
#define HIST_MAX_BYTES (16u * 1024 * 1024)

/* ------------------------------------------------------------------------
 * Peer message codec
 * ---------------------------------------------------------------------- */
int zk_peer_decode(const uint8_t *p, size_t len, zk_peer_msg *m) {
    rbuf rb;
    int8_t type;
    memset(m, 0, sizeof(*m));
    rb_init(&rb, p, len);
    rb_read_i8(&rb, &type);
    m->type = type;
    switch (type) {
    case ZK_PM_VOTE_REQ:
        rb_read_i8(&rb, &m->flag);
        rb_read_i32(&rb, &m->id);
        rb_read_i64(&rb, &m->term);
        rb_read_i64(&rb, &m->zxid);
        break;
    case ZK_PM_VOTE_RESP:
        rb_read_i8(&rb, &m->flag);
        rb_read_i32(&rb, &m->id);
        rb_read_i64(&rb, &m->term);
        rb_read_i32(&rb, &m->leader_id);
        rb_read_i64(&rb, &m->leader_term);
        break;
    case ZK_PM_FINFO:
        rb_read_i32(&rb, &m->id);
        rb_read_i64(&rb, &m->term);
        rb_read_i64(&rb, &m->zxid);
        break;
    case ZK_PM_LINFO: {
        kstr snap;
        rb_read_i64(&rb, &m->term);
        rb_read_i8(&rb, &m->flag);
        rb_read_i64(&rb, &m->zxid);
        rb_read_bytes(&rb, &snap);
        if (m->flag != 0 && m->flag != 1)
            goto err_parse;
        if ((m->flag == 1) != (snap.len > 0))
            goto err_parse;
        m->data = (const uint8_t *)snap.s;
        m->dlen = snap.len > 0 ? (size_t)snap.len : 0;
        break;
    }
    case ZK_PM_PROPOSAL:
        if (rb_remain(&rb) < 32) /* a txn header */
            goto err_parse;
        m->data = rb_cur(&rb);
        m->dlen = rb_remain(&rb);
        m->zxid = (int64_t)be64_get(m->data);
        rb_read_skip(&rb, m->dlen);
        break;
    case ZK_PM_COMMIT:
        rb_read_i64(&rb, &m->zxid);
        break;
    case ZK_PM_ACK:
        rb_read_i64(&rb, &m->zxid);
        rb_read_i32(&rb, &m->nsids);
        rb_check_count(&rb, m->nsids, 8);
        m->sids = rb_cur(&rb);
        rb_read_skip(&rb, (size_t)m->nsids * 8);
        break;
    case ZK_PM_REQUEST:
        rb_read_i64(&rb, &m->sid);
        rb_read_i32(&rb, &m->cxid);
        rb_read_i32(&rb, &m->optype);
        rb_read_i32(&rb, &m->nids);
        if (m->nids < 0 || m->nids > ZK_PM_MAX_IDS)
            goto err_parse;
        for (int32_t i = 0; i < m->nids; i++) {
            rb_read_bytes(&rb, &m->ids[i][0]);
            rb_read_bytes(&rb, &m->ids[i][1]);
            if (m->ids[i][0].len < 0 || m->ids[i][1].len < 0)
                goto err_parse;
        }
        m->data = rb_cur(&rb);
        m->dlen = rb_remain(&rb);
        rb_read_skip(&rb, m->dlen);
        break;
    default:
        goto err_parse;
    }
    if (rb_remain(&rb) != 0 || m->term < 0 || m->term > ZK_MAX_EPOCH || m->leader_term < 0 ||
        m->leader_term > ZK_MAX_EPOCH)
        goto err_parse;
    return 0;
err_parse:
    return -1;
}

/* ------------------------------------------------------------------------
 * State
 * ---------------------------------------------------------------------- */
enum { PC_ELECT_OUT = 1, PC_ELECT_IN, PC_LEARNER, PC_HANDLER };

typedef struct pconn {
    int fd, kind, peer;
    bool connecting, wh, dead, synced;
    uint8_t *in;
    size_t in_len, in_cap;
    wbuf out;
    size_t out_off;
    int64_t last_heard, opened;
    int64_t acked; /* handler: the follower's fdatasync'ed last zxid */
    struct pconn *next;
} pconn;

typedef struct hent {
    int64_t zxid;
    uint8_t *rec;
    size_t len;
} hent;

static struct {
    int elect_fd, quorum_fd;
    zk_peer me; /* this server's entry at start-up: where it listens */
    int nvoters;
    pconn *conns;
    /* persistent election state */
    int64_t term;
    int voted_for;
    /* election round */
    bool pre;            /* the current round is a pre-vote */
    int64_t round_term;  /* term asked for */
    int granted[17];     /* by server id */
    int64_t next_try;    /* mono ms of the next candidacy */
    int follow_id;       /* leader to connect to, 0 none */
    int64_t follow_until;
    int64_t next_connect;
    /* following */
    pconn *leader;
    int64_t sync_point, commit_seen, acked_sent, last_ack_ms;
    /* leading */
    int64_t noop_zxid, last_quorum_ms, last_ping_ms, self_synced;
    /* history of logged txns */
    hent *hist;
    size_t hhead, hn, hcap, hbytes;
    int64_t hbase; /* zxid the history continues from */
    /* leader: a reconfig proposed, adopted once committed */
    zk_peer pending[ZK_MAX_PEERS];
    int npending;
    int64_t pending_zxid;
} Q;

static void become_looking(const char *why);

/* ------------------------------------------------------------------------
 * History
 * ---------------------------------------------------------------------- */
static hent *hist_at(size_t i) { return &Q.hist[(Q.hhead + i) % Q.hcap]; }

static int64_t log_last(void) { return Q.hn ? hist_at(Q.hn - 1)->zxid : Q.hbase; }

static void hist_drop_front(void) {
    hent *e = hist_at(0);
    Q.hbase = e->zxid;
    Q.hbytes -= e->len;
    free(e->rec);
    Q.hhead = (Q.hhead + 1) % Q.hcap;
    Q.hn--;
}

static void hist_add(const uint8_t *rec, size_t len) {
    if (Q.hn == Q.hcap) {
        size_t ncap = Q.hcap ? Q.hcap * 2 : 1024;
        hent *nh = malloc(ncap * sizeof(hent));
        for (size_t i = 0; i < Q.hn; i++)
            nh[i] = *hist_at(i);
        free(Q.hist);
        Q.hist = nh;
        Q.hcap = ncap;
        Q.hhead = 0;
    }
    hent *e = &Q.hist[(Q.hhead + Q.hn) % Q.hcap];
    e->zxid = zk_txn_zxid(rec, len);
    e->rec = malloc(len);
    memcpy(e->rec, rec, len);
    e->len = len;
    Q.hn++;
    Q.hbytes += len;
    /* keep what is not applied yet (a follower's uncommitted tail) */
    while ((Q.hn > HIST_MAX_ENTRIES || Q.hbytes > HIST_MAX_BYTES) && Q.hn > 1 &&
           hist_at(0)->zxid <= Z.last_zxid)
        hist_drop_front();
}

static void hist_clear(int64_t base) {
    while (Q.hn)
        hist_drop_front();
    Q.hbase = base;
}

/* Index of the first entry with zxid > z (Q.hn if none). */
static size_t hist_after(int64_t z) {
    size_t lo = 0, hi = Q.hn;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (hist_at(mid)->zxid <= z)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool hist_has(int64_t z) {
    if (z == Q.hbase)
        return true;
    size_t i = hist_after(z);
    return i > 0 && hist_at(i - 1)->zxid == z;
}

static void on_replay(const uint8_t *rec, size_t len) { hist_add(rec, len); }

/* ------------------------------------------------------------------------
 * Persistent election state: dataDir/version-2/currentEpoch = "term voted"
 * ---------------------------------------------------------------------- */
static void state_load(void) {
    char path[1200];
    snprintf(path, sizeof path, "%s/currentEpoch", Z.snap_dir);
    FILE *f = fopen(path, "r");
    long long t = 0;
    int v = 0;
    if (f) {
        if (fscanf(f, "%lld %d", &t, &v) < 1)
            t = 0;
        fclose(f);
    }
    Q.term = t > 0 ? t : 0;
    Q.voted_for = v;
    if (Q.term < (Z.last_zxid >> 32))
        Q.term = Z.last_zxid >> 32;
}

static void state_save(void) {
    char path[1200], tmp[1300], buf[64];
    snprintf(path, sizeof path, "%s/currentEpoch", Z.snap_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int n = snprintf(buf, sizeof buf, "%lld %d\n", (long long)Q.term, Q.voted_for);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, buf, (size_t)n) != n || fsync(fd) != 0 || rename(tmp, path) != 0) {
        log_error(LOG_QP, "Cannot write %s: %s; exiting", path, strerror(errno));
        exit(2);
    }
    close(fd);
    if (dir_fsync(Z.snap_dir) != 0)
        log_warn(LOG_QP, "fsync %s: %s", Z.snap_dir, strerror(errno));
}

static void set_term(int64_t t, int voted) {
    if (t == Q.term && voted == Q.voted_for)
        return;
    Q.term = t;
    Q.voted_for = voted;
    state_save();
}

/* ------------------------------------------------------------------------
 * Peer connections
 * ---------------------------------------------------------------------- */
static const zk_peer *peer_by_id(int id) {
    for (int i = 0; i < Z.cfg.npeers; i++)
        if (Z.cfg.peers[i].id == id)
            return &Z.cfg.peers[i];
    return NULL;
}

/* This server's entry in the current configuration (NULL once removed). */
static const zk_peer *self_entry(void) { return peer_by_id(Z.cfg.my_id); }

/* Not a voter: an observer, or a server the configuration no longer has
 * (it stays on as a non-voting follower, as ZooKeeper's do). */
static bool observing(void) {
    const zk_peer *p = self_entry();
    return !p || p->observer;
}

static int64_t tick(void) { return Z.cfg.tick_time > 0 ? Z.cfg.tick_time : 2000; }

static void pc_read(aeEventLoop *el, int fd, void *arg, int mask);
static void pc_writable(aeEventLoop *el, int fd, void *arg, int mask);

static void pc_close(pconn *pc) {
    if (pc->dead)
        return;
    pc->dead = true;
    aeDeleteFileEvent(Z.el, pc->fd, AE_READABLE | AE_WRITABLE);
    close(pc->fd);
    if (pc == Q.leader) {
        Q.leader = NULL;
        if (Z.role == ZK_ROLE_FOLLOWING) {
            Q.follow_id = 0;
            become_looking("the connection to the leader was lost");
        }
    }
}

static void pc_reap(void) {
    for (pconn **pp = &Q.conns; *pp;) {
        pconn *pc = *pp;
        if (pc->dead) {
            *pp = pc->next;
            free(pc->in);
            wb_free(&pc->out);
            free(pc);
        } else {
            pp = &pc->next;
        }
    }
}

static pconn *pc_new(int fd, int kind, int peer) {
    pconn *pc = calloc(1, sizeof(*pc));
    pc->fd = fd;
    pc->kind = kind;
    pc->peer = peer;
    pc->last_heard = pc->opened = ae_mono_ms();
    wb_init(&pc->out, 256);
    pc->next = Q.conns;
    Q.conns = pc;
    anetNonBlock(NULL, fd);
    anetEnableTcpNoDelay(NULL, fd);
    if (aeCreateFileEvent(Z.el, fd, AE_READABLE, pc_read, pc) == AE_ERR) {
        pc->dead = true;
        close(fd);
    }
    return pc;
}

static pconn *pc_connect(const char *host, int port, int kind, int peer) {
    char err[ANET_ERR_LEN];
    int fd = anetTcpNonBlockConnect(err, host, port);
    if (fd < 0)
        return NULL;
    pconn *pc = pc_new(fd, kind, peer);
    pc->connecting = true;
    if (!pc->dead) {
        aeCreateFileEvent(Z.el, fd, AE_WRITABLE, pc_writable, pc);
        pc->wh = true;
    }
    return pc;
}

static void pc_flush(pconn *pc) {
    if (pc->dead || pc->connecting)
        return;
    while (pc->out_off < pc->out.len) {
        ssize_t n = write(pc->fd, pc->out.data + pc->out_off, pc->out.len - pc->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            pc_close(pc);
            return;
        }
        pc->out_off += (size_t)n;
    }
    if (pc->out_off == pc->out.len) {
        wb_reset(&pc->out);
        pc->out_off = 0;
        if (pc->wh) {
            aeDeleteFileEvent(Z.el, pc->fd, AE_WRITABLE);
            pc->wh = false;
        }
    } else if (!pc->wh) {
        aeCreateFileEvent(Z.el, pc->fd, AE_WRITABLE, pc_writable, pc);
        pc->wh = true;
    }
}

static void pc_writable(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)mask;
    pconn *pc = arg;
    if (pc->connecting) {
        int e = 0;
        socklen_t l = sizeof e;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) != 0 || e != 0) {
            pc_close(pc);
            return;
        }
        pc->connecting = false;
    }
    pc_flush(pc);
}

/* Starts a frame of the given type; pc_end fills in the length. */
static size_t pc_begin(pconn *pc, int type) {
    size_t at = pc->out.len;
    wb_u32(&pc->out, 0);
    wb_i8(&pc->out, (int8_t)type);
    return at;
}

static void pc_end(pconn *pc, size_t at) {
    wb_put_u32(&pc->out, at, (uint32_t)(pc->out.len - at - 4));
}

/* ------------------------------------------------------------------------
 * Serving
 * ---------------------------------------------------------------------- */
static void set_serving(bool on) {
    if (on == Z.serving)
        return;
    Z.serving = on;
    if (on) {
        log_info(LOG_QP, "Serving clients as %s (epoch %lld, zxid 0x%" PRIx64 ")", zk_quorum_mode(),
                 (long long)Q.term, (uint64_t)Z.last_zxid);
        service_notify_ready("Serving clients on port %d as %s (epoch %lld)", Z.cfg.client_port,
                             zk_quorum_mode(), (long long)Q.term);
    } else {
        zk_server_close_clients();
        service_notify_status("Not serving: looking for a quorum");
    }
}

const char *zk_quorum_mode(void) {
    switch (Z.role) {
    case ZK_ROLE_LEADING: return "leader";
    case ZK_ROLE_FOLLOWING: return self_entry() && self_entry()->observer ? "observer" : "follower";
    case ZK_ROLE_LOOKING: return "looking";
    default: return "standalone";
    }
}

/* Does the learner behind this handler vote (not an observer)? */
static bool pc_votes(const pconn *pc) {
    const zk_peer *p = peer_by_id(pc->peer);
    return p && !p->observer;
}

int zk_quorum_followers(int *synced, int *synced_observers) {
    int n = 0, s = 0, o = 0;
    for (pconn *pc = Q.conns; pc; pc = pc->next)
        if (!pc->dead && pc->kind == PC_HANDLER) {
            n++;
            if (pc->synced && pc_votes(pc))
                s++;
            else if (pc->synced)
                o++;
        }
    if (synced)
        *synced = s;
    if (synced_observers)
        *synced_observers = o;
    return n;
}


/* ------------------------------------------------------------------------
 * Membership and dynamic reconfiguration (reconfigEnabled=true)
 *
 * The configuration has a version: 0 for a static file never established;
 * the first leader makes it its epoch << 32 (every server does the same
 * when it syncs with that leader), and a reconfig makes it the zxid of its
 * txn. /zookeeper/config shows it as ZooKeeper does ("server.N=..." lines
 * by id, then "version=<hex>"; Stat version -1, mzxid the version). A
 * reconfig is a txn (ZK_TXN_RECONFIG) setting that node: followers adopt
 * the new membership when they apply it, the leader when it commits, i.e.
 * once a quorum of the old voters and one of the new have it (a second
 * reconfig meanwhile gets ReconfigInProgress). With reconfigEnabled, each version is also written
 * to <config file>.dynamic.<hex version> and the config file points to it
 * (dynamicConfigFile=, its server.N lines removed; a .bak keeps the
 * original), so a restart uses the latest membership.
 * ---------------------------------------------------------------------- */
static int cmp_peer_id(const void *a, const void *b) {
    return ((const zk_peer *)a)->id - ((const zk_peer *)b)->id;
}

static int count_voters(const zk_peer *peers, int n) {
    int v = 0;
    for (int i = 0; i < n; i++)
        v += !peers[i].observer;
    return v;
}

static void config_text(wbuf *out, zk_peer *peers, int n, int64_t version) {
    qsort(peers, (size_t)n, sizeof *peers, cmp_peer_id);
    zk_config_members_format(peers, n, out);
    char v[48];
    snprintf(v, sizeof v, "%sversion=%" PRIx64, n ? "\n" : "", (uint64_t)version);
    wb_write(out, v, strlen(v));
}

static int write_file(const char *path, const void *data, size_t len) {
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* <config>.dynamic.<hex version> with the membership, and the config
 * file rewritten to point to it. */
static void write_dynamic_files(void) {
    if (!Z.cfg.reconfig_enabled || !Z.cfg.config_path[0] || !Z.cfg.config_version)
        return;
    char dyn[1100];
    snprintf(dyn, sizeof dyn, "%s.dynamic.%" PRIx64, Z.cfg.config_path, (uint64_t)Z.cfg.config_version);
    wbuf members;
    wb_init(&members, 512);
    zk_peer peers[ZK_MAX_PEERS];
    memcpy(peers, Z.cfg.peers, (size_t)Z.cfg.npeers * sizeof *peers);
    qsort(peers, (size_t)Z.cfg.npeers, sizeof *peers, cmp_peer_id);
    zk_config_members_format(peers, Z.cfg.npeers, &members);
    if (write_file(dyn, members.data, members.len) != 0) {
        log_error(LOG_QP, "Cannot write %s: %s", dyn, strerror(errno));
        wb_free(&members);
        return;
    }
    wb_free(&members);
    FILE *f = fopen(Z.cfg.config_path, "r");
    if (!f)
        return;
    wbuf out;
    wb_init(&out, 1024);
    char line[2048];
    bool had_dynamic = false;
    while (fgets(line, sizeof line, f)) {
        const char *k = line + strspn(line, " \t");
        if (!strncmp(k, "dynamicConfigFile", 17))
            had_dynamic = true;
        if (!strncmp(k, "server.", 7) || !strncmp(k, "dynamicConfigFile", 17))
            continue;
        wb_write(&out, line, strlen(line));
        if (line[strlen(line) - 1] != '\n')
            wb_write(&out, "\n", 1);
    }
    fclose(f);
    if (!had_dynamic) { /* ZooKeeper keeps the static original as .bak */
        char bak[1100];
        snprintf(bak, sizeof bak, "%s.bak", Z.cfg.config_path);
        if (link(Z.cfg.config_path, bak) != 0 && errno != EEXIST)
            log_warn(LOG_QP, "Cannot keep %s: %s", bak, strerror(errno));
    }
    char entry[1200];
    snprintf(entry, sizeof entry, "dynamicConfigFile=%s\n", dyn);
    wb_write(&out, entry, strlen(entry));
    if (write_file(Z.cfg.config_path, out.data, out.len) != 0)
        log_error(LOG_QP, "Cannot rewrite %s: %s", Z.cfg.config_path, strerror(errno));
    else
        snprintf(Z.cfg.dynamic_file, sizeof Z.cfg.dynamic_file, "%s", dyn);
    wb_free(&out);
}

/* /zookeeper/config = the current membership, outside any txn (the
 * version a static configuration gets when it is established). */
void zk_quorum_publish_config(void) {
    zk_node *n = zk_tree_get(&Z.tree, "/zookeeper/config", 17);
    if (!n)
        return;
    wbuf t;
    wb_init(&t, 512);
    config_text(&t, Z.cfg.peers, Z.cfg.npeers, Z.cfg.config_version);
    if (n->dlen != (int32_t)t.len || memcmp(n->data, t.data, t.len)) {
        zk_node_set_data(&Z.tree, n, t.data, (int32_t)t.len);
        n->version = -1;
        n->mzxid = Z.cfg.config_version;
        n->mtime = ae_wall_ms();
    }
    wb_free(&t);
}

static void config_adopt(const zk_peer *peers, int n, int64_t version) {
    bool was_voter = !observing();
    memcpy(Z.cfg.peers, peers, (size_t)n * sizeof *peers);
    Z.cfg.npeers = n;
    Z.cfg.config_version = version;
    Q.nvoters = count_voters(peers, n);
    if (Z.recovering)
        return;
    log_info(LOG_QP, "Configuration version %" PRIx64 ": %d servers, %d voters%s", (uint64_t)version,
             n, Q.nvoters, !self_entry() ? "; this server is not among them" : "");
    write_dynamic_files();
    if (Z.role == ZK_ROLE_LEADING && was_voter && observing())
        become_looking("this server is no longer a voter");
}

/* The membership of a /zookeeper/config text; its version, or -1. */
static int64_t config_parse(const char *text, size_t len, zk_peer *peers, int *n) {
    char err[256];
    const char *v = NULL;
    for (size_t i = 0; i + 8 <= len; i++)
        if ((i == 0 || text[i - 1] == '\n') && !memcmp(text + i, "version=", 8))
            v = text + i + 8;
    if (!v || zk_config_members_parse(text, len, '\n', peers, ZK_MAX_PEERS, n, err, sizeof err) != 0)
        return -1;
    return (int64_t)strtoull(v, NULL, 16);
}

/* After recovery, a newer configuration in the tree wins; after a SNAP,
 * the leader's (leaders): it is the leader's state. */
static void config_from_tree(bool leaders) {
    const zk_node *node = zk_tree_get(&Z.tree, "/zookeeper/config", 17);
    zk_peer peers[ZK_MAX_PEERS];
    int n = 0;
    int64_t v = node && node->dlen > 0 ? config_parse((const char *)node->data, (size_t)node->dlen, peers, &n) : -1;
    if (v > Z.cfg.config_version || (leaders && v > 0 && v != Z.cfg.config_version))
        config_adopt(peers, n, v);
    else
        zk_quorum_publish_config();
    /* a restart after a reconfig found only in the log: its files now */
    char suffix[40];
    snprintf(suffix, sizeof suffix, ".dynamic.%" PRIx64, (uint64_t)Z.cfg.config_version);
    size_t fl = strlen(Z.cfg.dynamic_file), sl = strlen(suffix);
    if (!Z.recovering && Z.cfg.config_version && (fl < sl || strcmp(Z.cfg.dynamic_file + fl - sl, suffix)))
        write_dynamic_files();
}

/* A static configuration becomes version epoch << 32 once established. */
static void config_establish(int64_t epoch) {
    if (Z.cfg.config_version != 0)
        return;
    Z.cfg.config_version = epoch << 32;
    zk_quorum_publish_config();
    write_dynamic_files();
}

void zk_quorum_config_applied(int64_t zxid, const char *config, size_t len) {
    zk_peer peers[ZK_MAX_PEERS];
    int n;
    if (config_parse(config, len, peers, &n) < 0) {
        log_error(LOG_QP, "Unreadable configuration in txn 0x%" PRIx64, (uint64_t)zxid);
        return;
    }
    if (Z.role == ZK_ROLE_LEADING && !Z.recovering && zxid > Z.committed_zxid) {
        memcpy(Q.pending, peers, (size_t)n * sizeof *peers);
        Q.npending = n;
        Q.pending_zxid = zxid;
        return;
    }
    config_adopt(peers, n, zxid);
}

/* Leader: the pending configuration is committed. */
static void config_commit_pending(void) {
    if (Q.pending_zxid && Z.committed_zxid >= Q.pending_zxid) {
        int64_t z = Q.pending_zxid;
        Q.pending_zxid = 0;
        config_adopt(Q.pending, Q.npending, z);
    }
}

/* Comma-separated entries of s, each at most cap-1 bytes, into out. */
static int split_commas(kstr s, char out[][1200], int max) {
    int n = 0;
    for (int32_t i = 0; i < s.len;) {
        int32_t j = i;
        while (j < s.len && s.s[j] != ',')
            j++;
        if (j > i) {
            if (n == max || j - i >= 1200)
                return -1;
            memcpy(out[n], s.s + i, (size_t)(j - i));
            out[n][j - i] = '\0';
            n++;
        }
        i = j + 1;
    }
    return n;
}

int zk_quorum_reconfig(const jute_req *r, int64_t sid, int32_t cxid, wbuf *out) {
    if (Q.pending_zxid)
        return ZRECONFIGINPROGRESS;
    if (r->curConfigId != -1 && r->curConfigId != Z.cfg.config_version)
        return ZBADVERSION;
    zk_peer next[ZK_MAX_PEERS];
    int n = 0;
    char err[256];
    if (r->newMembers.len >= 0) { /* the whole new membership */
        if (zk_config_members_parse(r->newMembers.s, (size_t)r->newMembers.len, ',', next,
                                    ZK_MAX_PEERS, &n, err, sizeof err) != 0) {
            log_warn(LOG_LD, "Reconfig failed: %s", err);
            return ZBADARGUMENTS;
        }
    } else { /* incremental: the current one, less leaving, plus joining */
        static char items[ZK_MAX_PEERS * 2][1200];
        memcpy(next, Z.cfg.peers, (size_t)Z.cfg.npeers * sizeof *next);
        n = Z.cfg.npeers;
        int nl = split_commas(r->leavingServers, items, ZK_MAX_PEERS * 2);
        if (nl < 0)
            return ZBADARGUMENTS;
        for (int i = 0; i < nl; i++) {
            char *end;
            long id = strtol(items[i], &end, 10);
            if (!items[i][0] || *end) /* Long.parseLong's NumberFormatException */
                return ZMARSHALLINGERROR;
            for (int k = 0; k < n; k++)
                if (next[k].id == id) {
                    next[k] = next[--n];
                    break;
                }
        }
        int nj = split_commas(r->joiningServers, items, ZK_MAX_PEERS * 2);
        if (nj < 0)
            return ZBADARGUMENTS;
        for (int i = 0; i < nj; i++) {
            zk_peer j;
            int one;
            if (zk_config_members_parse(items[i], strlen(items[i]), ',', &j, 1, &one, err,
                                        sizeof err) != 0 || one != 1 || !j.client_port) {
                log_warn(LOG_LD, "Reconfig failed: wrong format of server string %s", items[i]);
                return ZBADARGUMENTS;
            }
            int k;
            for (k = 0; k < n; k++) {
                if (next[k].id != j.id && !strcmp(next[k].host, j.host) &&
                    (next[k].quorum_port == j.quorum_port || next[k].election_port == j.election_port ||
                     next[k].quorum_port == j.election_port || next[k].election_port == j.quorum_port))
                    return ZBADARGUMENTS; /* an address of another server */
            }
            for (k = 0; k < n && next[k].id != j.id; k++)
                ;
            if (k == n && n == ZK_MAX_PEERS)
                return ZBADARGUMENTS;
            next[k] = j;
            n += k == n;
        }
    }
    int voters = count_voters(next, n);
    if (voters < 2) {
        log_warn(LOG_LD, "Reconfig failed - new configuration must include at least 2 followers");
        return ZBADARGUMENTS;
    }
    /* Leader.isQuorumSynced: the leader and its synced (non-observer)
     * learners that vote in the new configuration make a quorum of it */
    int synced = 0;
    for (int k = 0; k < n; k++) {
        if (next[k].observer)
            continue;
        if (next[k].id == Z.cfg.my_id) {
            synced++;
            continue;
        }
        for (pconn *pc = Q.conns; pc; pc = pc->next) {
            const zk_peer *cur = peer_by_id(pc->peer);
            if (!pc->dead && pc->kind == PC_HANDLER && pc->synced && pc->peer == next[k].id &&
                !(cur && cur->observer)) {
                synced++;
                break;
            }
        }
    }
    if (synced < voters / 2 + 1) {
        log_warn(LOG_LD, "Reconfig failed - there must be a connected and synced quorum in new "
                         "configuration");
        return ZNEWCONFIGNOQUORUM;
    }
    wbuf text;
    wb_init(&text, 512);
    config_text(&text, next, n, Z.last_zxid + 1);
    zk_txn_reconfig(out, sid, cxid, (const char *)text.data, text.len);
    wb_free(&text);
    return ZOK;
}

/* ------------------------------------------------------------------------
 * Following
 * ---------------------------------------------------------------------- */
/* Applies the logged proposals up to z (COMMIT), answering this server's
 * clients whose forwarded requests they are. */
static void apply_one(const uint8_t *rec, size_t len) {
    rbuf rb;
    int64_t zxid, time, sid;
    int32_t cxid, type, err = 0, n = 0;
    zk_results *res = NULL; /* freed on the err_parse path too */
    rb_init(&rb, rec, len);
    rb_read_i64(&rb, &zxid);
    rb_read_i64(&rb, &time);
    rb_read_i64(&rb, &sid);
    rb_read_i32(&rb, &cxid);
    rb_read_i32(&rb, &type);
    zk_conn *c = NULL, *rv = NULL;
    if (sid && cxid == ZK_REVALIDATE_XID)
        for (zk_conn *x = Z.conns; x; x = x->next)
            if (x->revalidate_sid == sid && !x->closing)
                rv = x;
    if (rv) {
        /* the reply to a reconnect's sync: the session is known now if it lives */
    } else if (type == ZK_TXN_CREATE_SESSION) {
        for (zk_conn *x = Z.conns; x; x = x->next)
            if (x->pending_sid == sid && !x->closing)
                c = x;
    } else if (sid) {
        zk_session *s = zk_session_get(&Z.sessions, sid);
        c = s ? s->conn : NULL;
    }
    zk_txn_apply(rec, len, &res);
    if (rv) {
        zk_server_finish_revalidate(rv);
    } else if (c && type == ZK_TXN_CREATE_SESSION) {
        zk_server_finish_connect(c);
    } else if (c && c->nfwd > 0 && c->fwd[0].xid == cxid) {
        struct zk_fwd f = c->fwd[0];
        memmove(c->fwd, c->fwd + 1, (size_t)(c->nfwd - 1) * sizeof(*c->fwd));
        c->nfwd--;
        if (type == ZK_TXN_ERROR) {
            rb_read_i32(&rb, &err);
            rb_read_i32(&rb, &n);
            rb_check_count(&rb, n, 4);
            int32_t *errs = n > 0 ? malloc((size_t)n * sizeof(int32_t)) : NULL;
            for (int32_t i = 0; i < n; i++)
                rb_get_i32(&rb, &errs[i]); /* cannot fail: counted above */
            if (f.type == ZOO_SYNC_OP && !err)
                zk_server_reply_sync(c, f.xid, f.path);
            else if (n > 0)
                zk_server_reply_write(c, f.xid, f.type, 1, errs, n, NULL);
            else
                zk_server_reply_err(c, f.xid, err);
            free(errs);
        } else if (f.type == ZOO_CLOSE_OP) {
            zk_server_reply_err(c, f.xid, ZOK);
            c->closing = true;
        } else {
            zk_server_reply_write(c, f.xid, f.type, ZOK, NULL, 0, res);
        }
        free(f.path);
        zk_conn_resume(c);
    } else if (c && type == ZK_TXN_CLOSE_SESSION) {
        c->closing = true; /* expired by the leader */
    }
    zk_results_free(res);
    return;
err_parse:
    zk_results_free(res);
    log_warn(LOG_FL, "Malformed error txn 0x%" PRIx64, (uint64_t)zxid);
}

static void apply_upto(int64_t z) {
    for (size_t i = hist_after(Z.last_zxid); i < Q.hn; i++) {
        hent *e = hist_at(i);
        if (e->zxid > z)
            break;
        apply_one(e->rec, e->len);
    }
}

static void follower_check_serving(void) {
    if (Z.role == ZK_ROLE_FOLLOWING && !Z.serving && Q.sync_point &&
        Q.commit_seen >= Q.sync_point && Z.last_zxid >= Q.sync_point)
        set_serving(true);
}

static void send_ack(pconn *pc) {
    size_t at = pc_begin(pc, ZK_PM_ACK);
    wb_i64(&pc->out, Q.acked_sent);
    size_t cnt_at = pc->out.len;
    wb_i32(&pc->out, 0);
    int32_t n = 0;
    int64_t now = ae_mono_ms();
    for (zk_conn *c = Z.conns; c; c = c->next) {
        if (c->sess && c->sess->conn == c && c->sess->expire_at > now) {
            wb_i64(&pc->out, c->sess->id);
            n++;
        }
    }
    wb_put_i32(&pc->out, cnt_at, n);
    pc_end(pc, at);
    Q.last_ack_ms = now;
}

static void follower_linfo(pconn *pc, const zk_peer_msg *m) {
    if (m->term < Q.term) {
        log_warn(LOG_FL, "Leader %d has epoch %lld below ours (%lld)", pc->peer, (long long)m->term,
                 (long long)Q.term);
        pc_close(pc);
        return;
    }
    if (m->term > Q.term)
        set_term(m->term, 0);
    Z.role = ZK_ROLE_FOLLOWING;
    if (m->flag == 1) { /* SNAP: the leader's whole state replaces ours */
        if (zk_snap_deserialize(m->data, m->dlen) != 0) {
            log_warn(LOG_FL, "Malformed snapshot from leader %d", pc->peer);
            pc_close(pc);
            return;
        }
        zk_log_roll();
        if (zk_snap_write(Z.snap_dir) != 0) {
            log_error(LOG_FL, "Cannot write the snapshot; exiting");
            exit(2);
        }
        /* the snapshot covers every older log; a diverged tail must not
         * be replayed after a restart */
        zk_named *files;
        int nf = zk_list_files(Z.log_dir, "log.", &files);
        for (int i = 0; i < nf; i++) {
            char p[1300];
            snprintf(p, sizeof p, "%s/%s", Z.log_dir, files[i].name);
            unlink(p);
        }
        free(files);
        hist_clear(Z.last_zxid);
        Z.txns_since_snap = 0;
        log_info(LOG_FL, "Getting a snapshot from leader 0x%" PRIx64, (uint64_t)Z.last_zxid);
    } else {
        log_info(LOG_FL, "Getting a diff from the leader 0x%" PRIx64, (uint64_t)m->zxid);
    }
    if (m->flag == 1)
        config_from_tree(true);
    config_establish(m->term);
    Q.sync_point = m->zxid;
    Q.commit_seen = 0;
    Q.acked_sent = log_last();
    pc->synced = true;
    send_ack(pc);
}

static void follower_msg(pconn *pc, const zk_peer_msg *m) {
    switch (m->type) {
    case ZK_PM_LINFO:
        if (pc->synced)
            goto bad;
        follower_linfo(pc, m);
        break;
    case ZK_PM_PROPOSAL:
        if (!pc->synced || m->zxid <= log_last())
            goto bad;
        zk_log_append(m->data, m->dlen);
        hist_add(m->data, m->dlen);
        break;
    case ZK_PM_COMMIT:
        if (!pc->synced)
            goto bad;
        if (m->zxid > Q.commit_seen)
            Q.commit_seen = m->zxid;
        apply_upto(Q.commit_seen);
        follower_check_serving();
        break;
    default:
        goto bad;
    }
    return;
bad:
    log_warn(LOG_FL, "Unexpected message %d from leader %d; reconnecting", m->type, pc->peer);
    pc_close(pc);
}

void zk_quorum_forward(zk_conn *c, int32_t xid, int32_t type, const uint8_t *body, size_t len) {
    if (c->nfwd == c->fwd_cap) {
        c->fwd_cap = c->fwd_cap ? c->fwd_cap * 2 : 4;
        c->fwd = realloc(c->fwd, (size_t)c->fwd_cap * sizeof(*c->fwd));
    }
    int64_t sid = type == ZOO_CREATE_SESSION_OP ? c->pending_sid
                  : xid == ZK_REVALIDATE_XID    ? c->revalidate_sid
                  : c->sess                     ? c->sess->id
                                                : 0;
    /* createSession is answered by finish_connect, a revalidation by
     * finish_revalidate: neither waits in c->fwd */
    if (type != ZOO_CREATE_SESSION_OP && xid != ZK_REVALIDATE_XID) {
        struct zk_fwd *f = &c->fwd[c->nfwd++];
        f->xid = xid;
        f->type = type;
        f->path = NULL;
        jute_req r;
        if (type == ZOO_SYNC_OP && jute_req_read(body, len, type, &r) >= 0) { /* bytes read */
            f->path = kstr_dup(r.path);
            jute_req_free(&r);
        }
    }
    pconn *pc = Q.leader;
    if (!pc || !pc->synced || pc->dead)
        return; /* not serving: the connection is closed with the role change */
    size_t at = pc_begin(pc, ZK_PM_REQUEST);
    wb_i64(&pc->out, sid);
    wb_i32(&pc->out, xid);
    wb_i32(&pc->out, type);
    int nids = c->nauth < ZK_PM_MAX_IDS ? c->nauth : ZK_PM_MAX_IDS;
    wb_i32(&pc->out, nids);
    for (int i = 0; i < nids; i++) {
        wb_bytes(&pc->out, c->auth[i].scheme, (int32_t)strlen(c->auth[i].scheme));
        wb_bytes(&pc->out, c->auth[i].id, (int32_t)strlen(c->auth[i].id));
    }
    wb_write(&pc->out, body, len);
    pc_end(pc, at);
}

/* ------------------------------------------------------------------------
 * Leading
 * ---------------------------------------------------------------------- */
static void leader_send_commit(pconn *pc) {
    size_t at = pc_begin(pc, ZK_PM_COMMIT);
    wb_i64(&pc->out, Z.committed_zxid);
    pc_end(pc, at);
}

void zk_quorum_proposed(const uint8_t *rec, size_t len) {
    hist_add(rec, len);
    for (pconn *pc = Q.conns; pc; pc = pc->next) {
        if (pc->dead || pc->kind != PC_HANDLER || !pc->synced)
            continue;
        size_t at = pc_begin(pc, ZK_PM_PROPOSAL);
        wb_write(&pc->out, rec, len);
        pc_end(pc, at);
    }
}

static int cmp_desc(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x > y ? -1 : x < y;
}

/* The highest zxid on disk at a quorum of the voters of peers[0..n): the
 * leader's own fdatasync'ed zxid if it votes there, its synced learners'
 * acks. -1 while fewer than a quorum of them are synced. */
static int64_t quorum_zxid(const zk_peer *peers, int n) {
    int64_t v[ZK_MAX_PEERS];
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (peers[i].observer)
            continue;
        if (peers[i].id == Z.cfg.my_id) {
            v[k++] = Q.self_synced;
            continue;
        }
        for (pconn *pc = Q.conns; pc; pc = pc->next)
            if (!pc->dead && pc->kind == PC_HANDLER && pc->synced && pc->peer == peers[i].id) {
                v[k++] = pc->acked;
                break;
            }
    }
    int q = count_voters(peers, n) / 2 + 1;
    if (k < q)
        return -1;
    qsort(v, (size_t)k, sizeof v[0], cmp_desc);
    return v[q - 1];
}

static void leader_update_commit(void) {
    int64_t z = quorum_zxid(Z.cfg.peers, Z.cfg.npeers);
    if (Q.pending_zxid && z >= Q.pending_zxid) {
        /* from a reconfig on, a quorum of the new voters must have it too
         * (ZooKeeper's reconfig commit rule) */
        int64_t z2 = quorum_zxid(Q.pending, Q.npending);
        if (z2 < z)
            z = z2 >= Q.pending_zxid ? z2 : Q.pending_zxid - 1;
    }
    if (z < Q.noop_zxid || z <= Z.committed_zxid)
        return;
    Z.committed_zxid = z;
    for (pconn *pc = Q.conns; pc; pc = pc->next)
        if (!pc->dead && pc->kind == PC_HANDLER && pc->synced)
            leader_send_commit(pc);
    if (!Z.serving) {
        Q.last_quorum_ms = ae_mono_ms();
        set_serving(true);
    }
    config_commit_pending();
}

static void leader_finfo(pconn *pc, const zk_peer_msg *m) {
    /* a server not in the configuration follows as a non-voting learner
     * (a reconfig may then add it) */
    if (m->id < 1 || m->id > 255 || m->id == Z.cfg.my_id) {
        pc_close(pc);
        return;
    }
    if (m->term > Q.term) {
        log_info(LOG_LD, "Follower %d has a higher epoch %lld; stepping down", m->id,
                 (long long)m->term);
        set_term(m->term, 0);
        become_looking("a follower has a higher epoch");
        return;
    }
    for (pconn *o = Q.conns; o; o = o->next) /* a reconnect replaces the old handler */
        if (o != pc && !o->dead && o->kind == PC_HANDLER && o->peer == m->id)
            pc_close(o);
    pc->peer = m->id;
    bool diff = m->zxid <= Z.last_zxid && hist_has(m->zxid);
    size_t at = pc_begin(pc, ZK_PM_LINFO);
    wb_i64(&pc->out, Q.term);
    wb_i8(&pc->out, diff ? 0 : 1);
    wb_i64(&pc->out, Z.last_zxid);
    if (diff) {
        wb_i32(&pc->out, -1);
    } else {
        size_t lat = pc->out.len;
        wb_i32(&pc->out, 0);
        zk_snap_serialize(&pc->out);
        wb_put_i32(&pc->out, lat, (int32_t)(pc->out.len - lat - 4));
    }
    pc_end(pc, at);
    int nsent = 0;
    if (diff) {
        for (size_t i = hist_after(m->zxid); i < Q.hn; i++) {
            hent *e = hist_at(i);
            size_t a = pc_begin(pc, ZK_PM_PROPOSAL);
            wb_write(&pc->out, e->rec, e->len);
            pc_end(pc, a);
            nsent++;
        }
    }
    leader_send_commit(pc);
    pc->synced = true;
    pc->acked = 0;
    log_info(LOG_LD, "Follower sid: %d (last zxid 0x%" PRIx64 "): sending %s (%d txns) up to 0x%" PRIx64,
             m->id, (uint64_t)m->zxid, diff ? "DIFF" : "SNAP", nsent, (uint64_t)Z.last_zxid);
    pc_flush(pc);
}

/* A reconfig a follower forwarded: checked again with the caller's ids. */
static int leader_reconfig(const jute_req *r, int64_t sid, int32_t cxid, const zk_authid *ids,
                           int nids, wbuf *out) {
    const zk_node *cfg = zk_tree_get(&Z.tree, "/zookeeper/config", 17);
    if (!Z.cfg.reconfig_enabled)
        return ZRECONFIGDISABLED;
    if (cfg && !zk_acl_check(&cfg->acl, ZOO_PERM_WRITE, ids, nids))
        return ZNOAUTH;
    return zk_quorum_reconfig(r, sid, cxid, out);
}

static void leader_request(const zk_peer_msg *m) {
    /* ZooKeeper's Leader.propose: a zxid whose lower 32 bits would reach
     * 0xffffffff ends the epoch (the next count would run into the next
     * epoch's zxids; at epoch 0x7fffffff it would overflow); the election
     * that follows starts a new one. The request is dropped with the
     * connections, as ZooKeeper's leader shutdown drops it. */
    if ((Z.last_zxid & 0xffffffffLL) >= 0xfffffffeLL) {
        log_warn(LOG_LD, "zxid lower 32 bits have rolled over, forcing re-election, and "
                 "therefore new epoch start");
        become_looking("zxid lower 32 bits have rolled over");
        return;
    }
    wbuf rec;
    wb_init(&rec, 256);
    zk_session *s = zk_session_get(&Z.sessions, m->sid);
    if (m->optype == ZOO_CREATE_SESSION_OP) {
        rbuf rb;
        int32_t to;
        rb_init(&rb, m->data, m->dlen);
        if (rb_get_i32(&rb, &to) != 0 || to <= 0)
            goto done;
        zk_txn_create_session(&rec, m->sid, to);
    } else if (!s || s->closing) {
        zk_txn_error(&rec, 0, m->sid, m->cxid, ZSESSIONEXPIRED, NULL, 0);
    } else if (m->optype == ZOO_CLOSE_OP) {
        zk_session_touch(s);
        s->closing = true;
        zk_txn_close_session(&rec, m->sid, m->cxid);
    } else if (m->optype == ZOO_SYNC_OP) {
        zk_session_touch(s);
        zk_txn_error(&rec, 0, m->sid, m->cxid, ZOK, NULL, 0);
    } else {
        zk_session_touch(s);
        jute_req r;
        if (jute_req_read(m->data, m->dlen, m->optype, &r) < 0) {
            zk_txn_error(&rec, 0, m->sid, m->cxid, ZMARSHALLINGERROR, NULL, 0);
        } else {
            zk_authid ids[ZK_PM_MAX_IDS];
            for (int32_t i = 0; i < m->nids; i++) {
                ids[i].scheme = kstr_dup(m->ids[i][0]);
                ids[i].id = kstr_dup(m->ids[i][1]);
            }
            int32_t *errs = r.nops > 0 ? calloc((size_t)r.nops, sizeof(int32_t)) : NULL;
            int rc = m->optype == ZOO_RECONFIG_OP
                         ? leader_reconfig(&r, m->sid, m->cxid, ids, m->nids, &rec)
                         : zk_txn_prepare(&r, m->sid, m->cxid, ids, m->nids, &rec, errs);
            if (rc == 1)
                zk_txn_error(&rec, 0, m->sid, m->cxid, ZOK, errs, r.nops);
            else if (rc != ZOK)
                zk_txn_error(&rec, 0, m->sid, m->cxid, rc, NULL, 0);
            free(errs);
            for (int32_t i = 0; i < m->nids; i++) {
                free(ids[i].scheme);
                free(ids[i].id);
            }
            jute_req_free(&r);
        }
    }
    zk_results_free(zk_server_commit(&rec));
done:
    wb_free(&rec);
}

static void leader_msg(pconn *pc, const zk_peer_msg *m) {
    if (m->type == ZK_PM_FINFO && !pc->synced) {
        leader_finfo(pc, m);
        return;
    }
    if (!pc->synced)
        goto bad;
    switch (m->type) {
    case ZK_PM_ACK:
        if (m->zxid > pc->acked && m->zxid <= Z.last_zxid)
            pc->acked = m->zxid;
        for (int32_t i = 0; i < m->nsids; i++) {
            zk_session *s = zk_session_get(&Z.sessions, (int64_t)be64_get(m->sids + 8 * i));
            if (s && !s->closing)
                zk_session_touch(s);
        }
        leader_update_commit();
        break;
    case ZK_PM_REQUEST:
        if (Z.serving)
            leader_request(m);
        break;
    default:
        goto bad;
    }
    return;
bad:
    log_warn(LOG_LD, "Unexpected message %d from follower %d; closing", m->type, pc->peer);
    pc_close(pc);
}

static void touch_all(zk_session *s, void *arg) {
    (void)arg;
    zk_session_touch(s);
}

static void become_leader(void) {
    log_info(LOG_QP, "LEADING - LEADER ELECTION TOOK - epoch %lld", (long long)Q.term);
    Z.role = ZK_ROLE_LEADING;
    Z.committed_zxid = 0;
    Q.pending_zxid = 0;
    config_establish(Q.term);
    int64_t now = ae_mono_ms();
    int64_t grace = (int64_t)(Z.cfg.init_limit - Z.cfg.sync_limit) * tick();
    Q.last_quorum_ms = now + (grace > 0 ? grace : 0);
    Q.self_synced = 0;
    /* sessions get a fresh timeout under a new leader, as in ZooKeeper */
    zk_sessions_each(&Z.sessions, touch_all, NULL);
    /* the epoch starts with a txn of its own: once a quorum has it, every
     * txn before it is committed too */
    wbuf rec;
    wb_init(&rec, 64);
    Q.noop_zxid = (Q.term << 32) | 1;
    zk_txn_error(&rec, Q.noop_zxid, 0, 0, ZOK, NULL, 0);
    zk_results_free(zk_server_commit(&rec));
    wb_free(&rec);
}

/* ------------------------------------------------------------------------
 * Election
 * ---------------------------------------------------------------------- */
static bool have_live_leader(void) {
    return Z.role == ZK_ROLE_LEADING || (Z.role == ZK_ROLE_FOLLOWING && Q.leader && Q.leader->synced);
}

static int leader_id(void) {
    if (Z.role == ZK_ROLE_LEADING)
        return Z.cfg.my_id;
    if (Z.role == ZK_ROLE_FOLLOWING && Q.leader)
        return Q.leader->peer;
    return 0;
}

static void elect_reply(pconn *pc, const zk_peer_msg *m) {
    bool granted = false;
    const zk_peer *p = peer_by_id(m->id);
    /* an observer, or a server joining (not in our configuration yet),
     * only asks for the leader with pre-votes */
    if (m->id == Z.cfg.my_id || ((!p || p->observer) && !m->flag)) {
        pc_close(pc);
        return;
    }
    /* an observer's pre-vote only asks for the leader; observers grant nothing */
    if (!have_live_leader() && p && !p->observer && !observing()) {
        bool log_ok = m->zxid >= log_last();
        if (m->flag) { /* pre-vote: would we vote? changes nothing */
            granted = log_ok && m->term > Q.term;
        } else {
            if (m->term > Q.term) {
                set_term(m->term, 0);
                if (Z.role != ZK_ROLE_LOOKING)
                    become_looking("a higher epoch started");
            }
            if (m->term == Q.term && log_ok && (Q.voted_for == 0 || Q.voted_for == m->id)) {
                set_term(Q.term, m->id);
                granted = true;
                Q.follow_id = m->id; /* likely the next leader: try to join it */
                Q.follow_until = ae_mono_ms() + 2 * tick();
                Q.next_try = ae_mono_ms() + tick() + rand() % (tick() + 1);
            }
        }
    }
    size_t at = pc_begin(pc, ZK_PM_VOTE_RESP);
    wb_i8(&pc->out, (int8_t)((m->flag ? 1 : 0) | (granted ? 2 : 0)));
    wb_i32(&pc->out, Z.cfg.my_id);
    wb_i64(&pc->out, m->flag ? m->term : Q.term);
    wb_i32(&pc->out, leader_id());
    wb_i64(&pc->out, Q.term); /* the responder's epoch */
    pc_end(pc, at);
    pc_flush(pc);
}

static void start_round(bool pre) {
    for (pconn *pc = Q.conns; pc; pc = pc->next)
        if (pc->kind == PC_ELECT_OUT)
            pc_close(pc);
    memset(Q.granted, 0, sizeof Q.granted);
    if (observing())
        pre = true; /* an observer never stands: its pre-votes find the leader */
    if (!pre && Q.term >= ZK_MAX_EPOCH) {
        log_error(LOG_LE, "Epoch %lld is the last one a zxid can hold: not standing for election",
                  (long long)Q.term);
        return;
    }
    Q.pre = pre;
    if (!pre) {
        set_term(Q.term + 1, Z.cfg.my_id);
        Q.round_term = Q.term;
    } else {
        Q.round_term = Q.term + 1;
    }
    Q.granted[Z.cfg.my_id] = !observing();
    if (Q.nvoters == 1 && !observing()) {
        if (pre)
            start_round(false);
        else
            become_leader();
        return;
    }
    for (int i = 0; i < Z.cfg.npeers; i++) {
        const zk_peer *p = &Z.cfg.peers[i];
        if (p->id == Z.cfg.my_id || p->observer)
            continue;
        pconn *pc = pc_connect(p->host, p->election_port, PC_ELECT_OUT, p->id);
        if (!pc)
            continue;
        size_t at = pc_begin(pc, ZK_PM_VOTE_REQ);
        wb_i8(&pc->out, pre ? 1 : 0);
        wb_i32(&pc->out, Z.cfg.my_id);
        wb_i64(&pc->out, Q.round_term);
        wb_i64(&pc->out, log_last());
        pc_end(pc, at);
    }
}

static void elect_response(pconn *pc, const zk_peer_msg *m) {
    pc_close(pc);
    if (Z.role != ZK_ROLE_LOOKING || m->id != pc->peer)
        return;
    if (m->leader_id && m->leader_id != Z.cfg.my_id && peer_by_id(m->leader_id)) {
        Q.follow_id = m->leader_id; /* a live ensemble: join it */
        Q.follow_until = ae_mono_ms() + 4 * tick();
        Q.next_connect = 0;
        return;
    }
    if (m->leader_term > Q.term) { /* a higher epoch exists: ask above it next time */
        set_term(m->leader_term, 0);
        return;
    }
    if (observing())
        return;
    bool pre = m->flag & 1, granted = m->flag & 2;
    if (pre != Q.pre || m->term != Q.round_term || !granted || m->id < 1 || m->id > 16)
        return;
    Q.granted[m->id] = 1;
    int n = 0;
    for (int i = 1; i <= 16; i++)
        n += Q.granted[i];
    if (n < Q.nvoters / 2 + 1)
        return;
    if (pre) {
        start_round(false);
    } else if (Q.term == Q.round_term) {
        become_leader();
    }
}

static void become_looking(const char *why) {
    if (Z.role == ZK_ROLE_LOOKING)
        return;
    log_info(LOG_QP, "LOOKING (was %s): %s", zk_quorum_mode(), why);
    int was = Z.role;
    Z.role = ZK_ROLE_LOOKING;
    if (Q.pending_zxid) { /* our own proposal, in our log and tree */
        int64_t z = Q.pending_zxid;
        Q.pending_zxid = 0;
        config_adopt(Q.pending, Q.npending, z);
    }
    if (Q.leader) {
        pconn *l = Q.leader;
        Q.leader = NULL;
        pc_close(l);
    }
    set_serving(false);
    for (pconn *pc = Q.conns; pc; pc = pc->next)
        if (pc->kind == PC_HANDLER || pc->kind == PC_LEARNER)
            pc_close(pc);
    Q.leader = NULL;
    /* every logged txn is part of this server's history from now on */
    if (was == ZK_ROLE_FOLLOWING)
        apply_upto(INT64_MAX);
    Z.committed_zxid = 0;
    Q.sync_point = 0;
    Q.next_try = ae_mono_ms() + 10 + rand() % (tick() / 2 + 1);
}

/* ------------------------------------------------------------------------
 * I/O dispatch
 * ---------------------------------------------------------------------- */
static void pc_dispatch(pconn *pc, const zk_peer_msg *m) {
    pc->last_heard = ae_mono_ms();
    switch (pc->kind) {
    case PC_ELECT_IN:
        if (m->type != ZK_PM_VOTE_REQ)
            goto bad;
        elect_reply(pc, m);
        return;
    case PC_ELECT_OUT:
        if (m->type != ZK_PM_VOTE_RESP)
            goto bad;
        elect_response(pc, m);
        return;
    case PC_LEARNER:
        follower_msg(pc, m);
        return;
    case PC_HANDLER:
        if (Z.role != ZK_ROLE_LEADING) {
            pc_close(pc);
            return;
        }
        leader_msg(pc, m);
        return;
    }
bad:
    pc_close(pc);
}

static void pc_read(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)fd;
    (void)mask;
    pconn *pc = arg;
    if (pc->dead)
        return;
    size_t want = 64 * 1024;
    if (pc->in_cap - pc->in_len < want) {
        pc->in_cap = pc->in_len + want;
        pc->in = realloc(pc->in, pc->in_cap);
    }
    ssize_t n = read(pc->fd, pc->in + pc->in_len, pc->in_cap - pc->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        pc_close(pc);
        return;
    }
    pc->in_len += (size_t)n;
    size_t off = 0;
    uint32_t max = pc->kind == PC_ELECT_IN || pc->kind == PC_ELECT_OUT ? ELECT_MAX_FRAME
                                                                       : QUORUM_MAX_FRAME;
    while (!pc->dead && pc->in_len - off >= 4) {
        uint32_t len = be32_get(pc->in + off);
        if (len < 1 || len > max) {
            log_warn(LOG_QP, "Bad frame length %u from a peer; closing that connection", len);
            pc_close(pc);
            return;
        }
        if (pc->in_len - off - 4 < len)
            break;
        zk_peer_msg m;
        if (zk_peer_decode(pc->in + off + 4, len, &m) != 0) {
            log_warn(LOG_QP, "Malformed peer message (type %d, %u bytes); closing that connection",
                     pc->in[off + 4], len);
            pc_close(pc);
            return;
        }
        off += 4 + len;
        pc_dispatch(pc, &m);
    }
    if (pc->dead)
        return;
    if (off) {
        memmove(pc->in, pc->in + off, pc->in_len - off);
        pc->in_len -= off;
    }
}

static void accept_peer(aeEventLoop *el, int fd, void *arg, int mask) {
    (void)el;
    (void)mask;
    int kind = (int)(intptr_t)arg;
    for (int i = 0; i < 16; i++) {
        char ip[64], err[ANET_ERR_LEN];
        int port;
        int cfd = anetTcpAccept(err, fd, ip, sizeof ip, &port);
        if (cfd < 0)
            return;
        if (kind == PC_HANDLER && Z.role != ZK_ROLE_LEADING) {
            close(cfd);
            continue;
        }
        pc_new(cfd, kind, 0);
    }
}

/* ------------------------------------------------------------------------
 * Timers and the before-sleep step
 * ---------------------------------------------------------------------- */
static void follower_connect(void) {
    const zk_peer *p = peer_by_id(Q.follow_id);
    if (!p)
        return;
    pconn *pc = pc_connect(p->host, p->quorum_port, PC_LEARNER, p->id);
    if (!pc)
        return;
    Q.leader = pc; /* FOLLOWING once the leader answers (LINFO) */
    Q.sync_point = 0;
    Q.commit_seen = 0;
    size_t at = pc_begin(pc, ZK_PM_FINFO);
    wb_i32(&pc->out, Z.cfg.my_id);
    wb_i64(&pc->out, Q.term);
    wb_i64(&pc->out, log_last());
    pc_end(pc, at);
}

static int qcron(aeEventLoop *el, long long id, void *arg) {
    (void)el;
    (void)id;
    (void)arg;
    int64_t now = ae_mono_ms();
    int64_t sync_ms = (int64_t)Z.cfg.sync_limit * tick(), init_ms = (int64_t)Z.cfg.init_limit * tick();
    int64_t ping_ms = tick() / 2 > 0 ? tick() / 2 : 1;
    for (pconn *pc = Q.conns; pc; pc = pc->next) {
        if (pc->dead)
            continue;
        int64_t limit = pc->kind == PC_ELECT_IN || pc->kind == PC_ELECT_OUT ? 10 * tick()
                        : pc->synced                                        ? sync_ms
                                                                            : init_ms;
        if (now - pc->last_heard > limit) {
            if (pc->kind == PC_HANDLER || pc->kind == PC_LEARNER)
                log_warn(LOG_QP, "No message from server %d for %lld ms; closing the connection",
                         pc->peer, (long long)(now - pc->last_heard));
            pc_close(pc);
        }
    }
    switch (Z.role) {
    case ZK_ROLE_LOOKING:
        if (Q.leader) {
            /* connecting or syncing */
        } else if (Q.follow_id && now < Q.follow_until) {
            if (now >= Q.next_connect) {
                Q.next_connect = now + 20;
                follower_connect();
            }
        } else if (now >= Q.next_try) {
            Q.follow_id = 0;
            Q.next_try = now + tick() + rand() % (tick() + 1);
            start_round(true);
        }
        break;
    case ZK_ROLE_FOLLOWING:
        if (Q.leader && Q.leader->synced && now - Q.last_ack_ms >= ping_ms)
            send_ack(Q.leader);
        break;
    case ZK_ROLE_LEADING: {
        /* When a quorum was last heard from: the need-th most recent message
         * of the synced followers (the leader counts itself). A leader
         * steps down syncLimit ticks after that, not syncLimit ticks after
         * it noticed the silence. */
        int need = Q.nvoters / 2, n = 0;
        int64_t heard[32];
        for (pconn *pc = Q.conns; pc; pc = pc->next)
            if (!pc->dead && pc->kind == PC_HANDLER && pc->synced && pc_votes(pc) && n < 32)
                heard[n++] = pc->last_heard;
        for (int i = 1; i < n; i++) /* descending */
            for (int j = i; j > 0 && heard[j] > heard[j - 1]; j--) {
                int64_t t = heard[j];
                heard[j] = heard[j - 1];
                heard[j - 1] = t;
            }
        int64_t quorum_heard = need == 0 ? now : n >= need ? heard[need - 1] : INT64_MIN;
        if (quorum_heard > Q.last_quorum_ms)
            Q.last_quorum_ms = quorum_heard;
        if (now - Q.last_quorum_ms > sync_ms) {
            become_looking("not enough followers in sync");
            break;
        }
        if (now - Q.last_ping_ms >= ping_ms) {
            Q.last_ping_ms = now;
            for (pconn *pc = Q.conns; pc; pc = pc->next)
                if (!pc->dead && pc->kind == PC_HANDLER && pc->synced)
                    leader_send_commit(pc);
        }
        break;
    }
    }
    for (pconn *pc = Q.conns; pc; pc = pc->next)
        pc_flush(pc);
    pc_reap();
    return QCRON_MS;
}

void zk_quorum_after_sync(void) {
    if (Z.role == ZK_ROLE_LEADING) {
        Q.self_synced = Z.last_zxid;
        leader_update_commit();
    } else if (Z.role == ZK_ROLE_FOLLOWING && Q.leader && Q.leader->synced &&
               log_last() > Q.acked_sent) {
        Q.acked_sent = log_last();
        send_ack(Q.leader);
    }
    for (pconn *pc = Q.conns; pc; pc = pc->next)
        if (pc->out.len > pc->out_off)
            pc_flush(pc);
    pc_reap();
}

/* ------------------------------------------------------------------------
 * Start and stop
 * ---------------------------------------------------------------------- */
int zk_quorum_init(void) {
    if (!self_entry()) {
        log_error(LOG_QP, "myid %d is not among the server.N entries", Z.cfg.my_id);
        return -1;
    }
    Q.me = *self_entry();
    config_from_tree(false);
    Q.nvoters = count_voters(Z.cfg.peers, Z.cfg.npeers);
    srand((unsigned)(ae_wall_ms() ^ (Z.cfg.my_id * 7919)));
    state_load();
    char err[ANET_ERR_LEN];
    Q.elect_fd = anetTcpServer(err, Q.me.election_port, Q.me.host, 64);
    Q.quorum_fd = anetTcpServer(err, Q.me.quorum_port, Q.me.host, 64);
    if (Q.elect_fd < 0 || Q.quorum_fd < 0) {
        log_error(LOG_QP, "Cannot listen on %s:%d/%d: %s", Q.me.host, Q.me.quorum_port,
                  Q.me.election_port, err);
        return -1;
    }
    anetNonBlock(NULL, Q.elect_fd);
    anetNonBlock(NULL, Q.quorum_fd);
    aeCreateFileEvent(Z.el, Q.elect_fd, AE_READABLE, accept_peer, (void *)(intptr_t)PC_ELECT_IN);
    aeCreateFileEvent(Z.el, Q.quorum_fd, AE_READABLE, accept_peer, (void *)(intptr_t)PC_HANDLER);
    aeCreateTimeEvent(Z.el, QCRON_MS, qcron, NULL);
    Z.role = ZK_ROLE_LOOKING;
    Z.serving = false;
    Q.next_try = ae_mono_ms() + 10 + rand() % (tick() / 2 + 1);
    log_info(LOG_QP, "Ensemble of %d voters; I am server %d (quorum %s:%d, election %s:%d), epoch %lld",
             Q.nvoters, Z.cfg.my_id, Q.me.host, Q.me.quorum_port, Q.me.host, Q.me.election_port,
             (long long)Q.term);
    return 0;
}

void zk_quorum_pre_recover(int64_t snap_zxid) {
    Z.on_replay = on_replay;
    Q.hbase = snap_zxid;
}

void zk_quorum_shutdown(void) {
    for (pconn *pc = Q.conns; pc; pc = pc->next) {
        pc_flush(pc);
        pc_close(pc);
    }
    Q.leader = NULL;
    pc_reap();
    hist_clear(0);
    free(Q.hist);
    Q.hist = NULL;
    Q.hcap = Q.hn = Q.hhead = 0;
    if (Q.elect_fd > 0)
        close(Q.elect_fd);
    if (Q.quorum_fd > 0)
        close(Q.quorum_fd);
}
