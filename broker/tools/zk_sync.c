/* zk_sync.c -- synchronous ZooKeeper requests for the command-line tools
 * (see zk_sync.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logger.h"
#include "zk_sync.h"

/* ------------------------------------------------------------------------
 * KeeperException strings
 * ---------------------------------------------------------------------- */

/* KeeperException subclass and getCodeMessage of 3.5.7. */
static const struct {
    int code;
    const char *cls, *msg;
} keeper_errors[] = {
    {ZSYSTEMERROR, "SystemErrorException", "SystemError"},
    {ZRUNTIMEINCONSISTENCY, "RuntimeInconsistencyException", "RuntimeInconsistency"},
    {ZDATAINCONSISTENCY, "DataInconsistencyException", "DataInconsistency"},
    {ZCONNECTIONLOSS, "ConnectionLossException", "ConnectionLoss"},
    {ZMARSHALLINGERROR, "MarshallingErrorException", "MarshallingError"},
    {ZUNIMPLEMENTED, "UnimplementedException", "Unimplemented"},
    {ZOPERATIONTIMEOUT, "OperationTimeoutException", "OperationTimeout"},
    {ZNEWCONFIGNOQUORUM, "NewConfigNoQuorum", "NewConfigNoQuorum"},
    {ZRECONFIGINPROGRESS, "ReconfigInProgress", "ReconfigInProgress"},
    {ZBADARGUMENTS, "BadArgumentsException", "BadArguments"},
    {ZAPIERROR, "APIErrorException", "APIError"},
    {ZNONODE, "NoNodeException", "NoNode"},
    {ZNOAUTH, "NoAuthException", "NoAuth"},
    {ZBADVERSION, "BadVersionException", "BadVersion"},
    {ZNOCHILDRENFOREPHEMERALS, "NoChildrenForEphemeralsException", "NoChildrenForEphemerals"},
    {ZNODEEXISTS, "NodeExistsException", "NodeExists"},
    {ZINVALIDACL, "InvalidACLException", "InvalidACL"},
    {ZAUTHFAILED, "AuthFailedException", "AuthFailed"},
    {ZNOTEMPTY, "NotEmptyException", "Directory not empty"},
    {ZSESSIONEXPIRED, "SessionExpiredException", "Session expired"},
    {ZINVALIDCALLBACK, "InvalidCallbackException", "Invalid callback"},
    {ZSESSIONMOVED, "SessionMovedException", "Session moved"},
    {ZNOTREADONLY, "NotReadOnlyException", "Not a read-only call"},
    {ZEPHEMERALONLOCALSESSION, "EphemeralOnLocalSessionException", "Ephemeral node on local session"},
    {ZNOWATCHER, "NoWatcherException", "No such watcher"},
    {ZRECONFIGDISABLED, "ReconfigDisabledException", "Reconfig is disabled"},
    {ZREQUESTTIMEOUT, "RequestTimeoutException", "Unknown error REQUESTTIMEOUT"},
};
#define NKEEPER_ERRORS (sizeof(keeper_errors) / sizeof(keeper_errors[0]))

const char *zks_exception_class(int rc) {
    for (size_t i = 0; i < NKEEPER_ERRORS; i++)
        if (keeper_errors[i].code == rc)
            return keeper_errors[i].cls;
    return "KeeperException";
}

void zks_keeper_message(int rc, const char *path, char *out, size_t cap) {
    const char *m = NULL;
    for (size_t i = 0; i < NKEEPER_ERRORS; i++)
        if (keeper_errors[i].code == rc)
            m = keeper_errors[i].msg;
    char unk[64];
    if (!m) {
        snprintf(unk, sizeof(unk), "Unknown error %d", rc);
        m = unk;
    }
    if (path && *path)
        snprintf(out, cap, "KeeperErrorCode = %s for %s", m, path);
    else
        snprintf(out, cap, "KeeperErrorCode = %s", m);
}

