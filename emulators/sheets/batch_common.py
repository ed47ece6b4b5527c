"""What the Sheets emulator's batchUpdate request handlers share: their signature and GridRange resolution.

Imported by the ``batch_*`` modules; :mod:`emulators.sheets.batch_update` dispatches to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulators.google_rpc import invalid
from emulators.sheets.a1 import a1_box, quote_title_always
from emulators.sheets.params import DIMENSIONS
from emulators.sheets.store import JSON, Sheet, Spreadsheet

#: A batchUpdate request handler: (working copy of the spreadsheet, request payload, ``requests[i].kind``)
#: -> the reply JSON, or None for an empty reply. It raises ``RpcError`` to fail the whole batch.
RequestHandler = Callable[[Spreadsheet, JSON, str], JSON | None]


def grid(work: Spreadsheet, raw: Any, where: str) -> tuple[Sheet, int, int, int, int]:
    """Resolve a GridRange JSON to (sheet, r0, r1, c0, c1) with exclusive ends, validated."""
    if not isinstance(raw, dict):
        raise invalid(f"Invalid {where}: range is required")
    sheet = work.sheet_by_id(int(raw.get("sheetId", 0)))
    if sheet is None:
        raise invalid(f"Invalid {where}: No grid with id: {raw.get('sheetId', 0)}")
    r0 = int(raw.get("startRowIndex", 0))
    c0 = int(raw.get("startColumnIndex", 0))
    r1 = int(raw["endRowIndex"]) if raw.get("endRowIndex") is not None else sheet.rows
    c1 = int(raw["endColumnIndex"]) if raw.get("endColumnIndex") is not None else sheet.cols
    if r0 < 0 or c0 < 0 or r1 < r0 or c1 < c0:
        raise invalid(f"Invalid {where}: Invalid range: start index must be <= end index and >= 0")
    if r1 > sheet.rows or c1 > sheet.cols:
        shown = a1_box(r0, c0, max(r0, r1 - 1), max(c0, c1 - 1))
        raise invalid(
            f"Invalid {where}: Range ({quote_title_always(sheet.title)}!{shown}) exceeds grid limits. "
            f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )
    return sheet, r0, r1, c0, c1


def dimension_range(work: Spreadsheet, raw: Any, where: str) -> tuple[Sheet, str, int, int]:
    """Resolve a DimensionRange JSON to (sheet, ROWS|COLUMNS, start, end), validated."""
    if not isinstance(raw, dict):
        raise invalid(f"Invalid {where}: range is required")
    sheet = work.sheet_by_id(int(raw.get("sheetId", 0)))
    if sheet is None:
        raise invalid(f"Invalid {where}: No grid with id: {raw.get('sheetId', 0)}")
    dimension = raw.get("dimension")
    if dimension not in DIMENSIONS:
        raise invalid(f"Invalid {where}: dimension must be ROWS or COLUMNS")
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    start = int(raw.get("startIndex", 0))
    end = int(raw["endIndex"]) if raw.get("endIndex") is not None else size
    if start < 0 or end < start or end > size:
        raise invalid(
            f"Invalid {where}: Invalid dimension range: [{start}, {end}) on a sheet with {size} {dimension.lower()}"
        )
    return sheet, dimension, start, end


def grid_range_json(sheet_id: int, r0: int, r1: int, c0: int, c1: int) -> JSON:
    """GridRange JSON; proto3 JSON omits zero-valued fields as the real API does."""
    out: JSON = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    if r0:
        out["startRowIndex"] = r0
    out["endRowIndex"] = r1
    if c0:
        out["startColumnIndex"] = c0
    out["endColumnIndex"] = c1
    return out
