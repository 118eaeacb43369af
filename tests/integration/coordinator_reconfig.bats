#!/usr/bin/env bats
# Dynamic reconfiguration (reconfigEnabled=true) of our coordinator, as
# ZooKeeper 3.5+ does it: a three-server ensemble, a superuser
# (DigestAuthenticationProvider.superDigest) issuing reconfig through kazoo
# and zookeeper-shell.sh (addauth, reconfig, config): incremental and
# new-member-list forms, the version check, ZooKeeper's errors,
# /zookeeper/config and the dynamic config file, a fourth server joining,
# the leader removed, a restart on the last configuration. Every call is
# bounded: a client never hangs on a reconfig.

load test_helper

SUPER_DIGEST="super:lK75jTNcA+U9vtVEw5vB51mj/w4=" # digest of super:secret

setup_file() {
  ensemble_start 3 reconfigEnabled=true "DigestAuthenticationProvider.superDigest=$SUPER_DIGEST"
}
# servers started so far (a test adds a fourth; each test runs in its own shell)
setup() { ENS_N=$(cat "$BATS_FILE_TMPDIR/ens/count" 2>/dev/null || echo 3); }
teardown_file() { ensemble_stop; } # every server with a PID file, the fourth too
teardown() {
  if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then ens_log_tail 30; fi
}

# kz HOSTS: a kazoo scenario (stdin) as the superuser on HOSTS
kz() { timeout -k 5 60 "$PY" - "$@"; }
# zsh_super PORT: zookeeper-shell.sh commands (stdin) after addauth as the superuser
zsh_super() {
  { echo "addauth digest super:secret"; cat; } |
    timeout -k 5 60 "$REPO_ROOT/bin/zookeeper-shell.sh" "127.0.0.1:$1" 2>&1
}
spec() { # spec I [type]: server I's entry as ZooKeeper writes it
  local d
  d=$(_ens_dir "$1")
  sed -n "s/^server\.$1=\(127\.0\.0\.1:[0-9]*:[0-9]*\).*;\([0-9]*\)$/server.$1=\1:${2:-participant};127.0.0.1:\2/p" "$d/zoo.cfg.bak"
}
follower_of() { local l=$1 i; for ((i = 1; i <= 3; i++)); do [[ $i != "$l" ]] && { echo "$i"; return; }; done; }

@test "/zookeeper/config and the dynamic file show the established configuration; reconfig needs a superuser" {
  local i d version
  wait_for 20 eval 'ens_4lw 1 conf | grep -q "^version=[1-9]"'
  version=$(ens_4lw 1 conf | sed -n 's/^version=//p')
  for ((i = 1; i <= 3; i++)); do
    d=$(_ens_dir "$i")
    wait_for 10 test -f "$d/zoo.cfg.dynamic.$version"
    grep -qx "dynamicConfigFile=$d/zoo.cfg.dynamic.$version" "$d/zoo.cfg"
    run grep -c '^server\.' "$d/zoo.cfg"
    [[ $output == 0 ]]
    [[ $(grep -c '^server\.' "$d/zoo.cfg.bak") == 3 ]]
    [[ $(wc -l <"$d/zoo.cfg.dynamic.$version") == 2 && $(grep -c participant "$d/zoo.cfg.dynamic.$version") == 3 ]]
  done
  run kz "$ENS_CONNECT" "$version" <<'EOF'
import sys
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
zk = KazooClient(hosts=sys.argv[1]); zk.start(20)
data, st = zk.get("/zookeeper/config")
lines = data.decode().split("\n")
assert len(lines) == 4 and all(l.startswith("server.%d=127.0.0.1:" % (i + 1)) and ":participant;" in l
                               for i, l in enumerate(lines[:3])), lines
assert lines[3] == "version=" + sys.argv[2] and st.mzxid == int(sys.argv[2], 16) and st.version == -1, (lines, st)
assert int(sys.argv[2], 16) & 0xffffffff == 0  # epoch << 32, as ZooKeeper's first leader sets it
try:
    zk.reconfig(joining=None, leaving="3", new_members=None)
    raise SystemExit("reconfig without being a superuser")
except NoAuthError:
    pass
print("ok")
EOF
  echo "$output"
  [[ $status -eq 0 && $output == *ok ]]
  # Apache ZooKeeper's zkCli.sh (3.8) reads the same
  run env ZK_CONNECT="127.0.0.1:$(ens_port 2)" bash -c "source $BATS_TEST_DIRNAME/test_helper.bash; zkcli config"
  echo "$output"
  [[ $status -eq 0 && ${lines[-1]} == "version=$version" && $(grep -c ':participant;' <<<"$output") == 3 ]]
}

