# shellcheck shell=bash
# tests/integration/packaging_helper.bash -- shared by packaging.bats and
# packaging_container.bats (load it after test_helper).

PKG_VERSION=$(cat "$REPO_ROOT/VERSION")
PKG_ARCH_RPM=$(uname -m)
PKG_ARCH_DEB=$(dpkg --print-architecture)

# build_packages OUTDIR RELEASE FORMAT...: `make FORMAT` (rpm, deb) for
# release RELEASE into OUTDIR. The packages' own unit-test step is skipped
# (nocheck): CI runs `make unit` anyway. The build's output goes to
# OUTDIR/build-FORMAT-RELEASE.log, shown if it fails.
build_packages() {
  local out=$1 release=$2 fmt log
  shift 2
  mkdir -p "$out"
  for fmt in "$@"; do
    log=$out/build-$fmt-$release.log
    if ! DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" RPMBUILD_OPTS=--nocheck \
      make -C "$REPO_ROOT" -s "$fmt" RELEASE="$release" PKG_DIR="$out" >"$log" 2>&1; then
      tail -40 "$log" >&2
      return 1
    fi
  done
}

# rpm_of NAME RELEASE / deb_of NAME RELEASE: a built package's file name.
rpm_of() { echo "$1-$PKG_VERSION-$2.$PKG_ARCH_RPM.rpm"; }
deb_of() { echo "${1}_$PKG_VERSION-${2}_$PKG_ARCH_DEB.deb"; }

# debian_rootfs: the cached Debian 12 root (see debian_rootfs.sh).
debian_rootfs() { "$TESTS_DIR/integration/debian_rootfs.sh"; }
