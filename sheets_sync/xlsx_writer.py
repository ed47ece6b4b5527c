"""Local ``.xlsx`` tracker: reads and writes the tracker workbook with openpyxl.

The workbook is updated in place: every tab the pipeline does not own (the owner's Targets and Costs, and
any sheet the team added) is loaded and saved back untouched. Tracker and Definitions are rewritten from the
model's grids, Snapshots only gets rows appended. The new file is written next to the old one and swapped in
with ``os.replace``, so a crash mid-save never leaves a half-written workbook.
"""

from __future__ import annotations

import contextlib
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
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.model import (
    COSTS_TAB,
    COSTS_TEMPLATE,
    DEFINITIONS_TAB,
    FIRST_WEEK_COLUMN,
    SNAPSHOTS_HEADER,
    SNAPSHOTS_TAB,
    TAB_ORDER,
    TARGETS_TAB,
    TARGETS_TEMPLATE,
    TRACKER_TAB,
    Cell,
    Grid,
    StaleUpdateError,
    TabGrids,
    TrackerUpdate,
    parse_costs,
    parse_targets,
)

# Leading characters that make Excel/LibreOffice treat typed text as a formula (OWASP formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="FFE8EAED")
_SECTION_BORDER = Border(top=Side(style="thin", color="FF9AA0A6"))
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def number_formats(currency: str) -> dict[str, str]:
    """Return the Excel number format of each KPI unit.

    Args:
        currency: ISO 4217 code shown with currency values, e.g. ``"USD"``.
    """
    return {
        "count": "#,##0",
        "currency": f'#,##0.00 "{currency}"',
        "ratio": "0.0%",
        "days": "0.0",
        "seconds": "0",
        "currency_per_day": "#,##0.00",
    }


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
    """1-based index of the last row holding a value (0 for an empty sheet)."""
    last = 0
    for index, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if any(value is not None and value != "" for value in row):
            last = index
    return last


