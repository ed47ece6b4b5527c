"""The Tracker tab's layout: its rows (KPI × version × channel) and week columns, and reading them back.

Used by :func:`~sheets_sync.update.build_update` to merge a run into the tab as it is, and by the
presentation, which addresses Tracker rows by :class:`RowKey`.

Rules (DESIGN.md §5): ``Section, KPI, Channel, Unit, Type, Version`` then one column per week
(``YYYY-MM-DD``, oldest left). History is never dropped: existing rows and week columns are kept, values
computed by a run overwrite their cells, new weeks and rows are inserted in order. A row's identity
``(kpi_id, kpi_version, channel)`` is recovered from the KPI name through the Definitions tab, which keeps
every version ever used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sheets_sync.cells import (
    Cell,
    Grid,
    cell_at,
    cell_text,
    existing_cell,
    is_blank_row,
    label_cell,
    parse_week,
    trimmed_row,
)
from sheets_sync.definitions_tab import KpiInfo
from sheets_sync.tabs import FIRST_WEEK_COLUMN, TRACKER_FIXED_HEADER, TRACKER_TAB, TrackerLayoutError


@dataclass(frozen=True, order=True)
class RowKey:
    """Identity of a Tracker row."""

    kpi_id: str
    kpi_version: str
    channel: str


@dataclass(frozen=True)
class TrackerRow:
    """Metadata of one Tracker data row, aligned with ``TrackerUpdate.tracker[1:]``.

    ``key`` is ``None`` for a row whose identity could not be recovered (kept verbatim at the end).
    """

    key: RowKey | None
    name: str
    section: str
    kpi_type: str
    unit: str
    direction: str


@dataclass
class TrackerRowState:
    """A Tracker row while a run is merged into it: its label cells as read and its values by week."""

    key: RowKey | None
    fixed: list[Cell]
    cells: dict[date, Cell]


def read_tracker_tab(
    grid: Grid, *infos_by_precedence: Mapping[tuple[str, str], KpiInfo]
) -> tuple[list[date], list[TrackerRowState]]:
    """Read the Tracker's week columns and rows.

    Args:
        grid: The tab's cells, header row first (empty = no tab).
        infos_by_precedence: KPI versions to recover row identities from by ``(name, version)``; a later
            mapping wins over an earlier one.

    Returns:
        The weeks, left to right, and every non-blank row in tab order (``key`` ``None`` when the row's
        identity could not be recovered or the row duplicates an earlier one).

    Raises:
        TrackerLayoutError: The label columns are not the pipeline's, or a week header is not a date or
            appears twice.
    """
    if not grid or is_blank_row(grid[0]):
        return [], []
    header = grid[0]
    fixed = [cell_text(cell) for cell in header[:FIRST_WEEK_COLUMN]]
    if fixed != list(TRACKER_FIXED_HEADER):
        raise TrackerLayoutError(
            f"{TRACKER_TAB} tab row 1: expected columns {', '.join(TRACKER_FIXED_HEADER)} first, "
            f"found {', '.join(repr(f) for f in fixed)}; "
            "refusing to overwrite a tab the pipeline did not create"
        )
    weeks: list[date] = []
    for column, cell in enumerate(trimmed_row(header)[FIRST_WEEK_COLUMN:], start=FIRST_WEEK_COLUMN):
        week = parse_week(cell)
        if week is None:
            raise TrackerLayoutError(
                f"{TRACKER_TAB} tab row 1, column {_column_letter(column)}: {cell!r} is not a week start "
                "date (YYYY-MM-DD)"
            )
        if week in weeks:
            raise TrackerLayoutError(f"{TRACKER_TAB} tab row 1: week {week.isoformat()} appears twice")
        weeks.append(week)

    # Names are looked up in the Definitions tab as it was (the name the row was written with) and in the
    # current catalog, so a renamed KPI still finds its row.
    by_name: dict[tuple[str, str], str] = {}
    for infos in infos_by_precedence:
        by_name.update({(info.name, info.kpi_version): info.kpi_id for info in infos.values()})
    rows: list[TrackerRowState] = []
    seen: set[RowKey] = set()
    for row in grid[1:]:
        if is_blank_row(row):
            continue
        # Label cells stay text: a version such as "1.120000" must not be read as the number 1.12.
        fixed_cells: list[Cell] = [label_cell(cell_at(row, i)) for i in range(FIRST_WEEK_COLUMN)]
        name, channel, version = cell_text(fixed_cells[1]), cell_text(fixed_cells[2]), cell_text(fixed_cells[5])
        kpi_id = by_name.get((name, version))
        key = RowKey(kpi_id, version, channel) if kpi_id and channel else None
        if key is not None and key in seen:
            key = None  # a duplicated row is kept verbatim rather than merged (never drop history)
        if key is not None:
            seen.add(key)
        cells: dict[date, Cell] = {}
        for i, week in enumerate(weeks):
            cell = existing_cell(cell_at(row, FIRST_WEEK_COLUMN + i))
            if cell is not None:
                cells[week] = cell
        rows.append(TrackerRowState(key=key, fixed=fixed_cells, cells=cells))
    return weeks, rows


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
