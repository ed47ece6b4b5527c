"""The tracker workbook as LibreOffice renders it: pages exist, charts and formatted numbers are on them.

Skipped (never failed) where LibreOffice (``soffice``) or poppler (``pdftoppm``, ``pdftotext``) is missing;
docs/rendering.md says how to install them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_presentation import _write_runs

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "render_workbook.sh"
TOOLS = ("soffice", "pdftoppm", "pdftotext")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in TOOLS),
        reason="LibreOffice / poppler not installed (see docs/rendering.md)",
    ),
]


def test_workbook_renders_tracker_and_charts_to_pdf_and_png(tmp_path: Path) -> None:
    book, _, _ = _write_runs(tmp_path / "tracker.xlsx")
    out = tmp_path / "render"

    done = subprocess.run(
        [str(SCRIPT), str(book.path), str(out)], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    pdf = out / "tracker.pdf"
    assert done.stdout.strip() == str(pdf)
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split("\f")
    pngs = sorted(out.glob("tracker-*.png"))
    text = "\n".join(pages)
    # pdftotext ends the last page with a form feed too.
    assert len([page for page in pages if page.strip()]) == len(pngs) >= 2
    # Tracker: labels, week headers and numbers in their unit's format.
    for expected in ("Cost per lead", "2026-10-05", "$109.00", "28.0%", "30.3", "12,000.50"):
        assert expected in text, expected
    # Charts tab: both chart titles and the series names of the legends.
    charts = next(page for page in pages if "Cohort funnel" in page)
    for expected in ("Cohort funnel, week of 2026-10-05 (All)", "Leading vs lagging", "New customers", "New contacts"):
        assert expected in charts, expected
