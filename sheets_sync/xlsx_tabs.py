"""The xlsx writer's tabs: the Tracker (styles, collapsed channel rows, comments, print setup), Definitions,
Insights, the rows appended to Snapshots and the owner tabs' templates. Called by
:meth:`~sheets_sync.xlsx_writer.XlsxTracker.write`.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.cells import Cell, Grid, parse_week
from sheets_sync.formats import CHANNEL_TEXT, SECTION_BACKGROUND
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
_BOLD = Font(bold=True)
_GREY = Font(color=argb(CHANNEL_TEXT))
_GREY_ITALIC = Font(italic=True, color=argb(CHANNEL_TEXT))
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_INSIGHTS_WIDTHS = {1: 12, 2: 14, 3: 24, 4: XLSX_DETAIL_WIDTH, 5: 12, 6: 38, 7: 22}
_INSIGHTS_DETAIL_COLUMN = 4
_INSIGHTS_PRINTED_COLUMNS = 5  # week_start, source, flag, detail, value


def write_tracker(ws: Worksheet, update: TrackerUpdate, presentation: Presentation, notes: Sequence[CellNote]) -> None:
    """Fill an empty Tracker sheet: values, formats, fills, section rows, collapsed channel rows, comments,
    widths and the print setup."""
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
    # The group's own row (Inbound, Outbound, "Earlier definitions") sits above its channel rows.
    ws.sheet_properties.outlinePr.summaryBelow = False

    styles = _TrackerStyles(presentation)
    units = dict(presentation.row_units)
    sections = set(presentation.section_rows)
    blocks = set(presentation.block_rows)
    width = max(len(grid[0]), presentation.last_col + 1)
    for row_index, (row, meta) in enumerate(zip(grid[1:], update.tracker_rows, strict=True), start=1):
        # Pad to the header so every week cell carries the unit's format (and band), even when empty.
        padded: list[Cell] = [*row, *([None] * (width - len(row)))]
        if row_index in sections:
            ws.append(styled_row(ws, padded, font=_BOLD, fill=styles.section_fill))
            continue
        cells = styled_row(ws, padded)
        if row_index in blocks:
            cells[0].font = _BOLD
        if meta.level > 0:
            cells[1].font = _GREY
        unit = units.get(row_index)
        for col in range(presentation.first_week_col, width):
            cell = cells[col]
            if unit is not None and (number_format := presentation.number_format(unit, padded[col])) is not None:
                cell.number_format = number_format[1]
            fill = styles.fills.get((row_index, col))
            if fill is not None:
                cell.fill = fill
            elif (row_index, col) in styles.muted:
                cell.font = _GREY_ITALIC
        ws.append(cells)
    for group in presentation.row_groups:
        for row_index in range(group.first_row, group.last_row + 1):
            dimension = ws.row_dimensions[row_index + 1]
            dimension.outlineLevel = group.depth
            dimension.hidden = group.collapsed
        if group.collapsed:
            ws.row_dimensions[group.first_row].collapsed = True
    for note in notes:
        comment = Comment(note.text, note.author or COMMENT_AUTHOR)
        # Room for one line of text: the default box cuts "first reported ... on YYYY-MM-DD" in two.
        comment.width, comment.height = 260, 60
        ws.cell(row=note.row + 1, column=note.col + 1).comment = comment
    for column, pixels in enumerate(presentation.column_widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = excel_width(pixels)
    # Printing (and PDF export): landscape, one page wide, the last quarter's weeks next to the KPI and
    # Channel labels, header row and labels repeated on every page; collapsed channel rows do not print.
    fit_to_width(ws)
    ws.print_title_rows = "1:1"
    ws.print_title_cols = f"A:{get_column_letter(presentation.frozen_columns)}"
    if presentation.last_col >= presentation.first_week_col:
        first = get_column_letter(presentation.print_first_col + 1)
        last = get_column_letter(presentation.last_col + 1)
        ws.print_area = f"{first}1:{last}{len(grid)}"


class _TrackerStyles:
    """Shared style instances of one Tracker write (openpyxl interns them; one instance per colour)."""

    def __init__(self, presentation: Presentation) -> None:
        self._fills: dict[str, PatternFill] = {}
        self.section_fill = self.fill(SECTION_BACKGROUND)
        self.fills = {(f.row, f.col): self.fill(f.color_hex) for f in presentation.fills}
        self.muted = set(presentation.muted)

    def fill(self, color_hex: str) -> PatternFill:
        if color_hex not in self._fills:
            self._fills[color_hex] = PatternFill("solid", fgColor=argb(color_hex))
        return self._fills[color_hex]


def fit_to_width(ws: Worksheet, *, landscape: bool = True) -> None:
    """Print one page wide (as many pages down as needed)."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


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
    # Printed for a reader: one page wide, the header on every page, without the run id and time columns.
    fit_to_width(ws)
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(_INSIGHTS_PRINTED_COLUMNS)}{max(len(grid), 1)}"


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
    """Fill a new Targets or Costs sheet with its header and the example (comment) row; ISO dates go in as
    real dates, so the date checks pass and the owner's copies of the row stay dates."""
    write_header(ws, template[0])
    ws.freeze_panes = "A2"
    for row in template[1:]:
        cells = styled_row(ws, row, font=EXAMPLE_FONT)
        for cell, value in zip(cells, row, strict=True):
            day = parse_week(value) if isinstance(value, str) else None
            if day is not None:
                cell.value = day
                cell.number_format = "yyyy-mm-dd"
        ws.append(cells)
    fit_to_width(ws, landscape=False)
    set_widths(ws, [list(row) for row in template], minimum=12)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="left")
