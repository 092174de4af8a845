#!/usr/bin/env bash
# packages.sh -- build oxool's .deb and .rpm from the release binaries and check them:
#   1. the .deb (debhelper, mk/build-deb.sh): lintian reports no error and no warning (the
#      overrides in debian/oxool.lintian-overrides say why each one is there); its contents
#      and maintainer scripts hold what the packaging promises;
#   2. the .rpm (rpmbuild, mk/build-rpm.sh): rpmlint reports 0 errors and 0 warnings (filters,
#      with reasons, in rpm/rpmlintrc); it installs into a scratch root with
#      `rpm --root DIR -i --nodeps --noscripts`, which then lists the expected files; and
#      `rpm -qp --scripts` shows the expected scriptlets and triggers.
#
# Usage: tests/systemd/packages.sh [OUTDIR]      (default: build/packages in the repository)
# The binaries come from OXOOL_BIN_DIR (default target/release); build them first with
#   cargo build --release -p oxool-wsd -p oxool-forkit -p oxool-systemplate -p oxoolctl
# Exit status: 0 all passed, 1 a check failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/build/packages}
mkdir -p "$out" && out=$(cd "$out" && pwd)

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# expect_in LABEL TEXT PATTERN... : every fixed-string PATTERN is a line (or part of one) of TEXT
expect_in() {
  local label=$1 text=$2 p missing=0; shift 2
  for p in "$@"; do grep -qF -- "$p" <<<"$text" || { fail "$label: missing '$p'"; missing=1; }; done
  [ $missing -eq 0 ] && pass "$label: all ${#} expected entries present"
}

# The files both packages must install (Debian keeps units in /lib/systemd/system).
common_files=(
  /usr/bin/oxool-wsd
  /usr/bin/oxool-systemplate-setup
  /usr/bin/oxoolctl
  /usr/libexec/oxool/oxool-forkit
  /etc/oxool/oxool.toml
  /systemd/system/oxool.socket
  /systemd/system/oxool-wsd.service
  /systemd/system/oxool-forkit.service
  /usr/share/dbus-1/system.d/org.oxool.Forkit1.conf
  /usr/share/dbus-1/system.d/org.oxool.Wsd1.conf
  /usr/share/dbus-1/system-services/org.oxool.Forkit1.service
  /usr/lib/sysusers.d/oxool.conf
  /usr/lib/tmpfiles.d/oxool.conf
  /usr/share/oxool/apparmor/oxool-forkit
  /usr/share/oxool/apparmor/userns
  /usr/share/oxool/seed-profile/user/registrymodifications.xcu
  /usr/share/oxool/browser/cool.html
  /usr/share/doc/oxool/examples/haproxy.cfg
  /man8/oxool-wsd.8
  /man8/oxool-forkit.8
  /man8/oxool-systemplate-setup.8
  /man1/oxoolctl.1
  /man5/oxool.toml.5
)

# build_package KIND SCRIPT DIR: builds the KIND package with mk/SCRIPT into DIR; its path in
# $built. Fails (and returns 1) when the script fails or names no file.
build_package() {
  local file
  built=
  if ! file=$("$repo/mk/$2" "$3" | tail -1) || [ ! -f "$file" ]; then
    fail "build the $1"; return 1
  fi
  pass "built $(basename "$file") ($(du -h "$file" | cut -f1))"
  built=$file
}

