#!/usr/bin/env bats
# zookeeper-shell.sh: Kafka 2.5's ZooKeeper shell (ZooKeeper 3.5.7's zkCli)
# as a native program. Every command is run twice, against Apache
# ZooKeeper (zk_start) and against our coordinator (started on its own
# state directory), and compared line by line, stdout and stderr apart,
# with the real Java zkCli.sh (Debian's ZooKeeper 3.8) on the same server
# and the same znodes. The only lines set aside in the comparison are the
# WATCHER:: block, which the Java shell prints from another thread (its
# place among the other lines varies); ours must print it right after
# "Connecting to". Where 3.5.7 (what Kafka 2.5 runs) and 3.8 differ
# (`get` of a missing node, `ls -s`, the usage listing), the 3.5.7 text
# from its sources is checked instead.

load test_helper
bats_require_minimum_version 1.5.0

ZKCLI=/usr/share/zookeeper/bin/zkCli.sh

coord_dir() { echo "$BATS_FILE_TMPDIR/coord"; }

setup_file() {
  zk_start
  # our coordinator, next to it: coord_start keeps its state under
  # $BATS_FILE_TMPDIR/zk, so it runs with its own BATS_FILE_TMPDIR
  mkdir -p "$(coord_dir)"
  (BATS_FILE_TMPDIR=$(coord_dir) coord_start >/dev/null)
  export APACHE_ZK=$ZK_CONNECT
  export COORD_ZK=127.0.0.1:$(<"$(coord_dir)/zk/port")
}

teardown_file() {
  (BATS_FILE_TMPDIR=$(coord_dir) zk_stop) || true
  zk_stop || true
}

# strip_watcher FILE: the file without the WATCHER:: block (4 lines:
# "", "WATCHER::", "", "WatchedEvent state:SyncConnected type:None path:null").
# The Java shell prints the block from its event thread as two messages,
# each "\n" + text + "\n" in one println, while the command's own output
# may be written in pieces (ls: "[", each child, ", ", "]"): a message can
# land inside a line ("[inside, \nWATCHER::\nnew]"). Each message is
# removed where it stands, which leaves the command's output whole.
strip_watcher() {
  "$PY" - "$1" <<'EOF2'
import sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
for msg in ("WATCHER::", "WatchedEvent state:SyncConnected type:None path:null"):
    text = text.replace("\n" + msg + "\n", "", 1)
sys.stdout.write(text)
EOF2
}

# ours SERVER ARGS...: bin/zookeeper-shell.sh; stdout/stderr/rc in $T/o.*
ours() {
  local server=$1
  shift
  local rc=0
  timeout -k 5 60 "$REPO_ROOT/bin/zookeeper-shell.sh" "$server" "$@" >"$T/o.out" 2>"$T/o.err" || rc=$?
  echo "$rc" >"$T/o.rc"
}

# java SERVER ARGS...: Debian's zkCli.sh; $T/j.*, log lines dropped
java_cli() {
  local server=$1
  shift
  local rc=0
  timeout -k 5 60 "$ZKCLI" -server "$server" "$@" >"$T/j.out" 2>"$T/j.raw" || rc=$?
  echo "$rc" >"$T/j.rc"
  grep -v -e '^SLF4J:' -e '^log4j:' "$T/j.raw" >"$T/j.err" || true
}

# same SERVER ARGS...: ours and zkCli.sh give the same status, stdout and
# stderr (WATCHER:: block aside: ours prints it right after "Connecting to"
# whenever the command went to the server; the Java shell prints it from
# its event thread, sometimes even before an error found on the client).
same() {
  T=$BATS_TEST_TMPDIR
  java_cli "$@"
  ours "$@"
  echo "--- $* (java rc $(<"$T/j.rc"), ours rc $(<"$T/o.rc"))"
  diff <(strip_watcher "$T/j.out") <(strip_watcher "$T/o.out")
  diff "$T/j.err" "$T/o.err"
  [ "$(<"$T/j.rc")" = "$(<"$T/o.rc")" ]
  if grep -qx 'WATCHER::' "$T/o.out" || [ "$(<"$T/o.rc")" = 0 ]; then
    [ "$(sed -n 2,5p "$T/o.out")" = $'\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null' ]
  fi
}

# rw SERVER ARGS...: a command that changes the tree. zkCli.sh runs it
# under $RJ, ours under $RO (two trees built by the same commands; "@" in
# ARGS stands for the root); the outputs are compared with the roots
# renamed and the stat fields that differ between two trees (zxids,
# times, session ids) masked.
rw() {
  T=$BATS_TEST_TMPDIR
  local server=$1 a
  shift
  local -a ja=() oa=()
  for a in "$@"; do
    ja+=("${a//@/$RJ}")
    oa+=("${a//@/$RO}")
  done
  java_cli "${server//@/$RJ}" "${ja[@]}"
  ours "${server//@/$RO}" "${oa[@]}"
  echo "--- $* (java rc $(<"$T/j.rc"), ours rc $(<"$T/o.rc"))"
  local f
  for f in j.out j.err o.out o.err; do
    sed -i -E -e "s#$RJ|$RO#/ROOT#g" \
      -e 's/^(cZxid|mZxid|pZxid|ctime|mtime|ephemeralOwner) = .*/\1 = X/' "$T/$f"
  done
  diff <(strip_watcher "$T/j.out") <(strip_watcher "$T/o.out")
  diff "$T/j.err" "$T/o.err"
  [ "$(<"$T/j.rc")" = "$(<"$T/o.rc")" ]
}

