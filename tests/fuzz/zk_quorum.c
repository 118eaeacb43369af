/* zk_quorum.c -- libFuzzer target: the coordinator's messages between
 * servers (broker/zookeeper/quorum.c): their decoder (zk_peer_decode) and
 * their handling by each kind of peer connection, as a malicious or buggy
 * server of the ensemble could send them.
 *
 * The target includes quorum.c itself, so that it can set the ensemble
 * state an input needs (the role, a connection of a given kind) without
 * waiting for elections; the library's copy of quorum.c is then not linked.
 *
 * Set-up (once): server 1 of a three-server ensemble in this process
 * (zoo.cfg in a scratch directory in /dev/shm, tickTime 2000; the other two
 * servers' ports are closed ones), started with zk_server_init.
 *
 * Each input: its first frame (see fuzz.h) is one byte choosing the
 * connection, the other frames are what the peer sends on it, each given
 * its size prefix here:
 *   0  an election connection a peer opened (VOTE_REQ), server 1 LOOKING;
 *   1  server 1's own election connection to server 2, after it asked for
 *      (pre-)votes (VOTE_RESP), LOOKING;
 *   2  server 1's connection to its leader, server 2 (LINFO with a diff or
 *      a snapshot, PROPOSAL, COMMIT), LOOKING until the LINFO;
 *   3  a learner's connection to server 1 as leader (FINFO, ACK, REQUEST).
 * The connection is a socketpair; the event loop runs until nothing more
 * happens, then the peer's end is closed; a LOOKING server 1 starts its next
 * election (pre-votes to the closed ports) from the epoch the input left;
 * then server 1 is LOOKING again at epoch 1. The tree and the logs carry over from input to input; past
 * MAX_NODES znodes the tree starts empty again.
 *
 * Seeds: tests/fuzz/record-seeds records a real three-server ensemble of our
 * coordinators through capture.py (both directions of server 1's
 * connections to the other two). */
#include <signal.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "logger.h"

#include "../../broker/zookeeper/quorum.c"

#define MAX_NODES 20000

static uint64_t inputs;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    const char *dir = fuzz_scratch("zkq");
    char cfg[512], myid[512], text[2048];
    snprintf(cfg, sizeof cfg, "%s/zoo.cfg", dir);
    snprintf(myid, sizeof myid, "%s/myid", dir);
    fuzz_write_file(myid, "1\n", 2);
    snprintf(text, sizeof text,
             "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=0\n"
             "clientPortAddress=127.0.0.1\nmaxClientCnxns=0\nsnapCount=2000\n"
             "reconfigEnabled=true\n"
             "server.1=127.0.0.1:%d:%d\nserver.2=127.0.0.1:%d:%d\nserver.3=127.0.0.1:%d:%d\n",
             dir, fuzz_free_port(), fuzz_free_port(), fuzz_free_port(), fuzz_free_port(),
             fuzz_free_port(), fuzz_free_port());
    log_open("/dev/null", 0, LOG_TRACE); /* every line formatted, none kept */
    if (fuzz_zk_start(cfg, text) != 0)
        abort();
    return 0;
}

static int pump(int timeout_ms) {
    zk_server_flush();
    return aeProcessEvents(Z.el, timeout_ms);
}

/* Server 1 LOOKING at epoch 1, no peer connection, no round under way. */
static void reset(void) {
    become_looking("next input");
    for (pconn *pc = Q.conns; pc; pc = pc->next)
        pc_close(pc);
    Q.leader = NULL;
    pc_reap();
    set_term(1, 0);
    Q.follow_id = 0;
    Q.next_try = ae_mono_ms() + 3600 * 1000; /* no election of its own meanwhile */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *p = data, *kind;
    size_t left = size, klen;
    if (!fuzz_next_frame(&p, &left, &kind, &klen) || klen != 1 || kind[0] > 3)
        return 0;
    reset();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    pconn *pc;
    switch (kind[0]) {
    case 0:
        pc = pc_new(sv[0], PC_ELECT_IN, 0);
        break;
    case 1:
        Q.pre = true; /* as start_round(true) left it */
        Q.round_term = Q.term + 1;
        memset(Q.granted, 0, sizeof Q.granted);
        Q.granted[Z.cfg.my_id] = 1;
        pc = pc_new(sv[0], PC_ELECT_OUT, 2);
        break;
    case 2:
        Q.follow_id = 2;
        pc = pc_new(sv[0], PC_LEARNER, 2);
        Q.leader = pc;
        break;
    default:
        become_leader();
        pc = pc_new(sv[0], PC_HANDLER, 0);
        break;
    }
    (void)pc;
    wbuf out;
    wb_init(&out, size + 64);
    if (p)
        fuzz_frames_prefixed(&out, p, left);
    fuzz_converse(sv[1], &out, pump, NULL, 1000);
    close(sv[1]);
    pump(0);
    pump(0);
    if (Z.role == ZK_ROLE_LOOKING)
        start_round(true); /* the next election, from the epoch the input left */
    wb_free(&out);
    reset();
    if (++inputs % 500 == 0)
        zk_purge(Z.snap_dir, Z.log_dir, 3);
    if (Z.tree.count > MAX_NODES) {
        zk_tree_free(&Z.tree);
        zk_tree_init(&Z.tree);
    }
    return 0;
}
