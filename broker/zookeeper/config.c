/* config.c -- reads zoo.cfg / Kafka's config/zookeeper.properties (Java
 * .properties syntax, props.c) into a zk_config, as QuorumPeerConfig does:
 * defaults for what is absent (tickTime 3000, min/max session timeout 2x/20x
 * tickTime, maxClientCnxns 60, dataLogDir = dataDir), a clear error naming
 * the key for a bad value, a warning for a key it does not know, and
 * dataDir/myid when present. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logger.h"
#include "props.h"
#include "zk.h"

/* Keys ZooKeeper knows that this server accepts without acting on them. */
static const char *const ignored_keys[] = {
    "admin.enableServer", "admin.serverPort", "admin.serverAddress", "standaloneEnabled",
    "electionAlg", "syncEnabled", "quorumListenOnAllIPs", "preAllocSize", "globalOutstandingLimit",
    "secureClientPort", "secureClientPortAddress",
    "maxCnxns", "clientPortListenBacklog", "localSessionsEnabled", "localSessionsUpgradingEnabled",
    "multiAddress.enabled", "serverCnxnFactory", "forceSync", "fsync.warningthresholdms",
    "zookeeper.snapshot.trust.empty", "snapshot.trust.empty", "initialize", "leaderServes",
    "cnxTimeout", "sslQuorum", "portUnification", NULL};
static const char *const ignored_prefixes[] = {"metricsProvider.", "group.", "weight.", "ssl.",
                                               "authProvider.", NULL};

static int set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b) {
    snprintf(err, errlen, fmt, a, b);
    return -1;
}

/* A decimal int in [lo, hi]; else an error naming the key. */
static int get_int(const char *key, const char *v, long lo, long hi, int *out, char *err,
                   size_t errlen) {
    while (isspace((unsigned char)*v))
        v++;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    while (end && isspace((unsigned char)*end))
        end++;
    if (!*v || errno || !end || *end || n < lo || n > hi)
        return set_err(err, errlen, "Invalid value for %s: '%s'", key, v);
    *out = (int)n;
    return 0;
}

static int get_bool(const char *key, const char *v, bool *out, char *err, size_t errlen) {
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes"))
        *out = true;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no"))
        *out = false;
    else
        return set_err(err, errlen, "Invalid value for %s: '%s' (expected true or false)", key, v);
    return 0;
}

static int copy_str(const char *key, const char *v, char *dst, size_t cap, char *err,
                    size_t errlen) {
    if (strlen(v) >= cap)
        return set_err(err, errlen, "Invalid value for %s: '%s' (too long)", key, v);
    strcpy(dst, v);
    return 0;
}

/* host:quorumPort:electionPort[:participant|observer][;[host:]clientPort] */
static int parse_peer(const char *key, const char *v, zk_peer *p, char *err, size_t errlen) {
    char buf[1024];
    if (strlen(v) >= sizeof buf)
        return set_err(err, errlen, "Invalid value for %s: '%s' (too long)", key, v);
    strcpy(buf, v);
    char *client = strchr(buf, ';');
    if (client)
        *client++ = '\0';
    char *f[5];
    int nf = 0;
    for (char *s = buf, *tok; nf < 5 && (tok = strsep(&s, ":"));)
        f[nf++] = tok;
    if (nf < 3 || nf > 4 || !*f[0] || strlen(f[0]) >= sizeof p->host)
        return set_err(err, errlen,
                       "Invalid value for %s: '%s' (expected host:port:port[:type][;clientPort])",
                       key, v);
    strcpy(p->host, f[0]);
    if (get_int(key, f[1], 1, 65535, &p->quorum_port, err, errlen) ||
        get_int(key, f[2], 1, 65535, &p->election_port, err, errlen))
        return -1;
    if (p->quorum_port == p->election_port)
        return set_err(err, errlen, "Invalid value for %s: '%s' (quorum and election ports must differ)",
                       key, v);
    if (nf == 4) {
        if (!strcasecmp(f[3], "observer"))
            p->observer = true;
        else if (strcasecmp(f[3], "participant"))
            return set_err(err, errlen, "Invalid value for %s: '%s' (type must be participant or observer)",
                           key, v);
    }
    if (client && *client) {
        char *colon = strrchr(client, ':');
        const char *port = client;
        if (colon) {
            *colon = '\0';
            if (strlen(client) >= sizeof p->client_host)
                return set_err(err, errlen, "Invalid value for %s: '%s'", key, v);
            strcpy(p->client_host, client);
            port = colon + 1;
        }
        if (get_int(key, port, 1, 65535, &p->client_port, err, errlen))
            return -1;
    }
    return 0;
}

