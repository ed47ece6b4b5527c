"""The Google Sheet writer around the owner's work: a new week and a new row move the owner's column, notes,
hidden rows and ranges with the pipeline's rows and weeks (native Sheets moves), and a write computed from a
sheet another run has written since is refused whole by the revision marker."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from sheets_sync.tabs import StaleUpdateError
from sheets_sync.update import build_update
from tests.test_gsheets_writer import DEFS, SHEET, SLICES, _gspread, _resource, _run, _values, sheets  # noqa: F401

W3 = date(2024, 1, 15)


def _with_week_three_and_inbound() -> pd.DataFrame:
    extra = [
        {"week_start": W3, "kpi_id": "new_leads", "kpi_version": "1.aaaaaa", "channel": "All", "value": 9},
        {"week_start": W3, "kpi_id": "new_leads", "kpi_version": "1.aaaaaa", "channel": "Inbound", "value": 4},
        {"week_start": W3, "kpi_id": "win_rate", "kpi_version": "1.bbbbbb", "channel": "All", "value": 0.5},
    ]
    return pd.concat([_values(), pd.DataFrame(extra)], ignore_index=True)


def test_a_new_week_and_row_move_the_owners_work_with_the_tracker(sheets):  # noqa: F811
    app, base_url, token_url = sheets
    _run(_resource(base_url, token_url), _values(), "run-1")
    app.auth_required = False
    book = _gspread(base_url)
    tracker = book.worksheet("Tracker")
    assert tracker.get_all_values()[4][:2] == ["Win rate", "All"]  # row 5: A..D are the pipeline's
    tracker.update([["Notes"], [""], [""], [""], ["win rate: new pricing"]], "F1")
    tracker.update_note("F5", "ask sales")
    tracker.update([["my own table"]], "A8")  # the owner's rows below the Tracker
    tracker.hide_rows(4, 5)  # Win rate
    tracker.set_basic_filter("A1:D5")
    rule = {
        "ranges": [
            {"sheetId": tracker.id, "startRowIndex": 1, "endRowIndex": 5, "startColumnIndex": 2, "endColumnIndex": 4}
        ],
        "booleanRule": {
            "condition": {"type": "NUMBER_GREATER", "values": [{"userEnteredValue": "6"}]},
            "format": {"textFormat": {"bold": True}},
        },
    }
    book.batch_update({"requests": [{"addConditionalFormatRule": {"rule": rule, "index": 0}}]})
    app.auth_required = True

    _run(_resource(base_url, token_url), _with_week_three_and_inbound(), "run-2")

    app.auth_required = False
    rows = tracker.get_all_values()
    assert rows[0][:7] == ["KPI", "Channel", "2024-01-01", "2024-01-08", "2024-01-15", "", "Notes"]
    assert [row[:2] for row in rows[1:6]] == [
        ["Funnel (flow)", ""],
        ["New leads", "All"],
        ["", "Inbound"],  # new: inserted where it belongs, everything below moved down a row
        ["Pipeline & revenue", ""],
        ["Win rate", "All"],
    ]
    assert rows[5][6] == "win rate: new pricing"
    assert rows[8][0] == "my own table"
    assert app.notes(SHEET, "Tracker") == {"G6": "ask sales"}
    meta = book.fetch_sheet_metadata(
        params={
            "fields": "sheets(properties(title),basicFilter(range),conditionalFormats(ranges),"
            "data(rowMetadata(hiddenByUser)))",
            "ranges": "Tracker!A1:A10",
        }
    )["sheets"][0]
    assert [i for i, r in enumerate(meta["data"][0]["rowMetadata"]) if r.get("hiddenByUser")] == [5]
    # The filter and the rule covered the whole block: they now cover the new week and row too.
    assert meta["basicFilter"]["range"] == {"sheetId": tracker.id, "endRowIndex": 6, "endColumnIndex": 5}
    assert meta["conditionalFormats"][0]["ranges"] == [
        {"sheetId": tracker.id, "startRowIndex": 1, "endRowIndex": 6, "startColumnIndex": 2, "endColumnIndex": 5}
    ]


def test_a_write_over_a_sheet_written_since_it_was_read_is_refused_whole(sheets):  # noqa: F811
    app, base_url, token_url = sheets
    _run(_resource(base_url, token_url), _values(), "run-1")
    slow = _resource(base_url, token_url)
    stale = build_update(
        _values(leads_w2=9),
        DEFS,
        slow.read_tabs(),
        run_id="run-slow",
        snapshot_at=pd.Timestamp("2024-02-02", tz="UTC"),
        channel_order=SLICES,
    )
    _run(_resource(base_url, token_url), _values(leads_w2=8), "run-fast")  # lands between read and write
    before = app.values(SHEET, "Snapshots")
    with pytest.raises(
        StaleUpdateError, match=r"written by run run-fast at .* after this run read it \(revision 1, now 2\)"
    ):
        slow.write(stale)
    assert app.values(SHEET, "Snapshots") == before
    # Read again, the same values merge into what is there now.
    merged = build_update(
        _values(leads_w2=9),
        DEFS,
        slow.read_tabs(),
        run_id="run-slow",
        snapshot_at=pd.Timestamp("2024-02-02", tz="UTC"),
        channel_order=SLICES,
    )
    slow.write(merged)
    assert [row[6] for row in app.values(SHEET, "Snapshots")[-1:]] == [9]
