# release-inputs.sh -- sourced by build-deb.sh and build-rpm.sh, whose shared start it is:
#   source "$(dirname "${BASH_SOURCE[0]}")/release-inputs.sh" TOOL "$@"
# sets repo (the source tree), out (OUTDIR, the caller's first argument) and bin (the prebuilt
# release binaries: OXOOL_BIN_DIR, default target/release), and stops with TOOL's name when a
# binary the packages ship is missing.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${2:?usage: $1.sh OUTDIR}
bin=${OXOOL_BIN_DIR:-$repo/target/release}
for b in oxool-wsd oxool-forkit oxool-systemplate-setup; do
  [ -x "$bin/$b" ] || { echo "$1: $bin/$b missing; run: cargo build --release -p oxool-wsd -p oxool-forkit -p oxool-systemplate" >&2; exit 1; }
done
