/* zookeeper_shell.c -- zookeeper-shell.sh: the ZooKeeper command line as
 * Kafka 2.5 runs it (ZooKeeper 3.5.7's ZooKeeperMain, through Kafka's
 * ZooKeeperMainWithTlsSupportForKafka), native, on broker/common/zkclient.
 *
 *   zookeeper-shell -server host:port[/chroot] [-timeout ms] [-r] [cmd args...]
 *
 * (bin/zookeeper-shell.sh adds the -server, as Kafka's script does.) With a
 * command it runs it and exits with its status; without one it reads
 * commands from stdin ("Welcome to ZooKeeper!", "JLine support is
 * disabled": Kafka ships no jline, so there is no prompt unless stdin is a
 * terminal). What goes where, as zkCli: "Connecting to", the WATCHER::
 * blocks and command output on stdout; "Created /x", deprecation notes,
 * usage and every error on stderr. Errors are the CliException messages of
 * 3.5.7 ("Node does not exist: /x", the Java KeeperException string for
 * get, "Path must start with / character"...); status 1, 127 for an
 * unknown command. Output kept from 3.5.7 where later versions differ:
 * `ls -s` prints the stat right after "]" and a blank line after it.
 *
 * Each command is synchronous: the request goes to zkclient and the event
 * loop runs until its reply. As the Java client, a request made while the
 * connection is down fails with ConnectionLoss as soon as a connection
 * attempt fails. addauth, config and reconfig are 3.5.7's (reconfig needs
 * a superuser, e.g. addauth digest with the server's superDigest, or a
 * server with skipACL). Not supported (an error, status 1): TLS, quotas,
 * removewatches. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae.h"
#include "array.h"
#include "jute.h"
#include "logger.h"
#include "zkclient.h"
#include "zk_sync.h"

#define EXIT_CLI 1       /* CliException.DEFAULT_EXCEPTION_EXIT_CODE */
#define EXIT_NOT_FOUND 127 /* CommandNotFoundException */

static aeEventLoop *el;
static zkc *Z;
static char host[1024]; /* connect string of the current session */
static int session_timeout = 30000;
static int print_watches = 1;
static int exit_code;
static int command_count;
static char **history;
static int nhistory;
static size_t history_cap; /* elements allocated at history (array.h) */

/* ------------------------------------------------------------------------
 * Java strings
 * ---------------------------------------------------------------------- */

/* ZooKeeperMain.printMessage: System.out.println("\n" + msg). */
static void print_message(const char *msg) {
    printf("\n%s\n", msg);
    fflush(stdout);
}

static void on_session(void *arg, int state, int new_session) {
    (void)arg;
    (void)new_session;
    if (!print_watches)
        return;
    const char *s = state == ZKC_CONNECTED ? "SyncConnected" : state == ZKC_EXPIRED ? "Expired"
                                                                                    : "Disconnected";
    char b[128];
    snprintf(b, sizeof(b), "WatchedEvent state:%s type:None path:null", s);
    print_message("WATCHER::");
    print_message(b);
}

static void on_watch(void *arg, int type, const char *path) {
    (void)arg;
    if (!print_watches)
        return;
    const char *t = type == ZOO_CREATED_EVENT   ? "NodeCreated"
                    : type == ZOO_DELETED_EVENT ? "NodeDeleted"
                    : type == ZOO_CHANGED_EVENT ? "NodeDataChanged"
                    : type == ZOO_CHILD_EVENT   ? "NodeChildrenChanged"
                                                : "None";
    char *b = malloc(strlen(path ? path : "null") + 128);
    if (!b)
        abort();
    sprintf(b, "WatchedEvent state:SyncConnected type:%s path:%s", t, path ? path : "null");
    print_message("WATCHER::");
    print_message(b);
    free(b);
}

/* CliWrapperException(KeeperException).getMessage(). */
static void wrapper_message(int rc, const char *path, char *out, size_t cap) {
    switch (rc) {
    case ZNONODE: snprintf(out, cap, "Node does not exist: %s", path); break;
    case ZNOCHILDRENFOREPHEMERALS: snprintf(out, cap, "Ephemerals cannot have children: %s", path); break;
    case ZNODEEXISTS: snprintf(out, cap, "Node already exists: %s", path); break;
    case ZNOTEMPTY: snprintf(out, cap, "Node not empty: %s", path); break;
    case ZNOTREADONLY: snprintf(out, cap, "Not a read-only call: %s", path); break;
    case ZINVALIDACL: snprintf(out, cap, "Acl is not valid : %s", path); break;
    case ZNOAUTH: snprintf(out, cap, "Authentication is not valid : %s", path); break;
    case ZBADARGUMENTS: snprintf(out, cap, "Arguments are not valid : %s", path); break;
    case ZBADVERSION: snprintf(out, cap, "version No is not valid : %s", path); break;
    case ZRECONFIGINPROGRESS:
        snprintf(out, cap, "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)");
        break;
    case ZNEWCONFIGNOQUORUM:
        snprintf(out, cap, "No quorum of new config is connected and up-to-date with the leader of last "
                           "commmitted config - try invoking reconfiguration after new servers are "
                           "connected and synced");
        break;
    default: zks_keeper_message(rc, path, out, cap);
    }
}

/* A failed command: the CliException message on stderr, status 1. */
typedef struct cli_error {
    int code;
    char msg[4096];
} cli_error;

