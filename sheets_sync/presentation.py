"""How the Tracker looks: a writer-agnostic plan of colours, notes, number formats, widths and charts.

:func:`build_presentation` turns a :class:`~sheets_sync.update.TrackerUpdate` and the owner's targets into a
:class:`Presentation`. Everything in it is in 0-based grid coordinates of the Tracker tab (row 0 is the
header, column 6 the oldest week), so a Google Sheets writer can turn it into one ``batchUpdate``
(``updateSheetProperties`` for the frozen panes, ``updateDimensionProperties`` for widths, ``repeatCell`` for
formats and fills, ``updateCells`` with ``note`` for notes, ``addChart``/``updateChartSpec`` for charts) and
the openpyxl writer into styles, comments and chart objects. The module is pure: no I/O, no clock.

Rules (DESIGN.md §5, KPIS.md §1):

* A week cell is coloured when it holds a number, its row is the current version of a KPI and a target
  applies to the week: green ``met``, amber ``near`` (missed by at most 10 % of the target), red
  ``missed``. Direction ``up`` means higher is better, ``down`` lower is better. Weeks not complete at
  ``as_of`` are left uncoloured: a week in progress would show red for every count.
* A target row ``(kpi_id, channel, period_start, period_end, target)`` applies to a week when their days
  overlap. Flow KPIs (counts and currency sums over the week) get the target prorated by days: each
  overlapping row contributes ``target × overlap days ÷ period days``; when the rows cover only part of the
  week, the sum is scaled up to 7 days (the targets' daily rate over the whole week), so the first week of
  a quarter is not compared against a sliver of a target. Ratios, averages, unique users and point-in-time
  stocks (open and weighted pipeline) take the target as is, from the row covering most of the week.
* Charts show the ``All`` rows of the current KPI versions: the cohort funnel (new contacts, then the
  cohort that reached lead, MQL, SQL, opportunity and customer) at the latest complete week, and new MQLs
  (leading, left axis) against new customers (lagging, right axis) over the weeks up to the latest complete
  one.
* Restated cells carry the note :meth:`~sheets_sync.update.Restatement.note`; :func:`carry_notes` moves the
  notes a tab already had to the cells' new positions, so a writer can keep them across runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import pandas as pd

from sheets_sync.cells import Cell, Grid, to_number
from sheets_sync.tabs import FIRST_WEEK_COLUMN, TRACKER_FIXED_HEADER
from sheets_sync.tracker_tab import RowKey, TrackerRow
from sheets_sync.update import TrackerUpdate

FillStatus = Literal["met", "near", "missed"]
STATUS_COLORS: Mapping[FillStatus, str] = {"met": "#B7E1CD", "near": "#FCE8B2", "missed": "#F4C7C3"}
NEAR_TOLERANCE = 0.10
"""A result that misses its target by at most this share of the target is ``near`` (amber)."""

HEADER_BACKGROUND = "#E8EAED"
BAND_COLORS: tuple[str, str] = ("#FFFFFF", "#F6F8FA")
WEEK_COLUMN_WIDTH = 90
"""Pixels; fits ``1,234,567.89 EUR`` in the default 10 pt font."""

_DAYS_IN_WEEK = 7
# Pixel estimate for label columns: ~7 px per character of the default 10-11 pt font plus cell padding.
_PX_PER_CHAR = 7
_PX_PADDING = 16
_LABEL_MIN_PX = 56
_LABEL_MAX_PX = 320

# Counts and currency KPIs that are not sums over the week's days, so a target for a longer period applies
# to a week as is rather than prorated: averages and unit costs, GA4 unique users (a month's users are not
# the sum of its weeks' users) and pipeline stocks measured at the week's end.
NON_PRORATED_KPIS: frozenset[str] = frozenset(
    {
        "users",
        "new_users",
        "avg_deal_size",
        "ad_cpc",
        "ad_cpm",
        "cac",
        "open_pipeline",
        "weighted_pipeline",
    }
)
_NON_PRORATED_PREFIXES = ("cost_per_",)

SHEETS_FORMAT_TYPES: Mapping[str, str] = {
    "count": "NUMBER",
    "currency": "CURRENCY",
    "ratio": "PERCENT",
    "days": "NUMBER",
    "seconds": "NUMBER",
    "currency_per_day": "NUMBER",
}
"""Sheets ``NumberFormat.type`` for each unit (the pattern in :attr:`Presentation.row_formats` decides)."""

# Charts: which Tracker rows (All slice, current version) they show.
FUNNEL_KPIS: tuple[str, ...] = (
    "new_contacts",
    "cohort_leads",
    "cohort_mqls",
    "cohort_sqls",
    "cohort_opportunities",
    "cohort_customers",
)
# The first KPI present of each list is used: MQLs are the leading signal marketing steers by, new
# customers the lagging outcome they predict; the fallbacks keep the chart useful on a trimmed catalog.
LEADING_CANDIDATES: tuple[str, ...] = ("new_mqls", "new_leads", "new_sqls")
LAGGING_CANDIDATES: tuple[str, ...] = ("new_customers", "revenue_won", "deals_won")
FUNNEL_CHART = "cohort_funnel"
TRENDS_CHART = "leading_vs_lagging"
CHART_TITLE_STEMS: Mapping[str, str] = {FUNNEL_CHART: "Cohort funnel", TRENDS_CHART: "Leading vs lagging"}
TOTAL_CHANNEL = "All"


@dataclass(frozen=True)
class CellFill:
    """Background of one week cell, coloured against its target.

    Attributes:
        row: 0-based Tracker row (row 0 is the header).
        col: 0-based Tracker column.
        color_hex: ``"#RRGGBB"``.
        status: ``"met"``, ``"near"`` or ``"missed"``.
        target: The target the cell was compared with (prorated to the week when the KPI is a flow).
    """

    row: int
    col: int
    color_hex: str
    status: FillStatus
    target: float


@dataclass(frozen=True)
class CellNote:
    """A note (Sheets) / comment (Excel) on one Tracker cell.

    Attributes:
        row: 0-based Tracker row.
        col: 0-based Tracker column.
        text: The note text, e.g. ``"first reported 1,234 on 2026-11-10"``.
        author: Who wrote it when known (an ``.xlsx`` comment's author); ``None`` means the pipeline.
    """

    row: int
    col: int
    text: str
    author: str | None = None


@dataclass(frozen=True)
class HeaderFormat:
    """Style of the Tracker header row (row 0)."""

    bold: bool = True
    background_hex: str = HEADER_BACKGROUND
    week_alignment: Literal["left", "center", "right"] = "right"
    """Horizontal alignment of the week headers, over right-aligned numbers."""


@dataclass(frozen=True)
class SectionBand:
    """A light background behind the rows of one Section block, alternating between blocks.

    Attributes:
        first_row: First 0-based Tracker row of the block.
        last_row: Last row of the block (inclusive).
        color_hex: ``"#RRGGBB"``; applies to every column of the rows (target fills paint over it).
    """

    first_row: int
    last_row: int
    color_hex: str


@dataclass(frozen=True)
class ChartSeries:
    """One data series of a chart: cells of one Tracker row.

    Attributes:
        label: Legend text, e.g. ``"New MQLs"``.
        row: 0-based Tracker row holding the values.
        first_col: First 0-based Tracker column (inclusive).
        last_col: Last column (inclusive).
        axis: ``"left"`` or ``"right"`` value axis (Sheets ``targetAxis`` LEFT_AXIS / RIGHT_AXIS).
    """

    label: str
    row: int
    first_col: int
    last_col: int
    axis: Literal["left", "right"] = "left"

    def grid_range(self, sheet_id: int) -> dict[str, int]:
        """Return the series' cells as a Sheets ``GridRange`` (end indexes exclusive).

        Args:
            sheet_id: The Tracker tab's ``sheetId``.
        """
        return grid_range(sheet_id, self.row, self.first_col, self.last_col)


@dataclass(frozen=True)
class ChartSpec:
    """A chart on the Charts tab whose data are Tracker cells.

    The domain (categories) is a stretch of the Tracker header row: the week start dates. A Sheets writer
    builds ``BasicChartSpec`` with ``domains=[categories range]`` and one ``BasicChartSeries`` per series
    (``sourceRange.sources`` = :meth:`grid_range` of the series); an openpyxl writer builds ``Reference``
    objects over the same cells.

    Attributes:
        chart_id_key: Stable key, ``"cohort_funnel"`` or ``"leading_vs_lagging"``; a Sheets writer keeps
            the ``chartId`` it got for this key (e.g. in developer metadata) to update the chart in place.
        title: Chart title.
        kind: ``"bar"`` (vertical columns: Sheets ``COLUMN``, openpyxl ``BarChart(type="col")``) or
            ``"line"``.
        anchor_row: 0-based row of the top-left corner on the Charts tab.
        anchor_col: 0-based column of the top-left corner on the Charts tab.
        categories_row: Tracker row of the categories (the header row, 0).
        categories_first_col: First Tracker column of the categories (inclusive).
        categories_last_col: Last Tracker column of the categories (inclusive).
        series: The data series, in legend order.
        width_px: Chart width in pixels.
        height_px: Chart height in pixels.
        left_axis_title: Title of the left value axis.
        right_axis_title: Title of the right value axis (``None`` when no series uses it).
        data_labels: Show each point's value on the chart (the funnel's stages differ by orders of
            magnitude, so small bars need their number).
    """

    chart_id_key: str
    title: str
    kind: Literal["bar", "line"]
    anchor_row: int
    anchor_col: int
    categories_row: int
    categories_first_col: int
    categories_last_col: int
    series: tuple[ChartSeries, ...]
    width_px: int = 720
    height_px: int = 360
    left_axis_title: str = ""
    right_axis_title: str | None = None
    data_labels: bool = False

    def categories_grid_range(self, sheet_id: int) -> dict[str, int]:
        """Return the categories as a Sheets ``GridRange`` (end indexes exclusive).

        Args:
            sheet_id: The Tracker tab's ``sheetId``.
        """
        return grid_range(sheet_id, self.categories_row, self.categories_first_col, self.categories_last_col)


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


# --------------------------------------------------------------------------------------------------------
# Small public helpers


def grid_range(sheet_id: int, row: int, first_col: int, last_col: int) -> dict[str, int]:
    """Return one row's cells ``first_col..last_col`` (inclusive) as a Sheets ``GridRange``.

    Args:
        sheet_id: The tab's ``sheetId``.
        row: 0-based row.
        first_col: First 0-based column (inclusive).
        last_col: Last 0-based column (inclusive).
    """
    return {
        "sheetId": sheet_id,
        "startRowIndex": row,
        "endRowIndex": row + 1,
        "startColumnIndex": first_col,
        "endColumnIndex": last_col + 1,
    }


def rgb_fraction(color_hex: str) -> dict[str, float]:
    """Return ``"#RRGGBB"`` as a Sheets ``Color`` (``red``/``green``/``blue`` between 0 and 1)."""
    text = color_hex.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def unit_number_format(unit: str, currency: str) -> str | None:
    """Return the number format pattern (Sheets and Excel syntax) of a KPI unit.

    Args:
        unit: The KPI unit (KPIS.md §1).
        currency: ISO 4217 code of the reporting currency; ``USD`` shows ``$``, others their code.

    Returns:
        The pattern, or ``None`` for an unknown unit (the cell keeps the default format).
    """
    money = '"$"#,##0.00' if currency == "USD" else f'#,##0.00 "{currency}"'
    return {
        "count": "#,##0",
        "currency": money,
        "ratio": "0.0%",
        "days": "0.0",
        "seconds": "0",
        "currency_per_day": "#,##0.00",
    }.get(unit)


def is_prorated(kpi_id: str, unit: str) -> bool:
    """Tell whether a KPI's target is prorated to a week by days (a count or currency sum over the week).

    Args:
        kpi_id: The KPI id.
        unit: The KPI unit.
    """
    if unit not in {"count", "currency"} or kpi_id in NON_PRORATED_KPIS:
        return False
    return not kpi_id.startswith(_NON_PRORATED_PREFIXES)


def target_status(value: float, target: float, direction: str) -> FillStatus:
    """Compare a value with its target by the KPI's direction.

    Args:
        value: The week's value.
        target: The target for the week.
        direction: ``"up"`` (higher is better) or ``"down"`` (lower is better).

    Returns:
        ``"met"`` when the target is reached, ``"near"`` when it is missed by at most
        :data:`NEAR_TOLERANCE` of the target, else ``"missed"``.
    """
    slack = NEAR_TOLERANCE * abs(target)
    if direction == "down":
        if value <= target:
            return "met"
        return "near" if value <= target + slack else "missed"
    if value >= target:
        return "met"
    return "near" if value >= target - slack else "missed"


_TargetPeriods = list[tuple[date, date, float]]


def _target_index(targets: pd.DataFrame) -> dict[tuple[str, str], _TargetPeriods]:
    """Targets grouped by ``(kpi_id, channel)`` in tab order: one pass instead of a filter per cell."""
    index: dict[tuple[str, str], _TargetPeriods] = {}
    if targets.empty:
        return index
    columns = [targets[name].tolist() for name in ("kpi_id", "channel", "period_start", "period_end", "target")]
    for kpi_id, channel, start, end, target in zip(*columns, strict=True):
        number = to_number(target)
        if number is not None and isinstance(start, date) and isinstance(end, date):
            index.setdefault((str(kpi_id), str(channel)), []).append((start, end, float(number)))
    return index


def _period_target(periods: Sequence[tuple[date, date, float]], week_start: date, *, prorated: bool) -> float | None:
    week_end = week_start + timedelta(days=_DAYS_IN_WEEK - 1)
    overlaps: list[tuple[int, int, float]] = []  # overlap days, period days, target
    for start, end, target in periods:
        days = (min(end, week_end) - max(start, week_start)).days + 1
        if days > 0:
            overlaps.append((days, (end - start).days + 1, target))
    if not overlaps:
        return None
    if not prorated:
        # max() keeps the first of equals: ties go to the row listed first on the tab.
        return max(overlaps, key=lambda item: item[0])[2]
    covered = sum(days for days, _, _ in overlaps)
    total = sum(target * days / period for days, period, target in overlaps)
    return total * _DAYS_IN_WEEK / min(covered, _DAYS_IN_WEEK)


def week_target(targets: pd.DataFrame, kpi_id: str, channel: str, week_start: date, *, prorated: bool) -> float | None:
    """Return the target that applies to one week of a KPI slice, or ``None`` when no target row overlaps.

    Args:
        targets: Parsed Targets tab (:func:`~sheets_sync.update.parse_targets`).
        kpi_id: The KPI id.
        channel: The slice (``"All"``, a group or a channel).
        week_start: First day of the week; the week is ``week_start .. week_start + 6`` inclusive.
        prorated: Prorate by days (flows) instead of taking the target as is (see the module docstring).
    """
    periods = _target_index(targets).get((kpi_id, channel))
    return _period_target(periods, week_start, prorated=prorated) if periods else None


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


def carry_notes(
    old_tracker: Grid, old_notes: Mapping[tuple[int, int], str | tuple[str, str | None]], update: TrackerUpdate
) -> list[CellNote]:
    """Move notes from their cells on the Tracker as it was to the same cells on the new Tracker.

    Rows are matched by their ``KPI, Channel, Version`` labels and columns by their week header, so a note
    follows its cell when rows or weeks are inserted. Notes on cells that no longer exist are dropped.

    Args:
        old_tracker: The Tracker grid as read before the write (header row first).
        old_notes: ``{(row, col): text}`` or ``{(row, col): (text, author)}`` in ``old_tracker`` coordinates.
        update: The update about to be written.

    Returns:
        The notes in the new Tracker's coordinates, in row-major order.
    """

    def label(row: Sequence[Cell]) -> tuple[str, str, str]:
        cells = [str(row[i]) if i < len(row) and row[i] is not None else "" for i in (1, 2, 5)]
        return cells[0], cells[1], cells[2]

    if not old_tracker:
        return []
    new_rows = {label(row): index for index, row in enumerate(update.tracker) if index > 0}
    new_cols = {str(cell): index for index, cell in enumerate(update.tracker[0]) if index >= FIRST_WEEK_COLUMN}
    old_header = old_tracker[0]
    carried: list[CellNote] = []
    for (row, col), note in old_notes.items():
        text, author = (note, None) if isinstance(note, str) else note
        if row == 0 or row >= len(old_tracker):
            continue
        if col < FIRST_WEEK_COLUMN or col >= len(old_header):
            new_col: int | None = col if 0 <= col < FIRST_WEEK_COLUMN else None
        else:
            new_col = new_cols.get(str(old_header[col]))
        new_row = new_rows.get(label(old_tracker[row]))
        if new_row is not None and new_col is not None:
            carried.append(CellNote(new_row, new_col, text, author))
    return sorted(carried, key=lambda n: (n.row, n.col))


def merge_notes(kept: Iterable[CellNote], new: Iterable[CellNote]) -> list[CellNote]:
    """Combine carried notes with this run's notes; a new note replaces a kept one on the same cell."""
    merged = {(note.row, note.col): note for note in kept}
    merged.update({(note.row, note.col): note for note in new})
    return [merged[position] for position in sorted(merged)]


