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


def _text(pdf: Path) -> list[str]:
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split("\f")


def test_scorecard_and_tracker_first_pages_render_and_snapshots_stay_out_of_print(tmp_path: Path) -> None:
    book, _, _ = _write_runs(tmp_path / "tracker.xlsx", with_scorecard=True)
    out = tmp_path / "render"

    done = subprocess.run(
        [str(SCRIPT), str(book.path), str(out)], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    pdf = out / "tracker.pdf"
    assert done.stdout.split() == [str(pdf), str(out / "tracker-scorecard.png"), str(out / "tracker-tracker.png")]
    assert all(path.stat().st_size > 0 for path in out.glob("*.png"))
    pages = [page for page in _text(pdf) if page.strip()]
    # Scorecard first: the KPIs with their values in their unit's format.
    assert "Scorecard: week of Mon 05 Oct 2026" in pages[0]
    for expected in ("New MQLs", "Cost per lead", "$109", "-9%", "vs target"):
        assert expected in pages[0], expected
    # Tracker: one page wide with the labels, numbers in their unit's format.
    tracker = next(page for page in pages if page.lstrip().startswith("KPI"))
    for expected in ("Cost per lead", "2026-10-05", "$109", "28.0%", "30.3 days", "$12,001", "Earlier definitions"):
        assert expected in tracker, expected
    assert "New MQLs (v1.aaa111)" not in tracker  # collapsed rows do not print
    # Snapshots print their header only.
    snapshots = [page for page in pages if "snapshot_at" in page]
    assert len(snapshots) == 1 and "run-1" not in snapshots[0]
    # Charts tab: the matured cohort's funnel and the trends, with their legends.
    charts = next(page for page in pages if "Cohort funnel" in page)
    for expected in ("contacts created the week", "2026-09-28", "New MQLs, weekly", "Inbound", "New contacts"):
        assert expected in charts, expected


def test_every_page_with_all(tmp_path: Path) -> None:
    book, _, _ = _write_runs(tmp_path / "tracker.xlsx")
    out = tmp_path / "render"

    done = subprocess.run(
        [str(SCRIPT), "--all", str(book.path), str(out)], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    pages = [page for page in _text(out / "tracker.pdf") if page.strip()]
    assert len(sorted(out.glob("tracker-[0-9]*.png"))) == len(pages) >= 3
    assert not (out / "tracker-scorecard.png").exists()  # no Scorecard in this workbook