@test "kazoo: remove a follower, add it back as an observer, the version check and ZooKeeper's errors" {
  local l f
  l=$(ensemble_leader)
  f=$(follower_of "$l")
  run kz "127.0.0.1:$(ens_port "$l")" "$f" "$(spec "$f")" "$(spec "$f" observer)" <<'EOF'
import sys
from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, BadArgumentsError, MarshallingError
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", "super:secret")]); zk.start(20)
f, spec, obs = sys.argv[2], sys.argv[3], sys.argv[4]
before = zk.get("/zookeeper/config")[0].decode()
version = int(before.rsplit("version=", 1)[1], 16)
data, st = zk.reconfig(joining=None, leaving=f, new_members=None, from_config=version)
text = data.decode()
assert ("server.%s=" % f) not in text and text.count("server.") == 2, text
assert text.endswith("version=%x" % st.mzxid) and st.version == -1, (text, st)
assert zk.get("/zookeeper/config")[0] == data
for bad, exc in [(dict(leaving=f, from_config=version), BadVersionError),        # stale version
                 (dict(leaving="1,2,3"), BadArgumentsError),                    # fewer than 2 voters
                 (dict(leaving="x"), MarshallingError),                         # not a server id
                 (dict(joining="garbage"), BadArgumentsError)]:                 # not server.N=...
    try:
        zk.reconfig(joining=bad.get("joining"), leaving=bad.get("leaving"), new_members=None,
                    from_config=bad.get("from_config", -1))
        raise SystemExit("no %s for %r" % (exc.__name__, bad))
    except exc:
        pass
data, st = zk.reconfig(joining=obs, leaving=None, new_members=None)
assert obs in data.decode(), data
print("ok")
EOF
  echo "$output"
  [[ $status -eq 0 && $output == *ok ]]
  wait_for 10 eval "[[ \$(ens_mode $f) == observer ]]"
  ens_4lw "$l" mntr | grep -qx $'zk_synced_observers\t1'
  ens_4lw "$l" mntr | grep -qx $'zk_quorum_size\t2'
  # the new-member-list form makes it a participant again
  run zsh_super "$(ens_port "$f")" <<EOF
reconfig -members $(spec 1),$(spec 2),$(spec 3)
EOF
  echo "$output"
  [[ $output == *"Committed new configuration:"* ]]
  wait_for 10 eval "[[ \$(ens_mode $f) == follower ]]"
  ens_4lw "$l" mntr | grep -qx $'zk_quorum_size\t3'
}

@test "zookeeper-shell: a fourth server joins with reconfig -add; config -c; -v with a stale version" {
  local d4 port qport eport version
  d4=$(_ens_dir 4)
  mkdir -p "$d4/data" "$d4/logs"
  echo 4 >"$d4/data/myid"
  port=$(free_port) qport=$(free_port) eport=$(free_port)
  echo "$port" >"$d4/port"
  # the joiner's configuration: the current members and itself
  {
    printf '%s\n' "tickTime=200" "initLimit=10" "syncLimit=5" "dataDir=$d4/data" "clientPort=$port" \
      "clientPortAddress=127.0.0.1" "4lw.commands.whitelist=*" "reconfigEnabled=true" \
      "DigestAuthenticationProvider.superDigest=$SUPER_DIGEST"
    ZK_PORT=$(ens_port 1) zk_4lw conf | grep '^server\.'
    echo "server.4=127.0.0.1:$qport:$eport:participant;127.0.0.1:$port"
  } >"$d4/zoo.cfg"
  ensemble_launch 4
  echo 4 >"$BATS_FILE_TMPDIR/ens/count" # ENS_N of the next tests (setup)
  wait_for 20 ens_serving 4
  version=$(ens_4lw 1 conf | sed -n 's/^version=//p')
  run zsh_super "$(ens_port 1)" <<EOF
reconfig -v 1 -remove 4
reconfig -v $version -add server.4=127.0.0.1:$qport:$eport:participant;127.0.0.1:$port
config -c
EOF
  echo "$output"
  [[ $output == *"version No is not valid : "* ]]
  [[ $output == *"Committed new configuration:"*"server.4=127.0.0.1:$qport:$eport:participant;127.0.0.1:$port"* ]]
  [[ $output == *"127.0.0.1:$port"* ]]
  grep -Eq "^[0-9a-f]+ (127\.0\.0\.1:[0-9]+,){3}127\.0\.0\.1:$port$" <<<"$output"
  local l
  l=$(ensemble_leader)
  wait_for 10 eval "ens_4lw $l mntr | grep -qx \$'zk_synced_followers\t3'"
  ens_4lw "$l" mntr | grep -qx $'zk_quorum_size\t4'
  # the joiner's own files follow the new configuration
  grep -q "^dynamicConfigFile=$d4/zoo.cfg.dynamic." "$d4/zoo.cfg"
  run kz "127.0.0.1:$port" <<'EOF'
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start(20)
zk.create("/joined", b"4")
print(zk.get("/zookeeper/config")[0].decode().count("server."))
EOF
  [[ $status -eq 0 && ${lines[-1]} == 4 ]]
}

