"""The workbook writer's Tracker reshape: the owner's cells, rows and ranges moved with the pipeline's rows.

Applies a :class:`~sheets_sync.tracker_reshape.Reshape` to the openpyxl Tracker sheet before its block is
rewritten, the way Excel moves things when rows and columns are inserted, deleted or moved: cells (values,
styles, comments), row heights and hidden rows, column widths right of the weeks, merged ranges,
conditional formatting, data validation, the autofilter and the anchors of images and charts. A range of the
owner's that reached the old block's last week (or last row), such as an autofilter or a colour scale over
the weeks, is stretched to the new block. Also used for the anchors of drawings openpyxl cannot read
(:mod:`sheets_sync.xlsx_drawings`).
"""

from __future__ import annotations

import copy

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.dimensions import ColumnDimension, RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.tracker_reshape import Reshape


class TrackerShift:
    """Where an old cell of the Tracker goes (0-based), and how a range of the owner's follows.

    Args:
        reshape: The plan.
        old_width: Columns of the old block.
        new_width: Columns of the new block.
        new_height: Rows of the new Tracker (header included).
    """

    def __init__(self, reshape: Reshape, old_width: int, new_width: int, new_height: int) -> None:
        self.reshape = reshape
        self.old_width = old_width
        self.new_width = new_width
        self.new_height = new_height

    @property
    def moves_anything(self) -> bool:
        return self.reshape.changes_rows or self.reshape.columns_added > 0

    def row(self, old: int) -> int | None:
        return self.reshape.row_after(old)

    def column(self, old: int) -> int:
        return self.reshape.column_after(old)

    def bounds(self, min_row: int, min_col: int, max_row: int, max_col: int) -> tuple[int, int, int, int] | None:
        """A 1-based inclusive range moved (and stretched when it reached the old block's edge); None: gone."""
        first, last = self.row(min_row - 1), self.row(max_row - 1)
        if first is None or last is None:
            return None
        new_max_col = self.column(max_col - 1) + 1
        if max_col == self.old_width and min_col <= self.old_width:
            new_max_col = max(new_max_col, self.new_width)
        new_max_row = last + 1
        if max_row == self.reshape.old_height and min_row <= self.reshape.old_height:
            new_max_row = max(new_max_row, self.new_height)
        return first + 1, self.column(min_col - 1) + 1, max(new_max_row, first + 1), new_max_col

    def range_text(self, text: str) -> str | None:
        """An A1 range (``"A1:F40"``, or several separated by spaces) moved; None when nothing of it is left."""
        moved = []
        for part in str(text).split():
            cells = CellRange(part)
            bounds = self.bounds(cells.min_row, cells.min_col, cells.max_row, cells.max_col)
            if bounds is not None:
                moved.append(
                    CellRange(min_row=bounds[0], min_col=bounds[1], max_row=bounds[2], max_col=bounds[3]).coord
                )
        return " ".join(moved) or None


def apply_reshape(ws: Worksheet, shift: TrackerShift) -> None:
    """Move everything on the sheet as the shift says (a no-op when the Tracker keeps its shape)."""
    if not shift.moves_anything:
        return
    cells = {}
    for (row, column), cell in ws._cells.items():
        new_row = shift.row(row - 1)
        if new_row is None:
            continue  # a row that left the Tracker with nothing of the owner's beside it
        new_column = shift.column(column - 1)
        cell.row, cell.column = new_row + 1, new_column + 1
        cells[(new_row + 1, new_column + 1)] = cell
    ws._cells = cells
    _move_rows(ws, shift)
    _move_columns(ws, shift)
    ws.merged_cells.ranges = {
        CellRange(min_row=b[0], min_col=b[1], max_row=b[2], max_col=b[3])
        for merged in ws.merged_cells.ranges
        if (b := shift.bounds(merged.min_row, merged.min_col, merged.max_row, merged.max_col)) is not None
    }
    _move_conditional_formats(ws, shift)
    for validation in ws.data_validations.dataValidation:
        text = shift.range_text(str(validation.sqref))
        if text is not None:
            validation.sqref = text  # type: ignore[assignment]
    if ws.auto_filter.ref:
        ws.auto_filter.ref = shift.range_text(ws.auto_filter.ref)
    for anchored in [*ws._images, *ws._charts]:
        anchor = getattr(anchored, "anchor", None)
        for marker in (getattr(anchor, "_from", None), getattr(anchor, "to", None)):
            if marker is not None:
                marker.row = _anchor_row(shift, marker.row)
                marker.col = shift.column(marker.col)


def _anchor_row(shift: TrackerShift, row: int) -> int:
    moved = shift.row(row)
    return row if moved is None else moved


def _move_rows(ws: Worksheet, shift: TrackerShift) -> None:
    rows: dict[int, RowDimension] = {}
    for index, dimension in list(ws.row_dimensions.items()):
        new = shift.row(index - 1)
        if new is None:
            continue
        moved = copy.copy(dimension)
        moved.index = new + 1
        rows[new + 1] = moved
    ws.row_dimensions.clear()
    for index, dimension in sorted(rows.items()):
        ws.row_dimensions[index] = dimension


def _move_columns(ws: Worksheet, shift: TrackerShift) -> None:
    if not shift.reshape.columns_added:
        return
    columns: dict[str, ColumnDimension] = {}
    for _, dimension in list(ws.column_dimensions.items()):
        first, last = dimension.min or 1, dimension.max or dimension.min or 1
        new_first, new_last = shift.column(first - 1) + 1, shift.column(last - 1) + 1
        moved = copy.copy(dimension)
        moved.index = get_column_letter(new_first)
        moved.min, moved.max = new_first, new_last
        columns[moved.index] = moved
    ws.column_dimensions.clear()
    for letter, dimension in columns.items():
        ws.column_dimensions[letter] = dimension


def _move_conditional_formats(ws: Worksheet, shift: TrackerShift) -> None:
    moved = ConditionalFormattingList()
    for formatting in ws.conditional_formatting:
        text = shift.range_text(str(formatting.sqref))
        if text is None:
            continue
        for rule in formatting.rules:
            moved.add(text, rule)
    ws.conditional_formatting = moved
