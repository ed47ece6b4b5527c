"""The Sheets API v4 emulator, driven through real gspread 6 (and raw HTTP where gspread has no method)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from gspread.exceptions import APIError
from gspread.utils import InsertDataOption, ValueRenderOption

from emulators.server import RunningServer, serve_in_thread
from emulators.sheets import SheetsEmulator
from tests.conftest import FakeClock

SID = "1qFopcWEGi_JqeOGvSs93SyFdsSI8J30NzrX92_HZBR0"
GOOGLE = "https://sheets.googleapis.com"


class RedirectSession(requests.Session):
    """A requests session that sends gspread's Sheets calls to the emulator instead of Google."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        return super().request(method, str(url).replace(GOOGLE, self.base_url), *args, **kwargs)


@pytest.fixture
def emulator(clock: FakeClock) -> SheetsEmulator:
    return SheetsEmulator(
        {"spreadsheets": [{"spreadsheetId": SID, "title": "Funnel KPIs"}]}, auth_required=False, clock=clock
    )


@pytest.fixture
def server(emulator: SheetsEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


@pytest.fixture
def gc(server: RunningServer) -> gspread.Client:
    return gspread.Client(auth=None, session=RedirectSession(server.base_url))  # type: ignore[arg-type]


@pytest.fixture
def sh(gc: gspread.Client) -> gspread.Spreadsheet:
    return gc.open_by_key(SID)


@pytest.fixture
def ws(sh: gspread.Spreadsheet) -> gspread.Worksheet:
    return sh.sheet1


def _raw(server: RunningServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{server.base_url}{path}", timeout=5, **kwargs)


# ------------------------------------------------------------------ metadata and values


def test_open_by_key_and_metadata(sh: gspread.Spreadsheet, emulator: SheetsEmulator) -> None:
    assert sh.title == "Funnel KPIs"
    [ws] = sh.worksheets()
    assert (ws.title, ws.id, ws.row_count, ws.col_count) == ("Sheet1", 0, 1000, 26)
    assert emulator.counts()["spreadsheets.get"] == 2


def test_update_raw_keeps_formula_text_and_user_entered_parses(ws: gspread.Worksheet, emulator: SheetsEmulator) -> None:
    res = ws.update([["week", "leads", "rate"], ["2024-01-01", 12, 0.5]], "A1")
    assert res == {
        "spreadsheetId": SID,
        "updatedRange": "Sheet1!A1:C2",
        "updatedRows": 2,
        "updatedColumns": 3,
        "updatedCells": 6,
    }
    ws.update([["=SUM(B2)", "7"]], "A4", raw=True)
    ws.update([["=SUM(B2)", "7", "12.5%", "TRUE", "2024-01-15", "'0012"]], "A5", raw=False)
    assert emulator.values(SID, "Sheet1") == [
        ["week", "leads", "rate"],
        ["2024-01-01", 12, 0.5],
        [],
        ["=SUM(B2)", "7"],
        ["=SUM(B2)", 7, 0.125, True, 45306, "0012"],
    ]
    assert ws.get("A5:F5", value_render_option=ValueRenderOption.unformatted) == [
        ["=SUM(B2)", 7, 0.125, True, 45306, "0012"]
    ]
    assert ws.get("A5:F5") == [["=SUM(B2)", "7", "12.50%", "TRUE", "2024-01-15", "0012"]]
    assert ws.get("A5", value_render_option=ValueRenderOption.formula) == [["=SUM(B2)"]]
    # RAW formula text is stored as a string, USER_ENTERED as a formula.
    meta = ws.spreadsheet.fetch_sheet_metadata(
        {"includeGridData": "true", "ranges": "'Sheet1'!A4:A5", "fields": "sheets.data.rowData.values.userEnteredValue"}
    )
    rows = meta["sheets"][0]["data"][0]["rowData"]
    assert rows == [
        {"values": [{"userEnteredValue": {"stringValue": "=SUM(B2)"}}]},
        {"values": [{"userEnteredValue": {"formulaValue": "=SUM(B2)"}}]},
    ]


def test_get_all_values_trims_and_pads(ws: gspread.Worksheet, server: RunningServer) -> None:
    ws.update([["A1", "B1", "", "D1"], ["", "b2"], [], ["A4", "B4", "", "D4"], ["", ""]], "A1")
    body = _raw(server, "GET", f"/v4/spreadsheets/{SID}/values/%27Sheet1%27").json()
    assert body == {
        "range": "Sheet1!A1:Z1000",
        "majorDimension": "ROWS",
        "values": [["A1", "B1", "", "D1"], ["", "b2"], [], ["A4", "B4", "", "D4"]],
    }
    assert ws.get_all_values() == [
        ["A1", "B1", "", "D1"],
        ["", "b2", "", ""],
        ["", "", "", ""],
        ["A4", "B4", "", "D4"],
    ]
    columns = _raw(
        server, "GET", f"/v4/spreadsheets/{SID}/values/Sheet1!A1:B4", params={"majorDimension": "COLUMNS"}
    ).json()
    assert columns["values"] == [["A1", "", "", "A4"], ["B1", "b2", "", "B4"]]


def test_batch_update_and_batch_get(ws: gspread.Worksheet, emulator: SheetsEmulator) -> None:
    res = ws.batch_update(
        [{"range": "A1:D1", "values": [["w", "a", "b", "c"]]}, {"range": "A2:B2", "values": [[1, 2]]}]
    )
    assert res == {
        "spreadsheetId": SID,
        "totalUpdatedRows": 2,
        # Columns A-D, each counted once although two ranges wrote A and B (the real API, as recorded in
        # gspread's WorksheetTest.test_batch_update cassette: tests/conformance/cassettes/gspread).
        "totalUpdatedColumns": 4,
        "totalUpdatedCells": 6,
        "totalUpdatedSheets": 1,
        "responses": [
            {
                "spreadsheetId": SID,
                "updatedRange": "Sheet1!A1:D1",
                "updatedRows": 1,
                "updatedColumns": 4,
                "updatedCells": 4,
            },
            {
                "spreadsheetId": SID,
                "updatedRange": "Sheet1!A2:B2",
                "updatedRows": 1,
                "updatedColumns": 2,
                "updatedCells": 2,
            },
        ],
    }
    ranges = ws.batch_get(["A1:B2", "D1:D3"])
    assert [r.range for r in ranges] == ["Sheet1!A1:B2", "Sheet1!D1:D3"]
    assert [list(r) for r in ranges] == [[["w", "a"], ["1", "2"]], [["c"]]]
    assert emulator.counts()["values.batchGet"] == 1


def test_append_rows_detects_table(ws: gspread.Worksheet, emulator: SheetsEmulator) -> None:
    first = ws.append_rows([["week", "leads"]])
    assert first == {
        "spreadsheetId": SID,
        "updates": {
            "spreadsheetId": SID,
            "updatedRange": "Sheet1!A1:B1",
            "updatedRows": 1,
            "updatedColumns": 2,
            "updatedCells": 2,
        },
    }
    second = ws.append_rows([["2024-01-01", 3], ["2024-01-08", 4, "x"]])
    assert second["tableRange"] == "Sheet1!A1:B1"
    assert second["updates"]["updatedRange"] == "Sheet1!A2:C3"
    third = ws.append_rows([["2024-01-15", 5]], table_range="A1")
    assert third["tableRange"] == "Sheet1!A1:C3"
    assert third["updates"]["updatedRange"] == "Sheet1!A4:B4"
    assert emulator.values(SID, "Sheet1")[-1] == ["2024-01-15", 5]
    assert emulator.counts()["values.append"] == 3


def test_append_grows_grid_and_insert_rows_shifts(sh: gspread.Spreadsheet, emulator: SheetsEmulator) -> None:
    small = sh.add_worksheet("small", rows=2, cols=2)
    small.update([["a", "b"], ["c", "d"]], "A1")
    res = small.append_rows([["e", "f", "g"]])
    assert res["updates"]["updatedRange"] == "small!A3:C3"
    props = emulator.sheet_properties(SID, "small")["gridProperties"]
    assert (props["rowCount"], props["columnCount"]) == (3, 3)
    small.update([["tail"]], "A1:A1")
    small.append_rows([["ins"]], insert_data_option=InsertDataOption.insert_rows, table_range="A1:A1")
    assert emulator.values(SID, "small") == [["tail", "b"], ["c", "d"], ["e", "f", "g"], ["ins"]]


def test_clear_and_batch_clear_keep_notes(
    ws: gspread.Worksheet, server: RunningServer, emulator: SheetsEmulator
) -> None:
    ws.update([[1, 2], [3, 4]], "A1")
    ws.update_note("A1", "keep me")
    assert ws.clear() == {"spreadsheetId": SID, "clearedRange": "Sheet1!A1:Z1000"}
    assert emulator.values(SID, "Sheet1") == []
    assert emulator.notes(SID, "Sheet1") == {"A1": "keep me"}
    ws.update([[1, 2], [3, 4]], "A1")
    res = _raw(server, "POST", f"/v4/spreadsheets/{SID}/values:batchClear", json={"ranges": ["A1", "Sheet1!B2:B"]})
    assert res.json() == {"spreadsheetId": SID, "clearedRanges": ["Sheet1!A1", "Sheet1!B2:B1000"]}
    assert emulator.values(SID, "Sheet1") == [["", 2], [3]]


def test_quoted_percent_encoded_ranges_with_spaces_and_apostrophes(
    sh: gspread.Spreadsheet, server: RunningServer, emulator: SheetsEmulator
) -> None:
    ws = sh.add_worksheet("Bob's Weekly KPIs", rows=10, cols=5)
    res = ws.update([["x", 1]], "B2")
    assert res["updatedRange"] == "'Bob''s Weekly KPIs'!B2:C2"
    assert ws.get_all_values()[1] == ["", "x", "1"]
    encoded = "%27Bob%27%27s%20Weekly%20KPIs%27%21A1%3AC2"
    body = _raw(server, "GET", f"/v4/spreadsheets/{SID}/values/{encoded}").json()
    assert body == {"range": "'Bob''s Weekly KPIs'!A1:C2", "majorDimension": "ROWS", "values": [[], ["", "x", "1"]]}
    open_ended = _raw(server, "GET", f"/v4/spreadsheets/{SID}/values/%27Bob%27%27s%20Weekly%20KPIs%27%21B2%3AC").json()
    assert open_ended["range"] == "'Bob''s Weekly KPIs'!B2:C10"
    row = _raw(server, "GET", f"/v4/spreadsheets/{SID}/values/%27Bob%27%27s%20Weekly%20KPIs%27%212%3A2").json()
    assert row == {"range": "'Bob''s Weekly KPIs'!A2:E2", "majorDimension": "ROWS", "values": [["", "x", "1"]]}
    col = _raw(server, "GET", f"/v4/spreadsheets/{SID}/values/%27Bob%27%27s%20Weekly%20KPIs%27%21C%3AC").json()
    assert col["range"] == "'Bob''s Weekly KPIs'!C1:C10"
    assert col["values"] == [[], ["1"]]
    bad = _raw(server, "GET", f"/v4/spreadsheets/{SID}/values/%27Nope%27%21A1")
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "Unable to parse range: 'Nope'!A1"
    assert emulator.values(SID, "Bob's Weekly KPIs") == [[], ["", "x", 1]]


def test_write_beyond_grid_is_rejected(ws: gspread.Worksheet, emulator: SheetsEmulator) -> None:
    with pytest.raises(APIError) as info:
        ws.update([["late"]], "A1001")
    assert info.value.code == 400
    assert info.value.error["message"] == "Range ('Sheet1'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"
    assert info.value.error["status"] == "INVALID_ARGUMENT"
    assert emulator.values(SID, "Sheet1") == []


# ------------------------------------------------------------------ batchUpdate through gspread


def test_add_and_delete_worksheet(sh: gspread.Spreadsheet, emulator: SheetsEmulator) -> None:
    weekly = sh.add_worksheet("weekly", rows=5, cols=3)
    props = emulator.sheet_properties(SID, "weekly")
    assert (weekly.id, weekly.title, weekly.row_count, weekly.col_count) == (props["sheetId"], "weekly", 5, 3)
    assert props["index"] == 1 and props["sheetType"] == "GRID" and weekly.id > 0
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "weekly"]
    with pytest.raises(APIError) as info:
        sh.add_worksheet("weekly", rows=1, cols=1)
    assert info.value.code == 400
    assert info.value.error["message"] == (
        'Invalid requests[0].addSheet: A sheet with the name "weekly" already exists. Please enter another name.'
    )
    sh.del_worksheet(sh.sheet1)
    assert emulator.sheet_titles(SID) == ["weekly"]
    assert emulator.sheet_properties(SID, "weekly")["index"] == 0
    with pytest.raises(APIError, match=r"You can't remove all the sheets in a document\."):
        sh.del_worksheet(weekly)


def test_notes_round_trip(ws: gspread.Worksheet, emulator: SheetsEmulator) -> None:
    ws.update([["week", "leads"]], "A1")
    ws.update_note("B1", "MQL = form fill")
    ws.insert_note("A3", "interior")
    assert ws.get_note("B1") == "MQL = form fill"
    assert ws.get_note("C9") == ""
    assert ws.get_notes() == [["", "MQL = form fill"], [], ["interior"]]
    assert emulator.notes(SID, "Sheet1") == {"B1": "MQL = form fill", "A3": "interior"}
    assert emulator.values(SID, "Sheet1") == [["week", "leads"]]  # notes do not touch values


def test_format_freeze_filter_and_column_widths(
    sh: gspread.Spreadsheet, ws: gspread.Worksheet, emulator: SheetsEmulator
) -> None:
    ws.update([["week", "spend"], ["2024-01-01", 1234.5], ["2024-01-08", 0.25]], "A1")
    ws.format("A1:B1", {"textFormat": {"bold": True}})
    ws.format("B2:B3", {"numberFormat": {"type": "CURRENCY", "pattern": '"$"#,##0.00'}})
    assert emulator.formats(SID, "Sheet1") == {
        "A1": {"textFormat": {"bold": True}},
        "B1": {"textFormat": {"bold": True}},
        "B2": {"numberFormat": {"type": "CURRENCY", "pattern": '"$"#,##0.00'}},
        "B3": {"numberFormat": {"type": "CURRENCY", "pattern": '"$"#,##0.00'}},
    }
    assert ws.get("B2:B3") == [["$1,234.50"], ["$0.25"]]
    assert ws.get("B2:B3", value_render_option=ValueRenderOption.unformatted) == [[1234.5], [0.25]]
    ws.freeze(rows=1, cols=1)
    assert emulator.frozen(SID, "Sheet1") == (1, 1)
    assert sh.sheet1.frozen_row_count == 1
    ws.freeze(rows=0)
    assert emulator.frozen(SID, "Sheet1") == (0, 1)
    ws.set_basic_filter("A1:B3")
    assert emulator.basic_filter(SID, "Sheet1") == {"range": {"endRowIndex": 3, "endColumnIndex": 2}}
    ws.columns_auto_resize(0, 2)
    # 10 + 7 px per character of the longest formatted value: "2024-01-08" (10), "$1,234.50" (9).
    assert emulator.column_widths(SID, "Sheet1") == {0: 80, 1: 73}
    sh.batch_update(
        {
            "requests": [
                {
                    "updateDimensionProperties": {
                        "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                        "properties": {"pixelSize": 160},
                        "fields": "pixelSize",
                    }
                }
            ]
        }
    )
    assert emulator.column_widths(SID, "Sheet1") == {0: 160, 1: 73}
    grid = ws.spreadsheet.fetch_sheet_metadata(
        {"ranges": "'Sheet1'!A1:B1", "fields": "sheets(data(columnMetadata,rowData.values.formattedValue))"}
    )
    assert grid == {
        "sheets": [
            {
                "data": [
                    {
                        "rowData": [{"values": [{"formattedValue": "week"}, {"formattedValue": "spend"}]}],
                        "columnMetadata": [{"pixelSize": 160}, {"pixelSize": 73}],
                    }
                ]
            }
        ]
    }


def test_add_chart_update_spec_and_conditional_formats(sh: gspread.Spreadsheet, emulator: SheetsEmulator) -> None:
    source = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 1, "endColumnIndex": 2}
    spec = {
        "title": "Leads",
        "basicChart": {"chartType": "LINE", "series": [{"series": {"sourceRange": {"sources": [source]}}}]},
    }
    position = {"overlayPosition": {"anchorCell": {"sheetId": 0, "rowIndex": 1, "columnIndex": 4}}}
    res = sh.batch_update({"requests": [{"addChart": {"chart": {"spec": spec, "position": position}}}]})
    chart = res["replies"][0]["addChart"]["chart"]
    assert chart["spec"] == spec
    assert chart["position"] == {
        "overlayPosition": {
            "anchorCell": {"sheetId": 0, "rowIndex": 1, "columnIndex": 4},
            "widthPixels": 600,
            "heightPixels": 371,
        }
    }
    sh.batch_update(
        {"requests": [{"updateChartSpec": {"chartId": chart["chartId"], "spec": {**spec, "title": "MQLs"}}}]}
    )
    assert [c["spec"]["title"] for c in emulator.charts(SID, "Sheet1")] == ["MQLs"]
    assert sh.fetch_sheet_metadata()["sheets"][0]["charts"][0]["chartId"] == chart["chartId"]

    rule = {
        "ranges": [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 10, "startColumnIndex": 1, "endColumnIndex": 2}],
        "booleanRule": {
            "condition": {"type": "NUMBER_LESS", "values": [{"userEnteredValue": "0"}]},
            "format": {"textFormat": {"foregroundColor": {"red": 1}}},
        },
    }
    sh.batch_update({"requests": [{"addConditionalFormatRule": {"rule": rule, "index": 0}}]})
    stored = emulator.conditional_formats(SID, "Sheet1")
    assert stored == [
        {**rule, "ranges": [{"startRowIndex": 1, "endRowIndex": 10, "startColumnIndex": 1, "endColumnIndex": 2}]}
    ]
    deleted = sh.batch_update({"requests": [{"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}}]})
    assert deleted["replies"] == [{"deleteConditionalFormatRule": {"rule": stored[0]}}]
    assert emulator.conditional_formats(SID, "Sheet1") == []


def test_update_cells_values_formats_and_range_validation(sh: gspread.Spreadsheet, emulator: SheetsEmulator) -> None:
    update = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0},
            "rows": [
                {
                    "values": [
                        {
                            "userEnteredValue": {"numberValue": 0.125},
                            "userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0.0%"}},
                        },
                        {"userEnteredValue": {"stringValue": "x"}, "note": "n"},
                    ]
                }
            ],
            "fields": "userEnteredValue,userEnteredFormat.numberFormat",
        }
    }
    sh.batch_update({"requests": [update]})
    assert emulator.values(SID, "Sheet1") == [[], [0.125, "x"]]
    assert emulator.notes(SID, "Sheet1") == {}  # "note" was not in the field mask
    assert sh.sheet1.get("A2:B2") == [["12.5%", "x"]]

    beyond = {**update["updateCells"], "start": {"sheetId": 0, "rowIndex": 1001, "columnIndex": 0}}
    grow = {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}}
    with pytest.raises(APIError) as info:
        sh.batch_update({"requests": [grow, {"updateCells": beyond}]})
    assert info.value.error["message"] == (
        "Invalid requests[1].updateCells: Range ('Sheet1'!A1002:B1002) exceeds grid limits. "
        "Max rows: 1001, max columns: 26"
    )
    # The batch is atomic: the appendDimension before the bad request was not applied either.
    assert emulator.sheet_properties(SID, "Sheet1")["gridProperties"]["rowCount"] == 1000
    with pytest.raises(APIError) as info:
        sh.batch_update({"requests": [{"repeatCell": {"range": {"sheetId": 42}, "cell": {}, "fields": "*"}}]})
    assert info.value.error["message"] == "Invalid requests[0].repeatCell: No grid with id: 42"


