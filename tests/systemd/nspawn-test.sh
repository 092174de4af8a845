#!/usr/bin/env bash
# nspawn-test.sh -- install the built .deb into a fresh Debian bookworm booted with systemd
# (systemd-nspawn) and check that the units work under a real systemd:
#   the package installs (apt resolves its Depends), the postinst made the user, the state
#   directory and the systemplate; oxool.socket listens; the first connection activates
#   oxool-wsd.service (GET /hosting/capabilities); the first kit request D-Bus-activates
#   oxool-forkit.service (POST /cool/convert-to/pdf of a small document); the journal has
#   both services' entries; `systemd-analyze security` (online) scores both services.
# Then, with the built-in local store enabled (/var/lib/oxool/documents, a sample docx), the
# editing steps through systemd, driven from the host by oxool-ws-session (tests crate) in the
# container's network namespace: a co-editing session opened from the index page's form;
# `journalctl OXOOL_DOC=<key>`; `systemctl reload` keeps the live session; `systemctl stop`
# stores the unsaved edits of two documents (idle and periodic saves are off); `kill -9` of forkit;
# `systemctl kill -s KILL` of forkit and then of wsd while a user types (the checkpoints reach
# storage); a wsd that
# stops answering its watchdog (SIGSTOP, WatchdogSec=5s drop-in) is restarted.
# Every step prints PASS or FAIL; the exit status is non-zero if any step failed.
#
# Usage (root): tests/systemd/nspawn-test.sh [path/to/oxool_VERSION_ARCH.deb]
#   default: the newest build/packages/deb/oxool_*.deb (make deb / tests/systemd/packages.sh)
# The container image (bookworm minbase + systemd, dbus, LibreOffice core/writer/calc/impress
# without Recommends, fonts) is built once and cached at $NSPAWN_ROOTFS, default
# /var/tmp/oxool-nspawn/rootfs-bookworm, never in the repository. Each run boots it with a
# throw-away overlay, so every run starts from a pristine system.
# Environment: NSPAWN_* as in nspawn-harness.sh; OXOOL_WS_SESSION: the oxool-ws-session binary
# (default: built with cargo into target/debug). On failure the script prints the failed units
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
# deb_depends DEB: the package's Depends without versions, for each group of alternatives the
# first that is a real package (apt-get cannot install a virtual one such as dbus-system-bus).
# The image is keyed by them, so a changed Depends (or shlibs) rebuilds the cache instead of
# failing apt.
deb_depends() {
  local group alt
  dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/([^)]*)//g; s/:any//g' | while read -r group; do
    [ -n "$group" ] || continue
    for alt in ${group//|/ }; do
      if apt-cache show --no-all-versions "$alt" 2>/dev/null | grep -q "^Package:"; then echo "$alt"; continue 2; fi
    done
    # None known here (apt's lists unreadable, e.g. while another apt-get updates them): the
    # first alternative, which debian/control keeps a real package, else the image build says so.
    echo "${group%%|*}" | tr -d ' '
  done | sort -u | paste -sd' ' -
}
export NSPAWN_EXTRA_PKGS=${NSPAWN_EXTRA_PKGS:-"$(deb_depends "$deb") fonts-liberation2 fonts-dejavu-core ca-certificates"}
export NSPAWN_INSTALL_TOOLS=${NSPAWN_INSTALL_TOOLS:-1}
command -v curl >/dev/null || { echo "nspawn-test: curl missing (apt-get install curl)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "nspawn-test: python3 missing (apt-get install python3)" >&2; exit 2; }
# The scripted WebSocket client runs on the host, in the container's network namespace (as curl).
ws_bin=${OXOOL_WS_SESSION:-}
if [ -z "$ws_bin" ]; then
  ws_bin=$repo/target/debug/oxool-ws-session
  if command -v "${CARGO:-cargo}" >/dev/null; then
    # A working tree that does not build right now still has the binary of the last build.
    (cd "$repo" && "${CARGO:-cargo}" build -q -p oxool-tests --bin oxool-ws-session) ||
      echo "nspawn-test: WARNING: building oxool-ws-session failed; using $ws_bin if it exists" >&2
  fi
fi
[ -x "$ws_bin" ] || { echo "nspawn-test: no oxool-ws-session at $ws_bin (cargo build -p oxool-tests)" >&2; exit 2; }

# shellcheck source=nspawn-harness.sh
. "$here/nspawn-harness.sh"

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo; echo "== $*"; }
# figure NAME VALUE: a measured figure, printed again in the summary at the end
figures=()
figure() { figures+=("$(printf '%-46s %s' "$1" "$2")"); }
# unit_prop UNIT PROP: one property of a unit inside the container
unit_prop() { ct_exec systemctl show -P "$2" "$1" 2>/dev/null; }

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds; fails at the deadline.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.2; done
}
is_active() { [ "$(unit_prop "$1" ActiveState)" = active ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# -- oxool-ws-session sessions kept open in the background: each reads commands from a FIFO
# this script holds open, and answers `TAG ok|fail ...` lines into $payload/ws-NAME.out.
declare -A ws_pid=() ws_fd=()
ws_start() {   # ws_start NAME ARG...: start a session; waits for `ready` (or its failure)
  local name=$1 fifo=$payload/ws-$1.in fd; shift
  rm -f "$fifo"; mkfifo "$fifo"
  # Without the other sessions' FIFO ends: a session must see the end of its input when this
  # script closes it.
  ( for fd in "${ws_fd[@]}"; do eval "exec $fd>&-"; done
    exec nsenter -t "$CT_LEADER" -n -- "$ws_bin" --port 9980 "$@"
  ) <"$fifo" >"$payload/ws-$name.out" 2>"$payload/ws-$name.err" &
  ws_pid[$name]=$!
  exec {fd}>"$fifo"
  ws_fd[$name]=$fd
  wait_until 240 ws_started "$name"
  grep -q '^ready$' "$payload/ws-$name.out"
}
ws_started() { grep -qE '^(ready|fail)' "$payload/ws-$1.out" || ! kill -0 "${ws_pid[$1]}" 2>/dev/null; }
ws_line() { grep -m1 -E "$2" "$payload/ws-$1.out"; }   # ws_line NAME REGEX
ws_send() {   # ws_send NAME LINE: one command line to a session
  local fd=${ws_fd[$1]:-}
  # In a subshell that ignores SIGPIPE: a session that has ended must fail this write, not
  # kill the test.
  [ -n "$fd" ] && ( trap '' PIPE; echo "$2" >&"$fd" ) 2>/dev/null
}
ws_cmd() {   # ws_cmd NAME TIMEOUT COMMAND...: prints the answer line; fails unless "ok"
  local name=$1 timeout=$2 tag; shift 2
  tag=c$(date +%s%N)   # unique, also when called in a $(...) subshell
  ws_send "$name" "$tag $*" || { echo "$name: the session is gone"; return 1; }
  wait_until "$timeout" grep -qE "^$tag (ok|fail)" "$payload/ws-$name.out" ||
    { echo "$name: no answer to '$*' within $timeout s"; return 1; }
  ws_line "$name" "^$tag " | cut -d' ' -f2-
  grep -qE "^$tag ok" "$payload/ws-$name.out"
}
ws_stop() {   # ws_stop NAME: end of its input; it leaves
  local name=$1 fd=${ws_fd[$1]:-}
  [ -n "$fd" ] && exec {fd}>&-
  unset "ws_fd[$name]"
  wait_until 10 ws_gone "$name" || kill "${ws_pid[$name]}" 2>/dev/null
}
ws_gone() { ! kill -0 "${ws_pid[$1]}" 2>/dev/null; }
ws_cleanup() { local name; for name in "${!ws_pid[@]}"; do ws_stop "$name"; done; }
ws_failure() { echo "    session $1 said:"; sed 's/^/      /' "$payload/ws-$1.out" "$payload/ws-$1.err" | tail -n 20; }
# stored_text NAME TEXT: whether the stored document NAME's body (docx or odt) contains TEXT:
# 0 yes, 1 no, 2 unreadable
stored_text() {
  local member=word/document.xml body
  [[ $1 == *.odt ]] && member=content.xml
  ct_exec cat "/var/lib/oxool/documents/$1" >"$payload/stored" 2>/dev/null || return 2
  # Captured first: with pipefail, `grep -q` closing the pipe early could fail the reader.
  body=$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' \
           "$payload/stored" "$member") || return 2
  grep -q "$2" <<<"$body"
}

# The payload the container sees read-only at /payload: the .deb and a small document.
payload=$(mktemp -d "${TMPDIR:-/tmp}/oxool-nspawn-payload.XXXXXX")
cleanup_payload() { rm -rf "$payload"; }
cp "$deb" "$payload/"
cp "$repo/tests/fixtures/simple.docx" "$payload/sample.docx"
cp "$repo/tests/fixtures/simple.odt" "$payload/notes.odt"
fixture=$repo/tests/fixtures/simple.fodt
if [ -f "$fixture" ]; then cp "$fixture" "$payload/doc.fodt"; doc=doc.fodt
else printf 'oxool nspawn test\n' >"$payload/doc.txt"; doc=doc.txt; fi
chmod -R a+rX "$payload"
export NSPAWN_PAYLOAD=$payload

step "image and boot"
ct_build || { echo "FAIL: container image"; cleanup_payload; exit 1; }
ct_up || { echo "FAIL: container boot"; cleanup_payload; exit 1; }
trap 'ws_cleanup; ct_cleanup; cleanup_payload' EXIT
pass "container $CT_NAME up (leader $CT_LEADER)"

step "install $(basename "$deb")"
install_deb() {
  ct_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "/payload/$(basename "$deb")" >"$payload/apt.log" 2>&1
}
if install_deb; then
  pass "apt-get install ./$(basename "$deb")"
elif [ "${NSPAWN_REBUILD:-}" != 1 ]; then
  # A cached image can lag what the package needs (a newer libc6 on the build host, say): that
  # may cost a rebuild, never the result.
  echo "apt-get install failed on the cached image; rebuilding it once:"; tail -n 10 "$payload/apt.log"
  ct_cleanup
  if NSPAWN_REBUILD=1 ct_build && ct_up && install_deb; then
    pass "apt-get install ./$(basename "$deb") (on a rebuilt image)"
  else
    fail "apt-get install"; tail -n 30 "$payload/apt.log"
  fi
  trap 'ws_cleanup; ct_cleanup; cleanup_payload' EXIT   # ct_up installed its own
else
  fail "apt-get install"; tail -n 30 "$payload/apt.log"
fi
ct_exec getent passwd oxool >/dev/null && pass "user oxool exists (sysusers)" || fail "no user oxool"
ct_exec getent passwd oxool-kit >/dev/null && pass "user oxool-kit exists (sysusers)" || fail "no user oxool-kit"
[ "$(ct_exec stat -c '%U %a' /var/lib/oxool 2>/dev/null)" = "oxool 711" ] &&
  pass "/var/lib/oxool is oxool's, mode 711 (tmpfiles)" || fail "/var/lib/oxool: $(ct_exec stat -c '%U %a' /var/lib/oxool 2>&1)"
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
  pass "root: Stats() allowed"
else fail "root: Stats(): $out"; fi
# forkit's own user owns the name but may not call it: a kit that escaped cannot ask for kits.
if out=$(busctl_as oxool-kit oxool-kit SpawnKit); then fail "user oxool-kit may call SpawnKit(): $out"
elif grep -qiE "AccessDenied|Access denied" <<<"$out"; then pass "user oxool-kit: access denied ($out)"
else fail "user oxool-kit: unexpected error: $out"; fi
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
# [kit] huge_pages: the unit's system-call filter must let the zygote read its page residency
# (mincore) and collapse its memory (a filtered call fails with EPERM, errno 1); a kernel older
# than 6.1 refuses with EINVAL (errno 22); EAGAIN (errno 11) means the host had no free huge
# page for a range at that moment (a long-running host's memory is fragmented): the calls were
# allowed, which is what this checks.
huge=$(ct_exec journalctl -b --no-pager -o cat -u oxool-forkit 2>/dev/null | grep 'in huge pages' | tail -n 1 || true)
case "$huge" in
  *"(0 ranges refused)"*) pass "forkit's zygote: ${huge#*zygote: }" ;;
  *"errno 11)"*) pass "forkit's zygote may collapse its memory; the host lacked free huge pages for some: ${huge#*zygote: }" ;;
  *"errno 22)"*) echo "info: this kernel cannot collapse huge pages: $huge" ;;
  *) fail "forkit's zygote did not back its memory with huge pages: ${huge:-no journal line}" ;;
