"""Local ``.xlsx`` tracker: reads and writes the tracker workbook with openpyxl.

The workbook is updated in place: every tab the pipeline does not own (the owner's Targets and Costs, and
any sheet the team added) is loaded and saved back untouched. Tracker and Definitions (and Insights, when the
run passed insights) are rewritten from the model's grids, Snapshots only gets rows appended. The new file is
written next to the old one and swapped in with ``os.replace``, so a crash mid-save never leaves a
half-written workbook.

Presentation (colours against targets, restatement comments, number formats, widths, frozen panes and the
Charts tab) follows a :class:`~sheets_sync.presentation.Presentation`, the same plan the Google Sheet writer
applies, so both trackers look alike. The Charts tab is created once; on every write the two pipeline charts
on it (recognised by their title or their anchor cell) are removed and rebuilt against the current Tracker
rows and week columns, because openpyxl cannot reliably edit a chart it loaded. Anything else the owner put
on the Charts tab (cells, other charts) is kept, with openpyxl's usual limits on what it round-trips.

Speed: a 3-year tracker (156 weeks × ~400 Tracker rows, ~100k Snapshots rows) is dominated by openpyxl
parsing and serialising the Snapshots tab's XML, which this module cannot change. What it controls is kept
lean: rows go in with ``Worksheet.append`` (no per-cell coordinate lookups), styles are shared instances
assigned once per cell, and the last used row is found from the bottom instead of by scanning every cell.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.cells import Cell, Grid
from sheets_sync.charts import CHART_TITLE_STEMS, ChartSpec
from sheets_sync.formats import unit_number_format
from sheets_sync.notes import CellNote, carry_notes, merge_notes
from sheets_sync.owner_tabs import OwnerTabError, empty_targets, parse_costs, parse_targets
from sheets_sync.presentation import Presentation, build_presentation
from sheets_sync.tabs import (
    CHARTS_TAB,
    COSTS_TAB,
    COSTS_TEMPLATE,
    DEFINITIONS_TAB,
    INSIGHTS_TAB,
    SNAPSHOTS_HEADER,
    SNAPSHOTS_TAB,
    TARGETS_TAB,
    TARGETS_TEMPLATE,
    TRACKER_TAB,
    WORKBOOK_TAB_ORDER,
    StaleUpdateError,
    TabGrids,
)
from sheets_sync.update import TrackerUpdate

# Leading characters that make Excel/LibreOffice treat typed text as a formula (OWASP formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Style objects are created once and shared: openpyxl interns them per workbook, so reusing one instance
# keeps the per-cell cost to a lookup.
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="FFE8EAED")
_SECTION_BORDER = Border(top=Side(style="thin", color="FF9AA0A6"))
_EXAMPLE_FONT = Font(italic=True, color="FF80868B")
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_INSIGHTS_WIDTHS = {1: 12, 2: 14, 3: 24, 4: 90, 5: 12, 6: 26, 7: 22}
_INSIGHTS_DETAIL_COLUMN = 4
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
COMMENT_AUTHOR = "Funnel Ledger"
_CHARTS_TITLE_FONT = Font(bold=True, size=14)
_CM_PER_PX = 2.54 / 96


def number_formats(currency: str) -> dict[str, str]:
    """Return the Excel number format of each KPI unit.

    Args:
        currency: ISO 4217 code shown with currency values, e.g. ``"USD"``.
    """
    units = ("count", "currency", "ratio", "days", "seconds", "currency_per_day")
    return {unit: pattern for unit in units if (pattern := unit_number_format(unit, currency)) is not None}


def excel_width(pixels: int) -> float:
    """Convert a column width in pixels to Excel's width unit (characters of the default font)."""
    # Excel adds 5 px of padding to ``width × 7 px`` (Calibri 11, the default font's digit width).
    return round(max(pixels - 5, 0) / 7, 2)


def _argb(color_hex: str) -> str:
    return "FF" + color_hex.lstrip("#").upper()


@dataclass(frozen=True)
class WriteResult:
    """What :meth:`XlsxTracker.write` did.

    Attributes:
        path: The workbook written.
        tracker_rows: Data rows on the Tracker.
        week_columns: Week columns on the Tracker.
        snapshot_rows_appended: Rows appended to Snapshots (header excluded).
        created_tabs: Tabs that did not exist before, in creation order.
    """

    path: Path
    tracker_rows: int
    week_columns: int
    snapshot_rows_appended: int
    created_tabs: list[str]


