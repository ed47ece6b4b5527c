"""History that survives the owner, end to end on both targets: after the owner sorts, filters and hides rows
of Snapshots, writes notes right of the Tracker's weeks, filters, formats and hides Tracker rows, adds a chart
or text boxes and types over a value, the next unchanged ``funnel-ledger run`` appends no snapshot row,
keeps every one of those, writes the typed-over value back and says so on Insights. The Google Sheet is read
back with gspread through the Sheets emulator; the workbook with openpyxl and its package parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gspread
import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import ColorScaleRule

from resources.sheets import RedirectingSession
from tests.test_reliability_support import SHEET, LiveRun
from tests.xlsx_shapes import add_text_box, text_boxes

pytestmark = pytest.mark.slow

NOTE = "spike from the webinar"


def _tracker_row(rows: list[list[Any]], label: str) -> int:
    """0-based row of a KPI's All row on the Tracker."""
    return next(i for i, row in enumerate(rows) if row and row[0] == label and len(row) > 1 and row[1] == "All")


def _sorted_history(rows: list[list[Any]]) -> list[list[Any]]:
    """The owner sorts Snapshots by value, largest first (the latest row of a key is no longer the last)."""
    return [rows[0], *sorted(rows[1:], key=lambda row: float(row[6]) if row[6] not in ("", None) else -1, reverse=True)]


def test_the_google_sheet_keeps_the_owners_work_and_an_unchanged_run_appends_nothing(
    tmp_path: Path, monkeypatch, capsys
):
    live = LiveRun(tmp_path, monkeypatch, target="sheet").start()
    assert live.suite is not None
    app = live.suite.app("sheets")
    try:
        assert live.run(capsys)[0] == 0
        app.auth_required = False
        book = gspread.Client(auth=None, session=RedirectingSession(live.suite.urls["sheets"])).open_by_key(SHEET)  # type: ignore[arg-type]
        tracker, snapshots = book.worksheet("Tracker"), book.worksheet("Snapshots")
        grid = tracker.get_all_values()
        weeks_end = len(grid[0])  # A..D: labels and two weeks
        row = _tracker_row(grid, "New contacts")
        typed_over = grid[row][2]
        # Snapshots: sorted by value, filtered, a row hidden, a note right of the table.
        history = _sorted_history(snapshots.get_all_values(value_render_option="UNFORMATTED_VALUE"))
        snapshots.update(history, "A1", raw=True)
        snapshots.update([["checked"]], "I1")
        snapshots.set_basic_filter(f"A1:G{len(history)}")
        snapshots.hide_rows(2, 3)  # 0-based: sheet row 3
        # Tracker: the owner's column right of the weeks (with a cell note), a filter over the block, a colour
        # scale over the weeks, a hidden row, and a value typed over.
        tracker.update([["Notes"]], "F1")
        tracker.update([[NOTE]], f"F{row + 1}")
        tracker.update_note(f"F{row + 1}", "ask Ana")
        tracker.set_basic_filter(f"A1:D{len(grid)}")
        tracker.hide_rows(row, row + 1)
        tracker.update([[12345]], f"C{row + 1}")
        scale = {
            "ranges": [
                {
                    "sheetId": tracker.id,
                    "startRowIndex": 1,
                    "endRowIndex": len(grid),
                    "startColumnIndex": 2,
                    "endColumnIndex": weeks_end,
                }
            ],
            "gradientRule": {
                "minpoint": {"color": {"red": 1, "green": 1, "blue": 1}, "type": "MIN"},
                "maxpoint": {"color": {"green": 0.7}, "type": "MAX"},
            },
        }
        costs = book.worksheet("Costs")
        owner_chart = {
            "spec": {"title": "Spend by channel", "basicChart": {"chartType": "COLUMN", "domains": [], "series": []}},
            "position": {"overlayPosition": {"anchorCell": {"sheetId": costs.id, "rowIndex": 1, "columnIndex": 7}}},
        }
        book.batch_update(
            {
                "requests": [
                    {"addConditionalFormatRule": {"rule": scale, "index": 0}},
                    {"addChart": {"chart": owner_chart}},
                ]
            }
        )
        before = snapshots.get_all_values()
        app.auth_required = True

        code, err = live.run(capsys)
        assert code == 0, err
        assert "0 snapshot rows appended" in err and "1 cells changed by hand written back" in err

        app.auth_required = False
        assert snapshots.get_all_values() == before  # nothing appended, the owner's order kept
        after = tracker.get_all_values()
        assert after[0][5] == "Notes" and after[row][5] == NOTE and after[row][2] == typed_over
        meta = book.fetch_sheet_metadata(
            params={
                "fields": "sheets(properties(title),basicFilter(range),conditionalFormats,charts(spec(title)),"
                "data(rowMetadata(hiddenByUser),rowData(values(note))))",
                "includeGridData": "true",
            }
        )
        sheets = {sheet["properties"]["title"]: sheet for sheet in meta["sheets"]}
        assert sheets["Tracker"]["basicFilter"]["range"]["endColumnIndex"] == weeks_end
        assert sheets["Snapshots"]["basicFilter"]["range"]["endRowIndex"] == len(history)
        assert sheets["Tracker"]["conditionalFormats"][0]["gradientRule"]["maxpoint"]["type"] == "MAX"
        hidden = {
            title: [i for i, r in enumerate(sheets[title]["data"][0]["rowMetadata"]) if r.get("hiddenByUser")]
            for title in ("Tracker", "Snapshots")
        }
        assert hidden == {"Tracker": [row], "Snapshots": [2]}
        tracker_notes = sheets["Tracker"]["data"][0]["rowData"][row]["values"]
        assert tracker_notes[5]["note"] == "ask Ana"
        assert [chart["spec"]["title"] for chart in sheets["Costs"].get("charts", [])] == ["Spend by channel"]
        insights = book.worksheet("Insights").get_all_values()
        restored = [r for r in insights if r[2] == "owner_edits_restored"]
        assert len(restored) == 1 and f"C{row + 1} (New contacts / All" in restored[0][3]
        assert "12345 -> " in restored[0][3]
    finally:
        app.auth_required = True
        live.stop()


