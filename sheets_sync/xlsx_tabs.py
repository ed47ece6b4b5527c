"""The xlsx writer's tabs: the Tracker (styles, outline, comments, print setup), Definitions, Insights, the
rows appended to Snapshots and the owner tabs' templates. Called by :meth:`~sheets_sync.xlsx_writer.XlsxTracker.write`.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.cells import Cell, Grid
from sheets_sync.insights_layout import XLSX_DETAIL_WIDTH, xlsx_row_height
from sheets_sync.notes import CellNote
from sheets_sync.presentation import Presentation
from sheets_sync.tabs import SNAPSHOTS_HEADER
from sheets_sync.update import TrackerUpdate
from sheets_sync.xlsx_cells import (
    EXAMPLE_FONT,
    HEADER_FILL,
    HEADER_FONT,
    argb,
    excel_width,
    row_items,
    set_cell,
    set_widths,
    styled_row,
    write_header,
)

COMMENT_AUTHOR = "Funnel Ledger"
_SECTION_BORDER = Border(top=Side(style="thin", color="FF9AA0A6"))
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_INSIGHTS_WIDTHS = {1: 12, 2: 14, 3: 24, 4: XLSX_DETAIL_WIDTH, 5: 12, 6: 38, 7: 22}
_INSIGHTS_DETAIL_COLUMN = 4


def write_tracker(ws: Worksheet, update: TrackerUpdate, presentation: Presentation, notes: Sequence[CellNote]) -> None:
    """Fill an empty Tracker sheet: values, formats, fills, bands, section outline, comments, widths, printing."""
    grid = update.tracker
    header_fill = PatternFill("solid", fgColor=argb(presentation.header_format.background_hex))
    header_font = Font(bold=presentation.header_format.bold)
    week_header = {
        index: Alignment(horizontal=presentation.header_format.week_alignment)
        for index in range(presentation.first_week_col, len(grid[0]))
    }
    ws.append(styled_row(ws, grid[0], font=header_font, fill=header_fill, alignments=week_header))
    # A coordinate, not ws.cell(): creating a cell in row 2 would make append() start at row 3.
    top_left = f"{get_column_letter(presentation.frozen_columns + 1)}{presentation.frozen_rows + 1}"
    ws.freeze_panes = top_left
    ws.sheet_properties.outlinePr.summaryBelow = False

    formats = dict(presentation.row_formats)
    fill_styles: dict[str, PatternFill] = {}

    def fill_for(color_hex: str) -> PatternFill:
        # One shared instance per colour keeps openpyxl's style interning to a lookup per cell.
        if color_hex not in fill_styles:
            fill_styles[color_hex] = PatternFill("solid", fgColor=argb(color_hex))
        return fill_styles[color_hex]

    band_of: dict[int, PatternFill] = {}
    for band in presentation.section_bands:
        if band.color_hex.upper() not in {"#FFFFFF", "FFFFFF"}:
            for row_index in range(band.first_row, band.last_row + 1):
                band_of[row_index] = fill_for(band.color_hex)
    cell_fills: dict[int, dict[int, PatternFill]] = {}
    for target_fill in presentation.fills:
        cell_fills.setdefault(target_fill.row, {})[target_fill.col] = fill_for(target_fill.color_hex)

    width = max(len(grid[0]), presentation.last_col + 1)
    previous_block: tuple[str, str] | None = None
    for row_index, (row, meta) in enumerate(zip(grid[1:], update.tracker_rows, strict=True), start=1):
        # Pad to the header so every week cell carries the unit's format (and band), even when empty.
        padded: list[Cell] = [*row, *([None] * (width - len(row)))]
        # Group rows by section (within Leading / Lagging): the first row of a block is the outline's
        # summary row, the others collapse under it; a thin rule separates blocks.
        block = (meta.kpi_type, meta.section)
        first_of_block = block != previous_block
        cells = styled_row(
            ws,
            padded,
            fill=band_of.get(row_index),
            fills=cell_fills.get(row_index),
            border=_SECTION_BORDER if first_of_block else None,
            number_format=formats.get(row_index),
            number_format_from=presentation.first_week_col,
        )
        if first_of_block:
            cells[0].font = HEADER_FONT
        ws.append(cells)
        if not first_of_block:
            ws.row_dimensions[row_index + 1].outlineLevel = 1
        previous_block = block
    for note in notes:
        comment = Comment(note.text, note.author or COMMENT_AUTHOR)
        # Room for one line of text: the default box cuts "first reported ... on YYYY-MM-DD" in two.
        comment.width, comment.height = 260, 60
        ws.cell(row=note.row + 1, column=note.col + 1).comment = comment
    for column, pixels in enumerate(presentation.column_widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = excel_width(pixels)
    # Printing (and PDF export) in landscape, repeating the header row and the KPI / Channel labels on
    # every page, so a page of later weeks still says which KPI each row is.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.scale = 80
    ws.print_title_rows = "1:1"
    ws.print_title_cols = "B:C"


def write_definitions(ws: Worksheet, grid: Grid) -> None:
    """Fill an empty Definitions sheet from the update's grid (header row first)."""
    write_header(ws, grid[0])
    ws.freeze_panes = "C2"
    for row in grid[1:]:
        ws.append(row_items(ws, row))
    set_widths(ws, grid, maximum=80)