# scenario SERVER: the book commands, each compared with zkCli.sh.
scenario() {
  local s=$1
  RJ=/zsj$RANDOM$RANDOM
  RO=/zso$RANDOM$RANDOM
  rw "$s" create @ hello
  rw "$s" create @/c2 "two words"
  rw "$s" create @/c1
  same "$s" ls "$RJ"
  same "$s" ls /
  same "$s" get "$RJ"
  same "$s" get "$RJ/c1"
  same "$s" get -s "$RJ"
  same "$s" get "$RJ/c2"
  same "$s" stat "$RJ"
  rw "$s" set @ world
  rw "$s" set -s @ again
  rw "$s" set -v 0 @ stale
  same "$s" get "$RJ"
  same "$s" getAcl "$RJ"
  same "$s" getAcl -s "$RJ"
  rw "$s" create @/acl x "world:anyone:r,ip:127.0.0.1:cdrwa"
  same "$s" getAcl "$RJ/acl"
  rw "$s" create -s @/seq- a
  rw "$s" create -s @/seq- b
  rw "$s" create -e @/eph
  rw "$s" create @ again
  rw "$s" create @/nope/x
  same "$s" ls "$RJ/nope"
  same "$s" stat "$RJ/nope"
  rw "$s" delete @
  rw "$s" delete @/nope
  rw "$s" delete -v 7 @/c1
  rw "$s" delete @/c1
  # ours closes its session on exit, so $RO has no ephemeral left
  same "$s" ls -R "$RO"
  same "$s" ls relative
  same "$s" ls "$RJ/"
  same "$s" ls "$RJ//x"
  same "$s" get
  same "$s" ls
  same "$s" set "$RJ"
  same "$s" create
  same "$s" ls -x "$RJ"
  same "$s" create -c -e "$RJ/cc"
  same "$s" sync "$RJ"
  rw "$s" deleteall @
  same "$s" ls "$RO"
}

@test "zookeeper-shell: command mode matches zkCli.sh on Apache ZooKeeper" {
  scenario "$APACHE_ZK"
}

@test "zookeeper-shell: command mode matches zkCli.sh on our coordinator" {
  scenario "$COORD_ZK"
}

# A session read from stdin (no terminal: no prompt, as with Kafka's
# shell, which has no jline).
stdin_session() {
  local s=$1 r=$2
  printf '%s\n' "create $r 'quoted data'" "create $r/a \"x y\"" "ls $r" "get $r" "get $r/a" \
    "" "stat $r/a" "history" "redo 3" "printwatches" "printwatches off" "printwatches" \
    "delete $r" "ls $r/missing" "deleteall $r" "ls $r" >"$BATS_TEST_TMPDIR/script"
}

@test "zookeeper-shell: commands from stdin match zkCli.sh (both servers)" {
  local s r rc
  T=$BATS_TEST_TMPDIR
  for s in "$APACHE_ZK" "$COORD_ZK"; do
    r=/zsin$RANDOM$RANDOM
    stdin_session "$s" "$r"
    rc=0
    timeout -k 5 60 "$ZKCLI" -server "$s" <"$T/script" >"$T/j.out" 2>"$T/j.raw" || rc=$?
    echo "$rc" >"$T/j.rc"
    grep -v -e '^SLF4J:' -e '^log4j:' "$T/j.raw" >"$T/j.err" || true
    r=/zsin$RANDOM$RANDOM
    stdin_session "$s" "$r"
    # the same script with the other root: compare with the names swapped
    rc=0
    timeout -k 5 60 "$REPO_ROOT/bin/zookeeper-shell.sh" "$s" <"$T/script" >"$T/o.out" 2>"$T/o.err" || rc=$?
    echo "$rc" >"$T/o.rc"
    sed -i "s#/zsin[0-9]*#/ROOT#g" "$T/j.out" "$T/j.err" "$T/o.out" "$T/o.err"
    # stat times and zxids differ between the two runs
    sed -i -E 's/^(cZxid|mZxid|pZxid|ctime|mtime) = .*/\1 = X/' "$T/j.out" "$T/o.out"
    cat "$T/o.out"
    diff "$T/j.out" "$T/o.out"
    diff "$T/j.err" "$T/o.err"
    [ "$(<"$T/j.rc")" = "$(<"$T/o.rc")" ]
    [ "$(sed -n 2,3p "$T/o.out")" = $'Welcome to ZooKeeper!\nJLine support is disabled' ]
  done
}

