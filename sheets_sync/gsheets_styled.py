"""The Google Sheet writer's styled tabs and owner-tab rules: the Scorecard, the Targets tab's validation.

Adds to a :class:`~sheets_sync.gsheets_plan.Plan`: a :class:`~sheets_sync.styled.StyledTab` as one
``updateCells`` of values and formats together (blanking what the previous version of the tab held beyond
it), its widths, heights and frozen panes; and the Targets tab's ``setDataValidation`` rules (drop-downs,
dates, a number), flagged rather than strict so ``#`` comment rows stay typeable.
"""

from __future__ import annotations

from typing import Any

from sheets_sync.cells import Grid, parse_week
from sheets_sync.formats import rgb_fraction
from sheets_sync.gsheets_plan import Plan, cell_data, date_cell
from sheets_sync.styled import CellStyle, StyledTab
from sheets_sync.tabs import TARGETS_TAB
from sheets_sync.validation import VALIDATED_ROWS, ColumnRule, TargetsValidation


def _format(style: CellStyle) -> dict[str, Any]:
    fmt: dict[str, Any] = {}
    if style.number_format is not None:
        fmt["numberFormat"] = {"type": style.number_format[0], "pattern": style.number_format[1]}
    text: dict[str, Any] = {}
    if style.bold:
        text["bold"] = True
    if style.italic:
        text["italic"] = True
    if style.font_size:
        text["fontSize"] = style.font_size
    if style.font_hex:
        text["foregroundColor"] = rgb_fraction(style.font_hex)
    if text:
        fmt["textFormat"] = text
    if style.background_hex:
        fmt["backgroundColor"] = rgb_fraction(style.background_hex)
    if style.align:
        fmt["horizontalAlignment"] = style.align.upper()
    if style.wrap:
        fmt["wrapStrategy"] = "WRAP"
        fmt["verticalAlignment"] = "TOP"
    return fmt


def write_styled_tab(plan: Plan, tab: StyledTab, *, previous: Grid) -> None:
    """Write ``tab`` whole (values and formats), blanking cells the previous version used beyond it."""
    height = max(len(tab.grid), len(previous))
    width = max([tab.width] + [len(row) for row in previous])
    rows: list[list[dict[str, Any]]] = []
    for r in range(height):
        cells = []
        for c in range(width):
            data = cell_data(tab.cell(r, c)) if r < len(tab.grid) else {}
            fmt = _format(tab.style(r, c)) if r < len(tab.grid) else {}
            if fmt:
                data["userEnteredFormat"] = fmt
            cells.append(data)
        rows.append(cells)
    plan.write_cells(tab.title, 0, rows, "userEnteredValue,userEnteredFormat")
    plan.freeze(tab.title, rows=tab.frozen_rows, columns=tab.frozen_columns)
    for column, pixels in enumerate(tab.column_widths):
        plan.dimension_size(tab.title, "COLUMNS", column, pixels)
    for row, pixels in sorted(tab.row_heights.items()):
        plan.dimension_size(tab.title, "ROWS", row, pixels)
    sheet_id = plan.ids[tab.title]
    # Unmerge the tab first: the previous run's merges may sit where this run writes other cells.
    plan.requests.append(
        {"unmergeCells": {"range": {"sheetId": sheet_id, "endRowIndex": height, "endColumnIndex": width}}}
    )
    for row, first, last in tab.merges:
        rng = {"sheetId": sheet_id, "startRowIndex": row, "endRowIndex": row + 1}
        plan.requests.append(
            {
                "mergeCells": {
                    "range": {**rng, "startColumnIndex": first, "endColumnIndex": last + 1},
                    "mergeType": "MERGE_ALL",
                }
            }
        )


def write_owner_template(plan: Plan, title: str, rows: list[list[Any]]) -> None:
    """A new owner tab's header and example rows; ISO dates go in as real dates (the date checks pass)."""
    cells = [[date_cell(day) if (day := _iso_day(value)) else cell_data(value) for value in row] for row in rows]
    plan.write_cells(title, 0, cells, "userEnteredValue,userEnteredFormat")


def _iso_day(value: object) -> Any:
    return parse_week(value) if isinstance(value, str) else None


def apply_targets_validation(plan: Plan, validation: TargetsValidation) -> None:
    """The Targets tab's rules on rows 2 to :data:`~sheets_sync.validation.VALIDATED_ROWS` (values untouched)."""
    plan.ensure_size(TARGETS_TAB, VALIDATED_ROWS, len(validation.rules()))
    for rule in validation.rules():
        rng = {
            "sheetId": plan.ids[TARGETS_TAB],
            "startRowIndex": 1,
            "endRowIndex": VALIDATED_ROWS,
            "startColumnIndex": rule.column,
            "endColumnIndex": rule.column + 1,
        }
        plan.requests.append({"setDataValidation": {"range": rng, "rule": _rule(rule)}})


def _rule(rule: ColumnRule) -> dict[str, Any]:
    if rule.kind == "list":
        condition: dict[str, Any] = {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": value} for value in rule.values],
        }
    elif rule.kind == "date":
        condition = {"type": "DATE_IS_VALID"}
    else:
        letter = chr(ord("A") + rule.column)
        condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": f"=ISNUMBER({letter}2)"}]}
    # Not strict: a "# example" comment row must stay typeable; Sheets marks invalid cells instead.
    return {"condition": condition, "inputMessage": rule.message, "strict": False, "showCustomUi": rule.kind == "list"}
