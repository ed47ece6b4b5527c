"""The Sheets emulator's ``spreadsheets.get``: Spreadsheet JSON with optional grid data, ranges and field mask.

Routed from :mod:`emulators.sheets.routes`; batchUpdate reuses it for ``includeSpreadsheetInResponse``.
"""

from __future__ import annotations

import copy

from emulators.sheets.batch_groups import groups_json
from emulators.sheets.batch_metadata import sheet_metadata, spreadsheet_metadata
from emulators.sheets.cells import effective_value, formatted
from emulators.sheets.fields import parse_fields, project, tree_has
from emulators.sheets.params import EndpointCall, Params, flag
from emulators.sheets.store import (
    DEFAULT_COLUMN_PX,
    DEFAULT_ROW_PX,
    JSON,
    Cell,
    Sheet,
    Spreadsheet,
    clamp,
    resolve_range,
)


def get_spreadsheet(call: EndpointCall) -> JSON:
    """``GET /v4/spreadsheets/{id}``."""
    return spreadsheet_json(call.book, call.params)


def spreadsheet_json(book: Spreadsheet, params: Params) -> JSON:
    """The Spreadsheet resource as ``spreadsheets.get`` answers it for these query parameters."""
    opts = dict(params)
    fields = parse_fields(opts.get("fields", ""))
    include_grid = flag(opts.get("includeGridData", False)) or (
        fields is not None and tree_has(fields, "sheets", "data") and "sheets" in fields
    )
    ranges = [v for k, v in params if k == "ranges"]
    selected: list[tuple[Sheet, list[tuple[int, int, int, int]]]] = []
    if ranges:
        for text_range in ranges:
            sheet, rng = resolve_range(book, text_range)
            box = clamp(sheet, rng)
            for existing, boxes in selected:
                if existing is sheet:
                    boxes.append(box)
                    break
            else:
                selected.append((sheet, [box]))
    else:
        selected = [(s, [(0, s.rows, 0, s.cols)]) for s in book.sheets]
    sheets_json = []
    for sheet, boxes in selected:
        entry = _sheet_json(sheet)
        metadata = sheet_metadata(book, sheet.sheet_id)
        if metadata:
            entry["developerMetadata"] = metadata
        if include_grid:
            entry["data"] = [_grid_data(sheet, *box) for box in boxes]
        sheets_json.append(entry)
    result: JSON = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": copy.deepcopy(book.properties),
        "sheets": sheets_json,
    }
    if book.developer_metadata and (listed := spreadsheet_metadata(book)):
        result["developerMetadata"] = listed
    result["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    return project(result, fields) if fields is not None else result


def _sheet_json(sheet: Sheet) -> JSON:
    entry: JSON = {"properties": copy.deepcopy(sheet.properties)}
    if sheet.merges:
        entry["merges"] = copy.deepcopy(sheet.merges)
    if sheet.conditional_formats:
        entry["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
    if sheet.basic_filter is not None:
        entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
    if sheet.charts:
        entry["charts"] = copy.deepcopy(sheet.charts)
    for key, dimension in (("rowGroups", "ROWS"), ("columnGroups", "COLUMNS")):
        groups = groups_json(sheet, dimension)
        if groups:
            entry[key] = groups
    return entry


def _cell_json(cell: Cell | None) -> JSON:
    if not cell:
        return {}
    out = copy.deepcopy(cell)
    effective = effective_value(cell)
    if effective is not None:
        out["effectiveValue"] = effective
        out["formattedValue"] = formatted(cell)
    if "userEnteredFormat" in cell:
        out["effectiveFormat"] = copy.deepcopy(cell["userEnteredFormat"])
    return out


def _grid_data(sheet: Sheet, r0: int, r1: int, c0: int, c1: int) -> JSON:
    """GridData for a box: rowData trimmed after the last non-empty row, each row after its last cell."""
    rows: list[JSON] = []
    by_row: dict[int, list[int]] = {}
    for r, c in sheet.cells:
        if r0 <= r < r1 and c0 <= c < c1:
            by_row.setdefault(r, []).append(c)
    last_row = max(by_row, default=r0 - 1)
    for r in range(r0, last_row + 1):
        cols = by_row.get(r)
        if not cols:
            rows.append({})
            continue
        rows.append({"values": [_cell_json(sheet.cells.get((r, c))) for c in range(c0, max(cols) + 1)]})
    data: JSON = {}
    if r0:
        data["startRow"] = r0
    if c0:
        data["startColumn"] = c0
    if rows:
        data["rowData"] = rows
    data["rowMetadata"] = [{"pixelSize": DEFAULT_ROW_PX, **sheet.row_sizes.get(r, {})} for r in range(r0, r1)]
    data["columnMetadata"] = [{"pixelSize": DEFAULT_COLUMN_PX, **sheet.column_sizes.get(c, {})} for c in range(c0, c1)]
    return data
