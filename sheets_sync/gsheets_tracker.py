"""The Google Sheet writer's Tracker presentation: formats, colours, notes, widths, row groups and charts.

Adds to a :class:`~sheets_sync.gsheets_plan.Plan` the requests that apply a
:class:`~sheets_sync.presentation.Presentation`: one ``updateCells`` of formats over the whole tab, one of
notes, ``updateDimensionProperties`` for widths, ``delete``/``add``/``updateDimensionGroup`` so the channel
rows sit collapsed under their group's row, and ``addChart``/``updateChartSpec``/``deleteEmbeddedObject``
for the Charts tab. Chart ids derive from each chart's key, so a rerun updates a chart in place (keeping
where the owner moved it) instead of adding another.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from sheets_sync.charts import FUNNEL_CHART, RETIRED_CHART_KEYS, ChartSpec, trend_chart_key
from sheets_sync.formats import CHANNEL_TEXT, SECTION_BACKGROUND, rgb_fraction
from sheets_sync.gsheets_plan import Plan
from sheets_sync.notes import carry_notes
from sheets_sync.presentation import Presentation
from sheets_sync.tabs import CHARTS_TAB, TRACKER_TAB
from sheets_sync.update import TrackerUpdate

OUR_NOTE_PREFIX = "first reported"


def chart_id(key: str) -> int:
    """A stable chartId for one of our charts (kept across runs, so the chart is updated, not duplicated)."""
    return 700_000_000 + zlib.crc32(key.encode()) % 100_000_000


def _text_format(*, bold: bool = False, italic: bool = False, color: str | None = None) -> dict[str, Any]:
    text: dict[str, Any] = {}
    if bold:
        text["bold"] = True
    if italic:
        text["italic"] = True
    if color:
        text["foregroundColor"] = rgb_fraction(color)
    return text


def present_tracker(
    plan: Plan, update: TrackerUpdate, presentation: Presentation, kpi_ids: Iterable[str], extent: int
) -> None:
    """Formats, colours, notes, widths, row groups and charts of the Tracker (and the Charts tab).

    Only the pipeline's block is touched: the owner's cells right of the weeks and below the Tracker keep
    their formats and notes (the reshape, :mod:`sheets_sync.gsheets_reshape`, already moved them and deleted
    the old row groups).

    Args:
        plan: The write's batch.
        update: The update whose Tracker the plan writes.
        presentation: How it looks.
        kpi_ids: Every KPI id known (trend charts of KPIs no longer on the Scorecard are removed).
        extent: Rows of the block after the reshape (the Tracker plus rows that left it, to be cleared).
    """
    tracker = plan.ids[TRACKER_TAB]
    width = max((len(row) for row in update.tracker), default=0)
    plan.freeze(TRACKER_TAB, rows=presentation.frozen_rows, columns=presentation.frozen_columns)
    header = presentation.header_format
    plan.requests.append(
        {
            "repeatCell": {
                "range": {"sheetId": tracker, "startRowIndex": 0, "endRowIndex": 1, "endColumnIndex": width},
                "cell": {
                    "userEnteredFormat": {
                        "textFormat": {"bold": header.bold},
                        "backgroundColor": rgb_fraction(header.background_hex),
                    }
                },
                "fields": "userEnteredFormat(textFormat.bold,backgroundColor)",
            }
        }
    )
    _cell_formats(plan, update, presentation, width, extent)
    _notes(plan, update, presentation, tracker, extent)
    for column, pixels in enumerate(presentation.column_widths):
        plan.dimension_size(TRACKER_TAB, "COLUMNS", column, pixels)
    _row_groups(plan, presentation, tracker)
    planned = {chart_id(spec.chart_id_key) for spec in presentation.charts}
    ours = {chart_id(key) for key in (FUNNEL_CHART, *RETIRED_CHART_KEYS, *(trend_chart_key(k) for k in kpi_ids))}
    for stale in sorted((plan.state.chart_ids & ours) - planned):
        plan.requests.append({"deleteEmbeddedObject": {"objectId": stale}})
    for spec in presentation.charts:
        _chart(plan, spec, tracker)


def _cell_formats(plan: Plan, update: TrackerUpdate, presentation: Presentation, width: int, extent: int) -> None:
    """Formats of every Tracker cell below the header; cells of the previous block beyond the new one (rows
    that left it, or the earlier layout's four extra columns) are cleared too."""
    old_width = update.origin.old_width
    fills = {(fill.row, fill.col): fill.color_hex for fill in presentation.fills}
    units = dict(presentation.row_units)
    sections, blocks, muted = set(presentation.section_rows), set(presentation.block_rows), set(presentation.muted)
    rows = []
    for r, (values, meta) in enumerate(zip(update.tracker[1:], update.tracker_rows, strict=True), start=1):
        cells: list[dict[str, Any]] = []
        for c in range(max(width, old_width)):
            fmt: dict[str, Any] = {}
            value = values[c] if c < len(values) else None
            if r in sections:
                fmt = {"backgroundColor": rgb_fraction(SECTION_BACKGROUND), "textFormat": _text_format(bold=True)}
            elif c < presentation.first_week_col:
                text = _text_format(bold=c == 0 and r in blocks, color=CHANNEL_TEXT if c == 1 and meta.level else None)
                if text:
                    fmt["textFormat"] = text
            else:
                number_format = presentation.number_format(units[r], value) if r in units else None
                if number_format is not None:
                    fmt["numberFormat"] = {"type": number_format[0], "pattern": number_format[1]}
                if (r, c) in fills:
                    fmt["backgroundColor"] = rgb_fraction(fills[(r, c)])
                elif (r, c) in muted:
                    fmt["textFormat"] = _text_format(italic=True, color=CHANNEL_TEXT)
            cells.append({"userEnteredFormat": fmt} if fmt and c < width else {})
        rows.append({"values": cells})
    rows += [{"values": [{} for _ in range(max(width, old_width))]} for _ in range(len(update.tracker), extent)]
    if rows and width:
        plan.requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": plan.ids[TRACKER_TAB], "rowIndex": 1, "columnIndex": 0},
                    "rows": rows,
                    "fields": "userEnteredFormat(numberFormat,backgroundColor,textFormat)",
                }
            }
        )


