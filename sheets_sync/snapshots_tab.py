"""The Snapshots tab: the append-only log of every value a run reported, read back as history.

:func:`~sheets_sync.update.build_update` appends a row only when a value is new or differs from the latest
snapshot of its ``(week_start, kpi_id, kpi_version, channel)`` (the one with the latest ``snapshot_at``), dates
restatements by the first snapshot of a cell, and restores Tracker cells the owner changed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sheets_sync.cells import Cell, Grid, cell_at, cell_text, existing_cell, is_blank_row, parse_week, trimmed_row
from sheets_sync.tabs import SNAPSHOTS_HEADER, SNAPSHOTS_TAB, TrackerLayoutError

ValueKey = tuple[date, str, str, str]
"""Identity of one KPI value: ``(week_start, kpi_id, kpi_version, channel)``."""


def snapshot_timestamp(snapshot_at: datetime) -> str:
    """Format a snapshot instant as ISO 8601 UTC, e.g. ``"2026-11-24T06:00:00Z"``.

    Raises:
        ValueError: ``snapshot_at`` is naive.
    """
    if snapshot_at.tzinfo is None or snapshot_at.utcoffset() is None:
        raise ValueError("snapshot_at must be timezone-aware (UTC)")
    return snapshot_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _snapshot_instant(value: object) -> datetime | None:
    """A ``snapshot_at`` cell as an aware UTC instant (``2026-11-24T06:00:00Z`` text, or a datetime)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str) and value.strip():
        try:
            instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    return None


# Rows whose snapshot_at cannot be read sort before every stamped row: they are never taken as the latest.
_UNSTAMPED = datetime.min.replace(tzinfo=UTC)


@dataclass
class SnapshotHistory:
    """What the Snapshots tab says about each value.

    Attributes:
        latest: The latest snapshotted cell of each value: the row with the latest ``snapshot_at``, then the
            lowest on the tab (rows are appended in run order). Never the row's position alone, so sorting,
            filtering or hiding rows changes nothing.
        first_reported: The first non-empty cell of each value and the UTC date it was snapshotted on.
        rows: Rows the tab holds up to its last non-blank one, header included (0 for an empty tab).
    """

    latest: dict[ValueKey, Cell]
    first_reported: dict[ValueKey, tuple[Cell, date | None]]
    rows: int


def read_snapshots_tab(grid: Grid) -> SnapshotHistory:
    """Read the Snapshots tab's history (empty when the tab is missing or empty).

    Only the pipeline's columns count: cells the owner typed to their right neither make a row part of the
    history nor stop it being read.

    Raises:
        TrackerLayoutError: The header is not the pipeline's or a row's ``week_start`` is not a date.
    """
    history = SnapshotHistory(latest={}, first_reported={}, rows=0)
    width = len(SNAPSHOTS_HEADER)
    if not grid or is_blank_row(grid[0][:width]):
        return history
    header = [cell_text(cell).lower() for cell in trimmed_row(grid[0][:width])]
    if header != list(SNAPSHOTS_HEADER):
        raise TrackerLayoutError(
            f"{SNAPSHOTS_TAB} tab row 1: expected columns {', '.join(SNAPSHOTS_HEADER)}, "
            f"found {', '.join(repr(h) for h in header)}; the tab is append-only and cannot be rewritten"
        )
    last_non_blank = 0
    latest_order: dict[ValueKey, tuple[datetime, int]] = {}
    first_order: dict[ValueKey, tuple[datetime, int]] = {}
    for row_number, row in enumerate(grid[1:], start=2):
        if is_blank_row(row[:width]):
            continue
        last_non_blank = row_number - 1
        week = parse_week(cell_at(row, 2))
        if week is None:
            raise TrackerLayoutError(
                f"{SNAPSHOTS_TAB} tab row {row_number}: week_start {cell_at(row, 2)!r} is not a date (YYYY-MM-DD)"
            )
        key = (week, cell_text(cell_at(row, 3)), cell_text(cell_at(row, 4)), cell_text(cell_at(row, 5)))
        value = existing_cell(cell_at(row, 6))
        instant = _snapshot_instant(cell_at(row, 0))
        order = (instant or _UNSTAMPED, row_number)
        if key not in latest_order or order > latest_order[key]:
            latest_order[key] = order
            history.latest[key] = value
        if value is not None and (key not in first_order or order < first_order[key]):
            first_order[key] = order
            history.first_reported[key] = (value, instant.date() if instant is not None else None)
    history.rows = last_non_blank + 1
    return history
