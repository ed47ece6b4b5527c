"""How the Tracker's cells look besides target colours: number formats by unit, header style, section
bands, column widths and colour conversion. Used by :func:`~sheets_sync.presentation.build_presentation`
and the writers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sheets_sync.cells import Grid
from sheets_sync.tabs import FIRST_WEEK_COLUMN
from sheets_sync.tracker_tab import TrackerRow

HEADER_BACKGROUND = "#E8EAED"
BAND_COLORS: tuple[str, str] = ("#FFFFFF", "#F6F8FA")
WEEK_COLUMN_WIDTH = 90
"""Pixels; fits ``1,234,567.89 EUR`` in the default 10 pt font."""

# Pixel estimate for label columns: ~7 px per character of the default 10-11 pt font plus cell padding.
_PX_PER_CHAR = 7
_PX_PADDING = 16
_LABEL_MIN_PX = 56
_LABEL_MAX_PX = 320

SHEETS_FORMAT_TYPES: Mapping[str, str] = {
    "count": "NUMBER",
    "currency": "CURRENCY",
    "ratio": "PERCENT",
    "days": "NUMBER",
    "seconds": "NUMBER",
    "currency_per_day": "NUMBER",
}
"""Sheets ``NumberFormat.type`` for each unit (the pattern in
:attr:`~sheets_sync.presentation.Presentation.row_formats` decides)."""


@dataclass(frozen=True)
class HeaderFormat:
    """Style of the Tracker header row (row 0)."""

    bold: bool = True
    background_hex: str = HEADER_BACKGROUND
    week_alignment: Literal["left", "center", "right"] = "right"
    """Horizontal alignment of the week headers, over right-aligned numbers."""


@dataclass(frozen=True)
class SectionBand:
    """A light background behind the rows of one Section block, alternating between blocks.

    Attributes:
        first_row: First 0-based Tracker row of the block.
        last_row: Last row of the block (inclusive).
        color_hex: ``"#RRGGBB"``; applies to every column of the rows (target fills paint over it).
    """

    first_row: int
    last_row: int
    color_hex: str


def rgb_fraction(color_hex: str) -> dict[str, float]:
    """Return ``"#RRGGBB"`` as a Sheets ``Color`` (``red``/``green``/``blue`` between 0 and 1)."""
    text = color_hex.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def unit_number_format(unit: str, currency: str) -> str | None:
    """Return the number format pattern (Sheets and Excel syntax) of a KPI unit.

    Args:
        unit: The KPI unit (KPIS.md §1).
        currency: ISO 4217 code of the reporting currency; ``USD`` shows ``$``, others their code.

    Returns:
        The pattern, or ``None`` for an unknown unit (the cell keeps the default format).
    """
    money = '"$"#,##0.00' if currency == "USD" else f'#,##0.00 "{currency}"'
    return {
        "count": "#,##0",
        "currency": money,
        "ratio": "0.0%",
        "days": "0.0",
        "seconds": "0",
        "currency_per_day": "#,##0.00",
    }.get(unit)


def column_widths(grid: Grid, last_col: int) -> list[int]:
    """Pixel width of every Tracker column: label columns fit their longest text, week columns are fixed."""
    widths: list[int] = []
    for col in range(last_col + 1):
        if col >= FIRST_WEEK_COLUMN:
            widths.append(WEEK_COLUMN_WIDTH)
            continue
        longest = max((len(str(row[col])) for row in grid if col < len(row) and row[col] is not None), default=0)
        widths.append(min(max(longest * _PX_PER_CHAR + _PX_PADDING, _LABEL_MIN_PX), _LABEL_MAX_PX))
    return widths


def section_bands(rows: Sequence[TrackerRow]) -> list[SectionBand]:
    """One band per block of consecutive rows sharing type and section, alternating colours."""
    bands: list[SectionBand] = []
    previous: tuple[str, str] | None = None
    for row_index, meta in enumerate(rows, start=1):
        block = (meta.kpi_type, meta.section)
        if block != previous:
            bands.append(SectionBand(row_index, row_index, BAND_COLORS[len(bands) % 2]))
        else:
            last = bands[-1]
            bands[-1] = SectionBand(last.first_row, row_index, last.color_hex)
        previous = block
    return bands