def _notes(plan: Plan, update: TrackerUpdate, presentation: Presentation, tracker_id: int, extent: int) -> None:
    """Every note of the Tracker's block, moved with its row and week when rows or weeks were inserted.

    A note the owner typed stays (it is never overwritten by ours); our restatement notes are added. Notes
    outside the block are the owner's and were moved by the reshape.
    """
    old_grid = plan.state.grids.get(TRACKER_TAB, [])
    origin = update.origin
    block_notes = {
        (row, col): text
        for (row, col), text in plan.state.notes.items()
        if row < origin.old_height and col < origin.old_width
    }
    carried = {(n.row, n.col): n.text for n in carry_notes(old_grid, block_notes, update)}
    final = dict(carried)
    for note in presentation.notes:
        existing = carried.get((note.row, note.col))
        if existing and not existing.startswith(OUR_NOTE_PREFIX):
            continue
        final[(note.row, note.col)] = note.text
    if not final and not block_notes:
        return
    height = extent
    width = max([len(row) for row in update.tracker] + [origin.old_width])
    rows = [
        {"values": [{"note": final[(r, c)]} if (r, c) in final else {} for c in range(width)]} for r in range(height)
    ]
    plan.requests.append(
        {
            "updateCells": {
                "start": {"sheetId": tracker_id, "rowIndex": 0, "columnIndex": 0},
                "rows": rows,
                "fields": "note",
            }
        }
    )


def _row_groups(plan: Plan, presentation: Presentation, tracker_id: int) -> None:
    """Add the Tracker's row groups, collapsed (the reshape deleted the old ones: rows move between runs)."""
    # The +/- of a group sits on the row above it: the group's own row (Inbound, Outbound).
    plan.requests.append(
        {
            "updateSheetProperties": {
                "properties": {"sheetId": tracker_id, "gridProperties": {"rowGroupControlAfter": False}},
                "fields": "gridProperties.rowGroupControlAfter",
            }
        }
    )
    for group in presentation.row_groups:
        rng = {
            "sheetId": tracker_id,
            "dimension": "ROWS",
            "startIndex": group.first_row,
            "endIndex": group.last_row + 1,
        }
        plan.requests.append({"addDimensionGroup": {"range": rng}})
        if group.collapsed:
            plan.requests.append(
                {
                    "updateDimensionGroup": {
                        "dimensionGroup": {"range": rng, "depth": group.depth, "collapsed": True},
                        "fields": "collapsed",
                    }
                }
            )


def _chart(plan: Plan, spec: ChartSpec, tracker_id: int) -> None:
    axes: list[dict[str, Any]] = [{"position": "BOTTOM_AXIS", "title": ""}]
    axes.append({"position": "LEFT_AXIS", "title": spec.left_axis_title})
    if spec.right_axis_title:
        axes.append({"position": "RIGHT_AXIS", "title": spec.right_axis_title})
    chart = {
        "title": spec.title,
        "titleTextFormat": {"fontSize": spec.title_size_pt, "bold": True},
        "basicChart": {
            "chartType": "COLUMN" if spec.kind == "bar" else "LINE",
            "legendPosition": "BOTTOM_LEGEND",
            "headerCount": 0,
            "axis": axes,
            "domains": [{"domain": {"sourceRange": {"sources": [spec.categories_grid_range(tracker_id)]}}}],
            "series": [
                {
                    "series": {"sourceRange": {"sources": [series.grid_range(tracker_id)]}},
                    "targetAxis": "RIGHT_AXIS" if series.axis == "right" else "LEFT_AXIS",
                    **({"dataLabel": {"type": "DATA"}} if spec.data_labels else {}),
                }
                for series in spec.series
            ],
        },
    }
    identifier = chart_id(spec.chart_id_key)
    if identifier in plan.state.chart_ids:
        plan.requests.append({"updateChartSpec": {"chartId": identifier, "spec": chart}})
        return
    anchor = {"sheetId": plan.ids[CHARTS_TAB], "rowIndex": spec.anchor_row, "columnIndex": spec.anchor_col}
    position = {
        "overlayPosition": {
            "anchorCell": anchor,
            "offsetXPixels": spec.offset_x_px,
            "offsetYPixels": spec.offset_y_px,
            "widthPixels": spec.width_px,
            "heightPixels": spec.height_px,
        }
    }
    plan.requests.append({"addChart": {"chart": {"chartId": identifier, "spec": chart, "position": position}}})
