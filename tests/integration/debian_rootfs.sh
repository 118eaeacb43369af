#!/bin/bash
# tests/integration/debian_rootfs.sh -- prints the path of a Debian 12
# (bookworm) root file system for the packaging tests: minbase, systemd,
# /etc/hostname and /etc/hosts (as the installer writes them), and the runtime libraries the project's .debs depend on (from
# the archive, as on any host), nothing of the project.
# Built with mmdebstrap from Debian's archive the first time (about 30 s),
# then reused: it lives under $ROOTFS_CACHE (default /var/cache/kafka-tests)
# in a directory named by a hash of the suite, mirror and package list, so a
# changed list builds a new one. The tests never write into it (they boot it
# with an overlay, or copy it).
set -euo pipefail

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PACKAGES=(
  systemd systemd-sysv dbus adduser
  libjemalloc2 librdkafka1 liblz4-1 libzstd1 libsnappy1v5 zlib1g libsystemd0
)
# what the Debian installer would have written
HOSTNAME=kafka-pkgtest
HOSTS="127.0.0.1 localhost
127.0.1.1 $HOSTNAME
::1 localhost ip6-localhost ip6-loopback"
cache=${ROOTFS_CACHE:-/var/cache/kafka-tests}
key=$(printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY" "${PACKAGES[@]}" "$HOSTS" | sha256sum | cut -c1-16)
root=$cache/rootfs-$SUITE-$key

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one build at a time; the others wait and reuse it
if [[ ! -e $root/.complete ]]; then
  rm -rf "$root" "$root.new"
  list=$(IFS=,; echo "${PACKAGES[*]}")
  mmdebstrap --quiet --variant=minbase --include="$list" "$SUITE" "$root.new" \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" \
    "deb $SECURITY $SUITE-security main" >&2
  printf '%s\n' "$HOSTS" >"$root.new/etc/hosts"
  echo "$HOSTNAME" >"$root.new/etc/hostname"
  touch "$root.new/.complete"
  mv "$root.new" "$root"
fi
echo "$root"
