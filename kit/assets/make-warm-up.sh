#!/bin/sh
# Regenerates warm-up.docx (embedded in the kit, kit/src/warm_up.rs) from warm-up.fodt.
#
#   kit/assets/make-warm-up.sh
#
# Needs LibreOffice (soffice). The generated file is committed; rerun this only when the source
# changes. LibreOffice runs with a throw-away profile.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/oxool-warm-up.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
TMPDIR=$scratch soffice --headless --norestore --nologo \
    "-env:UserInstallation=file://$scratch/profile" \
    --convert-to docx --outdir "$here" "$here/warm-up.fodt"