void zks_keeper_tostring(int rc, const char *path, char *out, size_t cap) {
    char m[2048];
    zks_keeper_message(rc, path, m, sizeof(m));
    snprintf(out, cap, "org.apache.zookeeper.KeeperException$%s: %s", zks_exception_class(rc), m);
}

/* ------------------------------------------------------------------------
 * One request
 * ---------------------------------------------------------------------- */
static char *kdup(kstr k) {
    if (k.len < 0 || !k.s)
        return NULL;
    char *s = malloc((size_t)k.len + 1);
    if (!s)
        abort();
    memcpy(s, k.s, (size_t)k.len);
    s[k.len] = 0;
    return s;
}

void zks_res_free(zks_res *x) {
    if (!x)
        return;
    free(x->path);
    free(x->data);
    for (int i = 0; i < x->nchildren; i++)
        free(x->children[i]);
    free(x->children);
    for (int i = 0; i < x->nacl; i++) {
        free(x->acl[i].scheme);
        free(x->acl[i].id);
    }
    free(x->acl);
    free(x);
}

static void on_reply(int rc, const jute_resp *r, void *arg) {
    zks_res *x = arg;
    if (x->abandoned) {
        zks_res_free(x);
        return;
    }
    x->done = 1;
    x->rc = rc;
    x->dlen = -1;
    if (rc != ZOK || !r)
        return;
    x->path = kdup(r->path);
    if (r->data.len >= 0 && r->data.s) {
        x->data = kdup(r->data);
        x->dlen = r->data.len;
    }
    x->stat = r->stat;
    if (r->children.count > 0) {
        x->children = calloc((size_t)r->children.count, sizeof(char *));
        if (!x->children)
            abort();
        for (int i = 0; i < r->children.count; i++)
            x->children[i] = kdup(r->children.v[i]);
        x->nchildren = r->children.count;
    }
    if (r->acl.count > 0) {
        x->acl = calloc((size_t)r->acl.count, sizeof(zks_acl));
        if (!x->acl)
            abort();
        for (int i = 0; i < r->acl.count; i++) {
            x->acl[i].perms = r->acl.v[i].perms;
            x->acl[i].scheme = kdup(r->acl.v[i].id.scheme);
            x->acl[i].id = kdup(r->acl.v[i].id.id);
        }
        x->nacl = r->acl.count;
    }
}

zks_res *zks_run(aeEventLoop *el, zkc *z, const jute_req *b) {
    zks_res *x = calloc(1, sizeof(*x));
    if (!x)
        abort();
    x->dlen = -1;
    if (!z) {
        x->done = 1;
        x->rc = ZCONNECTIONLOSS;
        return x;
    }
    zkc_request(z, b, on_reply, x); /* refused too: on_reply gets the error */
    int failed = zkc_failed_attempts(z);
    while (!x->done) {
        if (zkc_state(z) != ZKC_CONNECTED && zkc_failed_attempts(z) > failed) {
            /* ClientCnxn.cleanup(): queued packets fail with ConnectionLoss */
            x->abandoned = 1;
            zks_res *y = calloc(1, sizeof(*y));
            if (!y)
                abort();
            y->done = 1;
            y->rc = ZCONNECTIONLOSS;
            y->dlen = -1;
            return y;
        }
        aeProcessEvents(el, 100);
    }
    return x;
}

zks_res *zks_op_path(aeEventLoop *el, zkc *z, int type, const char *path, int watch) {
    jute_req b = {.type = type, .watch = watch != 0};
    b.path = jute_kstr(path);
    return zks_run(el, z, &b);
}

/* ------------------------------------------------------------------------
 * A session
 * ---------------------------------------------------------------------- */
