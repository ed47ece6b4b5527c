"""The Sheets emulator's developer metadata and moved rows, driven through real gspread 6: metadata ids are
unique (creating a taken one fails the whole batch), lookups select what update/delete touch; moved, inserted
and deleted rows carry their cells, hidden state, conditional format and filter ranges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from gspread.exceptions import APIError

from emulators.server import RunningServer, serve_in_thread
from emulators.sheets import SheetsEmulator
from tests.conftest import FakeClock
from tests.test_sheets_emulator import SID, RedirectSession

MARKER = {
    "metadataId": 4242,
    "metadataKey": "funnel_ledger.revision",
    "metadataValue": '{"revision": 1}',
    "location": {"spreadsheet": True},
    "visibility": "DOCUMENT",
}


@pytest.fixture
def sh(clock: FakeClock) -> Iterator[gspread.Spreadsheet]:
    emulator = SheetsEmulator(
        {"spreadsheets": [{"spreadsheetId": SID, "title": "Funnel KPIs"}]}, auth_required=False, clock=clock
    )
    server: RunningServer
    with serve_in_thread(emulator) as server:
        client = gspread.Client(auth=None, session=RedirectSession(server.base_url))  # type: ignore[arg-type]
        yield client.open_by_key(SID)


def _metadata(sh: gspread.Spreadsheet) -> list[dict[str, Any]]:
    return sh.fetch_sheet_metadata(params={"fields": "developerMetadata"}).get("developerMetadata", [])


def test_metadata_is_created_listed_updated_and_deleted(sh: gspread.Spreadsheet) -> None:
    reply = sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": MARKER}}]})
    stored = {**MARKER, "location": {"locationType": "SPREADSHEET", "spreadsheet": True}}
    assert reply["replies"] == [{"createDeveloperMetadata": {"developerMetadata": stored}}]
    assert _metadata(sh) == [stored]

    lookup = {"developerMetadataLookup": {"metadataKey": "funnel_ledger.revision"}}
    update = {
        "dataFilters": [lookup],
        "developerMetadata": {"metadataValue": '{"revision": 2}'},
        "fields": "metadataValue",
    }
    reply = sh.batch_update({"requests": [{"updateDeveloperMetadata": update}]})
    changed = {**stored, "metadataValue": '{"revision": 2}'}
    assert reply["replies"] == [{"updateDeveloperMetadata": {"developerMetadata": [changed]}}]

    delete = {"dataFilter": {"developerMetadataLookup": {"metadataId": 4242}}}
    reply = sh.batch_update({"requests": [{"deleteDeveloperMetadata": delete}]})
    assert reply["replies"] == [{"deleteDeveloperMetadata": {"deletedDeveloperMetadata": [changed]}}]
    assert _metadata(sh) == []


def test_creating_a_taken_metadata_id_fails_the_whole_batch(sh: gspread.Spreadsheet) -> None:
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": MARKER}}]})
    write = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "lost"}}]}],
            "fields": "userEnteredValue",
        }
    }
    with pytest.raises(APIError) as refused:
        sh.batch_update({"requests": [write, {"createDeveloperMetadata": {"developerMetadata": MARKER}}]})
    assert refused.value.code == 400
    assert "4242 already exists" in str(refused.value)
    assert sh.sheet1.acell("A1").value is None  # the batch is atomic: the value write did not land either


def test_sheet_metadata_is_listed_on_its_sheet_and_goes_with_it(sh: gspread.Spreadsheet) -> None:
    ws = sh.add_worksheet("Tracker", rows=5, cols=5)
    on_sheet = {**MARKER, "location": {"sheetId": ws.id}}
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": on_sheet}}]})
    listed = sh.fetch_sheet_metadata(params={"fields": "sheets(properties(title),developerMetadata)"})
    tracker = next(s for s in listed["sheets"] if s["properties"]["title"] == "Tracker")
    assert tracker["developerMetadata"][0]["location"] == {"locationType": "SHEET", "sheetId": ws.id}
    sh.del_worksheet(ws)
    assert _metadata(sh) == []
    bad_filter = {"dataFilter": {"a1Range": "A1"}}
    with pytest.raises(APIError, match="only developerMetadataLookup"):
        sh.batch_update({"requests": [{"deleteDeveloperMetadata": bad_filter}]})


def test_moved_rows_carry_cells_hidden_state_and_ranges(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["header"], ["a"], ["b"], ["c"], ["d"]], "A1")
    ws.hide_rows(2, 3)  # row 3 ("b")
    rule = {
        "ranges": [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 1}],
        "booleanRule": {"condition": {"type": "NOT_BLANK"}, "format": {"textFormat": {"bold": True}}},
    }
    flt = {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 0, "endColumnIndex": 2}}
    sh.batch_update({"requests": [{"addConditionalFormatRule": {"rule": rule}}, {"setBasicFilter": {"filter": flt}}]})

    move = {"source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}, "destinationIndex": 4}
    insert = {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}
    sh.batch_update({"requests": [{"moveDimension": move}, {"insertDimension": insert}]})

    assert ws.get_all_values() == [["header"], [""], ["a"], ["c"], ["b"], ["d"]]
    meta = sh.fetch_sheet_metadata(
        params={"fields": "sheets(conditionalFormats,basicFilter,data(rowMetadata(hiddenByUser)))", "ranges": "A1:A6"}
    )["sheets"][0]
    hidden = [i for i, row in enumerate(meta["data"][0]["rowMetadata"]) if row.get("hiddenByUser")]
    assert hidden == [4]  # "b" stays hidden where it went
    # The rule covered "a" and "b": "b" left it, the inserted row above "a" shifted it down.
    assert meta["conditionalFormats"][0]["ranges"] == [{"startRowIndex": 2, "endRowIndex": 3, "endColumnIndex": 1}]
    # The filter covered every row: "b" moved within it, and it grew with the row inserted inside it.
    assert meta["basicFilter"]["range"] == {"endRowIndex": 6, "endColumnIndex": 2}
