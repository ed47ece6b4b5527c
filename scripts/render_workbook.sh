#!/usr/bin/env bash
# Render a tracker workbook with LibreOffice headless, to check by eye what an owner sees when opening or
# printing it: the PDF of every tab, and PNGs of the first page of the Scorecard and of the Tracker.
#
#   scripts/render_workbook.sh [--all] WORKBOOK OUTDIR
#
# Writes OUTDIR/<name>.pdf, OUTDIR/<name>-scorecard.png and OUTDIR/<name>-tracker.png (110 dpi), and with
# --all every page as OUTDIR/<name>-<page>.png (60 dpi). Prints the paths it wrote. Needs `soffice`
# (libreoffice-calc) and `pdftoppm`/`pdftotext` (poppler-utils); see docs/rendering.md.
set -euo pipefail

all_pages=0
if [[ ${1:-} == "--all" ]]; then
    all_pages=1
    shift
fi
if [[ $# -ne 2 ]]; then
    echo "usage: $0 [--all] WORKBOOK OUTDIR" >&2
    exit 2
fi
workbook=$1
outdir=$2
for tool in soffice pdftoppm pdftotext; do
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
pdf="$outdir/$name.pdf"
# A private profile: a LibreOffice already open on the desktop (or a parallel render) would otherwise grab
# the conversion or lock the shared profile.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice --headless --norestore "-env:UserInstallation=file://$profile" \
    --convert-to pdf --outdir "$outdir" "$workbook" >/dev/null 2>&1
echo "$pdf"

# Tabs print in tab order; find each one's first page by its text (the Snapshots tab prints its header
# only, so the whole workbook is a few dozen pages at most and this takes a second).
pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
pages=${pages:-0}
first_page() {  # first page whose text matches the extended regex $1 (empty when none)
    local page
    for ((page = 1; page <= pages; page++)); do
        # Read the whole page before matching: grep -q would close the pipe early, and pipefail would
        # then count the killed pdftotext as a failure.
        if grep -Eq "$1" <<<"$(pdftotext -f "$page" -l "$page" -layout "$pdf" - 2>/dev/null)"; then
            echo "$page"
            return
        fi
    done
}
render_page() {  # page, output name
    pdftoppm -png -r 110 -singlefile -f "$1" -l "$1" "$pdf" "$outdir/$name-$2"
    echo "$outdir/$name-$2.png"
}
scorecard=$(first_page '^ *Scorecard: week of|^ *Scorecard$')
tracker=$(first_page '^ *KPI +Channel +[0-9]{4}-[0-9]{2}-[0-9]{2}')
if [[ -n $scorecard ]]; then render_page "$scorecard" scorecard; fi
if [[ -n $tracker ]]; then render_page "$tracker" tracker; fi
if ((all_pages)); then
    pdftoppm -png -r 60 "$pdf" "$outdir/$name"
    ls "$outdir/$name"-[0-9]*.png
fi