static int cli_fail(cli_error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cli_fail(cli_error *e, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->code = code;
    return -1;
}

static int keeper_fail(cli_error *e, int rc, const char *path) {
    wrapper_message(rc, path, e->msg, sizeof(e->msg));
    e->code = EXIT_CLI;
    return -1;
}

/* PathUtils.validatePath. Java checks UTF-16 units; this decodes UTF-8 to
 * code points and counts the units, so "@i" matches. */
static int validate_path(const char *path, int sequential, cli_error *e) {
    char buf[4096];
    if (sequential) { /* validatePath(path + "1") */
        snprintf(buf, sizeof(buf), "%s1", path);
        path = buf;
    }
    size_t n = strlen(path);
    if (n == 0)
        return cli_fail(e, EXIT_CLI, "Path length must be > 0");
    if (path[0] != '/')
        return cli_fail(e, EXIT_CLI, "Path must start with / character");
    if (n == 1)
        return 0;
    if (path[n - 1] == '/')
        return cli_fail(e, EXIT_CLI, "Path must not end with / character");
    /* code points as UTF-16 units */
    uint32_t *u = malloc((n + 1) * 2 * sizeof(uint32_t));
    if (!u)
        abort();
    size_t nu = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)path[i];
        uint32_t cp = c;
        int len = 1;
        if (c >= 0xf0 && i + 3 < n + 1 && c < 0xf8) {
            cp = ((uint32_t)(c & 7) << 18) | ((uint32_t)(path[i + 1] & 0x3f) << 12) |
                 ((uint32_t)(path[i + 2] & 0x3f) << 6) | (uint32_t)(path[i + 3] & 0x3f);
            len = 4;
        } else if (c >= 0xe0 && c < 0xf0) {
            cp = ((uint32_t)(c & 0xf) << 12) | ((uint32_t)(path[i + 1] & 0x3f) << 6) |
                 (uint32_t)(path[i + 2] & 0x3f);
            len = 3;
        } else if (c >= 0xc0 && c < 0xe0) {
            cp = ((uint32_t)(c & 0x1f) << 6) | (uint32_t)(path[i + 1] & 0x3f);
            len = 2;
        } else if (c >= 0x80) {
            cp = 0xfffd; /* malformed: the decoder's replacement */
        }
        for (int k = 1; k < len; k++)
            if (!path[i + k]) {
                len = k;
                cp = 0xfffd;
                break;
            }
        if (cp >= 0x10000) { /* a surrogate pair */
            u[nu++] = 0xd800 + ((cp - 0x10000) >> 10);
            u[nu++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
        } else {
            u[nu++] = cp;
        }
        i += (size_t)len;
    }
    const char *reason = NULL;
    size_t at = 0;
    uint32_t lastc = '/';
    for (size_t i = 1; i < nu; lastc = u[i], i++) {
        uint32_t c = u[i];
        if (c == 0) {
            reason = "null character not allowed @";
        } else if (c == '/' && lastc == '/') {
            reason = "empty node name specified @";
        } else if (c == '.' && lastc == '.') {
            if (u[i - 2] == '/' && (i + 1 == nu || u[i + 1] == '/'))
                reason = "relative paths not allowed @";
        } else if (c == '.') {
            if (u[i - 1] == '/' && (i + 1 == nu || u[i + 1] == '/'))
                reason = "relative paths not allowed @";
        } else if ((c > 0 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) ||
                   (c >= 0xfff0 && c <= 0xffff)) {
            reason = "invalid character @";
        }
        if (reason) {
            at = i;
            break;
        }
    }
    free(u);
    if (reason)
        return cli_fail(e, EXIT_CLI, "Invalid path string \"%s\" caused by %s%zu", path, reason, at);
    return 0;
}

/* ------------------------------------------------------------------------
 * Synchronous requests (zk_sync.c) on this shell's session
 * ---------------------------------------------------------------------- */
static zks_res *run(const jute_req *b) { return zks_run(el, Z, b); }

static zks_res *op_path(int type, const char *path, int watch) { return zks_op_path(el, Z, type, path, watch); }

/* ------------------------------------------------------------------------
 * Command-line parsing (commons-cli PosixParser, as the Cli commands use it)
 * ---------------------------------------------------------------------- */
typedef struct cmdline {
    char opt[128];         /* options seen (by letter) */
    const char *val[128];  /* their values */
    char **args;           /* the other arguments; args[0] is the command */
    int nargs;
} cmdline;

static int cl_has(const cmdline *cl, char c) { return cl->opt[(unsigned char)c & 127] != 0; }

/* spec: option letters, ':' after one that takes a value (e.g. "sv:"). */
static int posix_parse(const char *spec, char **argv, int argc, cmdline *cl, cli_error *e) {
    memset(cl, 0, sizeof(*cl));
    cl->args = calloc((size_t)argc + 1, sizeof(char *));
    if (!cl->args)
        abort();
    int rest = 0;
    for (int i = 0; i < argc; i++) {
        char *t = argv[i];
        if (rest || t[0] != '-' || !t[1]) {
            cl->args[cl->nargs++] = t;
            continue;
        }
        if (!strcmp(t, "--")) {
            rest = 1;
            continue;
        }
        for (int k = 1; t[k]; k++) {
            const char *s = strchr(spec, t[k]);
            if (t[k] == ':' || !s) {
                return cli_fail(e, EXIT_CLI,
                                "org.apache.commons.cli.UnrecognizedOptionException: "
                                "Unrecognized option: %s",
                                t);
            }
            cl->opt[(unsigned char)t[k] & 127] = 1;
            if (s[1] == ':') {
                if (t[k + 1]) {
                    cl->val[(unsigned char)t[k] & 127] = t + k + 1;
                } else if (i + 1 < argc) {
                    cl->val[(unsigned char)t[k] & 127] = argv[++i];
                } else {
                    return cli_fail(e, EXIT_CLI,
                                    "org.apache.commons.cli.MissingArgumentException: "
                                    "Missing argument for option: %c",
                                    t[k]);
                }
                break;
            }
        }
    }
    return 0;
}

static void cl_free(cmdline *cl) {
    free(cl->args);
    cl->args = NULL;
}

/* Integer.parseInt: the NumberFormatException ends the Java shell. */
static int parse_java_int(const char *s, int32_t *out) {
    char *end;
    if (!s || !*s)
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end || v < INT32_MIN || v > INT32_MAX || isspace((unsigned char)*s))
        return -1;
    *out = (int32_t)v;
    return 0;
}

static void number_format_exit(const char *s) __attribute__((noreturn));
static void number_format_exit(const char *s) {
    fflush(stdout);
    fprintf(stderr, "Exception in thread \"main\" java.lang.NumberFormatException: For input string: \"%s\"\n",
            s ? s : "null");
    exit(1);
}

