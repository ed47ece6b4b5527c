"""The workbook after the owner's hand: sorting Snapshots, notes right of the weeks, an autofilter, hidden rows,
conditional formatting, comments and text boxes all survive the next runs; a new week moves the owner's
column right with the weeks and stretches the filter; a value typed over is written back and named."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import ColorScaleRule

from sheets_sync import XlsxTracker, build_update
from sheets_sync.insights_tab import InsightRow
from tests.test_xlsx_writer import CATALOG, CHANNELS, RUN1_AT, RUN2_AT, RUN3_AT, W1, W2, update_for, values
from tests.xlsx_shapes import add_text_box, text_boxes

pytestmark = pytest.mark.unit

W3 = date(2026, 11, 16)


@pytest.fixture
def book(tmp_path: Path) -> XlsxTracker:
    return XlsxTracker(tmp_path / "tracker.xlsx")


def _row_of(ws, label: str, channel: str = "All") -> int:
    carried = ""
    for row in ws.iter_rows(min_row=2):
        carried = row[0].value or carried if row[1].value else ""
        if (carried, row[1].value) == (label, channel):
            return row[0].row
    raise KeyError(label)


def _owner_edits(path: Path) -> None:
    """What a busy owner does between two runs."""
    wb = openpyxl.load_workbook(path)
    tracker = wb["Tracker"]
    weeks_end = tracker.max_column  # C..D: two weeks
    notes = weeks_end + 2  # a gap column, then the owner's notes
    tracker.cell(1, notes, "Notes")
    sessions = _row_of(tracker, "Sessions")
    tracker.cell(sessions, notes, "spike from the webinar")
    tracker.cell(sessions, notes).comment = Comment("ask Ana", "owner")
    tracker.auto_filter.ref = f"A1:{tracker.cell(1, weeks_end).column_letter}{tracker.max_row}"
    revenue = _row_of(tracker, "Revenue won")
    tracker.row_dimensions[revenue].hidden = True
    scale = ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="max", end_color="63BE7B")
    tracker.conditional_formatting.add(f"C2:{tracker.cell(1, weeks_end).column_letter}{tracker.max_row}", scale)
    snapshots = wb["Snapshots"]
    rows = [list(row) for row in snapshots.iter_rows(min_row=2, values_only=True)]
    rows.sort(key=lambda row: str(row[6]), reverse=True)  # sorted by value, newest no longer last
    for offset, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            snapshots.cell(offset, column).value = value  # cell(..., value=None) would leave the old value
    snapshots.cell(1, 9, "checked")
    snapshots.cell(3, 9, "ok")
    wb.save(path)
    add_text_box(path, "Costs", "Q3 offline spend: see finance")
    add_text_box(path, "Tracker", "Read me first", col=weeks_end + 1, row=3)


def test_an_unchanged_run_after_the_owners_edits_appends_nothing_and_keeps_everything(book: XlsxTracker):
    book.write(update_for(book, RUN1_AT))
    _owner_edits(book.path)
    snapshots_before = [list(r) for r in openpyxl.load_workbook(book.path)["Snapshots"].iter_rows(values_only=True)]

    again = update_for(book, RUN2_AT)
    assert again.snapshots_append == [] and again.summary.owner_edits_restored == 0
    result = book.write(again)
    assert result.snapshot_rows_appended == 0

    wb = openpyxl.load_workbook(book.path)
    tracker = wb["Tracker"]
    sessions = _row_of(tracker, "Sessions")
    assert tracker.cell(1, 6).value == "Notes"
    assert tracker.cell(sessions, 6).value == "spike from the webinar"
    assert tracker.cell(sessions, 6).comment.text == "ask Ana"
    assert tracker.auto_filter.ref == f"A1:D{tracker.max_row}"
    assert tracker.row_dimensions[_row_of(tracker, "Revenue won")].hidden
    assert [str(cf.sqref) for cf in tracker.conditional_formatting] == [f"C2:D{tracker.max_row}"]
    assert [list(r) for r in wb["Snapshots"].iter_rows(values_only=True)] == snapshots_before
    assert text_boxes(book.path, "Costs") == [("Q3 offline spend: see finance", 6, 1)]
    assert text_boxes(book.path, "Tracker") == [("Read me first", 5, 3)]


def test_a_new_week_moves_the_owners_column_and_stretches_the_filter(book: XlsxTracker):
    book.write(update_for(book, RUN1_AT))
    _owner_edits(book.path)
    frame = values()
    frame.loc[len(frame)] = [W3, "sessions", "1.abc123", "All", 140.0]
    frame.loc[len(frame)] = [W3, "sessions", "1.abc123", "Outbound", 9.0]  # a new row, mid-Tracker
    book.write(update_for(book, RUN3_AT, frame))

    wb = openpyxl.load_workbook(book.path)
    tracker = wb["Tracker"]
    header = [cell.value for cell in tracker[1]]
    assert header[:5] == ["KPI", "Channel", W1.isoformat(), W2.isoformat(), W3.isoformat()]
    assert header[6] == "Notes"  # still one gap right of the last week
    sessions = _row_of(tracker, "Sessions")
    assert tracker.cell(sessions, 7).value == "spike from the webinar"
    assert tracker.cell(sessions, 7).comment.text == "ask Ana"
    assert tracker.auto_filter.ref == f"A1:E{tracker.max_row}"
    assert tracker.row_dimensions[_row_of(tracker, "Revenue won")].hidden
    assert [str(cf.sqref) for cf in tracker.conditional_formatting] == [f"C2:E{tracker.max_row}"]
    assert text_boxes(book.path, "Tracker") == [("Read me first", 6, 3)]
    assert text_boxes(book.path, "Costs") == [("Q3 offline spend: see finance", 6, 1)]


def test_a_value_typed_over_is_written_back_and_named_on_insights(book: XlsxTracker):
    book.write(update_for(book, RUN1_AT))
    wb = openpyxl.load_workbook(book.path)
    tracker = wb["Tracker"]
    sessions = _row_of(tracker, "Sessions")
    tracker.cell(sessions, 3, 999)  # W1, outside the next run's range
    wb.save(book.path)
    only_w2 = values()[lambda f: f["week_start"] == W2]
    update = build_update(
        only_w2,
        CATALOG,
        book.read_tabs(),
        run_id="run-3",
        snapshot_at=datetime(2026, 11, 24, tzinfo=UTC),
        channel_order=CHANNELS,
        insights=[InsightRow(W2, "ga4", "thresholding", "withheld", 1)],
    )
    book.write(update)
    wb = openpyxl.load_workbook(book.path)
    assert wb["Tracker"].cell(sessions, 3).value == 100
    notes = [row for row in wb["Insights"].iter_rows(values_only=True) if row[2] == "owner_edits_restored"]
    assert len(notes) == 1 and notes[0][3].startswith(
        f"Tracker: 1 cell the pipeline writes differed from the latest value in Snapshots and was written back: "
        f"C{sessions} (Sessions / All, week {W1}: 999 -> 100)"
    )
