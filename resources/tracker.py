"""The tracker the owner reviews: the local .xlsx workbook (the Google Sheet writer plugs in beside it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from dagster import ConfigurableResource

from sheets_sync.model import TabGrids, TrackerUpdate
from sheets_sync.xlsx_writer import WriteResult, XlsxTracker


class WorkbookTrackerResource(ConfigurableResource):
    """A local tracker workbook (``TRACKER_WORKBOOK``, default ``.data/tracker.xlsx``), updated in place."""

    path: str = ".data/tracker.xlsx"

    @property
    def location(self) -> str:
        return str(Path(self.path).resolve())

    def _workbook(self) -> XlsxTracker:
        return XlsxTracker(Path(self.path))

    def read_tabs(self) -> TabGrids:
        return self._workbook().read_tabs()

    def read_owner_tabs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The owner's Targets and Costs tabs (empty frames when the workbook or a tab is missing)."""
        return self._workbook().read_owner_tabs()

    def write(self, update: TrackerUpdate) -> WriteResult:
        return self._workbook().write(update)
