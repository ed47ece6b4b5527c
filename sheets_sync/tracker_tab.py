"""The Tracker tab's rows (KPI × channel) and week columns, and reading them back from the tab.

Used by :func:`~sheets_sync.update.build_update` to merge a run into the tab as it is (the layout it writes
is :mod:`sheets_sync.tracker_layout`), and by the presentation, which addresses Tracker rows by
:class:`RowKey`.

The tab (DESIGN.md §5, as the owner's Monday review needs it): label columns ``KPI, Channel``, then one
column per week (``YYYY-MM-DD``, oldest left). A section is a header row of its own; a KPI's name is
written on the first row of its block and left blank on the rows of its other channels. Unit, type and
version live on Definitions: a plain KPI name means the version Definitions marks ``current``, and rows of
an earlier version carry it in their label (``New MQLs (v1.a3f9c2)``). History is never dropped: existing
rows and week columns are kept, values computed by a run overwrite their cells. Trackers written with the
earlier six label columns (``Section, KPI, Channel, Unit, Type, Version``) are read too, and rewritten in
this layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

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
from sheets_sync.tabs import (
    FIRST_WEEK_COLUMN,
    LEGACY_TRACKER_HEADER,
    TRACKER_FIXED_HEADER,
    TRACKER_TAB,
    TrackerLayoutError,
)

RowKind = Literal["section", "kpi", "unresolved"]
_VERSIONED_LABEL = re.compile(r"^(?P<name>.*\S)\s+\(v(?P<version>[^()\s]+)\)$")


@dataclass(frozen=True, order=True)
class RowKey:
    """Identity of a Tracker row."""

    kpi_id: str
    kpi_version: str
    channel: str


@dataclass(frozen=True)
class TrackerRow:
    """Metadata of one Tracker row below the header, aligned with ``TrackerUpdate.tracker[1:]``.

    Attributes:
        key: The row's identity; ``None`` for a section header row and for a row whose identity could not
            be recovered (kept verbatim at the end).
        name: The KPI's name (a section header: the section's title).
        section: The KPI's section.
        kpi_type: ``leading`` or ``lagging`` (empty for section and unresolved rows).
        unit: How the value reads (empty for section rows).
        direction: ``up`` or ``down`` (empty when unknown).
        kind: ``section`` (a header row, no values), ``kpi`` or ``unresolved``.
        level: Outline level: 0 for All, the groups and section rows; 1 for a channel row collapsed under
            its group (and for every row of an earlier definition, collapsed under their header).
        current: Whether the row shows the KPI's current version (False: an earlier definition).
    """

    key: RowKey | None
    name: str
    section: str
    kpi_type: str
    unit: str
    direction: str
    kind: RowKind = "kpi"
    level: int = 0
    current: bool = True


@dataclass
class TrackerRowState:
    """A Tracker row while a run is merged into it: its label cells as read and its values by week.

    ``source_row`` is the row's index on the tab as read (header = 0); ``None`` for a row new to the tab.
    """

    key: RowKey | None
    fixed: list[Cell]
    cells: dict[date, Cell]
    source_row: int | None = None


def versioned_label(name: str, kpi_version: str) -> str:
    """The KPI label of a row of an earlier definition, e.g. ``"New MQLs (v1.a3f9c2)"``."""
    return f"{name} (v{kpi_version})"


def read_tracker_tab(
    grid: Grid, tab_infos: Mapping[tuple[str, str], KpiInfo], infos: Mapping[tuple[str, str], KpiInfo]
) -> tuple[list[date], list[TrackerRowState]]:
    """Read the Tracker's week columns and rows (either layout).

    Args:
        grid: The tab's cells, header row first (empty = no tab).
        tab_infos: KPI versions on the Definitions tab as it was read (which version the plain rows hold,
            and the names rows were written with).
        infos: Every known KPI version, the current catalog included (a renamed KPI still finds its row).

    Returns:
        The weeks, left to right, and every KPI row in tab order (``key`` ``None`` when the row's identity
        could not be recovered or the row duplicates an earlier one). Section header rows are not returned:
        the layout writes them anew.

    Raises:
        TrackerLayoutError: The label columns are not the pipeline's, or a week header is not a date or
            appears twice.
    """
    if not grid or is_blank_row(grid[0]):
        return [], []
    header = grid[0]
    legacy = [cell_text(cell) for cell in header[: len(LEGACY_TRACKER_HEADER)]] == list(LEGACY_TRACKER_HEADER)
    first_week = len(LEGACY_TRACKER_HEADER) if legacy else FIRST_WEEK_COLUMN
    if not legacy and [cell_text(cell) for cell in header[:FIRST_WEEK_COLUMN]] != list(TRACKER_FIXED_HEADER):
        found = ", ".join(repr(cell_text(cell)) for cell in header[:FIRST_WEEK_COLUMN])
        raise TrackerLayoutError(
            f"{TRACKER_TAB} tab row 1: expected columns {', '.join(TRACKER_FIXED_HEADER)} first, found {found}; "
            "refusing to overwrite a tab the pipeline did not create"
        )
    weeks = _read_weeks(header, first_week)
    resolve = _Resolver(tab_infos, infos)
    rows: list[TrackerRowState] = []
    seen: set[RowKey] = set()
    carried_name = ""
    width = first_week + len(weeks)
    for source_row, row in enumerate(grid[1:], start=1):
        # Only the pipeline's columns count: what the owner typed right of the weeks is theirs.
        if is_blank_row(row[:width]):
            continue
        cells: dict[date, Cell] = {}
        for i, week in enumerate(weeks):
            cell = existing_cell(cell_at(row, first_week + i))
            if cell is not None:
                cells[week] = cell
        # Label cells stay text: a version such as "1.120000" must not be read as the number 1.12.
        labels = [label_cell(cell_at(row, i)) for i in range(first_week)]
        if legacy:
            name, channel, version = cell_text(labels[1]), cell_text(labels[2]), cell_text(labels[5])
            key = resolve.versioned(name, version, channel)
            fixed: list[Cell] = [versioned_label(name, version) if version else name, channel or None]
        else:
            label, channel = cell_text(labels[0]), cell_text(labels[1])
            if not channel:
                carried_name = ""
                if not cells:
                    continue  # a section header row: written anew by the layout
                key, fixed = None, labels
            else:
                carried_name = label or carried_name
                key = resolve.label(carried_name, channel)
                fixed = [carried_name or None, channel]
        if key is not None and key in seen:
            key = None  # a duplicated row is kept verbatim rather than merged (never drop history)
        if key is not None:
            seen.add(key)
        rows.append(TrackerRowState(key=key, fixed=fixed, cells=cells, source_row=source_row))
    return weeks, rows


def _read_weeks(header: list[Cell], first_week: int) -> list[date]:
    """The week columns: the dates right of the label columns, up to the first column that is not one.

    A column the owner headed with their own text right of the weeks ends them (it is theirs); a date after
    such a column, or a week twice, means the header was damaged.
    """
    weeks: list[date] = []
    ended_at: int | None = None
    for column, cell in enumerate(trimmed_row(header)[first_week:], start=first_week):
        week = parse_week(cell)
        if week is None:
            if not weeks and cell_text(cell):
                raise TrackerLayoutError(
                    f"{TRACKER_TAB} tab row 1, column {_column_letter(column)}: {cell!r} is not a week start "
                    "date (YYYY-MM-DD)"
                )
            ended_at = column if ended_at is None else ended_at
            continue
        if ended_at is not None:
            raise TrackerLayoutError(
                f"{TRACKER_TAB} tab row 1, column {_column_letter(ended_at)}: "
                f"{cell_text(header[ended_at]) or '(empty)'!s} sits between week columns; put the week start date "
                "(YYYY-MM-DD) back, or move your column right of the last week"
            )
        if week in weeks:
            raise TrackerLayoutError(f"{TRACKER_TAB} tab row 1: week {week.isoformat()} appears twice")
        weeks.append(week)
    return weeks


def block_width(grid: Grid) -> int:
    """Columns of the Tracker that are the pipeline's (labels and weeks, either layout); 0 for no tab."""
    if not grid or is_blank_row(grid[0]):
        return 0
    header = grid[0]
    legacy = [cell_text(cell) for cell in header[: len(LEGACY_TRACKER_HEADER)]] == list(LEGACY_TRACKER_HEADER)
    first_week = len(LEGACY_TRACKER_HEADER) if legacy else FIRST_WEEK_COLUMN
    count = 0
    for cell in header[first_week:]:
        if parse_week(cell) is None:
            break
        count += 1
    return first_week + count