/* ------------------------------------------------------------------------
 * Printing
 * ---------------------------------------------------------------------- */
static void print_date(const char *label, int64_t ms) {
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    char b[128];
    localtime_r(&t, &tm);
    strftime(b, sizeof(b), "%a %b %d %H:%M:%S %Z %Y", &tm);
    printf("%s = %s\n", label, b);
}

/* StatPrinter */
static void print_stat(const jute_stat *s) {
    printf("cZxid = 0x%" PRIx64 "\n", (uint64_t)s->czxid);
    print_date("ctime", s->ctime);
    printf("mZxid = 0x%" PRIx64 "\n", (uint64_t)s->mzxid);
    print_date("mtime", s->mtime);
    printf("pZxid = 0x%" PRIx64 "\n", (uint64_t)s->pzxid);
    printf("cversion = %d\n", s->cversion);
    printf("dataVersion = %d\n", s->version);
    printf("aclVersion = %d\n", s->aversion);
    printf("ephemeralOwner = 0x%" PRIx64 "\n", (uint64_t)s->ephemeralOwner);
    printf("dataLength = %d\n", s->dataLength);
    printf("numChildren = %d\n", s->numChildren);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Utils.toCSVString, as the jute Id.toString() prints scheme and id. */
static void print_csv(const char *s) {
    putchar('\'');
    for (; s && *s; s++) {
        switch (*s) {
        case '\0': fputs("%00", stdout); break;
        case '\n': fputs("%0A", stdout); break;
        case '\r': fputs("%0D", stdout); break;
        case ',': fputs("%2C", stdout); break;
        case '}': fputs("%7D", stdout); break;
        case '%': fputs("%25", stdout); break;
        default: putchar(*s);
        }
    }
}

static void perm_string(int32_t p, char *out) {
    int n = 0;
    if (p & ZOO_PERM_CREATE)
        out[n++] = 'c';
    if (p & ZOO_PERM_DELETE)
        out[n++] = 'd';
    if (p & ZOO_PERM_READ)
        out[n++] = 'r';
    if (p & ZOO_PERM_WRITE)
        out[n++] = 'w';
    if (p & ZOO_PERM_ADMIN)
        out[n++] = 'a';
    out[n] = 0;
}

/* AclParser.parse: "scheme:id:perm,..."; bad entries are reported and skipped. */
static jute_aclvec parse_acl(const char *s, char **store) {
    jute_aclvec v = {0, NULL};
    char *copy = strdup(s);
    if (!copy)
        abort();
    *store = copy;
    int cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    v.v = calloc((size_t)cap, sizeof(jute_acl));
    if (!v.v)
        abort();
    /* String.split(",") drops trailing empty strings only */
    for (char *a = copy, *next; a; a = next) {
        next = strchr(a, ',');
        if (next)
            *next++ = 0;
        if (!*a && (!next || !*next)) {
            int more = 0;
            for (char *q = next; q && *q; q++)
                more |= *q != ',';
            if (!more)
                break;
        }
        char *first = strchr(a, ':'), *last = strrchr(a, ':');
        if (!first || first == last) {
            fprintf(stderr, "%s does not have the form scheme:id:perm\n", a);
            continue;
        }
        *first = 0;
        *last = 0;
        int32_t perm = 0;
        for (char *c = last + 1; *c; c++) {
            switch (*c) {
            case 'r': perm |= ZOO_PERM_READ; break;
            case 'w': perm |= ZOO_PERM_WRITE; break;
            case 'c': perm |= ZOO_PERM_CREATE; break;
            case 'd': perm |= ZOO_PERM_DELETE; break;
            case 'a': perm |= ZOO_PERM_ADMIN; break;
            default: fprintf(stderr, "Unknown perm type: %c\n", *c);
            }
        }
        v.v[v.count].perms = perm;
        v.v[v.count].id.scheme = jute_kstr(a);
        v.v[v.count].id.id = jute_kstr(first + 1);
        v.count++;
    }
    return v;
}

/* ------------------------------------------------------------------------
 * The commands (org.apache.zookeeper.cli.*Command of 3.5.7)
 *
 * process_cmd parses a command's line with its option letters, prints its
 * usage when a path (or other argument) is missing, warns about and
 * rewrites the 3.4 forms (`get path watch`), and checks the path in
 * args[1] before the command runs; each command is left with its request.
 * ---------------------------------------------------------------------- */
typedef struct command {
    const char *name, *options; /* as in the usage listing */
    const char *spec;           /* option letters ("sv:"); NULL: the words as they are */
    int min_args;               /* words the line needs, the command included */
    const char *deprecated;     /* printed when a 3.4 form (a third word) is used */
    int watch_word;             /* ...whose third word then means -w */
    int path_first;             /* args[1] is checked before the command runs (others
                                   check it where their Java command reaches it) */
    int (*run)(cmdline *cl, cli_error *e);
} command;

#define PATH(cl) ((cl)->args[1])

/* The reply when it is ZOK; otherwise NULL with the CliException in e. */
static zks_res *ok_or_fail(zks_res *x, const char *path, cli_error *e) {
    if (x->rc == ZOK)
        return x;
    keeper_fail(e, x->rc, path);
    zks_res_free(x);
    return NULL;
}

/* List.toString() of the children, optionally sorted (the CLI sorts). */
static void print_children(zks_res *x, int sorted) {
    if (sorted)
        qsort(x->children, (size_t)x->nchildren, sizeof(char *), cmp_str);
    putchar('[');
    for (int i = 0; i < x->nchildren; i++)
        printf("%s%s", i ? ", " : "", x->children[i]);
    putchar(']');
}

/* ZKUtil.visitSubTreeDFS: the root must exist (getData), then each level
 * sorted, printed before descending. */
static int ls_recursive(const char *path, int watch, cli_error *e) {
    zks_res *x = ok_or_fail(op_path(ZOO_GETDATA_OP, path, watch), path, e);
    if (!x)
        return -1;
    zks_res_free(x);
    printf("%s\n", path);
    int cap = 16, n = 1, rc = 0;
    char **stack = malloc((size_t)cap * sizeof(char *));
    if (!stack)
        abort();
    stack[0] = strdup(path);
    while (n > 0) {
        char *p = stack[--n];
        x = op_path(ZOO_GETCHILDREN_OP, p, watch);
        if (x->rc == ZOK) {
            qsort(x->children, (size_t)x->nchildren, sizeof(char *), cmp_str);
            int root = strlen(p) == 1;
            for (int i = 0; i < x->nchildren; i++)
                printf("%s%s%s\n", p, root ? "" : "/", x->children[i]);
            if (n + x->nchildren > cap) {
                cap = (n + x->nchildren) * 2;
                stack = realloc(stack, (size_t)cap * sizeof(char *));
                if (!stack)
                    abort();
            }
            for (int i = x->nchildren - 1; i >= 0; i--) {
                char *c = malloc(strlen(p) + strlen(x->children[i]) + 2);
                if (!c)
                    abort();
                sprintf(c, "%s%s%s", p, root ? "" : "/", x->children[i]);
                stack[n++] = c;
            }
        } else if (x->rc != ZNONODE) {
            rc = keeper_fail(e, x->rc, p);
            n = 0;
        }
        zks_res_free(x);
        free(p);
    }
    while (n > 0)
        free(stack[--n]);
    free(stack);
    return rc;
}

static int cmd_ls(cmdline *cl, cli_error *e) {
    int watch = cl_has(cl, 'w');
    if (cl_has(cl, 'R'))
        return ls_recursive(PATH(cl), watch, e);
    int with_stat = cl_has(cl, 's');
    zks_res *x = ok_or_fail(op_path(with_stat ? ZOO_GETCHILDREN2_OP : ZOO_GETCHILDREN_OP, PATH(cl), watch),
                            PATH(cl), e);
    if (!x)
        return -1;
    print_children(x, 1);
    if (with_stat)
        print_stat(&x->stat); /* 3.5.7: no newline before the stat */
    putchar('\n');
    zks_res_free(x);
    return 0;
}

static int cmd_ls2(cmdline *cl, cli_error *e) {
    fprintf(stderr, "'ls2' has been deprecated. Please use 'ls [-s] path' instead.\n");
    zks_res *x;
    if (validate_path(PATH(cl), 0, e) ||
        !(x = ok_or_fail(op_path(ZOO_GETCHILDREN2_OP, PATH(cl), cl->nargs > 2), PATH(cl), e)))
        return -1;
    print_children(x, 0); /* server order */
    putchar('\n');
    print_stat(&x->stat);
    zks_res_free(x);
    return 0;
}

static int cmd_get(cmdline *cl, cli_error *e) {
    zks_res *x = op_path(ZOO_GETDATA_OP, PATH(cl), cl_has(cl, 'w'));
    if (x->rc != ZOK) {
        /* GetCommand wraps the KeeperException in a plain CliException */
        zks_keeper_tostring(x->rc, PATH(cl), e->msg, sizeof(e->msg));
        e->code = EXIT_CLI;
        zks_res_free(x);
        return -1;
    }
    if (x->dlen < 0)
        fputs("null", stdout);
    else
        fwrite(x->data, 1, (size_t)x->dlen, stdout);
    putchar('\n');
    if (cl_has(cl, 's'))
        print_stat(&x->stat);
    zks_res_free(x);
    return 0;
}

static int cmd_stat(cmdline *cl, cli_error *e) {
    zks_res *x = ok_or_fail(op_path(ZOO_EXISTS_OP, PATH(cl), cl_has(cl, 'w')), PATH(cl), e);
    if (!x)
        return -1;
    print_stat(&x->stat);
    zks_res_free(x);
    return 0;
}

/* CreateCommand's flag checks, in its order. */
static int create_flags(cmdline *cl, int *flags, int64_t *ttl, cli_error *e) {
    int hasE = cl_has(cl, 'e'), hasS = cl_has(cl, 's'), hasC = cl_has(cl, 'c'), hasT = cl_has(cl, 't');
    if (hasC && (hasE || hasS))
        return cli_fail(e, EXIT_CLI, "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.");
    *ttl = -1;
    if (hasT) {
        char *end;
        const char *v = cl->val['t'];
        long long t = strtoll(v, &end, 10);
        if (!*v || *end)
            return cli_fail(e, EXIT_CLI, "-t argument must be a long value");
        *ttl = t;
    }
    if (hasT && hasE)
        return cli_fail(e, EXIT_CLI, "TTLs cannot be used with Ephemeral znodes");
    if (hasT && hasC)
        return cli_fail(e, EXIT_CLI, "TTLs cannot be used with Container znodes");
    if (hasE && hasS)
        *flags = ZOO_EPHEMERAL | ZOO_SEQUENCE;
    else if (hasE)
        *flags = ZOO_EPHEMERAL;
    else if (hasS)
        *flags = hasT ? ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL : ZOO_SEQUENCE;
    else if (hasC)
        *flags = ZOO_CONTAINER;
    else
        *flags = hasT ? ZOO_PERSISTENT_WITH_TTL : ZOO_PERSISTENT;
    if (hasT && (*ttl <= 0 || *ttl > 0xffffffffffLL)) /* EphemeralType.TTL.toEphemeralOwner */
        return cli_fail(e, EXIT_CLI, "ttl must be positive and cannot be larger than: %lld", 0xffffffffffLL);
    return 0;
}

static int cmd_create(cmdline *cl, cli_error *e) {
    int flags = ZOO_PERSISTENT;
    int64_t ttl = -1;
    if (create_flags(cl, &flags, &ttl, e))
        return -1;
    const char *path = PATH(cl);
    jute_req b = {.type = ttl >= 0 ? ZOO_CREATE_TTL_OP : cl_has(cl, 'c') ? ZOO_CREATE_CONTAINER_OP : ZOO_CREATE_OP,
                  .flags = flags, .ttl = ttl, .acl = JUTE_OPEN_ACL_UNSAFE};
    b.path = jute_kstr(path);
    b.data = cl->nargs > 2 ? jute_kstr(cl->args[2]) : (kstr){NULL, -1};
    char *aclstore = NULL;
    jute_aclvec acl = {0, NULL};
    if (cl->nargs > 3)
        b.acl = acl = parse_acl(cl->args[3], &aclstore);
    int bad_path = validate_path(path, cl_has(cl, 's'), e);
    zks_res *x = bad_path ? NULL : run(&b);
    free(acl.v);
    free(aclstore);
    if (bad_path)
        return -1;
    if (x->rc == ZINVALIDACL) {
        char m[2048];
        zks_keeper_message(x->rc, path, m, sizeof(m));
        fprintf(stderr, "%s\n", m);
    }
    if (!(x = ok_or_fail(x, path, e)))
        return -1;
    fflush(stdout);
    fprintf(stderr, "Created %s\n", x->path ? x->path : path);
    zks_res_free(x);
    return 0;
}

/* -v version (Integer.parseInt); -1 when absent. */
static int32_t version_opt(cmdline *cl) {
    int32_t version = -1;
    if (cl_has(cl, 'v') && parse_java_int(cl->val['v'], &version))
        number_format_exit(cl->val['v']);
    return version;
}

/* Checks PATH(cl), runs a request on it and prints the stat with -s. */
static int run_with_stat(cmdline *cl, jute_req *b, cli_error *e) {
    b->path = jute_kstr(PATH(cl));
    zks_res *x;
    if (validate_path(PATH(cl), 0, e) || !(x = ok_or_fail(run(b), PATH(cl), e)))
        return -1;
    if (cl_has(cl, 's'))
        print_stat(&x->stat);
    zks_res_free(x);
    return 0;
}

static int cmd_set(cmdline *cl, cli_error *e) {
    jute_req b = {.type = ZOO_SETDATA_OP, .version = version_opt(cl)};
    b.data = jute_kstr(cl->args[2]);
    return run_with_stat(cl, &b, e);
}

static int cmd_delete(cmdline *cl, cli_error *e) {
    jute_req b = {.type = ZOO_DELETE_OP, .version = version_opt(cl)};
    return run_with_stat(cl, &b, e); /* no -s option: prints nothing */
}

static int cmd_set_acl(cmdline *cl, cli_error *e) {
    char *aclstore = NULL;
    jute_aclvec acl = parse_acl(cl->args[2], &aclstore);
    jute_req b = {.type = ZOO_SETACL_OP, .version = version_opt(cl), .acl = acl};
    int rc = cl_has(cl, 'R') ? cli_fail(e, EXIT_CLI, "setAcl -R is not supported by this shell")
                             : run_with_stat(cl, &b, e);
    free(acl.v);
    free(aclstore);
    return rc;
}

/* ZKUtil.deleteRecursive: the subtree breadth first, then deleted from
 * the last entry back. */
static int cmd_deleteall(cmdline *cl, cli_error *e) {
    if (!strcmp(cl->args[0], "rmr"))
        fprintf(stderr, "The command 'rmr' has been deprecated. Please use 'deleteall' instead.\n");
    int n = 0, cap = 16, rc = -1;
    char **tree = malloc((size_t)cap * sizeof(char *));
    if (!tree)
        abort();
    tree[n++] = strdup(PATH(cl));
    for (int q = 0; q < n; q++) {
        zks_res *x;
        if (validate_path(tree[q], 0, e) || !(x = ok_or_fail(op_path(ZOO_GETCHILDREN_OP, tree[q], 0), tree[q], e)))
            goto out;
        for (int i = 0; i < x->nchildren; i++) {
            if (n == cap) {
                cap *= 2;
                tree = realloc(tree, (size_t)cap * sizeof(char *));
                if (!tree)
                    abort();
            }
            char *c = malloc(strlen(tree[q]) + strlen(x->children[i]) + 2);
            if (!c)
                abort();
            sprintf(c, "%s/%s", tree[q], x->children[i]);
            tree[n++] = c;
        }
        zks_res_free(x);
    }
    for (int i = n - 1; i >= 0; i--) {
        jute_req b = {.type = ZOO_DELETE_OP, .version = -1};
        b.path = jute_kstr(tree[i]);
        zks_res *x;
        if (validate_path(tree[i], 0, e) || !(x = ok_or_fail(run(&b), tree[i], e)))
            goto out;
        zks_res_free(x);
    }
    rc = 0;
out:
    for (int i = 0; i < n; i++)
        free(tree[i]);
    free(tree);
    return rc;
}

static int cmd_get_acl(cmdline *cl, cli_error *e) {
    zks_res *x = ok_or_fail(op_path(ZOO_GETACL_OP, PATH(cl), 0), PATH(cl), e);
    if (!x)
        return -1;
    for (int i = 0; i < x->nacl; i++) {
        char p[8];
        /* Id.toString() is the jute CSV record: 'scheme,'id and a newline */
        print_csv(x->acl[i].scheme);
        putchar(',');
        print_csv(x->acl[i].id);
        perm_string(x->acl[i].perms, p);
        printf("\n: %s\n", p);
    }
    if (cl_has(cl, 's'))
        print_stat(&x->stat);
    zks_res_free(x);
    return 0;
}

static int cmd_sync(cmdline *cl, cli_error *e) {
    (void)e;
    zks_res *x = op_path(ZOO_SYNC_OP, PATH(cl), 0);
    if (x->rc == ZOK)
        printf("Sync is OK\n");
    else
        printf("Sync has failed. rc=%d\n", x->rc);
    zks_res_free(x);
    return 0;
}

static int cmd_close(cmdline *cl, cli_error *e) {
    (void)cl;
    (void)e;
    if (Z) {
        zkc_close(Z);
        Z = NULL;
    }
    return 0;
}

/* AddAuthCommand: zk.addAuthInfo(scheme, auth); prints nothing. */
static int cmd_addauth(cmdline *cl, cli_error *e) {
    if (cl->nargs < 2)
        return cli_fail(e, EXIT_CLI, "addauth scheme auth");
    int rc = Z ? zkc_add_auth(Z, cl->args[1], cl->nargs > 2 ? cl->args[2] : "") : ZCONNECTIONLOSS;
    return rc == ZOK ? 0 : keeper_fail(e, rc, "");
}

/* ConfigUtils.getClientConfigStr: "<version> host:port,host:port". */
static void print_client_config(const char *cfg) {
    const char *v = strstr(cfg, "version=");
    printf("%.*s ", v ? (int)strcspn(v + 8, "\n") : 0, v ? v + 8 : "");
    int first = 1;
    for (const char *line = cfg; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        size_t len = strcspn(line, "\n");
        const char *semi = memchr(line, ';', len);
        if (strncmp(line, "server.", 7) || !semi)
            continue;
        printf("%s%.*s", first ? "" : ",", (int)(len - (size_t)(semi + 1 - line)), semi + 1);
        first = 0;
    }
    putchar('\n');
}

/* GetConfigCommand: /zookeeper/config as is (-c: the client addresses), -s
 * its Stat. */
static int cmd_config(cmdline *cl, cli_error *e) {
    jute_req b = {.type = ZOO_GETDATA_OP, .path = jute_kstr("/zookeeper/config"), .watch = cl_has(cl, 'w')};
    zks_res *x = run(&b);
    if (x->rc != ZOK) {
        zks_res_free(x);
        return keeper_fail(e, x->rc, "/zookeeper/config");
    }
    if (cl_has(cl, 'c'))
        print_client_config(x->data ? x->data : "");
    else
        printf("%s\n", x->data ? x->data : "");
    if (cl_has(cl, 's'))
        print_stat(&x->stat);
    zks_res_free(x);
    return 0;
}

static void lower(char *s) {
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* -file: the server.N lines of a dynamic configuration file, as -members. */
static char *members_of_file(const char *path, cli_error *e) {
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_fail(e, EXIT_CLI, "Error processing %s%s (No such file or directory)", path, path);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap), line[2048];
    while (out && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "server.", 7))
            continue;
        size_t l = strlen(line);
        if (len + l + 2 > cap)
            out = realloc(out, cap = (len + l + 2) * 2);
        if (!out)
            break;
        if (len)
            out[len++] = ',';
        memcpy(out + len, line, l + 1);
        len += l;
    }
    fclose(f);
    if (!out)
        abort();
    return out;
}

