#!/usr/bin/env bash
# nspawn-test.sh -- install the built .deb into a fresh Debian bookworm booted with systemd
# (systemd-nspawn) and check that the units work under a real systemd:
#   the package installs (apt resolves its Depends), the postinst made the user, the state
#   directory and the systemplate; oxool.socket listens; the first connection activates
#   oxool-wsd.service (GET /hosting/capabilities); the first kit request D-Bus-activates
#   oxool-forkit.service (POST /cool/convert-to/pdf of a small document); the journal has
#   both services' entries; `systemd-analyze security` (online) scores both services.
# Every step prints PASS or FAIL; the exit status is non-zero if any step failed.
#
# Usage (root): tests/systemd/nspawn-test.sh [path/to/oxool_VERSION_ARCH.deb]
#   default: the newest build/packages/deb/oxool_*.deb (make deb / tests/systemd/packages.sh)
# The container image (bookworm minbase + systemd, dbus, LibreOffice core/writer/calc/impress
# without Recommends, fonts) is built once and cached at $NSPAWN_ROOTFS, default
# /var/tmp/oxool-nspawn/rootfs-bookworm, never in the repository. Each run boots it with a
# throw-away overlay, so every run starts from a pristine system.
# Environment: NSPAWN_* as in nspawn-harness.sh. On failure the script prints the failed units
# and the journal's warnings before the container is powered off.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

[ "$(id -u)" = 0 ] || { echo "nspawn-test: must run as root (systemd-nspawn)" >&2; exit 2; }

deb=${1:-$(ls -t "$repo"/build/packages/deb/oxool_*.deb 2>/dev/null | head -1)}
[ -n "$deb" ] && [ -f "$deb" ] || { echo "nspawn-test: no .deb; run make deb (or pass its path)" >&2; exit 2; }
deb=$(realpath "$deb")

# The image holds every Depends of the package, so apt installs it without a network (the
# container has none but loopback).
export NSPAWN_ROOTFS=${NSPAWN_ROOTFS:-/var/tmp/oxool-nspawn/rootfs-bookworm}
export NSPAWN_EXTRA_PKGS=${NSPAWN_EXTRA_PKGS:-"libreoffice-core libreoffice-writer libreoffice-calc libreoffice-impress fonts-liberation2 fonts-dejavu-core libseccomp2 ca-certificates"}
export NSPAWN_INSTALL_TOOLS=${NSPAWN_INSTALL_TOOLS:-1}
command -v curl >/dev/null || { echo "nspawn-test: curl missing (apt-get install curl)" >&2; exit 2; }

# shellcheck source=nspawn-harness.sh
. "$here/nspawn-harness.sh"

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo; echo "== $*"; }
# unit_prop UNIT PROP: one property of a unit inside the container
unit_prop() { ct_exec systemctl show -P "$2" "$1" 2>/dev/null; }

# The payload the container sees read-only at /payload: the .deb and a small document.
payload=$(mktemp -d "${TMPDIR:-/tmp}/oxool-nspawn-payload.XXXXXX")
cleanup_payload() { rm -rf "$payload"; }
cp "$deb" "$payload/"
fixture=$repo/tests/fixtures/simple.fodt
if [ -f "$fixture" ]; then cp "$fixture" "$payload/doc.fodt"; doc=doc.fodt
else printf 'oxool nspawn test\n' >"$payload/doc.txt"; doc=doc.txt; fi
chmod -R a+rX "$payload"
export NSPAWN_PAYLOAD=$payload

step "image and boot"
ct_build || { echo "FAIL: container image"; cleanup_payload; exit 1; }
ct_up || { echo "FAIL: container boot"; cleanup_payload; exit 1; }
trap 'ct_cleanup; cleanup_payload' EXIT
pass "container $CT_NAME up (leader $CT_LEADER)"

step "install $(basename "$deb")"
if ct_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
     "/payload/$(basename "$deb")" >"$payload/apt.log" 2>&1; then
  pass "apt-get install ./$(basename "$deb")"
else
  fail "apt-get install"; tail -n 30 "$payload/apt.log"
fi
ct_exec getent passwd oxool >/dev/null && pass "user oxool exists (sysusers)" || fail "no user oxool"
[ "$(ct_exec stat -c '%U %a' /var/lib/oxool 2>/dev/null)" = "oxool 700" ] &&
  pass "/var/lib/oxool is oxool's, mode 700 (tmpfiles)" || fail "/var/lib/oxool: $(ct_exec stat -c '%U %a' /var/lib/oxool 2>&1)"
ct_exec test -d /var/lib/oxool/systemplate && pass "systemplate built by the postinst" || fail "no /var/lib/oxool/systemplate"
[ "$(ct_exec stat -c '%U:%G %a' /etc/oxool/oxool.toml 2>/dev/null)" = "root:oxool 640" ] &&
  pass "/etc/oxool/oxool.toml root:oxool 640" || fail "/etc/oxool/oxool.toml: $(ct_exec stat -c '%U:%G %a' /etc/oxool/oxool.toml 2>&1)"

