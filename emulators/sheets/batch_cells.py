"""batchUpdate requests on cells: updateCells, repeatCell, updateBorders, merges and setDataValidation.

Registered in :data:`CELL_REQUESTS` for :mod:`emulators.sheets.batch_update`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from emulators.google_rpc import RpcError, invalid
from emulators.sheets.batch_common import RequestHandler, grid, grid_range_json
from emulators.sheets.fields import FieldTree, apply_mask, required_field_mask, tree_has
from emulators.sheets.store import JSON, Sheet, Spreadsheet, store_cell


def _mirror_color(fmt: JSON, given: Mapping[str, Any], color_key: str, style_key: str) -> None:
    """Keep a colour and its ``*Style`` twin equal, as Sheets does: whichever the request set wins."""
    if color_key in given and style_key not in given:
        if color_key in fmt:
            fmt[style_key] = {"rgbColor": copy.deepcopy(fmt[color_key])}
        else:
            fmt.pop(style_key, None)
    elif style_key in given and color_key not in given:
        rgb = (fmt.get(style_key) or {}).get("rgbColor")
        if rgb is not None:
            fmt[color_key] = copy.deepcopy(rgb)
        else:
            fmt.pop(color_key, None)


def _clear_twins(cell: JSON, data: Mapping[str, Any], tree: FieldTree | None) -> None:
    """A colour the mask clears (named in ``fields``, absent from the data) takes its ``*Style`` twin along."""
    fmt = cell.get("userEnteredFormat")
    if tree is None or not isinstance(fmt, dict):
        return
    given = data.get("userEnteredFormat") if isinstance(data.get("userEnteredFormat"), Mapping) else {}
    for path, color_key, style_key in (
        ((), "backgroundColor", "backgroundColorStyle"),
        (("textFormat",), "foregroundColor", "foregroundColorStyle"),
    ):
        node: Any = fmt
        sent: Any = given
        for name in path:
            node = node.get(name) if isinstance(node, dict) else None
            sent = sent.get(name) if isinstance(sent, Mapping) else None
        if not isinstance(node, dict):
            continue
        sent = sent if isinstance(sent, Mapping) else {}
        for key, twin in ((color_key, style_key), (style_key, color_key)):
            if tree_has(tree, "userEnteredFormat", *path, key) and key not in sent and twin not in sent:
                node.pop(twin, None)


def _mirror_color_styles(cell: JSON, data: Mapping[str, Any]) -> None:
    # Sheets answers a format written with backgroundColor / textFormat.foregroundColor with the
    # ...ColorStyle twin filled in too (gspread's recorded WorksheetTest.test_format cassette).
    given = data.get("userEnteredFormat")
    fmt = cell.get("userEnteredFormat")
    if not isinstance(given, Mapping) or not isinstance(fmt, dict):
        return
    _mirror_color(fmt, given, "backgroundColor", "backgroundColorStyle")
    given_text = given.get("textFormat")
    text = fmt.get("textFormat")
    if isinstance(given_text, Mapping) and isinstance(text, dict):
        _mirror_color(text, given_text, "foregroundColor", "foregroundColorStyle")


def _set_cell(sheet: Sheet, key: tuple[int, int], data: Mapping[str, Any], tree: FieldTree | None) -> None:
    cell = copy.deepcopy(sheet.cells.get(key, {}))
    apply_mask(cell, data, tree)
    for read_only in ("effectiveValue", "formattedValue", "effectiveFormat", "hyperlink"):
        cell.pop(read_only, None)
    _mirror_color_styles(cell, data)
    _clear_twins(cell, data, tree)
    if cell.get("note") == "":
        # Writing an empty note removes it: the cell then has no note field at all (recorded by gspread's
        # WorksheetTest.test_worksheet_notes cassette), not an empty one.
        cell.pop("note")
    value = cell.get("userEnteredValue")
    if value is not None and (not isinstance(value, dict) or len(value) != 1):
        raise invalid("Invalid userEnteredValue: exactly one of stringValue, numberValue, boolValue, formulaValue")
    if value == {}:
        cell.pop("userEnteredValue")
    store_cell(sheet, key, cell)


def update_cells(work: Spreadsheet, payload: JSON, where: str) -> None:
    tree = required_field_mask(payload, where)
    rows = payload.get("rows") or []
    data = [[c or {} for c in (row or {}).get("values") or []] for row in rows]
    if "range" in payload:
        sheet, r0, r1, c0, c1 = grid(work, payload["range"], where)
    else:
        start = payload.get("start") or {}
        sheet, r0, _, c0, _ = grid(work, {"sheetId": start.get("sheetId", 0)}, where)
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        r1 = r0 + len(data)
        c1 = c0 + max((len(row) for row in data), default=0)
        grid(
            work,
            {
                "sheetId": sheet.sheet_id,
                "startRowIndex": r0,
                "endRowIndex": max(r1, r0 + 1),
                "startColumnIndex": c0,
                "endColumnIndex": max(c1, c0 + 1),
            },
            where,
        )
    for r in range(r0, r1):
        row = data[r - r0] if r - r0 < len(data) else []
        width = c1 if "range" in payload else c0 + len(row)
        for c in range(c0, width):
            cell = row[c - c0] if c - c0 < len(row) else {}
            try:
                _set_cell(sheet, (r, c), cell, tree)
            except RpcError as err:
                raise invalid(f"Invalid {where}: {err.message}") from None


def repeat_cell(work: Spreadsheet, payload: JSON, where: str) -> None:
    tree = required_field_mask(payload, where)
    sheet, r0, r1, c0, c1 = grid(work, payload.get("range"), where)
    cell = payload.get("cell") or {}
    for r in range(r0, r1):
        for c in range(c0, c1):
            try:
                _set_cell(sheet, (r, c), cell, tree)
            except RpcError as err:
                raise invalid(f"Invalid {where}: {err.message}") from None


def update_borders(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet, r0, r1, c0, c1 = grid(work, payload.get("range"), where)
    for r in range(r0, r1):
        for c in range(c0, c1):
            sides = {
                "top": payload.get("top") if r == r0 else payload.get("innerHorizontal"),
                "bottom": payload.get("bottom") if r == r1 - 1 else payload.get("innerHorizontal"),
                "left": payload.get("left") if c == c0 else payload.get("innerVertical"),
                "right": payload.get("right") if c == c1 - 1 else payload.get("innerVertical"),
            }
            present: dict[str, JSON] = {k: v for k, v in sides.items() if isinstance(v, dict)}
            if not present:
                continue
            cell = sheet.cells.get((r, c), {})
            borders = cell.setdefault("userEnteredFormat", {}).setdefault("borders", {})
            for side, border in present.items():
                if border.get("style") == "NONE":
                    borders.pop(side, None)
                else:
                    borders[side] = copy.deepcopy(border)
            if not borders:
                cell["userEnteredFormat"].pop("borders")
            store_cell(sheet, (r, c), cell)


def _unmerge(sheet: Sheet, r0: int, r1: int, c0: int, c1: int) -> None:
    def overlaps(m: JSON) -> bool:
        return (
            m.get("startRowIndex", 0) < r1
            and r0 < m["endRowIndex"]
            and m.get("startColumnIndex", 0) < c1
            and c0 < m["endColumnIndex"]
        )

    sheet.merges = [m for m in sheet.merges if not overlaps(m)]


def merge_cells(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet, r0, r1, c0, c1 = grid(work, payload.get("range"), where)
    merge_type = payload.get("mergeType", "MERGE_ALL")
    if merge_type == "MERGE_ALL":
        boxes = [(r0, r1, c0, c1)]
    elif merge_type == "MERGE_COLUMNS":
        boxes = [(r0, r1, c, c + 1) for c in range(c0, c1)]
    elif merge_type == "MERGE_ROWS":
        boxes = [(r, r + 1, c0, c1) for r in range(r0, r1)]
    else:
        raise invalid(f"Invalid {where}: unknown mergeType {merge_type}")
    # Like the UI, merging over existing merges replaces them (keeps re-runs idempotent).
    _unmerge(sheet, r0, r1, c0, c1)
    sheet.merges.extend(grid_range_json(sheet.sheet_id, a, b, c, d) for a, b, c, d in boxes if (b - a) * (d - c) > 1)


def unmerge_cells(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet, r0, r1, c0, c1 = grid(work, payload.get("range"), where)
    _unmerge(sheet, r0, r1, c0, c1)


# ConditionType values (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/other#ConditionType)
# and how many ConditionValues each takes in a data validation rule (None: one or more).
_VALIDATION_VALUES: dict[str, int | None] = {
    **dict.fromkeys(("NUMBER_GREATER", "NUMBER_GREATER_THAN_EQ", "NUMBER_LESS", "NUMBER_LESS_THAN_EQ"), 1),
    **dict.fromkeys(("NUMBER_EQ", "NUMBER_NOT_EQ", "TEXT_CONTAINS", "TEXT_NOT_CONTAINS", "TEXT_STARTS_WITH"), 1),
    **dict.fromkeys(("TEXT_ENDS_WITH", "TEXT_EQ", "TEXT_NOT_EQ", "DATE_EQ", "DATE_NOT_EQ", "DATE_BEFORE"), 1),
    **dict.fromkeys(("DATE_AFTER", "DATE_ON_OR_BEFORE", "DATE_ON_OR_AFTER", "ONE_OF_RANGE", "CUSTOM_FORMULA"), 1),
    **dict.fromkeys(("NUMBER_BETWEEN", "NUMBER_NOT_BETWEEN", "DATE_BETWEEN", "DATE_NOT_BETWEEN"), 2),
    **dict.fromkeys(("TEXT_IS_EMAIL", "TEXT_IS_URL", "DATE_IS_VALID", "BLANK", "NOT_BLANK"), 0),
    "ONE_OF_LIST": None,
    "BOOLEAN": None,
}


def _validation_rule(rule: object, where: str) -> JSON:
    """A DataValidationRule checked the way Sheets refuses a bad one (condition type and value count)."""
    if not isinstance(rule, dict):
        raise invalid(f"Invalid {where}: rule must be a DataValidationRule object.")
    condition = rule.get("condition")
    kind = condition.get("type") if isinstance(condition, dict) else None
    if kind not in _VALIDATION_VALUES:
        raise invalid(f"Invalid {where}: Invalid ConditionType {kind!r} for a data validation rule.")
    assert isinstance(condition, dict)
    values = condition.get("values") or []
    expected = _VALIDATION_VALUES[str(kind)]
    if expected is None and kind == "ONE_OF_LIST" and not values:
        raise invalid(f"Invalid {where}: ONE_OF_LIST condition requires at least one value.")
    if expected is not None and len(values) != expected:
        raise invalid(f"Invalid {where}: {kind} condition requires {expected} value(s), got {len(values)}.")
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("userEnteredValue", value.get("relativeDate")), str):
            raise invalid(f"Invalid {where}: a condition value needs userEnteredValue (text) or relativeDate.")
    if kind == "CUSTOM_FORMULA" and not str(values[0]["userEnteredValue"]).startswith("="):
        raise invalid(f"Invalid {where}: CUSTOM_FORMULA value must be a formula starting with '='.")
    # proto3 JSON: unset (null) fields are not stored, false booleans are omitted.
    return {key: copy.deepcopy(value) for key, value in rule.items() if value not in (None, False, "")}


def set_data_validation(work: Spreadsheet, payload: JSON, where: str) -> None:
    """``setDataValidation``: the rule on every cell of the range; no rule clears the range's validation."""
    sheet, r0, r1, c0, c1 = grid(work, payload.get("range"), where)
    rule = _validation_rule(payload["rule"], where) if payload.get("rule") else None
    for r in range(r0, r1):
        for c in range(c0, c1):
            cell = copy.deepcopy(sheet.cells.get((r, c), {}))
            if rule is None:
                cell.pop("dataValidation", None)
            else:
                cell["dataValidation"] = copy.deepcopy(rule)
            store_cell(sheet, (r, c), cell)


CELL_REQUESTS: dict[str, RequestHandler] = {
    "setDataValidation": set_data_validation,
    "updateCells": update_cells,
    "repeatCell": repeat_cell,
    "updateBorders": update_borders,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
}
