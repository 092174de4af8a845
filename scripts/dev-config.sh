#!/usr/bin/env bash
# Writes a development configuration under DIR (default build/dev) for `make run`: the
# systemplate, the preinit profile and the jails all live in the work tree, not in /var or /run.
# Usage: dev-config.sh [DIR] [BIN] [PORT]; PORT (default 9980) is the only WOPI host allowed:
# the built-in local store on wsd's own port.
set -euo pipefail
dir=${1:-build/dev}
bin=${2:-target/debug}
port=${3:-9980}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
"$bin/oxool-systemplate-setup" "$dir/systemplate" >/dev/null
mkdir -p "$dir/jails" "$dir/samples"
# Sample documents for the built-in local store: the small known documents of the test suite.
repo=$(cd "$(dirname "$0")/.." && pwd)
for f in simple.odt simple.docx simple.ods simple.xlsx simple.odp simple.pptx; do
  cp -n "$repo/tests/fixtures/$f" "$dir/samples/$f"
done
cat > "$dir/oxool.toml" <<TOML
# Development configuration written by scripts/dev-config.sh; see etc/oxool.toml for every key.
[kit]
systemplate = "$dir/systemplate"
jails_root = "$dir/jails"
profile_dir = "$dir/preinit-profile"
seed_profile = "$dir/no-seed"

[local_store]
root = "$dir/documents"
samples = "$dir/samples"
token_key_file = "$dir/local-store.key"

[browser]
root = "$repo/browser"

[editing]
recovery_dir = "$dir/recovery"

[storage]
proof_key_dir = "$dir/proof"
wopi_hosts = ["http://127.0.0.1:$port", "http://localhost:$port"]

[forkit]
binary = "$(cd "$bin" && pwd)/oxool-forkit"
bus = "standalone"
TOML
echo "$dir/oxool.toml"
