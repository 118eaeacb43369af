#!/bin/bash
# packaging/deb/build.sh DIST VERSION RELEASE OUTDIR -- builds the .debs from
# the source tarball DIST (make dist): unpacks it, makes debian/ from
# packaging/deb/ with a changelog entry for VERSION-RELEASE, runs
# dpkg-buildpackage -b and copies the .debs to OUTDIR. `make deb` runs it.
# DEB_BUILD_OPTIONS is passed on (e.g. nocheck).
set -euo pipefail

dist=$1 version=$2 release=$3 outdir=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$dist"
src=$work/kafka-$version
cp -r "$src/packaging/deb" "$src/debian"
maintainer=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
# the changelog date is that of the tarball's newest file, so two builds of
# one tree agree
stamp=$(find "$src" -type f -printf '%T@\n' | sort -n | tail -1)
cat >"$src/debian/changelog" <<CHANGES
kafka ($version-$release) unstable; urgency=medium

  * Built from the project's source tree (version from its VERSION file).

 -- $maintainer  $(date -R -d "@${stamp%.*}")
CHANGES
(cd "$src" && dpkg-buildpackage -b -us -uc)
mkdir -p "$outdir"
for f in "$work"/*.deb; do
  cp "$f" "$outdir/"
  echo "$outdir/$(basename "$f")"
done