int zk_config_members_parse(const char *text, size_t len, char sep, zk_peer *out, int max, int *n,
                            char *err, size_t errlen) {
    *n = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != sep && text[j] != '\n')
            j++;
        char entry[1200];
        size_t el = j - i;
        while (el > 0 && isspace((unsigned char)text[i + el - 1]))
            el--;
        size_t b = 0;
        while (b < el && isspace((unsigned char)text[i + b]))
            b++;
        if (el - b >= sizeof entry)
            return set_err(err, errlen, "Invalid server entry '%.60s...'%s", text + i, "");
        memcpy(entry, text + i + b, el - b);
        entry[el - b] = '\0';
        i = j + 1;
        if (!entry[0] || !strncmp(entry, "version=", 8))
            continue;
        char *eq = strchr(entry, '=');
        if (!eq || strncmp(entry, "server.", 7))
            return set_err(err, errlen, "Invalid server entry '%s'%s", entry, "");
        *eq = '\0';
        int id;
        if (get_int(entry, entry + 7, 0, 255, &id, err, errlen))
            return -1;
        if (*n >= max)
            return set_err(err, errlen, "Too many servers (at %s)%s", entry, "");
        zk_peer *p = &out[*n];
        memset(p, 0, sizeof(*p));
        p->id = id;
        if (parse_peer(entry, eq + 1, p, err, errlen))
            return -1;
        for (int k = 0; k < *n; k++)
            if (out[k].id == id)
                return set_err(err, errlen, "Server %s is given twice%s", entry, "");
        (*n)++;
    }
    return 0;
}

void zk_peer_format(const zk_peer *p, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "server.%d=%s:%d:%d:%s", p->id, p->host, p->quorum_port,
                     p->election_port, p->observer ? "observer" : "participant");
    if (p->client_port && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, ";%s:%d", p->client_host[0] ? p->client_host : "0.0.0.0",
                 p->client_port);
}

void zk_config_members_format(const zk_peer *peers, int n, wbuf *out) {
    char line[1200];
    for (int i = 0; i < n; i++) {
        zk_peer_format(&peers[i], line, sizeof line);
        if (i)
            wb_write(out, "\n", 1);
        wb_write(out, line, strlen(line));
    }
}

/* dynamicConfigFile: the membership (server.N lines) of a config version
 * named by the file's ".dynamic.<hex version>" suffix or a version= line. */
static int load_dynamic(zk_config *c, char *err, size_t errlen) {
    FILE *f = fopen(c->dynamic_file, "r");
    if (!f)
        return set_err(err, errlen, "Cannot read dynamicConfigFile %s: %s", c->dynamic_file,
                       strerror(errno));
    char text[16384];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    if (zk_config_members_parse(text, len, '\n', c->peers, ZK_MAX_PEERS, &c->npeers, err, errlen))
        return -1;
    const char *v = strstr(text, "version=");
    const char *suffix = strstr(c->dynamic_file, ".dynamic.");
    if (v)
        c->config_version = (int64_t)strtoull(v + 8, NULL, 16);
    else if (suffix)
        c->config_version = (int64_t)strtoull(suffix + 9, NULL, 16);
    return 0;
}

static void defaults(zk_config *c) {
    memset(c, 0, sizeof(*c));
    c->tick_time = 3000;
    c->init_limit = 10;
    c->sync_limit = 5;
    c->max_client_cnxns = 60;
    c->min_session_timeout = -1;
    c->max_session_timeout = -1;
    c->snap_retain_count = 3;
    c->snap_count = 100000;
    c->jute_maxbuffer = JUTE_MAX_BUFFER;
    c->container_check_ms = 60000;
    strcpy(c->whitelist, "srvr");
}

static bool known_ignored(const char *k) {
    for (int i = 0; ignored_keys[i]; i++)
        if (!strcmp(k, ignored_keys[i]))
            return true;
    for (int i = 0; ignored_prefixes[i]; i++)
        if (!strncmp(k, ignored_prefixes[i], strlen(ignored_prefixes[i])))
            return true;
    return false;
}

