"""The pipeline's own cells that the owner changed by hand: found, put back, and named on Insights.

Called by :func:`~sheets_sync.update.build_update`. A Tracker value cell is the pipeline's record of the latest
snapshot of its value, so a cell that differs from it in Snapshots (typed over, cleared) is rewritten from
Snapshots, whatever week it is in: a cleared cell in a week outside the run's range never stays empty. A
Definitions cell of a current KPI version is rewritten from the catalog. Each tab with cells put back gets one
Insights note listing them; the owner's own notes belong in cells outside the pipeline's (right of the
weeks on the Tracker, right of the table's columns elsewhere), which both writers keep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sheets_sync.cells import Cell, Grid, same_value
from sheets_sync.definitions_tab import KpiInfo
from sheets_sync.insights_tab import InsightRow
from sheets_sync.snapshots_tab import SnapshotHistory
from sheets_sync.tabs import DEFINITIONS_HEADER, DEFINITIONS_TAB, TRACKER_TAB
from sheets_sync.tracker_tab import RowKey, TrackerRowState

SOURCE = "tracker"
FLAG = "owner_edits_restored"
LISTED = 12  # cells named in a note; the rest are counted
# Definitions columns whose text the catalog decides for a current version (first_used is history, current
# is the pipeline's marker: neither is compared).
_CATALOG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("section", "section"),
    ("type", "kpi_type"),
    ("unit", "unit"),
    ("direction", "direction"),
    ("definition", "definition"),
    ("settings", "settings"),
)


@dataclass(frozen=True)
class RestoredCell:
    """A pipeline cell the owner had changed, and what it holds again.

    Attributes:
        tab: The tab.
        row: 0-based row on the new grid (header is row 0).
        col: 0-based column.
        what: What the cell is, e.g. ``"New contacts / All, week 2024-01-01"``.
        found: What the owner left there (``None`` = cleared).
        restored: What the pipeline wrote back.
    """

    tab: str
    row: int
    col: int
    what: str
    found: Cell
    restored: Cell

    @property
    def address(self) -> str:
        return f"{column_letter(self.col)}{self.row + 1}"


def column_letter(index: int) -> str:
    """The A1 letters of a 0-based column (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def restore_tracker_values(
    states: Mapping[RowKey, TrackerRowState],
    weeks: Iterable[date],
    history: SnapshotHistory,
    tracked: Callable[[RowKey], bool],
) -> list[tuple[RowKey, date, Cell, Cell]]:
    """Put back every Tracker value that differs from its latest snapshot, in place.

    Only rows the run keeps up to date (``tracked``) are compared: a row of a slice no longer on the Tracker
    keeps the values it had when it left, while Snapshots go on. A cell whose value was never snapshotted
    (history moved to another spreadsheet) is left as it is.

    Returns:
        ``(row key, week, found, restored)`` of each cell put back.
    """
    restored: list[tuple[RowKey, date, Cell, Cell]] = []
    for key, state in states.items():
        if not tracked(key):
            continue
        for week in weeks:
            value_key = (week, key.kpi_id, key.kpi_version, key.channel)
            if value_key not in history.latest:
                continue
            expected = history.latest[value_key]
            found = state.cells.get(week)
            if same_value(found, expected):
                continue
            restored.append((key, week, found, expected))
            if expected is None:
                state.cells.pop(week, None)
            else:
                state.cells[week] = expected
    return restored


def fill_from_history(state: TrackerRowState, key: RowKey, weeks: Iterable[date], history: SnapshotHistory) -> None:
    """Give a row new to the Tracker (or deleted by hand) its history for the weeks already shown."""
    for week in weeks:
        value = history.latest.get((week, key.kpi_id, key.kpi_version, key.channel))
        if value is not None and week not in state.cells:
            state.cells[week] = value


def tracker_cells(
    restored: Sequence[tuple[RowKey, date, Cell, Cell]],
    positions: Callable[[RowKey, date], tuple[int, int]],
    names: Mapping[tuple[str, str], str],
) -> list[RestoredCell]:
    """The restored Tracker values as cells of the new Tracker, top to bottom."""
    cells = []
    for key, week, found, value in restored:
        row, col = positions(key, week)
        name = names.get((key.kpi_id, key.kpi_version), key.kpi_id)
        cells.append(RestoredCell(TRACKER_TAB, row, col, f"{name} / {key.channel}, week {week}", found, value))
    return sorted(cells, key=lambda cell: (cell.row, cell.col))


def definitions_cells(
    tab: Mapping[tuple[str, str], KpiInfo], merged: Mapping[tuple[str, str], KpiInfo], grid: Grid
) -> list[RestoredCell]:
    """Definitions cells of current versions whose text on the tab differed from the catalog's."""
    rows = {(str(row[0]), str(row[1])): index for index, row in enumerate(grid) if index and len(row) > 1}
    cells = []
    for key, info in merged.items():
        before = tab.get(key)
        if before is None or not info.current or key not in rows:
            continue
        for column, attribute in _CATALOG_COLUMNS:
            found, value = getattr(before, attribute), getattr(info, attribute)
            if found != value:
                cells.append(
                    RestoredCell(
                        DEFINITIONS_TAB,
                        rows[key],
                        DEFINITIONS_HEADER.index(column),
                        f"{column} of {key[0]} {key[1]}",
                        found or None,
                        value or None,
                    )
                )
    return sorted(cells, key=lambda cell: (cell.row, cell.col))


def restored_note(cells: Sequence[RestoredCell], week: date) -> InsightRow | None:
    """One Insights note for a tab's restored cells (None when there are none)."""
    if not cells:
        return None
    tab = cells[0].tab
    listed = "; ".join(
        f"{cell.address} ({cell.what}: {_shown(cell.found)} -> {_shown(cell.restored)})" for cell in cells[:LISTED]
    )
    more = f"; and {len(cells) - LISTED} more" if len(cells) > LISTED else ""
    source = "the latest value in Snapshots" if tab == TRACKER_TAB else "the KPI catalog"
    where = "right of the weeks" if tab == TRACKER_TAB else "right of the table"
    detail = (
        f"{tab}: {len(cells)} cell{'s' if len(cells) != 1 else ''} the pipeline writes differed from {source} and "
        f"{'were' if len(cells) != 1 else 'was'} written back: {listed}{more}. Type notes in cells {where}: "
        "they are kept"
    )
    return InsightRow(week, SOURCE, FLAG, detail, len(cells))


def _shown(value: Cell) -> str:
    if value is None or value == "":
        return "empty"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"
