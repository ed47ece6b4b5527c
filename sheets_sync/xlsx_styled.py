"""The xlsx writer's styled tabs: a :class:`~sheets_sync.styled.StyledTab` (the Scorecard) as openpyxl cells.

Called by :meth:`~sheets_sync.xlsx_writer.XlsxTracker.write` on a fresh sheet; styles are shared instances
(one per distinct :class:`~sheets_sync.styled.CellStyle`), so a styled tab costs a lookup per cell.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.styled import CellStyle, StyledTab
from sheets_sync.xlsx_cells import argb, excel_width, styled_row
from sheets_sync.xlsx_tabs import fit_to_width

_PX_PER_POINT = 4 / 3


class _Styles:
    def __init__(self) -> None:
        self.fonts: dict[tuple[bool, bool, int | None, str | None], Font] = {}
        self.fills: dict[str, PatternFill] = {}
        self.alignments: dict[tuple[str | None, bool], Alignment] = {}

    def font(self, style: CellStyle) -> Font | None:
        key = (style.bold, style.italic, style.font_size, style.font_hex)
        if key == (False, False, None, None):
            return None
        if key not in self.fonts:
            color = argb(style.font_hex) if style.font_hex else None
            self.fonts[key] = Font(bold=style.bold, italic=style.italic, size=style.font_size, color=color)
        return self.fonts[key]

    def fill(self, style: CellStyle) -> PatternFill | None:
        if style.background_hex is None:
            return None
        if style.background_hex not in self.fills:
            self.fills[style.background_hex] = PatternFill("solid", fgColor=argb(style.background_hex))
        return self.fills[style.background_hex]

    def alignment(self, style: CellStyle) -> Alignment | None:
        key = (style.align, style.wrap)
        if key == (None, False):
            return None
        if key not in self.alignments:
            self.alignments[key] = Alignment(horizontal=style.align, wrap_text=style.wrap or None, vertical="top")
        return self.alignments[key]


def write_styled_tab(ws: Worksheet, tab: StyledTab) -> None:
    """Fill an empty sheet with ``tab``: values, styles, widths, frozen panes and a fit-to-width printout."""
    styles = _Styles()
    for row_index, values in enumerate(tab.grid):
        cells = styled_row(ws, values)
        for col, cell in enumerate(cells):
            style = tab.style(row_index, col)
            if style.number_format is not None:
                cell.number_format = style.number_format[1]
            if (font := styles.font(style)) is not None:
                cell.font = font
            if (fill := styles.fill(style)) is not None:
                cell.fill = fill
            if (alignment := styles.alignment(style)) is not None:
                cell.alignment = alignment
        ws.append(cells)
    for col, pixels in enumerate(tab.column_widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = excel_width(pixels)
    for row_index, pixels in tab.row_heights.items():
        ws.row_dimensions[row_index + 1].height = round(pixels / _PX_PER_POINT, 1)
    if tab.frozen_rows or tab.frozen_columns:
        ws.freeze_panes = f"{get_column_letter(tab.frozen_columns + 1)}{tab.frozen_rows + 1}"
    for row_index, first, last in tab.merges:
        ws.merge_cells(start_row=row_index + 1, start_column=first + 1, end_row=row_index + 1, end_column=last + 1)
    fit_to_width(ws)
    ws.print_area = f"A1:{get_column_letter(tab.width)}{len(tab.grid)}"
    if tab.print_title_rows:
        ws.print_title_rows = f"1:{tab.print_title_rows}"
