"""The Charts tab's plan: which Tracker cells the two pipeline charts show, in both writers' terms.

Used by :func:`~sheets_sync.presentation.build_presentation`; the writers draw its :class:`ChartSpec` list.

Charts show the ``All`` rows of the current KPI versions: the cohort funnel (new contacts, then the cohort
that reached lead, MQL, SQL, opportunity and customer) at the latest complete week, and new MQLs (leading,
left axis) against new customers (lagging, right axis) over the weeks up to the latest complete one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sheets_sync.tabs import FIRST_WEEK_COLUMN
from sheets_sync.tracker_tab import TrackerRow

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


def plan_charts(
    current_all: Mapping[str, tuple[int, TrackerRow]],
    week_count: int,
    latest_complete: int | None,
    latest_week: date | None,
) -> list[ChartSpec]:
    """Plan the funnel and leading-vs-lagging charts (none without weeks; no funnel without a complete week).

    Args:
        current_all: ``{kpi_id: (row, metadata)}`` of the ``All`` rows of current KPI versions.
        week_count: Week columns on the Tracker.
        latest_complete: Index of the latest complete week, ``None`` when no week is complete.
        latest_week: That week's start.
    """
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
