"""The Insights tab: notes on what changed and what in the data is off (KPIS.md §4), newest week first and,
within a week, in the order the run ranked them (most unusual change first).

:func:`~sheets_sync.update.build_update` merges a run's notes with :func:`merge_insights`: they replace the
notes of the weeks the run computed (a rerun never duplicates them); other weeks' notes are kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from sheets_sync.cells import Cell, Grid, cell_at, cell_text, is_blank_row, label_cell, parse_week, trimmed_row
from sheets_sync.tabs import INSIGHTS_HEADER, INSIGHTS_TAB, TrackerLayoutError


@dataclass(frozen=True)
class InsightRow:
    """One note on the Insights tab: a data-quality flag or a paired-metric observation for a week.

    Attributes:
        week_start: The week the note is about.
        source: Where it comes from, e.g. ``"ga4"``, ``"hubspot"``, ``"linkedin_ads"`` or ``"kpis"``.
        flag: Short stable code, e.g. ``"thresholding"``, ``"unmapped_source"``, ``"cpc_up_ctr_down"``.
        detail: Human-readable text; may quote CRM values (writers store it as text, never as a formula).
        value: The number behind the note (a count, a share, a change), or ``None``.
    """

    week_start: date
    source: str
    flag: str
    detail: str
    value: float | None


def _insight_value(value: object) -> Cell:
    """Turn an insight's number into the cell to write: empty for None/NaN/inf, ints for whole numbers."""
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    # A count such as "12 unmapped contacts" reads better as 12 than 12.0 in either writer.
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _insight_sort_key(week: date | None) -> tuple[int, int]:
    # Newest week first; within a week the order the notes came in (the run ranks them, most unusual
    # change first); rows whose week cannot be read go last (kept verbatim, never dropped).
    if week is None:
        return (1, 0)
    return (0, -week.toordinal())


def merge_insights(
    grid: Grid,
    insights: Sequence[InsightRow],
    computed_weeks: set[date],
    *,
    run_id: str,
    stamp: str,
) -> tuple[Grid, int]:
    """Replace the Insights rows of the weeks this run computed with ``insights``; keep the rest.

    Columns the owner added right of the pipeline's keep their header and, on kept rows, their cells (a
    note beside a row follows the row); this run's new rows leave them empty.

    Returns:
        The full new grid (header first) and the number of rows noted by this run.
    """
    width = len(INSIGHTS_HEADER)
    owner_header: list[Cell] = []
    if grid and not is_blank_row(grid[0]):
        header = [cell_text(cell).lower() for cell in trimmed_row(grid[0][:width])]
        owner_header = [label_cell(cell) for cell in trimmed_row(grid[0])[width:]]
        if header != list(INSIGHTS_HEADER):
            raise TrackerLayoutError(
                f"{INSIGHTS_TAB} tab row 1: expected columns {', '.join(INSIGHTS_HEADER)}, "
                f"found {', '.join(repr(h) for h in header)}; "
                "refusing to overwrite a tab the pipeline did not create"
            )

    new_rows: list[tuple[date, list[Cell]]] = []
    seen: set[tuple[date, str, str, str, Cell]] = set()
    for position, insight in enumerate(insights):
        week = parse_week(insight.week_start)
        if week is None:
            raise ValueError(f"insights[{position}]: week_start {insight.week_start!r} is not a date")
        if week not in computed_weeks:
            # Replacing by week is what keeps reruns free of duplicates; a note for a week this run did not
            # compute would be appended again by every run.
            raise ValueError(
                f"insights[{position}]: week {week.isoformat()} is not among the weeks computed by this run"
            )
        source, flag = str(insight.source).strip(), str(insight.flag).strip()
        if not source or not flag:
            raise ValueError(f"insights[{position}]: source and flag are required")
        detail = "" if insight.detail is None else str(insight.detail)
        value = _insight_value(insight.value)
        identity = (week, source, flag, detail, value)
        if identity in seen:
            continue  # the same note twice in one run is one note
        seen.add(identity)
        new_rows.append((week, [week.isoformat(), source, flag, detail, value, run_id, stamp]))

    kept: list[tuple[date | None, list[Cell]]] = []
    for row in grid[1:]:
        if is_blank_row(row):
            continue
        week = parse_week(cell_at(row, 0))
        if week is not None and week in computed_weeks:
            continue  # replaced by this run's notes for that week (possibly none: the week is clean now)
        cells: list[Cell] = [label_cell(cell) for cell in trimmed_row(row)]
        if week is not None:
            cells[0] = week.isoformat()
        kept.append((week, cells))

    rows: list[tuple[date | None, list[Cell]]] = [*kept, *new_rows]
    # sort() is stable: the notes of a week keep their order (tab order for kept weeks, rank order for new).
    rows.sort(key=lambda item: _insight_sort_key(item[0]))
    return [[*INSIGHTS_HEADER, *owner_header], *(cells for _, cells in rows)], len(new_rows)