# --------------------------------------------------------------------------------------------------------
# The plan


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
        targets: The owner's targets as parsed by :func:`~sheets_sync.update.parse_targets` (may be empty).
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
    complete = [week + timedelta(days=_DAYS_IN_WEEK) <= as_of + timedelta(days=1) for week in update.weeks]
    latest_complete = max((i for i, ok in enumerate(complete) if ok), default=None)

    target_index = _target_index(targets)
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
        periods = target_index.get((key.kpi_id, key.channel))
        if periods:
            fills.extend(_row_fills(row, row_index, key, meta, update.weeks, complete, periods))

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
        column_widths=_column_widths(update.tracker, last_col),
        row_formats=row_formats,
        fills=fills,
        notes=merge_notes([], notes),
        header_format=HeaderFormat(),
        section_bands=_section_bands(update.tracker_rows),
        charts=_charts(current_all, len(update.weeks), latest_complete, latest_week),
        first_week_col=FIRST_WEEK_COLUMN,
        last_col=last_col,
        latest_complete_week=latest_week,
        formats_by_unit=formats,
    )


def _row_fills(
    row: Sequence[Cell],
    row_index: int,
    key: RowKey,
    meta: TrackerRow,
    weeks: Sequence[date],
    complete: Sequence[bool],
    periods: Sequence[tuple[date, date, float]],
) -> list[CellFill]:
    fills: list[CellFill] = []
    prorated = is_prorated(key.kpi_id, meta.unit)
    for week_index, week in enumerate(weeks):
        col = FIRST_WEEK_COLUMN + week_index
        value = to_number(row[col]) if col < len(row) else None
        if value is None or not complete[week_index]:
            continue
        target = _period_target(periods, week, prorated=prorated)
        if target is None:
            continue
        status = target_status(float(value), target, meta.direction)
        fills.append(CellFill(row_index, col, STATUS_COLORS[status], status, target))
    return fills