def _set(ws: Worksheet, row: int, column: int, value: Cell) -> None:
    """Write one cell; text is always stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        # openpyxl turns any "=..." string into a formula; force the string type, and mark risky text with
        # Excel's quote prefix so editing the cell in Excel does not turn it into a formula either.
        cell.data_type = "s"
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value


def _write_header(ws: Worksheet, header: Sequence[Cell]) -> None:
    for column, value in enumerate(header, start=1):
        _set(ws, 1, column, value)
        cell = ws.cell(row=1, column=column)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL


def _set_widths(ws: Worksheet, grid: Grid, *, minimum: int = 8, maximum: int = 60) -> None:
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
        """Read the pipeline tabs (Tracker, Snapshots, Definitions); a missing workbook reads as empty.

        Returns:
            The tabs' cells, header rows included; dates typed into cells come back as ``YYYY-MM-DD``.
        """
        grids = self._read_grids((TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB), data_only=True)
        return TabGrids(tracker=grids[TRACKER_TAB], snapshots=grids[SNAPSHOTS_TAB], definitions=grids[DEFINITIONS_TAB])

    def read_owner_tabs(self, known_kpi_ids: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Read and validate the owner's Targets and Costs tabs.

        Args:
            known_kpi_ids: When given, Targets rows naming another kpi_id are errors.

        Returns:
            ``(targets, costs)`` as parsed by :func:`~sheets_sync.model.parse_targets` and
            :func:`~sheets_sync.model.parse_costs`; empty frames when a tab or the workbook is missing.

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

    def write(self, update: TrackerUpdate) -> WriteResult:
        """Apply a :class:`~sheets_sync.model.TrackerUpdate` to the workbook, atomically.

        Tabs the pipeline does not own are left as they are; missing Targets and Costs tabs are created
        once with a header and an example row.

        Args:
            update: The update computed by :func:`~sheets_sync.model.build_update` from :meth:`read_tabs`.

        Returns:
            What was written.

        Raises:
            StaleUpdateError: Snapshots changed since the update was computed (another run wrote).
        """
        created: list[str] = []
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

        for title in (TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, TARGETS_TAB, COSTS_TAB):
            if title not in wb.sheetnames:
                created.append(title)

        self._write_tracker(self._replace_sheet(wb, TRACKER_TAB), update)
        self._write_definitions(self._replace_sheet(wb, DEFINITIONS_TAB), update.definitions)
        if snapshots is None:
            snapshots = wb.create_sheet(SNAPSHOTS_TAB)
        self._append_snapshots(snapshots, update, existing_rows)
        for title, template in ((TARGETS_TAB, TARGETS_TEMPLATE), (COSTS_TAB, COSTS_TEMPLATE)):
            if title not in wb.sheetnames:
                self._create_owner_tab(wb.create_sheet(title), template)

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
    def _replace_sheet(wb: Workbook, title: str) -> Worksheet:
        # The pipeline owns these tabs: a fresh sheet drops stale cells, widths and outline levels at once.
        if title in wb.sheetnames:
            old = wb[title]
            index = wb.index(old)
            wb.remove(old)
            return wb.create_sheet(title, index)
        return wb.create_sheet(title)

    def _write_tracker(self, ws: Worksheet, update: TrackerUpdate) -> None:
        grid = update.tracker
        formats = number_formats(self.currency)
        _write_header(ws, grid[0])
        ws.freeze_panes = ws.cell(row=2, column=FIRST_WEEK_COLUMN + 1).coordinate  # G2
        ws.sheet_properties.outlinePr.summaryBelow = False
        previous_block: tuple[str, str] | None = None
        for row_index, (row, meta) in enumerate(zip(grid[1:], update.tracker_rows, strict=True), start=2):
            number_format = formats.get(meta.unit, "General")
            for column, value in enumerate(row, start=1):
                _set(ws, row_index, column, value)
                if column > FIRST_WEEK_COLUMN:
                    ws.cell(row=row_index, column=column).number_format = number_format
            # Group rows by section (within Leading / Lagging): the first row of a block is the outline's
            # summary row, the others collapse under it; a thin rule separates blocks.
            block = (meta.kpi_type, meta.section)
            if block != previous_block:
                for column in range(1, len(grid[0]) + 1):
                    ws.cell(row=row_index, column=column).border = _SECTION_BORDER
                ws.cell(row=row_index, column=1).font = _HEADER_FONT
            else:
                ws.row_dimensions[row_index].outlineLevel = 1
            previous_block = block
        widths = {1: 14, 2: 28, 3: 16, 4: 16, 5: 9, 6: 10}
        for column, width in widths.items():
            longest = max((len(str(row[column - 1])) for row in grid if len(row) >= column), default=0)
            ws.column_dimensions[get_column_letter(column)].width = min(max(width, longest + 2), 48)
        for column in range(FIRST_WEEK_COLUMN + 1, len(grid[0]) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 13

    @staticmethod
    def _write_definitions(ws: Worksheet, grid: Grid) -> None:
        _write_header(ws, grid[0])
        ws.freeze_panes = "C2"
        for row_index, row in enumerate(grid[1:], start=2):
            for column, value in enumerate(row, start=1):
                _set(ws, row_index, column, value)
        _set_widths(ws, grid, maximum=80)

    @staticmethod
    def _append_snapshots(ws: Worksheet, update: TrackerUpdate, existing_rows: int) -> None:
        next_row = existing_rows + 1
        if update.snapshots_header_needed:
            _write_header(ws, SNAPSHOTS_HEADER)
            ws.freeze_panes = "A2"
            _set_widths(ws, [list(SNAPSHOTS_HEADER), *update.snapshots_append[:200]], minimum=12)
            next_row = 2
        # Existing rows are never rewritten: cells are only set below the last used row.
        for offset, row in enumerate(update.snapshots_append):
            for column, value in enumerate(row, start=1):
                _set(ws, next_row + offset, column, value)

    @staticmethod
    def _create_owner_tab(ws: Worksheet, template: Sequence[Sequence[Cell]]) -> None:
        _write_header(ws, template[0])
        ws.freeze_panes = "A2"
        for row_index, row in enumerate(template[1:], start=2):
            for column, value in enumerate(row, start=1):
                _set(ws, row_index, column, value)
                ws.cell(row=row_index, column=column).font = Font(italic=True, color="FF80868B")
        _set_widths(ws, [list(row) for row in template], minimum=12)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="left")

    @staticmethod
    def _order_tabs(wb: Workbook, active_title: str | None) -> None:
        for position, title in enumerate(TAB_ORDER):
            if title in wb.sheetnames:
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
