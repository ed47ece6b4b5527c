"""How the Tracker's cells look besides target colours: header style, label styles, column widths and colour
conversion. Used by :func:`~sheets_sync.presentation.build_presentation` and the writers (number formats by
unit are :mod:`sheets_sync.units`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sheets_sync.cells import Grid
from sheets_sync.tabs import FIRST_WEEK_COLUMN
from sheets_sync.units import number_pattern

HEADER_BACKGROUND = "#E8EAED"
SECTION_BACKGROUND = "#DCE6F1"
"""Section header rows: a light blue band across the tab, so the eye finds Web, Funnel, Pipeline ..."""
CHANNEL_TEXT = "#5F6368"
"""Channel rows (under their group) and immature cohort cells: grey text."""
WEEK_COLUMN_WIDTH = 80
"""Pixels; fits ``$1,234,567`` or ``$999.99/day`` in the default 10 pt font."""

# Pixel estimate for label columns: ~7 px per character of the default 10-11 pt font plus cell padding.
_PX_PER_CHAR = 7
_PX_PADDING = 16
_LABEL_MIN_PX = 56
_LABEL_MAX_PX = 320


@dataclass(frozen=True)
class HeaderFormat:
    """Style of the Tracker header row (row 0)."""

    bold: bool = True
    background_hex: str = HEADER_BACKGROUND
    week_alignment: Literal["left", "center", "right"] = "right"
    """Horizontal alignment of the week headers, over right-aligned numbers."""


def rgb_fraction(color_hex: str) -> dict[str, float]:
    """Return ``"#RRGGBB"`` as a Sheets ``Color`` (``red``/``green``/``blue`` between 0 and 1)."""
    text = color_hex.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def unit_number_format(unit: str, currency: str) -> str | None:
    """The number format of a KPI unit for amounts below 1,000 (see :func:`sheets_sync.units.number_pattern`).

    Args:
        unit: The KPI unit.
        currency: ISO 4217 code of the reporting currency.

    Returns:
        The pattern, or ``None`` for an unknown unit.
    """
    return number_pattern(unit, currency)


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
