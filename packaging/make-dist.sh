#!/bin/bash
# packaging/make-dist.sh VERSION RELEASE OUT -- writes the source tarball OUT
# (kafka-VERSION.tar.gz): the source tree (the files git tracks, plus new
# ones it does not ignore; every file when there is no git) under
# kafka-VERSION/, with kafka.spec at its top made from
# packaging/rpm/kafka.spec.in (version, release, changelog date), so that
# `rpmbuild -ta OUT` builds the RPMs anywhere. `make dist` runs it.
set -euo pipefail

version=$1 release=$2 out=$3
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=kafka-$version
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$top" "$(dirname "$out")"

list_sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard
  else
    find . -path ./build -prune -o -path '*/node_modules' -prune -o -type f -printf '%P\0'
  fi
}
# tracked files deleted in the work tree are left out
list_sources | while IFS= read -r -d '' f; do
  if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
done | tar --null -T - -cf - | tar -C "$stage/$top" -xf -

# the changelog date is the last commit's, so two builds of one tree agree
date=$(git log -1 --format=%cd --date=format:'%a %b %d %Y' 2>/dev/null || date +'%a %b %d %Y')
sed -e "s/@VERSION@/$version/g" -e "s/@RELEASE@/$release/g" -e "s/@DATE@/$date/g" \
  packaging/rpm/kafka.spec.in >"$stage/$top/kafka.spec"

tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -czf "$out" "$top"
echo "$out"