def _column_widths(grid: Grid, last_col: int) -> list[int]:
    widths: list[int] = []
    for col in range(last_col + 1):
        if col >= FIRST_WEEK_COLUMN:
            widths.append(WEEK_COLUMN_WIDTH)
            continue
        longest = max((len(str(row[col])) for row in grid if col < len(row) and row[col] is not None), default=0)
        widths.append(min(max(longest * _PX_PER_CHAR + _PX_PADDING, _LABEL_MIN_PX), _LABEL_MAX_PX))
    return widths


def _section_bands(rows: Sequence[TrackerRow]) -> list[SectionBand]:
    bands: list[SectionBand] = []
    previous: tuple[str, str] | None = None
    for row_index, meta in enumerate(rows, start=1):
        block = (meta.kpi_type, meta.section)
        if block != previous:
            bands.append(SectionBand(row_index, row_index, BAND_COLORS[len(bands) % 2]))
        else:
            last = bands[-1]
            bands[-1] = SectionBand(last.first_row, row_index, last.color_hex)
        previous = block
    return bands


def _charts(
    current_all: Mapping[str, tuple[int, TrackerRow]],
    week_count: int,
    latest_complete: int | None,
    latest_week: date | None,
) -> list[ChartSpec]:
    if week_count == 0:
        return []
    charts: list[ChartSpec] = []
    if latest_complete is not None and latest_week is not None:
        col = FIRST_WEEK_COLUMN + latest_complete
        stages = tuple(
            ChartSeries(current_all[kpi][1].name, current_all[kpi][0], col, col)
            for kpi in FUNNEL_KPIS
            if kpi in current_all
        )
        if stages:
            charts.append(
                ChartSpec(
                    chart_id_key=FUNNEL_CHART,
                    title=f"{CHART_TITLE_STEMS[FUNNEL_CHART]}, week of {latest_week.isoformat()} (All)",
                    kind="bar",
                    anchor_row=2,
                    anchor_col=1,
                    categories_row=0,
                    categories_first_col=col,
                    categories_last_col=col,
                    series=stages,
                    left_axis_title="Contacts",
                    data_labels=True,
                )
            )
    leading = next((kpi for kpi in LEADING_CANDIDATES if kpi in current_all), None)
    lagging = next((kpi for kpi in LAGGING_CANDIDATES if kpi in current_all), None)
    # Up to the latest complete week: a week in progress would end every line in a cliff.
    shown = latest_complete + 1 if latest_complete is not None else week_count
    first, last = FIRST_WEEK_COLUMN, FIRST_WEEK_COLUMN + shown - 1
    trend: list[ChartSeries] = []
    if leading is not None:
        trend.append(ChartSeries(current_all[leading][1].name, current_all[leading][0], first, last, "left"))
    if lagging is not None:
        # A second axis: lagging outcomes are an order of magnitude smaller (or in currency) and would
        # flatten into the floor on the leading series' scale.
        axis: Literal["left", "right"] = "right" if trend else "left"
        trend.append(ChartSeries(current_all[lagging][1].name, current_all[lagging][0], first, last, axis))
    if trend:
        names = [series.label for series in trend]
        charts.append(
            ChartSpec(
                chart_id_key=TRENDS_CHART,
                title=f"{CHART_TITLE_STEMS[TRENDS_CHART]}: {' vs '.join(names)} (All)",
                kind="line",
                anchor_row=24,
                anchor_col=1,
                categories_row=0,
                categories_first_col=first,
                categories_last_col=last,
                series=tuple(trend),
                width_px=900,
                left_axis_title=names[0],
                right_axis_title=names[1] if len(names) > 1 else None,
            )
        )
    return charts
