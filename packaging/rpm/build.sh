#!/bin/bash
# packaging/rpm/build.sh DIST OUTDIR -- builds the binary and source RPMs
# from the source tarball DIST (make dist) with rpmbuild -ta and copies them
# to OUTDIR. `make rpm` runs it. On a host whose rpm database does not know
# the build dependencies (Debian's rpmbuild in CI) they are not checked:
# tests/install-deps.sh installed their Debian equivalents.
# RPMBUILD_OPTS adds options (e.g. --nocheck).
set -euo pipefail

dist=$1 outdir=$2
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
nodeps=()
if ! rpm -q --whatprovides rpm-build >/dev/null 2>&1; then nodeps=(--nodeps); fi
# shellcheck disable=SC2086 # RPMBUILD_OPTS is a list of options
rpmbuild -ta "${nodeps[@]}" ${RPMBUILD_OPTS:-} --define "_topdir $top" "$dist"
mkdir -p "$outdir"
find "$top/RPMS" "$top/SRPMS" -name '*.rpm' -exec cp -t "$outdir" {} +
find "$top/RPMS" "$top/SRPMS" -name '*.rpm' -printf "$outdir/%f\n"
