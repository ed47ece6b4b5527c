"""batchUpdate requests on rows and columns: sizes, auto-resize, append, insert, delete and move dimensions.

Cells, sizes (with ``hiddenByUser``), groups and the ranges of conditional formats, the basic filter and merges
(:mod:`emulators.sheets.range_shift`) follow the rows and columns they are on.

Registered in :data:`DIMENSION_REQUESTS` for :mod:`emulators.sheets.batch_update`.
"""

from __future__ import annotations

from emulators.google_rpc import invalid
from emulators.sheets.batch_common import RequestHandler, dimension_range
from emulators.sheets.cells import formatted
from emulators.sheets.fields import apply_mask, required_field_mask
from emulators.sheets.params import DIMENSIONS
from emulators.sheets.range_shift import deleted, inserted, moved, shift_sheet_ranges
from emulators.sheets.store import DEFAULT_ROW_PX, JSON, Cell, Spreadsheet, insert_rows


def update_dimension_properties(work: Spreadsheet, payload: JSON, where: str) -> None:
    tree = required_field_mask(payload, where)
    sheet, dimension, start, end = dimension_range(work, payload.get("range"), where)
    sizes = sheet.row_sizes if dimension == "ROWS" else sheet.column_sizes
    for i in range(start, end):
        props = sizes.get(i, {})
        apply_mask(props, payload.get("properties") or {}, tree)
        if props:
            sizes[i] = props
        else:
            sizes.pop(i, None)


def auto_resize_dimensions(work: Spreadsheet, payload: JSON, where: str) -> None:
    # Real widths depend on fonts; 10 px padding plus 7 px per character of the longest value is close enough.
    sheet, dimension, start, end = dimension_range(work, payload.get("dimensions"), where)
    for i in range(start, end):
        if dimension == "ROWS":
            sheet.row_sizes.setdefault(i, {})["pixelSize"] = DEFAULT_ROW_PX
            continue
        longest = max((len(formatted(cell)) for (_, c), cell in sheet.cells.items() if c == i), default=0)
        sheet.column_sizes.setdefault(i, {})["pixelSize"] = max(20, 10 + 7 * longest)


def append_dimension(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet = work.sheet_by_id(int(payload.get("sheetId", 0)))
    if sheet is None:
        raise invalid(f"Invalid {where}: No grid with id: {payload.get('sheetId', 0)}")
    length = int(payload.get("length", 0))
    if length <= 0:
        raise invalid(f"Invalid {where}: length must be greater than 0")
    dimension = payload.get("dimension")
    if dimension not in DIMENSIONS:
        raise invalid(f"Invalid {where}: dimension must be ROWS or COLUMNS")
    key = "rowCount" if dimension == "ROWS" else "columnCount"
    sheet.properties["gridProperties"][key] += length


def insert_dimension(work: Spreadsheet, payload: JSON, where: str) -> None:
    raw = payload.get("range") or {}
    sheet = work.sheet_by_id(int(raw.get("sheetId", 0)))
    if sheet is None:
        raise invalid(f"Invalid {where}: No grid with id: {raw.get('sheetId', 0)}")
    dimension = raw.get("dimension")
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    start, end = int(raw.get("startIndex", 0)), int(raw.get("endIndex", 0))
    if dimension not in DIMENSIONS or start < 0 or end <= start or start > size:
        raise invalid(f"Invalid {where}: Invalid dimension range [{start}, {end})")
    shift_sheet_ranges(sheet, dimension, inserted(start, end - start))
    if dimension == "ROWS":
        insert_rows(sheet, start, end - start)
    else:
        count = end - start
        sheet.cells = {(r, c + count if c >= start else c): v for (r, c), v in sheet.cells.items()}
        sheet.column_sizes = {(c + count if c >= start else c): p for c, p in sheet.column_sizes.items()}
        sheet.column_groups.insert(start, count)
        sheet.properties["gridProperties"]["columnCount"] += count


def delete_dimension(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet, dimension, start, end = dimension_range(work, payload.get("range"), where)
    count = end - start
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    if count >= size:
        noun = "rows" if dimension == "ROWS" else "columns"
        raise invalid(f"Invalid {where}: You can't delete all the {noun} on the sheet.")
    axis = 0 if dimension == "ROWS" else 1
    shift_sheet_ranges(sheet, dimension, deleted(start, end))

    def gone(i: int) -> int | None:
        return None if start <= i < end else (i - count if i >= end else i)

    cells: dict[tuple[int, int], Cell] = {}
    for key, cell in sheet.cells.items():
        new = gone(key[axis])
        if new is not None:
            cells[(new, key[1]) if axis == 0 else (key[0], new)] = cell
    sheet.cells = cells
    (sheet.row_groups if axis == 0 else sheet.column_groups).remove(start, end)
    sizes = sheet.row_sizes if axis == 0 else sheet.column_sizes
    shifted = {gone(i): p for i, p in sizes.items()}
    shifted.pop(None, None)
    if axis == 0:
        sheet.row_sizes = {int(k): v for k, v in shifted.items() if k is not None}
    else:
        sheet.column_sizes = {int(k): v for k, v in shifted.items() if k is not None}
    sheet.properties["gridProperties"]["rowCount" if axis == 0 else "columnCount"] = size - count


def move_dimension(work: Spreadsheet, payload: JSON, where: str) -> None:
    """``moveDimension``: ``destinationIndex`` counts positions before the source is taken out of the grid."""
    sheet, dimension, start, end = dimension_range(work, payload.get("source"), where)
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    destination = int(payload.get("destinationIndex", -1))
    if not 0 <= destination <= size:
        raise invalid(f"Invalid {where}: destinationIndex {destination} is out of range [0, {size}]")
    if start < destination < end:
        raise invalid(f"Invalid {where}: Cannot move dimensions into the range being moved.")
    count = end - start
    landing = destination - count if destination > start else destination
    order = [i for i in range(size) if not start <= i < end]
    order[landing:landing] = list(range(start, end))
    new_index = {old: new for new, old in enumerate(order)}
    axis = 0 if dimension == "ROWS" else 1
    shift_sheet_ranges(sheet, dimension, moved(start, end, destination))
    sheet.cells = {
        ((new_index[r], c) if axis == 0 else (r, new_index[c])): cell for (r, c), cell in sheet.cells.items()
    }
    if axis == 0:
        sheet.row_sizes = {new_index[i]: p for i, p in sheet.row_sizes.items()}
    else:
        sheet.column_sizes = {new_index[i]: p for i, p in sheet.column_sizes.items()}
    groups = sheet.row_groups if axis == 0 else sheet.column_groups
    groups.remove(start, end)  # moved rows leave their groups
    groups.insert(landing, count)


DIMENSION_REQUESTS: dict[str, RequestHandler] = {
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "appendDimension": append_dimension,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "moveDimension": move_dimension,
}
