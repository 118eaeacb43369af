# shellcheck shell=bash
# tests/integration/netns_helper.bash -- a private network of network
# namespaces for the partition tests (needs root: ip netns, veth, bridge).
#
#   namespace <P>-h   bridge br0 10.77.0.100/24 with ports b1..bN: the hub,
#                     where a test runs its clients (and ZooKeeper, if any)
#   namespace <P>-I   eth0 10.77.0.I/24 (veth peer of bI), lo: member I
#
# <P> = <tag>-<pid>-<random>.  Nothing is added to the root network
# namespace, so addresses cannot clash with the host or with another run.
# Cutting member I off (netns_cut I) takes its bridge port down: its packets
# are dropped (no RST, no EOF), as with a pulled cable; inside its own
# namespace it still reaches its own address and loopback.
#
# Usage in a .bats file:
#
#   load netns_helper
#   setup_file()    { netns_setup zkp 3; ... }
#   teardown_file() { ...stop the servers...; netns_cleanup; }
#
# State: $BATS_FILE_TMPDIR/netns/prefix and /namespaces (every namespace
# created, for netns_cleanup, which deletes them by name).

_netns_dir() { echo "$BATS_FILE_TMPDIR/netns"; }
netns_prefix() { cat "$(_netns_dir)/prefix"; }
# netns_ready: netns_setup has made the network (and netns_cleanup has not
# removed it).
netns_ready() { [[ -s $(_netns_dir)/namespaces ]]; }

# netns_name I|h: the namespace of member I, or of the hub.
netns_name() { echo "$(netns_prefix)-$1"; }
# netns_addr I|h: member I's address on the bridge (h: the hub's own).
netns_addr() {
  if [[ $1 == h ]]; then echo 10.77.0.100; else echo "10.77.0.$1"; fi
}

# in_ns I|h COMMAND...: run COMMAND in that namespace (nsenter execs it).
in_ns() {
  local ns
  ns=$(netns_name "$1")
  shift
  nsenter --net="/run/netns/$ns" "$@"
}

# netns_cut I / netns_heal I: take member I's bridge port down / up.
netns_cut() { ip -n "$(netns_name h)" link set "b$1" down; }
netns_heal() { ip -n "$(netns_name h)" link set "b$1" up; }

# _netns_add NAME: create a namespace (lo up) and record it for cleanup.
_netns_add() {
  echo "$1" >>"$(_netns_dir)/namespaces"
  ip netns add "$1"
  ip -n "$1" link set lo up
}

# netns_setup TAG N: the hub with its bridge and members 1..N, each linked
# to the bridge by a veth pair.
netns_setup() {
  local tag=$1 n=$2 dir hub i
  dir=$(_netns_dir)
  mkdir -p "$dir"
  echo "$tag-$$-$RANDOM" >"$dir/prefix"
  hub=$(netns_name h)
  _netns_add "$hub"
  ip -n "$hub" link add br0 type bridge
  ip -n "$hub" link set br0 up
  ip -n "$hub" addr add "$(netns_addr h)/24" dev br0
  for ((i = 1; i <= n; i++)); do
    _netns_add "$(netns_name "$i")"
    ip -n "$hub" link add "b$i" type veth peer name eth0 netns "$(netns_name "$i")"
    ip -n "$hub" link set "b$i" master br0
    ip -n "$hub" link set "b$i" up
    ip -n "$(netns_name "$i")" addr add "$(netns_addr "$i")/24" dev eth0
    ip -n "$(netns_name "$i")" link set eth0 up
  done
}

# netns_cleanup: kill whatever still runs in this run's namespaces (only
# this run's processes can be there: stop servers gracefully before), then
# delete the namespaces by name, which destroys the veths and the bridge.
# Idempotent; says so if a namespace could not be deleted.
netns_cleanup() {
  local dir ns pid
  dir=$(_netns_dir)
  [[ -f $dir/namespaces ]] || return 0
  while read -r ns; do
    [[ -n $ns ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
      wait_pid_exit "$pid" 5 || true
    done
    ip netns del "$ns" 2>/dev/null || true
  done <"$dir/namespaces"
  while read -r ns; do
    [[ -n $ns ]] || continue
    if [[ -e /run/netns/$ns ]]; then echo "netns_cleanup: could not delete namespace $ns" >&2; fi
  done <"$dir/namespaces"
  rm -f "$dir/namespaces"
}
