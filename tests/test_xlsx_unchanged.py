"""The workbook writer's cost follows the change: Snapshots rows read from their XML and spliced back on save,
and a write that would change nothing leaves the file (and its revision) untouched."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.writer.excel import ExcelWriter

from sheets_sync import XlsxTracker, build_presentation, empty_targets
from sheets_sync.update import TrackerUpdate
from sheets_sync.xlsx_cells import grid_from_rows
from sheets_sync.xlsx_package import CONTENT
from sheets_sync.xlsx_revision import WorkbookRevision
from sheets_sync.xlsx_sheetdata import read_rows, read_sheet_parts
from tests.test_xlsx_writer import RUN1_AT, RUN2_AT, RUN3_AT, sheet_values, update_for, values

pytestmark = pytest.mark.unit


@pytest.fixture
def book(tmp_path: Path) -> XlsxTracker:
    return XlsxTracker(tmp_path / "tracker.xlsx")


def write(book: XlsxTracker, update: TrackerUpdate):  # type: ignore[no-untyped-def]
    # The same as-of day for every run: the presentation (which weeks are complete) depends on it.
    return book.write(update, build_presentation(update, empty_targets(), currency="USD", as_of=date(2026, 11, 30)))


def openpyxl_grid(path: Path, title: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return grid_from_rows(wb[title].iter_rows(values_only=True))
    finally:
        wb.close()


def fast_grid(path: Path, title: str) -> list[list[object]] | None:
    with zipfile.ZipFile(path) as archive:
        parts = read_sheet_parts(archive, title)
    assert parts is not None
    return read_rows(parts.rows)


def test_fast_reader_reads_what_openpyxl_reads(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Snapshots"
    ws.append(["snapshot_at", "run_id", "week_start", "kpi_id", "kpi_version", "channel", "value"])
    ws.append(["a & b < c > d", ' "quoted" ', "  lead", "tab\there", "ünïcödé €", "x", 1])
    ws.append(["2026-11-17T06:00:00Z", "r", "2026-11-02", "k", "1.abc", "All", 0.1 + 0.2])
    ws.append(["s", "r", "w", "k", "v", "c"])  # no value: the cell is left out
    ws.cell(row=6, column=2, value="gap before and after")
    ws.cell(row=6, column=7, value=-1.5e-12)
    ws.cell(row=7, column=3).fill = PatternFill("solid", fgColor="FFFFFF00")  # styled, empty
    ws.cell(row=8, column=1, value=12345678901234)
    wb.save(path)

    fast = fast_grid(path, "Snapshots")

    assert fast is not None
    assert fast == openpyxl_grid(path, "Snapshots")
    assert fast[7] == [12345678901234]


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A2" t="s"><v>0</v></c>',  # a shared string (a workbook saved by Excel)
        '<c r="A2"><f>1+1</f><v>2</v></c>',  # a formula
        '<c r="A2" t="b"><v>1</v></c>',  # a boolean
        '<c r="A2" s="3" t="n"><v>46000</v></c>',  # a styled number: could be a date
        '<c r="A2" t="inlineStr"><is><r><t>rich</t></r></is></c>',  # rich text
    ],
    ids=["shared-string", "formula", "boolean", "styled-number", "rich-text"],
)
def test_fast_reader_declines_what_it_does_not_know(cell: str) -> None:
    assert read_rows(f'<row r="1"><c r="A1" t="n"><v>1</v></c></row><row r="2">{cell}</row>'.encode()) is None


def test_unchanged_rerun_is_not_saved(book: XlsxTracker) -> None:
    assert write(book, update_for(book, RUN1_AT)).saved
    before = book.path.read_bytes()
    stat = book.path.stat()

    result = write(book, update_for(book, RUN2_AT))

    assert not result.saved and result.snapshot_rows_appended == 0
    assert book.path.read_bytes() == before
    assert book.path.stat().st_mtime_ns == stat.st_mtime_ns
    revision = WorkbookRevision.of(openpyxl.load_workbook(book.path))
    assert (revision.number, revision.run_id) == (1, "run-1110")
    # Unchanged again on the next run: what the first run wrote still stands.
    assert not write(book, update_for(book, RUN3_AT)).saved


def test_a_change_is_written_and_appended_below_the_rows_kept_aside(book: XlsxTracker) -> None:
    write(book, update_for(book, RUN1_AT))
    before = sheet_values(book.path, "Snapshots")

    result = write(book, update_for(book, RUN2_AT, values(scale=1.05)))

    assert result.saved and result.snapshot_rows_appended == 1
    after = sheet_values(book.path, "Snapshots")
    assert after[: len(before)] == before
    assert after[len(before) :] == [
        ["2026-11-17T06:00:00Z", "run-1117", "2026-11-02", "sessions", "1.abc123", "All", 105]
    ]
    with zipfile.ZipFile(book.path) as archive:
        parts = read_sheet_parts(archive, "Snapshots")
    assert parts is not None and b'<dimension ref="A1:G12" />' in parts.prefix
    assert fast_grid(book.path, "Snapshots") == openpyxl_grid(book.path, "Snapshots")
    assert WorkbookRevision.of(openpyxl.load_workbook(book.path)).number == 2


def save_stamped(wb: Workbook, path: Path, modified: datetime) -> None:
    """Save as another program would, with the given save stamp (``wb.save`` stamps the current second)."""
    wb.properties.modified = modified
    archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()


def recorded_stamp(path: Path) -> datetime:
    wb = openpyxl.load_workbook(path)
    record = next(prop.value for prop in wb.custom_doc_props.props if prop.name == CONTENT)
    return datetime.strptime(record.split("@")[1], "%Y-%m-%dT%H:%M:%SZ")


def test_a_save_by_someone_else_is_written_over_again(book: XlsxTracker) -> None:
    write(book, update_for(book, RUN1_AT))
    wb = openpyxl.load_workbook(book.path)
    wb["Tracker"].cell(row=1, column=1).fill = PatternFill("solid", fgColor="FFFF0000")
    save_stamped(wb, book.path, datetime(2099, 1, 1))  # Excel and LibreOffice stamp every save

    assert write(book, update_for(book, RUN2_AT)).saved
    assert not write(book, update_for(book, RUN3_AT)).saved


def test_a_deleted_tab_is_put_back_even_when_the_save_stamp_is_kept(book: XlsxTracker) -> None:
    write(book, update_for(book, RUN1_AT))
    wb = openpyxl.load_workbook(book.path)
    del wb["Costs"]
    save_stamped(wb, book.path, recorded_stamp(book.path))

    assert write(book, update_for(book, RUN2_AT)).saved
    assert "Costs" in openpyxl.load_workbook(book.path).sheetnames


def test_without_a_presentation_the_write_always_saves(book: XlsxTracker) -> None:
    book.write(update_for(book, RUN1_AT))
    assert book.write(update_for(book, RUN2_AT)).saved


def test_a_write_records_its_inputs_and_only_the_same_file_and_inputs_match(book: XlsxTracker) -> None:
    assert not book.holds_inputs("inputs-1"), "no workbook yet"
    assert book.write(
        update_for(book, RUN1_AT),
        build_presentation(update_for(book, RUN1_AT), empty_targets(), currency="USD", as_of=date(2026, 11, 30)),
        inputs="inputs-1",
    ).saved
    assert book.holds_inputs("inputs-1")
    assert not book.holds_inputs("inputs-2") and not book.holds_inputs("")

    # Another run with other inputs that would write nothing new: the file is unchanged, and now known to hold
    # what those inputs give as well.
    update = update_for(book, RUN2_AT)
    presentation = build_presentation(update, empty_targets(), currency="USD", as_of=date(2026, 11, 30))
    assert not book.write(update, presentation, inputs="inputs-2").saved
    assert book.holds_inputs("inputs-2") and not book.holds_inputs("inputs-1")

    # The owner saves, keeping even the save stamp: the bytes differ, so the next run reads the workbook.
    wb = openpyxl.load_workbook(book.path)
    wb["Tracker"].cell(row=2, column=3).value = 12345
    save_stamped(wb, book.path, recorded_stamp(book.path))
    assert not book.holds_inputs("inputs-2")


def test_a_write_without_inputs_or_an_unreadable_record_means_the_workbook_is_read(book: XlsxTracker) -> None:
    from sheets_sync.xlsx_inputs import record_path

    update = update_for(book, RUN1_AT)
    presentation = build_presentation(update, empty_targets(), currency="USD", as_of=date(2026, 11, 30))
    book.write(update, presentation, inputs="inputs-1")
    record = record_path(book.path)
    assert record.name == ".tracker.xlsx.inputs" and record.exists()

    record.write_text("{not json")
    assert not book.holds_inputs("inputs-1")
    record.write_text('["inputs-1"]')
    assert not book.holds_inputs("inputs-1")

    book.write(update_for(book, RUN2_AT), presentation)  # a caller that does not say what it built from
    assert not record.exists() and not book.holds_inputs("inputs-1")