@test "the leader removed: it steps down, the others elect a leader, writes go on; every call answers" {
  local l others
  l=$(ensemble_leader)
  others=$(for ((i = 1; i <= ENS_N; i++)); do [[ $i != "$l" ]] && printf '127.0.0.1:%s,' "$(ens_port "$i")"; done)
  run kz "${others%,}" "$l" <<'EOF'
import sys, time
from kazoo.client import KazooClient
from kazoo.exceptions import ConnectionLoss
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", "super:secret")], timeout=10); zk.start(20)
t = time.time()
try:
    data, st = zk.reconfig(joining=None, leaving=sys.argv[2], new_members=None)
    print("answered", data.decode().count("server."))
except ConnectionLoss:
    print("connection loss")  # ZooKeeper's answer too when the leader goes
zk.retry(zk.create, "/after-leader-removed", b"x")
cfg = zk.get("/zookeeper/config")[0].decode()
assert ("server.%s=" % sys.argv[2]) not in cfg, cfg
print("ok %.2f s" % (time.time() - t))
EOF
  echo "$output"
  [[ $status -eq 0 && ${lines[-1]} == ok* ]]
  note "leader $l removed: ${lines[-1]}"
  local nl
  nl=$(ensemble_leader)
  [[ -n $nl && $nl != "$l" ]]
  wait_for 10 eval "[[ \$(ens_mode $l) == follower ]]" # kept as a non-voting follower, as ZooKeeper does
  ens_4lw "$nl" mntr | grep -qx $'zk_quorum_size\t3'
}

@test "restarted, every server comes back with the last configuration" {
  local i before
  before=$(ZK_PORT=$(ens_port "$(ensemble_leader)") zk_4lw conf | sed -n '/^membership:/,$p')
  local l
  l=$(ensemble_leader)
  for ((i = 1; i <= ENS_N; i++)); do
    [[ $(ens_mode "$i") == follower && ! $(ens_4lw "$l" conf) =~ server\.$i= ]] && continue # the removed one
    stop_pid "$(ens_pid "$i")" "coordinator $i" 10
    rm -f "$(_ens_dir "$i")/pid"
  done
  for ((i = 1; i <= ENS_N; i++)); do
    pid_alive "$(ens_pid "$i")" || ensemble_launch "$i"
  done
  wait_for 30 ensemble_leader
  l=$(ensemble_leader)
  [[ $(ZK_PORT=$(ens_port "$l") zk_4lw conf | sed -n '/^membership:/,$p') == "$before" ]]
  run kz "127.0.0.1:$(ens_port "$l")" <<'EOF'
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start(20)
assert zk.exists("/after-leader-removed") and zk.exists("/joined")
print("ok")
EOF
  [[ $status -eq 0 && $output == *ok ]]
}

# reconfig_error HOSTS: the kazoo exception a superuser's reconfig gets
reconfig_error() {
  kz "$1" <<'EOF'
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", "super:secret")]); zk.start(20)
try:
    zk.reconfig(joining=None, leaving="1", new_members=None)
    print("answered")
except Exception as e:  # noqa: BLE001
    print(type(e).__name__)
zk.create("/still-serving-%d" % zk.client_id[0])
EOF
}

@test "standalone: reconfig is NoAuth without a superuser, Unimplemented with one (skipACL)" {
  coord_start reconfigEnabled=true
  run reconfig_error "$ZK_CONNECT"
  [[ $output == NoAuthError ]]
  coord_restart reconfigEnabled=true skipACL=yes
  run reconfig_error "$ZK_CONNECT"
  [[ $output == UnimplementedError ]]
  zk_stop
}