@test "zookeeper-shell: a chroot in the connect string (both servers)" {
  local s
  for s in "$APACHE_ZK" "$COORD_ZK"; do
    RJ=/zscj$RANDOM$RANDOM
    RO=/zsco$RANDOM$RANDOM
    rw "$s" create @ root
    rw "$s" create @/inside data
    rw "$s@" ls /
    rw "$s@" get /inside
    rw "$s@" create /new n
    rw "$s@" ls /missing-x
    rw "$s@" stat /
    rw "$s" ls @
    rw "$s" deleteall @
  done
}

# The outputs where Kafka 2.5's ZooKeeper (3.5.7) differs from 3.8.
@test "zookeeper-shell: 3.5.7's own texts: get of a missing node, ls -s, usage, rmr" {
  local s r
  for s in "$APACHE_ZK" "$COORD_ZK"; do
    r=/zs357$RANDOM
    run --separate-stderr ktool zookeeper-shell.sh "$s" get "$r"
    [ "$status" -eq 1 ]
    [ "$stderr" = "org.apache.zookeeper.KeeperException\$NoNodeException: KeeperErrorCode = NoNode for $r" ]

    ktool zookeeper-shell.sh "$s" create "$r" >/dev/null 2>&1
    ktool zookeeper-shell.sh "$s" create "$r/k" >/dev/null 2>&1
    run --separate-stderr ktool zookeeper-shell.sh "$s" ls -s "$r"
    [ "$status" -eq 0 ]
    # "[k]" and the stat on one line, then the stat, then an empty line
    # (bats drops empty lines from $lines)
    [[ ${lines[3]} == "[k]cZxid = 0x"* ]]
    [[ ${lines[4]} == "ctime = "* ]]
    [ "${lines[13]}" = "numChildren = 1" ]
    [ "${#lines[@]}" -eq 14 ]
    ktool zookeeper-shell.sh "$s" ls -s "$r" >"$BATS_TEST_TMPDIR/ls-s" 2>/dev/null
    [ "$(tail -c 3 "$BATS_TEST_TMPDIR/ls-s" | od -An -c | tr -d ' ')" = '1\n\n' ]

    run --separate-stderr ktool zookeeper-shell.sh "$s" rmr "$r"
    [ "$status" -eq 0 ]
    [ "$stderr" = "The command 'rmr' has been deprecated. Please use 'deleteall' instead." ]

    run -127 --separate-stderr ktool zookeeper-shell.sh "$s" nosuchcmd
    [ "$status" -eq 127 ]
    [ "${stderr_lines[0]}" = "ZooKeeper -server host:port [-zk-tls-config-file <file>] cmd args" ]
    [ "${stderr_lines[1]}" = $'\taddauth scheme auth' ]
    [[ $stderr == *$'\n\tls [-s] [-w] [-R] path\n\tls2 path [watch]\n'* ]]
    [[ $stderr == *$'\n\trmr path\n'* ]]
    [ "${stderr_lines[-1]}" = "Command not found: Command not found nosuchcmd" ]
    [ "$output" = "Connecting to $s" ]
  done
}

@test "zookeeper-shell: unreachable server, missing argument" {
  local port
  port=$(free_port)
  same "127.0.0.1:$port" ls /
  [ "$(<"$T/o.err")" = "KeeperErrorCode = ConnectionLoss for /" ]
  run ktool zookeeper-shell.sh
  [ "$status" -eq 1 ]
  [[ $output == "USAGE: "*"zookeeper-shell.sh zookeeper_host:port[/path] [-zk-tls-config-file file] [args...]" ]]
}

@test "zookeeper-shell: on a terminal, zkCli's prompt with the command count" {
  run "$PY" - "$REPO_ROOT/bin/zookeeper-shell.sh" "$APACHE_ZK" <<'EOF2'
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], sys.argv[2]])
out = b""
def read_until(marker, t=20):
    global out
    end = time.time() + t
    while marker not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
read_until(b"(CONNECTED) 0] ")
os.write(fd, b"ls /zookeeper\n")
read_until(b"(CONNECTED) 1] ")
os.write(fd, b"quit\n")
read_until(b"\x00", 3)
sys.stdout.write(out.decode().replace("\r", ""))
EOF2
  echo "$output"
  [[ $output == *"[zk: $APACHE_ZK(CONNECTED) 0] "* ]]
  [[ $output == *"[zk: $APACHE_ZK(CONNECTED) 1] "* ]]
  [[ $output == *"[config, quota]"* || $output == *"[quota]"* ]]
}

@test "zookeeper-shell: starts and answers in milliseconds" {
  local t0 t1
  t0=$(date +%s%N)
  ktool zookeeper-shell.sh "$APACHE_ZK" ls / >/dev/null
  t1=$(date +%s%N)
  echo "took $(((t1 - t0) / 1000000)) ms"
  (((t1 - t0) / 1000000 < 1000))
}