class _Resolver:
    """Recovers a row's identity from its KPI label: a name (the version shown then) or ``name (vX)``."""

    def __init__(self, tab_infos: Mapping[tuple[str, str], KpiInfo], infos: Mapping[tuple[str, str], KpiInfo]):
        # Names are looked up in the Definitions tab as it was (the name the row was written with) and in the
        # current catalog, so a renamed KPI still finds its row.
        self._by_name_version: dict[tuple[str, str], str] = {}
        for known in (tab_infos, infos):
            self._by_name_version.update({(i.name, i.kpi_version): i.kpi_id for i in known.values()})
        # A plain name holds the version Definitions marked current when the tab was written; without the
        # mark (a fresh or an older tab) the current catalog's version.
        self._plain: dict[str, tuple[str, str]] = {
            i.name: (i.kpi_id, i.kpi_version) for i in infos.values() if i.current
        }
        self._plain.update({i.name: (i.kpi_id, i.kpi_version) for i in tab_infos.values() if i.shown_on_tab})

    def versioned(self, name: str, version: str, channel: str) -> RowKey | None:
        kpi_id = self._by_name_version.get((name, version))
        return RowKey(kpi_id, version, channel) if kpi_id and channel else None

    def label(self, label: str, channel: str) -> RowKey | None:
        match = _VERSIONED_LABEL.match(label)
        if match and (match.group("name"), match.group("version")) in self._by_name_version:
            return self.versioned(match.group("name"), match.group("version"), channel)
        plain = self._plain.get(label)
        return RowKey(plain[0], plain[1], channel) if plain and channel else None


def row_labels(grid: Grid) -> list[tuple[str, str] | None]:
    """The ``(KPI label, channel)`` of every row of a Tracker grid (either layout), ``None`` for the header,
    section and blank rows; a blank KPI cell takes the label of the row above (the layout writes a KPI's
    name once per block). Used to move notes with their rows."""
    if not grid:
        return []
    legacy = [cell_text(cell) for cell in grid[0][: len(LEGACY_TRACKER_HEADER)]] == list(LEGACY_TRACKER_HEADER)
    labels: list[tuple[str, str] | None] = [None]
    carried = ""
    for row in grid[1:]:
        if legacy:
            name, channel = cell_text(cell_at(row, 1)), cell_text(cell_at(row, 2))
            labels.append((name, channel) if name and channel else None)
            continue
        label, channel = cell_text(cell_at(row, 0)), cell_text(cell_at(row, 1))
        if not channel:
            carried = ""
            labels.append(None)
            continue
        carried = label or carried
        labels.append((carried, channel))
    return labels


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
