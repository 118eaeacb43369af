#!/bin/bash
# scripts/build-previous-debs.sh [REF] -- the .debs of an older commit (the
# "previous release" an upgrade test starts from), built from git history
# and cached; prints the directory that holds them.
#
# REF defaults to PREVIOUS_REF below: the one place that names the previous
# build. It is main just before the produce pipelining (c714088): a broker
# whose acks=all Produce requests queue one behind the other on a connection,
# so an upgrade from it changes what the brokers do, and packages laid out as
# today's (same units, users, conffiles). Move it forward when a release
# changes something an upgrade must carry over.
#
# The commit is exported with `git archive` into a temporary directory and
# built there with `make deb`, version <its VERSION>~prev<short sha>-1: the
# tilde sorts it below this tree's VERSION-RELEASE (checked), so installing
# this tree's packages over it is an upgrade. The packages are kept in
# $BUILD/previous-debs/<full sha>/ (BUILD defaults to build/); a second call
# only prints that directory. The build log is there too (build.log).
#
# Needs the repository's history (a clone, not a shallow one, or one deep
# enough to hold REF): without REF it stops saying so. Takes a few minutes
# on two cores the first time (the packages' unit-test step is skipped:
# nocheck).
set -euo pipefail

PREVIOUS_REF=8cd5a051885f2d9e359febbddf4fa2e83503f9b6

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "build-previous-debs: $*" >&2; exit 1; }
log() { echo "build-previous-debs: $*" >&2; }

ref=${1:-$PREVIOUS_REF}
git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 ||
  die "$repo is not a git checkout: the previous build is made from its history"
sha=$(git -C "$repo" rev-parse --verify --quiet "$ref^{commit}") ||
  die "commit $ref is not in this checkout's history ($(git -C "$repo" rev-parse --is-shallow-repository 2>/dev/null | sed 's/true/a shallow clone: fetch with --unshallow/;s/false/not a shallow clone/')); cannot build the previous packages"
short=${sha:0:7}
prev_version=$(git -C "$repo" show "$sha:VERSION")~prev$short
release=1
cur=$(cat "$repo/VERSION")-${RELEASE:-1}
dpkg --compare-versions "$prev_version-$release" lt "$cur" ||
  die "$prev_version-$release (from $short) does not sort below this tree's $cur: not an upgrade"

build=${BUILD:-build}
[[ $build == /* ]] || build=$repo/$build
out=$build/previous-debs/$sha
if [[ -e $out/.complete ]]; then
  echo "$out"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out" "$work/src"
log "building the packages of $short ($prev_version-$release) in $work (log: $out/build.log)"
git -C "$repo" archive --format=tar "$sha" | tar -C "$work/src" -xf -
# the export is no git work tree (make dist lists its files itself);
# GIT_DIR keeps git from finding a repository above a TMPDIR inside one
t0=$SECONDS
if ! GIT_DIR=/nonexistent DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
  make -C "$work/src" -s deb VERSION="$prev_version" RELEASE=$release PKG_DIR="$work/debs" \
  >"$out/build.log" 2>&1; then
  tail -40 "$out/build.log" >&2
  die "make deb of $short failed (log: $out/build.log)"
fi
for p in kafka kafka-zookeeper; do
  f=$(find "$work/debs" -maxdepth 1 -name "${p}_${prev_version}-${release}_*.deb" | head -1)
  [[ -n $f ]] || die "make deb of $short made no ${p}_${prev_version}-${release}_*.deb"
  cp "$f" "$out/"
done
touch "$out/.complete"
log "built in $((SECONDS - t0)) s: $(cd "$out" && echo *.deb)"
echo "$out"