check_deb() {
  local deb contents scripts tmp
  echo "== .deb"
  build_package .deb build-deb.sh "$out/deb" || return
  deb=$built
  contents=$(dpkg-deb -c "$deb")
  expect_in "deb contents" "$contents" "${common_files[@]}" ./etc/apt/apt.conf.d/25oxool
  grep -q '^bus = "system"$' < <(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./etc/oxool/oxool.toml) &&
    pass "packaged oxool.toml sets [forkit] bus = \"system\"" || fail "packaged oxool.toml: no bus = \"system\""
  # Nothing may set file capabilities: the jail uses unprivileged user namespaces.
  tmp=$(mktemp -d) && dpkg-deb -e "$deb" "$tmp"
  scripts=$(cat "$tmp"/postinst "$tmp"/prerm "$tmp"/postrm 2>/dev/null)
  expect_in "deb maintainer scripts" "$scripts" \
    "systemd-sysusers" "oxool-systemplate-setup /var/lib/oxool/systemplate" "oxoolctl generate-proof-key" \
    "apparmor_restrict_unprivileged_userns" "deb-systemd-helper" "oxool.socket"
  if grep -q setcap <<<"$scripts"; then fail "a maintainer script sets file capabilities"; else pass "no setcap in maintainer scripts"; fi
  echo "-- postinst of $(basename "$deb"):"; sed 's/^/    /' "$tmp/postinst"
  rm -rf "$tmp"
  if command -v lintian >/dev/null; then
    local lint rc=0
    lint=$(lintian --fail-on error,warning --tag-display-limit 0 "$deb" 2>&1) || rc=$?
    echo "-- lintian $(lintian --version | awk '{print $2}') on $(basename "$deb"): rc=$rc"
    [ -n "$lint" ] && sed 's/^/    /' <<<"$lint"
    if [ $rc -eq 0 ] && ! grep -qE '^[EW]: ' <<<"$lint"; then pass "lintian: 0 errors, 0 warnings"
    else fail "lintian: errors or warnings"; fi
  else
    fail "lintian not installed (apt-get install lintian)"
  fi
}

check_rpm() {
  local rpmfile root listed scripts
  echo "== .rpm"
  build_package .rpm build-rpm.sh "$out/rpm" || return
  rpmfile=$built
  if command -v rpmlint >/dev/null; then
    local lint rc=0
    lint=$(rpmlint -r "$repo/rpm/rpmlintrc" "$rpmfile" "$repo/rpm/oxool.spec" 2>&1) || rc=$?
    echo "-- rpmlint $(rpmlint --version): rc=$rc"; sed 's/^/    /' <<<"$lint"
    if [ $rc -eq 0 ] && grep -qE '0 errors, 0 warnings' <<<"$lint"; then pass "rpmlint: 0 errors, 0 warnings"
    else fail "rpmlint: errors or warnings"; fi
  else
    fail "rpmlint not installed (apt-get install rpmlint)"
  fi
  root=$(mktemp -d "${TMPDIR:-/tmp}/oxool-rpmroot.XXXXXX")
  if rpm --root "$root" --dbpath /var/lib/rpm -i --nodeps --noscripts "$rpmfile" 2>"$out/rpm-install.log"; then
    pass "rpm --root $root -i --nodeps --noscripts"
    listed=$(rpm --root "$root" --dbpath /var/lib/rpm -ql oxool)
    expect_in "rpm -ql (scratch root)" "$listed" "${common_files[@]}"
    local f missing=0
    while read -r f; do [ -e "$root$f" ] || { fail "listed but not installed: $f"; missing=1; }; done <<<"$listed"
    [ $missing -eq 0 ] && pass "every listed file exists under the scratch root ($(wc -l <<<"$listed") entries)"
  else
    fail "rpm --root install"; cat "$out/rpm-install.log"
  fi
  rm -rf "$root"
  scripts=$(rpm -qp --scripts --triggers --filetriggers "$rpmfile" 2>/dev/null)
  echo "-- rpm -qp --scripts --triggers --filetriggers:"; sed 's/^/    /' <<<"$scripts"
  expect_in "rpm scriptlets" "$scripts" \
    "preinstall scriptlet" "useradd -r -g oxool" "postinstall scriptlet" "preuninstall scriptlet" \
    "postuninstall scriptlet" "oxool-systemplate-setup /var/lib/oxool/systemplate" \
    "oxoolctl generate-proof-key" \
    "triggerin scriptlet" "glibc" "fontconfig" "libreoffice-core" "/usr/share/fonts" \
    "systemctl --no-reload preset oxool.socket"
  if grep -q setcap <<<"$scripts"; then fail "a scriptlet sets file capabilities"; else pass "no setcap in scriptlets"; fi
}

check_deb
check_rpm

if [ "$failures" -ne 0 ]; then echo "packages: $failures FAILED"; exit 1; fi
echo "packages: all passed"