def _read_cell(value: Any) -> Cell:
    """Turn an openpyxl value into a model cell (dates become ``YYYY-MM-DD`` text)."""
    if value is None or isinstance(value, str | float) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _grid(rows: Any) -> Grid:
    """Collect ``iter_rows(values_only=True)`` output, trimming trailing empty cells and rows."""
    grid: Grid = []
    last = 0
    for raw in rows:
        row = [_read_cell(value) for value in raw]
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
        grid.append(row)
        if row:
            last = len(grid)
    return grid[:last]


def _with_uncomputed_formulas(values: Grid, formulas: Grid) -> Grid:
    """Fill cells that have no cached value with their formula text."""
    merged: Grid = []
    for index in range(max(len(values), len(formulas))):
        row = list(values[index]) if index < len(values) else []
        raw = formulas[index] if index < len(formulas) else []
        row.extend([None] * (len(raw) - len(row)))
        for column, formula in enumerate(raw):
            if row[column] is None and isinstance(formula, str) and formula.startswith("="):
                row[column] = formula
        merged.append(row)
    return merged


def _last_used_row(ws: Worksheet) -> int:
    """1-based index of the last row holding a value (0 for an empty sheet).

    Scans upwards from the bottom: on an append-only tab the last row is almost always used, so this reads
    one row instead of every cell of a 100k-row tab.
    """
    bottom, width = ws.max_row, ws.max_column
    for index in range(bottom, 0, -1):
        for row in ws.iter_rows(min_row=index, max_row=index, min_col=1, max_col=width, values_only=True):
            if any(value is not None and value != "" for value in row):
                return index
    return 0