def test_unknown_request_type_is_invalid_argument(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(APIError) as info:
        sh.batch_update({"requests": [{"frobnicate": {}}]})
    assert info.value.code == 400
    assert info.value.error["status"] == "INVALID_ARGUMENT"
    assert info.value.error["message"] == (
        "Invalid JSON payload received. Unknown name \"frobnicate\" at 'requests[0]': Cannot find field."
    )


def test_resize_then_write_beyond_old_grid(sh: gspread.Spreadsheet, emulator: SheetsEmulator) -> None:
    ws = sh.sheet1
    ws.resize(rows=1002)
    sh.batch_update({"requests": [{"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}}]})
    assert ws.update([["late", "z"]], "AA1002")["updatedRange"] == "Sheet1!AA1002:AB1002"
    assert emulator.sheet_properties(SID, "Sheet1")["gridProperties"] == {"rowCount": 1002, "columnCount": 28}
    assert emulator.values(SID, "Sheet1")[1001][26:] == ["late", "z"]


# ------------------------------------------------------------------ limits, errors, auth


def test_cell_limit(clock: FakeClock) -> None:
    emu = SheetsEmulator(
        {"spreadsheets": [{"spreadsheetId": SID, "title": "t"}]}, auth_required=False, clock=clock, cell_limit=30_000
    )
    with serve_in_thread(emu) as srv:
        sh = gspread.Client(auth=None, session=RedirectSession(srv.base_url)).open_by_key(SID)  # type: ignore[arg-type]
        sh.add_worksheet("fits", rows=100, cols=10)  # 26,000 + 1,000 cells
        with pytest.raises(APIError) as info:
            sh.add_worksheet("too big", rows=400, cols=10)
        assert info.value.code == 400
        assert info.value.error["message"] == (
            "Invalid requests[0].addSheet: This action would increase the number of cells in the workbook "
            "above the limit of 30000 cells."
        )
        fits = sh.worksheet("fits")
        fits.update([["x"]], "A100")
        with pytest.raises(APIError, match="above the limit of 30000 cells"):
            fits.append_rows([["y"]] * 3000)
        assert emu.sheet_titles(SID) == ["Sheet1", "fits"]


def test_not_found_forbidden_and_unauthenticated(
    server: RunningServer, emulator: SheetsEmulator, gc: gspread.Client
) -> None:
    with pytest.raises(gspread.SpreadsheetNotFound) as nf:
        gc.open_by_key("missing")
    assert isinstance(nf.value.__cause__, APIError)
    assert nf.value.__cause__.response.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
    emulator.forbidden_for.add("anonymous")
    with pytest.raises(PermissionError) as pe:
        gc.open_by_key(SID)
    assert isinstance(pe.value.__cause__, APIError)
    assert pe.value.__cause__.code == 403
    assert pe.value.__cause__.error == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }
    emulator.forbidden_for.clear()
    emulator.auth_required = True
    with pytest.raises(APIError) as info:
        gc.open_by_key(SID)
    assert (info.value.code, info.value.error["status"]) == (401, "UNAUTHENTICATED")
    authed = gspread.Client(auth=None, session=RedirectSession(server.base_url, token="any-token"))  # type: ignore[arg-type]
    assert authed.open_by_key(SID).title == "Funnel KPIs"
    assert emulator.counts_by_status()[("spreadsheets.get", 401)] == 1


def test_write_quota_exhaustion_and_recovery_on_fake_clock(
    ws: gspread.Worksheet, emulator: SheetsEmulator, clock: FakeClock
) -> None:
    emulator.reset_quotas()
    for i in range(60):
        ws.update([[i]], "A1")
        clock.now += 0.5  # 60 writes spread over 30 s
    with pytest.raises(APIError) as info:
        ws.update([["one too many"]], "A1")
    assert info.value.code == 429
    error = info.value.error
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"] == (
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service "
        "'sheets.googleapis.com' for consumer 'project_number:123456789012'."
    )
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert error["details"][0]["metadata"]["quota_limit"] == "WriteRequestsPerMinutePerUser"
    assert ws.get("A1") == [["59"]]  # reads have their own bucket
    clock.now += 30.0  # the first write (t=1000) leaves the window at t=1060
    assert ws.update([["again"]], "A1")["updatedCells"] == 1
    assert emulator.counts_by_status()[("values.update", 429)] == 1


def test_read_quota_and_fail_next(ws: gspread.Worksheet, emulator: SheetsEmulator, clock: FakeClock) -> None:
    emulator.reset_quotas()
    for _ in range(60):
        ws.get("A1")
    with pytest.raises(APIError) as info:
        ws.get("A1")
    assert info.value.code == 429
    assert "'Read requests per minute per user'" in info.value.error["message"]
    emulator.reset_quotas()
    emulator.fail_next(2, status=500)
    for _ in range(2):
        with pytest.raises(APIError) as failed:
            ws.get("A1")
        assert failed.value.error == {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}
    assert ws.get("A1") == [[]]


def test_service_account_token_from_oauth_emulator(clock: FakeClock) -> None:
    from google.auth.transport.requests import Request as GoogleAuthRequest
    from google.oauth2 import service_account

    from emulators.google_oauth import GoogleOAuthEmulator
    from tests.google_keys import service_account_info

    oauth = GoogleOAuthEmulator()
    emu = SheetsEmulator({"spreadsheets": [{"spreadsheetId": SID, "title": "t"}]}, oauth=oauth, clock=clock)
    with serve_in_thread(oauth) as oauth_srv, serve_in_thread(emu) as srv:
        info = service_account_info(f"{oauth_srv.base_url}/token")
        creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=["https://www.googleapis.com/auth/spreadsheets"]
        )
        creds.refresh(GoogleAuthRequest())
        gc = gspread.Client(auth=None, session=RedirectSession(srv.base_url, token=creds.token))  # type: ignore[arg-type]
        ws = gc.open_by_key(SID).sheet1
        ws.update([["ok"]], "A1")
        assert emu.values(SID, "Sheet1") == [["ok"]]

        bogus = gspread.Client(auth=None, session=RedirectSession(srv.base_url, token="ya29.forged"))  # type: ignore[arg-type]
        with pytest.raises(APIError) as info_401:
            bogus.open_by_key(SID)
        assert info_401.value.code == 401
        analytics_only = oauth.issue_token(["https://www.googleapis.com/auth/analytics.readonly"])
        narrow = gspread.Client(auth=None, session=RedirectSession(srv.base_url, token=analytics_only))  # type: ignore[arg-type]
        with pytest.raises(PermissionError):
            narrow.open_by_key(SID)

        emu.forbidden_for.add(info["client_email"])  # the sheet is no longer shared with the robot
        with pytest.raises(PermissionError):
            gc.open_by_key(SID)
