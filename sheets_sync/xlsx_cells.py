"""Cells between openpyxl and the model: reading sheets into grids, and writing rows as text-safe, styled
cells. Used by :class:`~sheets_sync.xlsx_writer.XlsxTracker` and its tab writers (:mod:`sheets_sync.xlsx_tabs`).

Speed: rows go in with ``Worksheet.append`` (no per-cell coordinate lookups), styles are shared instances
assigned once per cell, and the last used row is found from the bottom instead of by scanning every cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.cells import Cell, Grid

# Leading characters that make Excel/LibreOffice treat typed text as a formula (OWASP formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Style objects are created once and shared: openpyxl interns them per workbook, so reusing one instance
# keeps the per-cell cost to a lookup.
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFE8EAED")
EXAMPLE_FONT = Font(italic=True, color="FF80868B")


def excel_width(pixels: int) -> float:
    """Convert a column width in pixels to Excel's width unit (characters of the default font)."""
    # Excel adds 5 px of padding to ``width × 7 px`` (Calibri 11, the default font's digit width).
    return round(max(pixels - 5, 0) / 7, 2)


def argb(color_hex: str) -> str:
    """Turn ``"#RRGGBB"`` into the opaque ``"FFRRGGBB"`` openpyxl colours take."""
    return "FF" + color_hex.lstrip("#").upper()


def _read_cell(value: Any) -> Cell:
    """Turn an openpyxl value into a model cell (dates become ``YYYY-MM-DD`` text)."""
    if value is None or isinstance(value, str | float) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def grid_from_rows(rows: Any) -> Grid:
    """Collect ``iter_rows(values_only=True)`` output, trimming trailing empty cells and rows."""
    grid: Grid = []
    last = 0
    for raw in rows:
        row = [_read_cell(value) for value in raw]
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
        grid.append(row)
        if row:
            last = len(grid)
    return grid[:last]


def with_uncomputed_formulas(values: Grid, formulas: Grid) -> Grid:
    """Fill cells that have no cached value with their formula text."""
    merged: Grid = []
    for index in range(max(len(values), len(formulas))):
        row = list(values[index]) if index < len(values) else []
        raw = formulas[index] if index < len(formulas) else []
        row.extend([None] * (len(raw) - len(row)))
        for column, formula in enumerate(raw):
            if row[column] is None and isinstance(formula, str) and formula.startswith("="):
                row[column] = formula
        merged.append(row)
    return merged


def last_used_row(ws: Worksheet, max_col: int | None = None) -> int:
    """1-based index of the last row holding a value in the first ``max_col`` columns (0 for an empty sheet).

    Scans upwards from the bottom: on an append-only tab the last row is almost always used, so this reads
    one row instead of every cell of a 100k-row tab.
    """
    bottom, width = ws.max_row, min(ws.max_column, max_col or ws.max_column)
    for index in range(bottom, 0, -1):
        for row in ws.iter_rows(min_row=index, max_row=index, min_col=1, max_col=width, values_only=True):
            if any(value is not None and value != "" for value in row):
                return index
    return 0


def _clean(value: Cell) -> Cell:
    """Make a model cell storable: illegal XML characters dropped from text, NaN/inf numbers empty."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _needs_text_cell(text: str) -> bool:
    # Text openpyxl would not store as plain text on its own ("=..." formulas, "#N/A" errors), and text
    # that needs the quote prefix.
    return text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES


def _store_text(cell: XlCell, text: str) -> None:
    """Put ``text`` in ``cell`` as text, never as a formula or an error value."""
    cell.value = text
    # openpyxl turns any "=..." string into a formula and "#N/A" into an error: force the string type, and
    # mark risky text with Excel's quote prefix so editing the cell in Excel does not evaluate it either.
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def _text_cell(ws: Worksheet, text: str) -> XlCell:
    """A detached cell (placed by ``Worksheet.append``) holding ``text`` as text."""
    cell = XlCell(ws)
    _store_text(cell, text)
    return cell


def row_items(ws: Worksheet, row: Sequence[Cell]) -> list[Any]:
    """Values ready for ``Worksheet.append``: plain values where safe, text cells where openpyxl would guess.

    Plain values are the fast path (openpyxl infers the type); only risky text needs a cell object.
    """
    items: list[Any] = []
    for raw in row:
        value = _clean(raw)
        if isinstance(value, str) and _needs_text_cell(value):
            items.append(_text_cell(ws, value))
        else:
            items.append(value)
    return items


def styled_row(
    ws: Worksheet,
    row: Sequence[Cell],
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    border: Border | None = None,
    alignment: Alignment | None = None,
    number_format: str | None = None,
    number_format_from: int = 0,
    alignments: dict[int, Alignment] | None = None,
    fills: dict[int, PatternFill] | None = None,
) -> list[XlCell]:
    """Cells of one row with shared style instances applied (0-based ``number_format_from`` and keys)."""
    cells: list[XlCell] = []
    for index, raw in enumerate(row):
        value = _clean(raw)
        cell = _text_cell(ws, value) if isinstance(value, str) else XlCell(ws, value=value)
        if font is not None:
            cell.font = font
        chosen_fill = fills.get(index, fill) if fills else fill
        if chosen_fill is not None:
            cell.fill = chosen_fill
        if border is not None:
            cell.border = border
        chosen = alignments.get(index, alignment) if alignments else alignment
        if chosen is not None:
            cell.alignment = chosen
        if number_format is not None and index >= number_format_from:
            cell.number_format = number_format
        cells.append(cell)
    return cells


def set_cell(ws: Worksheet, row: int, column: int, value: Cell) -> None:
    """Write one cell at a given position; text is always stored as text, never as a formula.

    The slow path, for appending below rows that are not the sheet's last (see ``append_snapshots``).
    """
    cell = ws.cell(row=row, column=column)
    value = _clean(value)
    if isinstance(value, str):
        _store_text(cell, value)
    else:
        cell.value = value


def write_header(ws: Worksheet, header: Sequence[Cell]) -> None:
    """Append the bold, shaded header row (the sheet must be empty)."""
    ws.append(styled_row(ws, header, font=HEADER_FONT, fill=HEADER_FILL))


def set_widths(ws: Worksheet, grid: Sequence[Sequence[Cell]], *, minimum: int = 8, maximum: int = 60) -> None:
    """Size each column to its longest text (plus a margin), within ``minimum..maximum`` characters."""
    widths: dict[int, int] = {}
    for row in grid:
        for column, value in enumerate(row, start=1):
            length = len(str(value)) if value is not None else 0
            widths[column] = max(widths.get(column, 0), length)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(max(width + 2, minimum), maximum)
