"""The tracker the owner reviews: a Google Sheet (``TRACKER_SPREADSHEET_ID``) or the local .xlsx workbook.

Which one is decided when a run starts, from the environment: with a spreadsheet id the Google Sheet,
otherwise the workbook. Demo mode never writes to a Google Sheet.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from dagster import ConfigurableResource, InitResourceContext
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import PrivateAttr

from resources.sheets import SPREADSHEET_ENV, GoogleSheetTrackerResource
from resources.source_identity import SourceIdentity
from settings import SettingsError
from sheets_sync.finite import ensure_finite
from sheets_sync.owner_tabs import OwnerTabRules, OwnerTabs
from sheets_sync.presentation import Presentation
from sheets_sync.tabs import TabGrids
from sheets_sync.update import TrackerUpdate
from sheets_sync.xlsx_writer import XlsxTracker


class WorkbookUnreadableError(ValueError):
    """The tracker workbook exists but is no .xlsx file (empty, cut off, another format); says what to do."""


T = TypeVar("T")
# Every .xlsx is a zip archive holding at least these two parts (ECMA-376 Part 2, Open Packaging Conventions).
_XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


def _unreadable(path: Path, why: str) -> WorkbookUnreadableError:
    return WorkbookUnreadableError(
        f"the tracker workbook {path} {why}: restore it from a backup, or move it away and rerun to create a new "
        "tracker there (TRACKER_WORKBOOK sets where it lives)"
    )


class WorkbookTrackerResource(ConfigurableResource):
    """A local tracker workbook (``TRACKER_WORKBOOK``, default ``.data/tracker.xlsx``), updated in place."""

    path: str = ".data/tracker.xlsx"

    @property
    def location(self) -> str:
        return str(Path(self.path).resolve())

    def ensure_readable(self) -> None:
        """Refuse an existing file that is no .xlsx workbook: it is never read as empty nor overwritten."""
        path = Path(self.path)
        if path.is_file():
            if path.stat().st_size == 0:
                raise _unreadable(path, "is empty (0 bytes), not an .xlsx file")
            if not zipfile.is_zipfile(path):
                raise _unreadable(path, "is not an .xlsx file (another format, or cut off)")
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
            if not all(part in names for part in _XLSX_PARTS):
                raise _unreadable(path, "is a zip archive but not an .xlsx workbook")

    def _workbook(self) -> XlsxTracker:
        self.ensure_readable()
        return XlsxTracker(Path(self.path))

    def _opened(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except (zipfile.BadZipFile, InvalidFileException) as error:
            raise _unreadable(Path(self.path), f"cannot be opened as an .xlsx file ({error})") from None
        except OSError as error:
            if error.filename is not None:
                raise
            # A failed write (a full disk) names no file: name the workbook, so the message says which disk.
            raise OSError(error.errno, error.strerror, str(Path(self.path).resolve())) from error

    def read_tabs(self) -> TabGrids:
        return self._opened(lambda: self._workbook().read_tabs())

    def read_owner_tabs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The valid rows of the owner's Targets and Costs tabs (empty frames when the workbook or a tab is missing)."""
        return self._opened(lambda: self._workbook().read_owner_tabs())

    def owner_tabs(self, rules: OwnerTabRules | None = None) -> OwnerTabs:
        """The owner's tabs validated against ``rules``: valid rows and a problem per row left out."""
        return self._opened(lambda: self._workbook().owner_tabs(rules))

    def holds_inputs(self, inputs: str) -> bool:
        return self._opened(lambda: self._workbook().holds_inputs(inputs))

    def write(
        self,
        update: TrackerUpdate,
        presentation: Presentation | None = None,
        log: Callable[[str], None] | None = None,
        inputs: str = "",
    ) -> Any:
        return self._opened(lambda: self._workbook().write(update, presentation, log=log, inputs=inputs))


class TrackerResource(ConfigurableResource):
    """The team's tracker: the Google Sheet when ``TRACKER_SPREADSHEET_ID`` is set, else the workbook."""

    workbook_path: str = ".data/tracker.xlsx"
    demo: bool = False
    spreadsheet_id: str | None = None  # tests; production reads TRACKER_SPREADSHEET_ID at run time
    sheets_base_url: str | None = None
    token_url: str | None = None
    service_account_info: dict[str, Any] | None = None

    _backend: WorkbookTrackerResource | GoogleSheetTrackerResource | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # Set up before the run's first step: a tracker that cannot be written stops the run before any
        # source is read, instead of after the warehouse was filled.
        backend = self.backend()
        if isinstance(backend, WorkbookTrackerResource):
            backend.ensure_readable()

    def backend(self) -> WorkbookTrackerResource | GoogleSheetTrackerResource:
        if self._backend is None:
            spreadsheet = self.spreadsheet_id or os.environ.get(SPREADSHEET_ENV, "").strip()
            if spreadsheet and self.demo:
                raise SettingsError(
                    f"demo mode never writes to a Google Sheet: unset {SPREADSHEET_ENV} for the demo, or run "
                    "`funnel-ledger run` (live mode) to fill the sheet"
                )
            if spreadsheet:
                self._backend = GoogleSheetTrackerResource(
                    spreadsheet_id=spreadsheet,
                    base_url=self.sheets_base_url,
                    token_url=self.token_url,
                    service_account_info=self.service_account_info,
                )
            else:
                self._backend = WorkbookTrackerResource(path=self.workbook_path)
        return self._backend

    @property
    def location(self) -> str:
        return self.backend().location

    def read_tabs(self) -> TabGrids:
        return self.backend().read_tabs()

    def read_owner_tabs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return self.backend().read_owner_tabs()

    def owner_tabs(self, rules: OwnerTabRules | None = None) -> OwnerTabs:
        return self.backend().owner_tabs(rules)

    def holds_inputs(self, inputs: str) -> bool:
        """True when the tracker is exactly what a write built from ``inputs`` left, so a run built from the same
        inputs has nothing to read or write. A local workbook keeps that record
        (:mod:`sheets_sync.xlsx_inputs`); a Google Sheet is always read, its owners edit it live."""
        backend = self.backend()
        return isinstance(backend, WorkbookTrackerResource) and backend.holds_inputs(inputs)

    def write(
        self,
        update: TrackerUpdate,
        presentation: Presentation | None = None,
        log: Callable[[str], None] | None = None,
        inputs: str = "",
    ) -> Any:
        """Write the update; ``log`` hears when the write waits for another writer (the workbook's lock);
        ``inputs`` fingerprints what the update was built from (:meth:`holds_inputs`)."""
        # No NaN or Infinity reaches either writer (a workbook would show Infinity as 1.797e308).
        ensure_finite(update, presentation)
        backend = self.backend()
        if isinstance(backend, WorkbookTrackerResource):
            return backend.write(update, presentation, log, inputs)
        return backend.write(update, presentation)

    def source_identity(self) -> SourceIdentity | None:
        """The Google Sheet written (its Costs and Targets are read), or None for a local workbook.

        A workbook is a file of this machine that ``--workbook`` may move at will; a spreadsheet is a
        shared document whose Snapshots history belongs to one warehouse.
        """
        backend = self.backend()
        if not isinstance(backend, GoogleSheetTrackerResource):
            return None
        sheet = backend.spreadsheet_id or ""
        return SourceIdentity("tracker", sheet, f"Google Sheet {sheet}", SPREADSHEET_ENV)