esac
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

step "local store and editing settings (no idle or periodic saves: only the stop stores)"
# The packaged file has the [local_store], [storage] and [editing] tables with every key
# commented out: the test's keys go right under the table headers. The packaged allow-list is
# empty (every WOPI host refused), so the local store's own origin is listed, as an admin would.
ct_exec sed -i \
  -e '/^\[local_store\]/a root = "/var/lib/oxool/documents"' \
  -e '/^\[storage\]/a wopi_hosts = ["http://127.0.0.1:9980"]' \
  -e '/^\[editing\]/a idle_save_secs = 0\nautosave_secs = 0' /etc/oxool/oxool.toml
ct_exec install -d -o oxool -g oxool -m 0700 /var/lib/oxool/documents
ct_exec install -o oxool -g oxool -m 0600 /payload/sample.docx /var/lib/oxool/documents/sample.docx
ct_exec install -o oxool -g oxool -m 0600 /payload/notes.odt /var/lib/oxool/documents/notes.odt
if out=$(ct_exec systemctl restart oxool-wsd.service 2>&1) &&
   is_active oxool-wsd.service; then
  pass "oxool-wsd restarted with the local store (MainPID $(unit_prop oxool-wsd.service MainPID))"
else fail "restart with the local store: $out $(unit_prop oxool-wsd.service ActiveState)"; fi
index=$(ct_net_exec curl -sS --max-time 30 http://127.0.0.1:9980/ 2>&1)
grep -q 'data-name="sample.docx" data-mode="edit"' <<<"$index" && pass "GET / lists sample.docx (a form that posts its token)" ||
  fail "GET / does not list sample.docx: $(head -c 300 <<<"$index")"

step "WebSocket co-editing session (oxool-ws-session: index page form, load, tile, typing)"
typed=NspawnTyped$RANDOM$RANDOM   # one word: no autocorrection applies to it
t0=$(now_ms)
if ws_start A --document sample.docx --user Alice --type "$typed" --co-editor Bob; then
  ms=$(($(now_ms) - t0)); figure "co-editing session ready (2 views, typed)" "$ms ms"
  pass "session A ready in $ms ms:"; sed 's/^/    /' "$payload/ws-A.out"
else fail "session A did not open"; ws_failure A; fi
ws_key=$(ws_line A '^loaded ' | sed -n 's/.* key=\([^ ]*\) .*/\1/p')
ws_ms() { ws_line "$1" "$2" | sed -n 's/.* ms=\([0-9]*\).*/\1 ms/p'; }   # ws_ms NAME REGEX
figure "load: index page form -> status" "$(ws_ms A '^loaded ')"
figure "first tile (256 px PNG)" "$(ws_ms A '^tile ')"
figure "typing -> invalidate and modified=1" "$(ws_ms A '^typed ')"

step "kits: the kit user, one cgroup each under oxool-forkit.service"
# The front end's child is the zygote; the zygote's children are the kits (one holds session
# A's document, others wait in the pool). Read from /proc inside the container, not from forkit.
kit_report=$(ct_exec sh -c '
  ppid_of() { sed -n "s/^PPid:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }
  for p in /proc/[0-9]*; do p=${p#/proc/}; [ "$(ppid_of "$p")" = "$1" ] && zygote=$p; done
  [ -n "${zygote:-}" ] || exit 1
  echo "zygote $zygote $(sed -n "s/^0:://p" "/proc/$zygote/cgroup")"
  for p in /proc/[0-9]*; do p=${p#/proc/}; [ "$(ppid_of "$p")" = "$zygote" ] || continue
    uid=$(sed -n "s/^Uid:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$p/status")
    echo "kit $p $(getent passwd "$uid" | cut -d: -f1) $(sed -n "s/^0:://p" "/proc/$p/cgroup")"
  done' sh "$(unit_prop oxool-forkit.service MainPID)" 2>&1)
echo "$kit_report" | sed 's/^/    /'
kit_lines=$(grep -c '^kit ' <<<"$kit_report" || true)
zygote_cgroup=$(awk '$1 == "zygote" { print $3 }' <<<"$kit_report")
if [ "$kit_lines" -ge 1 ] && ! awk '$1 == "kit" && $3 != "oxool-kit" { bad = 1 } END { exit !bad }' <<<"$kit_report"; then
  pass "$kit_lines kits, every one runs as oxool-kit"
else fail "kit users: $(grep '^kit ' <<<"$kit_report" | awk '{ print $3 }' | sort | uniq -c | tr '\n' ' ')"; fi
distinct=$(awk '$1 == "kit" { print $4 }' <<<"$kit_report" | sort -u | grep -c '^/system.slice/oxool-forkit.service/.' || true)
if [ "$kit_lines" -ge 1 ] && [ "$distinct" = "$kit_lines" ] &&
   ! awk -v z="$zygote_cgroup" '$1 == "kit" && $4 == z { bad = 1 } END { exit !bad }' <<<"$kit_report"; then
  pass "each kit in a cgroup of its own under oxool-forkit.service ($distinct cgroups, none the zygote's)"
else fail "kit cgroups: $distinct distinct of $kit_lines kits under oxool-forkit.service"; fi

step "journalctl -u oxool-wsd OXOOL_DOC=<key>"
docs=$(ct_exec oxoolctl documents 2>&1); echo "$docs" | sed 's/^/    /'
key=$(awk 'NR > 1 { print $1; exit }' <<<"$docs")
if [ -n "$key" ] && [ "$key" = "$ws_key" ]; then pass "oxoolctl documents lists the session's document: $key"
else fail "document key: oxoolctl '$key', session '$ws_key'"; fi
doc_journal() { ct_exec journalctl -b --no-pager -o cat -u oxool-wsd "OXOOL_DOC=$key" 2>/dev/null; }
if [ -n "$key" ] && wait_until 10 eval '[ -n "$(doc_journal)" ]'; then
  pass "journalctl -u oxool-wsd OXOOL_DOC=$key: $(doc_journal | wc -l) entries"
  doc_journal | tail -n 6 | sed 's/^/    /'
else fail "no journal entries with OXOOL_DOC=$key"; fi

step "systemctl reload keeps the live session"
pid=$(unit_prop oxool-wsd.service MainPID)
reloads() { ct_exec journalctl -b --no-pager -o cat -u oxool-wsd 2>/dev/null | grep -c 'reload: configuration re-read' || true; }
reloads_before=$(reloads)
t0=$(now_ms)
if out=$(ct_exec systemctl reload oxool-wsd.service 2>&1); then
  ms=$(($(now_ms) - t0)); figure "systemctl reload oxool-wsd" "$ms ms"
  pass "systemctl reload oxool-wsd: $ms ms"
else fail "systemctl reload: $out"; ct_exec journalctl -b --no-pager -u oxool-wsd | tail -n 3 | sed 's/^/    /'; fi
reloaded() { [ "$(reloads)" -gt "$reloads_before" ]; }
if wait_until 10 reloaded; then pass "wsd re-read its configuration (journal)"
else fail "wsd logged no reload (SIGHUP did not reach it)"; fi
[ "$(unit_prop oxool-wsd.service MainPID)" = "$pid" ] && is_active oxool-wsd.service &&
  pass "same wsd (MainPID $pid), active" ||
  fail "after the reload: MainPID $(unit_prop oxool-wsd.service MainPID) (was $pid), $(unit_prop oxool-wsd.service ActiveState)"
if out=$(ws_cmd A 60 ping); then pass "session A after the reload, same WebSocket: $out"
else fail "session A after the reload: $out"; fi
n=$(ct_exec oxoolctl sessions 2>/dev/null | grep -c "$key" || true)
[ "$n" = 1 ] && pass "oxoolctl sessions: the session is still there" || fail "oxoolctl sessions: $n sessions of $key"

step "systemctl stop stores every modified document"
typed2=NspawnNotes$RANDOM$RANDOM
if ws_start E --document notes.odt --user Erin --type "$typed2"; then
  pass "a second document modified: $(ws_line E '^typed ')"
else fail "session E (notes.odt) did not open"; ws_failure E; fi
declare -A typed_in=([A]="sample.docx $typed" [E]="notes.odt $typed2")
for sess in A E; do
  read -r file text <<<"${typed_in[$sess]}"
  stored_text "$file" "$text"
  case $? in
    1) pass "before the stop, $file does not have the typed text (only the stop saves)" ;;
    0) fail "$file: the typed text was stored before the stop (a save other than the stop's)" ;;
    *) fail "$file cannot be read from /var/lib/oxool/documents" ;;
  esac
  ws_send "$sess" "c-close wait-close"
done
t0=$(now_ms)
if out=$(ct_exec systemctl stop oxool-wsd.service 2>&1); then
  ms=$(($(now_ms) - t0)); figure "systemctl stop oxool-wsd (2 documents stored)" "$ms ms"
  pass "systemctl stop oxool-wsd: $ms ms, result $(unit_prop oxool-wsd.service Result)"
else fail "systemctl stop: $out"; fi
for sess in A E; do
  read -r file text <<<"${typed_in[$sess]}"
  wait_until 30 grep -q '^c-close ' "$payload/ws-$sess.out"
  out=$(ws_line "$sess" '^c-close ')
  if grep -q 'reason=shutdown' <<<"$out"; then pass "session $sess ($file) was told: ${out#c-close ok }"
  else fail "session $sess at the stop: ${out:-no answer}"; ws_failure "$sess"; fi
  if stored_text "$file" "$text"; then
    pass "/var/lib/oxool/documents/$file has the typed text ($(stat -c %s "$payload/stored") bytes)"
  else fail "the stored $file lacks the typed text"; fi
  ws_stop "$sess"
done
ct_exec journalctl -b --no-pager -o cat -u oxool-wsd 2>/dev/null | grep -E 'storing open documents|uploading|stored' | tail -n 5 | sed 's/^/    /'

step "kill -9 of forkit: re-activated, and wsd recovers"
# wsd comes back by socket activation; a conversion makes it talk to forkit.
convert() {
  ct_net_exec curl -sS --max-time 120 -o "$payload/out.pdf" -w '%{http_code}' \
    -F "data=@$payload/$doc" http://127.0.0.1:9980/cool/convert-to/pdf 2>&1
}
code=$(convert)
[ "$code" = 200 ] && is_active oxool-forkit.service && pass "wsd activated again; convert-to: 200" ||
  fail "before the kill: convert-to $code, forkit $(unit_prop oxool-forkit.service ActiveState)"
wsd_pid=$(unit_prop oxool-wsd.service MainPID)
if ws_start C --document sample.docx --user Carol; then pass "session C open before the kill"
else fail "session C did not open"; ws_failure C; fi
forkit_pid=$(unit_prop oxool-forkit.service MainPID)
restarts=$(unit_prop oxool-forkit.service NRestarts)
activations() { ct_exec journalctl -b --no-pager -u dbus.service 2>/dev/null | grep -c "service name='org.oxool.Forkit1'" || true; }
dbus_before=$(activations)
ws_send C "c-crash wait-close"
ct_exec systemctl kill -s KILL oxool-forkit.service
t0=$(now_ms)
forkit_back() { is_active oxool-forkit.service && [ "$(unit_prop oxool-forkit.service MainPID)" != "$forkit_pid" ]; }
wait_until 30 grep -q '^c-crash ' "$payload/ws-C.out"
out=$(ws_line C '^c-crash ')
grep -q 'reason=kit-crashed' <<<"$out" && pass "session C was told: ${out#c-crash ok }" ||
  fail "session C after the kill: ${out:-no answer}"
ws_stop C
code=$(convert)
if [ "$code" = 200 ] && [ "$(head -c 5 "$payload/out.pdf")" = "%PDF-" ]; then
  ms=$(($(now_ms) - t0)); figure "forkit SIGKILL -> convert-to 200" "$ms ms"
  pass "convert-to after the kill: 200, PDF ($ms ms after the kill)"
else fail "convert-to after the kill: $code $(head -c 200 "$payload/out.pdf" | tr -d '\0')"; fi
if wait_until 30 forkit_back; then
  pass "forkit back: MainPID $forkit_pid -> $(unit_prop oxool-forkit.service MainPID); NRestarts $restarts -> $(unit_prop oxool-forkit.service NRestarts), D-Bus activations $dbus_before -> $(activations)"
else fail "forkit after the kill: $(unit_prop oxool-forkit.service ActiveState) MainPID $(unit_prop oxool-forkit.service MainPID)"; fi
t0=$(now_ms)
if ws_start D --document sample.docx --user Dave; then
  ms=$(($(now_ms) - t0)); figure "new editing session after the forkit kill" "$ms ms"
  pass "a new editing session loads after the kill ($ms ms): $(ws_line D '^loaded ' | cut -c1-120)"
else fail "no editing session after the kill"; ws_failure D; fi
ws_stop D
[ "$(unit_prop oxool-wsd.service MainPID)" = "$wsd_pid" ] && pass "the same wsd recovered (MainPID $wsd_pid)" ||
  fail "wsd changed: MainPID $wsd_pid -> $(unit_prop oxool-wsd.service MainPID)"

step "systemctl kill -s KILL of oxool-forkit, then of oxool-wsd, while a user types: the checkpoints reach storage"
# Issue 13: idle and periodic saves are off, so only the checkpoints (checkpoint_idle_ms after
# the last key) hold the edits when the processes die.
checkpointed() { ct_exec oxoolctl recoveries 2>/dev/null | grep -q " $1 "; }   # checkpointed FILE
# edit_notes_until_checkpointed NAME USER TEXT: session NAME, as USER, types TEXT into notes.odt
# (and stays); then a checkpoint of notes.odt must be listed.
edit_notes_until_checkpointed() {
  if ws_start "$1" --document notes.odt --user "$2" --type "$3"; then
    pass "notes.odt modified by $2: $(ws_line "$1" '^typed ')"
  else fail "session $1 did not open"; ws_failure "$1"; fi
  if wait_until 30 checkpointed notes.odt; then
    pass "a checkpoint of $2's edit: $(ct_exec oxoolctl recoveries | grep ' notes.odt ' | cut -c1-100)"
  else fail "no checkpoint of $2's edit in notes.odt: $(ct_exec oxoolctl recoveries 2>&1 | head -3)"; fi
}
typed4=NspawnForkitKill$RANDOM$RANDOM
edit_notes_until_checkpointed F Fay "$typed4"
ws_send F "c-crash wait-close"
ct_exec systemctl kill -s KILL oxool-forkit.service
wait_until 30 grep -q '^c-crash ' "$payload/ws-F.out"
ws_stop F
# The broker reopens the document from its checkpoint in a new kit; with nobody left in it,
# it stores it and closes.
if wait_until 90 stored_text notes.odt "$typed4"; then
  pass "after forkit's SIGKILL, notes.odt in storage has the edit (from the checkpoint)"
else fail "notes.odt lacks the edit made before forkit's SIGKILL"; fi
typed5=NspawnWsdKill$RANDOM$RANDOM
edit_notes_until_checkpointed W Wes "$typed5"
wsd_pid=$(unit_prop oxool-wsd.service MainPID)
t0=$(now_ms)
ct_exec systemctl kill -s KILL oxool-wsd.service
ws_stop W
wsd_gone() { [ "$(unit_prop oxool-wsd.service MainPID)" != "$wsd_pid" ]; }
wait_until 30 wsd_gone
stored_text notes.odt "$typed5" && fail "notes.odt had the edit before wsd came back (a save other than recovery)"
is_active oxool-wsd.service || ct_exec systemctl start oxool-wsd.service
if wait_until 90 stored_text notes.odt "$typed5"; then
  ms=$(($(now_ms) - t0)); figure "wsd SIGKILL -> checkpoint in storage" "$ms ms"
  pass "after wsd's SIGKILL and start, notes.odt in storage has the edit ($ms ms)"
else
  fail "notes.odt lacks the edit made before wsd's SIGKILL"
  ct_exec oxoolctl recoveries 2>&1 | sed 's/^/    /'
  ct_exec journalctl -b --no-pager -o cat -u oxool-wsd 2>/dev/null | grep -iE 'recover|checkpoint' | tail -n 8 | sed 's/^/    /'
fi

step "a wsd that stops answering its watchdog is restarted (WatchdogSec=5s drop-in, SIGSTOP)"
ct_exec mkdir -p /run/systemd/system/oxool-wsd.service.d
printf '[Service]\nWatchdogSec=5s\n' | ct_exec tee /run/systemd/system/oxool-wsd.service.d/50-watchdog-test.conf >/dev/null
ct_exec systemctl daemon-reload
ct_exec systemctl restart oxool-wsd.service
pid=$(unit_prop oxool-wsd.service MainPID)
restarts=$(unit_prop oxool-wsd.service NRestarts)
[ "$(unit_prop oxool-wsd.service WatchdogUSec)" = 5s ] && is_active oxool-wsd.service &&
  pass "wsd restarted with WatchdogSec=5s (MainPID $pid, NRestarts $restarts)" ||
  fail "watchdog drop-in: WatchdogUSec=$(unit_prop oxool-wsd.service WatchdogUSec) $(unit_prop oxool-wsd.service ActiveState)"
t0=$(now_ms)
# The shell's kill: the image has no /bin/kill (procps).
ct_exec sh -c 'kill -STOP "$1"' sh "$pid"
wsd_restarted() {
  is_active oxool-wsd.service && [ "$(unit_prop oxool-wsd.service NRestarts)" -gt "$restarts" ] &&
    [ "$(unit_prop oxool-wsd.service MainPID)" != "$pid" ]
}
if wait_until 90 wsd_restarted; then
  ms=$(($(now_ms) - t0)); figure "wsd SIGSTOP -> restarted (WatchdogSec=5s)" "$ms ms"
  pass "restarted $ms ms after SIGSTOP: MainPID $pid -> $(unit_prop oxool-wsd.service MainPID), NRestarts $restarts -> $(unit_prop oxool-wsd.service NRestarts)"
else
  fail "wsd not restarted: $(unit_prop oxool-wsd.service ActiveState)/$(unit_prop oxool-wsd.service SubState) NRestarts $(unit_prop oxool-wsd.service NRestarts) MainPID $(unit_prop oxool-wsd.service MainPID)"
  ct_exec sh -c 'kill -CONT "$1"' sh "$pid" 2>/dev/null
fi
ct_exec journalctl -b --no-pager -o cat -u oxool-wsd.service 2>/dev/null | grep -iE 'watchdog|Main process exited|Scheduled restart' | tail -n 3 | sed 's/^/    /'
code=$(ct_net_exec curl -sS --max-time 60 -o /dev/null -w '%{http_code}' http://127.0.0.1:9980/hosting/capabilities 2>&1)
[ "$code" = 200 ] && pass "the restarted wsd serves: GET /hosting/capabilities 200" || fail "after the restart: $code"

step "upgrade in place with an open, modified document (apt-get install --reinstall)"
typed3=NspawnUpgrade$RANDOM$RANDOM
if ws_start U --document sample.docx --user Uma --type "$typed3"; then
  pass "a document modified before the upgrade: $(ws_line U '^typed ')"
  ws_send U "c-close wait-close"
  t0=$(now_ms)
  if ct_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
       "/payload/$(basename "$deb")" >"$payload/apt-upgrade.log" 2>&1; then
    pass "apt-get install --reinstall with a session open: $(($(now_ms) - t0)) ms"
  else fail "apt-get install --reinstall"; tail -n 30 "$payload/apt-upgrade.log"; fi
  wait_until 30 grep -q '^c-close ' "$payload/ws-U.out"
  out=$(ws_line U '^c-close ')
  if grep -q 'reason=shutdown' <<<"$out"; then pass "the session was told: ${out#c-close ok }"
  else fail "the session at the upgrade: ${out:-no answer}"; ws_failure U; fi
  if stored_text sample.docx "$typed3"; then
    pass "the upgrade stored the edit before wsd restarted"
  else fail "sample.docx lacks the edit made before the upgrade"; fi
  ws_stop U
  code=$(ct_net_exec curl -sS --max-time 60 -o /dev/null -w '%{http_code}' http://127.0.0.1:9980/hosting/capabilities 2>&1)
  [ "$code" = 200 ] && pass "wsd comes back after the upgrade (socket activation): 200" ||
    fail "after the upgrade: $code"
else fail "session U did not open"; ws_failure U; fi

step "systemd-analyze security (online)"
for unit in oxool-wsd.service oxool-forkit.service; do
  line=$(ct_exec systemd-analyze security --no-pager "$unit" 2>/dev/null | grep 'Overall exposure level')
  if [ -n "$line" ]; then pass "$line"; else fail "systemd-analyze security $unit"; fi
  figure "systemd-analyze security $unit" "$(grep -oE '[0-9]+\.[0-9]+' <<<"$line" | head -1)"
done

echo; echo "-- figures:"
printf '    %s\n' "${figures[@]}"

if [ "$failures" -ne 0 ]; then
  echo; echo "-- systemctl --failed:"; ct_exec systemctl --failed --no-pager --no-legend | sed 's/^/    /'
  echo "-- journalctl -b -p warning (last 40):"
  ct_exec journalctl -b --no-pager -p warning | tail -n 40 | sed 's/^/    /'
  echo; echo "nspawn-test: $failures FAILED"; exit 1
fi
echo; echo "nspawn-test: all passed"
