#!/bin/bash
# scripts/lab.sh -- the seven hosts of inventory/foo.bar on one machine.
#
#   scripts/lab.sh up      (make lab)       build the .debs, boot the seven
#                          containers, run playbooks/site.yml from peter-ansible01
#   scripts/lab.sh down    (make lab-down)  power them off, remove the namespace
#   scripts/lab.sh run CMD...               run CMD on peter-ansible01 (in /srv/kafka-ansible)
#   scripts/lab.sh ssh HOST [CMD...]        a shell (or CMD) on HOST, as root
#   scripts/lab.sh reboot HOST              `systemctl reboot` on HOST; waits until
#                                           it is booted again and answers ssh
#   scripts/lab.sh exec CMD...              CMD on this machine inside the lab's
#                                           network (the operator's workstation,
#                                           10.213.0.1), the hosts' names resolving
#   scripts/lab.sh rootfs                   only build (or find) the cached root
#
# Each host is a booted Debian 12 container (systemd-nspawn --boot) on an
# overlay of one cached root file system, attached to the bridge kbr0 of a
# private network namespace "lab" (10.213.0.0/24, the bridge is 10.213.0.1,
# the operator's workstation of the inventory). Addresses come from
# inventory/foo.bar/host_vars; each container gets them from a .network file
# (systemd-networkd) that replaces Debian's DHCP one for containers. The lab
# makes an ssh key; its public half is root's authorized key on every host,
# its private half is root's key on peter-ansible01, which has ansible-core
# (from Debian's archive, in the cached root) and runs the playbooks over ssh.
# Needs root, systemd-container and mmdebstrap (tests/install-deps.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_DIR=${LAB_DIR:-/var/lib/kafka-lab}
ROOTFS_CACHE=${ROOTFS_CACHE:-/var/cache/kafka-lab}
NETNS=lab
BRIDGE=kbr0
BRIDGE_ADDR=10.213.0.1/24
INVENTORY=inventory/foo.bar
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# What every host has before Ansible runs: a booted systemd with sshd and
# python3 (Ansible's needs), what roles/common installs (nftables,
# systemd-timesyncd: the containers have no route to Debian's archive), the
# runtime libraries of the project's .debs, and ansible-core for the
# control host.
PACKAGES=(
  systemd systemd-sysv dbus openssh-server openssh-client python3 python3-apt
  iproute2 procps adduser nftables systemd-timesyncd ansible-core
  libjemalloc2 librdkafka1 liblz4-1 libzstd1 libsnappy1v5 zlib1g libsystemd0
)

die() { echo "lab: $*" >&2; exit 1; }
log() { echo "lab: $*" >&2; }

