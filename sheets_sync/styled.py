"""A tab the pipeline rewrites whole, as values and per-cell styles both writers can apply (the Scorecard).

:class:`StyledTab` is writer-agnostic: the Google Sheet writer turns it into one ``updateCells`` (values and
``userEnteredFormat`` together) plus widths and frozen panes; the xlsx writer into cell values, fonts,
fills, number formats, widths and page setup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sheets_sync.cells import Cell, Grid


@dataclass(frozen=True)
class CellStyle:
    """How one cell looks; ``None`` fields keep the default.

    Attributes:
        number_format: ``(Sheets NumberFormat type, pattern)``, e.g. ``("CURRENCY", '"$"#,##0')``.
        bold: Bold text.
        italic: Italic text.
        font_size: Font size in points.
        font_hex: Text colour ``"#RRGGBB"``.
        background_hex: Fill colour ``"#RRGGBB"``.
        align: Horizontal alignment.
        wrap: Wrap long text inside the cell.
    """

    number_format: tuple[str, str] | None = None
    bold: bool = False
    italic: bool = False
    font_size: int | None = None
    font_hex: str | None = None
    background_hex: str | None = None
    align: Literal["left", "center", "right"] | None = None
    wrap: bool = False


PLAIN = CellStyle()


@dataclass(frozen=True)
class StyledTab:
    """A whole tab: values, per-cell styles, widths, frozen panes and what a printout shows.

    Attributes:
        title: The tab's title.
        grid: The values, row by row.
        styles: ``{(row, col): style}`` (0-based); cells not listed are plain.
        column_widths: Pixels per column, left to right.
        frozen_rows: Rows frozen at the top.
        frozen_columns: Columns frozen at the left.
        print_title_rows: Rows repeated at the top of every printed page (0 = none).
        row_heights: ``{row: pixels}`` for rows taller than the default (titles, wrapped text).
        merges: ``(row, first_col, last_col)``: cells merged across (a long line wraps inside the table's
            width instead of spilling over, which would also widen a printout).
    """

    title: str
    grid: Grid
    styles: dict[tuple[int, int], CellStyle] = field(default_factory=dict)
    column_widths: list[int] = field(default_factory=list)
    frozen_rows: int = 0
    frozen_columns: int = 0
    print_title_rows: int = 0
    row_heights: dict[int, int] = field(default_factory=dict)
    merges: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def width(self) -> int:
        """Columns the tab uses (the widest row, or the column widths given)."""
        return max([len(row) for row in self.grid] + [len(self.column_widths), 1])

    def cell(self, row: int, col: int) -> Cell:
        """The value at ``(row, col)`` (``None`` past a row's end)."""
        values = self.grid[row]
        return values[col] if col < len(values) else None

    def style(self, row: int, col: int) -> CellStyle:
        """The style at ``(row, col)``."""
        return self.styles.get((row, col), PLAIN)
