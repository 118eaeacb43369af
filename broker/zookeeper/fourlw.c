/* fourlw.c -- four-letter words on the client port, with ZooKeeper 3.8's
 * output formats (StatCommand, ServerStats.toString, dumpConf, ...):
 * ruok srvr stat mntr conf cons envi wchs dirs isro crst srst. A word not
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
#include <unistd.h>

#include "zk.h"

static const char *const words[] = {"ruok", "srvr", "stat", "mntr", "conf", "cons", "envi",
                                    "wchs", "dirs", "isro", "crst", "srst", NULL};

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
        int synced, n = zk_quorum_followers(&synced);
        out(c, "zk_learners\t%d\n", n);
        out(c, "zk_synced_followers\t%d\n", synced);
        out(c, "zk_pending_syncs\t0\n");
        out(c, "zk_quorum_size\t%d\n", Z.cfg.npeers);
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

bool zk_4lw_handle(zk_conn *c, const uint8_t word[4]) {
    int i = word_index(word);
    if (i < 0)
        return false;
    const char *w = words[i];
    if (!zk_config_4lw_enabled(&Z.cfg, w)) {
        out(c, "%s is not executed because it is not in the whitelist.\n", w);
        return true;
    }
    bool stat_type = strcmp(w, "ruok") && strcmp(w, "isro") && strcmp(w, "envi") &&
                     strcmp(w, "conf") && strcmp(w, "dirs");
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
        }
    } else if (!strcmp(w, "envi")) {
        envi(c);
    } else if (!strcmp(w, "wchs")) {
        int npaths, nconns;
        int total = zk_watch_count(&npaths, &nconns);
        out(c, "%d connections watching %d paths\nTotal watches:%d\n", nconns, npaths, total);
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
