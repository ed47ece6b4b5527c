"""The Google Sheet writer: the tracker model written with gspread in one read and one atomic batchUpdate.

Per run the writer makes exactly one read (``spreadsheets.get`` with grid data: every tab's values, the
Tracker's notes, row groups, basic filter and conditional formats, the charts, the revision marker) and one
write (``spreadsheets.batchUpdate``) whatever the number of weeks; the requests are built by
:mod:`sheets_sync.gsheets_plan`, :mod:`sheets_sync.gsheets_reshape` (the Tracker's rows and columns moved
first, so the owner's cells around the pipeline's move with them), :mod:`sheets_sync.gsheets_tracker` (the
Tracker's presentation and charts) and :mod:`sheets_sync.gsheets_styled` (the Scorecard, the Targets tab's
drop-downs).
The write carries the values, the formats, the notes, the charts and the next revision marker together
because a batchUpdate is atomic: either all of it lands or none of it does, so a failure never leaves a
half-written tracker, and a write computed from a sheet another run has written since is refused whole
(:mod:`sheets_sync.gsheets_revision`). Only the pipeline's cells are written: the Scorecard, the Tracker's
block, the tables' own columns on Definitions and Snapshots, the Insights rows; what the owner typed,
noted, filtered or formatted elsewhere is left as it is.
Values go in as typed ``userEnteredValue`` cells, which Sheets never parses: CRM text such as
``=HYPERLINK(...)`` stays text, exactly like a RAW values write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import gspread
import pandas as pd

from sheets_sync import insights_layout
from sheets_sync.gsheets_plan import CELL_LIMIT, Plan, SheetState, TrackerLimitError, parse_spreadsheet
from sheets_sync.gsheets_reshape import reshape_tracker
from sheets_sync.gsheets_revision import read_revision, revision_requests, stale_error
from sheets_sync.gsheets_styled import apply_targets_validation, write_owner_template, write_styled_tab
from sheets_sync.gsheets_tracker import chart_id, present_tracker
from sheets_sync.owner_tabs import OwnerTabRules, OwnerTabs, read_owner_tabs_from_grids
from sheets_sync.presentation import Presentation
from sheets_sync.tabs import (
    CHARTS_TAB,
    COSTS_TAB,
    COSTS_TEMPLATE,
    DEFINITIONS_HEADER,
    DEFINITIONS_TAB,
    INSIGHTS_TAB,
    SCORECARD_TAB,
    SNAPSHOTS_TAB,
    TAB_ORDER,
    TARGETS_TAB,
    TARGETS_TEMPLATE,
    TRACKER_TAB,
    TabGrids,
)
from sheets_sync.update import TrackerUpdate

__all__ = [
    "CELL_LIMIT",
    "GoogleSheetTracker",
    "SheetState",
    "TrackerLimitError",
    "chart_id",
    "parse_spreadsheet",
]

READ_FIELDS = (
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),charts(chartId),rowGroups,"
    "basicFilter,conditionalFormats,data(rowData(values(effectiveValue,effectiveFormat(numberFormat(type)),note))))"
)


class GoogleSheetTracker:
    """The tracker in a Google Sheet, written through an injected ``gspread.Client``."""

    def __init__(self, client: gspread.Client, spreadsheet_id: str) -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self._state: SheetState | None = None
        self.requests = 0

    # --- reading ---------------------------------------------------------------------------------

    def read(self) -> SheetState:
        """The one read of a run (cached: later calls reuse it)."""
        if self._state is None:
            self.requests += 1
            payload = self.client.http_client.spreadsheets_get(
                self.spreadsheet_id, params={"includeGridData": "true", "fields": READ_FIELDS}
            )
            self._state = parse_spreadsheet(payload)
        return self._state

    def read_tabs(self) -> TabGrids:
        state = self.read()
        return TabGrids(
            tracker=state.grids.get(TRACKER_TAB, []),
            snapshots=state.grids.get(SNAPSHOTS_TAB, []),
            definitions=state.grids.get(DEFINITIONS_TAB, []),
            insights=state.grids.get(INSIGHTS_TAB, []),
        )

    def owner_tabs(self, rules: OwnerTabRules | None = None) -> OwnerTabs:
        """The owner's Targets and Costs tabs, validated: the valid rows and a problem per bad row."""
        state = self.read()
        return read_owner_tabs_from_grids(state.grids.get(TARGETS_TAB, []), state.grids.get(COSTS_TAB, []), rules)

    def read_owner_tabs(self, known_kpi_ids: Iterable[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The valid rows of the Targets and Costs tabs (``owner_tabs`` also says which rows were left out)."""
        owner = self.owner_tabs(OwnerTabRules(kpi_ids=None if known_kpi_ids is None else frozenset(known_kpi_ids)))
        return owner.targets, owner.costs

    # --- writing ---------------------------------------------------------------------------------

    def write(self, update: TrackerUpdate, presentation: Presentation | None = None) -> dict[str, Any]:
        """Bring the sheet up to date in one atomic batchUpdate; returns the request counts and sizes.

        Raises:
            StaleUpdateError: Another run wrote the sheet after this one read it; nothing was written.
        """
        state = self.read()
        try:
            plan = self._plan(state, update, presentation)
            plan.check_cell_limit()
            self.client.http_client.batch_update(self.spreadsheet_id, {"requests": plan.requests})
            self.requests += 1
        except gspread.exceptions.APIError as refused:
            if refused.code != 400:
                raise
            # A refused batch changed nothing; if the marker moved on, another run wrote first.
            self.requests += 1
            now = read_revision(
                self.client.http_client.spreadsheets_get(self.spreadsheet_id, params={"fields": "developerMetadata"})
            )
            stale = stale_error(state.revision, now, f"Google Sheet {self.spreadsheet_id}")
            if stale is not None:
                raise stale from None
            raise
        finally:
            self._state = None
        return {"batch_requests": len(plan.requests), "api_requests": self.requests}

    def _plan(self, state: SheetState, update: TrackerUpdate, presentation: Presentation | None) -> Plan:
        plan = Plan(state)
        _, marker = revision_requests(state.revision, update.run_id, update.snapshot_at)
        plan.requests.extend(marker)
        scorecard = presentation.scorecard if presentation is not None else None
        if scorecard is not None and SCORECARD_TAB not in state.sheets:
            plan.add_sheet(SCORECARD_TAB, index=0)  # first in tab order: the Monday read
        for title in (*TAB_ORDER, CHARTS_TAB):
            if title not in state.sheets and (
                title in _PIPELINE_GRIDS
                or title in (TARGETS_TAB, COSTS_TAB)
                or (title == CHARTS_TAB and presentation and presentation.charts)
            ):
                plan.add_sheet(title)
        reshape = reshape_tracker(plan, update)
        tracker_width = max([len(row) for row in update.tracker] + [update.origin.old_width])
        plan.write_block(TRACKER_TAB, update.tracker, reshape.extent, tracker_width)
        plan.replace_grid(
            DEFINITIONS_TAB,
            update.definitions,
            previous=state.grids.get(DEFINITIONS_TAB, []),
            width_limit=len(DEFINITIONS_HEADER),
        )
        if update.insights_replaced:
            # Insights rows carry the owner's cells right of the table with them (the model keeps them).
            plan.replace_grid(INSIGHTS_TAB, update.insights, previous=state.grids.get(INSIGHTS_TAB, []))
        snapshot_rows = update.snapshot_rows_to_write
        if snapshot_rows:
            start = update.snapshots_existing_rows if not update.snapshots_header_needed else 0
            plan.write_rows(SNAPSHOTS_TAB, start, snapshot_rows)
        for title, template in ((TARGETS_TAB, TARGETS_TEMPLATE), (COSTS_TAB, COSTS_TEMPLATE)):
            if title not in state.sheets:
                write_owner_template(plan, title, [list(row) for row in template])
                plan.freeze(title, rows=1, columns=0)
        for title in (SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB):
            if title not in state.sheets:
                plan.freeze(title, rows=1, columns=0)
        if update.insights_replaced:
            plan.requests.extend(insights_layout.sheets_requests(plan.ids[INSIGHTS_TAB], len(update.insights)))
        if scorecard is not None:
            # The Scorecard is the pipeline's whole (re-laid out every run): all it held before is blanked.
            write_styled_tab(plan, scorecard, previous=state.grids.get(SCORECARD_TAB, []))
        if presentation is not None:
            kpi_ids = {str(row[0]) for row in update.definitions[1:] if row and row[0]}
            present_tracker(plan, update, presentation, kpi_ids, reshape.extent)
            if presentation.targets_validation is not None:
                apply_targets_validation(plan, presentation.targets_validation)
        return plan


_PIPELINE_GRIDS = (TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB)
