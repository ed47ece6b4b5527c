"""How the Tracker looks: a writer-agnostic plan of colours, notes, number formats, row groups and charts.

:func:`build_presentation` turns a :class:`~sheets_sync.update.TrackerUpdate` and the owner's targets into a
:class:`Presentation`; the tracker asset calls it and hands the plan to a writer. Everything in it is in
0-based grid coordinates of the Tracker tab (row 0 is the header, column 2 the oldest week), so a Google
Sheets writer can turn it into one ``batchUpdate`` (``updateSheetProperties`` for the frozen panes,
``updateDimensionProperties`` for widths, ``updateCells`` for formats, fills and notes,
``addDimensionGroup``/``updateDimensionGroup`` for the collapsed channel rows, ``addChart``/``updateChartSpec``
for charts) and the openpyxl writer into styles, outline levels, comments, print settings and chart
objects. The module is pure: no I/O, no clock. The rules live with their parts: target colours in
:mod:`sheets_sync.target_fills`, notes in :mod:`sheets_sync.notes`, charts in :mod:`sheets_sync.charts`,
number formats in :mod:`sheets_sync.units`, the cohort rule in :mod:`sheets_sync.maturity`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from sheets_sync.cells import to_number
from sheets_sync.charts import ChartSpec, plan_charts
from sheets_sync.formats import HeaderFormat, column_widths
from sheets_sync.maturity import NO_MATURITY, CohortMaturity, is_cohort_section
from sheets_sync.notes import CellNote, merge_notes
from sheets_sync.styled import StyledTab
from sheets_sync.tabs import FIRST_WEEK_COLUMN, TRACKER_FIXED_HEADER
from sheets_sync.target_fills import DAYS_IN_WEEK, CellFill, row_fills, target_index
from sheets_sync.units import CENTS_BELOW, number_pattern, sheets_number_type
from sheets_sync.update import TrackerUpdate
from sheets_sync.validation import TargetsValidation

PRINTED_WEEKS = 13
"""Week columns a printed Tracker shows (a quarter), fitted to the page width next to the label columns."""


@dataclass(frozen=True)
class RowGroup:
    """Rows collapsed under the row above them (a group's channels; an earlier definition's rows).

    Attributes:
        first_row: First 0-based Tracker row of the group.
        last_row: Last row (inclusive).
        depth: Outline depth (1).
        collapsed: Hidden until the reader expands the group.
    """

    first_row: int
    last_row: int
    depth: int = 1
    collapsed: bool = True


@dataclass(frozen=True)
class Presentation:
    """Everything a writer applies to the Tracker tab besides its values, in 0-based grid coordinates.

    Attributes:
        frozen_rows: Rows frozen at the top (the header).
        frozen_columns: Columns frozen at the left (the two label columns).
        column_widths: Width in pixels of every Tracker column, left to right.
        row_units: ``(row, unit)`` of each KPI row: its week cells are formatted by :meth:`number_format`.
        fills: Week cells coloured against targets.
        notes: Notes on restated cells.
        header_format: Style of row 0.
        section_rows: Section header rows (bold, shaded across the tab).
        block_rows: First row of each KPI block (the KPI's name in bold).
        row_groups: Channel rows collapsed under their group's row.
        muted: Week cells of immature cohort weeks (grey italics, never coloured).
        charts: Charts of the Charts tab, pointing at Tracker cells.
        first_week_col: Column of the oldest week (formats and fills start here).
        last_col: Last Tracker column (inclusive).
        latest_complete_week: The latest week complete at the as-of date, ``None`` without weeks.
        currency: ISO 4217 code of the reporting currency.
        print_first_col: First week column a printout shows (the last :data:`PRINTED_WEEKS` weeks).
        maturity: The cohort maturity rule the plan applied.
        scorecard: The Scorecard tab to write first in tab order (``None``: leave it as it is).
        targets_validation: Drop-downs and checks to keep on the owner's Targets tab (``None``: none).
    """

    frozen_rows: int
    frozen_columns: int
    column_widths: list[int]
    row_units: list[tuple[int, str]]
    fills: list[CellFill]
    notes: list[CellNote]
    header_format: HeaderFormat
    section_rows: list[int]
    block_rows: list[int]
    row_groups: list[RowGroup]
    muted: list[tuple[int, int]]
    charts: list[ChartSpec]
    first_week_col: int = FIRST_WEEK_COLUMN
    last_col: int = FIRST_WEEK_COLUMN - 1
    latest_complete_week: date | None = None
    currency: str = "USD"
    print_first_col: int = FIRST_WEEK_COLUMN
    maturity: CohortMaturity = field(default=NO_MATURITY)
    scorecard: StyledTab | None = None
    targets_validation: TargetsValidation | None = None

    def number_format(self, unit: str, value: object) -> tuple[str, str] | None:
        """``(Sheets NumberFormat type, pattern)`` of one cell of a row of ``unit`` holding ``value``."""
        number = to_number(value)
        pattern = number_pattern(unit, self.currency, float(number) if number is not None else None)
        return (sheets_number_type(unit), pattern) if pattern is not None else None


def current_versions(update: TrackerUpdate) -> dict[str, str]:
    """Each KPI's current version on the Tracker: the version its plain (unsuffixed) rows show."""
    return {
        meta.key.kpi_id: meta.key.kpi_version
        for meta in update.tracker_rows
        if meta.key is not None and meta.kind == "kpi" and meta.current
    }


def _row_groups(update: TrackerUpdate) -> list[RowGroup]:
    groups: list[RowGroup] = []
    start: int | None = None
    for row_index, meta in enumerate(update.tracker_rows, start=1):
        if meta.level > 0 and start is None:
            start = row_index
        elif meta.level == 0 and start is not None:
            groups.append(RowGroup(start, row_index - 1))
            start = None
    if start is not None:
        groups.append(RowGroup(start, len(update.tracker_rows)))
    return groups


def build_presentation(
    update: TrackerUpdate,
    targets: pd.DataFrame,
    *,
    currency: str,
    as_of: date | None = None,
    maturity: CohortMaturity = NO_MATURITY,
    headline_kpis: Sequence[str] = (),
    headline_channels: Sequence[str] = ("All", "Inbound", "Outbound"),
    versions: Mapping[str, str] | None = None,
    scorecard: StyledTab | None = None,
    targets_validation: TargetsValidation | None = None,
) -> Presentation:
    """Plan how the Tracker of ``update`` is presented.

    Args:
        update: The update the Tracker is written from.
        targets: The owner's targets as parsed by :func:`~sheets_sync.owner_tabs.parse_targets` (may be empty).
        currency: ISO 4217 code of the reporting currency (number formats).
        as_of: Weeks ending after this day are in progress: not coloured, not charted. Defaults to the
            update's snapshot date.
        maturity: Cohort weeks younger than this are immature: greyed, not coloured, not the funnel chart's.
        headline_kpis: The Scorecard's KPIs (the ``scorecard`` setting), each charted as a weekly trend.
        headline_channels: The slices each trend chart shows.
        versions: ``{kpi_id: current kpi_version}``; defaults to :func:`current_versions`.
        scorecard: The Scorecard tab to write (:func:`~sheets_sync.scorecard_tab.scorecard_tab`).
        targets_validation: The Targets tab's drop-downs and checks.

    Returns:
        The plan, in 0-based coordinates of ``update.tracker``.
    """
    as_of = as_of if as_of is not None else update.snapshot_at.date()
    versions = dict(versions) if versions is not None else current_versions(update)
    header = update.tracker[0] if update.tracker else list(TRACKER_FIXED_HEADER)
    last_col = max(len(header), FIRST_WEEK_COLUMN) - 1
    complete = [week + timedelta(days=DAYS_IN_WEEK) <= as_of + timedelta(days=1) for week in update.weeks]
    latest_complete = max((i for i, ok in enumerate(complete) if ok), default=None)
    immature_weeks = {i for i, week in enumerate(update.weeks) if not maturity.is_mature(week, as_of)}

    targets_by_slice = target_index(targets)
    row_units: list[tuple[int, str]] = []
    fills: list[CellFill] = []
    muted: list[tuple[int, int]] = []
    section_rows: list[int] = []
    block_rows: list[int] = []
    current_rows: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}
    units_by_kpi: dict[str, str] = {}
    for row_index, (row, meta) in enumerate(zip(update.tracker[1:], update.tracker_rows, strict=True), start=1):
        if meta.kind == "section":
            section_rows.append(row_index)
            continue
        if meta.unit:
            row_units.append((row_index, meta.unit))
        if row[0] not in (None, ""):
            block_rows.append(row_index)
        key = meta.key
        if key is None or versions.get(key.kpi_id) != key.kpi_version:
            continue
        current_rows[(key.kpi_id, key.channel)] = row_index
        names[key.kpi_id] = meta.name
        units_by_kpi[key.kpi_id] = meta.unit
        cohort = is_cohort_section(meta.section)
        if cohort:
            muted += [
                (row_index, FIRST_WEEK_COLUMN + i)
                for i in sorted(immature_weeks)
                if complete[i] and to_number(row[FIRST_WEEK_COLUMN + i]) is not None
            ]
        periods = targets_by_slice.get((key.kpi_id, key.channel))
        if periods:
            # An immature cohort week is not a miss: it is left uncoloured (and greyed above).
            ripe = [ok and not (cohort and i in immature_weeks) for i, ok in enumerate(complete)]
            fills.extend(row_fills(row, row_index, key, meta, update.weeks, ripe, periods))

    notes: list[CellNote] = []
    for restatement in update.summary.restatements:
        try:
            row_index, col = update.cell_position(restatement.key, restatement.week_start)
        except KeyError:
            continue
        notes.append(CellNote(row_index, col, restatement.note(currency)))

    latest_week = update.weeks[latest_complete] if latest_complete is not None else None
    # A value axis shows round numbers: money without cents.
    axis_formats = {
        kpi_id: pattern
        for kpi_id, unit in units_by_kpi.items()
        if (pattern := number_pattern(unit, currency, float(CENTS_BELOW))) is not None
    }
    funnel_week = maturity.latest_mature_week(update.weeks, as_of)
    first_printed = max(FIRST_WEEK_COLUMN, last_col - PRINTED_WEEKS + 1)
    return Presentation(
        frozen_rows=1,
        frozen_columns=FIRST_WEEK_COLUMN,
        column_widths=column_widths(update.tracker, last_col),
        row_units=row_units,
        fills=fills,
        notes=merge_notes([], notes),
        header_format=HeaderFormat(),
        section_rows=section_rows,
        block_rows=block_rows,
        row_groups=_row_groups(update),
        muted=muted,
        charts=plan_charts(
            current_rows,
            names,
            update.weeks,
            latest_complete,
            funnel_week=funnel_week,
            as_of=as_of,
            headline_kpis=headline_kpis,
            headline_channels=headline_channels,
            value_formats=axis_formats,
        ),
        first_week_col=FIRST_WEEK_COLUMN,
        last_col=last_col,
        latest_complete_week=latest_week,
        currency=currency,
        print_first_col=first_printed,
        maturity=maturity,
        scorecard=scorecard,
        targets_validation=targets_validation,
    )