#define RECONFIG_USAGE                                                                            \
    "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | "      \
    "[-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]"

/* ReconfigCommand: -add/-remove (incremental) or -members/-file (the new
 * membership), -v the expected config version (hex), -s the Stat after. */
static int cmd_reconfig(cmdline *cl, cli_error *e) {
    static const char *const names[] = {"-add", "-remove", "-members", "-file", "-v"};
    char *val[5] = {NULL, NULL, NULL, NULL, NULL};
    int with_stat = 0, rc = -1;
    for (int i = 1; i < cl->nargs; i++) {
        const char *a = cl->args[i];
        if (!strcmp(a, "-s")) {
            with_stat = 1;
            continue;
        }
        int k;
        for (k = 0; k < 5 && strcmp(a, names[k]); k++)
            ;
        if (k == 5) {
            if (a[0] == '-')
                return cli_fail(e, EXIT_CLI, "org.apache.commons.cli.UnrecognizedOptionException: "
                                             "Unrecognized option: %s", a);
            continue;
        }
        if (i + 1 >= cl->nargs)
            return cli_fail(e, EXIT_CLI, "org.apache.commons.cli.MissingArgumentException: Missing "
                                         "argument for option: %s", names[k] + 1);
        val[k] = cl->args[++i];
    }
    const char *add = val[0], *remove = val[1], *members = val[2], *file = val[3], *ver = val[4];
    if (!(file || members) && !add && !remove)
        return cli_fail(e, EXIT_CLI, "reconfig %s", RECONFIG_USAGE);
    int64_t version = -1;
    if (ver) {
        char *end;
        version = (int64_t)strtoll(ver, &end, 16);
        if (!*ver || *end)
            number_format_exit(ver);
    }
    if ((file || members) && (add || remove))
        return cli_fail(e, EXIT_CLI, "Can't use -file or -members together with -add or -remove "
                                     "(mixing incremental and non-incremental modes is not allowed)");
    if (file && members)
        return cli_fail(e, EXIT_CLI, "Can't use -file and -members together (conflicting "
                                     "non-incremental modes)");
    char *j = add ? strdup(add) : NULL, *l = remove ? strdup(remove) : NULL;
    char *m = members ? strdup(members) : file ? members_of_file(file, e) : NULL;
    if (file && !m)
        goto out;
    lower(j);
    lower(l);
    lower(m);
    jute_req b = {.type = ZOO_RECONFIG_OP, .curConfigId = version};
    b.joiningServers = j ? jute_kstr(j) : (kstr){NULL, -1};
    b.leavingServers = l ? jute_kstr(l) : (kstr){NULL, -1};
    b.newMembers = m ? jute_kstr(m) : (kstr){NULL, -1};
    zks_res *x = run(&b);
    if (x->rc != ZOK) {
        rc = keeper_fail(e, x->rc, "");
    } else {
        printf("Committed new configuration:\n%s\n", x->data ? x->data : "");
        if (with_stat)
            print_stat(&x->stat);
        rc = 0;
    }
    zks_res_free(x);
out:
    free(j);
    free(l);
    free(m);
    return rc;
}

