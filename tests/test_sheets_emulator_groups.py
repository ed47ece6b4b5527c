"""The Sheets emulator's row groups and data validation, driven through real gspread 6."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from gspread.exceptions import APIError
from gspread.utils import ValidationConditionType

from emulators.server import RunningServer, serve_in_thread
from emulators.sheets import SheetsEmulator
from tests.conftest import FakeClock
from tests.test_sheets_emulator import SID, RedirectSession


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
def sh(server: RunningServer) -> gspread.Spreadsheet:
    client = gspread.Client(auth=None, session=RedirectSession(server.base_url))  # type: ignore[arg-type]
    return client.open_by_key(SID)


def _groups(ws: gspread.Worksheet) -> list[tuple[int, int, int, bool]]:
    return [
        (g["range"].get("startIndex", 0), g["range"]["endIndex"], g["depth"], g.get("collapsed", False))
        for g in ws.list_dimension_group_rows()
    ]


def _collapse(sh: gspread.Spreadsheet, start: int, end: int, depth: int, collapsed: bool = True) -> Any:
    group = {
        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": start, "endIndex": end},
        "depth": depth,
        "collapsed": collapsed,
    }
    return sh.batch_update({"requests": [{"updateDimensionGroup": {"dimensionGroup": group, "fields": "collapsed"}}]})


def test_groups_nest_merge_and_split_as_the_api_reference_says(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    # [C:D, depth 1] + [B:E] -> [B:E, 1] and [C:D, 2] (the AddDimensionGroupRequest example, on rows).
    ws.add_dimension_group_rows(2, 4)
    reply = ws.add_dimension_group_rows(1, 5)
    assert reply["replies"][0]["addDimensionGroup"]["dimensionGroups"] == [
        {"range": {"dimension": "ROWS", "startIndex": 1, "endIndex": 5}, "depth": 1},
        {"range": {"dimension": "ROWS", "startIndex": 2, "endIndex": 4}, "depth": 2},
    ]
    # Deleting [D:E] leaves [B:D, 1] and [C:C, 2] (the DeleteDimensionGroupRequest example).
    ws.delete_dimension_group_rows(3, 5)
    assert _groups(ws) == [(1, 4, 1, False), (2, 3, 2, False)]
    ws.delete_dimension_group_rows(1, 4)
    ws.delete_dimension_group_rows(2, 3)
    assert _groups(ws) == []


def test_collapse_survives_inserted_rows_and_is_forgotten_when_the_group_changes(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.add_dimension_group_rows(3, 6)
    ws.add_dimension_group_rows(8, 9)
    _collapse(sh, 3, 6, 1)
    assert _groups(ws) == [(3, 6, 1, True), (8, 9, 1, False)]
    ws.insert_rows([["new"], ["rows"]], row=1)  # above both groups: they move down by two
    assert _groups(ws) == [(5, 8, 1, True), (10, 11, 1, False)]
    ws.add_dimension_group_rows(8, 10)  # bridges the two groups into one: a new range, expanded
    assert _groups(ws) == [(5, 11, 1, False)]
    ws.delete_rows(6, 7)  # 1-based rows 6..7 = indexes 5..6
    assert _groups(ws) == [(5, 9, 1, False)]


def test_group_requests_are_refused_like_sheets(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    with pytest.raises(APIError, match=r"No dimension group found in the range \[2, 4\)"):
        ws.delete_dimension_group_rows(2, 4)
    ws.add_dimension_group_rows(2, 4)
    with pytest.raises(APIError, match=r"No dimension group with range \[2, 5\) and depth 1"):
        _collapse(sh, 2, 5, 1)
    with pytest.raises(APIError, match="At least one field must be specified"):
        group = {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 4}, "depth": 1}
        sh.batch_update({"requests": [{"updateDimensionGroup": {"dimensionGroup": group}}]})
    with pytest.raises(APIError, match="Invalid dimension range"):
        ws.add_dimension_group_rows(990, 1001)
    assert _groups(ws) == [(2, 4, 1, False)]  # the refused batches changed nothing


def _validation(sh: gspread.Spreadsheet, a1: str) -> list[list[Any]]:
    meta = sh.fetch_sheet_metadata(params={"ranges": a1, "fields": "sheets(data(rowData(values(dataValidation))))"})
    rows = meta["sheets"][0]["data"][0].get("rowData", [])
    return [[cell.get("dataValidation") for cell in row.get("values", [])] for row in rows]


def test_data_validation_is_set_read_back_and_cleared(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["kpi_id"], ["new_mqls"]], "A1")
    ws.add_validation("A2:A3", ValidationConditionType.one_of_list, ["new_mqls", "cac"], showCustomUi=True)
    rule = {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "new_mqls"}, {"userEnteredValue": "cac"}]},
        "showCustomUi": True,
    }
    assert _validation(sh, "Sheet1!A2:A3") == [[rule], [rule]]
    assert ws.get_all_values() == [["kpi_id"], ["new_mqls"]]  # values untouched
    sh.batch_update(
        {"requests": [{"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 2, "endRowIndex": 3}}}]}
    )
    assert _validation(sh, "Sheet1!A2:A3") == [[rule]]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"type": "ONE_OF_LIST", "values": []}, "ONE_OF_LIST condition requires at least one value"),
        ({"type": "DATE_IS_VALID", "values": [{"userEnteredValue": "x"}]}, r"DATE_IS_VALID condition requires 0"),
        ({"type": "IS_A_KPI"}, "Invalid ConditionType 'IS_A_KPI'"),
        ({"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": "ISNUMBER(E2)"}]}, "must be a formula"),
    ],
)
def test_bad_validation_rules_are_refused(sh: gspread.Spreadsheet, condition: dict[str, Any], message: str) -> None:
    request = {"setDataValidation": {"range": {"sheetId": 0, "endRowIndex": 2}, "rule": {"condition": condition}}}
    with pytest.raises(APIError, match=message):
        sh.batch_update({"requests": [request]})


def test_number_formats_with_sections_and_literal_suffixes_render_like_sheets(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([[-0.2, 0.35, 0, 1.86, 30.25, 61.4, 6765.4, -12.5]], "A1", raw=True)
    patterns = ["+0%;-0%;0%", '+0.0" pp";-0.0" pp";0.0" pp"', "+0%;-0%;0%", '0.0"x"', '0.0" days"', '0" s"']
    patterns += ['"€"#,##0', '"$"#,##0.00']
    for column, pattern in enumerate(patterns):
        ws.format(f"{chr(65 + column)}1", {"numberFormat": {"type": "NUMBER", "pattern": pattern}})
    assert ws.get_all_values() == [["-20%", "+0.4 pp", "0%", "1.9x", "30.3 days", "61 s", "€6,765", "-$12.50"]]
