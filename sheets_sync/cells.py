"""Cell values of the tracker: reading cells as numbers, dates and text, and comparing them.

Pure helpers shared by every tab module, by :func:`~sheets_sync.update.build_update` and by the writers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

Cell = str | float | int | None
"""One spreadsheet cell as the model sees it: text, a number or empty."""

Grid = list[list[Cell]]

# Two numbers are the same value when they differ by at most this fraction of the larger one, so float
# noise from recomputation (0.1 + 0.2 vs 0.3) never appends a snapshot or counts as a restatement. A relative
# tolerance, not rounding: rounding to N digits splits two neighbouring floats either side of a rounding
# boundary (155.66343749999999 and 155.66343750000001 round to ...437 and ...438), so one ulp of noise
# restated a number. 1e-9 still tells a cent on a million apart.
RELATIVE_TOLERANCE = 1e-9
# Near zero a relative tolerance is no tolerance at all (1e-17 against 0): below this, numbers are the same.
ABSOLUTE_TOLERANCE = 1e-9

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def to_number(value: object) -> float | int | None:
    """Read a cell as a number, or ``None`` when it is empty, NaN/inf or not numeric.

    Accepts ints, floats and numeric text (``"1,234.5"`` included, because a Sheet read with formatted
    values returns text).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def stored_text(number: float) -> str:
    """``number`` as the workbook holds it, as text: openpyxl writes 16 significant digits, one fewer than a
    float needs to come back unchanged."""
    return f"{number:.16g}"


def as_stored(number: float) -> float:
    """``number`` as the workbook holds it (:func:`stored_text`).

    Figures derived from cells (the Scorecard's means and sums) are computed from this form, so a run that
    computed the cells and a later run that read them back from the file derive the same figures to the bit.
    The rounding is idempotent: a number read back rounds to itself.
    """
    return float(stored_text(number))


def existing_cell(value: object) -> Cell:
    """Normalise a cell read from a tab: numbers stay numbers, empty becomes None, other text is kept."""
    if value is None:
        return None
    number = to_number(value)
    if number is not None:
        return number
    if isinstance(value, float):  # NaN / inf read back from a file
        return None
    text = str(value)
    return None if not text.strip() else text


def label_cell(value: object) -> Cell:
    """Normalise a label cell (Section, KPI, ...): kept as read, empty text becomes None."""
    if value is None or isinstance(value, int | float | str):
        return None if isinstance(value, str) and not value.strip() else value
    return cell_text(value)


def kpi_cell(value: object, unit: str) -> Cell:
    """Turn a computed KPI value into the cell to write: empty for NaN/inf/None, ints for whole counts.

    Args:
        value: The computed value (float, int, NaN or None).
        unit: The KPI unit; ``count`` values that are whole numbers become ints (``ad_conversions`` may be
            fractional and stays a float).

    Returns:
        The cell value.
    """
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if unit == "count" and number.is_integer():
        return int(number)
    return number


def same_value(a: Cell, b: Cell) -> bool:
    """Compare two cells the way Snapshots and restatements do.

    Empty equals empty; empty never equals a number (so empty vs 0 differs); numbers are equal when they
    differ by at most :data:`RELATIVE_TOLERANCE` of the larger (or :data:`ABSOLUTE_TOLERANCE` near zero);
    non-numeric text compares as text.
    """
    x, y = to_number(a), to_number(b)
    a_empty = a is None or (isinstance(a, str) and not a.strip()) or (isinstance(a, float) and math.isnan(a))
    b_empty = b is None or (isinstance(b, str) and not b.strip()) or (isinstance(b, float) and math.isnan(b))
    if a_empty or b_empty:
        return a_empty and b_empty
    if x is None or y is None:
        return x is None and y is None and str(a) == str(b)
    return math.isclose(x, y, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def parse_week(value: object) -> date | None:
    """Read a week header / ``week_start`` cell (``YYYY-MM-DD`` text, a date or a datetime)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None
    return None


def cell_text(value: object) -> str:
    """Read a cell as stripped text: empty for None/NaN, dates as ``YYYY-MM-DD``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def trimmed_row(row: Sequence[object]) -> list[object]:
    """The row without its trailing empty cells."""
    out = list(row)
    while out and (out[-1] is None or (isinstance(out[-1], str) and not out[-1].strip())):
        out.pop()
    return out


def is_blank_row(row: Sequence[object]) -> bool:
    """Whether every cell of the row is empty."""
    return not trimmed_row(row)


def cell_at(row: Sequence[object], index: int) -> object:
    """The row's cell at ``index``, or ``None`` past its end (rows may be ragged)."""
    return row[index] if index < len(row) else None
