#!/usr/bin/env bash
# build-rpm.sh OUTDIR -- build oxool's binary .rpm with rpmbuild from prebuilt release binaries
# (OXOOL_BIN_DIR, default target/release) and this source tree; rpm/oxool.spec takes both as
# defines. rpmbuild's tree is OUTDIR/rpmbuild. Prints the path of the .rpm on the last line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/release-inputs.sh" build-rpm "$@"
command -v rpmbuild >/dev/null || { echo "build-rpm: rpmbuild missing (apt-get install rpm / dnf install rpm-build)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/rpmbuild"
mkdir -p "$out/rpmbuild"/{BUILD,BUILDROOT,RPMS,SOURCES,SPECS,SRPMS}
rpmbuild -bb "$repo/rpm/oxool.spec" \
  --define "_topdir $out/rpmbuild" \
  --define "oxool_src $repo" \
  --define "oxool_bin $bin" >"$out/rpmbuild.log" 2>&1 ||
  { tail -n 30 "$out/rpmbuild.log" >&2; echo "build-rpm: rpmbuild failed; log: $out/rpmbuild.log" >&2; exit 1; }
rm -f "$out"/*.rpm
find "$out/rpmbuild/RPMS" -name '*.rpm' -exec mv {} "$out/" \;
ls "$out"/oxool-[0-9]*.rpm | tail -1
