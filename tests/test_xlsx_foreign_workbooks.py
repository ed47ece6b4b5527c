"""Workbooks an owner brings from elsewhere are updated in place, owner tabs intact.

Kinds that can be produced on this machine: written by LibreOffice (headless), written by hand (the smallest
valid SpreadsheetML package, without the optional ``<calcPr>``), and openpyxl's own with ``<calcPr>`` removed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from sheets_sync import XlsxTracker
from tests.test_xlsx_writer import RUN1_AT, RUN2_AT, update_for

OWNER_NOTES = [["Owner notes", None], ["Budget Q4", 42000]]
TARGET_ROW = ["revenue_won", "All", datetime(2026, 10, 1), datetime(2026, 12, 31), 90000]


def _owner_workbook(path: Path) -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    for row in OWNER_NOTES:
        notes.append(row)
    targets = wb.create_sheet("Targets")
    targets.append(["kpi_id", "channel", "period_start", "period_end", "target"])
    targets.append(TARGET_ROW)
    wb.save(path)


def _without_calc_pr(path: Path) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    workbook_xml = parts["xl/workbook.xml"].decode()
    parts["xl/workbook.xml"] = re.sub(r"<calcPr[^>]*/>", "", workbook_xml).encode()
    assert b"calcPr" not in parts["xl/workbook.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


_HAND_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Notes" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
    "xl/worksheets/sheet1.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Owner notes</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Budget Q4</t></is></c><c r="B2"><v>42000</v></c></row>'
        "</sheetData></worksheet>"
    ),
}


def _hand_written(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in _HAND_PARTS.items():
            package.writestr(name, text)


def _rows(path: Path, title: str) -> list[list[object]]:
    return [list(row) for row in openpyxl.load_workbook(path)[title].iter_rows(values_only=True)]


def _runs_twice_and_keeps_the_owner_tabs(path: Path, *, with_targets: bool) -> None:
    book = XlsxTracker(path)
    book.write(update_for(book, RUN1_AT))
    book.write(update_for(book, RUN2_AT))

    wb = openpyxl.load_workbook(path)
    assert {"Tracker", "Snapshots", "Definitions", "Targets", "Costs", "Notes"} <= set(wb.sheetnames)
    assert wb.calculation is not None and wb.calculation.fullCalcOnLoad
    assert _rows(path, "Notes") == OWNER_NOTES
    if with_targets:
        assert _rows(path, "Targets")[1] == TARGET_ROW
    tracker_labels = [row[0] for row in _rows(path, "Tracker")[1:] if row[0]]
    assert "Sessions" in tracker_labels


@pytest.mark.unit
def test_a_workbook_without_calc_pr_is_updated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "no-calcpr.xlsx"
    _owner_workbook(path)
    _without_calc_pr(path)
    assert openpyxl.load_workbook(path).calculation is None  # the case that crashed the writer

    _runs_twice_and_keeps_the_owner_tabs(path, with_targets=True)


@pytest.mark.unit
def test_a_hand_written_minimal_workbook_is_updated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "by-hand.xlsx"
    _hand_written(path)

    _runs_twice_and_keeps_the_owner_tabs(path, with_targets=False)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed (see docs/rendering.md)")
def test_a_workbook_saved_by_libreoffice_is_updated_in_place(tmp_path: Path) -> None:
    source = tmp_path / "owner.xlsx"
    _owner_workbook(source)
    # Round trip through LibreOffice's own format so that every part of the result is written by LibreOffice.
    profile = tmp_path / "profile"
    for target, src in (("ods", source), ("xlsx", tmp_path / "owner.ods")):
        out = tmp_path / target
        done = subprocess.run(
            [
                "soffice",
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                target,
                "--outdir",
                str(out),
                str(src),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        shutil.move(out / f"owner.{target}", tmp_path / f"owner.{target}")
    path = tmp_path / "owner.xlsx"
    with zipfile.ZipFile(path) as package:
        assert b"LibreOffice" in package.read("docProps/app.xml")

    _runs_twice_and_keeps_the_owner_tabs(path, with_targets=True)