static int apply_props(zk_config *c, const props *p, char *err, size_t errlen) {
    bool have_port = false, have_dir = false;
    for (size_t i = 0; i < props_count(p); i++) {
        const char *k = props_key(p, i), *v = props_value(p, i);
        int rc = 0, tmp;
        if (!strcmp(k, "tickTime"))
            rc = get_int(k, v, 1, INT_MAX, &c->tick_time, err, errlen);
        else if (!strcmp(k, "initLimit"))
            rc = get_int(k, v, 1, INT_MAX, &c->init_limit, err, errlen);
        else if (!strcmp(k, "syncLimit"))
            rc = get_int(k, v, 1, INT_MAX, &c->sync_limit, err, errlen);
        else if (!strcmp(k, "dataDir"))
            rc = copy_str(k, v, c->data_dir, sizeof c->data_dir, err, errlen), have_dir = *v;
        else if (!strcmp(k, "dataLogDir"))
            rc = copy_str(k, v, c->data_log_dir, sizeof c->data_log_dir, err, errlen);
        else if (!strcmp(k, "clientPort"))
            rc = get_int(k, v, 0, 65535, &c->client_port, err, errlen), have_port = true;
        else if (!strcmp(k, "clientPortAddress"))
            rc = copy_str(k, v, c->client_port_address, sizeof c->client_port_address, err, errlen);
        else if (!strcmp(k, "maxClientCnxns"))
            rc = get_int(k, v, 0, INT_MAX, &c->max_client_cnxns, err, errlen);
        else if (!strcmp(k, "minSessionTimeout"))
            rc = get_int(k, v, -1, INT_MAX, &c->min_session_timeout, err, errlen);
        else if (!strcmp(k, "maxSessionTimeout"))
            rc = get_int(k, v, -1, INT_MAX, &c->max_session_timeout, err, errlen);
        else if (!strcmp(k, "autopurge.snapRetainCount"))
            rc = get_int(k, v, 0, INT_MAX, &c->snap_retain_count, err, errlen);
        else if (!strcmp(k, "autopurge.purgeInterval"))
            rc = get_int(k, v, 0, INT_MAX, &c->purge_interval, err, errlen);
        else if (!strcmp(k, "snapCount") || !strcmp(k, "zookeeper.snapCount"))
            rc = get_int(k, v, 2, INT_MAX, &c->snap_count, err, errlen);
        else if (!strcmp(k, "jute.maxbuffer") || !strcmp(k, "zookeeper.jute.maxbuffer"))
            rc = get_int(k, v, 1024, 64 * 1024 * 1024, &c->jute_maxbuffer, err, errlen);
        else if (!strcmp(k, "extendedTypesEnabled") || !strcmp(k, "zookeeper.extendedTypesEnabled"))
            rc = get_bool(k, v, &c->extended_types, err, errlen);
        else if (!strcmp(k, "peerType")) {
            if (strcasecmp(v, "observer") && strcasecmp(v, "participant"))
                rc = set_err(err, errlen, "Invalid value for %s: '%s' (participant or observer)", k, v);
            c->peer_type_observer = !strcasecmp(v, "observer");
            c->peer_type_set = true;
        } else if (!strcmp(k, "DigestAuthenticationProvider.superDigest") ||
                   !strcmp(k, "zookeeper.DigestAuthenticationProvider.superDigest"))
            rc = copy_str(k, v, c->super_digest, sizeof c->super_digest, err, errlen);
        else if (!strcmp(k, "dynamicConfigFile"))
            rc = copy_str(k, v, c->dynamic_file, sizeof c->dynamic_file, err, errlen);
        else if (!strcmp(k, "reconfigEnabled"))
            rc = get_bool(k, v, &c->reconfig_enabled, err, errlen);
        else if (!strcmp(k, "skipACL") || !strcmp(k, "zookeeper.skipACL"))
            c->skip_acl = !strcasecmp(v, "yes") || !strcasecmp(v, "true");
        else if (!strcmp(k, "znode.container.checkIntervalMs") ||
                 !strcmp(k, "zookeeper.znode.container.checkIntervalMs")) {
            rc = get_int(k, v, 1, INT_MAX, &tmp, err, errlen);
            c->container_check_ms = tmp;
        } else if (!strcmp(k, "4lw.commands.whitelist") ||
                   !strcmp(k, "zookeeper.4lw.commands.whitelist"))
            rc = copy_str(k, v, c->whitelist, sizeof c->whitelist, err, errlen);
        else if (!strncmp(k, "server.", 7)) {
            int id;
            if (get_int(k, k + 7, 0, 255, &id, err, errlen))
                return set_err(err, errlen, "Invalid key %s: server id must be 0..255%s", k, "");
            if (c->npeers >= (int)(sizeof c->peers / sizeof c->peers[0]))
                return set_err(err, errlen, "Too many server.N entries (at %s%s)", k, "");
            zk_peer *pe = &c->peers[c->npeers];
            memset(pe, 0, sizeof(*pe));
            pe->id = id;
            rc = parse_peer(k, v, pe, err, errlen);
            c->npeers++;
        } else if (known_ignored(k))
            log_info(ZK_LOGGER_CONFIG, "%s is not used by this server; ignored", k);
        else
            log_warn(ZK_LOGGER_CONFIG, "Unknown configuration key %s=%s; ignored", k, v);
        if (rc)
            return -1;
    }
    if (!have_dir)
        return set_err(err, errlen, "dataDir is not set%s%s", "", "");
    if (c->dynamic_file[0]) {
        if (c->npeers)
            return set_err(err, errlen, "server.N lines are given both in the file and in "
                                        "dynamicConfigFile %s%s", c->dynamic_file, "");
        if (load_dynamic(c, err, errlen))
            return -1;
    }
    if (!have_port && c->npeers == 0)
        return set_err(err, errlen, "clientPort is not set%s%s", "", "");
    if (!c->data_log_dir[0])
        strcpy(c->data_log_dir, c->data_dir);
    if (c->min_session_timeout < 0)
        c->min_session_timeout = 2 * c->tick_time;
    if (c->max_session_timeout < 0)
        c->max_session_timeout = 20 * c->tick_time;
    if (c->min_session_timeout > c->max_session_timeout)
        return set_err(err, errlen, "minSessionTimeout must not be larger than maxSessionTimeout%s%s",
                       "", "");
    if (c->snap_retain_count < 3) {
        log_warn(ZK_LOGGER_PURGE, "autopurge.snapRetainCount set to minimum value 3");
        c->snap_retain_count = 3;
    }
    return 0;
}

