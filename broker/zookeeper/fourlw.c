/* fourlw.c -- four-letter words on the client port, with ZooKeeper 3.8's
 * output formats (StatCommand, ServerStats.toString, dumpConf, ...):
 * ruok srvr stat mntr conf cons envi wchs wchc wchp dirs isro crst srst
 * dump gtmk stmk hash. A word not
 * in 4lw.commands.whitelist (default "srvr") is answered with
 * "<cmd> is not executed because it is not in the whitelist.\n". The
 * answer is queued like any reply (after the group commit) and the
 * connection is closed once it has been written. */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "zk.h"

static const char *const words[] = {"ruok", "srvr", "stat", "mntr", "conf", "cons", "envi",
                                    "wchs", "wchc", "wchp", "dirs", "isro", "crst", "srst",
                                    "dump", "gtmk", "stmk", "hash", NULL};

/* ZooTrace's text trace mask, which gtmk reads and stmk sets: a server-wide
 * number that changes nothing else here. 306 = ZooKeeper's default. */
static int64_t trace_mask = 306;

static int word_index(const uint8_t w[4]) {
    for (int i = 0; words[i]; i++)
        if (!memcmp(w, words[i], 4))
            return i;
    return -1;
}

bool zk_4lw_is_word(const uint8_t word[4]) { return word_index(word) >= 0; }

