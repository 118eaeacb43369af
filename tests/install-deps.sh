#!/usr/bin/env bash
# tests/install-deps.sh -- installs everything the build and the tests need.
#
# This is the ONE place that lists the project's Debian packages; .ci/run and
# the README both call it.  It is idempotent: when every package is already
# installed it does not touch apt at all, and it only runs `npm ci` when
# tests/clients/node_modules does not match package-lock.json.
#
#   tests/install-deps.sh            apt packages + npm modules for tests/clients
#   tests/install-deps.sh --no-npm   apt packages only
#
# Debian 12 (bookworm).  Needs root (or sudo) only when something is missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# --- build -----------------------------------------------------------------
# clang + libclang-rt-14-dev: `make fuzz` (libFuzzer and the sanitizer
#   runtimes for clang 14; tests/fuzz/).
BUILD_PKGS=(
  gcc make pkg-config
  libjemalloc-dev librdkafka-dev liblz4-dev libzstd-dev libsnappy-dev
  zlib1g-dev libsystemd-dev libzookeeper-mt-dev
  clang libclang-rt-14-dev
)
# --- integration tests -----------------------------------------------------
# zookeeper: Apache ZooKeeper 3.8 jars (/usr/share/java/zookeeper.jar), started
#   by tests/integration/test_helper.bash with java directly.
# kcat, python3-kafka (kafka-python 2.0.2), python3-confluent-kafka (1.7.0 on
#   librdkafka 2.0.2), kafkajs (npm, see tests/clients/package.json): the real
#   clients the broker is tested with.
# python3-snappy / python3-lz4 / python3-zstandard: the optional codecs that
#   kafka-python imports (snappy, lz4.frame, zstandard); without them
#   kafka-python can only do gzip.  librdkafka has all four built in.
# python3-kazoo: tests read the broker's registration out of ZooKeeper.
# jq: tests/integration/cluster_helper.bash reads partition state znodes (JSON).
# iproute2 (ip netns, veth, bridge) and util-linux (nsenter): the network
#   partition test (tests/integration/coordinator_partition.bats).
# e2fsprogs (mkfs.ext4) and mount (losetup, mount): the failing data
#   directories of tests/integration/log_dir_failure.bats (an ext4 loop
#   filesystem shut down under the broker, a read-only tmpfs) and the slow
#   disk of tests/integration/slow_disk_helper.bash (an ext4 loop device
#   whose writes a blkio cgroup throttles).
# dpkg-dev, debhelper, rpm (rpmbuild), rpm2cpio, cpio, lintian, rpmlint:
#   `make deb`, `make rpm` and their checks (tests/integration/packaging.bats);
#   mmdebstrap and systemd-container (systemd-nspawn): the Debian 12
#   container the .debs are installed in (packaging_container.bats).
# ansible (7.7, ansible-core 2.14), ansible-lint, yamllint: the playbooks and
#   roles (inventory/, playbooks/, roles/) and their lint test
#   (tests/integration/ansible_lint.bats); mmdebstrap and systemd-container
#   also make the seven-host lab (scripts/lab.sh, make lab, tests/lab/).
TEST_PKGS=(
  bats ca-certificates coreutils procps iproute2 util-linux shellcheck jq e2fsprogs mount
  zookeeper default-jre-headless
  kcat
  python3 python3-kafka python3-confluent-kafka python3-kazoo
  python3-snappy python3-lz4 python3-zstandard
  dpkg-dev debhelper rpm rpm2cpio cpio lintian rpmlint mmdebstrap systemd-container
  ansible ansible-lint yamllint
)

want_npm=1
for arg in "$@"; do
  case $arg in
    --no-npm) want_npm=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done
# Node.js: any node >= 14 will do (kafkajs 2.2.4).  Some images carry a
# nodejs build that bundles npm and conflicts with Debian's npm package, so
# only ask apt for what is really absent.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

if ((want_npm)); then
  clients="$here/clients"
  lock="$clients/package-lock.json"
  stamp="$clients/node_modules/.package-lock.json"
  # npm writes node_modules/.package-lock.json; when it matches the committed
  # lock for every package, the tree is current.
  if [[ -f $stamp ]] && /usr/bin/python3 - "$lock" "$stamp" <<'EOF'
import json, sys
want = json.load(open(sys.argv[1]))["packages"]
have = json.load(open(sys.argv[2]))["packages"]
ok = all(have.get(k, {}).get("version") == v.get("version") for k, v in want.items() if k)
sys.exit(0 if ok else 1)
EOF
  then
    echo "install-deps: tests/clients/node_modules up to date"
  else
    echo "install-deps: npm ci in tests/clients"
    (cd "$clients" && npm ci --no-audit --no-fund)
  fi
fi