static int read_myid(zk_config *c, char *err, size_t errlen) {
    char path[1200];
    snprintf(path, sizeof path, "%s/myid", c->data_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[64] = "";
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    int max = c->extended_types ? 254 : 255;
    if (get_int("myid", line, 1, max, &c->my_id, err, errlen)) {
        snprintf(err, errlen, "Invalid myid in %s: '%s' (must be 1..%d)", path, line, max);
        return -1;
    }
    return 0;
}

/* QuorumPeerConfig: the server.N line of this server decides its type; a
 * peerType that says otherwise is reported and overridden. Its client
 * address serves when clientPort is not given (a dynamic file has it). */
static void apply_own_entry(zk_config *c) {
    for (int i = 0; i < c->npeers; i++)
        if (c->peers[i].id == c->my_id && c->peers[i].client_port && !c->client_port) {
            c->client_port = c->peers[i].client_port;
            if (!c->client_port_address[0] && strcmp(c->peers[i].client_host, "0.0.0.0"))
                snprintf(c->client_port_address, sizeof c->client_port_address, "%s",
                         c->peers[i].client_host);
        }
    for (int i = 0; i < c->npeers; i++)
        if (c->peers[i].id == c->my_id && c->peer_type_set &&
            c->peers[i].observer != c->peer_type_observer)
            log_warn(ZK_LOGGER_CONFIG,
                     "Peer type from servers list (%s) doesn't match peerType (%s). Defaulting to "
                     "servers list.",
                     c->peers[i].observer ? "observer" : "participant",
                     c->peer_type_observer ? "observer" : "participant");
}

/* The properties p (NULL: they did not parse, err says why) over the
 * defaults already in c, then myid and this server's own entry. */
static int apply_config(zk_config *c, props *p, char *err, size_t errlen) {
    if (!p)
        return -1;
    int rc = apply_props(c, p, err, errlen);
    props_free(p);
    if (rc || read_myid(c, err, errlen))
        return -1;
    apply_own_entry(c);
    return 0;
}

int zk_config_parse(zk_config *c, const char *text, size_t len, char *err, size_t errlen) {
    defaults(c);
    return apply_config(c, props_parse_err(text, len, err, errlen), err, errlen);
}

int zk_config_load(zk_config *c, const char *path, char *err, size_t errlen) {
    defaults(c);
    snprintf(c->config_path, sizeof c->config_path, "%s", path);
    return apply_config(c, props_load(path, err, errlen), err, errlen);
}

bool zk_config_4lw_enabled(const zk_config *c, const char *word) {
    char buf[sizeof c->whitelist];
    strcpy(buf, c->whitelist);
    for (char *s = buf, *tok; (tok = strsep(&s, ", \t"));) {
        if (!*tok)
            continue;
        if (!strcmp(tok, "*") || !strcmp(tok, word))
            return true;
    }
    return false;
}
