"""batchUpdate requests on sheets and the spreadsheet itself: add, delete, update sheet/spreadsheet properties.

Registered in :data:`SHEET_REQUESTS` for :mod:`emulators.sheets.batch_update`.
"""

from __future__ import annotations

import copy

from emulators.google_rpc import invalid
from emulators.sheets.batch_common import RequestHandler
from emulators.sheets.batch_metadata import forget_sheet
from emulators.sheets.fields import apply_mask, required_field_mask
from emulators.sheets.store import DEFAULT_COLUMNS, DEFAULT_ROWS, JSON, Spreadsheet, new_sheet


def add_sheet(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    props = copy.deepcopy(payload.get("properties") or {})
    if props.get("sheetType", "GRID") != "GRID":
        raise invalid(f"Invalid {where}: only GRID sheets are supported by the Sheets emulator.")
    title = props.get("title")
    if not title:
        n = len(work.sheets) + 1
        while work.sheet_by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    if work.sheet_by_title(str(title)) is not None:
        raise invalid(f'Invalid {where}: A sheet with the name "{title}" already exists. Please enter another name.')
    if "sheetId" in props:
        sheet_id = int(props["sheetId"])
        if sheet_id < 0 or work.sheet_by_id(sheet_id) is not None:
            raise invalid(f"Invalid {where}: Sheet with id {sheet_id} already exists.")
    else:
        sheet_id = work.rng.randrange(1, 2**31)
        while work.sheet_by_id(sheet_id) is not None:
            sheet_id = work.rng.randrange(1, 2**31)
    grid = props.get("gridProperties") or {}
    rows = int(grid.get("rowCount", DEFAULT_ROWS))
    cols = int(grid.get("columnCount", DEFAULT_COLUMNS))
    if rows <= 0 or cols <= 0:
        raise invalid(f"Invalid {where}: a sheet must have at least one row and one column.")
    index = min(max(int(props.get("index", len(work.sheets))), 0), len(work.sheets))
    sheet = new_sheet(sheet_id, str(title), index, rows, cols)
    extra = {k: v for k, v in props.items() if k not in ("sheetId", "title", "index", "sheetType", "gridProperties")}
    sheet.properties.update(extra)
    sheet.properties["gridProperties"].update({k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")})
    work.sheets.insert(index, sheet)
    work.reindex()
    return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}


def delete_sheet(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet = work.sheet_by_id(int(payload.get("sheetId", 0)))
    if sheet is None:
        raise invalid(f"Invalid {where}: No sheet with id: {payload.get('sheetId', 0)}")
    if len(work.sheets) == 1:
        raise invalid(f"Invalid {where}: You can't remove all the sheets in a document.")
    work.sheets.remove(sheet)
    forget_sheet(work, sheet.sheet_id)
    work.reindex()


def update_sheet_properties(work: Spreadsheet, payload: JSON, where: str) -> None:
    source = payload.get("properties") or {}
    sheet = work.sheet_by_id(int(source.get("sheetId", 0)))
    if sheet is None:
        raise invalid(f"Invalid {where}: No grid with id: {source.get('sheetId', 0)}")
    tree = required_field_mask(payload, where)
    props = copy.deepcopy(sheet.properties)
    old_index = int(props["index"])
    apply_mask(props, {**source, "sheetId": sheet.sheet_id}, tree)
    props["sheetId"] = sheet.sheet_id
    props.setdefault("sheetType", "GRID")
    title = str(props.get("title") or "")
    if not title:
        raise invalid(f"Invalid {where}: Sheet title must not be empty.")
    if title != sheet.title and work.sheet_by_title(title) is not None:
        raise invalid(f'Invalid {where}: A sheet with the name "{title}" already exists. Please enter another name.')
    grid = props.setdefault("gridProperties", {})
    rows, cols = int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))
    if rows <= 0:
        raise invalid(f"Invalid {where}: You can't delete all the rows on the sheet.")
    if cols <= 0:
        raise invalid(f"Invalid {where}: You can't delete all the columns on the sheet.")
    if int(grid.get("frozenRowCount", 0)) >= rows:
        raise invalid(f"Invalid {where}: You can't freeze all visible rows on the sheet.")
    if int(grid.get("frozenColumnCount", 0)) >= cols:
        raise invalid(f"Invalid {where}: You can't freeze all visible columns on the sheet.")
    for key in ("frozenRowCount", "frozenColumnCount"):
        if grid.get(key) == 0:
            grid.pop(key)  # proto3 JSON drops zeros
    sheet.properties = props
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] < rows and k[1] < cols}
    sheet.row_groups.truncate(rows)
    sheet.column_groups.truncate(cols)
    new_index = int(props.get("index", old_index))
    if new_index != old_index:
        work.sheets.remove(sheet)
        work.sheets.insert(min(max(new_index, 0), len(work.sheets)), sheet)
    work.reindex()


def update_spreadsheet_properties(work: Spreadsheet, payload: JSON, where: str) -> None:
    tree = required_field_mask(payload, where)
    props = copy.deepcopy(work.properties)
    apply_mask(props, payload.get("properties") or {}, tree)
    if not props.get("title"):
        raise invalid(f"Invalid {where}: Spreadsheet title must not be empty.")
    work.properties = props


SHEET_REQUESTS: dict[str, RequestHandler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
}