static int cmd_unsupported(cmdline *cl, cli_error *e) {
    return cli_fail(e, EXIT_CLI, "%s is not supported by this shell", cl->args[0]);
}

#define LS_HELP "usage: ls [options] path\n -?   help\n -R   recurse\n -s   stat\n -w   watch\n"
#define DEPRECATED(old, new) "'" old "' has been deprecated. Please use '" new "' instead."

/* ZooKeeperMain.commandMap, in the order usage() prints it (sorted). A NULL
 * run is a shell command process_cmd carries out itself. */
static const command commands[] = {
    {"addauth", "scheme auth", NULL, 0, NULL, 0, 0, cmd_addauth},
    {"close", "", NULL, 0, NULL, 0, 0, cmd_close},
    {"config", "[-c] [-w] [-s]", "cws", 0, NULL, 0, 0, cmd_config},
    {"connect", "host:port", NULL, 0, NULL, 0, 0, NULL},
    {"create", "[-s] [-e] [-c] [-t ttl] path [data] [acl]", "esct:", 2, NULL, 0, 0, cmd_create},
    {"delete", "[-v version] path", "v:", 2, DEPRECATED("delete path [version]", "delete [-v version] path"), 0,
     0, cmd_delete},
    {"deleteall", "path", "", 2, NULL, 0, 0, cmd_deleteall},
    {"delquota", "[-n|-b] path", NULL, 0, NULL, 0, 0, cmd_unsupported},
    {"get", "[-s] [-w] path", "sw", 2, DEPRECATED("get path [watch]", "get [-s] [-w] path"), 1, 1, cmd_get},
    {"getAcl", "[-s] path", "s", 2, NULL, 0, 1, cmd_get_acl},
    {"history", "", NULL, 0, NULL, 0, 0, NULL},
    {"listquota", "path", NULL, 0, NULL, 0, 0, cmd_unsupported},
    {"ls", "[-s] [-w] [-R] path", "?swR", 2, DEPRECATED("ls path [watch]", "ls [-w] path"), 1, 1, cmd_ls},
    {"ls2", "path [watch]", "", 2, NULL, 0, 0, cmd_ls2},
    {"printwatches", "on|off", NULL, 0, NULL, 0, 0, NULL},
    {"quit", "", NULL, 0, NULL, 0, 0, NULL},
    {"reconfig", RECONFIG_USAGE, NULL, 0, NULL, 0, 0, cmd_reconfig},
    {"redo", "cmdno", NULL, 0, NULL, 0, 0, NULL},
    {"removewatches", "path [-c|-d|-a] [-l]", NULL, 0, NULL, 0, 0, cmd_unsupported},
    {"rmr", "path", "", 2, NULL, 0, 0, cmd_deleteall},
    {"set", "[-s] [-v version] path data", "sv:", 3, NULL, 0, 0, cmd_set},
    {"setAcl", "[-s] [-v version] [-R] path acl", "sv:R", 3, NULL, 0, 0, cmd_set_acl},
    {"setquota", "-n|-b val path", NULL, 0, NULL, 0, 0, cmd_unsupported},
    {"stat", "[-w] path", "w", 2, DEPRECATED("stat path [watch]", "stat [-w] path"), 1, 1, cmd_stat},
    {"sync", "path", "", 2, NULL, 0, 1, cmd_sync},
};
#define NCOMMANDS ((int)(sizeof(commands) / sizeof(commands[0])))

