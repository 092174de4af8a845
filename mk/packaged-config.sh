#!/usr/bin/env bash
# packaged-config.sh SRC DEST -- write the /etc/oxool/oxool.toml that the .deb and .rpm ship.
#
# SRC is the documented default configuration (etc/oxool.toml: every key, commented out, with
# its default). The packages run wsd and forkit as systemd services, so they differ from it in
# one place: wsd reaches forkit on the system bus (oxool-forkit.service, D-Bus activated)
# instead of starting it itself. Only that key is rewritten, in place, so every other comment
# and default stays exactly as documented. (forkit reads the same file's [kit] section:
# oxool-forkit --config, default /etc/oxool/oxool.toml.)
#
# Fails if SRC has no [forkit] section or the result does not set bus = "system" exactly once.
set -euo pipefail
src=${1:?usage: packaged-config.sh SRC DEST}
dest=${2:?usage: packaged-config.sh SRC DEST}
tmp="$dest.tmp.$$"
awk '
  /^\[/ { in_forkit = ($0 ~ /^\[forkit\][ \t]*$/); if (in_forkit) seen = 1 }
  in_forkit && /^#?[ \t]*bus[ \t]*=/ {
    print "# Packaged for systemd: forkit is oxool-forkit.service on the system bus."
    print "bus = \"system\""; done = 1; next
  }
  { print }
  END { if (!seen) exit 3; if (!done) exit 4 }
' "$src" >"$tmp" || { rc=$?; rm -f "$tmp"; echo "packaged-config: $src: no [forkit] section or no bus key (rc=$rc)" >&2; exit 1; }
n=$(grep -c '^bus = "system"$' "$tmp" || true)
[ "$n" = 1 ] || { rm -f "$tmp"; echo "packaged-config: expected one bus = \"system\", found $n" >&2; exit 1; }
mv "$tmp" "$dest"
