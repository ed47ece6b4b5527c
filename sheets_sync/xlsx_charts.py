"""The xlsx writer's Charts tab: the pipeline's two charts rebuilt as openpyxl charts over Tracker cells.

Called by :meth:`~sheets_sync.xlsx_writer.XlsxTracker.write` with the :class:`~sheets_sync.charts.ChartSpec`
list of the presentation. openpyxl cannot reliably edit a chart it loaded, so the pipeline's charts
(recognised by their title or their anchor cell) are removed and drawn again; other charts are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.charts import CHART_TITLE_STEMS, ChartSpec
from sheets_sync.tabs import CHARTS_TAB
from sheets_sync.xlsx_cells import EXAMPLE_FONT

_CHARTS_TITLE_FONT = Font(bold=True, size=14)
_CM_PER_PX = 2.54 / 96


def write_charts(wb: Workbook, tracker: Worksheet, charts: Sequence[ChartSpec]) -> None:
    """Create the Charts tab once, then replace the pipeline's charts on it with ``charts``."""
    if CHARTS_TAB in wb.sheetnames:
        ws = wb[CHARTS_TAB]
    else:
        ws = wb.create_sheet(CHARTS_TAB)
        ws["A1"] = "Charts"
        ws["A1"].font = _CHARTS_TITLE_FONT
        ws["A2"] = (
            "Rebuilt from the Tracker on every run (All channels, current KPI versions). "
            "Add your own charts or notes to the right of or below these two; they are kept."
        )
        ws["A2"].font = EXAMPLE_FONT
        ws.column_dimensions["A"].width = 3
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ours = {(chart.anchor_row, chart.anchor_col) for chart in charts}
    # openpyxl keeps a sheet's charts in a private list and has no API to remove one.
    ws._charts = [chart for chart in ws._charts if not _is_pipeline_chart(chart, ours)]
    for spec in charts:
        ws.add_chart(_xlsx_chart(spec, tracker), f"{get_column_letter(spec.anchor_col + 1)}{spec.anchor_row + 1}")


def _is_pipeline_chart(chart: Any, anchors: set[tuple[int, int]]) -> bool:
    """Whether a chart on the Charts tab is one the pipeline drew (its title stem or its anchor cell)."""
    title = _chart_title(chart)
    if any(title.startswith(stem) for stem in CHART_TITLE_STEMS.values()):
        return True
    marker = getattr(getattr(chart, "anchor", None), "_from", None)
    return marker is not None and (marker.row, marker.col) in anchors


def _chart_title(chart: Any) -> str:
    """The plain text of a chart's title ('' when it has none or it is not rich text)."""
    try:
        paragraphs = chart.title.tx.rich.p
    except AttributeError:
        return ""
    return "".join(run.t or "" for paragraph in paragraphs for run in (paragraph.r or []))


def _series(values: Reference, label: str, categories: Reference) -> Any:
    series = Series(values, title=label)
    # The week headers are text: a string reference (``set_categories`` would declare numbers, which
    # Excel may show as 1, 2, 3 instead of the dates).
    series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
    # openpyxl smooths line series by default; a weekly KPI is a polyline, a curve would invent values.
    series.smooth = False
    return series


def _xlsx_chart(spec: ChartSpec, tracker: Worksheet) -> BarChart | LineChart:
    """An openpyxl chart whose categories and series are References to the Tracker cells of ``spec``."""

    def reference(row: int, first_col: int, last_col: int) -> Reference:
        return Reference(tracker, min_col=first_col + 1, max_col=last_col + 1, min_row=row + 1, max_row=row + 1)

    def new_chart() -> BarChart | LineChart:
        if spec.kind == "bar":
            bar = BarChart()
            bar.type = "col"
            bar.grouping = "clustered"
            bar.gapWidth = 40
            return bar
        return LineChart()

    categories = reference(spec.categories_row, spec.categories_first_col, spec.categories_last_col)
    chart = new_chart()
    chart.title = spec.title
    chart.width = spec.width_px * _CM_PER_PX
    chart.height = spec.height_px * _CM_PER_PX
    chart.legend.position = "b"
    # openpyxl 3.1 marks axes deleted unless told otherwise; Excel then draws a chart without scales.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.title = spec.left_axis_title or None
    right = [series for series in spec.series if series.axis == "right"]
    for series in spec.series:
        if series.axis == "right":
            continue
        chart.series.append(_series(reference(series.row, series.first_col, series.last_col), series.label, categories))
    if spec.data_labels:
        # Only the value: LibreOffice reads unset flags as "show", which prints series and category names too.
        chart.dataLabels = DataLabelList(
            showVal=True, showSerName=False, showCatName=False, showLegendKey=False, showPercent=False
        )
    if right:
        secondary = new_chart()
        for series in right:
            secondary.series.append(
                _series(reference(series.row, series.first_col, series.last_col), series.label, categories)
            )
        secondary.y_axis.axId = 200
        secondary.y_axis.title = spec.right_axis_title
        secondary.y_axis.crosses = "max"
        secondary.y_axis.delete = False
        secondary.y_axis.majorGridlines = None
        chart += secondary
    chart.layout = Layout(manualLayout=ManualLayout(x=0.02, y=0.1, w=0.94, h=0.72))
    return chart