def test_the_workbook_keeps_the_owners_work_and_an_unchanged_run_appends_nothing(tmp_path: Path, monkeypatch, capsys):
    live = LiveRun(tmp_path, monkeypatch, target="xlsx").start()
    try:
        assert live.run(capsys)[0] == 0
        path = live.workbook
        wb = openpyxl.load_workbook(path)
        tracker, snapshots = wb["Tracker"], wb["Snapshots"]
        grid = [list(r) for r in tracker.iter_rows(values_only=True)]
        row = _tracker_row(grid, "New contacts")
        typed_over = grid[row][2]
        history = _sorted_history([list(r) for r in snapshots.iter_rows(values_only=True)])
        for r, values in enumerate(history, start=1):
            for c, value in enumerate(values, start=1):
                snapshots.cell(r, c).value = value
        snapshots["I1"] = "checked"
        snapshots.auto_filter.ref = f"A1:G{len(history)}"
        snapshots.row_dimensions[3].hidden = True
        tracker["F1"] = "Notes"
        tracker.cell(row + 1, 6, NOTE).comment = Comment("ask Ana", "owner")
        tracker.auto_filter.ref = f"A1:D{len(grid)}"
        tracker.row_dimensions[row + 1].hidden = True
        tracker.conditional_formatting.add(
            f"C2:D{len(grid)}",
            ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="max", end_color="63BE7B"),
        )
        tracker.cell(row + 1, 3, 12345)
        wb.save(path)
        add_text_box(path, "Costs", "Q3 offline spend: see finance")
        add_text_box(path, "Charts", "How to read these charts", col=1, row=40)
        before = [list(r) for r in openpyxl.load_workbook(path)["Snapshots"].iter_rows(values_only=True)]

        code, err = live.run(capsys)
        assert code == 0, err
        assert "0 snapshot rows appended" in err and "1 cells changed by hand written back" in err

        wb = openpyxl.load_workbook(path)
        tracker, snapshots = wb["Tracker"], wb["Snapshots"]
        assert [list(r) for r in snapshots.iter_rows(values_only=True)] == before
        assert snapshots.auto_filter.ref == f"A1:G{len(history)}" and snapshots.row_dimensions[3].hidden
        assert tracker["F1"].value == "Notes" and tracker.cell(row + 1, 6).value == NOTE
        assert tracker.cell(row + 1, 6).comment.text == "ask Ana"
        assert tracker.cell(row + 1, 3).value == typed_over
        assert tracker.auto_filter.ref == f"A1:D{len(grid)}" and tracker.row_dimensions[row + 1].hidden
        assert [str(cf.sqref) for cf in tracker.conditional_formatting] == [f"C2:D{len(grid)}"]
        assert text_boxes(path, "Costs") == [("Q3 offline spend: see finance", 6, 1)]
        assert text_boxes(path, "Charts") == [("How to read these charts", 1, 40)]
        assert wb["Charts"]._charts, "the pipeline's charts are still there"
        restored = [r for r in wb["Insights"].iter_rows(values_only=True) if r[2] == "owner_edits_restored"]
        assert len(restored) == 1 and f"C{row + 1} (New contacts / All" in restored[0][3]
    finally:
        live.stop()
