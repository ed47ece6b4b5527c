#!/usr/bin/env bash
# Render a tracker workbook to PDF (every tab) and PNG pages with LibreOffice headless, to check by eye
# what an owner sees when opening it.
#
#   scripts/render_workbook.sh WORKBOOK OUTDIR
#
# Writes OUTDIR/<name>.pdf and OUTDIR/<name>-<page>.png (60 dpi). Needs `soffice` (libreoffice-calc) and
# `pdftoppm` (poppler-utils); see docs/rendering.md.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 WORKBOOK OUTDIR" >&2
    exit 2
fi
workbook=$1
outdir=$2
for tool in soffice pdftoppm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: '$tool' not found; install libreoffice-calc and poppler-utils (docs/rendering.md)" >&2
        exit 3
    fi
done
if [[ ! -f $workbook ]]; then
    echo "$0: no such workbook: $workbook" >&2
    exit 2
fi

mkdir -p "$outdir"
name=$(basename "${workbook%.*}")
# A private profile: a LibreOffice already open on the desktop (or a parallel render) would otherwise grab
# the conversion or lock the shared profile.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice --headless --norestore "-env:UserInstallation=file://$profile" \
    --convert-to pdf --outdir "$outdir" "$workbook" >/dev/null
pdftoppm -png -r 60 "$outdir/$name.pdf" "$outdir/$name"
echo "$outdir/$name.pdf"
