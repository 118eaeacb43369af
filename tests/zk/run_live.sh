#!/usr/bin/env bash
# run_live.sh -- tests broker/common/zkclient.c against a real Apache
# ZooKeeper 3.8 (the Debian `zookeeper` package) on a random free port of
# 127.0.0.1 with a throw-away data directory.
#
#   tests/zk/run_live.sh            exit 0 = pass, 1 = fail, 77 = skipped
#                                   (no java or no zookeeper.jar)
# Environment: BUILD (default build), CC (gcc), SANITIZE (e.g.
# address,undefined), ZK_KEEP=1 keeps the temp dir for inspection.
#
# Phases: (1) "restart": the client connects, the script restarts ZooKeeper
# under it, the client checks its session, ephemeral and watches survived;
# (2) "basic": everything else, against the restarted server.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CC=${CC:-gcc}
ZK_JAR=${ZK_JAR:-/usr/share/java/zookeeper.jar}
# zookeeper.jar's manifest Class-Path pulls in its dependencies; any slf4j
# binding will do for the server log.
LOG_JAR=/usr/share/java/slf4j-simple.jar
[ -r "$LOG_JAR" ] || LOG_JAR=/usr/share/java/slf4j-nop.jar

if ! command -v java >/dev/null 2>&1 || [ ! -r "$ZK_JAR" ]; then
    echo "SKIP: java or $ZK_JAR not installed (apt-get install zookeeper)"
    exit 77
fi

TMP=$(mktemp -d /tmp/zklive.XXXXXX)
ZK_PID=
CLIENT_PID=

stop_zk() {
    [ -n "$ZK_PID" ] || return 0
    kill "$ZK_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$ZK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$ZK_PID" 2>/dev/null
    wait "$ZK_PID" 2>/dev/null
    ZK_PID=
}

cleanup() {
    [ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null
    stop_zk
    if [ "${ZK_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*"
    echo "---- ZooKeeper log (tail)"
    tail -n 30 "$TMP/zk.log" 2>/dev/null
    exit 1
}

# A free port: nothing answers on it.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || fail "no free port"

mkdir -p "$TMP/data"
cat >"$TMP/zoo.cfg" <<EOF
tickTime=500
initLimit=10
syncLimit=5
dataDir=$TMP/data
clientPort=$PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr
EOF

# Serving clients: "srvr" prints "Mode: standalone" (ruok answers earlier).
zk_ok() {
    local r
    r=$( (exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf srvr >&3 && timeout 2 cat <&3) 2>/dev/null)
    case $r in *Mode:*) return 0 ;; *) return 1 ;; esac
}

start_zk() {
    java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -cp "$ZK_JAR:$LOG_JAR" org.apache.zookeeper.server.quorum.QuorumPeerMain \
        "$TMP/zoo.cfg" >>"$TMP/zk.log" 2>&1 &
    ZK_PID=$!
    for _ in $(seq 200); do
        zk_ok && return 0
        kill -0 "$ZK_PID" 2>/dev/null || fail "ZooKeeper exited during start-up"
        sleep 0.1
    done
    fail "ZooKeeper did not answer srvr on 127.0.0.1:$PORT"
}

# Build: only the sources the client needs, independent of the Makefile.
BIN=$BUILD/tests/zkclient_live
mkdir -p "$(dirname "$BIN")"
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I$ROOT/broker/common"
LDFLAGS=
if [ -n "${SANITIZE:-}" ]; then
    CFLAGS="$CFLAGS -fsanitize=$SANITIZE -fno-omit-frame-pointer -fno-sanitize-recover=all"
    LDFLAGS="-fsanitize=$SANITIZE"
fi
C=$ROOT/broker/common
# shellcheck disable=SC2086
$CC $CFLAGS "$C/buf.c" "$C/memlimit.c" "$C/xalloc.c" "$C/array.c" "$C/ae.c" "$C/logger.c" "$C/jute.c" "$C/zkclient.c" \
    "$ROOT/tests/zk/zkclient_live.c" -o "$BIN" $LDFLAGS || fail "build"

START=$(date +%s)
start_zk
echo "ZooKeeper $(java -cp "$ZK_JAR" org.apache.zookeeper.version.VersionInfoMain 2>/dev/null | head -1) on 127.0.0.1:$PORT (pid $ZK_PID)"

echo "== phase restart"
"$BIN" "127.0.0.1:$PORT" restart >"$TMP/restart.out" 2>&1 &
CLIENT_PID=$!
for _ in $(seq 200); do
    grep -q '^READY' "$TMP/restart.out" && break
    kill -0 "$CLIENT_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q '^READY' "$TMP/restart.out" || { cat "$TMP/restart.out"; fail "client not ready"; }
stop_zk
echo "ZooKeeper stopped; restarting"
start_zk
wait "$CLIENT_PID"
rc=$?
CLIENT_PID=
grep -E 'CHECK|want|zkclient_live|Session establishment|Closing socket|expired|watch event' \
    "$TMP/restart.out"
[ "$rc" = 0 ] || { cat "$TMP/restart.out"; fail "restart phase (exit $rc)"; }

echo "== phase basic"
"$BIN" "127.0.0.1:$PORT" basic >"$TMP/basic.out" 2>&1
rc=$?
grep -E 'CHECK|want|zkclient_live|expired|watch event' "$TMP/basic.out"
[ "$rc" = 0 ] || { cat "$TMP/basic.out"; fail "basic phase (exit $rc)"; }

stop_zk
echo "PASS: zkclient live tests ($(($(date +%s) - START)) s)"
exit 0
