#!/usr/bin/env bash
# build-deb.sh OUTDIR -- build oxool's .deb with debhelper from prebuilt release binaries.
#
# dpkg-buildpackage writes its results next to the source tree, so the packaging inputs
# (debian/, units/, apparmor/, docs/man/, the HAProxy example, etc/oxool.toml, mk/, the seed profile and the
# binaries from OXOOL_BIN_DIR, default target/release) are staged in OUTDIR/src/oxool-VERSION
# and built there: the repository and its parent stay untouched, and debian/rules never sees
# the developers' Makefile. Prints the path of the .deb on the last line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/release-inputs.sh" build-deb "$@"
for tool in dpkg-buildpackage dh; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool missing (apt-get install dpkg-dev debhelper)" >&2; exit 1; }
done
version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$out/src/oxool-$version
rm -rf "$out/src" && mkdir -p "$stage/target/release" "$stage/docs" "$stage/tests/fixtures"
cp -a "$repo/debian" "$repo/units" "$repo/apparmor" "$repo/etc" "$repo/mk" "$repo/browser" "$stage/"
cp -a "$repo/docs/man" "$repo/docs/haproxy" "$repo/docs/cluster.md" "$stage/docs/"
cp -a "$repo/tests/fixtures/seed-profile" "$stage/tests/fixtures/"
for b in oxool-wsd oxool-forkit oxool-systemplate-setup oxoolctl; do
  [ -x "$bin/$b" ] && cp -a "$bin/$b" "$stage/target/release/"
done
# -d: the Build-Depends name Debian's cargo/rustc; the binaries are prebuilt (and often built
# with rustup's toolchain), so they are not needed here.
(cd "$stage" && dpkg-buildpackage -b -us -uc -d) >"$out/dpkg-buildpackage.log" 2>&1 ||
  { tail -n 30 "$out/dpkg-buildpackage.log" >&2; echo "build-deb: dpkg-buildpackage failed; log: $out/dpkg-buildpackage.log" >&2; exit 1; }
rm -f "$out"/*.deb "$out"/*.ddeb
mv "$out"/src/*.deb "$out/"
mv "$out"/src/*.ddeb "$out/" 2>/dev/null || true
arch=$(dpkg --print-architecture)
echo "$out/oxool_${version}_${arch}.deb"
