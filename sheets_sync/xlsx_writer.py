"""Local ``.xlsx`` tracker: reads and writes the tracker workbook with openpyxl (the tracker resource's writer).

The workbook is updated in place: every tab the pipeline does not own (the owner's Targets and Costs, and
any sheet the team added) is loaded and saved back untouched. On the Scorecard, Tracker, Definitions (and
Insights, when the run passed insights) only the pipeline's region is rewritten from the model's grids
(:mod:`sheets_sync.xlsx_merge`): on the Tracker the owner's cells, rows and ranges first move with the
pipeline's rows and weeks (:mod:`sheets_sync.xlsx_reshape`). Snapshots only gets rows appended. Text boxes and
other shapes openpyxl cannot read are put back into the saved package (:mod:`sheets_sync.xlsx_drawings`).
One writer at a time: the write holds an exclusive lock on the workbook (:mod:`sheets_sync.workbook_lock`)
while it checks that the file is still the one the update was computed from (its revision properties,
:mod:`sheets_sync.xlsx_revision`), writes and swaps the new file in. The new file is written next to the
old one and swapped in with ``os.replace``, so a crash mid-save never leaves a half-written workbook.

Presentation (colours against targets, restatement comments, number formats, widths, frozen panes and the
Charts tab) follows a :class:`~sheets_sync.presentation.Presentation`, the same plan the Google Sheet writer
applies, so both trackers look alike. The Charts tab is created once; on every write the two pipeline charts
on it are rebuilt (:mod:`sheets_sync.xlsx_charts`). Anything else the owner put on the Charts tab (cells,
other charts) is kept, with openpyxl's usual limits on what it round-trips. Each tab's cells and styles are
written by :mod:`sheets_sync.xlsx_tabs`, through the text-safe cell helpers of :mod:`sheets_sync.xlsx_cells`.

Speed: on a 3-year tracker (156 weeks × ~400 Tracker rows, ~100k Snapshots rows) the Snapshots rows are most
of the file; openpyxl never parses nor serialises them: they are read from their XML and spliced back, byte for
byte, in front of the appended rows (:mod:`sheets_sync.xlsx_sheetdata`, :mod:`sheets_sync.xlsx_package`). A
write that would put into the file what it already holds is not made at all (no save, no new revision). The
Tracker tab still goes through openpyxl on every write; its cells are kept lean (:mod:`sheets_sync.xlsx_cells`).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.cells import Grid
from sheets_sync.formats import unit_number_format
from sheets_sync.notes import CellNote, carry_notes, merge_notes
from sheets_sync.owner_tabs import OwnerTabRules, OwnerTabs, empty_targets, read_owner_tabs_from_grids, read_targets
from sheets_sync.presentation import Presentation, build_presentation
from sheets_sync.tabs import (
    CHARTS_TAB,
    COSTS_TAB,
    COSTS_TEMPLATE,
    DEFINITIONS_HEADER,
    DEFINITIONS_TAB,
    INSIGHTS_TAB,
    SCORECARD_TAB,
    SNAPSHOTS_HEADER,
    SNAPSHOTS_TAB,
    TARGETS_TAB,
    TARGETS_TEMPLATE,
    TRACKER_TAB,
    WORKBOOK_TAB_ORDER,
    StaleUpdateError,
    TabGrids,
)
from sheets_sync.tracker_reshape import plan_reshape
from sheets_sync.units import UNITS_SHOWN
from sheets_sync.update import TrackerUpdate
from sheets_sync.workbook_lock import workbook_lock
from sheets_sync.xlsx_cells import grid_from_rows, last_used_row, with_uncomputed_formulas
from sheets_sync.xlsx_charts import write_charts
from sheets_sync.xlsx_drawings import SheetShapes, read_shapes
from sheets_sync.xlsx_inputs import holds_inputs, record_inputs
from sheets_sync.xlsx_merge import rewrite_region
from sheets_sync.xlsx_package import (
    LoadedWorkbook,
    content_fingerprint,
    load_for_write,
    modified_stamp,
    nothing_to_write,
    peek,
    save_atomically,
    stamp_content,
)
from sheets_sync.xlsx_reshape import TrackerShift, apply_reshape
from sheets_sync.xlsx_revision import WorkbookRevision, check_unchanged, revision_token
from sheets_sync.xlsx_sheetdata import read_rows, read_sheet_parts
from sheets_sync.xlsx_styled import write_styled_tab
from sheets_sync.xlsx_tabs import (
    COMMENT_AUTHOR,
    append_snapshots,
    create_owner_tab,
    fit_to_width,
    write_definitions,
    write_insights,
    write_tracker,
)
from sheets_sync.xlsx_validation import apply_targets_validation

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def number_formats(currency: str) -> dict[str, str]:
    """Return the Excel number format of each KPI unit for amounts below 1,000 (money from 1,000 up drops
    the cents: :func:`sheets_sync.units.number_pattern`).

    Args:
        currency: ISO 4217 code of the reporting currency, e.g. ``"USD"``.
    """
    return {unit: pattern for unit in UNITS_SHOWN if (pattern := unit_number_format(unit, currency)) is not None}


@dataclass(frozen=True)
class WriteResult:
    """What :meth:`XlsxTracker.write` did.

    Attributes:
        path: The workbook written.
        tracker_rows: KPI rows on the Tracker (section header rows not counted).
        week_columns: Week columns on the Tracker.
        snapshot_rows_appended: Rows appended to Snapshots (header excluded).
        created_tabs: Tabs that did not exist before, in creation order.
        saved: False when the workbook already held what the write would put there: it was left untouched.
    """

    path: Path
    tracker_rows: int
    week_columns: int
    snapshot_rows_appended: int
    created_tabs: list[str]
    saved: bool = True


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

    def _read_grids(self, titles: Sequence[str], *, data_only: bool) -> tuple[dict[str, Grid], str]:
        """The tabs' cells and the revision token of the file read (empty when there is no workbook).

        A Snapshots tab in the plain shape openpyxl writes is read from its XML directly (seconds faster on a
        long history, the same grid: :mod:`sheets_sync.xlsx_sheetdata`); every other tab through openpyxl.
        """
        if not self.path.exists():
            return {title: [] for title in titles}, ""
        # Status first, then one copy of the file: every tab is read from the same bytes, and a save landing
        # meanwhile shows as a changed file when the write checks the token.
        stat = os.stat(self.path)
        data = self.path.read_bytes()
        grids: dict[str, Grid] = {}
        if SNAPSHOTS_TAB in titles:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = read_sheet_parts(archive, SNAPSHOTS_TAB)
            fast = read_rows(parts.rows) if parts is not None and b' t="s"' not in parts.rows else None
            if fast is not None:
                grids[SNAPSHOTS_TAB] = fast
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
        try:
            token = revision_token(self.path, WorkbookRevision.of(wb), stat)
            for title in titles:
                if title not in grids:
                    grids[title] = (
                        grid_from_rows(wb[title].iter_rows(values_only=True)) if title in wb.sheetnames else []
                    )
            return grids, token
        finally:
            wb.close()

    def read_tabs(self) -> TabGrids:
        """Read the pipeline tabs (Tracker, Snapshots, Definitions, Insights); a missing workbook reads as empty.

        Returns:
            The tabs' cells, header rows included (dates typed into cells come back as ``YYYY-MM-DD``), and the
            revision token :meth:`write` checks.
        """
        grids, token = self._read_grids((TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB), data_only=True)
        return TabGrids(
            tracker=grids[TRACKER_TAB],
            snapshots=grids[SNAPSHOTS_TAB],
            definitions=grids[DEFINITIONS_TAB],
            insights=grids[INSIGHTS_TAB],
            revision=token,
        )

    def owner_tabs(self, rules: OwnerTabRules | None = None) -> OwnerTabs:
        """Read and validate the owner's Targets and Costs tabs; a bad row is left out and named.

        Args:
            rules: The KPI ids and slice names rows may name (default: any).

        Returns:
            The valid rows and every problem (:func:`~sheets_sync.owner_tabs.read_owner_tabs_from_grids`);
            empty frames when a tab or the workbook is missing.
        """
        titles = (TARGETS_TAB, COSTS_TAB)
        values, _ = self._read_grids(titles, data_only=True)
        formulas, _ = self._read_grids(titles, data_only=False)
        # A formula saved by a tool that does not compute it (openpyxl included) has no cached value; show
        # the formula so the problem explains itself instead of calling the cell empty.
        merged = {title: with_uncomputed_formulas(values[title], formulas[title]) for title in titles}
        return read_owner_tabs_from_grids(merged[TARGETS_TAB], merged[COSTS_TAB], rules)

    def read_owner_tabs(self, known_kpi_ids: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The valid rows of the Targets and Costs tabs (``owner_tabs`` also says which rows were left out).

        Args:
            known_kpi_ids: When given, Targets rows naming another kpi_id are left out.
        """
        owner = self.owner_tabs(OwnerTabRules(kpi_ids=None if known_kpi_ids is None else frozenset(known_kpi_ids)))
        return owner.targets, owner.costs

    # --------------------------------------------------------------------------------------------- write

    def write(
        self,
        update: TrackerUpdate,
        presentation: Presentation | None = None,
        *,
        log: Callable[[str], None] | None = None,
        inputs: str = "",
    ) -> WriteResult:
        """Apply a :class:`~sheets_sync.update.TrackerUpdate` to the workbook, atomically and one writer at a time.

        Tabs the pipeline does not own are left as they are; missing Targets and Costs tabs are created
        once with a header and an example row; the Targets tab's drop-downs are refreshed when the
        presentation carries them. The Scorecard (when the presentation carries it) is rewritten first in tab
        order and the workbook opens on it. The Insights tab is rewritten only when the update carries
        insights (``update.insights_replaced``); otherwise it is left as it is, or not created. The Charts
        tab is created once when the Tracker has rows to chart; the pipeline's charts on it are rebuilt on
        every write. Comments already on Tracker cells follow their cells to their new positions; what the
        owner put around the pipeline's cells stays, moved with its row or column on the Tracker.

        Args:
            update: The update computed by :func:`~sheets_sync.update.build_update` from :meth:`read_tabs`.
            presentation: How to present the Tracker (:func:`~sheets_sync.presentation.build_presentation`
                for this update). ``None`` builds it from the workbook's own Targets tab (no colours when the
                tab is missing or invalid) and this tracker's currency.
            log: Told when the write waits for another writer's lock.
            inputs: A fingerprint of what the update and presentation were built from, recorded with the
                written file (:mod:`sheets_sync.xlsx_inputs`) so the next run with the same inputs can skip
                reading the workbook (:meth:`holds_inputs`); empty forgets any record.

        Returns:
            What was written.

        Raises:
            StaleUpdateError: The workbook changed since the update was computed (another run wrote, or
                someone saved it); nothing was written.
            WorkbookLockedError: Another writer kept the workbook locked; nothing was written.
        """
        with workbook_lock(self.path, holder=f"run {update.run_id}", log=log):
            result = self._write_locked(update, presentation)
            # Under the lock: the file is the one this write left, or found holding what it would write.
            record_inputs(self.path, inputs)
            return result

    def holds_inputs(self, inputs: str) -> bool:
        """True when the workbook is exactly what a write built from ``inputs`` left: nothing to read or write."""
        return holds_inputs(self.path, inputs)

    def _write_locked(self, update: TrackerUpdate, presentation: Presentation | None) -> WriteResult:
        shapes: dict[str, SheetShapes] = {}
        fingerprint = content_fingerprint(update, presentation, self.currency) if presentation is not None else ""
        if self.path.exists():
            # Checked before anything is parsed: the small parts say whether the file is the one read, and
            # whether it already holds exactly what this write would put there (then it is left untouched:
            # no save, no new revision).
            seen = peek(self.path)
            check_unchanged(self.path, update.read_revision, seen.revision)
            if presentation is not None and nothing_to_write(
                update, _tabs_written(update, presentation), fingerprint, seen
            ):
                return self._result(update, [], saved=False)
            shapes = read_shapes(self.path)
            loaded = load_for_write(self.path)
            wb = loaded.wb
            active_title: str | None = wb.active.title if wb.active is not None else None
        else:
            wb = Workbook()
            wb.remove(wb.active)
            loaded = LoadedWorkbook(wb)
            active_title = None
        revision = WorkbookRevision.of(wb)
        if update.read_revision or self.path.exists():
            check_unchanged(self.path, update.read_revision, revision)

        snapshots = wb[SNAPSHOTS_TAB] if SNAPSHOTS_TAB in wb.sheetnames else None
        existing_rows = (
            loaded.last_row
            if loaded.rows is not None
            else last_used_row(snapshots, len(SNAPSHOTS_HEADER))
            if snapshots is not None
            else 0
        )
        if existing_rows != update.snapshots_existing_rows:
            raise StaleUpdateError(
                f"{self.path}: the {SNAPSHOTS_TAB} tab has {existing_rows} rows but the update was computed "
                f"from {update.snapshots_existing_rows}; re-read the workbook and rebuild the update"
            )
        if presentation is None:
            presentation = build_presentation(update, self._workbook_targets(wb), currency=self.currency)
        kept_notes = self._existing_notes(wb, update)

        written = _tabs_written(update, presentation)
        created = [title for title in WORKBOOK_TAB_ORDER if title in written and title not in wb.sheetnames]

        scorecard = presentation.scorecard
        if scorecard is not None:
            rewrite_region(
                wb,
                SCORECARD_TAB,
                lambda ws: write_styled_tab(ws, scorecard),
                # The pipeline's whole tab, re-laid out every run: everything it held before is cleared.
                lambda rendered, kept: (
                    _rows_used(rendered, kept, kept.max_column),
                    max(scorecard.width, kept.max_column),
                ),
            )
        shift = self._reshape_tracker(wb, update)
        notes = merge_notes(kept_notes, presentation.notes)
        shown = presentation
        tracker = rewrite_region(
            wb,
            TRACKER_TAB,
            lambda ws: write_tracker(ws, update, shown, notes),
            lambda rendered, kept: (shift.reshape.extent, max(shift.new_width, shift.old_width)),
        )
        definitions = rewrite_region(
            wb,
            DEFINITIONS_TAB,
            lambda ws: write_definitions(ws, update.definitions),
            lambda rendered, kept: (_rows_used(rendered, kept, len(DEFINITIONS_HEADER)), len(DEFINITIONS_HEADER)),
        )
        fit_to_width(definitions)
        if update.insights_replaced:
            rewrite_region(
                wb,
                INSIGHTS_TAB,
                lambda ws: write_insights(ws, update.insights),
                # The rows carry the owner's cells right of the table with them: the whole width is rewritten.
                lambda rendered, kept: (
                    _rows_used(rendered, kept, kept.max_column),
                    max(rendered.max_column, kept.max_column),
                ),
            )
        new_snapshots = snapshots is None
        if snapshots is None:
            snapshots = wb.create_sheet(SNAPSHOTS_TAB)
        append_snapshots(snapshots, update, existing_rows, fresh=new_snapshots)
        # The history is for reading on screen: a printout (or PDF) of every tab shows its header only.
        snapshots.print_area = f"A1:{get_column_letter(len(SNAPSHOTS_HEADER))}1"
        fit_to_width(snapshots)
        for title, template in ((TARGETS_TAB, TARGETS_TEMPLATE), (COSTS_TAB, COSTS_TEMPLATE)):
            if title not in wb.sheetnames:
                create_owner_tab(wb.create_sheet(title), template)
        if presentation.targets_validation is not None:
            apply_targets_validation(wb, wb[TARGETS_TAB], presentation.targets_validation)
        if presentation.charts or CHARTS_TAB in wb.sheetnames:
            write_charts(wb, tracker, presentation.charts)

        # The workbook opens on the Scorecard, the Monday read; without one, on the tab the owner had open.
        self._order_tabs(wb, SCORECARD_TAB if presentation.scorecard is not None else active_title)
        # openpyxl saves formulas of untouched tabs without cached values: ask Excel/LibreOffice to
        # recompute on open so those tabs keep showing numbers. A workbook written without <calcPr> (some
        # tools omit it; it is optional in the spec) gets one.
        if wb.calculation is None:
            wb.calculation = CalcProperties()
        wb.calculation.fullCalcOnLoad = True
        revision.next(wb, update.run_id, update.snapshot_at)
        # The save stamp goes into the content record: a save by anyone else changes it (Excel and LibreOffice
        # stamp every save), so the next run knows the file is no longer exactly what this write left.
        wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None, microsecond=0)
        if fingerprint:
            stamp_content(wb, fingerprint, modified_stamp(wb.properties.modified))

        def anchor_shift(row: int, column: int) -> tuple[int, int]:
            moved = shift.row(row)
            return (row if moved is None else moved, shift.column(column))

        save_atomically(self.path, loaded, shapes, {TRACKER_TAB: anchor_shift} if shift.moves_anything else {})
        return self._result(update, created, saved=True)

    def _result(self, update: TrackerUpdate, created: list[str], *, saved: bool) -> WriteResult:
        return WriteResult(
            path=self.path,
            tracker_rows=update.kpi_rows,
            week_columns=len(update.weeks),
            snapshot_rows_appended=len(update.snapshots_append) if saved else 0,
            created_tabs=created,
            saved=saved,
        )

    @staticmethod
    def _reshape_tracker(wb: Workbook, update: TrackerUpdate) -> TrackerShift:
        """Move the owner's cells and ranges on the Tracker with the pipeline's rows and weeks."""
        origin = update.origin
        new_width = max((len(row) for row in update.tracker), default=0)
        owner_rows: set[int] = set()
        if TRACKER_TAB in wb.sheetnames:
            for (row, column), cell in wb[TRACKER_TAB]._cells.items():
                if column > origin.old_width and (cell.value not in (None, "") or cell.comment is not None):
                    owner_rows.add(row - 1)
        shift = TrackerShift(
            plan_reshape(origin, new_width, owner_rows), origin.old_width, new_width, len(update.tracker)
        )
        if TRACKER_TAB in wb.sheetnames:
            apply_reshape(wb[TRACKER_TAB], shift)
        return shift

    @staticmethod
    def _workbook_targets(wb: Workbook) -> pd.DataFrame:
        """The valid rows of the loaded workbook's Targets tab (none when it is missing).

        Colours are a courtesy: an owner's typo must not fail the write, nor cost the other rows their
        colours (the KPI run names the bad row on Insights).
        """
        if TARGETS_TAB not in wb.sheetnames:
            return empty_targets()
        return read_targets(grid_from_rows(wb[TARGETS_TAB].iter_rows(values_only=True)))[0]

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
        return carry_notes(grid_from_rows(ws.iter_rows(values_only=True)), notes, update)

    @staticmethod
    def _order_tabs(wb: Workbook, active_title: str | None) -> None:
        # Positions count only the tabs present, so a missing Insights tab leaves no gap before Targets.
        present = [title for title in WORKBOOK_TAB_ORDER if title in wb.sheetnames]
        for position, title in enumerate(present):
            sheet = wb[title]
            wb.move_sheet(sheet, position - wb.index(sheet))
        if active_title is None or active_title not in wb.sheetnames:
            active_title = present[0]
        active = wb[active_title]
        wb.active = wb.index(active)
        # Several selected tabs open as a "group" in Excel, where typing edits every sheet at once.
        for sheet in wb.worksheets:
            sheet.sheet_view.tabSelected = sheet is active


def _rows_used(rendered: Worksheet, kept: Worksheet, columns: int) -> int:
    """Rows of a table's region: the new table's, or the old one's in the same columns when it was longer."""
    return max(rendered.max_row, last_used_row(kept, columns))


def _tabs_written(update: TrackerUpdate, presentation: Presentation) -> list[str]:
    """The tabs a write fills (a missing one is created)."""
    written = [TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, TARGETS_TAB, COSTS_TAB]
    if presentation.scorecard is not None:
        written.append(SCORECARD_TAB)
    if update.insights_replaced:
        written.append(INSIGHTS_TAB)
    if presentation.charts:
        written.append(CHARTS_TAB)
    return written