# rootfs: prints the cached root's path, building it the first time (its
# directory name is a hash of the suite, mirrors and package list).
rootfs() {
  local key root list
  key=$(printf '%s\n' bookworm "$MIRROR" "$SECURITY" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
  root=$ROOTFS_CACHE/rootfs-$key
  mkdir -p "$ROOTFS_CACHE"
  exec 9>"$ROOTFS_CACHE/.lock"
  flock 9
  if [[ ! -e $root/.complete || ! -e $root/etc/os-release ]]; then
    rm -rf "$root" "$root.new"
    list=$(IFS=,; echo "${PACKAGES[*]}")
    log "building the Debian 12 root in $root (once)"
    # a download from the archive can fail once in a while: three tries.
    # Under bats, apt's download fails unless stdin and bats' fd 3 are
    # closed to it (seen in CI: "apt download failed").
    local try
    for try in 1 2 3; do
      rm -rf "$root.new"
      # shellcheck disable=SC2016 # "$1" is the hook's argument, not ours
      mmdebstrap --quiet --variant=minbase --include="$list" \
        --customize-hook='chroot "$1" systemctl enable systemd-networkd ssh' \
        --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
        bookworm "$root.new" \
        "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
        "deb $SECURITY bookworm-security main" >&2 </dev/null 3>&- && break
      ((try < 3)) || die "mmdebstrap failed three times (the Debian archive at $MIRROR?)"
      log "mmdebstrap failed (try $try of 3); again in 10 s"
      sleep 10
    done
    [[ -e $root.new/etc/os-release ]] || die "mmdebstrap left no root in $root.new"
    touch "$root.new/.complete"
    mv "$root.new" "$root"
  fi
  exec 9>&-
  echo "$root"
}


# hosts: "NAME ADDRESS" per inventory host, from inventory/foo.bar/host_vars.
hosts() {
  local f name
  for f in "$repo/$INVENTORY"/host_vars/*.yml; do
    name=$(basename "$f" .yml)
    echo "${name%%.*} $(sed -n 's/^address: *//p' "$f")"
  done
}

address_of() { hosts | awk -v h="${1%%.*}" '$1 == h { print $2 }'; }

in_lab() { nsenter --net="/run/netns/$NETNS" "$@"; }

ssh_to() {
  local addr=$1
  shift
  in_lab ssh -q -i "$LAB_DIR/ssh/id_ed25519" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o BatchMode=yes "root@$addr" "$@"
}

# newest DIR GLOB: the newest file of DIR matching GLOB.
newest() { find "$1" -maxdepth 1 -name "$2" -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-; }

# packages: the .debs of `make deb` in $LAB_DIR/packages as kafka.deb and
# kafka-zookeeper.deb (the names the inventory's group_vars expect). A tree
# without `make deb` yet can give a directory of built .debs in LAB_DEBS.
packages() {
  local out=$LAB_DIR/packages src t0=$SECONDS
  mkdir -p "$out"
  if [[ -n ${LAB_DEBS:-} ]]; then
    src=$LAB_DEBS
  elif make -C "$repo" -n deb >/dev/null 2>&1; then
    src=$LAB_DIR/build-debs
    rm -rf "$src"
    log "building the packages (make deb)"
    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" make -C "$repo" -s deb PKG_DIR="$src" >"$LAB_DIR/make-deb.log" 2>&1 ||
      { tail -30 "$LAB_DIR/make-deb.log" >&2; die "make deb failed (log: $LAB_DIR/make-deb.log)"; }
  else
    die "this tree has no 'make deb' yet: give built .debs with LAB_DEBS=DIR"
  fi
  local kafka zk
  kafka=$(newest "$src" 'kafka_*.deb')
  zk=$(newest "$src" 'kafka-zookeeper_*.deb')
  [[ -n $kafka && -n $zk ]] || die "no kafka_*.deb and kafka-zookeeper_*.deb in $src"
  cp "$kafka" "$out/kafka.deb"
  cp "$zk" "$out/kafka-zookeeper.deb"
  log "packages: $(basename "$kafka") $(basename "$zk") (in $((SECONDS - t0)) s)"
}

# network: the namespace with its bridge, and /etc/netns/$NETNS/hosts (what
# `ip netns exec` shows as /etc/hosts there) naming the inventory's hosts.
network() {
  local name addr
  mkdir -p "/etc/netns/$NETNS"
  {
    printf '127.0.0.1 localhost\n'
    while read -r name addr; do echo "$addr $name.${INVENTORY##*/} $name"; done < <(hosts)
  } >"/etc/netns/$NETNS/hosts"
  if [[ ! -e /run/netns/$NETNS ]]; then
    ip netns add "$NETNS"
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" link add "$BRIDGE" type bridge
    ip -n "$NETNS" addr add "$BRIDGE_ADDR" dev "$BRIDGE"
    ip -n "$NETNS" link set "$BRIDGE" up
  fi
}

keys() {
  mkdir -p "$LAB_DIR/ssh"
  [[ -e $LAB_DIR/ssh/id_ed25519 ]] ||
    ssh-keygen -q -t ed25519 -N '' -C kafka-lab -f "$LAB_DIR/ssh/id_ed25519"
}

# prepare NAME ADDRESS: the host's own files in its overlay's upper layer
# (first boot only): hostname, static address, ssh host keys, root's keys.
prepare() {
  local name=$1 addr=$2 up=$LAB_DIR/hosts/$1/upper
  [[ -e $up/.prepared ]] && return 0
  mkdir -p "$up/etc/systemd/network" "$up/etc/ssh" "$up/root/.ssh"
  echo "$name" >"$up/etc/hostname"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$up/etc/hosts"
  # same name as Debian's DHCP file for containers, so it replaces it
  cat >"$up/etc/systemd/network/80-container-host0.network" <<NET
[Match]
Virtualization=container
Name=host0

[Network]
Address=$addr/${BRIDGE_ADDR#*/}
LinkLocalAddressing=no
NET
  ssh-keygen -q -A -f "$up"
  chmod 700 "$up/root" "$up/root/.ssh"
  cp "$LAB_DIR/ssh/id_ed25519.pub" "$up/root/.ssh/authorized_keys"
  if [[ $name == peter-ansible01 ]]; then
    cp "$LAB_DIR/ssh/id_ed25519" "$up/root/.ssh/id_ed25519"
  fi
  touch "$up/.prepared"
}

# A host's container runs under a loop (its pid in boot.pid) that boots it
# again when it reboots (`systemctl reboot` inside: systemd-nspawn exits
# with 133); the current systemd-nspawn's pid is in nspawn.pid. Any other
# end (a poweroff, `lab.sh down`) ends the loop.
running() {
  local pid
  pid=$(cat "$LAB_DIR/hosts/$1/boot.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}

boot() {
  local name=$1 root=$2 dir=$LAB_DIR/hosts/$1 extra=()
  running "$name" && return 0
  if [[ $name == peter-ansible01 ]]; then
    extra=(--bind-ro="$repo:/srv/kafka-ansible" --bind-ro="$LAB_DIR/packages:/srv/packages")
  fi
  # the container outlives this script: it keeps none of its caller's
  # descriptors (bats waits for every holder of its output pipe to close it)
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec setsid "$repo/scripts/lab.sh" boot-loop "$name" "$root" "${extra[@]}" \
      </dev/null >>"$dir/console.log" 2>&1
  ) &
  echo $! >"$dir/boot.pid"
}

# boot_loop NAME ROOT [NSPAWN-OPTIONS...]: the loop of boot(), in a session
# of its own (lab.sh boot-loop, started by boot()).
boot_loop() {
  local name=$1 root=$2 dir=$LAB_DIR/hosts/$1 rc boots=0
  shift 2
  while :; do
    boots=$((boots + 1))
    echo "lab: boot $boots of $name ($(date -u +%FT%TZ))"
    nsenter --net="/run/netns/$NETNS" systemd-nspawn --quiet -D "$root" \
      --overlay="$root:$dir/upper:/" --register=no --keep-unit -M "$name" \
      --network-bridge="$BRIDGE" "$@" --boot &
    echo $! >"$dir/nspawn.pid"
    rc=0
    wait $! || rc=$?
    echo "lab: $name's systemd-nspawn exited with $rc ($(date -u +%FT%TZ))"
    ((rc == 133)) || break # 133: the container rebooted
  done
}

# reboot HOST: `systemctl reboot` on HOST, then waits for its container to
# have booted again (another systemd-nspawn) and to answer ssh.
reboot_host() {
  local name=${1%%.*} addr old t0=$SECONDS
  addr=$(address_of "$name")
  [[ -n $addr ]] || die "no host $1 in $INVENTORY"
  running "$name" || die "$name is not running (make lab)"
  old=$(cat "$LAB_DIR/hosts/$name/nspawn.pid")
  ssh_to "$addr" systemctl reboot || true # the connection may end with it
  for _ in $(seq 1200); do
    [[ $(cat "$LAB_DIR/hosts/$name/nspawn.pid") != "$old" ]] && break
    running "$name" || die "$name powered off instead of rebooting"
    sleep 0.1
  done
  [[ $(cat "$LAB_DIR/hosts/$name/nspawn.pid") != "$old" ]] || die "$name did not reboot within 120 s"
  log "$name rebooted (its container exited after $((SECONDS - t0)) s)"
  wait_ssh "$name" "$addr"
  log "$name answers ssh $((SECONDS - t0)) s after the reboot command"
}

wait_ssh() {
  local name=$1 addr=$2
  for _ in $(seq 120); do
    ssh_to "$addr" true 2>/dev/null && return 0
    running "$name" || { tail -20 "$LAB_DIR/hosts/$name/console.log" >&2; die "$name stopped"; }
    sleep 1
  done
  die "$name ($addr) answers no ssh after 120 s"
}

# run CMD...: on peter-ansible01, in the repository (bind-mounted read-only).
run_on_control() {
  ssh_to "$(address_of peter-ansible01)" "cd /srv/kafka-ansible && $*"
}

up() {
  local t0=$SECONDS root name addr
  packages
  root=$(rootfs)
  network
  keys
  while read -r name addr; do
    prepare "$name" "$addr"
    boot "$name" "$root"
  done < <(hosts)
  while read -r name addr; do
    wait_ssh "$name" "$addr"
  done < <(hosts)
  log "seven hosts up in $((SECONDS - t0)) s; running site.yml on peter-ansible01"
  local t1=$SECONDS
  run_on_control ansible-playbook -i inventory/foo.bar/hosts playbooks/site.yml
  log "site.yml converged in $((SECONDS - t1)) s (lab total $((SECONDS - t0)) s)"
  cat <<HOWTO

The lab is up: seven hosts in network namespace "$NETNS" (10.213.0.0/24).
  a shell on a host:     scripts/lab.sh ssh peter-kafka01
  (or by hand:           nsenter --net=/run/netns/$NETNS ssh -i $LAB_DIR/ssh/id_ed25519 root@$(address_of peter-kafka01))
  run a playbook again:  scripts/lab.sh run ansible-playbook -i inventory/foo.bar/hosts playbooks/site.yml
  tear it down:          make lab-down
HOWTO
}

down() {
  local name addr pid
  while read -r name addr; do
    # the boot loop first, so that it boots nothing again
    pid=$(cat "$LAB_DIR/hosts/$name/boot.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
    pid=$(cat "$LAB_DIR/hosts/$name/nspawn.pid" 2>/dev/null) || continue
    kill -TERM "$pid" 2>/dev/null || true # the container powers off
  done < <(hosts)
  while read -r name addr; do
    for f in boot nspawn; do
      pid=$(cat "$LAB_DIR/hosts/$name/$f.pid" 2>/dev/null) || continue
      for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "$pid" 2>/dev/null || true
    done
  done < <(hosts)
  rm -rf "$LAB_DIR/hosts"
  if [[ -e /run/netns/$NETNS ]]; then ip netns del "$NETNS"; fi
  rm -rf "/etc/netns/$NETNS"
  log "lab down"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  rootfs) rootfs ;;
  run) shift; run_on_control "$@" ;;
  boot-loop) shift; boot_loop "$@" ;;
  reboot)
    [[ -n ${2:-} ]] || die "usage: $0 reboot HOST"
    reboot_host "$2"
    ;;
  exec)
    shift
    [[ -e /run/netns/$NETNS ]] || die "the lab is not up (make lab)"
    network
    exec ip netns exec "$NETNS" "$@"
    ;;
  ssh)
    [[ -n ${2:-} ]] || die "usage: $0 ssh HOST [CMD...]"
    addr=$(address_of "$2")
    [[ -n $addr ]] || die "no host $2 in $INVENTORY"
    shift 2
    if (($# == 0)); then
      in_lab ssh -i "$LAB_DIR/ssh/id_ed25519" -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null "root@$addr"
    else
      ssh_to "$addr" "$@"
    fi
    ;;
  *) die "usage: $0 up|down|run CMD...|ssh HOST [CMD...]|exec CMD...|reboot HOST|rootfs" ;;
esac