step "socket activation of oxool-wsd"
ct_exec systemctl start oxool.socket && [ "$(unit_prop oxool.socket ActiveState)" = active ] &&
  pass "oxool.socket active" || fail "oxool.socket: $(unit_prop oxool.socket ActiveState)"
[ "$(unit_prop oxool-wsd.service ActiveState)" = inactive ] &&
  pass "oxool-wsd.service inactive before the first connection" ||
  fail "oxool-wsd.service already $(unit_prop oxool-wsd.service ActiveState) before any connection"
caps=$(ct_net_exec curl -sS --max-time 60 -o - -w '\n%{http_code}' http://127.0.0.1:9980/hosting/capabilities 2>&1)
code=$(tail -n 1 <<<"$caps")
if [ "$code" = 200 ]; then pass "GET /hosting/capabilities: 200 $(head -n 1 <<<"$caps" | cut -c1-120)"
else fail "GET /hosting/capabilities: $caps"; fi
[ "$(unit_prop oxool-wsd.service ActiveState)" = active ] &&
  pass "oxool-wsd.service activated (MainPID $(unit_prop oxool-wsd.service MainPID), status '$(unit_prop oxool-wsd.service StatusText)')" ||
  fail "oxool-wsd.service: $(unit_prop oxool-wsd.service ActiveState)/$(unit_prop oxool-wsd.service SubState)"
[ "$(unit_prop oxool-wsd.service User)" = oxool ] && pass "wsd runs as oxool" || fail "wsd User=$(unit_prop oxool-wsd.service User)"

step "D-Bus activation of oxool-forkit by the first kit request"
[ "$(unit_prop oxool-forkit.service ActiveState)" = inactive ] &&
  pass "oxool-forkit.service inactive before the first kit request" ||
  fail "oxool-forkit.service already $(unit_prop oxool-forkit.service ActiveState)"
ct_copy_in "$payload/$doc" /tmp/oxool-test >/dev/null 2>&1
code=$(ct_net_exec curl -sS --max-time 120 -o "$payload/out.pdf" -w '%{http_code}' \
         -F "data=@$payload/$doc" -F format=pdf http://127.0.0.1:9980/cool/convert-to/pdf 2>&1)
if [ "$code" = 200 ] && [ "$(head -c 5 "$payload/out.pdf" 2>/dev/null)" = "%PDF-" ]; then
  pass "POST /cool/convert-to/pdf of $doc: 200, $(stat -c %s "$payload/out.pdf") bytes of PDF"
else
  fail "POST /cool/convert-to/pdf: HTTP $code $(head -c 300 "$payload/out.pdf" 2>/dev/null | tr -d '\0')"
fi
dbus_journal=$(ct_exec journalctl -b --no-pager -u dbus.service 2>/dev/null || true)
if grep -q "Activating via systemd: service name='org.oxool.Forkit1'" <<<"$dbus_journal"; then
  pass "dbus-daemon activated org.oxool.Forkit1 via systemd"
else fail "no D-Bus activation of org.oxool.Forkit1 in the journal"; fi
[ "$(unit_prop oxool-forkit.service ActiveState)" = active ] &&
  pass "oxool-forkit.service active (MainPID $(unit_prop oxool-forkit.service MainPID))" ||
  fail "oxool-forkit.service: $(unit_prop oxool-forkit.service ActiveState)/$(unit_prop oxool-forkit.service SubState) result=$(unit_prop oxool-forkit.service Result)"

step "org.oxool.Forkit1 on the system bus: activation and policy (busctl, independent of wsd)"
# busctl_as USER GROUP ARGS...: a method call on the container's system bus as USER, 20 s timeout
busctl_as() {
  local user=$1 group=$2; shift 2
  ct_exec setpriv --reuid="$user" --regid="$group" --init-groups \
    busctl --system --timeout=20 call org.oxool.Forkit1 /org/oxool/Forkit1 org.oxool.Forkit1 "$@" 2>&1
}
if out=$(busctl_as oxool oxool Stats); then
  pass "user oxool: Stats() -> $(cut -c1-160 <<<"$out")"
else fail "user oxool: Stats(): $out"; fi
[ "$(unit_prop oxool-forkit.service ActiveState)" = active ] &&
  pass "oxool-forkit.service active as $(unit_prop oxool-forkit.service User) (MainPID $(unit_prop oxool-forkit.service MainPID))" ||
  fail "oxool-forkit.service after Stats(): $(unit_prop oxool-forkit.service ActiveState) result=$(unit_prop oxool-forkit.service Result)"
if out=$(busctl_as nobody nogroup Stats); then fail "user nobody may call Stats(): $out"
elif grep -qiE "AccessDenied|Access denied" <<<"$out"; then pass "user nobody: access denied ($out)"
else fail "user nobody: unexpected error: $out"; fi
if out=$(ct_exec busctl --system --timeout=20 call org.oxool.Forkit1 /org/oxool/Forkit1 org.oxool.Forkit1 Stats 2>&1); then
  fail "root may call Stats() (the policy allows only oxool): $out"
elif grep -qiE "AccessDenied|Access denied" <<<"$out"; then pass "root: access denied ($out)"
else fail "root: unexpected error: $out"; fi
if out=$(busctl_as oxool oxool SpawnKit); then
  pass "user oxool: SpawnKit() -> $(cut -c1-160 <<<"$out")"
else fail "user oxool: SpawnKit(): $out"; fi

step "oxoolctl over org.oxool.Wsd1 (admin tool and policy)"
proof_modes=$(ct_exec stat -c '%U %a' /var/lib/oxool/proof /var/lib/oxool/proof/proof_key.pk8 2>&1 | tr '\n' ' ')
[ "$proof_modes" = "oxool 700 oxool 600 " ] && pass "proof key made by the postinst: $proof_modes" ||
  fail "proof key directory/file: $proof_modes"
if out=$(ct_exec oxoolctl status 2>&1); then pass "root: oxoolctl status"; echo "$out" | sed 's/^/    /'
else fail "root: oxoolctl status: $out"; fi
if out=$(ct_exec oxoolctl kits 2>&1); then pass "root: oxoolctl kits"; echo "$out" | head -5 | sed 's/^/    /'
else fail "root: oxoolctl kits: $out"; fi
if out=$(ct_exec oxoolctl reload 2>&1); then pass "root: oxoolctl reload: $out"; else fail "reload: $out"; fi
before=$(ct_net_exec curl -sS http://127.0.0.1:9980/hosting/discovery | grep -o ' value="[^"]*' | head -1)
if out=$(ct_exec oxoolctl rotate-proof-keys 2>&1); then pass "root: rotate-proof-keys: $out"; else fail "rotate: $out"; fi
after=$(ct_net_exec curl -sS http://127.0.0.1:9980/hosting/discovery | grep -o 'oldvalue="[^"]*' | head -1)
[ -n "$before" ] && [ "${before# value=}" = "${after#oldvalue=}" ] && pass "discovery publishes the previous key as oldvalue" ||
  fail "rotate: before $before / after $after"
if out=$(ct_exec setpriv --reuid=nobody --regid=nogroup --clear-groups oxoolctl status 2>&1); then fail "nobody may call Wsd1: $out"
else pass "user nobody refused: $out"; fi

step "journal"
for unit in oxool-wsd oxool-forkit; do
  n=$(ct_exec journalctl -b --no-pager -o cat -u "$unit" 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] && pass "journalctl -u $unit: $n lines" || fail "journalctl -u $unit: nothing"
done
n=$(ct_exec journalctl -b --no-pager -o json -u oxool-wsd 2>/dev/null | grep -c '"OXOOL_' || true)
echo "info: $n oxool-wsd journal entries carry OXOOL_* fields"
echo "-- journalctl -u oxool-wsd -u oxool-forkit (last 40):"
ct_exec journalctl -b --no-pager -o short-monotonic -u oxool-wsd -u oxool-forkit 2>/dev/null | tail -n 40 | sed 's/^/    /'

step "reinstall over the running package (postinst upgrade path, apt hook)"
# Capture first: with pipefail, `grep -q` closing the pipe early would fail apt-config (SIGPIPE).
apt_config=$(ct_exec apt-config dump 2>/dev/null || true)
if grep -q 'oxool-systemplate-setup' <<<"$apt_config"; then
  pass "apt hook 25oxool registered (DPkg::Post-Invoke)"
else fail "apt hook 25oxool not in apt-config dump"; fi
if ct_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
     "/payload/$(basename "$deb")" >"$payload/apt-reinstall.log" 2>&1; then
  if grep -q 'refreshing /var/lib/oxool/systemplate failed' "$payload/apt-reinstall.log"; then
    fail "apt hook: systemplate refresh failed"
  else pass "apt-get install --reinstall: postinst upgrade path and apt hook ran cleanly"; fi
else fail "apt-get install --reinstall"; tail -n 30 "$payload/apt-reinstall.log"; fi
[ "$(unit_prop oxool.socket ActiveState)" = active ] && pass "oxool.socket active after the reinstall" ||
  fail "oxool.socket after the reinstall: $(unit_prop oxool.socket ActiveState)"
[ "$(unit_prop oxool-forkit.service ActiveState)" = inactive ] &&
  pass "oxool-forkit.service stopped by the upgrade (its next activation runs the new binary)" ||
  fail "oxool-forkit.service after the reinstall: $(unit_prop oxool-forkit.service ActiveState)"

step "systemd-analyze security (online)"
for unit in oxool-wsd.service oxool-forkit.service; do
  line=$(ct_exec systemd-analyze security --no-pager "$unit" 2>/dev/null | grep 'Overall exposure level')
  if [ -n "$line" ]; then pass "$line"; else fail "systemd-analyze security $unit"; fi
done

if [ "$failures" -ne 0 ]; then
  echo; echo "-- systemctl --failed:"; ct_exec systemctl --failed --no-pager --no-legend | sed 's/^/    /'
  echo "-- journalctl -b -p warning (last 40):"
  ct_exec journalctl -b --no-pager -p warning | tail -n 40 | sed 's/^/    /'
  echo; echo "nspawn-test: $failures FAILED"; exit 1
fi
echo; echo "nspawn-test: all passed"