/* Parses argv for c, checks what every command checks, runs it. */
static int run_command(const command *c, char **argv, int argc, cli_error *e) {
    cmdline cl;
    if (!c->spec) { /* the words as they are */
        cmdline raw = {.args = argv, .nargs = argc};
        return c->run(&raw, e);
    }
    int rc = -1;
    if (posix_parse(c->spec, argv, argc, &cl, e))
        goto out;
    if (cl_has(&cl, '?'))
        fputs(LS_HELP, stderr);
    if (c->deprecated && cl.nargs > 2) { /* `get path watch`: parsed again with -w */
        fprintf(stderr, "%s\n", c->deprecated);
        if (c->watch_word)
            argv[2] = "-w";
        cl_free(&cl);
        if (posix_parse(c->spec, argv, argc, &cl, e))
            goto out;
    }
    if (cl.nargs < c->min_args) {
        rc = cli_fail(e, EXIT_CLI, "%s %s", c->name, c->options);
        goto out;
    }
    if (!c->path_first || !validate_path(PATH(&cl), 0, e))
        rc = c->run(&cl, e);
out:
    cl_free(&cl);
    return rc;
}

static void usage(void) {
    /* Kafka's kafkaTlsUsage */
    fprintf(stderr, "ZooKeeper -server host:port [-zk-tls-config-file <file>] cmd args\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(stderr, "\t%s %s\n", commands[i].name, commands[i].options);
}

static const command *find_command(const char *name) {
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

/* ------------------------------------------------------------------------
 * Session and the command loop
 * ---------------------------------------------------------------------- */
static void connect_zk(const char *new_host) {
    if (Z)
        zkc_close(Z);
    if (new_host != host)
        snprintf(host, sizeof(host), "%s", new_host);
    Z = zkc_new(el, host, session_timeout, on_session, NULL);
    if (Z)
        zkc_set_watcher(Z, on_watch, NULL);
}

static int alive(void) { return Z && zkc_state(Z) != ZKC_EXPIRED; }

static void add_history(const char *line) {
    char **h = array_reserve(history, &history_cap, (size_t)nhistory + 1, sizeof(char *));
    if (!h)
        abort();
    history = h;
    history[nhistory++] = strdup(line);
}

static void process_line(const char *line);

/* processCmd: runs one command; exit_code as ZooKeeperMain keeps it. */
static void process_cmd(char **argv, int argc) {
    cli_error e = {0, ""};
    int failed = 0;
    if (argc < 1) {
        usage();
        e.code = EXIT_CLI;
        snprintf(e.msg, sizeof(e.msg), "No command entered");
        failed = 1;
        goto done;
    }
    const char *cmd = argv[0];
    const command *c = find_command(cmd);
    if (!c) {
        usage();
        e.code = EXIT_NOT_FOUND;
        snprintf(e.msg, sizeof(e.msg), "Command not found: Command not found %s", cmd);
        failed = 1;
        goto done;
    }
    if (!strcmp(cmd, "quit")) {
        if (Z)
            zkc_close(Z);
        Z = NULL;
        fflush(stdout);
        exit(exit_code);
    } else if (!strcmp(cmd, "redo") && argc >= 2) {
        char *end;
        long i = strtol(argv[1], &end, 0);
        if (*end || !*argv[1])
            number_format_exit(argv[1]);
        if (command_count <= i || i < 0) {
            e.code = EXIT_CLI;
            snprintf(e.msg, sizeof(e.msg), "Command index out of range");
            failed = 1;
            goto done;
        }
        const char *l = history[i];
        if (!strncmp(l, "redo", 4) && (!l[4] || isspace((unsigned char)l[4]))) {
            e.code = EXIT_CLI;
            snprintf(e.msg, sizeof(e.msg), "No redoing redos");
            failed = 1;
            goto done;
        }
        /* the redone line replaces "redo N" in the history */
        char *copy = strdup(l);
        if (command_count < nhistory) {
            free(history[command_count]);
            history[command_count] = copy;
        } else {
            add_history(copy);
            free(copy);
        }
        process_line(history[command_count < nhistory ? command_count : nhistory - 1]);
    } else if (!strcmp(cmd, "history")) {
        for (int i = command_count - 10; i <= command_count; ++i)
            if (i >= 0)
                printf("%d - %s\n", i, i < nhistory ? history[i] : "null");
    } else if (!strcmp(cmd, "printwatches")) {
        if (argc == 1)
            printf("printwatches is %s\n", print_watches ? "on" : "off");
        else
            print_watches = !strcmp(argv[1], "on");
    } else if (!strcmp(cmd, "connect")) {
        connect_zk(argc >= 2 ? argv[1] : host);
    }
    if (!alive()) {
        printf("Not connected\n");
        fflush(stdout);
        return;
    }
    if (c->run) {
        if (run_command(c, argv, argc, &e) != 0)
            failed = 1;
    }
done:
    fflush(stdout);
    if (failed) {
        exit_code = e.code;
        fprintf(stderr, "%s\n", e.msg);
    } else {
        exit_code = 0;
    }
}

/* MyCommandOptions.parseCommand: tokens are \S+ runs not starting with a
 * quote, or "..." / '...' (quotes stripped). */
static void process_line(const char *line) {
    size_t n = strlen(line);
    char *buf = malloc(n + 1);
    char **argv = calloc(n / 2 + 2, sizeof(char *));
    if (!buf || !argv)
        abort();
    int argc = 0;
    size_t o = 0;
    const char *p = line;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        if (*p == '"' || *p == '\'') {
            const char *close = strchr(p + 1, *p);
            if (!close) { /* an unmatched quote: the regex skips the char */
                p++;
                continue;
            }
            start = p + 1;
            size_t l = (size_t)(close - start);
            argv[argc++] = memcpy(buf + o, start, l);
            buf[o + l] = 0;
            o += l + 1;
            p = close + 1;
            continue;
        }
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t l = (size_t)(p - start);
        argv[argc++] = memcpy(buf + o, start, l);
        buf[o + l] = 0;
        o += l + 1;
    }
    if (argc > 0)
        process_cmd(argv, argc);
    free(argv);
    free(buf);
}

static void prompt(void) {
    const char *st = !Z ? "CLOSED" : zkc_state(Z) == ZKC_CONNECTED ? "CONNECTED"
                                 : zkc_state(Z) == ZKC_EXPIRED     ? "CLOSED"
                                                                   : "CONNECTING";
    printf("[zk: %s(%s) %d] ", host, st, command_count);
    fflush(stdout);
}

/* Reading stdin: waits for the first connection (or a failed attempt) so
 * that the WATCHER:: lines come before the first command's output, as
 * they do from the Java shell. With a command, they come when that
 * command's request is first sent, and not at all when it fails before
 * (a bad path, an unknown command), as the Java shell exits first. */
static void await_connect(void) {
    int64_t until = ae_mono_ms() + session_timeout;
    while (Z && zkc_state(Z) != ZKC_CONNECTED && zkc_failed_attempts(Z) == 0 && ae_mono_ms() < until)
        aeProcessEvents(el, 50);
}

int main(int argc, char **argv) {
    log_open(NULL, 0, LOG_FATAL); /* zkclient's log lines stay quiet */
    const char *server = "localhost:2181";
    int cmd_at = -1;
    /* Kafka's wrapper: -zk-tls-config-file FILE is taken out first */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-zk-tls-config-file")) {
            if (i == argc - 1)
                fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: Error: no "
                                "filename provided with option -zk-tls-config-file\n");
            else
                fprintf(stderr, "zookeeper-shell: -zk-tls-config-file: TLS is not supported\n");
            return 1;
        }
    /* MyCommandOptions.parseOptions */
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "-server") || !strcmp(opt, "-timeout")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "Error: no argument found for option %s\n", opt);
                break;
            }
            if (opt[1] == 's') {
                server = argv[++i];
            } else {
                int32_t t;
                if (parse_java_int(argv[i + 1], &t))
                    number_format_exit(argv[i + 1]);
                session_timeout = t;
                i++;
            }
        } else if (opt[0] != '-') {
            cmd_at = i;
            break;
        }
    }
    el = aeCreateEventLoop(64);
    if (!el)
        abort();
    printf("Connecting to %s\n", server);
    fflush(stdout);
    snprintf(host, sizeof(host), "%s", server);
    connect_zk(host);
    if (!Z) {
        fprintf(stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: "
                        "A HostProvider may not be empty!\n");
        return 1;
    }
    if (cmd_at >= 0) {
        process_cmd(argv + cmd_at, argc - cmd_at);
    } else {
        printf("Welcome to ZooKeeper!\n");
        printf("JLine support is disabled\n");
        fflush(stdout);
        await_connect();
        int tty = isatty(0);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        if (tty)
            prompt();
        while ((n = getline(&line, &cap, stdin)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = 0;
            if (n > 0) {
                add_history(line);
                process_line(line);
                command_count++;
            }
            if (tty)
                prompt();
        }
        free(line);
    }
    fflush(stdout);
    if (Z)
        zkc_close(Z);
    aeDeleteEventLoop(el);
    for (int i = 0; i < nhistory; i++)
        free(history[i]);
    free(history);
    return exit_code;
}
