"""How the Tracker looks: a writer-agnostic plan of colours, notes, number formats, widths and charts.

:func:`build_presentation` turns a :class:`~sheets_sync.update.TrackerUpdate` and the owner's targets into a
:class:`Presentation`; the tracker asset calls it and hands the plan to a writer. Everything in it is in
0-based grid coordinates of the Tracker tab (row 0 is the header, column 6 the oldest week), so a Google
Sheets writer can turn it into one ``batchUpdate`` (``updateSheetProperties`` for the frozen panes,
``updateDimensionProperties`` for widths, ``repeatCell`` for formats and fills, ``updateCells`` with ``note``
for notes, ``addChart``/``updateChartSpec`` for charts) and the openpyxl writer into styles, comments and
chart objects. The module is pure: no I/O, no clock. The rules live with their parts: target colours in
:mod:`sheets_sync.target_fills`, notes in :mod:`sheets_sync.notes`, charts in :mod:`sheets_sync.charts`,
number formats, bands and widths in :mod:`sheets_sync.formats`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from sheets_sync.cells import to_number
from sheets_sync.charts import TOTAL_CHANNEL, ChartSpec, plan_charts
from sheets_sync.formats import (
    SHEETS_FORMAT_TYPES,
    HeaderFormat,
    SectionBand,
    column_widths,
    section_bands,
    unit_number_format,
)
from sheets_sync.notes import CellNote, merge_notes
from sheets_sync.tabs import FIRST_WEEK_COLUMN, TRACKER_FIXED_HEADER
from sheets_sync.target_fills import DAYS_IN_WEEK, CellFill, row_fills, target_index
from sheets_sync.tracker_tab import TrackerRow
from sheets_sync.update import TrackerUpdate


@dataclass(frozen=True)
class Presentation:
    """Everything a writer applies to the Tracker tab besides its values, in 0-based grid coordinates.

    Attributes:
        frozen_rows: Rows frozen at the top (the header).
        frozen_columns: Columns frozen at the left (the six label columns).
        column_widths: Width in pixels of every Tracker column, left to right.
        row_formats: ``(row, pattern)``: the number format of the row's week cells, by the KPI's unit.
        fills: Week cells coloured against targets.
        notes: Notes on restated cells.
        header_format: Style of row 0.
        section_bands: Alternating backgrounds per Section block.
        charts: Charts of the Charts tab, pointing at Tracker cells.
        first_week_col: Column of the oldest week (formats and fills start here).
        last_col: Last Tracker column (inclusive).
        latest_complete_week: The week the funnel chart shows, ``None`` without weeks.
    """

    frozen_rows: int
    frozen_columns: int
    column_widths: list[int]
    row_formats: list[tuple[int, str]]
    fills: list[CellFill]
    notes: list[CellNote]
    header_format: HeaderFormat
    section_bands: list[SectionBand]
    charts: list[ChartSpec]
    first_week_col: int = FIRST_WEEK_COLUMN
    last_col: int = FIRST_WEEK_COLUMN - 1
    latest_complete_week: date | None = None
    formats_by_unit: Mapping[str, str] = field(default_factory=dict)


def current_versions(update: TrackerUpdate) -> dict[str, str]:
    """Guess each KPI's current version from the Tracker: the version with the most recent value.

    A run writes values only for the versions it computed, so older versions stop at an earlier week. Ties
    (no value anywhere yet) go to the higher definition number, then to the row listed last.

    Args:
        update: The update the Tracker is written from.

    Returns:
        ``{kpi_id: kpi_version}`` for every KPI with a resolved row.
    """
    best: dict[str, tuple[int, int, int]] = {}
    chosen: dict[str, str] = {}
    for index, (row, meta) in enumerate(zip(update.tracker[1:], update.tracker_rows, strict=True)):
        if meta.key is None:
            continue
        last = max(
            (i for i, cell in enumerate(row[FIRST_WEEK_COLUMN:]) if to_number(cell) is not None),
            default=-1,
        )
        number, _, _ = meta.key.kpi_version.partition(".")
        rank = (last, int(number) if number.isdigit() else -1, index)
        if meta.key.kpi_id not in best or rank > best[meta.key.kpi_id]:
            best[meta.key.kpi_id] = rank
            chosen[meta.key.kpi_id] = meta.key.kpi_version
    return chosen


def build_presentation(
    update: TrackerUpdate,
    targets: pd.DataFrame,
    *,
    currency: str,
    as_of: date | None = None,
    versions: Mapping[str, str] | None = None,
) -> Presentation:
    """Plan how the Tracker of ``update`` is presented.

    Args:
        update: The update the Tracker is written from.
        targets: The owner's targets as parsed by :func:`~sheets_sync.owner_tabs.parse_targets` (may be empty).
        currency: ISO 4217 code of the reporting currency (number formats).
        as_of: Weeks ending after this day are in progress: not coloured, not charted as the funnel week.
            Defaults to the update's snapshot date.
        versions: ``{kpi_id: current kpi_version}``; defaults to :func:`current_versions`.

    Returns:
        The plan, in 0-based coordinates of ``update.tracker``.
    """
    as_of = as_of if as_of is not None else update.snapshot_at.date()
    versions = dict(versions) if versions is not None else current_versions(update)
    header = update.tracker[0] if update.tracker else list(TRACKER_FIXED_HEADER)
    last_col = max(len(header), FIRST_WEEK_COLUMN) - 1
    complete = [week + timedelta(days=DAYS_IN_WEEK) <= as_of + timedelta(days=1) for week in update.weeks]
    latest_complete = max((i for i, ok in enumerate(complete) if ok), default=None)

    targets_by_slice = target_index(targets)
    formats = {unit: f for unit in SHEETS_FORMAT_TYPES if (f := unit_number_format(unit, currency)) is not None}
    row_formats: list[tuple[int, str]] = []
    fills: list[CellFill] = []
    current_all: dict[str, tuple[int, TrackerRow]] = {}
    for row_index, (row, meta) in enumerate(zip(update.tracker[1:], update.tracker_rows, strict=True), start=1):
        if meta.unit in formats:
            row_formats.append((row_index, formats[meta.unit]))
        key = meta.key
        if key is None or versions.get(key.kpi_id) != key.kpi_version:
            continue
        if key.channel == TOTAL_CHANNEL:
            current_all[key.kpi_id] = (row_index, meta)
        periods = targets_by_slice.get((key.kpi_id, key.channel))
        if periods:
            fills.extend(row_fills(row, row_index, key, meta, update.weeks, complete, periods))

    notes: list[CellNote] = []
    for restatement in update.summary.restatements:
        try:
            row_index, col = update.cell_position(restatement.key, restatement.week_start)
        except KeyError:
            continue
        notes.append(CellNote(row_index, col, restatement.note()))

    latest_week = update.weeks[latest_complete] if latest_complete is not None else None
    return Presentation(
        frozen_rows=1,
        frozen_columns=FIRST_WEEK_COLUMN,
        column_widths=column_widths(update.tracker, last_col),
        row_formats=row_formats,
        fills=fills,
        notes=merge_notes([], notes),
        header_format=HeaderFormat(),
        section_bands=section_bands(update.tracker_rows),
        charts=plan_charts(current_all, len(update.weeks), latest_complete, latest_week),
        first_week_col=FIRST_WEEK_COLUMN,
        last_col=last_col,
        latest_complete_week=latest_week,
        formats_by_unit=formats,
    )
