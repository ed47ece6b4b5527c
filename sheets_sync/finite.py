"""The last guard before a writer: no NaN or Infinity in any cell the tracker is about to get.

Called by ``resources/tracker.py`` before either writer runs. The sources' parsers keep non-finite
numbers out (a record holding one is quarantined) and KPI cells turn an undefined ratio into a blank,
so a non-finite number here is a bug: a workbook would show Infinity as 1.797e308 and a sheet refuses
it. The write stops before anything is written, naming the tab and cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from openpyxl.utils import get_column_letter

from sheets_sync.cells import Grid
from sheets_sync.presentation import Presentation
from sheets_sync.update import TrackerUpdate


class NonFiniteCellError(ValueError):
    """A cell about to be written holds NaN or Infinity; nothing was written."""


def non_finite_cells(update: TrackerUpdate, presentation: Presentation | None = None) -> list[str]:
    """Every cell of the update (and the Scorecard) holding NaN or ±Infinity, as ``Tab!B7 (inf)``."""
    tabs: list[tuple[str, Grid]] = [
        ("Tracker", update.tracker),
        ("Definitions", update.definitions),
        ("Snapshots", update.snapshots_append),
        ("Insights", update.insights),
    ]
    if presentation is not None and presentation.scorecard is not None:
        tabs.append((presentation.scorecard.title, presentation.scorecard.grid))
    return [f"{tab}!{cell}" for tab, grid in tabs for cell in _non_finite(grid)]


def ensure_finite(update: TrackerUpdate, presentation: Presentation | None = None) -> None:
    """Raise :class:`NonFiniteCellError` when any cell holds NaN or ±Infinity."""
    found = non_finite_cells(update, presentation)
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise NonFiniteCellError(
            f"the tracker update holds numbers that are not finite ({shown}); nothing was written. This is a "
            "bug in funnel-ledger: report it with this line"
        )


def _non_finite(grid: Grid) -> Iterator[str]:
    for row_index, row in enumerate(grid):
        for column_index, value in enumerate(row):
            if isinstance(value, float) and not math.isfinite(value):
                yield f"{get_column_letter(column_index + 1)}{row_index + 1} ({value})"