static void out(zk_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(zk_conn *c, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        wb_write(&c->out, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

int64_t zk_dir_size(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int64_t total = 0;
    struct dirent *de;
    char p[1400];
    while ((de = readdir(d))) {
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            total += st.st_size;
    }
    closedir(d);
    return total;
}

/* Java's Double.toString for the small values shown here. */
static void fmt_avg(char *b, size_t n, int64_t total, int64_t count) {
    double v = count ? (double)total / (double)count : 0.0;
    if (v == (double)(int64_t)v)
        snprintf(b, n, "%.1f", v);
    else
        snprintf(b, n, "%.4f", v);
}

static int64_t min_lat(void) { return Z.min_lat < 0 ? 0 : Z.min_lat; }

static void server_stats(zk_conn *c) {
    char avg[32];
    fmt_avg(avg, sizeof avg, Z.total_lat, Z.nlat);
    out(c, "Latency min/avg/max: %" PRId64 "/%s/%" PRId64 "\n", min_lat(), avg, Z.max_lat);
    out(c, "Received: %" PRId64 "\n", Z.packets_received);
    out(c, "Sent: %" PRId64 "\n", Z.packets_sent);
    out(c, "Connections: %d\n", Z.nconns);
    out(c, "Outstanding: 0\n");
    out(c, "Zxid: 0x%" PRIx64 "\n", (uint64_t)Z.last_zxid);
    out(c, "Mode: %s\n", zk_quorum_mode());
    out(c, "Node count: %zu\n", Z.tree.count + 1); /* DataTree maps "" and "/" to the root */
}

static void conn_info(zk_conn *c, const zk_conn *x, bool brief) {
    out(c, " /%s:%d[%d](queued=0,recved=%" PRId64 ",sent=%" PRId64, x->ip, x->port,
        x->handshaken ? 1 : 0, x->recved, x->sent);
    if (!brief && x->sess) {
        char avg[32];
        fmt_avg(avg, sizeof avg, x->total_lat, x->nlat);
        out(c, ",sid=0x%" PRIx64 ",lop=%s,est=%" PRId64 ",to=%d", (uint64_t)x->sess->id, x->last_op,
            x->established_ms, x->sess->timeout);
        if (x->last_cxid >= 0)
            out(c, ",lcxid=0x%x", (unsigned)x->last_cxid);
        out(c, ",lzxid=0x%" PRIx64 ",lresp=%" PRId64 ",llat=%" PRId64 ",minlat=%" PRId64
               ",avglat=%s,maxlat=%" PRId64,
            (uint64_t)x->last_zxid, x->last_resp_ms, x->last_latency,
            x->min_lat < 0 ? 0 : x->min_lat, avg, x->max_lat);
    }
    out(c, ")\n");
}

static void count_ephemeral(const zk_node *n, void *arg) {
    if (zk_node_is_ephemeral(n))
        (*(int64_t *)arg)++;
}

static void mntr(zk_conn *c) {
    char avg[32];
    fmt_avg(avg, sizeof avg, Z.total_lat, Z.nlat);
    int64_t eph = 0;
    zk_tree_walk(&Z.tree, count_ephemeral, &eph);
    int npaths, nconns;
    int watches = zk_watch_count(&npaths, &nconns);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        while (readdir(d))
            fds++;
        closedir(d);
        fds -= 3; /* ".", ".." and the DIR's own descriptor */
    }
    out(c, "zk_version\t%s\n", ZK_VERSION_STRING);
    out(c, "zk_server_state\t%s\n", zk_quorum_mode());
    out(c, "zk_avg_latency\t%s\n", avg);
    out(c, "zk_max_latency\t%" PRId64 "\n", Z.max_lat);
    out(c, "zk_min_latency\t%" PRId64 "\n", min_lat());
    out(c, "zk_packets_received\t%" PRId64 "\n", Z.packets_received);
    out(c, "zk_packets_sent\t%" PRId64 "\n", Z.packets_sent);
    out(c, "zk_num_alive_connections\t%d\n", Z.nconns);
    out(c, "zk_outstanding_requests\t0\n");
    out(c, "zk_uptime\t%" PRId64 "\n", ae_mono_ms() - Z.started_ms);
    out(c, "zk_znode_count\t%zu\n", Z.tree.count + 1);
    out(c, "zk_watch_count\t%d\n", watches);
    out(c, "zk_ephemerals_count\t%" PRId64 "\n", eph);
    out(c, "zk_approximate_data_size\t%" PRId64 "\n", Z.tree.data_bytes);
    if (zk_heap_warning()) /* only then: Apache's mntr has no such key */
        out(c, "zk_heap_warning\t%s\n", zk_heap_warning());
    out(c, "zk_open_file_descriptor_count\t%d\n", fds);
    out(c, "zk_max_file_descriptor_count\t%llu\n", (unsigned long long)rl.rlim_cur);
    out(c, "zk_global_sessions\t%zu\n", Z.sessions.count);
    out(c, "zk_local_sessions\t0\n");
    if (Z.role == ZK_ROLE_LEADING) {
        int synced, observers, n = zk_quorum_followers(&synced, &observers);
        out(c, "zk_learners\t%d\n", n);
        out(c, "zk_synced_followers\t%d\n", synced);
        out(c, "zk_synced_non_voting_followers\t0\n");
        out(c, "zk_synced_observers\t%d\n", observers);
        out(c, "zk_pending_syncs\t0\n");
        int voters = 0;
        for (int i = 0; i < Z.cfg.npeers; i++)
            voters += !Z.cfg.peers[i].observer;
        out(c, "zk_quorum_size\t%d\n", voters);
    }
}

static void envi(zk_conn *c) {
    struct utsname u;
    uname(&u);
    char cwd[1024];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "?");
    const char *user = getenv("USER"), *home = getenv("HOME");
    out(c, "Environment:\n");
    out(c, "zookeeper.version=%s\n", ZK_VERSION_STRING);
    out(c, "host.name=%s\n", u.nodename);
    out(c, "java.version=none (native)\n");
    out(c, "os.name=%s\n", u.sysname);
    out(c, "os.arch=%s\n", u.machine);
    out(c, "os.version=%s\n", u.release);
    out(c, "user.name=%s\n", user ? user : "?");
    out(c, "user.home=%s\n", home ? home : "?");
    out(c, "user.dir=%s\n", cwd);
    long pages = sysconf(_SC_AVPHYS_PAGES), total = sysconf(_SC_PHYS_PAGES);
    long psz = sysconf(_SC_PAGESIZE);
    out(c, "os.memory.free=%ldMB\n", pages * (psz / 1024) / 1024);
    out(c, "os.memory.max=%ldMB\n", total * (psz / 1024) / 1024);
    out(c, "os.memory.total=%ldMB\n", total * (psz / 1024) / 1024);
}

/* ------------------------------------------------------------------------
 * wchc / wchp: WatchManager.dumpWatches of the data-watch table (exists,
 * getData and addWatch watches; getChildren's are in the other table), by
 * connection ("0x<session>" then a tab and a path per line) or by path;
 * then an empty line.
 * ---------------------------------------------------------------------- */
typedef struct watch_row {
    const char *path;
    uint64_t conn;
} watch_row;

typedef struct watch_rows {
    watch_row *v;
    size_t n, cap;
} watch_rows;

static void collect_watch(const char *path, uint64_t conn, int kinds, void *arg) {
    watch_rows *r = arg;
    if (!(kinds & (ZK_W_DATA | ZK_W_PERSISTENT | ZK_W_RECURSIVE)))
        return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
    }
    r->v[r->n++] = (watch_row){path, conn};
}

