"""The xlsx writer's Charts tab: the pipeline's charts rebuilt as openpyxl charts over Tracker cells.

Called by :meth:`~sheets_sync.xlsx_writer.XlsxTracker.write` with the :class:`~sheets_sync.charts.ChartSpec`
list of the presentation. openpyxl cannot reliably edit a chart it loaded, so the pipeline's charts
(recognised by their title or their anchor cell) are removed and drawn again; other charts are kept. Each
chart's pixel offset from its anchor cell becomes a cell and an offset inside it, from the tab's column
widths and the default row height, because spreadsheet apps clamp offsets larger than a cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, NumFmt, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.charts import ChartSpec, is_pipeline_chart_title
from sheets_sync.tabs import CHARTS_TAB
from sheets_sync.xlsx_cells import EXAMPLE_FONT

_CHARTS_TITLE_FONT = Font(bold=True, size=14)
_CM_PER_PX = 2.54 / 96
_ROW_PX = 20  # the default row height, 15 pt
_DEFAULT_COLUMN_CHARS = 8.43


def write_charts(wb: Workbook, tracker: Worksheet, charts: Sequence[ChartSpec]) -> None:
    """Create the Charts tab once, then replace the pipeline's charts on it with ``charts``."""
    if CHARTS_TAB in wb.sheetnames:
        ws = wb[CHARTS_TAB]
    else:
        ws = wb.create_sheet(CHARTS_TAB)
        ws["A1"] = "Charts"
        ws["A1"].font = _CHARTS_TITLE_FONT
        ws["A2"] = (
            "Rebuilt from the Tracker on every run (current KPI versions): the cohort funnel of the most recent "
            "matured cohort and the weekly trend of each Scorecard KPI. Your own charts and notes are kept."
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
        ws.add_chart(_xlsx_chart(spec, tracker), _anchor(ws, spec))


def _anchor(ws: Worksheet, spec: ChartSpec) -> OneCellAnchor:
    """The chart's top-left corner as a cell plus an offset within it, and its size."""
    col, x = spec.anchor_col, spec.offset_x_px
    while x >= (width := _column_px(ws, col)):
        x -= width
        col += 1
    row, y = spec.anchor_row + spec.offset_y_px // _ROW_PX, spec.offset_y_px % _ROW_PX
    marker = AnchorMarker(col=col, colOff=pixels_to_EMU(x), row=row, rowOff=pixels_to_EMU(y))
    return OneCellAnchor(
        _from=marker, ext=XDRPositiveSize2D(pixels_to_EMU(spec.width_px), pixels_to_EMU(spec.height_px))
    )


def _column_px(ws: Worksheet, col: int) -> int:
    letter = get_column_letter(col + 1)
    width = ws.column_dimensions[letter].width if letter in ws.column_dimensions else None
    # Excel's width unit is characters of the default font: 7 px each plus 5 px of padding.
    return round((width or _DEFAULT_COLUMN_CHARS) * 7 + 5)


def _is_pipeline_chart(chart: Any, anchors: set[tuple[int, int]]) -> bool:
    """Whether a chart on the Charts tab is one the pipeline drew (its title stem or its anchor cell)."""
    if is_pipeline_chart_title(_chart_title(chart)):
        return True
    marker = getattr(getattr(chart, "anchor", None), "_from", None)
    return marker is not None and (marker.row, marker.col) in anchors


def _title(text: str, size_pt: int) -> Title:
    """A chart title in bold at ``size_pt`` (openpyxl's default title is too large for a small chart)."""
    font = CharacterProperties(sz=size_pt * 100, b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=font), r=[RegularTextRun(rPr=font, t=text)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


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
    chart.title = _title(spec.title, spec.title_size_pt)
    chart.width = spec.width_px * _CM_PER_PX
    chart.height = spec.height_px * _CM_PER_PX
    chart.legend.position = "b"
    # openpyxl 3.1 marks axes deleted unless told otherwise; Excel then draws a chart without scales.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.title = spec.left_axis_title or None
    if spec.value_format is not None:
        chart.y_axis.numFmt = NumFmt(formatCode=spec.value_format, sourceLinked=False)
    if spec.label_every > 1:
        chart.x_axis.tickLblSkip = spec.label_every
        chart.x_axis.tickMarkSkip = spec.label_every
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
