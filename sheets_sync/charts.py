"""The Charts tab's plan: which Tracker cells the pipeline's charts show, in both writers' terms.

Used by :func:`~sheets_sync.presentation.build_presentation`; the writers draw its :class:`ChartSpec` list.

Two kinds of chart, all on the current KPI versions' rows:

* the **cohort funnel** of the most recent *matured* cohort week (:mod:`sheets_sync.maturity`): new
  contacts, then the cohort that reached lead, MQL, SQL, opportunity and customer (All);
* a **weekly trend** of each KPI the Scorecard names, one line per slice (All, Inbound, Outbound), over
  the last :data:`TREND_WEEKS` complete weeks.

Charts are placed by pixel offsets from cell B3 of the Charts tab (a grid of three trends a row under the
funnel), so they sit the same in Google Sheets and Excel whatever the tab's column widths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sheets_sync.tabs import FIRST_WEEK_COLUMN

FUNNEL_KPIS: tuple[str, ...] = (
    "new_contacts",
    "cohort_leads",
    "cohort_mqls",
    "cohort_sqls",
    "cohort_opportunities",
    "cohort_customers",
)
FUNNEL_CHART = "cohort_funnel"
TREND_CHART_PREFIX = "trend:"
# Chart keys an earlier version of the pipeline drew; a writer removes them when it finds them.
RETIRED_CHART_KEYS: tuple[str, ...] = ("leading_vs_lagging",)
CHART_TITLE_STEMS: Mapping[str, str] = {FUNNEL_CHART: "Cohort funnel", "leading_vs_lagging": "Leading vs lagging"}
TREND_TITLE_SUFFIX = ", weekly"
TOTAL_CHANNEL = "All"
TREND_WEEKS = 26
ANCHOR_ROW, ANCHOR_COL = 2, 1  # B3: below the tab's title lines
FUNNEL_SIZE = (720, 330)
TREND_SIZE = (420, 260)
TREND_LABEL_EVERY = 4
TRENDS_PER_ROW = 3
GAP_PX = 20


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
        """Return the series' cells as a Sheets ``GridRange`` (end indexes exclusive)."""
        return grid_range(sheet_id, self.row, self.first_col, self.last_col)


@dataclass(frozen=True)
class ChartSpec:
    """A chart on the Charts tab whose data are Tracker cells.

    The domain (categories) is a stretch of the Tracker header row: the week start dates. A Sheets writer
    builds ``BasicChartSpec`` with ``domains=[categories range]`` and one ``BasicChartSeries`` per series;
    an openpyxl writer builds ``Reference`` objects over the same cells.

    Attributes:
        chart_id_key: Stable key (``"cohort_funnel"``, ``"trend:new_mqls"``); a Sheets writer derives the
            ``chartId`` from it to update the chart in place.
        title: Chart title.
        kind: ``"bar"`` (vertical columns: Sheets ``COLUMN``, openpyxl ``BarChart(type="col")``) or ``"line"``.
        anchor_row: 0-based row of the anchor cell on the Charts tab.
        anchor_col: 0-based column of the anchor cell.
        offset_x_px: Pixels right of the anchor cell's top-left corner.
        offset_y_px: Pixels below it.
        categories_row: Tracker row of the categories (the header row, 0).
        categories_first_col: First Tracker column of the categories (inclusive).
        categories_last_col: Last Tracker column of the categories (inclusive).
        series: The data series, in legend order.
        width_px: Chart width in pixels.
        height_px: Chart height in pixels.
        left_axis_title: Title of the left value axis.
        right_axis_title: Title of the right value axis (``None`` when no series uses it).
        data_labels: Show each point's value (the funnel's stages differ by orders of magnitude).
        title_size_pt: Title font size (small charts need a small title to keep room for the plot).
        value_format: Number format of the value axis (``None``: the cells' own).
        label_every: Show every n-th category label (week dates crowd a small chart).
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
    offset_x_px: int = 0
    offset_y_px: int = 0
    title_size_pt: int = 14
    value_format: str | None = None
    label_every: int = 1

    def categories_grid_range(self, sheet_id: int) -> dict[str, int]:
        """Return the categories as a Sheets ``GridRange`` (end indexes exclusive)."""
        return grid_range(sheet_id, self.categories_row, self.categories_first_col, self.categories_last_col)


def grid_range(sheet_id: int, row: int, first_col: int, last_col: int) -> dict[str, int]:
    """Return one row's cells ``first_col..last_col`` (inclusive) as a Sheets ``GridRange``."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": row,
        "endRowIndex": row + 1,
        "startColumnIndex": first_col,
        "endColumnIndex": last_col + 1,
    }