static int by_conn(const void *a, const void *b) {
    const watch_row *x = a, *y = b;
    return x->conn < y->conn ? -1 : x->conn > y->conn ? 1 : strcmp(x->path, y->path);
}

static int by_path(const void *a, const void *b) {
    const watch_row *x = a, *y = b;
    int d = strcmp(x->path, y->path);
    return d ? d : x->conn < y->conn ? -1 : x->conn > y->conn;
}

static int64_t conn_sid(uint64_t id) {
    zk_conn *x = zk_conn_by_id(id);
    return x && x->sess ? x->sess->id : 0;
}

static void dump_watches(zk_conn *c, bool by_path_first) {
    watch_rows r = {0};
    zk_watch_each(collect_watch, &r);
    if (r.n) /* qsort wants a non-null array */
        qsort(r.v, r.n, sizeof(*r.v), by_path_first ? by_path : by_conn);
    for (size_t i = 0; i < r.n; i++) {
        const watch_row *w = &r.v[i];
        bool first = i == 0 || (by_path_first ? strcmp(w->path, r.v[i - 1].path) != 0
                                               : w->conn != r.v[i - 1].conn);
        if (by_path_first) {
            if (first)
                out(c, "%s\n", w->path);
            out(c, "\t0x%" PRIx64 "\n", (uint64_t)conn_sid(w->conn));
        } else {
            if (first)
                out(c, "0x%" PRIx64 "\n", (uint64_t)conn_sid(w->conn));
            out(c, "\t%s\n", w->path);
        }
    }
    out(c, "\n");
    free(r.v);
}

/* ------------------------------------------------------------------------
 * dump: the session tracker (ExpiryQueue buckets of tickTime on a leader or
 * a standalone server, the sessions served here with their timeouts on a
 * follower), ephemeral nodes by session, connections by expiry bucket.
 * ---------------------------------------------------------------------- */
typedef struct expiry_row {
    int64_t at; /* wall ms, rounded up to the next tickTime */
    int64_t sid;
    const zk_conn *conn; /* connections dump */
} expiry_row;

typedef struct expiry_rows {
    expiry_row *v;
    size_t n, cap;
} expiry_rows;

static void expiry_push(expiry_rows *r, expiry_row row) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
    }
    r->v[r->n++] = row;
}

