#!/usr/bin/env bash
# static-checks.sh -- fast checks of oxool's systemd units, D-Bus files and AppArmor profile,
# with no systemd running (seconds; part of every `make test`).
#
#   1. `systemd-analyze verify` on every unit must print NOTHING: systemd reports unknown keys
#      and bad values as warnings with exit status 0, so any output is a failure.
#   2. `systemd-analyze security --offline=yes` per service: print the score, fail above the
#      target (wsd <= 2.0, forkit <= 2.5).
#   3. The D-Bus policy files are well-formed XML and the activation file names the unit.
#   4. The AppArmor profile parses with this host's apparmor_parser (Debian 12's 3.0 has no
#      `userns` rule and no abi/4.0: the profile must still parse there).
#
# Usage: tests/systemd/static-checks.sh     (from anywhere; finds the repo from its own path)
# Exit status: 0 all passed, 1 a check failed, 2 a tool is missing.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
units=$repo/units
wsd_max=1.2
forkit_max=1.1

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for tool in systemd-analyze xmllint; do
  command -v "$tool" >/dev/null || { echo "static-checks: $tool missing (apt-get install systemd libxml2-utils)" >&2; exit 2; }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/oxool-units.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# A root tree for `verify --root`: the stock units (sysinit.target, dbus.socket, ...), ours, and
# executable stubs where our Exec lines point, so that the check is independent of what is
# installed on this machine.
make_verify_root() {
  local root=$1 stub
  mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system"
  cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
  cp "$units"/oxool.socket "$units"/oxool-wsd.service "$units"/oxool-forkit.service "$root/usr/lib/systemd/system/"
  for stub in /usr/bin/oxool-wsd /usr/libexec/oxool/oxool-forkit /bin/sh /bin/false; do
    mkdir -p "$root$(dirname "$stub")"
    [ -e "$root$stub" ] || printf '#!/bin/sh\nexit 0\n' >"$root$stub"
    chmod 0755 "$root$stub"
  done
}

check_verify() {
  local root=$scratch/root out unit
  make_verify_root "$root"
  for unit in oxool.socket oxool-wsd.service oxool-forkit.service; do
    out=$(systemd-analyze verify --man=no --root="$root" "$root/usr/lib/systemd/system/$unit" 2>&1)
    if [ -z "$out" ]; then pass "systemd-analyze verify $unit prints nothing"
    else fail "systemd-analyze verify $unit:"; sed 's/^/    /' <<<"$out"; fi
  done
}

# security --offline=yes prints "Overall exposure level for X: 1.4 OK"; compare the number.
check_security() {
  local unit=$1 max=$2 out score
  out=$(systemd-analyze security --offline=yes --no-pager "$units/$unit" 2>&1)
  score=$(sed -n 's/^→\{0,1\} *Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out" | tail -1)
  if [ -z "$score" ]; then fail "systemd-analyze security $unit: no score"; sed 's/^/    /' <<<"$out"; return; fi
  echo "score: $unit $score (target <= $max)"
  if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }'; then pass "security $unit $score <= $max"
  else fail "security $unit $score > $max"; grep -E '^✗' <<<"$out" | sed 's/^/    /'; fi
}

check_dbus() {
  local f
  for f in "$units"/dbus/*.conf; do
    if xmllint --noout --nonet "$f" 2>/dev/null; then pass "xml well-formed: dbus/$(basename "$f")"
    else fail "xml: dbus/$(basename "$f")"; fi
    grep -q '<policy user="oxool">' "$f" || fail "dbus/$(basename "$f"): no policy for user oxool"
  done
  # Forkit1: only oxool-kit owns it, and oxool-kit's policy grants nothing else (a kit that
  # escaped must not be able to ask for kits).
  f=$units/dbus/org.oxool.Forkit1.conf
  own=$(xmllint --xpath 'string(//policy[@user="oxool-kit"]/allow/@own)' "$f" 2>/dev/null)
  kit_rules=$(xmllint --xpath 'count(//policy[@user="oxool-kit"]/allow)' "$f" 2>/dev/null)
  wsd_own=$(xmllint --xpath 'count(//policy[@user="oxool"]/allow[@own])' "$f" 2>/dev/null)
  if [ "$own" = org.oxool.Forkit1 ] && [ "$kit_rules" = 1 ] && [ "$wsd_own" = 0 ]; then
    pass "dbus/Forkit1: owned by oxool-kit only, which may not call it"
  else fail "dbus/Forkit1 policy: own='$own' oxool-kit rules=$kit_rules oxool own rules=$wsd_own"; fi
  f=$units/dbus/org.oxool.Forkit1.service
  if grep -qx 'SystemdService=oxool-forkit.service' "$f" && grep -qx 'Name=org.oxool.Forkit1' "$f" &&
     grep -qx 'User=oxool-kit' "$f"; then pass "activation file names org.oxool.Forkit1, oxool-kit, oxool-forkit.service"
  else fail "activation file $f"; fi
  # The unit and the activation file agree on the user, and it is not wsd's.
  grep -qx 'User=oxool-kit' "$units/oxool-forkit.service" && grep -qx 'User=oxool' "$units/oxool-wsd.service" &&
    pass "forkit runs as oxool-kit, wsd as oxool" || fail "unit users: forkit and wsd must be oxool-kit and oxool"
  # The activated name must be the unit's BusName=, or systemd never sees the service ready.
  grep -qx 'BusName=org.oxool.Forkit1' "$units/oxool-forkit.service" &&
    pass "oxool-forkit.service BusName matches" || fail "oxool-forkit.service BusName"
}

# The profile as installed (where it applies) plus the userns snippet, and the profile alone,
# parsed (-Q: no kernel load, -K: no cache) against a copy of /etc/apparmor.d so that includes
# resolve exactly as they would on the host.
check_apparmor() {
  if ! command -v apparmor_parser >/dev/null; then
    echo "SKIP: apparmor_parser not installed (apt-get install apparmor)"; return
  fi
  local base=$scratch/apparmor.d out
  mkdir -p "$base"
  cp -a /etc/apparmor.d/. "$base/"
  cp "$repo/apparmor/oxool-forkit" "$base/oxool-forkit"
  local rc=0
  out=$(apparmor_parser -Q -K --base "$base" "$base/oxool-forkit" 2>&1) || rc=$?
  # Without AppArmor in the running kernel the parser still parses, and says so on stderr.
  out=$(grep -v '^Cache read/write disabled' <<<"$out")
  if [ "$rc" -eq 0 ] && [ -z "$out" ]; then pass "apparmor profile parses with $(apparmor_parser --version | head -1)"
  else fail "apparmor profile (rc=$rc):"; sed 's/^/    /' <<<"$out"; fi
  grep -q '^[[:space:]]*abi' "$repo/apparmor/oxool-forkit" && fail "apparmor profile has an abi line"
  grep -qx '[[:space:]]*userns,' "$repo/apparmor/userns" && pass "userns snippet grants userns" ||
    fail "apparmor/userns does not grant userns"
}

check_verify
check_security oxool-wsd.service "$wsd_max"
check_security oxool-forkit.service "$forkit_max"
check_dbus
check_apparmor

if [ "$failures" -ne 0 ]; then echo "static-checks: $failures FAILED"; exit 1; fi
echo "static-checks: all passed"