def is_pipeline_chart_title(title: str) -> bool:
    """Whether a chart title is one the pipeline writes (how the xlsx writer finds its own charts)."""
    return title.endswith(TREND_TITLE_SUFFIX) or any(title.startswith(stem) for stem in CHART_TITLE_STEMS.values())


def trend_chart_key(kpi_id: str) -> str:
    """The stable key of a KPI's trend chart."""
    return f"{TREND_CHART_PREFIX}{kpi_id}"


def plan_charts(
    rows: Mapping[tuple[str, str], int],
    names: Mapping[str, str],
    weeks: Sequence[date],
    latest_complete: int | None,
    *,
    funnel_week: date | None,
    as_of: date,
    headline_kpis: Sequence[str] = (),
    headline_channels: Sequence[str] = (TOTAL_CHANNEL,),
    value_formats: Mapping[str, str] | None = None,
) -> list[ChartSpec]:
    """Plan the funnel and the trend charts (none without a complete week).

    Args:
        rows: ``{(kpi_id, channel): Tracker row}`` of the current KPI versions.
        names: ``{kpi_id: name}``.
        weeks: The Tracker's weeks, left to right.
        latest_complete: Index of the latest complete week, ``None`` when no week is complete.
        funnel_week: The most recent matured cohort week (``None``: no funnel chart).
        as_of: The run's as-of date (in the funnel's title).
        headline_kpis: KPIs to chart as trends, in order (those without an All row are skipped).
        headline_channels: The slices of each trend.
        value_formats: ``{kpi_id: number format}`` of each trend's value axis.
    """
    if latest_complete is None:
        return []
    charts: list[ChartSpec] = []
    if funnel_week is not None and funnel_week in weeks:
        col = FIRST_WEEK_COLUMN + list(weeks).index(funnel_week)
        stages = tuple(
            ChartSeries(names[kpi], rows[(kpi, TOTAL_CHANNEL)], col, col)
            for kpi in FUNNEL_KPIS
            if (kpi, TOTAL_CHANNEL) in rows
        )
        if stages:
            charts.append(
                ChartSpec(
                    chart_id_key=FUNNEL_CHART,
                    title=(
                        f"{CHART_TITLE_STEMS[FUNNEL_CHART]}: contacts created the week of {funnel_week.isoformat()} "
                        f"(All), as of {as_of.isoformat()}"
                    ),
                    kind="bar",
                    anchor_row=ANCHOR_ROW,
                    anchor_col=ANCHOR_COL,
                    categories_row=0,
                    categories_first_col=col,
                    categories_last_col=col,
                    series=stages,
                    width_px=FUNNEL_SIZE[0],
                    height_px=FUNNEL_SIZE[1],
                    left_axis_title="Contacts",
                    data_labels=True,
                )
            )
    # Up to the latest complete week: a week in progress would end every line in a cliff.
    last = FIRST_WEEK_COLUMN + latest_complete
    first = max(FIRST_WEEK_COLUMN, last - TREND_WEEKS + 1)
    top = FUNNEL_SIZE[1] + GAP_PX
    trends = [kpi for kpi in headline_kpis if (kpi, TOTAL_CHANNEL) in rows]
    for index, kpi in enumerate(trends):
        series = tuple(
            ChartSeries(channel, rows[(kpi, channel)], first, last)
            for channel in headline_channels
            if (kpi, channel) in rows
        )
        row_of_grid, col_of_grid = divmod(index, TRENDS_PER_ROW)
        charts.append(
            ChartSpec(
                chart_id_key=trend_chart_key(kpi),
                title=f"{names[kpi]}{TREND_TITLE_SUFFIX}",
                kind="line",
                anchor_row=ANCHOR_ROW,
                anchor_col=ANCHOR_COL,
                offset_x_px=col_of_grid * (TREND_SIZE[0] + GAP_PX),
                offset_y_px=top + row_of_grid * (TREND_SIZE[1] + GAP_PX),
                categories_row=0,
                categories_first_col=first,
                categories_last_col=last,
                series=series,
                width_px=TREND_SIZE[0],
                height_px=TREND_SIZE[1],
                title_size_pt=11,
                value_format=(value_formats or {}).get(kpi),
                label_every=TREND_LABEL_EVERY,
            )
        )
    return charts