static int by_expiry(const void *a, const void *b) {
    const expiry_row *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* ExpiryQueue.roundToNextInterval */
static int64_t next_tick(int64_t ms) {
    int64_t t = Z.cfg.tick_time > 0 ? Z.cfg.tick_time : 1;
    return (ms / t + 1) * t;
}

static void collect_session(zk_session *s, void *arg) {
    int64_t left = s->expire_at - ae_mono_ms();
    expiry_push(arg, (expiry_row){next_tick(ae_wall_ms() + left), s->id, NULL});
}

static void collect_local_session(zk_session *s, void *arg) {
    if (s->conn)
        expiry_push(arg, (expiry_row){0, s->id, NULL});
}

static void java_date(char *b, size_t n, int64_t ms) { /* Date.toString */
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(b, n, "%a %b %d %H:%M:%S %Z %Y", &tm);
}

/* ExpiryQueue.dump: "Sets (buckets)/(elements):", then per bucket. */
static void dump_expiry(zk_conn *c, expiry_rows *r) {
    if (r->n)
        qsort(r->v, r->n, sizeof(*r->v), by_expiry);
    size_t buckets = 0;
    for (size_t i = 0; i < r->n; i++)
        buckets += i == 0 || r->v[i].at != r->v[i - 1].at;
    out(c, "Sets (%zu)/(%zu):\n", buckets, r->n);
    for (size_t i = 0, j; i < r->n; i = j) {
        for (j = i; j < r->n && r->v[j].at == r->v[i].at; j++)
            ;
        char date[64];
        java_date(date, sizeof date, r->v[i].at);
        out(c, "%zu expire at %s:\n", j - i, date);
        for (size_t k = i; k < j; k++) {
            if (r->v[k].conn)
                out(c, "\tip: /%s:%d sessionId: 0x%" PRIx64 "\n", r->v[k].conn->ip,
                    r->v[k].conn->port, (uint64_t)r->v[k].sid);
            else
                out(c, "\t0x%" PRIx64 "\n", (uint64_t)r->v[k].sid);
        }
    }
}

static void collect_ephemeral(const zk_node *n, void *arg) {
    if (zk_node_is_ephemeral(n))
        expiry_push(arg, (expiry_row){0, n->ephemeralOwner, (const zk_conn *)n});
}

static int by_owner(const void *a, const void *b) {
    const expiry_row *x = a, *y = b;
    if (x->sid != y->sid)
        return x->sid < y->sid ? -1 : 1;
    return strcmp(((const zk_node *)x->conn)->path, ((const zk_node *)y->conn)->path);
}

static void dump(zk_conn *c) {
    expiry_rows r = {0};
    out(c, "SessionTracker dump:\n");
    if (Z.role == ZK_ROLE_FOLLOWING) { /* LearnerSessionTracker */
        zk_sessions_each(&Z.sessions, collect_local_session, &r);
        if (r.n)
            qsort(r.v, r.n, sizeof(*r.v), by_expiry);
        out(c, "Global Sessions(%zu):\n", r.n);
        for (size_t i = 0; i < r.n; i++) {
            zk_session *s = zk_session_get(&Z.sessions, r.v[i].sid);
            out(c, "0x%" PRIx64 "\t%dms\n", (uint64_t)r.v[i].sid, s ? s->timeout : 0);
        }
    } else {
        zk_sessions_each(&Z.sessions, collect_session, &r);
        out(c, "Session ");
        dump_expiry(c, &r);
    }
    r.n = 0;
    out(c, "ephemeral nodes dump:\n");
    zk_tree_walk(&Z.tree, collect_ephemeral, &r);
    if (r.n)
        qsort(r.v, r.n, sizeof(*r.v), by_owner);
    size_t owners = 0;
    for (size_t i = 0; i < r.n; i++)
        owners += i == 0 || r.v[i].sid != r.v[i - 1].sid;
    out(c, "Sessions with Ephemerals (%zu):\n", owners);
    for (size_t i = 0; i < r.n; i++) {
        if (i == 0 || r.v[i].sid != r.v[i - 1].sid)
            out(c, "0x%" PRIx64 ":\n", (uint64_t)r.v[i].sid);
        out(c, "\t%s\n", ((const zk_node *)r.v[i].conn)->path);
    }
    r.n = 0;
    out(c, "Connections dump:\n");
    int64_t now = ae_wall_ms();
    for (zk_conn *x = Z.conns; x; x = x->next) {
        /* a connection expires a session timeout after its last request
         * (10 s, ZooKeeper's sessionless timeout, before it has a session) */
        int64_t last = x->last_resp_ms ? x->last_resp_ms : now;
        int64_t to = x->sess ? x->sess->timeout : 10000;
        expiry_push(&r, (expiry_row){next_tick(last + to), x->sess ? x->sess->id : 0, x});
    }
    out(c, "Connections ");
    dump_expiry(c, &r);
    free(r.v);
}

bool zk_4lw_handle(zk_conn *c, const uint8_t *in, size_t len) {
    int i = word_index(in);
    if (i < 0)
        return false;
    const char *w = words[i];
    if (!zk_config_4lw_enabled(&Z.cfg, w)) {
        out(c, "%s is not executed because it is not in the whitelist.\n", w);
        return true;
    }
    bool stat_type = strcmp(w, "ruok") && strcmp(w, "isro") && strcmp(w, "envi") &&
                     strcmp(w, "conf") && strcmp(w, "dirs") && strcmp(w, "gtmk") &&
                     strcmp(w, "stmk");
    if (Z.role != ZK_ROLE_STANDALONE && !Z.serving && stat_type) {
        out(c, "This ZooKeeper instance is not currently serving requests\n");
    } else if (!strcmp(w, "ruok")) {
        out(c, "imok");
    } else if (!strcmp(w, "isro")) {
        out(c, "rw");
    } else if (!strcmp(w, "srvr") || !strcmp(w, "stat")) {
        out(c, "Zookeeper version: %s\n", ZK_VERSION_STRING);
        if (!strcmp(w, "stat")) {
            out(c, "Clients:\n");
            for (zk_conn *x = Z.conns; x; x = x->next)
                conn_info(c, x, true);
            out(c, "\n");
        }
        server_stats(c);
    } else if (!strcmp(w, "cons")) {
        for (zk_conn *x = Z.conns; x; x = x->next)
            conn_info(c, x, false);
        out(c, "\n");
    } else if (!strcmp(w, "mntr")) {
        mntr(c);
    } else if (!strcmp(w, "conf")) {
        out(c, "clientPort=%d\n", Z.cfg.client_port);
        out(c, "secureClientPort=-1\n");
        out(c, "dataDir=%s\n", Z.snap_dir);
        out(c, "dataDirSize=%" PRId64 "\n", zk_dir_size(Z.snap_dir));
        out(c, "dataLogDir=%s\n", Z.log_dir);
        out(c, "dataLogSize=%" PRId64 "\n", zk_dir_size(Z.log_dir));
        out(c, "tickTime=%d\n", Z.cfg.tick_time);
        out(c, "maxClientCnxns=%d\n", Z.cfg.max_client_cnxns);
        out(c, "minSessionTimeout=%d\n", Z.cfg.min_session_timeout);
        out(c, "maxSessionTimeout=%d\n", Z.cfg.max_session_timeout);
        out(c, "clientPortListenBacklog=-1\n");
        out(c, "serverId=%d\n", Z.cfg.my_id);
        if (Z.role != ZK_ROLE_STANDALONE) {
            out(c, "initLimit=%d\n", Z.cfg.init_limit);
            out(c, "syncLimit=%d\n", Z.cfg.sync_limit);
            out(c, "electionAlg=3\n");
            for (int i = 0; i < Z.cfg.npeers; i++) {
                const zk_peer *p = &Z.cfg.peers[i];
                if (p->id == Z.cfg.my_id) {
                    out(c, "electionPort=%d\n", p->election_port);
                    out(c, "quorumPort=%d\n", p->quorum_port);
                    out(c, "peerType=%d\n", p->observer ? 1 : 0);
                }
            }
            out(c, "membership: \n");
            for (int i = 0; i < Z.cfg.npeers; i++) {
                const zk_peer *p = &Z.cfg.peers[i];
                out(c, "server.%d=%s:%d:%d:%s;%s:%d\n", p->id, p->host, p->quorum_port,
                    p->election_port, p->observer ? "observer" : "participant",
                    p->client_host[0] ? p->client_host : "0.0.0.0",
                    p->client_port ? p->client_port : Z.cfg.client_port);
            }
            out(c, "version=%" PRIx64 "\n", (uint64_t)Z.cfg.config_version);
        }
    } else if (!strcmp(w, "envi")) {
        envi(c);
    } else if (!strcmp(w, "wchs")) {
        int npaths, nconns;
        int total = zk_watch_count(&npaths, &nconns);
        out(c, "%d connections watching %d paths\nTotal watches:%d\n", nconns, npaths, total);
    } else if (!strcmp(w, "wchc") || !strcmp(w, "wchp")) {
        dump_watches(c, w[3] == 'p');
    } else if (!strcmp(w, "dump")) {
        dump(c);
    } else if (!strcmp(w, "gtmk")) {
        out(c, "%" PRId64, trace_mask);
    } else if (!strcmp(w, "stmk")) {
        /* the mask is the int64 after the word; ZooKeeper reads it with
         * one read and, when it is not all there, closes without answer */
        if (len >= 12) {
            trace_mask = (int64_t)be64_get(in + 4);
            out(c, "%" PRId64, trace_mask);
        }
    } else if (!strcmp(w, "hash")) {
        for (int k = 0; k < zk_digest_log_count(); k++) {
            const zk_zxid_digest *d = zk_digest_log_get(k);
            out(c, "%" PRIx64 ": %" PRId64 "\n", (uint64_t)d->zxid, d->digest);
        }
    } else if (!strcmp(w, "dirs")) {
        out(c, "datadir_size: %" PRId64 "\n", zk_dir_size(Z.snap_dir));
        out(c, "logdir_size: %" PRId64 "\n", zk_dir_size(Z.log_dir));
    } else if (!strcmp(w, "crst")) {
        for (zk_conn *x = Z.conns; x; x = x->next) {
            x->recved = x->sent = x->total_lat = x->nlat = x->max_lat = x->last_latency = 0;
            x->min_lat = -1;
        }
        out(c, "Connection stats reset.\n");
    } else if (!strcmp(w, "srst")) {
        Z.packets_received = Z.packets_sent = Z.total_lat = Z.nlat = Z.max_lat = 0;
        Z.min_lat = -1;
        out(c, "Server stats reset.\n");
    }
    return true;
}