def write_insights(ws: Worksheet, grid: Grid) -> None:
    """Fill an empty Insights sheet from the update's grid (header row first), details wrapped."""
    write_header(ws, grid[0])
    ws.freeze_panes = "A2"
    # Top-aligned rows, wrapped detail: a long note grows its row instead of spilling over the next
    # columns, and the short cells stay level with its first line.
    wrap = {_INSIGHTS_DETAIL_COLUMN - 1: _TOP_WRAP}
    for row_number, row in enumerate(grid[1:], start=2):
        ws.append(styled_row(ws, row, alignment=_TOP, alignments=wrap))
        # An explicit height: rows without one are drawn one line high by LibreOffice and in print, and the
        # wrapped note then runs over the rows below.
        ws.row_dimensions[row_number].height = xlsx_row_height(row[_INSIGHTS_DETAIL_COLUMN - 1] if len(row) > 3 else "")
    for column, width in _INSIGHTS_WIDTHS.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def append_snapshots(ws: Worksheet, update: TrackerUpdate, existing_rows: int, *, fresh: bool) -> None:
    """Append the update's Snapshots rows below the last used row; existing rows are never rewritten."""
    rows = update.snapshots_append
    if fresh or (existing_rows > 0 and ws.max_row == existing_rows):
        # The common case: nothing lies below the last used row, so ``append`` lands exactly there.
        if update.snapshots_header_needed:
            write_header(ws, SNAPSHOTS_HEADER)
            ws.freeze_panes = "A2"
            set_widths(ws, [list(SNAPSHOTS_HEADER), *rows[:200]], minimum=12)
        for row in rows:
            ws.append(row_items(ws, row))
        return
    # Formatted but empty cells below the data (or an existing, blank tab): write at exact positions.
    next_row = existing_rows + 1
    if update.snapshots_header_needed:
        for column, name in enumerate(SNAPSHOTS_HEADER, start=1):
            set_cell(ws, 1, column, name)
            ws.cell(row=1, column=column).font = HEADER_FONT
            ws.cell(row=1, column=column).fill = HEADER_FILL
        ws.freeze_panes = "A2"
        set_widths(ws, [list(SNAPSHOTS_HEADER), *rows[:200]], minimum=12)
        next_row = 2
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            set_cell(ws, next_row + offset, column, value)


def create_owner_tab(ws: Worksheet, template: Sequence[Sequence[Cell]]) -> None:
    """Fill a new Targets or Costs sheet with its header and the example (comment) row."""
    write_header(ws, template[0])
    ws.freeze_panes = "A2"
    for row in template[1:]:
        ws.append(styled_row(ws, row, font=EXAMPLE_FONT))
    set_widths(ws, [list(row) for row in template], minimum=12)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="left")