def _clean(value: Cell) -> Cell:
    """Make a model cell storable: illegal XML characters dropped from text, NaN/inf numbers empty."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _needs_text_cell(text: str) -> bool:
    # Text openpyxl would not store as plain text on its own ("=..." formulas, "#N/A" errors), and text
    # that needs the quote prefix.
    return text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES


def _store_text(cell: XlCell, text: str) -> None:
    """Put ``text`` in ``cell`` as text, never as a formula or an error value."""
    cell.value = text
    # openpyxl turns any "=..." string into a formula and "#N/A" into an error: force the string type, and
    # mark risky text with Excel's quote prefix so editing the cell in Excel does not evaluate it either.
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def _text_cell(ws: Worksheet, text: str) -> XlCell:
    """A detached cell (placed by ``Worksheet.append``) holding ``text`` as text."""
    cell = XlCell(ws)
    _store_text(cell, text)
    return cell


def _row_items(ws: Worksheet, row: Sequence[Cell]) -> list[Any]:
    """Values ready for ``Worksheet.append``: plain values where safe, text cells where openpyxl would guess.

    Plain values are the fast path (openpyxl infers the type); only risky text needs a cell object.
    """
    items: list[Any] = []
    for raw in row:
        value = _clean(raw)
        if isinstance(value, str) and _needs_text_cell(value):
            items.append(_text_cell(ws, value))
        else:
            items.append(value)
    return items


def _styled_row(
    ws: Worksheet,
    row: Sequence[Cell],
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    border: Border | None = None,
    alignment: Alignment | None = None,
    number_format: str | None = None,
    number_format_from: int = 0,
    alignments: dict[int, Alignment] | None = None,
    fills: dict[int, PatternFill] | None = None,
) -> list[XlCell]:
    """Cells of one row with shared style instances applied (0-based ``number_format_from`` and keys)."""
    cells: list[XlCell] = []
    for index, raw in enumerate(row):
        value = _clean(raw)
        cell = _text_cell(ws, value) if isinstance(value, str) else XlCell(ws, value=value)
        if font is not None:
            cell.font = font
        chosen_fill = fills.get(index, fill) if fills else fill
        if chosen_fill is not None:
            cell.fill = chosen_fill
        if border is not None:
            cell.border = border
        chosen = alignments.get(index, alignment) if alignments else alignment
        if chosen is not None:
            cell.alignment = chosen
        if number_format is not None and index >= number_format_from:
            cell.number_format = number_format
        cells.append(cell)
    return cells


def _set(ws: Worksheet, row: int, column: int, value: Cell) -> None:
    """Write one cell at a given position; text is always stored as text, never as a formula.

    The slow path, for appending below rows that are not the sheet's last (see ``_append_snapshots``).
    """
    cell = ws.cell(row=row, column=column)
    value = _clean(value)
    if isinstance(value, str):
        _store_text(cell, value)
    else:
        cell.value = value


def _write_header(ws: Worksheet, header: Sequence[Cell]) -> None:
    """Append the bold, shaded header row (the sheet must be empty)."""
    ws.append(_styled_row(ws, header, font=_HEADER_FONT, fill=_HEADER_FILL))


def _set_widths(ws: Worksheet, grid: Sequence[Sequence[Cell]], *, minimum: int = 8, maximum: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in grid:
        for column, value in enumerate(row, start=1):
            length = len(str(value)) if value is not None else 0
            widths[column] = max(widths.get(column, 0), length)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(max(width + 2, minimum), maximum)


class XlsxTracker:
    """The tracker as a local Excel workbook with the same tabs as the Google Sheet.

    Args:
        path: Workbook path; it need not exist yet (the parent directory must).
        currency: Reporting currency code shown in currency number formats.
    """

    def __init__(self, path: Path, *, currency: str = "USD") -> None:
        if not _CURRENCY_CODE.match(currency):
            raise ValueError(f"currency must be a 3-letter ISO code such as 'USD', got {currency!r}")
        self.path = Path(path)
        self.currency = currency

    # ---------------------------------------------------------------------------------------------- reads

    def _read_grids(self, titles: Sequence[str], *, data_only: bool) -> dict[str, Grid]:
        if not self.path.exists():
            return {title: [] for title in titles}
        wb = openpyxl.load_workbook(self.path, read_only=True, data_only=data_only)
        try:
            return {
                title: _grid(wb[title].iter_rows(values_only=True)) if title in wb.sheetnames else []
                for title in titles
            }
        finally:
            wb.close()

    def read_tabs(self) -> TabGrids:
        """Read the pipeline tabs (Tracker, Snapshots, Definitions, Insights); a missing workbook reads as empty.

        Returns:
            The tabs' cells, header rows included; dates typed into cells come back as ``YYYY-MM-DD``.
        """
        grids = self._read_grids((TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB), data_only=True)
        return TabGrids(
            tracker=grids[TRACKER_TAB],
            snapshots=grids[SNAPSHOTS_TAB],
            definitions=grids[DEFINITIONS_TAB],
            insights=grids[INSIGHTS_TAB],
        )

    def read_owner_tabs(self, known_kpi_ids: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Read and validate the owner's Targets and Costs tabs.

        Args:
            known_kpi_ids: When given, Targets rows naming another kpi_id are errors.

        Returns:
            ``(targets, costs)`` as parsed by :func:`~sheets_sync.update.parse_targets` and
            :func:`~sheets_sync.update.parse_costs`; empty frames when a tab or the workbook is missing.

        Raises:
            OwnerTabError: A tab has invalid rows (the message names tab, row and column).
        """
        titles = (TARGETS_TAB, COSTS_TAB)
        values = self._read_grids(titles, data_only=True)
        formulas = self._read_grids(titles, data_only=False)
        # A formula saved by a tool that does not compute it (openpyxl included) has no cached value; show
        # the formula so the parse error explains itself instead of calling the cell empty.
        merged = {title: _with_uncomputed_formulas(values[title], formulas[title]) for title in titles}
        return parse_targets(merged[TARGETS_TAB], known_kpi_ids), parse_costs(merged[COSTS_TAB])

    # --------------------------------------------------------------------------------------------- write

    def write(self, update: TrackerUpdate, presentation: Presentation | None = None) -> WriteResult:
        """Apply a :class:`~sheets_sync.update.TrackerUpdate` to the workbook, atomically.

        Tabs the pipeline does not own are left as they are; missing Targets and Costs tabs are created
        once with a header and an example row. The Insights tab is rewritten only when the update carries
        insights (``update.insights_replaced``); otherwise it is left as it is, or not created. The Charts
        tab is created once when the Tracker has rows to chart; its two pipeline charts are rebuilt on every
        write. Comments already on Tracker cells follow their cells to their new positions.

        Args:
            update: The update computed by :func:`~sheets_sync.update.build_update` from :meth:`read_tabs`.
            presentation: How to present the Tracker (:func:`~sheets_sync.presentation.build_presentation`
                for this update). ``None`` builds it from the workbook's own Targets tab (no colours when the
                tab is missing or invalid) and this tracker's currency.

        Returns:
            What was written.

        Raises:
            StaleUpdateError: Snapshots changed since the update was computed (another run wrote).
        """
        if self.path.exists():
            wb = openpyxl.load_workbook(self.path)
            active_title: str | None = wb.active.title if wb.active is not None else None
        else:
            wb = Workbook()
            wb.remove(wb.active)
            active_title = TRACKER_TAB

        snapshots = wb[SNAPSHOTS_TAB] if SNAPSHOTS_TAB in wb.sheetnames else None
        existing_rows = _last_used_row(snapshots) if snapshots is not None else 0
        if existing_rows != update.snapshots_existing_rows:
            raise StaleUpdateError(
                f"{self.path}: the {SNAPSHOTS_TAB} tab has {existing_rows} rows but the update was computed "
                f"from {update.snapshots_existing_rows}; re-read the workbook and rebuild the update"
            )
        if presentation is None:
            presentation = build_presentation(update, self._workbook_targets(wb), currency=self.currency)
        kept_notes = self._existing_notes(wb, update)

        written = [TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, TARGETS_TAB, COSTS_TAB]
        if update.insights_replaced:
            written.append(INSIGHTS_TAB)
        if presentation.charts:
            written.append(CHARTS_TAB)
        created = [title for title in WORKBOOK_TAB_ORDER if title in written and title not in wb.sheetnames]

        tracker = self._replace_sheet(wb, TRACKER_TAB)
        self._write_tracker(tracker, update, presentation, merge_notes(kept_notes, presentation.notes))
        self._write_definitions(self._replace_sheet(wb, DEFINITIONS_TAB), update.definitions)
        if update.insights_replaced:
            self._write_insights(self._replace_sheet(wb, INSIGHTS_TAB), update.insights)
        new_snapshots = snapshots is None
        if snapshots is None:
            snapshots = wb.create_sheet(SNAPSHOTS_TAB)
        self._append_snapshots(snapshots, update, existing_rows, fresh=new_snapshots)
        for title, template in ((TARGETS_TAB, TARGETS_TEMPLATE), (COSTS_TAB, COSTS_TEMPLATE)):
            if title not in wb.sheetnames:
                self._create_owner_tab(wb.create_sheet(title), template)
        if presentation.charts or CHARTS_TAB in wb.sheetnames:
            self._write_charts(wb, tracker, presentation.charts)

        self._order_tabs(wb, active_title)
        # openpyxl saves formulas of untouched tabs without cached values: ask Excel/LibreOffice to
        # recompute on open so those tabs keep showing numbers.
        wb.calculation.fullCalcOnLoad = True
        self._save_atomically(wb)
        return WriteResult(
            path=self.path,
            tracker_rows=len(update.tracker) - 1,
            week_columns=len(update.weeks),
            snapshot_rows_appended=len(update.snapshots_append),
            created_tabs=created,
        )

    @staticmethod
    def _workbook_targets(wb: Workbook) -> pd.DataFrame:
        """The Targets tab of the loaded workbook, or no targets when it is missing or invalid.

        Colours are a courtesy: an owner's typo must not fail the write (the KPI run reports it already).
        """
        if TARGETS_TAB not in wb.sheetnames:
            return empty_targets()
        grid = _grid(wb[TARGETS_TAB].iter_rows(values_only=True))
        try:
            return parse_targets(grid)
        except OwnerTabError:
            return empty_targets()

    @staticmethod
    def _existing_notes(wb: Workbook, update: TrackerUpdate) -> list[CellNote]:
        """Comments on the current Tracker, moved to their cells' positions on the new one."""
        if TRACKER_TAB not in wb.sheetnames:
            return []
        ws = wb[TRACKER_TAB]
        notes: dict[tuple[int, int], tuple[str, str | None]] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    author = cell.comment.author if cell.comment.author != COMMENT_AUTHOR else None
                    notes[(cell.row - 1, cell.column - 1)] = (cell.comment.text, author)
        if not notes:
            return []
        return carry_notes(_grid(ws.iter_rows(values_only=True)), notes, update)

    @staticmethod
    def _replace_sheet(wb: Workbook, title: str) -> Worksheet:
        # The pipeline owns these tabs: a fresh sheet drops stale cells, widths and outline levels at once.
        if title in wb.sheetnames:
            old = wb[title]
            index = wb.index(old)
            wb.remove(old)
            return wb.create_sheet(title, index)
        return wb.create_sheet(title)

    @staticmethod
    def _write_tracker(
        ws: Worksheet, update: TrackerUpdate, presentation: Presentation, notes: Sequence[CellNote]
    ) -> None:
        grid = update.tracker
        header_fill = PatternFill("solid", fgColor=_argb(presentation.header_format.background_hex))
        header_font = Font(bold=presentation.header_format.bold)
        week_header = {
            index: Alignment(horizontal=presentation.header_format.week_alignment)
            for index in range(presentation.first_week_col, len(grid[0]))
        }
        ws.append(_styled_row(ws, grid[0], font=header_font, fill=header_fill, alignments=week_header))
        # A coordinate, not ws.cell(): creating a cell in row 2 would make append() start at row 3.
        top_left = f"{get_column_letter(presentation.frozen_columns + 1)}{presentation.frozen_rows + 1}"
        ws.freeze_panes = top_left
        ws.sheet_properties.outlinePr.summaryBelow = False

        formats = dict(presentation.row_formats)
        fill_styles: dict[str, PatternFill] = {}

        def fill_for(color_hex: str) -> PatternFill:
            # One shared instance per colour keeps openpyxl's style interning to a lookup per cell.
            if color_hex not in fill_styles:
                fill_styles[color_hex] = PatternFill("solid", fgColor=_argb(color_hex))
            return fill_styles[color_hex]

        band_of: dict[int, PatternFill] = {}
        for band in presentation.section_bands:
            if band.color_hex.upper() not in {"#FFFFFF", "FFFFFF"}:
                for row_index in range(band.first_row, band.last_row + 1):
                    band_of[row_index] = fill_for(band.color_hex)
        cell_fills: dict[int, dict[int, PatternFill]] = {}
        for target_fill in presentation.fills:
            cell_fills.setdefault(target_fill.row, {})[target_fill.col] = fill_for(target_fill.color_hex)

        width = max(len(grid[0]), presentation.last_col + 1)
        previous_block: tuple[str, str] | None = None
        for row_index, (row, meta) in enumerate(zip(grid[1:], update.tracker_rows, strict=True), start=1):
            # Pad to the header so every week cell carries the unit's format (and band), even when empty.
            padded: list[Cell] = [*row, *([None] * (width - len(row)))]
            # Group rows by section (within Leading / Lagging): the first row of a block is the outline's
            # summary row, the others collapse under it; a thin rule separates blocks.
            block = (meta.kpi_type, meta.section)
            first_of_block = block != previous_block
            cells = _styled_row(
                ws,
                padded,
                fill=band_of.get(row_index),
                fills=cell_fills.get(row_index),
                border=_SECTION_BORDER if first_of_block else None,
                number_format=formats.get(row_index),
                number_format_from=presentation.first_week_col,
            )
            if first_of_block:
                cells[0].font = _HEADER_FONT
            ws.append(cells)
            if not first_of_block:
                ws.row_dimensions[row_index + 1].outlineLevel = 1
            previous_block = block
        for note in notes:
            comment = Comment(note.text, note.author or COMMENT_AUTHOR)
            # Room for one line of text: the default box cuts "first reported ... on YYYY-MM-DD" in two.
            comment.width, comment.height = 260, 60
            ws.cell(row=note.row + 1, column=note.col + 1).comment = comment
        for column, pixels in enumerate(presentation.column_widths, start=1):
            ws.column_dimensions[get_column_letter(column)].width = excel_width(pixels)
        # Printing (and PDF export) in landscape, repeating the header row and the KPI / Channel labels on
        # every page, so a page of later weeks still says which KPI each row is.
        ws.page_setup.orientation = "landscape"
        ws.page_setup.scale = 80
        ws.print_title_rows = "1:1"
        ws.print_title_cols = "B:C"

    @staticmethod
    def _write_charts(wb: Workbook, tracker: Worksheet, charts: Sequence[ChartSpec]) -> None:
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
            ws["A2"].font = _EXAMPLE_FONT
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

    @staticmethod
    def _write_definitions(ws: Worksheet, grid: Grid) -> None:
        _write_header(ws, grid[0])
        ws.freeze_panes = "C2"
        for row in grid[1:]:
            ws.append(_row_items(ws, row))
        _set_widths(ws, grid, maximum=80)

    @staticmethod
    def _write_insights(ws: Worksheet, grid: Grid) -> None:
        _write_header(ws, grid[0])
        ws.freeze_panes = "A2"
        # Top-aligned rows, wrapped detail: a long note grows its row instead of spilling over the next
        # columns, and the short cells stay level with its first line.
        wrap = {_INSIGHTS_DETAIL_COLUMN - 1: _TOP_WRAP}
        for row in grid[1:]:
            ws.append(_styled_row(ws, row, alignment=_TOP, alignments=wrap))
        for column, width in _INSIGHTS_WIDTHS.items():
            ws.column_dimensions[get_column_letter(column)].width = width

    @staticmethod
    def _append_snapshots(ws: Worksheet, update: TrackerUpdate, existing_rows: int, *, fresh: bool) -> None:
        """Append the update's Snapshots rows below the last used row; existing rows are never rewritten."""
        rows = update.snapshots_append
        if fresh or (existing_rows > 0 and ws.max_row == existing_rows):
            # The common case: nothing lies below the last used row, so ``append`` lands exactly there.
            if update.snapshots_header_needed:
                _write_header(ws, SNAPSHOTS_HEADER)
                ws.freeze_panes = "A2"
                _set_widths(ws, [list(SNAPSHOTS_HEADER), *rows[:200]], minimum=12)
            for row in rows:
                ws.append(_row_items(ws, row))
            return
        # Formatted but empty cells below the data (or an existing, blank tab): write at exact positions.
        next_row = existing_rows + 1
        if update.snapshots_header_needed:
            for column, name in enumerate(SNAPSHOTS_HEADER, start=1):
                _set(ws, 1, column, name)
                ws.cell(row=1, column=column).font = _HEADER_FONT
                ws.cell(row=1, column=column).fill = _HEADER_FILL
            ws.freeze_panes = "A2"
            _set_widths(ws, [list(SNAPSHOTS_HEADER), *rows[:200]], minimum=12)
            next_row = 2
        for offset, row in enumerate(rows):
            for column, value in enumerate(row, start=1):
                _set(ws, next_row + offset, column, value)

    @staticmethod
    def _create_owner_tab(ws: Worksheet, template: Sequence[Sequence[Cell]]) -> None:
        _write_header(ws, template[0])
        ws.freeze_panes = "A2"
        for row in template[1:]:
            ws.append(_styled_row(ws, row, font=_EXAMPLE_FONT))
        _set_widths(ws, [list(row) for row in template], minimum=12)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="left")

    @staticmethod
    def _order_tabs(wb: Workbook, active_title: str | None) -> None:
        # Positions count only the tabs present, so a missing Insights tab leaves no gap before Targets.
        present = [title for title in WORKBOOK_TAB_ORDER if title in wb.sheetnames]
        for position, title in enumerate(present):
            sheet = wb[title]
            wb.move_sheet(sheet, position - wb.index(sheet))
        if active_title is None or active_title not in wb.sheetnames:
            active_title = TRACKER_TAB
        active = wb[active_title]
        wb.active = wb.index(active)
        # Several selected tabs open as a "group" in Excel, where typing edits every sheet at once.
        for sheet in wb.worksheets:
            sheet.sheet_view.tabSelected = sheet is active

    def _save_atomically(self, wb: Workbook) -> None:
        directory = self.path.parent
        # A run killed between writing its temp file and renaming it leaves the temp file behind; the
        # workbook itself was never touched, so the leftover is only clutter (one writer at a time).
        for stale in directory.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
        temp = directory / f".{self.path.name}.{secrets.token_hex(6)}.tmp"
        # 0o666 through the process umask: the same permissions a plain save would give a new file.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                wb.save(handle)
                handle.flush()
                os.fsync(handle.fileno())
            if self.path.exists():
                os.chmod(temp, self.path.stat().st_mode & 0o7777)
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        _fsync_directory(directory)


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


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