int zks_open(zk_sync *s, const char *connect, int session_timeout_ms, int connect_timeout_ms) {
    memset(s, 0, sizeof(*s));
    log_open(NULL, 0, LOG_FATAL); /* zkclient's log lines stay quiet, as the tools' log4j WARN */
    s->el = aeCreateEventLoop(64);
    if (!s->el)
        abort();
    s->z = zkc_new(s->el, connect, session_timeout_ms, NULL, NULL);
    if (!s->z)
        return ZBADARGUMENTS;
    int64_t until = ae_mono_ms() + connect_timeout_ms;
    while (zkc_state(s->z) != ZKC_CONNECTED) {
        if (zkc_state(s->z) == ZKC_EXPIRED || ae_mono_ms() >= until)
            return ZOPERATIONTIMEOUT;
        aeProcessEvents(s->el, 50);
    }
    return ZOK;
}

void zks_close(zk_sync *s) {
    if (s->z)
        zkc_close(s->z);
    s->z = NULL;
    if (s->el)
        aeDeleteEventLoop(s->el);
    s->el = NULL;
}

int zks_get(zk_sync *s, const char *path, char **data, int *len) {
    zks_res *x = zks_op_path(s->el, s->z, ZOO_GETDATA_OP, path, 0);
    int rc = x->rc;
    if (data) {
        *data = x->data;
        x->data = NULL;
    }
    if (len)
        *len = x->dlen;
    zks_res_free(x);
    return rc;
}

int zks_children(zk_sync *s, const char *path, char ***names, int *n) {
    zks_res *x = zks_op_path(s->el, s->z, ZOO_GETCHILDREN_OP, path, 0);
    int rc = x->rc;
    *names = x->children;
    *n = x->nchildren;
    x->children = NULL;
    x->nchildren = 0;
    zks_res_free(x);
    return rc;
}

int zks_exists(zk_sync *s, const char *path) {
    zks_res *x = zks_op_path(s->el, s->z, ZOO_EXISTS_OP, path, 0);
    int rc = x->rc;
    zks_res_free(x);
    return rc;
}

int zks_create(zk_sync *s, const char *path, const char *data, int len, int flags, char **created) {
    jute_req b = {.type = ZOO_CREATE_OP, .flags = flags, .acl = JUTE_OPEN_ACL_UNSAFE};
    b.path = jute_kstr(path);
    b.data = (kstr){data, data ? len : -1};
    zks_res *x = zks_run(s->el, s->z, &b);
    int rc = x->rc;
    if (created) {
        *created = x->path;
        x->path = NULL;
    }
    zks_res_free(x);
    return rc;
}

int zks_set(zk_sync *s, const char *path, const char *data, int len, int version) {
    jute_req b = {.type = ZOO_SETDATA_OP, .version = version};
    b.path = jute_kstr(path);
    b.data = (kstr){data, data ? len : -1};
    zks_res *x = zks_run(s->el, s->z, &b);
    int rc = x->rc;
    zks_res_free(x);
    return rc;
}

/* The parents, created with null data; NODEEXISTS is fine. */
static int create_parents(zk_sync *s, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return ZOK;
    char *parent = strndup(path, (size_t)(slash - path));
    if (!parent)
        abort();
    int rc = zks_create(s, parent, NULL, -1, ZKC_PERSISTENT, NULL);
    if (rc == ZNONODE) {
        rc = create_parents(s, parent);
        if (rc == ZOK)
            rc = zks_create(s, parent, NULL, -1, ZKC_PERSISTENT, NULL);
    }
    free(parent);
    return rc == ZNODEEXISTS ? ZOK : rc;
}

int zks_create_recursive(zk_sync *s, const char *path, const char *data, int len, int throw_if_exists) {
    int rc = zks_create(s, path, data, len, ZKC_PERSISTENT, NULL);
    if (rc == ZNONODE) {
        rc = create_parents(s, path);
        if (rc != ZOK)
            return rc;
        rc = zks_create(s, path, data, len, ZKC_PERSISTENT, NULL);
    }
    if (rc == ZNODEEXISTS && !throw_if_exists)
        return ZOK;
    return rc;
}

void zks_strv_free(char **v, int n) {
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
