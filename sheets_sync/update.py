"""The update: what the Tracker, Snapshots, Definitions and Insights tabs should hold after a run.

Everything here is pure and writer-agnostic. A writer (openpyxl for a local ``.xlsx``, gspread for a Google
Sheet) reads the pipeline's tabs as plain 2-D cell grids (:class:`~sheets_sync.tabs.TabGrids`), the tracker
asset calls :func:`build_update` with the KPI values of the run, and the writer writes back what the
returned :class:`TrackerUpdate` says: the full Tracker, Definitions and Insights grids, and the rows to
append to Snapshots. Each tab's own rules live in its module (``tracker_tab``, ``snapshots_tab``,
``definitions_tab``, ``insights_tab``); this module decides what changes and counts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd

from sheets_sync.cells import Cell, Grid, kpi_cell, parse_week, same_value, to_number
from sheets_sync.definitions_tab import DefinitionRow, definitions_grid, merge_definitions, read_definitions_tab
from sheets_sync.insights_tab import InsightRow, merge_insights
from sheets_sync.ordering import CatalogOrdering
from sheets_sync.owner_edits import (
    definitions_cells,
    fill_from_history,
    restore_tracker_values,
    restored_note,
    tracker_cells,
)
from sheets_sync.snapshots_tab import ValueKey, read_snapshots_tab, snapshot_timestamp
from sheets_sync.tabs import FIRST_WEEK_COLUMN, SNAPSHOTS_HEADER, TabGrids
from sheets_sync.tracker_layout import EARLIER_SECTION, SliceTree, lay_out, repeats_total
from sheets_sync.tracker_reshape import TrackerOrigin, tracker_origin
from sheets_sync.tracker_tab import RowKey, TrackerRow, TrackerRowState, read_tracker_tab
from sheets_sync.units import format_number


@dataclass(frozen=True)
class Restatement:
    """A Tracker cell whose previously shown, non-empty value changed in this run.

    Attributes:
        key: The row.
        week_start: The week column.
        old_value: Value shown before this run.
        new_value: Value written by this run (``None`` = now empty).
        first_reported_value: First non-empty value ever snapshotted for the cell (falls back to
            ``old_value`` when the Snapshots tab has no history for it).
        first_reported_on: UTC date of that snapshot, ``None`` without history.
        unit: The KPI's unit, for formatting the note.
    """

    key: RowKey
    week_start: date
    old_value: Cell
    new_value: Cell
    first_reported_value: Cell
    first_reported_on: date | None
    unit: str

    def note(self, currency: str = "USD") -> str:
        """Return the note a writer attaches, e.g. ``"first reported $6,765 on 2026-11-24"``.

        Args:
            currency: ISO 4217 code of the reporting currency (money reads as on the Tracker).
        """
        value = self.first_reported_value
        number = to_number(value)
        if number is not None:
            shown = format_number(number, self.unit, currency)
        else:
            shown = "(empty)" if value is None or value == "" else str(value)
        if self.first_reported_on is None:
            return f"first reported {shown}"
        return f"first reported {shown} on {self.first_reported_on.isoformat()}"


@dataclass(frozen=True)
class UpdateSummary:
    """What a run changes, for logs and Dagster metadata.

    Attributes:
        snapshot_rows_appended: Data rows appended to Snapshots.
        tracker_rows_added: New Tracker rows.
        weeks_added: New week columns.
        cells_changed: Tracker cells whose value differs from before (empty → value included).
        restatements: Cells whose existing non-empty value changed.
        definitions_added: New Definitions rows (new KPI versions).
        unresolved_rows: Existing Tracker rows whose identity could not be recovered (kept, not updated).
        insights_rows: Insights rows noted by this run (0 when the run passed no insights).
        owner_edits_restored: Tracker and Definitions cells the owner had changed, written back
            (:mod:`sheets_sync.owner_edits`).
    """

    snapshot_rows_appended: int
    tracker_rows_added: int
    weeks_added: int
    cells_changed: int
    restatements: list[Restatement]
    definitions_added: int
    unresolved_rows: int
    # Defaulted so summaries built before the Insights tab existed stay valid.
    insights_rows: int = 0
    owner_edits_restored: int = 0


@dataclass(frozen=True)
class TrackerUpdate:
    """Everything a writer needs to bring the tracker up to date in one write per tab.

    Attributes:
        tracker: The full new Tracker grid (header row first).
        tracker_rows: Metadata of each Tracker row below the header (same order as ``tracker[1:]``): section
            header rows, KPI rows (with their outline level) and unresolved rows.
        weeks: Week start of each week column (same order as ``tracker[0][FIRST_WEEK_COLUMN:]``).
        definitions: The full new Definitions grid (header row first).
        snapshots_append: Snapshots data rows to append after the existing ones.
        snapshots_header_needed: True when the Snapshots tab is empty and the header must be written first.
        snapshots_existing_rows: Rows (header included) the Snapshots tab held when it was read; a writer
            compares it with the tab at write time to detect a concurrent writer.
        snapshot_at: The run's snapshot instant (UTC).
        run_id: The run's id.
        summary: Counts and restatements.
        insights: The full new Insights grid (header row first); when the run passed no insights, the tab
            as it was read (possibly empty), which writers leave untouched.
        insights_replaced: True when the run passed insights and writers must (re)write the Insights tab
            from ``insights``; False means the tab is not the run's business and must not be touched.
        read_revision: The writer's token of the tracker as read (``TabGrids.revision``).
        origin: Where each Tracker row comes from on the tab as read, and the pipeline's block there (the
            writers move the owner's cells around the block with it: :mod:`sheets_sync.tracker_reshape`).
    """

    tracker: Grid
    tracker_rows: list[TrackerRow]
    weeks: list[date]
    definitions: Grid
    snapshots_append: Grid
    snapshots_header_needed: bool
    snapshots_existing_rows: int
    snapshot_at: datetime
    run_id: str
    summary: UpdateSummary
    insights: Grid = field(default_factory=list)
    insights_replaced: bool = False
    origin: TrackerOrigin = field(default_factory=TrackerOrigin)
    read_revision: str = ""

    @property
    def kpi_rows(self) -> int:
        """Rows of the Tracker that hold a KPI slice (section header rows not counted)."""
        return sum(1 for row in self.tracker_rows if row.kind != "section")

    @property
    def snapshot_rows_to_write(self) -> Grid:
        """Rows to append to the Snapshots tab, header first when the tab is empty."""
        if self.snapshots_header_needed:
            return [list(SNAPSHOTS_HEADER), *self.snapshots_append]
        return self.snapshots_append

    def cell_position(self, key: RowKey, week_start: date) -> tuple[int, int]:
        """Return the 0-based ``(row, column)`` of a cell in ``tracker`` (row 0 is the header).

        Raises:
            KeyError: The row or the week is not on the Tracker.
        """
        rows = {row.key: index + 1 for index, row in enumerate(self.tracker_rows) if row.key is not None}
        columns = {week: index + FIRST_WEEK_COLUMN for index, week in enumerate(self.weeks)}
        return rows[key], columns[week_start]


def _read_values(values: pd.DataFrame) -> dict[ValueKey, object]:
    required = ["week_start", "kpi_id", "kpi_version", "channel", "value"]
    missing = [column for column in required if column not in values.columns]
    if missing:
        raise ValueError(f"values is missing column(s): {', '.join(missing)}")
    out: dict[ValueKey, object] = {}
    columns = [values[column].tolist() for column in required]
    for week_raw, kpi_id, kpi_version, channel, value in zip(*columns, strict=True):
        week = parse_week(week_raw)
        if week is None:
            raise ValueError(f"values: week_start {week_raw!r} is not a date")
        key = (week, str(kpi_id), str(kpi_version), str(channel))
        if key in out:
            raise ValueError(f"values: duplicate row for {key[0].isoformat()} {key[1]} {key[2]} {key[3]}")
        out[key] = value
    return out


def build_update(
    values: pd.DataFrame,
    definitions: Sequence[DefinitionRow],
    existing: TabGrids,
    *,
    run_id: str,
    snapshot_at: datetime,
    channel_order: Sequence[str],
    tracker_channels: set[str] | None = None,
    insights: Sequence[InsightRow] | None = None,
    channel_groups: Mapping[str, Sequence[str]] | None = None,
    row_slices: Mapping[str, Set[str]] | None = None,
) -> TrackerUpdate:
    """Decide what the Tracker, Snapshots, Definitions and Insights tabs hold after this run.

    Args:
        values: KPI values of this run: columns ``week_start`` (date), ``kpi_id``, ``kpi_version``,
            ``channel``, ``value`` (float, NaN = empty). One row per key.
        definitions: The current catalog (one row per current KPI version).
        existing: The pipeline tabs as they are now.
        run_id: The run's id, written on each Snapshots row.
        snapshot_at: The run's snapshot instant (timezone-aware).
        channel_order: Order of slices on the Tracker, e.g. ``["All", "Inbound", "Outbound", ...]``.
        tracker_channels: Slices that get Tracker rows (``None`` = all). Snapshots always get every slice.
            Existing rows of other slices are kept but no longer updated.
        channel_groups: ``{group: channels}``: each channel's row goes under its group's, collapsed
            (:class:`~sheets_sync.tracker_layout.SliceTree`). ``None`` keeps ``channel_order`` flat.
        row_slices: ``{kpi_id: slices}``: the slices of a KPI a source can fill at all (no GA4 row for a
            channel GA4 never maps to, no group row that can only repeat All). Other slices get no row, and
            an existing row of theirs is dropped from the Tracker (Snapshots keep their values). A KPI
            missing from the mapping, or ``None``, keeps every slice.
        insights: This run's Insights notes, all for weeks present in ``values``. They replace the
            existing notes of every week in ``values`` (a week with no notes now has none on the tab); other
            weeks' notes are kept. ``None`` leaves the Insights tab untouched (and unvalidated).

    Returns:
        The update to write.

    Raises:
        TrackerLayoutError: A pipeline tab has an unexpected layout (nothing should be written).
        ValueError: ``values`` is malformed or references a KPI version with no definition, or an insight
            is for a week not in ``values`` or lacks a source or flag.
    """
    stamp = snapshot_timestamp(snapshot_at)
    first_used = snapshot_at.astimezone(UTC).date().isoformat()

    tab_infos = read_definitions_tab(existing.definitions)
    infos, definitions_added = merge_definitions(tab_infos, definitions, first_used)
    ordering = CatalogOrdering(infos, definitions, channel_order)
    computed = _read_values(values)
    for _, kpi_id, kpi_version, _ in computed:
        if (kpi_id, kpi_version) not in infos:
            raise ValueError(f"values: KPI {kpi_id} version {kpi_version} has no definition")

    old_weeks, old_rows = read_tracker_tab(existing.tracker, tab_infos, infos)

    def fillable(kpi_id: str, channel: str) -> bool:
        return row_slices is None or kpi_id not in row_slices or channel in row_slices[kpi_id]

    history = read_snapshots_tab(existing.snapshots)

    def tracked_row(key: RowKey) -> bool:
        return (tracker_channels is None or key.channel in tracker_channels) and fillable(key.kpi_id, key.channel)

    # ---- Tracker
    tracked = {
        key: value
        for key, value in computed.items()
        if (tracker_channels is None or key[3] in tracker_channels) and fillable(key[1], key[3])
    }
    weeks = sorted(set(old_weeks) | {key[0] for key in tracked})
    states: dict[RowKey, TrackerRowState] = {
        row.key: row for row in old_rows if row.key is not None and fillable(row.key.kpi_id, row.key.channel)
    }
    unresolved = [row for row in old_rows if row.key is None]
    # Cells the owner typed over or cleared get their latest snapshot back before the run's values apply, so
    # a hand edit is never mistaken for the value being restated.
    restored_values = restore_tracker_values(states, old_weeks, history, tracked_row)
    rows_added = 0
    cells_changed = 0
    restatements: list[Restatement] = []
    for (week, kpi_id, kpi_version, channel), raw in tracked.items():
        key = RowKey(kpi_id, kpi_version, channel)
        state = states.get(key)
        if state is None:
            state = states[key] = TrackerRowState(key=key, fixed=[], cells={})
            fill_from_history(state, key, old_weeks, history)
            rows_added += 1
        unit = infos[(kpi_id, kpi_version)].unit
        new = kpi_cell(raw, unit)
        old = state.cells.get(week)
        if same_value(old, new):
            continue
        cells_changed += 1
        if old is not None:
            first_value, first_on = history.first_reported.get((week, kpi_id, kpi_version, channel), (old, None))
            restatements.append(Restatement(key, week, old, new, first_value, first_on, unit))
        state.cells[week] = new

    tree = SliceTree.build(channel_order, channel_groups)
    tracker, tracker_rows = lay_out(
        states, unresolved, infos, definitions, ordering, tree, weeks, collapsed=repeats_total(states, tree)
    )
    restatements.sort(key=lambda r: (ordering.row_key(r.key), r.week_start))
    definitions_out = definitions_grid(sorted(infos.values(), key=ordering.definition_key))

    # ---- Insights (with a note per tab whose hand-edited cells were written back)
    row_of = {row.key: index + 1 for index, row in enumerate(tracker_rows) if row.key is not None}
    column_of = {week: index + FIRST_WEEK_COLUMN for index, week in enumerate(weeks)}
    names = {key: info.name for key, info in infos.items()}
    restored_cells = [
        tracker_cells(restored_values, lambda key, week: (row_of[key], column_of[week]), names),
        definitions_cells(tab_infos, infos, definitions_out),
    ]
    if insights is None:
        insights_grid: Grid = [list(row) for row in existing.insights]
        insights_noted = 0
    else:
        last_week = max((key[0] for key in computed), default=None)
        notes = [note for cells in restored_cells if last_week and (note := restored_note(cells, last_week))]
        insights_grid, insights_noted = merge_insights(
            existing.insights, [*insights, *notes], {key[0] for key in computed}, run_id=run_id, stamp=stamp
        )

    # ---- Snapshots
    appended: Grid = []
    snapshot_order = sorted(computed, key=lambda k: (k[0], ordering.row_key(RowKey(k[1], k[2], k[3]))))
    for value_key in snapshot_order:
        week, kpi_id, kpi_version, channel = value_key
        cell = kpi_cell(computed[value_key], infos[(kpi_id, kpi_version)].unit)
        if value_key in history.latest and same_value(history.latest[value_key], cell):
            continue
        appended.append([stamp, run_id, week.isoformat(), kpi_id, kpi_version, channel, cell])

    return TrackerUpdate(
        tracker=tracker,
        tracker_rows=tracker_rows,
        weeks=weeks,
        definitions=definitions_out,
        snapshots_append=appended,
        snapshots_header_needed=history.rows == 0,
        snapshots_existing_rows=history.rows,
        snapshot_at=snapshot_at.astimezone(UTC),
        run_id=run_id,
        summary=UpdateSummary(
            snapshot_rows_appended=len(appended),
            tracker_rows_added=rows_added,
            weeks_added=len(set(weeks) - set(old_weeks)),
            cells_changed=cells_changed,
            restatements=restatements,
            definitions_added=definitions_added,
            unresolved_rows=len(unresolved),
            insights_rows=insights_noted,
            owner_edits_restored=sum(len(cells) for cells in restored_cells),
        ),
        insights=insights_grid,
        insights_replaced=insights is not None,
        origin=tracker_origin(
            existing.tracker,
            old_rows,
            tracker_rows,
            states,
            unresolved,
            {info.section for info in infos.values()} | {EARLIER_SECTION},
        ),
        read_revision=existing.revision,
    )
